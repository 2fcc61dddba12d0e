"""Out-of-fold detector scores of the shipped recipe's own training rows (experiment helper): the
feature rows of ``training.signals.second_stage.oof_features`` with the gold labels, saved for
``run2.py``.

    PYTHONPATH=. .venv/bin/python models/experiments/stacker/oof.py --out /tmp/stacker/oof.npz
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from training.signals.second_stage import oof_features


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=Path("models/signals"))
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    X, gold, _ = oof_features(a.model, a.seed, mail="quote")
    np.savez(a.out, X=X, gold=gold)


if __name__ == "__main__":
    main()
