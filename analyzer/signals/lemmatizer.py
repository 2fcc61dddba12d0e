"""``lookup_lemmatizer``: spaCy's lookup-mode Lemmatizer, vectorised.

Same tables (``lemma_lookup`` from spacy-lookups-data, loaded by :meth:`initialize` at build time and
saved with the pipeline, so a built pipeline loads without spacy-lookups-data) and the same lemmas as
``spacy.pipeline.Lemmatizer(mode="lookup")``. spaCy's version creates a Python Token object per
token; this one maps the ORTH arrays of a whole batch of docs (``pipe``) through a per-process cache
(orth id -> lemma id: a dict, mirrored in a pandas hash index for vectorised lookups, rebuilt as the
dict grows) and writes each doc's LEMMA column in one ``Doc.from_array`` call, which takes the
lemmatizer from the most expensive step of the signal pipeline to a minor one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
from spacy.attrs import LEMMA, ORTH
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc
from spacy.util import minibatch

_CACHE_MAX = 1_000_000


class LookupLemmatizer(Lemmatizer):
    """Lookup lemmatizer with a cached, array-based ``__call__`` (see the module docstring)."""

    def __init__(self, vocab, model=None, name: str = "lemmatizer", *, overwrite: bool = False, scorer=None):
        super().__init__(vocab, model, name, mode="lookup", overwrite=overwrite, scorer=scorer)
        self._reset_cache()

    def _reset_cache(self) -> None:
        self._cache: dict[int, int] = {}  # orth id -> lemma id
        self._index = pd.Index(np.zeros(0, dtype="uint64"))  # the cache's keys when last mirrored
        self._values = np.zeros(0, dtype="uint64")  # ... and their lemmas, in the same order

    def _lemma_id(self, orth: int) -> int:
        lemma = self._cache.get(orth)
        if lemma is None:
            text = self.vocab.strings[orth]
            result = self.lookups.get_table("lemma_lookup", {}).get(text, text)
            lemma = self.vocab.strings.add(result if isinstance(result, str) else text)
            if len(self._cache) >= _CACHE_MAX:
                self._reset_cache()
            self._cache[orth] = lemma
        return lemma

    def _lemmas(self, orths: np.ndarray) -> np.ndarray:
        """Lemma ids of an array of orth ids (uint64)."""
        rows = self._index.get_indexer(orths)
        missing = np.flatnonzero(rows < 0)
        lemmas = self._values[rows] if len(self._values) else np.zeros(len(orths), dtype="uint64")  # -1: fixed below
        if len(missing):
            get = self._cache.get
            lemmas[missing] = [get(o) or self._lemma_id(o) for o in orths[missing].tolist()]
            if len(self._cache) - len(self._index) > max(1024, len(self._index) // 4):  # mirror the dict again
                self._index = pd.Index(np.fromiter(self._cache.keys(), dtype="uint64", count=len(self._cache)))
                self._values = np.fromiter(self._cache.values(), dtype="uint64", count=len(self._cache))
        return lemmas

    def __call__(self, doc: Doc) -> Doc:
        self._annotate([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        error_handler = self.get_error_handler()
        for docs in minibatch(stream, size=batch_size):
            try:
                self._annotate(docs)
            except Exception as exc:  # spaCy's contract: the pipeline's error handler decides
                error_handler(self.name, self, docs, exc)
            yield from docs

    def _annotate(self, docs: list[Doc]) -> None:
        live = [doc for doc in docs if len(doc)]
        if not live:
            return
        self._validate_tables()
        arrays = [doc.to_array([ORTH, LEMMA]) for doc in live]
        arr = np.concatenate(arrays) if len(arrays) > 1 else arrays[0]
        new = self._lemmas(np.ascontiguousarray(arr[:, 0]))
        if not self.overwrite:  # keep lemmas set before (an all-zero column keeps nothing)
            new = np.where(arr[:, 1] != 0, arr[:, 1], new)
        start = 0
        for doc, a in zip(live, arrays):
            doc.from_array([LEMMA], new[start:start + len(a)].reshape(-1, 1))
            start += len(a)

    def from_disk(self, path, *, exclude=tuple()):
        self._reset_cache()
        return super().from_disk(path, exclude=exclude)

    def from_bytes(self, bytes_data, *, exclude=tuple()):
        self._reset_cache()
        return super().from_bytes(bytes_data, exclude=exclude)

    def initialize(self, get_examples=None, *, nlp=None, lookups=None):
        self._reset_cache()
        return super().initialize(get_examples, nlp=nlp, lookups=lookups)


@Language.factory("lookup_lemmatizer", assigns=["token.lemma"],
                  default_config={"overwrite": False, "scorer": {"@scorers": "spacy.lemmatizer_scorer.v1"}})
def make_lookup_lemmatizer(nlp: Language, name: str, overwrite: bool, scorer) -> LookupLemmatizer:
    return LookupLemmatizer(nlp.vocab, None, name, overwrite=overwrite, scorer=scorer)
