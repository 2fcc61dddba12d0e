"""Out-of-fold window rows of long texts for a long-text second stage (experiment helper).

As ``oof.py``, but each held fold's snippets are also set inside backgrounds of that fold's neutral
prose rows (``training.signals.long_margin.long_texts``, as the long-text margin is tuned), and every
scoring window of those long texts gets a row (``window_features``) and a gold label set: the
snippet's labels when the window's sentence lies inside the snippet's paragraph, none otherwise.

    PYTHONPATH=. .venv/bin/python models/experiments/stacker/oof_long.py --out /tmp/stacker/oof_long.npz
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from analyzer.signals.labels import LABELS
from analyzer.signals.linear import SCORES_KEY
from analyzer.signals.pipeline import CLASSIFIER
from analyzer.signals.quoted import strip_quoted
from training.signals.long_margin import long_texts
from training.signals.second_stage import refitted_folds
from training.signals.thresholds import prepare


def window_rows(doc, context=1):
    ranges, sent, win, evidence = doc.user_data[SCORES_KEY][:4]
    n = len(ranges)
    starts = {a: k for k, a in enumerate(ranges[:, 0].tolist())}
    found = np.zeros((n, len(LABELS)), dtype=bool)
    for span in doc.spans["signals"]:
        k = starts.get(span.start)
        if k is not None:
            found[k, LABELS.index(span.label_)] = True
    cols = np.arange(len(LABELS))[None, :]
    k = np.arange(n)
    lo, hi = np.maximum(k - context, 0), np.minimum(k + context, n - 1)
    return np.column_stack([win, sent[evidence, cols], found[evidence, cols].astype("f8"),
                            np.log1p(hi - lo + 1), np.log1p(ranges[hi, 1] - ranges[lo, 0])])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=Path("models/signals"))
    ap.add_argument("--mail", default="quote")
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    X, G = [], []
    for nlp, rows, _, held_idx in refitted_folds(a.model, a.seed, a.mail or False):
        clf, comb = nlp.get_pipe(CLASSIFIER), nlp.get_pipe("signal_combiner")
        made = long_texts(rows, list(held_idx), a.seed)
        long_docs = prepare(nlp, [r["text"] for r in made])
        for r, doc in zip(made, comb.pipe(clf.pipe(long_docs))):
            scores = doc.user_data.get(SCORES_KEY)
            if scores is None or len(scores[0]) < comb.long_sentences:
                continue
            text = doc.text
            snippet = strip_quoted(next(x for x in rows if x["id"] == r["id"].split("@bg")[0])["text"]).strip()
            at = text.find(snippet)
            lo, hi = (at, at + len(snippet)) if at >= 0 else (-1, -1)
            ranges = scores[0]
            gold = np.zeros((len(ranges), len(LABELS)), dtype=int)
            for s, (a0, _) in enumerate(ranges.tolist()):
                c = doc[a0].idx
                if lo <= c < hi:
                    gold[s] = [lab in r["labels"] for lab in LABELS]
            X.append(window_rows(doc))
            G.append(gold)
    np.savez(a.out, X=np.vstack(X), gold=np.vstack(G))


if __name__ == "__main__":
    main()
