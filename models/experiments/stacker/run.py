"""A second stage over the detector's own scores (experiment, development sets only).

Question: the shipped detector decides each label alone, from that label's window and sentence
scores against tuned thresholds. Does a small per-label model over *all* labels' scores (so that,
say, a high appreciation score can overrule a complaint score in the same text) decide better?

Data: the read independent snippet sets (eval_independent .. eval_independent12), scored by the
shipped pipeline; leave-one-set-out: the stage for a set is fitted on the other sets only. The
blind set (eval_independent13) is not read.

    PYTHONPATH=. .venv/bin/python models/experiments/stacker/run.py --out /tmp/stacker
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from analyzer.signals.labels import LABELS
from analyzer.signals.linear import SCORES_KEY
from analyzer.signals.pipeline import load_pipeline
from training.signals.corpus import DATA_DIR, read_labelled
from training.signals.metrics import macro_f1_counts

SETS = {"1": ["eval_independent.jsonl"], "2": ["eval_independent2.jsonl"],
        **{str(k): [f"eval_independent{k}_{s}.jsonl" for s in ("abc" if k >= 5 else "ab")] for k in range(3, 13)}}


def doc_features(doc) -> np.ndarray:
    """Per label: highest window score, highest sentence score, the detector's verdict; then the
    log counts of sentences and tokens."""
    L = len(LABELS)
    scores = doc.user_data.get(SCORES_KEY)
    n = 0 if scores is None else len(scores[0])
    wmax = scores[2].max(axis=0) if n else np.zeros(L)
    smax = scores[1].max(axis=0) if n else np.zeros(L)
    dec = np.zeros(L)
    for sp in doc.spans["signals"]:
        dec[LABELS.index(sp.label_)] = 1
    return np.concatenate([wmax, smax, dec, [np.log1p(n), np.log1p(len(doc))]])


def features(nlp, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    L = len(LABELS)
    X = np.array([doc_features(doc) for doc in nlp.pipe(texts, batch_size=256)])
    return X, X[:, 2 * L:3 * L]


def gold_matrix(rows) -> np.ndarray:
    return np.array([[lab in r["labels"] for lab in LABELS] for r in rows], dtype=int)


def macro_f1(Y, P) -> float:
    return float(macro_f1_counts(Y.astype(bool), P.astype(bool)))


def fit_label(X, y, kind):
    if kind == "lr":
        m = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    else:
        m = HistGradientBoostingClassifier(max_depth=3, max_iter=150, learning_rate=0.05, min_samples_leaf=20,
                                           l2_regularization=1.0, random_state=0)
    m.fit(X, y)
    p = m.predict_proba(X)[:, 1]
    grid = np.linspace(0.2, 0.8, 25)
    best = max(grid, key=lambda t: (2 * ((p >= t) & (y == 1)).sum()) / max(1, (p >= t).sum() + y.sum()))
    return m, best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", default=None)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    nlp = load_pipeline(a.model)
    data = {}
    for k, files in SETS.items():
        rows = [r for f in files for r in read_labelled(DATA_DIR / f)]
        X, D = features(nlp, [r["text"] for r in rows])
        data[k] = (X, D.astype(int), gold_matrix(rows))
        print(k, len(rows), flush=True)
    res = {}
    for kind in ("lr", "gb"):
        per = {}
        for k in SETS:
            Xtr = np.vstack([data[o][0] for o in SETS if o != k]); Ytr = np.vstack([data[o][2] for o in SETS if o != k])
            X, D, Y = data[k]
            P = np.zeros_like(Y)
            for j in range(len(LABELS)):
                m, t = fit_label(Xtr, Ytr[:, j], kind)
                P[:, j] = (m.predict_proba(X)[:, 1] >= t).astype(int)
            per[k] = {"shipped": round(macro_f1(Y, D), 4), "stacked": round(macro_f1(Y, P), 4)}
            print(kind, k, per[k], flush=True)
        res[kind] = per
        s = np.mean([v["shipped"] for v in per.values()]); t = np.mean([v["stacked"] for v in per.values()])
        print(kind, "mean shipped", round(s, 4), "stacked", round(t, 4))
    (a.out / "results.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
