"""Fitting the ``signal_classifier`` (:mod:`analyzer.signals.linear`) at training time.

The feature matrix here is built occurrence by occurrence, straight from the definition in
:mod:`analyzer.signals.linear` (it is slow and simple on purpose: it is the reference that the
component's cumulative-sum scoring must reproduce, which ``tests/test_signals_classifier.py``
checks). The weights come from one scikit-learn ``LogisticRegression`` per label with
``class_weight="balanced"``; scikit-learn is only needed here, never to load or run the pipeline.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from spacy.tokens import Doc

from analyzer.signals.batches import laid_end_to_end, sentence_ranges
from analyzer.signals.hashing import bigram_keys, char_keys, lemma_keys, pair_keys, rule_key, word_keys
from analyzer.signals.linear import SignalClassifier

WORD_BLOCK, CHAR_BLOCK = 0, 1


def occurrences(clf: SignalClassifier, doc: Doc, start: int = 0, end: int | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every feature occurrence of the token range: (keys, value multipliers: 1 or ``rule_scale``,
    block: :data:`WORD_BLOCK` for words, lemmas, bigrams and rules, :data:`CHAR_BLOCK` for char n-grams)."""
    end = len(doc) if end is None else end
    if end <= start:
        return np.zeros(0, dtype="uint64"), np.zeros(0), np.zeros(0, dtype="i1")
    arr = doc.to_array(["LOWER", "LEMMA", "IS_SPACE"])[start:end].astype("uint64")
    lower, lemma = arr[:, 0], arr[:, 1]
    lo, hi = clf.char_ngrams
    strings = doc.vocab.strings
    first, second = lower[:-1], lower[1:]
    # tokens without features: whitespace with skip_space, furniture sentences with silent_furniture;
    # no bigram spans them
    drop = np.zeros(len(arr), dtype=bool)
    if getattr(clf, "skip_space", False):
        drop |= arr[:, 2] == 1
    quiet = clf.quiet_tokens(doc)  # all False without silent_furniture
    drop |= quiet[start:end]
    pairs = _word_pairs(clf, doc, start, end, lower, drop)
    if drop.any():
        pair = ~(drop[:-1] | drop[1:])
        first, second = first[pair], second[pair]
        lower, lemma = lower[~drop], lemma[~drop]
    words = [word_keys(lower), lemma_keys(lemma), bigram_keys(first, second), pairs]
    chars = np.array([k for o in lower.tolist() for k in char_keys(strings[o], lo, hi)], dtype="uint64")
    parts = words + [chars]
    mult = [np.ones(sum(len(p) for p in parts))]
    block = [np.full(sum(len(p) for p in words), WORD_BLOCK, dtype="i1"), np.full(len(chars), CHAR_BLOCK, dtype="i1")]
    key = clf.rules_spans_key()
    rules = [s for s in doc.spans.get(key, [])] if key and doc.spans else []
    rules = [s for s in rules if start <= s.start < end and not quiet[s.start]]
    if rules:
        parts.append(np.array([rule_key(s.label_) for s in rules], dtype="uint64"))
        mult.append(np.full(len(rules), clf.rule_scale))
        block.append(np.full(len(rules), WORD_BLOCK, dtype="i1"))
    return np.concatenate(parts), np.concatenate(mult), np.concatenate(block)


def _word_pairs(clf: SignalClassifier, doc: Doc, start: int, end: int, lower: np.ndarray,
                drop: np.ndarray) -> np.ndarray:
    """Keys of the word pairs of the token range (``pair_window``: words 2..K tokens apart, both in one
    sentence of the doc, neither dropped), one by one; ``lower``/``drop`` are the range's."""
    window = getattr(clf, "pair_window", 0)
    if window < 2 or end - start <= 2:
        return np.zeros(0, dtype="uint64")
    arr, offsets = laid_end_to_end([doc], ["LOWER", "LEMMA", "SENT_START", "IS_SPACE"])
    s_start, s_end, _ = sentence_ranges(arr, offsets)
    sentence = np.repeat(np.arange(len(s_start)), s_end - s_start)[start:end]
    keys = []
    for a in range(len(lower)):
        for b in range(a + 2, min(a + window + 1, len(lower))):
            if sentence[a] == sentence[b] and not drop[a] and not drop[b]:
                keys.append(pair_keys(lower[a:a + 1], lower[b:b + 1])[0])
    return np.array(keys, dtype="uint64")


