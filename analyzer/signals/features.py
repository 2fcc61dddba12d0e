"""The text classifier's architecture: a sparse linear model over hashed LOWER and LEMMA n-grams.

Registered as ``analyzer.SignalBOW.v1`` and used by the ``textcat_multilabel`` component in
``models/signals.cfg``. It is spaCy's bag-of-words classifier with three changes that matter here:

- features are lower-cased word 1..n-grams *and* lemma 1..m-grams (spaCy's own TextCatBOW hashes
  case-sensitive ORTH only), so "Cancelled"/"cancel"/"cancelling" share evidence;
- the input may be :class:`~spacy.tokens.Doc` objects, sentence :class:`~spacy.tokens.Span`
  objects or ``(doc, start, end)`` token ranges. Scoring sentences as ranges reads the doc's token
  array once and slices it, which is what
  keeps per-sentence classification as fast as whole-document classification (``Span.as_doc`` would
  copy every sentence and cost more than the rest of the pipeline together);
- n-grams never cross a sentence boundary of the input they are computed for.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from spacy.attrs import LEMMA, LOWER
from spacy.tokens import Doc, Span
from spacy.strings import hash_string
from spacy.util import registry
from thinc.api import Logistic, Model, SparseLinear_v2, chain

#: Added to lemma n-gram hashes so a lemma feature never collides with the same lower-case form.
_LEMMA_SALT = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.zeros((0,), dtype="uint64")
#: lower-case form id -> hashed character n-grams of "<form>" (process-wide, bounded).
_CHAR_CACHE: dict[tuple[int, int, int], np.ndarray] = {}
_CHAR_CACHE_MAX = 500_000


def _char_ngrams(strings, key: int, lo: int, hi: int) -> np.ndarray:
    """Hashed character n-grams (lo..hi) of one lower-case token, with "<" and ">" as boundaries."""
    cached = _CHAR_CACHE.get((key, lo, hi))
    if cached is None:
        text = f"<{strings[key]}>"
        grams = [text[i:i + n] for n in range(lo, hi + 1) for i in range(len(text) - n + 1)]
        cached = np.fromiter((hash_string("#" + g) for g in grams), dtype="uint64", count=len(grams))
        if len(_CHAR_CACHE) >= _CHAR_CACHE_MAX:
            _CHAR_CACHE.clear()
        _CHAR_CACHE[(key, lo, hi)] = cached
    return cached


def _token_arrays(items: Sequence):
    """Yield (strings, lower, lemma) per item, reading each underlying Doc's arrays only once."""
    cache: dict[int, np.ndarray] = {}
    for item in items:
        if isinstance(item, tuple):
            doc, start, end = item
        elif isinstance(item, Span):
            doc, start, end = item.doc, item.start, item.end
        else:
            doc, start, end = item, 0, len(item)
        arr = cache.get(id(doc))
        if arr is None:
            arr = doc.to_array([LOWER, LEMMA])
            if len(cache) > 64:
                cache.clear()
            cache[id(doc)] = arr
        sl = arr[start:end]
        yield doc.vocab.strings, sl[:, 0], sl[:, 1]


def _forward(model: Model, items, is_train: bool):
    ops = model.ops
    n_lower = model.attrs["ngram_size"]
    n_lemma = model.attrs["lemma_ngram_size"]
    lo, hi = model.attrs["char_ngrams"]
    normalize = model.attrs["normalize"]
    keys_all, vals_all, lengths = [], [], []
    for strings, lower, lemma in _token_arrays(items):
        lower = np.ascontiguousarray(lower, dtype="uint64")
        lemma = np.ascontiguousarray(lemma, dtype="uint64")
        parts = [lower]
        for n in range(2, n_lower + 1):
            if len(lower) >= n:
                parts.append(ops.ngrams(n, lower))
        if n_lemma:
            parts.append(lemma ^ _LEMMA_SALT)
            for n in range(2, n_lemma + 1):
                if len(lemma) >= n:
                    parts.append(ops.ngrams(n, lemma) ^ _LEMMA_SALT)
        if hi and len(lower):
            parts.extend(_char_ngrams(strings, k, lo, hi) for k in lower.tolist())
        keys = np.concatenate(parts) if parts else _EMPTY
        keys_all.append(keys)
        lengths.append(len(keys))
        # repeated n-grams count; with `normalize` each input's feature vector has unit L2 norm
        vals_all.append(np.full(len(keys), 1.0 / np.sqrt(len(keys)) if normalize and len(keys) else 1.0, dtype="f"))
    keys = np.concatenate(keys_all) if keys_all else _EMPTY
    vals = np.concatenate(vals_all) if vals_all else np.zeros((0,), dtype="f")

    def backprop(dY):
        return []

    return (keys, vals, ops.asarray1i(lengths)), backprop


def signal_ngrams(ngram_size: int, lemma_ngram_size: int, char_ngrams: tuple[int, int] = (0, 0),
                  normalize: bool = False) -> Model:
    """Docs or Spans -> (hashed n-gram keys, values, lengths) for :class:`SparseLinear_v2`."""
    return Model("signal_ngrams", _forward,
                 attrs={"ngram_size": ngram_size, "lemma_ngram_size": lemma_ngram_size,
                        "char_ngrams": tuple(char_ngrams), "normalize": normalize})


@registry.architectures("analyzer.SignalBOW.v1")
def build_signal_bow(ngram_size: int = 2, lemma_ngram_size: int = 2, char_ngram_min: int = 0,
                     char_ngram_max: int = 0, normalize: bool = False, length: int = 262144,
                     nO: int | None = None) -> Model:
    """Multi-label sparse linear classifier (sigmoid per label) over LOWER and LEMMA word n-grams,
    optionally character n-grams of each lower-cased token (``char_ngram_min..max``, 0 = off) and
    L2-normalised feature values (``normalize``, as TF-IDF does)."""
    length = 2 ** (length - 1).bit_length()
    sparse = SparseLinear_v2(nO=nO, length=length)
    ngrams = signal_ngrams(ngram_size, lemma_ngram_size, (char_ngram_min, char_ngram_max), normalize)
    model = chain(ngrams, sparse, Logistic())
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", sparse)
    model.attrs["multi_label"] = True
    return model
