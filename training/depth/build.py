"""Build the shipped depth model: ``python -m training.depth.build --out models/depth``.

Generates labelled mailboxes with ``data/mailgen`` (seeds :data:`TRAIN_SEEDS`, mixed archetypes),
writes each as an mbox plus config and reads it back through the real ingest, detects signals
with the real signal pipeline, computes client and client x quarter features, and fits
:class:`~analyzer.depth.model.DepthModel` on both (a client row's target is its designed depth,
a quarter row's the designed depth in that quarter). Honest numbers come from leave-mailbox-out
cross-validation (``GroupKFold`` over seeds), which also picks the slope rule's dead band.

The trend model (:class:`~analyzer.depth.trend.TrendModel`) is then fitted on one trajectory row per
client: the slope and late-minus-early change of its *out-of-fold* quarterly scores (as noisy as on
new mail) plus event-level behaviour slopes, against the designed depth change per quarter; its own
dead band comes from leave-mailbox-out predictions too.

Writes ``OUT/model.skops``, ``OUT/metrics.json``, ``OUT/TRAINING.md``,
``OUT/training_features.csv.gz`` (the fitted rows, used by ``evaluate`` for its ablations) and
``OUT/training_trajectories.csv.gz`` (the trend model's rows).
Evaluation seeds (:data:`training.depth.evaluate.EVAL_SEEDS`) are never used here.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from threadpoolctl import threadpool_limits
from sklearn.model_selection import GroupKFold

from analyzer.depth.features import FEATURE_NAMES, ClientFeatures
from training.depth.labelled import designed_slopes, labelled_mailbox, parse_seeds, training_table
from analyzer.depth.model import TIERS, TRENDS, DepthModel, tier_of, trend_of
from analyzer.depth.trend import TRAJECTORY_FEATURES, trajectory_features, trend_labels
from analyzer.depth.modelfile import save_depth_model

log = logging.getLogger(__name__)

TRAIN_SEEDS: tuple[int, ...] = tuple(range(101, 125))  # 24 mailboxes
N_CLIENTS = 12
MONTHS = 15
BANDS = (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0)


def _oof(table: pd.DataFrame, kind: str) -> np.ndarray:
    """Leave-mailbox-out predictions (calibrated) for every row of the training table."""
    preds = np.empty(len(table))
    groups = table["seed"].to_numpy()
    for train, test in GroupKFold(n_splits=min(6, len(set(groups)))).split(table, groups=groups):
        tr = table.iloc[train]
        m = DepthModel(kind=kind).fit(tr[list(FEATURE_NAMES)], tr["target"], sample_weight=tr["weight"].to_numpy(),
                                      groups=tr["seed"].to_numpy())
        preds[test] = m.predict(table.iloc[test][list(FEATURE_NAMES)])
    return preds


def trend_accuracy(table: pd.DataFrame, scores: np.ndarray, truth_trend: pd.Series, band: float) -> dict:
    """Trend per client from its quarter scores vs the designed trend: accuracy overall and on moving clients."""
    p = table.assign(score=scores)
    p = p[p["kind"] == "period"].sort_values(["seed", "client", "period"])
    got = {(s, c): trend_of(g, band=band) for (s, c), g in p.groupby(["seed", "client"], sort=False)}
    pairs = [(got[k], truth_trend[k]) for k in got if k in truth_trend.index]
    moving = [(g, t) for g, t in pairs if t in ("deepening", "cooling")]
    steady = [(g, t) for g, t in pairs if t == "steady"]
    return {"band": band, "accuracy": float(np.mean([g == t for g, t in pairs])) if pairs else float("nan"),
            "moving_accuracy": float(np.mean([g == t for g, t in moving])) if moving else float("nan"),
            "steady_accuracy": float(np.mean([g == t for g, t in steady])) if steady else float("nan"),
            "n": len(pairs), "n_moving": len(moving)}


def trajectory_table(table: pd.DataFrame, scores: np.ndarray, boxes) -> pd.DataFrame:
    """One row per designed client: trajectory features from the quarter rows' ``scores`` (out of
    fold) and the mailbox's event trajectories, ``target`` (designed change per quarter),
    ``truth_trend``, ``seed``, ``client``."""
    p = table.assign(score=scores)
    p = p[p["kind"] == "period"]
    parts = []
    for b in boxes:
        pb = p[p["seed"] == b.seed].set_index(["client", "period"])[["score", "n_messages"]]
        T = trajectory_features(pb, b.events)
        T = T.join(designed_slopes(b.period_truth).rename("target"), how="inner")
        T = T.join(b.truth["trend"].rename("truth_trend"), how="inner")
        parts.append(T.assign(seed=b.seed, client=T.index).reset_index(drop=True))
    return pd.concat(parts, ignore_index=True)


def lag_table(table: pd.DataFrame, scores: np.ndarray, traj: pd.DataFrame, slopes: np.ndarray) -> pd.DataFrame:
    """One row per designed client for :meth:`DepthModel.fit_lag`: its out-of-fold client ``score``,
    the trend model's out-of-fold ``slope``, the designed end depth ``target`` and ``seed``."""
    is_client = (table["kind"] == "client").to_numpy()
    c = table.loc[is_client, ["seed", "client", "target"]].assign(score=scores[is_client])
    t = traj[["seed", "client"]].assign(slope=np.asarray(slopes, dtype=float))
    return c.merge(t, on=["seed", "client"], how="left").fillna({"slope": 0.0})


