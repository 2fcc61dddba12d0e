"""``lookup_lemmatizer``: spaCy's lookup-mode Lemmatizer, vectorised.

Same tables (``lemma_lookup`` from spacy-lookups-data, loaded by :meth:`initialize` at build time and
saved with the pipeline, so a built pipeline loads without spacy-lookups-data) and the same lemmas as
``spacy.pipeline.Lemmatizer(mode="lookup")``. spaCy's version creates a Python Token object per
token; this one maps the doc's ORTH array through a per-process cache (orth id -> lemma id) and
writes the LEMMA column in one ``Doc.from_array`` call, which takes the lemmatizer from the most
expensive step of the signal pipeline to a minor one.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import LEMMA, ORTH
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc


class LookupLemmatizer(Lemmatizer):
    """Lookup lemmatizer with a cached, array-based ``__call__`` (see the module docstring)."""

    def __init__(self, vocab, model=None, name: str = "lemmatizer", *, overwrite: bool = False, scorer=None):
        super().__init__(vocab, model, name, mode="lookup", overwrite=overwrite, scorer=scorer)
        self._cache: dict[int, int] = {}

    def _lemma_id(self, orth: int) -> int:
        lemma = self._cache.get(orth)
        if lemma is None:
            text = self.vocab.strings[orth]
            result = self.lookups.get_table("lemma_lookup", {}).get(text, text)
            lemma = self.vocab.strings.add(result if isinstance(result, str) else text)
            if len(self._cache) > 1_000_000:
                self._cache.clear()
            self._cache[orth] = lemma
        return lemma

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        self._validate_tables()
        get = self._cache.get
        orths = doc.to_array(ORTH).tolist()
        lemmas = [get(o) or self._lemma_id(o) for o in orths]
        new = np.asarray(lemmas, dtype="uint64")
        if not self.overwrite and doc.has_annotation("LEMMA"):
            old = doc.to_array(LEMMA)
            new = np.where(old != 0, old, new)
        doc.from_array([LEMMA], new.reshape(-1, 1))
        return doc

    def from_disk(self, path, *, exclude=tuple()):
        self._cache = {}
        return super().from_disk(path, exclude=exclude)

    def from_bytes(self, bytes_data, *, exclude=tuple()):
        self._cache = {}
        return super().from_bytes(bytes_data, exclude=exclude)

    def initialize(self, get_examples=None, *, nlp=None, lookups=None):
        self._cache = {}
        return super().initialize(get_examples, nlp=nlp, lookups=lookups)


@Language.factory("lookup_lemmatizer", assigns=["token.lemma"],
                  default_config={"overwrite": False, "scorer": {"@scorers": "spacy.lemmatizer_scorer.v1"}})
def make_lookup_lemmatizer(nlp: Language, name: str, overwrite: bool, scorer) -> LookupLemmatizer:
    return LookupLemmatizer(nlp.vocab, None, name, overwrite=overwrite, scorer=scorer)