def vocabulary(occ: list[tuple[np.ndarray, np.ndarray]], min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys seen in at least ``min_df`` texts and their smoothed idf (as scikit-learn's)."""
    n = len(occ)
    uniq = [np.unique(o[0]) for o in occ]
    keys, df = np.unique(np.concatenate(uniq) if uniq else np.zeros(0, "uint64"), return_counts=True)
    keep = df >= min_df
    keys, df = keys[keep], df[keep]
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    return keys, idf


def matrix(occ: list[tuple[np.ndarray, np.ndarray, np.ndarray]], keys: np.ndarray, idf: np.ndarray,
           unknown_value: float = 0.0, norm_blocks: bool = False) -> sparse.csr_matrix:
    """Rows: each text's summed feature values over known keys, divided by sqrt(sum of squared values
    of all occurrences, an unknown feature's occurrence counting ``unknown_value`` x its multiplier).

    ``norm_blocks``: that norm is taken per block (words/lemmas/bigrams/rules, and char n-grams), as
    scikit-learn's ``FeatureUnion`` of a word and a char ``TfidfVectorizer`` does, so the many char
    n-grams of a text do not drown its words; otherwise over all occurrences at once."""
    rows, cols, vals = [], [], []
    for i, (k, m, block) in enumerate(occ):
        if not norm_blocks:
            block = np.zeros(len(k), dtype="i1")
        idx = np.searchsorted(keys, k)
        idx[idx == len(keys)] = 0
        found = keys[idx] == k if len(keys) else np.zeros(len(k), dtype=bool)
        v = idf[idx[found]] * m[found]
        sq = np.where(found, 0.0, (unknown_value * m) ** 2)
        sq[found] = v ** 2
        norms = np.sqrt(np.bincount(block, weights=sq, minlength=2))
        norm = norms[block[found]]
        ok = norm > 0
        if ok.any():
            rows.append(np.full(int(ok.sum()), i))
            cols.append(idx[found][ok])
            vals.append(v[ok] / norm[ok])
    if not rows:
        return sparse.csr_matrix((len(occ), len(keys)))
    x = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(len(occ), len(keys)))
    x.sum_duplicates()
    return x


def fit_classifier(clf: SignalClassifier, docs: list[Doc], y: np.ndarray, C: float = 10.0, min_df: int = 2,
                   seed: int = 13, occ: list | None = None, sample_weight: np.ndarray | None = None,
                   label_rows: np.ndarray | None = None) -> SignalClassifier:
    """Fit ``clf`` (in place) on whole docs with 0/1 targets ``y`` (n_docs, n_labels in ``clf.labels``),
    optionally weighting the docs (``sample_weight``, on top of the balanced class weights).
    ``label_rows``: (n_docs, n_labels) booleans, the docs each label's regression is fitted on (None:
    all); the vocabulary and its idf still come from every doc."""
    from sklearn.linear_model import LogisticRegression

    occ = occ if occ is not None else [occurrences(clf, d) for d in docs]
    keys, idf = vocabulary(occ, min_df)
    x = matrix(occ, keys, idf, clf.unknown_value, getattr(clf, "norm_blocks", False))
    weights = np.zeros((len(keys), len(clf.labels)), dtype="f")
    bias = np.zeros(len(clf.labels), dtype="f")
    for j in range(len(clf.labels)):
        xj, yj, wj = x, y[:, j], sample_weight
        if label_rows is not None and not label_rows[:, j].all():  # only then a copy of the rows it reads
            rows = np.flatnonzero(label_rows[:, j])
            xj, yj, wj = x[rows], yj[rows], None if sample_weight is None else sample_weight[rows]
        if yj.min() == yj.max():
            bias[j] = 10.0 if yj[0] else -10.0
            continue
        lr = LogisticRegression(C=C, class_weight="balanced", max_iter=3000, random_state=seed)
        lr.fit(xj, yj, sample_weight=wj)
        weights[:, j] = lr.coef_[0]
        bias[j] = lr.intercept_[0]
    clf.set_weights(keys, weights, idf, bias)
    return clf
