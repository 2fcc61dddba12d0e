"""Thresholds tuned on several fold draws (``training.signals.train --repeats``): the pooled evidence is
each draw's out-of-fold evidence in turn, on real labelled snippets."""

from __future__ import annotations

import json

import numpy as np

from analyzer.signals.pipeline import CLASSIFIER, DEFAULT_MODEL, _load
from training.signals.fit import occurrences
from training.signals.thresholds import prepare, tune_thresholds
from training.signals.train import cross_validated_evidence, pooled_evidence


def _rows(dev_data_path, n=60):
    return [json.loads(line) for line in dev_data_path.read_text(encoding="utf-8").splitlines()[:n]]


def test_pooled_evidence_is_each_draw_in_turn(dev_data_path):
    nlp = _load(DEFAULT_MODEL)  # a private copy: the folds refit its classifier
    rows = _rows(dev_data_path)
    docs = prepare(nlp, [r["text"] for r in rows])
    occ = [occurrences(nlp.get_pipe(CLASSIFIER), d) for d in docs]
    seen = []
    evidence, extra, tuned = pooled_evidence(nlp, docs, rows, occ, 3, 10.0, 1, seed=7, repeats=2,
                                             fold_extra=lambda held, s: seen.append(s) or [])
    assert tuned == rows + rows and len(evidence) == 2 * len(rows) and extra == []
    assert sorted(set(seen)) == [7, 8] and len(seen) == 6  # three folds a draw, told the draw's seed
    for k, draw_seed in enumerate((7, 8)):
        alone, _ = cross_validated_evidence(nlp, docs, rows, occ, 3, 10.0, 1, draw_seed)
        part = evidence[k * len(rows):(k + 1) * len(rows)]
        for a, b in zip(alone, part):
            assert a.keys() == b.keys()
            assert all(np.allclose(a[lab][0], b[lab][0]) and len(a[lab][1]) == len(b[lab][1]) for lab in a)
    one, _, _ = pooled_evidence(nlp, docs, rows, occ, 3, 10.0, 1, seed=7, repeats=1)
    assert tune_thresholds(one, rows) == tune_thresholds(evidence[:len(rows)], rows)