def build(out: Path, seeds=TRAIN_SEEDS, n_clients: int = N_CLIENTS, months: int = MONTHS, kind: str = "gbm") -> dict:
    t0 = time.perf_counter()
    from analyzer.signals.pipeline import load_pipeline

    nlp = load_pipeline()
    features = ClientFeatures()
    boxes = []
    with tempfile.TemporaryDirectory(prefix="depth-build-") as tmp:
        for seed in seeds:
            boxes.append(labelled_mailbox(seed, n_clients, months, Path(tmp), nlp=nlp, features=features))
    t_data = time.perf_counter() - t0
    table = training_table(boxes)
    truth_trend = pd.concat({b.seed: b.truth["trend"] for b in boxes if "trend" in b.truth}, names=["seed", "client"])

    oof = _oof(table, kind)
    is_client = (table["kind"] == "client").to_numpy()
    rho = float(spearmanr(oof[is_client], table.loc[is_client, "target"]).statistic)
    tiers_true = [tier_of(v) for v in table.loc[is_client, "target"]]
    tiers_pred = [tier_of(v) for v in oof[is_client]]
    trends = [trend_accuracy(table, oof, truth_trend, b) for b in BANDS]
    # balanced: a band that calls everything steady (or everything moving) is no use
    best = max(trends, key=lambda r: (r["moving_accuracy"] + r["steady_accuracy"], -abs(r["band"] - 5)))

    model = DepthModel(kind=kind, features=features, trend_band=best["band"])
    model.fit(table[list(FEATURE_NAMES)], table["target"], sample_weight=table["weight"].to_numpy(),
              groups=table["seed"].to_numpy())
    traj = trajectory_table(table, oof, boxes)
    model.fit_trend(traj[list(TRAJECTORY_FEATURES)], traj["target"], groups=traj["seed"].to_numpy())
    tm = model.trend_model_
    lag_rows = lag_table(table, oof, traj, tm.cv_predictions_)
    model.fit_lag(lag_rows["score"], lag_rows["slope"], lag_rows["target"], groups=lag_rows["seed"].to_numpy())
    lagged = np.clip(lag_rows["score"] + model.lag_adjustment(lag_rows["slope"]), 0.0, 100.0)
    trend_cv = pd.crosstab(pd.Categorical(traj["truth_trend"], TRENDS),
                           pd.Categorical(trend_labels(tm.cv_predictions_, tm.band_), TRENDS), dropna=False)
    coef = tm.pipeline_.named_steps["ridge"].coef_
    metrics = {
        "model": {"kind": kind, "trend_band": best["band"], "trend_model_band": tm.band_,
                  "trend_model_alpha": float(tm.pipeline_.named_steps["ridge"].alpha_),
                  "lag_quarters": round(model.lag_quarters_, 3), "lag_band": model.lag_band_,
                  "trend_model_coef": {f: round(float(c), 3) for f, c in zip(TRAJECTORY_FEATURES, coef)}, "half_life_days": features.half_life_days,
                  "reply_cap_hours": features.reply_cap_hours, "n_features": len(FEATURE_NAMES)},
        "data": {"seeds": list(seeds), "n_mailboxes": len(boxes), "clients_per_mailbox": n_clients, "months": months,
                 "n_messages": int(sum(b.n_messages for b in boxes)), "n_client_rows": int(is_client.sum()),
                 "n_period_rows": int((~is_client).sum()),
                 "clients_found_vs_designed": [[len(b.features), len(b.truth)] for b in boxes],
                 "signals": "real (analyzer.signals.pipeline.load_pipeline)"},
        "cv_leave_mailbox_out": {
            "spearman_client": round(rho, 4),
            "mae_client": round(float(np.mean(np.abs(oof[is_client] - table.loc[is_client, "target"]))), 2),
            "tier_accuracy": round(float(np.mean([a == b for a, b in zip(tiers_true, tiers_pred)])), 4),
            "tier_confusion": pd.crosstab(pd.Categorical(tiers_true, TIERS), pd.Categorical(tiers_pred, TIERS),
                                          dropna=False).to_numpy().tolist(),
            "with_lag_correction": {
                "spearman_client": round(float(spearmanr(lagged, lag_rows["target"]).statistic), 4),
                "mae_client": round(float(np.mean(np.abs(lagged - lag_rows["target"]))), 2),
                "tier_accuracy": round(float(np.mean([tier_of(a) == tier_of(b)
                                                      for a, b in zip(lagged, lag_rows["target"])])), 4),
                "mae_by_band": model.lag_cv_, "n_clients": int(len(lag_rows))},
            "trend_by_band": trends,
            "trend_model": {"band": tm.band_, "recall": {k: round(v, 4) for k, v in tm.cv_recall_.items()},
                            "confusion_rows_true_cols_predicted": trend_cv.to_numpy().tolist(),
                            "n_clients": int(len(traj))},
        },
        "seconds": {"data": round(t_data, 1), "total": round(time.perf_counter() - t0, 1)},
        "python": platform.python_version(),
    }
    out.mkdir(parents=True, exist_ok=True)
    save_depth_model(model, out / "model.skops", training={
        "source": "generated mailboxes (data/mailgen)", "seeds": list(seeds), "n_clients": int(is_client.sum()),
        "cv_spearman": round(rho, 4), "kind": kind})
    table.to_csv(out / "training_features.csv.gz", index=False, float_format="%.6g")
    traj.assign(oof_slope=tm.cv_predictions_).to_csv(out / "training_trajectories.csv.gz", index=False,
                                                       float_format="%.6g")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "TRAINING.md").write_text(_training_md(metrics, out), encoding="utf-8")
    metrics["seconds"]["total"] = round(time.perf_counter() - t0, 1)
    return metrics


