"""Experiment: does the plain TF-IDF baseline gain from pairs of words a few tokens apart in one
sentence ("your ... good"), on the development snippet sets?

    PYTHONPATH=. .venv/bin/python models/experiments/word_pairs/run.py

The baseline of :mod:`training.signals.baseline` (word 1-2-grams + char_wb 2-5-grams, TF-IDF,
one-vs-rest logistic regression, C=10, balanced classes, a label at probability 0.5), trained on the
shipped detector's rows (:func:`training.signals.corpus.training_parts` with the shipped recipe),
with a third TF-IDF block of one extra feature kind:

- ``skip2-3``: ordered word pairs exactly 2 or 3 tokens apart, each distance its own feature;
- ``pairs4`` / ``pairs8``: ordered word pairs 1 to 4 (8) tokens apart, whatever the distance.

Pairs never cross a sentence end (``.!?`` or a blank line). Macro F1 on the development snippet sets
``eval_independent3``..``eval_independent9`` (quotes stripped); ``eval_independent10`` is the blind set
and is not read here. Writes ``results.json`` beside this file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from analyzer.signals.labels import LABELS  # noqa: E402
from analyzer.signals.quoted import strip_quoted  # noqa: E402
from training.signals.corpus import read_labelled, recipe_rows, training_parts  # noqa: E402

SETS = (3, 4, 5, 6, 7, 8, 9)
_TOKEN = re.compile(r"(?u)\b\w\w+\b|[?!]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


def _sentences(text: str) -> list[list[str]]:
    return [_TOKEN.findall(s) for s in _SENTENCE_END.split(text.lower())]


def skip_pairs(distances):
    def analyzer(text: str) -> list[str]:
        return [f"{w[i]}|{k}|{w[i + k]}" for w in _sentences(text) for i in range(len(w)) for k in distances
                if i + k < len(w)]
    return analyzer


def near_pairs(window: int):
    def analyzer(text: str) -> list[str]:
        return [f"{w[i]}&{w[j]}" for w in _sentences(text) for i in range(len(w))
                for j in range(i + 1, min(len(w), i + window + 1))]
    return analyzer


VARIANTS = {"baseline": None, "skip2-3": skip_pairs((2, 3)), "pairs4": near_pairs(4), "pairs8": near_pairs(8)}


def fit(texts, y, extra):
    blocks = [("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
              ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2))]
    if extra is not None:
        blocks.append(("pairs", TfidfVectorizer(analyzer=extra, sublinear_tf=True, min_df=2)))
    clf = OneVsRestClassifier(LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=13))
    return make_pipeline(FeatureUnion(blocks), clf).fit(texts, y)


def macro_f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = (pred & gold).sum(axis=0)
    fp = (pred & ~gold).sum(axis=0)
    fn = (~pred & gold).sum(axis=0)
    return float(np.mean(np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)))


def main() -> int:
    parts = training_parts(**recipe_rows(None))
    seen = parts["train"] + parts["tune"]
    binarizer = MultiLabelBinarizer(classes=list(LABELS)).fit([])
    texts = [strip_quoted(r["text"]) for r in seen]
    y = binarizer.transform([r["labels"] for r in seen])
    sets = {}
    for n in SETS:
        rows = [r for p in sorted((ROOT / "data" / "signals").glob(f"eval_independent{n}_*.jsonl")) for r in read_labelled(p)]
        sets[n] = ([strip_quoted(r["text"]) for r in rows], binarizer.transform([r["labels"] for r in rows]).astype(bool))
    results = {}
    for name, extra in VARIANTS.items():
        model = fit(texts, y, extra)
        results[name] = {str(n): round(macro_f1(model.predict_proba(t) >= 0.5, g), 4) for n, (t, g) in sets.items()}
        results[name]["mean"] = round(float(np.mean([results[name][str(n)] for n in SETS])), 4)
        print(name, results[name], flush=True)
    (Path(__file__).parent / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
