"""Leave-mailbox-out selection for the depth build: fitting a model on training rows
(:func:`fit_rows`), out-of-fold client and quarterly scores (:func:`cross_validate`), and the choice
of the trend setting (:func:`choose_trend`). The model settings that are not chosen by the grid
(:data:`REGRESSOR`, the praise cap, the tiers) are fixed here, each with the candidate that chose it.
Used by :mod:`training.depth.build`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from analyzer.depth.features import FEATURE_NAMES
from analyzer.depth.model import DepthModel
from analyzer.depth.schema import TIERS, tier_of
from training.depth.rows import is_independent

#: Tier edges placed on the raw prediction by out-of-fold client tiers (DepthModel ``tier_cuts``).
TIER_CUTS = True
#: Tiers decided by one monotone classifier per tier edge (DepthModel ``ordinal_tiers``; overrides the cuts).
ORDINAL_TIERS = True
#: What the model fits on the evidence (DepthModel ``regressor``): ``ridge`` (non-negative weights) or
#: ``gbm`` (boosting, monotone in every evidence column): chosen by the fourteenth session's rule
#: (models/depth/CANDIDATE14.md). The ridge penalty grid (:data:`training.depth.build.ALPHAS`) is read only for
#: ``ridge``.
REGRESSOR = "gbm"
#: What the quarterly scores' course comes from (DepthModel ``period_regressor``; None: the same model).
PERIOD_REGRESSOR = "ridge"
#: Clients writing less than this share of their words in English could have their label shares taken
#: over the part of their mail that was read (DepthModel ``unread_share``; None: off). Candidate N
#: (models/depth/CANDIDATE19.md) set it to 0.5 and failed its rule on ``train16``; candidate M
#: (CANDIDATE18.md) blended such clients' signal evidence toward a typical client's instead, and failed
#: on ``train15``.
UNREAD_SHARE = None
#: Praise counted only as far as other deeper signs back it, plus this many (DepthModel
#: ``backed_praise``; None: all praise counts): candidate O (models/depth/CANDIDATE20.md).
BACKED_PRAISE = 1
#: Which signs back praise under BACKED_PRAISE (DepthModel ``praise_backing``): "deeper" (every other
#: deeper sign) or "substance" (all but forgiveness; candidate PTF, models/depth/CANDIDATE48.md, shipped).
PRAISE_BACKING = "substance"
#: How the praise share is held back under BACKED_PRAISE (DepthModel ``praise_share``): "scaled" by
#: counted/found praise, or "capped" at (backing signs + k) / client mails (candidate PTM,
#: models/depth/CANDIDATE50.md, shipped).
PRAISE_SHARE = "capped"
#: The trend operating point follows the issue's target, which is not symmetric: every shifting client
#: right, and at least 85% of steady clients called steady. Among the settings that call at least this
#: share of the independent training mailboxes' steady clients steady (out of fold; a margin over the
#: 85% target, since blind mail is noisier), the one that gets the most shifting clients right.
STEADY_FLOOR = 0.90


def fit_rows(rows: pd.DataFrame, generated_weight: float = 1.0, quarterly_splits=None, **params) -> DepthModel:
    w = rows["weight"] * np.where(is_independent(rows["box"]), 1.0, generated_weight)
    rows, w = rows[w > 0], w[w > 0]
    params = {"regressor": REGRESSOR, "period_regressor": PERIOD_REGRESSOR, "unread_share": UNREAD_SHARE,
              "backed_praise": BACKED_PRAISE, "praise_backing": PRAISE_BACKING, "praise_share": PRAISE_SHARE,
              **params}
    return DepthModel(kind="taxonomy", tier_cuts=TIER_CUTS, ordinal_tiers=ORDINAL_TIERS, **params).fit(
        rows[list(FEATURE_NAMES)], rows["target"], sample_weight=w.to_numpy(), groups=rows["box"].to_numpy(),
        tier_rows=(rows["kind"] == "client").to_numpy(), period_rows=quarterly_rows(rows["box"], quarterly_splits))


def quarterly_rows(box: pd.Series, quarterly_splits=None) -> np.ndarray | None:
    """The rows the quarterly regressor is fitted on: those of the generated mailboxes and of the
    hand-written ones in ``quarterly_splits`` (None: every row)."""
    if quarterly_splits is None:
        return None
    split = box.str.split("/", n=1).str[0]
    return (~is_independent(box) | split.isin(list(quarterly_splits))).to_numpy()


def mailbox_folds(boxes: list[str], k: int = 6):
    order = sorted(set(boxes))
    return [[b for i, b in enumerate(order) if i % k == j] for j in range(k)]


def per_box_rho(df: pd.DataFrame, col: str) -> pd.Series:
    return df.groupby("box").apply(lambda g: spearmanr(g["target"], g[col]).statistic if len(g) > 2 else np.nan)


def cross_validate(T: pd.DataFrame, boxes: list[dict], params: dict) -> dict:
    """Leave-mailbox-out: client scores, shrunk quarterly scores and trends of every held-out box."""
    clients = T[T["kind"] == "client"].copy()
    clients["oof"] = np.nan
    trend_rows = []
    by_box = {b["box"]: b for b in boxes}
    for fold in mailbox_folds(list(T["box"])):
        model = fit_rows(T[~T["box"].isin(fold)], **params)
        for name in fold:
            b = by_box[name]
            overall = pd.Series(model.predict(b["F"]), index=b["F"].index)
            sel = (clients["box"] == name)
            clients.loc[sel, "oof"] = overall.reindex(clients.loc[sel, "client"]).to_numpy()
            if len(b["P"]):
                per = pd.DataFrame({"score": model.predict_periods(b["P"], b["F"], overall),
                                    "n_messages": b["P"]["n_messages"].to_numpy()},
                                   index=b["P"].index)
                trend_rows.append((name, b, per, overall))
    return {"clients": clients, "trend_rows": trend_rows}


def trend_scores(trend_rows, period_prior: float, band: float, period_target: str = "level") -> pd.DataFrame:
    rows = []
    for name, b, per, overall in trend_rows:
        m = DepthModel(period_prior=period_prior, trend_band=band, period_target=period_target)
        t = m.trend_table(m.shrink_periods(per, overall))
        truth = b["truth"]["trend"]
        for client, tr in t["trend"].items():
            if client in truth.index:
                rows.append({"box": name, "client": client, "truth": truth[client], "got": tr})
    return pd.DataFrame(rows)


def trend_accuracy(df: pd.DataFrame) -> dict:
    moving = df["truth"] != "steady"
    return {"moving_right": int((df.loc[moving, "truth"] == df.loc[moving, "got"]).sum()), "moving": int(moving.sum()),
            "steady_right": int((df.loc[~moving, "got"] == "steady").sum()), "steady": int((~moving).sum())}


def dev_summary(c: pd.DataFrame) -> dict:
    if c.empty:
        return {}
    return {"mae": round(float(np.mean(np.abs(c["oof"] - c["target"]))), 2),
            "tier_accuracy": round(float(np.mean([tier_of(a) == tier_of(b) for a, b in zip(c["oof"], c["target"])])), 3),
            "n_clients": int(len(c))}


def per_box_summary(c: pd.DataFrame) -> dict:
    """Per mailbox, out of fold: Spearman, clients, clients in the right tier, clients two tiers off."""
    out = {}
    for box, g in c.groupby("box"):
        got, want = [TIERS.index(tier_of(v)) for v in g["oof"]], [TIERS.index(tier_of(v)) for v in g["target"]]
        out[box] = {"spearman": round(float(spearmanr(g["target"], g["oof"]).statistic), 4) if len(g) > 2 else None,
                    "clients": int(len(g)), "tiers_right": int(sum(a == b for a, b in zip(got, want))),
                    "two_tiers_off": int(sum(abs(a - b) >= 2 for a, b in zip(got, want)))}
    return out


def oof_table(clients: pd.DataFrame, trends: pd.DataFrame) -> pd.DataFrame:
    """The hand-written training clients' out-of-fold readings, one row each, for reading errors on
    training mail without rebuilding (the build writes it as ``oof_clients.csv.gz``; development data,
    never a quality figure): mailbox, client, designed and out-of-fold depth and tier, how many tiers
    apart, and the designed and called trend (:func:`trend_scores` at the shipped trend setting; empty
    for a client with no quarterly reading). ``clients``: :func:`cross_validate`'s ``clients``."""
    c = clients.loc[is_independent(clients["box"]), ["box", "client", "target", "oof"]].dropna(subset=["oof"])
    c = c.assign(oof=c["oof"].round(2), tier=[tier_of(v) for v in c["target"]],
                 oof_tier=[tier_of(v) for v in c["oof"]])
    c["tiers_apart"] = [abs(TIERS.index(a) - TIERS.index(b)) for a, b in zip(c["tier"], c["oof_tier"])]
    t = trends.rename(columns={"truth": "trend", "got": "oof_trend"})[["box", "client", "trend", "oof_trend"]]
    return c.merge(t, on=["box", "client"], how="left").sort_values(["box", "client"]).reset_index(drop=True)


def balanced_accuracy(acc: dict) -> float:
    return 0.5 * (acc["moving_right"] / max(1, acc["moving"]) + acc["steady_right"] / max(1, acc["steady"]))


def choose_trend(trends: list[dict], floor: float = STEADY_FLOOR) -> dict:
    """The trend setting to ship from the grid rows (``floor``: :data:`STEADY_FLOOR` unless told).

    The independent (train + dev) mailboxes' shifts are what users' clients look like, so they
    decide: among the rows calling at least STEADY_FLOOR of their steady clients steady, the most
    shifting clients right; then the strongest quarterly shrinkage (the report plots the quarterly
    series, and a series that swings on a handful of messages misleads), then the more steady
    clients right, then the generated mailboxes' balanced accuracy. No row reaching the floor: the
    best balanced accuracy.
    """
    def steady_rate(r):
        return r["dev"]["steady_right"] / max(1, r["dev"]["steady"])

    ok = [r for r in trends if steady_rate(r) >= floor]
    if not ok:
        return max(trends, key=lambda r: (round(r["balanced_dev"], 3), r["period_prior"]))
    return max(ok, key=lambda r: (r["dev"]["moving_right"], r["period_prior"], r["dev"]["steady_right"],
                                  r["balanced_generated"]))
