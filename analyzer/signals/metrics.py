"""Precision, recall and F1 per label and macro-averaged, for label sets per text."""

from __future__ import annotations

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

