"""The second stage fitted on the training rows' out-of-fold scores (oof.py), read on the read sets."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from run import SETS, features, fit_label, gold_matrix, macro_f1  # noqa: E402
from analyzer.signals.labels import LABELS  # noqa: E402
from analyzer.signals.pipeline import load_pipeline  # noqa: E402
from training.signals.corpus import DATA_DIR, read_labelled  # noqa: E402

L = len(LABELS)


def main():
    oof = np.load(sys.argv[1])
    Xtr, Ytr = oof["X"], oof["gold"]
    nlp = load_pipeline(None)
    data = {}
    for k, files in SETS.items():
        rows = [r for f in files for r in read_labelled(DATA_DIR / f)]
        X, D = features(nlp, [r["text"] for r in rows])
        data[k] = (X, D.astype(int), gold_matrix(rows))
    for kind in ("lr", "gb"):
        models = [fit_label(Xtr, Ytr[:, j], kind) for j in range(L)]
        agg = {"shipped": [], "stacked": [], "veto": [], "add": []}
        for k, (X, D, Y) in data.items():
            P = np.column_stack([(m.predict_proba(X)[:, 1] >= t).astype(int) for m, t in models])
            r = {"shipped": macro_f1(Y, D), "stacked": macro_f1(Y, P), "veto": macro_f1(Y, D & P), "add": macro_f1(Y, D | P)}
            for a in agg:
                agg[a].append(r[a])
            print(kind, k, {a: round(v, 4) for a, v in r.items()}, flush=True)
        print(kind, "MEAN", {a: round(float(np.mean(v)), 4) for a, v in agg.items()}, flush=True)


if __name__ == "__main__":
    main()