def _training_md(m: dict, out: Path) -> str:
    d, cv = m["data"], m["cv_leave_mailbox_out"]
    seeds = d["seeds"]
    return f"""# Depth model: how it was trained

Rebuild (writes model.skops, metrics.json, training_features.csv.gz, training_trajectories.csv.gz and this file):

    .venv/bin/python -m training.depth.build --out {out} --seeds {seeds[0]}-{seeds[-1]} --clients {d['clients_per_mailbox']} --months {d['months']}

- Data: {d['n_mailboxes']} generated mailboxes (data/mailgen `generate_corpus(seed, n_clients={d['clients_per_mailbox']},
  months={d['months']})`, seeds {seeds[0]}-{seeds[-1]}), each written as an mbox + analyzer.toml and read back with the
  real ingest (`analyzer.ingest.pipeline.ingest`); {d['n_messages']} messages in all.
- Signals: {d['signals']}.
- Rows: {d['n_client_rows']} client rows (target: designed depth at the end of the mailbox) and
  {d['n_period_rows']} client x quarter rows (target: designed depth of that quarter, weight 0.5).
- Model: `DepthModel(kind="{m['model']['kind']}")` = median imputer (+ missing indicators) + scaler +
  HistGradientBoostingRegressor, monotonic in the features whose direction SIGNALS.md states
  (`analyzer.depth.model.MONOTONIC`), isotonic calibration to 0-100 on out-of-fold predictions; whole-mailbox
  features decay with a half-life of {m['model']['half_life_days']} days.
- Trend: `TrendModel` (analyzer/depth/trend.py), a standardised ridge regression from trajectory features
  (slope and late-minus-early change of the client's out-of-fold quarterly scores, and event-level slopes of
  thread starts, reply hours, positive/negative signals, seniors involved, message share, volume, reply rate and
  thread length) to the designed depth change per quarter; dead band {m['model']['trend_model_band']} points/quarter
  chosen on leave-mailbox-out predictions (best mean recall of the three trends). Leave-mailbox-out recall:
  {_trend_line(cv['trend_model'])}. Models without it (`analyzer train`) use the slope rule: dead band
  {m['model']['trend_band']} points/quarter on the quarterly score slope ({_band_line(m)}).
- Lag correction: client score + {m['model']['lag_quarters']} quarters x the trend model's slope beyond
  {m['model']['lag_band']} points/quarter (the decayed features describe the client about a quarter ago;
  `DepthModel.fit_lag`, band and factor chosen on leave-mailbox-out MAE: {cv['with_lag_correction']['mae_by_band']}).
- Leave-mailbox-out cross-validation (GroupKFold over mailboxes): Spearman {cv['spearman_client']}, MAE
  {cv['mae_client']} points, tier accuracy {cv['tier_accuracy']} before the lag correction; with it Spearman
  {cv['with_lag_correction']['spearman_client']}, MAE {cv['with_lag_correction']['mae_client']}, tier accuracy
  {cv['with_lag_correction']['tier_accuracy']}.
- Held-out evaluation on other seeds: `python -m training.depth.evaluate` (see evaluation.md).
- Time: {m['seconds']['data']} s to generate/ingest/detect, {m['seconds']['total']} s in all (2-core machine shared
  with other jobs; boosting limited to one OpenMP thread).
"""


