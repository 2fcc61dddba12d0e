"""Development reading (training mail only; fifty-third session): does the tier classifiers' override of
the client score cause the clients put two tiers off?

``DepthModel.predict`` keeps each calibrated score inside the tier the ordinal tier classifiers call
(:class:`analyzer.depth.tiers.OrdinalTiers`). Out of fold, 7 of the 13 clients two tiers off sit exactly
on a tier edge (75.0, 50.0, 49.9, 24.9): the classifiers moved them. This refits the shipped model six
times, leave-mailbox-out as the build does (``training.depth.selection.mailbox_folds``), on the shipped
``training_features.csv.gz``, and reads each held-out client three ways:

- ``shipped``: the score kept inside the classifiers' tier (as ``predict``);
- ``one_step``: the classifiers may move a score at most one tier from the tier of the calibrated score;
- ``score``: the calibrated score alone, no tier override.

    PYTHONPATH=. .venv/bin/python models/experiments/tier_override/run.py

Prints, per reading, over the hand-written mailboxes: mean per-mailbox Spearman, mailboxes under 0.85,
tiers right, clients two tiers off, MAE."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.base import clone

from analyzer.depth.features import FEATURE_NAMES
from analyzer.depth.model import keep_in_tier
from analyzer.depth.modelfile import load_depth_model
from analyzer.depth.schema import TIER_BOUNDS
from training.depth.independent import QUARTERLY_SPLITS
from training.depth.selection import is_independent, mailbox_folds, quarterly_rows

GENERATED_WEIGHT = 0.3  # the shipped build's (models/depth/TRAINING.md)


def tier_of(score: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.asarray(TIER_BOUNDS, dtype=float), score, side="right")


T = pd.read_csv("models/depth/training_features.csv.gz")
shipped = load_depth_model("models/depth/model.skops")
rows = []
for fold in mailbox_folds(list(T["box"])):
    train = T[~T["box"].isin(fold)]
    w = train["weight"] * np.where(is_independent(train["box"]), 1.0, GENERATED_WEIGHT)
    train, w = train[w > 0], w[w > 0]
    model = clone(shipped).fit(train[list(FEATURE_NAMES)], train["target"], sample_weight=w.to_numpy(),
                               groups=train["box"].to_numpy(), tier_rows=(train["kind"] == "client").to_numpy(),
                               period_rows=quarterly_rows(train["box"], QUARTERLY_SPLITS))
    held = T[T["box"].isin(fold) & (T["kind"] == "client") & is_independent(T["box"])]
    X = model._matrix(held[list(FEATURE_NAMES)])
    score = np.clip(model.calibrator_.predict(model.pipeline_.predict(X)), 0.0, 100.0)
    called = model.tier_model_.predict(X)
    own = tier_of(score)
    rows.append(pd.DataFrame({"box": held["box"].to_numpy(), "target": held["target"].to_numpy(),
                              "shipped": keep_in_tier(score, called),
                              "one_step": keep_in_tier(score, np.clip(called, own - 1, own + 1)),
                              "score": score}))
    print(f"fold of {len(fold)} mailboxes scored", flush=True)
df = pd.concat(rows, ignore_index=True)
true_tier = tier_of(df["target"].to_numpy())
for col in ("shipped", "one_step", "score"):
    rho = df.groupby("box").apply(lambda g, c=col: spearmanr(g["target"], g[c]).statistic if len(g) > 2 else np.nan)
    apart = np.abs(tier_of(df[col].to_numpy()) - true_tier)
    print(f"{col:9s} Spearman {rho.mean():.4f}  under 0.85 {int((rho < 0.85).sum())} of {rho.notna().sum()}  "
          f"tiers {np.mean(apart == 0):.4f}  two off {int((apart >= 2).sum())} of {len(df)}  "
          f"MAE {np.mean(np.abs(df[col] - df['target'])):.3f}")
