"""Held-out evaluation of the depth model: ``python -m training.depth.evaluate``.

Generates mailboxes with seeds the build never uses (:data:`EVAL_SEEDS`), runs the real ingest and
signal detection, scores every client with the model (``score_clients``, exactly as ``analyzer run``
does) and compares with the designed depths:

- Spearman correlation of ``depth_score`` with the designed depth (target >= 0.9);
- side by side, what message volume alone reaches (the raw message count, and a model of the same
  recipe fitted on the volume features only) and what the text signals alone reach (a model fitted
  on the text-signal features only, same training rows: ``training_features.csv.gz`` of the build);
- the tier confusion matrix, and the trend confusion matrix (per-class counts) of the model's trend
  and, side by side, of the plain slope rule (:func:`~analyzer.depth.model.trend_of` with the model's
  ``trend_band``, what models without a trend model use) on the same quarterly scores.

Writes ``evaluation.md`` and ``evaluation.json`` beside the model.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from threadpoolctl import threadpool_limits

from analyzer.depth.features import FEATURE_GROUPS, MailFrames
from training.depth.labelled import generate_and_ingest, parse_seeds, truth_frames
from analyzer.depth.model import TIERS, TRENDS, make_pipeline, tier_of, trend_of
from analyzer.depth.modelfile import load_depth_model
from analyzer.depth.scores import score_and_periods

log = logging.getLogger(__name__)

EVAL_SEEDS: tuple[int, ...] = tuple(range(901, 909))
N_CLIENTS = 12
MONTHS = 15


def _rho(a, b) -> float:
    r = spearmanr(np.asarray(a, dtype=float), np.asarray(b, dtype=float)).statistic
    return round(float(r), 4) if r == r else float("nan")


def ablation_scores(train: pd.DataFrame, test_features: pd.DataFrame, group: str, kind: str) -> np.ndarray:
    """Predictions of a model of the same recipe fitted on one feature group only."""
    cols = list(FEATURE_GROUPS[group])
    pipe = make_pipeline(kind, columns=cols)
    pipe.fit(train[cols], train["target"], regress__sample_weight=train["weight"].to_numpy())
    return pipe.predict(test_features[cols])


def evaluate(model_path: Path | None, seeds=EVAL_SEEDS, n_clients: int = N_CLIENTS, months: int = MONTHS,
             training_table: Path | None = None) -> dict:
    from analyzer.signals.pipeline import load_pipeline

    t0 = time.perf_counter()
    model = load_depth_model(model_path)
    nlp = load_pipeline()
    rows, feats = [], []
    with tempfile.TemporaryDirectory(prefix="depth-eval-") as tmp:
        for seed in seeds:
            messages, signals, truth = generate_and_ingest(seed, n_clients, months, Path(tmp), nlp=nlp)
            scores, periods = score_and_periods(messages, signals, model=model)
            scores = scores.set_index("client")
            rule = {c: trend_of(g.rename(columns={"depth_score": "score"}), band=model.trend_band)
                    for c, g in periods.groupby("client", sort=True)}
            scores["rule_trend"] = pd.Series(rule).reindex(scores.index).fillna("steady")
            F = model.features_.transform(MailFrames(messages, signals))
            t, _ = truth_frames(truth)
            found = t.join(scores[["depth_score", "tier", "trend", "trend_slope", "rule_trend", "n_messages"]]
                           .add_prefix("got_"), how="left")
            found["seed"] = seed
            rows.append(found)
            feats.append(F.reindex(t.index).assign(seed=seed))
    df = pd.concat(rows)
    F = pd.concat(feats)
    missing = df["got_depth_score"].isna()
    if missing.any():
        log.warning("%d designed clients were not found by attribution: %s", missing.sum(),
                    ", ".join(df.index[missing][:5]))
    ok = ~missing
    res: dict = {"seeds": list(seeds), "n_clients": int(len(df)), "n_scored": int(ok.sum()),
                 "spearman": {"combined": _rho(df.loc[ok, "got_depth_score"], df.loc[ok, "depth"]),
                              "message_count": _rho(df.loc[ok, "got_n_messages"], df.loc[ok, "depth"])}}
    table_path = training_table or (Path(model_path).parent if model_path else Path("models/depth")) / "training_features.csv.gz"
    if table_path.is_file():
        train = pd.read_csv(table_path)
        kind = model.kind
        for group in ("volume", "text", "behaviour"):
            pred = ablation_scores(train, F[ok.to_numpy()], group, kind)
            res["spearman"][f"{group}_only_model"] = _rho(pred, df.loc[ok, "depth"])
    else:
        log.warning("no training table at %s: ablation models skipped", table_path)

    got_tier = df.loc[ok, "got_tier"]
    true_tier = df.loc[ok, "depth"].map(tier_of)
    conf = pd.crosstab(pd.Categorical(true_tier, TIERS), pd.Categorical(got_tier, TIERS), dropna=False)
    res["tier_accuracy"] = round(float((got_tier == true_tier).mean()), 4)
    res["tier_within_one"] = round(float((abs(got_tier.map(TIERS.index) - true_tier.map(TIERS.index)) <= 1).mean()), 4)
    res["tier_confusion"] = {"rows_true_cols_predicted": list(TIERS), "matrix": conf.to_numpy().tolist()}
    res["mae"] = round(float((df.loc[ok, "got_depth_score"] - df.loc[ok, "depth"]).abs().mean()), 2)
    res["trend"] = trend_result(df[ok], "got_trend")
    res["trend"]["source"] = "trend model" if getattr(model, "trend_model_", None) is not None else "slope rule"
    res["trend_slope_rule"] = trend_result(df[ok], "got_rule_trend")
    res["trend_slope_rule"]["band"] = model.trend_band
    res["trend_clients"] = (df.loc[ok & df["trend"].isin(["deepening", "cooling"]),
                                   ["seed", "archetype", "trend", "got_trend", "got_trend_slope", "got_rule_trend"]]
                            .reset_index().to_dict(orient="records"))
    by_arch = df[ok].groupby("archetype").agg(n=("depth", "size"), designed=("depth", "mean"),
                                              scored=("got_depth_score", "mean"))
    by_arch["mae"] = (df[ok]["got_depth_score"] - df[ok]["depth"]).abs().groupby(df[ok]["archetype"]).mean()
    res["by_archetype"] = by_arch.round(1).reset_index().to_dict(orient="records")
    res["seconds"] = round(time.perf_counter() - t0, 1)
    return res


def trend_result(df: pd.DataFrame, column: str) -> dict:
    """Trend accuracy of ``df[column]`` against the designed ``df["trend"]``: on moving clients,
    per class (right / n) and as a confusion matrix (rows designed, columns predicted)."""
    moving = df["trend"].isin(["deepening", "cooling"])
    right = df[column] == df["trend"]
    return {
        "moving_accuracy": round(float(right[moving].mean()), 4) if moving.any() else float("nan"),
        "n_moving": int(moving.sum()),
        "steady_accuracy": round(float(right[df["trend"] == "steady"].mean()), 4),
        "per_class": {t: [int(right[df["trend"] == t].sum()), int((df["trend"] == t).sum())] for t in TRENDS},
        "confusion": pd.crosstab(pd.Categorical(df["trend"], TRENDS), pd.Categorical(df[column], TRENDS),
                                 dropna=False).to_numpy().tolist(),
    }


def _trend_md(tr: dict, title: str) -> list[str]:
    per = ", ".join(f"{t} {r}/{n}" for t, (r, n) in tr["per_class"].items())
    lines = [f"{title}: {tr['moving_accuracy']} right on the {tr['n_moving']} deepening/cooling clients; "
             f"{tr['steady_accuracy']} of steady clients called steady ({per}).", "",
             "| designed \\ predicted | " + " | ".join(TRENDS) + " |", "|---" * (len(TRENDS) + 1) + "|"]
    for name, row in zip(TRENDS, tr["confusion"]):
        lines.append(f"| {name} | " + " | ".join(str(v) for v in row) + " |")
    return lines + [""]


def evaluation_md(res: dict, command: str) -> str:
    sp = res["spearman"]
    lines = ["# Depth model: held-out evaluation", "",
             f"Command: `{command}`", "",
             f"Generated mailboxes with seeds {res['seeds'][0]}-{res['seeds'][-1]} (never used in training), "
             f"{res['n_clients']} designed clients, {res['n_scored']} found and scored; real ingest and signal detection.", "",
             "| scorer | Spearman vs designed depth |", "|---|---|",
             f"| **depth model (combined)** | **{sp['combined']}** |",
             f"| message count alone | {sp['message_count']} |"]
    for key, name in (("volume_only_model", "volume features alone (same recipe)"),
                      ("text_only_model", "text signals alone (same recipe)"),
                      ("behaviour_only_model", "behaviour features alone (same recipe)")):
        if key in sp:
            lines.append(f"| {name} | {sp[key]} |")
    lines += ["", f"Mean absolute error {res['mae']} points; tier accuracy {res['tier_accuracy']} "
              f"(within one tier {res['tier_within_one']}).", "", "Tier confusion (rows designed, columns predicted):", "",
              "| | " + " | ".join(TIERS) + " |", "|---" * (len(TIERS) + 1) + "|"]
    for name, row in zip(TIERS, res["tier_confusion"]["matrix"]):
        lines.append(f"| {name} | " + " | ".join(str(v) for v in row) + " |")
    lines += [""] + _trend_md(res["trend"], f"Trend ({res['trend'].get('source', 'model')}, as in scores.csv)")
    if "trend_slope_rule" in res:
        lines += _trend_md(res["trend_slope_rule"], "For comparison, the slope rule alone (quarterly score slope, "
                           f"dead band {res['trend_slope_rule']['band']}; used by models without a trend model)")
    lines += ["By archetype:", "", "| archetype | n | designed (mean) | scored (mean) | MAE |", "|---|---|---|---|---|"]
    for r in res["by_archetype"]:
        lines.append(f"| {r['archetype']} | {r['n']} | {r['designed']} | {r['scored']} | {r['mae']} |")
    lines += ["", f"Time: {res['seconds']} s.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.depth.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=Path("models/depth/model.skops"))
    ap.add_argument("--seeds", type=parse_seeds, default=EVAL_SEEDS)
    ap.add_argument("--clients", type=int, default=N_CLIENTS)
    ap.add_argument("--months", type=int, default=MONTHS)
    ap.add_argument("--out", type=Path, default=None, help="folder for evaluation.md/json (default: the model's)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    # one OpenMP thread: on a shared 2-core machine threaded boosting runs slower, not faster
    with threadpool_limits(1):
        res = evaluate(args.model, args.seeds, args.clients, args.months)
    out = args.out or args.model.parent
    out.mkdir(parents=True, exist_ok=True)
    command = "python -m training.depth.evaluate " + " ".join(argv if argv is not None else sys.argv[1:])
    (out / "evaluation.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    (out / "evaluation.md").write_text(evaluation_md(res, command.strip()), encoding="utf-8")
    log.info("spearman %.3f (volume %.3f) -> %s", res["spearman"]["combined"], res["spearman"]["message_count"], out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
