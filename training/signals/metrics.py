"""Precision, recall and F1 per label and macro-averaged, for label sets per text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.signals.labels import LABELS


def prf_table(gold: list[list[str]], pred: list[list[str]]) -> pd.DataFrame:
    """One row per label plus ``macro`` (unweighted mean over labels): precision, recall, f1, support."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    rows = []
    for lab in LABELS:
        tp = sum(1 for g, p in zip(gold, pred) if lab in g and lab in p)
        fp = sum(1 for g, p in zip(gold, pred) if lab not in g and lab in p)
        fn = sum(1 for g, p in zip(gold, pred) if lab in g and lab not in p)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append({"label": lab, "precision": prec, "recall": rec, "f1": f1, "support": tp + fn})
    df = pd.DataFrame(rows)
    macro = {"label": "macro", "precision": df["precision"].mean(), "recall": df["recall"].mean(),
             "f1": df["f1"].mean(), "support": int(df["support"].sum())}
    return pd.concat([df, pd.DataFrame([macro])], ignore_index=True)



def label_matrix(label_sets: list[list[str]]) -> np.ndarray:
    """Boolean (n_texts, n_labels) matrix of label sets, columns in :data:`LABELS` order."""
    return np.array([[lab in s for lab in LABELS] for s in label_sets], dtype=bool).reshape(-1, len(LABELS))


def macro_f1_counts(gold: np.ndarray, pred: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """Macro F-beta (F1 by default) from boolean matrices (n_texts, n_labels); with a leading batch
    axis, one value per batch. A label never predicted correctly scores 0."""
    tp = (gold & pred).sum(axis=-2)
    fp = (~gold & pred).sum(axis=-2)
    fn = (gold & ~pred).sum(axis=-2)
    b2 = beta ** 2
    f = np.where(tp > 0, (1 + b2) * tp / np.maximum((1 + b2) * tp + b2 * fn + fp, 1), 0.0)
    return f.mean(axis=-1)


def macro_fbeta(gold: list[list[str]], pred: list[list[str]], beta: float = 1.0) -> float:
    """Macro F-beta over the labels of per-text label lists."""
    return float(macro_f1_counts(label_matrix(gold), label_matrix(pred), beta))


def paired_bootstrap(gold: list[list[str]], pred_a: list[list[str]], pred_b: list[list[str]],
                     n_boot: int = 2000, seed: int = 13) -> dict[str, float]:
    """Macro F1 of A minus that of B on the same texts, with a 95% interval from resampling the texts
    (paired bootstrap, as in Koehn 2004 / Berg-Kirkpatrick et al. 2012) and the share of resamples in
    which A does not beat B. A "clear" win is an interval above 0."""
    g, a, b = label_matrix(gold), label_matrix(pred_a), label_matrix(pred_b)
    idx = np.random.default_rng(seed).integers(0, len(g), size=(n_boot, len(g)))
    diff = macro_f1_counts(g[idx], a[idx]) - macro_f1_counts(g[idx], b[idx])
    lo, hi = np.percentile(diff, [2.5, 97.5])
    return {"diff": float(macro_f1_counts(g, a) - macro_f1_counts(g, b)), "low": float(lo), "high": float(hi),
            "p_not_better": float((diff <= 0).mean())}
