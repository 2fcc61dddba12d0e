"""Out-of-fold detector scores of the shipped recipe's own training rows (experiment helper).

Refits the shipped English recipe (``--mail quote``) five times, each time without one fold, scores
the held fold and stores per text the features of ``run.py`` (per label: highest window score,
highest sentence score, the shipped decision settings' verdict) with the gold labels.

    PYTHONPATH=. .venv/bin/python models/experiments/stacker/oof.py --out /tmp/stacker/oof.npz
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from analyzer.signals.labels import LABELS
from analyzer.signals.pipeline import CLASSIFIER, build_pipeline, load_pipeline
from training.signals.corpus import CONFIG_PATH, training_parts
from training.signals.fit import fit_classifier, occurrences
from training.signals.train import SEED, _targets, fold_assignment, prepare, sample_weights, set_thresholds

import sys
sys.path.insert(0, str(Path(__file__).parent))
from run import doc_features  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    shipped = load_pipeline(None).get_pipe("signal_combiner")
    parts = training_parts(mail="quote")
    rows = parts["train"] + parts["tune"]
    nlp = build_pipeline(CONFIG_PATH)
    set_thresholds(nlp, shipped.thresholds, shipped.sentence_thresholds, shipped.max_labels, shipped.long_margin,
                   shipped.rule_floors)
    fit = dict(nlp.config.get("signal_fit", {}))
    C, min_df, folds = float(fit.get("C", 10.0)), int(fit.get("min_df", 2)), int(fit.get("folds", 5))
    docs = prepare(nlp, [r["text"] for r in rows])
    clf = nlp.get_pipe(CLASSIFIER)
    occ = [occurrences(clf, d) for d in docs]
    weights = sample_weights(rows, float(fit.get("neutral_weight", 1.0)), float(fit.get("independent_weight", 1.0)))
    y = _targets(nlp, rows)
    fold_of = fold_assignment(rows, folds, SEED)
    X = np.zeros((len(rows), 3 * len(LABELS) + 2))
    for k in range(folds):
        fit_idx, held_idx = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
        fit_classifier(clf, [docs[i] for i in fit_idx], y[fit_idx], C=C, min_df=min_df, seed=SEED,
                       occ=[occ[i] for i in fit_idx], sample_weight=None if weights is None else weights[fit_idx])
        comb = nlp.get_pipe("signal_combiner")
        for i, doc in zip(held_idx, comb.pipe(clf.pipe([docs[i] for i in held_idx]))):
            X[i] = doc_features(doc)
        logging.info("fold %d done", k + 1)
    gold = np.array([[lab in r["labels"] for lab in LABELS] for r in rows], dtype=int)
    src = np.array([str(r.get("source", "")) for r in rows])
    np.savez(a.out, X=X, gold=gold, source=src)


if __name__ == "__main__":
    main()
