"""Per word type, the summed features the signal classifier (:mod:`analyzer.signals.linear`) gives
each of its tokens, computed once per type and kept for the process.

A word type is a lower-cased word with its lemma (:func:`~analyzer.signals.hashing.type_keys`). Its
features are the word's unigram, its lemma and the char n-grams of the word; their sums (value *
weight per label, and value**2, as :meth:`SignalClassifier._feature_sums` gives them) do not depend on
the text around the token, so each type is looked up once, however often it occurs. With
``norm_blocks`` the char n-grams are summed apart (their own block, normalised on its own).

Memory stays bounded: past :data:`TYPE_CACHE_MAX` types the table starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from analyzer.signals.hashing import char_keys, lemma_keys, type_keys, word_keys

#: Word types kept at most; a table that would grow past it is emptied first.
TYPE_CACHE_MAX = 300_000

#: (keys, segments, n) -> per segment 0..n-1, the sums of value * weight (n, labels) and value**2 (n,).
FeatureSums = Callable[[np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray]]


class WordTypeTable:
    """The types seen so far: ``_rows`` (type key -> row of the sum arrays), mirrored in the hash
    index ``_index`` (rebuilt as the dict grows; types newer than the index are found in the dict)."""

    def __init__(self, n_labels: int, char_ngrams: tuple[int, int], norm_blocks: bool,
                 feature_sums: FeatureSums) -> None:
        self.n_labels = n_labels
        self.char_ngrams = char_ngrams
        self.norm_blocks = norm_blocks
        self.feature_sums = feature_sums
        self.reset()

    def reset(self) -> None:
        """Forget every type."""
        self._rows: dict[int, int] = {}
        self._index = pd.Index(np.zeros(0, dtype="uint64"))
        self._index_rows = np.zeros(0, dtype="i8")
        self._v = np.zeros((1024, self.n_labels))
        self._s = np.zeros(1024)
        # the char n-gram block of each type (kept apart only with ``norm_blocks``)
        self._cv = np.zeros((1024 if self.norm_blocks else 0, self.n_labels))
        self._cs = np.zeros(1024 if self.norm_blocks else 0)

    def __len__(self) -> int:
        return len(self._rows)

    def vectors(self, lower: np.ndarray, lemma: np.ndarray, strings) -> tuple:
        """Per token (``lower``/``lemma``: its LOWER and LEMMA hashes; ``strings``: the vocab's
        StringStore): the sums of its type, ``(v, s, cv, cs)`` (``cv``/``cs`` None without ``norm_blocks``)."""
        pair = type_keys(lower, lemma)
        where = self._index.get_indexer(pair)
        if len(self._index_rows):
            where = np.where(where >= 0, self._index_rows[where], -1)
        missing = np.flatnonzero(where < 0)
        if len(missing):  # types newer than the index: the dict, then compute the still unknown ones
            rows = self._rows
            uniq, first, inverse = np.unique(pair[missing], return_index=True, return_inverse=True)
            keys = uniq.tolist()
            found = [rows.get(key, -1) for key in keys]
            new = [i for i, row in enumerate(found) if row < 0]
            if len(rows) + len(new) > TYPE_CACHE_MAX:  # bounded memory: start afresh
                self.reset()
                rows = self._rows
                new = list(range(len(uniq)))
            if new:
                at = missing[first[new]]
                self._add(uniq[new], lower[at], lemma[at], strings)
                found = [rows[key] for key in keys]
            where[missing] = np.array(found, dtype="i8")[inverse.ravel()]
            if len(rows) - len(self._index) > max(1024, len(self._index) // 4):  # mirror the dict again
                self._index = pd.Index(np.fromiter(rows.keys(), dtype="uint64", count=len(rows)))
                self._index_rows = np.fromiter(rows.values(), dtype="i8", count=len(rows))
        if self.norm_blocks:
            return self._v[where], self._s[where], self._cv[where], self._cs[where]
        return self._v[where], self._s[where], None, None

    def _add(self, pairs: np.ndarray, lower: np.ndarray, lemma: np.ndarray, strings) -> None:
        """Compute and keep the sums of the new types ``pairs`` (one token of each: ``lower``, ``lemma``)."""
        lo, hi = self.char_ngrams
        keys = [word_keys(lower), lemma_keys(lemma)]
        segs = [np.arange(len(pairs)), np.arange(len(pairs))]
        chars = [char_keys(strings[k], lo, hi) for k in lower.tolist()]
        char_keys_ = np.fromiter((k for c in chars for k in c), dtype="uint64")
        char_segs = np.repeat(np.arange(len(pairs)), [len(c) for c in chars])
        if self.norm_blocks:  # words + lemmas in one block, char n-grams in another
            v, s = self.feature_sums(np.concatenate(keys), np.concatenate(segs), len(pairs))
            cv, cs = self.feature_sums(char_keys_, char_segs, len(pairs))
        else:
            keys.append(char_keys_)
            segs.append(char_segs)
            v, s = self.feature_sums(np.concatenate(keys), np.concatenate(segs), len(pairs))
        start = len(self._rows)
        need = start + len(pairs)
        if need > len(self._s):
            size = max(need, 2 * len(self._s))
            self._v = np.resize(self._v, (size, self.n_labels))
            self._s = np.resize(self._s, size)
            if self.norm_blocks:
                self._cv = np.resize(self._cv, (size, self.n_labels))
                self._cs = np.resize(self._cs, size)
        self._v[start:need] = v
        self._s[start:need] = s
        if self.norm_blocks:
            self._cv[start:need] = cv
            self._cs[start:need] = cs
        for i, key in enumerate(pairs.tolist()):
            self._rows[key] = start + i