def _trend_line(t: dict) -> str:
    conf = dict(zip(TRENDS, t["confusion_rows_true_cols_predicted"]))
    return ", ".join(f"{name} {conf[name][i]}/{sum(conf[name])}" for i, name in enumerate(TRENDS))


def _band_line(m: dict) -> str:
    band = m["model"]["trend_band"]
    r = next(t for t in m["cv_leave_mailbox_out"]["trend_by_band"] if t["band"] == band)
    return (f"{r['moving_accuracy']:.2f} right on {r['n_moving']} deepening/cooling clients, "
            f"{r['steady_accuracy']:.2f} on steady ones, leave-mailbox-out")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.depth.build", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("models/depth"))
    ap.add_argument("--seeds", type=parse_seeds, default=TRAIN_SEEDS, help="e.g. 101-112 or 101,102")
    ap.add_argument("--clients", type=int, default=N_CLIENTS)
    ap.add_argument("--months", type=int, default=MONTHS)
    ap.add_argument("--kind", choices=("gbm", "ridge"), default="gbm")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    # one OpenMP thread: on a shared 2-core machine threaded boosting runs slower, not faster
    with threadpool_limits(1):
        m = build(args.out, args.seeds, args.clients, args.months, args.kind)
    log.info("depth model -> %s (cv spearman %.3f, %.0f s)", args.out, m["cv_leave_mailbox_out"]["spearman_client"],
             m["seconds"]["total"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
