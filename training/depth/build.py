"""Build the shipped depth model: ``python -m training.depth.build --out models/depth``.

The model (:class:`~analyzer.depth.model.DepthModel`, kind ``taxonomy``) puts non-negative weights
on the oriented evidence of :mod:`analyzer.depth.evidence`: the client's own signals carry the
score, client behaviour modulates it. Its few weights are learnt on a mix in which content and
behaviour vary independently:

- generated mailboxes (``data/mailgen``, seeds :data:`TRAIN_SEEDS`), a third each with client
  behaviour tied to depth, unrelated to it, or misleading (behaviour as for depth 100 - d), all
  read back through the real ingest and the real signal pipeline;
- the independent *training* mailboxes (``data/independent/train``) and *development* mailboxes
  (``data/independent/dev``), hand-written by helpers who never saw the generator, the features
  or the model, weighted :data:`DEV_WEIGHT` per client. The independent *test* mailboxes are
  never read here.

Chosen by leave-mailbox-out cross-validation over that mix, scored on the held-out *independent*
mailboxes only (what users' mail looks like; the generated ones only break ties): the weight of
the generated mailboxes (:data:`GENERATED_WEIGHTS`, 0 drops them), the ridge penalty and the
shrinkage of label shares (by mean per-mailbox Spearman), then the quarterly shrinkage and the
trend dead band (by the issue's target: the most shifting clients right among the settings that
call at least :data:`STEADY_FLOOR` of the steady ones steady, then the strongest quarterly shrinkage).
The quarterly regressor is fitted on the generated mailboxes and the hand-written ones of
:data:`~training.depth.independent.QUARTERLY_SPLITS` only (candidate PTQ, ``models/depth/CANDIDATE47.md``):
the later training mail moves the client score and the tiers, not the trend calls judged before it.

How each rebuild of the first ten sessions was chosen, judged and read (what was tried and not
shipped, and the rules fixed before each rebuild) is in ``models/depth/HISTORY.md``, section "The build's
first ten sessions"; later rebuilds are ``models/depth/CANDIDATE14.md`` onwards.

The training rows are :mod:`training.depth.rows`; the leave-mailbox-out selection and the fixed
model settings are :mod:`training.depth.selection`'s.

Writes ``OUT/model.skops``, ``OUT/metrics.json``, ``OUT/TRAINING.md``,
``OUT/training_features.csv.gz`` (the rows fitted on) and ``OUT/oof_clients.csv.gz`` (each hand-written
training client's out-of-fold score, tier and trend: :func:`~training.depth.selection.oof_table`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analyzer.depth.evidence import (PEOPLE_SIGNS, PRAISE_BACKERS, PRAISE_SHARES, evidence_names, people_names,
                                     praise_backers)
from analyzer.depth.features import FEATURE_NAMES, ClientFeatures
from analyzer.depth.model import DepthModel
from analyzer.depth.schema import tier_of
from analyzer.depth.modelfile import save_depth_model
from training.depth.independent import QUARTERLY_SPLITS, TEST_SPLITS, TRAIN_SPLITS
from training.depth.rows import BEHAVIOURS, DEV_WEIGHT, TRAIN_SEEDS, behaviour_of, collect, is_independent, table
from training.depth.selection import (BACKED_PRAISE, ORDINAL_TIERS, PRAISE_BACKING, PRAISE_SHARE, REGRESSOR,
                                      STEADY_FLOOR, TIER_CUTS, balanced_accuracy, choose_trend, cross_validate,
                                      dev_summary, fit_rows, oof_table, per_box_rho, per_box_summary,
                                      trend_accuracy, trend_scores)
from training.depth.training_md import training_md

log = logging.getLogger(__name__)

GENERATED_WEIGHTS = (0.0, 0.3, 1.0)
ALPHAS = (1.0, 10.0)
PRIORS = (8.0, 16.0)
PERIOD_PRIORS = (0.0, 4.0, 8.0, 16.0, 32.0)
#: What a thin quarter is pulled toward (DepthModel ``period_target``): the client's level, or its line.
PERIOD_TARGETS = ("level", "line")
BANDS = (2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0, 14.0)
#: The evidence includes the log counts of deeper and of shallower signals (DepthModel ``log_counts``):
#: chosen by the tenth session's rule (data/independent/train9/RULE.md).
LOG_COUNTS = True
#: The client's people features the evidence reads too (DepthModel ``people``; of
#: :data:`~analyzer.depth.evidence.PEOPLE_SIGNS`): how many of its people write and the most senior of
#: them, read by the client score's regressor (:data:`PEOPLE_SCOPE`): candidate PT
#: (models/depth/CANDIDATE45.md), shipped in the thirty-first session.
PEOPLE: tuple[str, ...] = ("n_client_people", "max_seniority")
#: What reads :data:`PEOPLE` (DepthModel ``people_scope``): "all" (candidate PS, models/depth/CANDIDATE44.md,
#: lost tiers) or "score", the client score's regressor alone (candidate PT, CANDIDATE45.md: shipped).
PEOPLE_SCOPE = "score"


def evidence_weights(model: DepthModel, clients: pd.DataFrame, log_counts: bool, people=()) -> dict[str, float]:
    """Per evidence column, score points before calibration: the ridge's weight per standard deviation,
    or for boosting the mean absolute change of the raw prediction over ``clients`` when that column
    alone is set to its median (the same substitution as :meth:`DepthModel.contributions`)."""
    names = evidence_names(log_counts, people)
    regress = model.pipeline_.named_steps["regress"]
    if hasattr(regress, "coef_"):
        return dict(zip(names, np.round(regress.coef_, 3).tolist()))
    Z = model.pipeline_[:-1].transform(clients[list(FEATURE_NAMES)].astype(float))
    base = regress.predict(Z)
    out = {}
    for name in names:
        moved = Z.copy()
        moved[name] = float(Z[name].median())
        out[name] = round(float(np.mean(np.abs(base - regress.predict(moved)))), 3)
    return out


def praise_cap_holders(model: DepthModel):
    """The fitted ``model`` and every estimator inside it that reads the praise cap: its evidence
    transforms (client and quarterly regressors, tier classifiers) and the models holding them."""
    for m in (model, getattr(model, "period_model_", None)):
        if m is None:
            continue
        yield m
        parts = [getattr(m, "pipeline_", None), getattr(m, "tier_model_", None),
                 getattr(getattr(m, "tier_model_", None), "prepare_", None)]
        for part in parts:
            if part is None:
                continue
            if hasattr(part, "backed_praise"):
                yield part
            for _, step in getattr(part, "steps", []):
                if hasattr(step, "backed_praise"):
                    yield step


def set_praise_cap(model: DepthModel, backed_praise: int | None) -> DepthModel:
    """``model`` (fitted; changed in place and returned) scoring with the praise cap ``backed_praise``
    (:class:`~analyzer.depth.evidence.EvidenceFeatures`) in every transform it holds; its weights,
    calibration, tiers and trend stay as fitted. Candidate O0w (models/depth/CANDIDATE34.md)."""
    for est in praise_cap_holders(model):
        est.backed_praise = backed_praise
    return model


def build(out: Path, seeds=TRAIN_SEEDS, boxes: list[dict] | None = None, log_counts: bool = LOG_COUNTS,
          splits=TRAIN_SPLITS, signals_model=None, steady_floor: float = STEADY_FLOOR,
          backed_praise: int | None = BACKED_PRAISE, score_backed_praise: int | None | str = "same",
          generated_weights=GENERATED_WEIGHTS, period_priors=PERIOD_PRIORS, bands=BANDS, priors=PRIORS,
          people=PEOPLE, people_scope: str = PEOPLE_SCOPE, period_targets=PERIOD_TARGETS,
          quarterly_splits=QUARTERLY_SPLITS, praise_backing: str = PRAISE_BACKING,
          praise_share: str = PRAISE_SHARE, split_signals_models: dict[str, Path] | None = None) -> dict:
    """Choose, fit and write the model (module doc); ``boxes``: :func:`collect`'s result, if already read;
    ``log_counts``: the evidence with the log counts of deeper and shallower signals
    (:class:`~analyzer.depth.evidence.EvidenceFeatures`); ``signals_model``: the signal pipeline whose
    detections the model is fitted on (default: the shipped one); ``backed_praise``: praise counted
    beyond the client's other deeper signs (:class:`~analyzer.depth.evidence.EvidenceFeatures`; None: all);
    ``score_backed_praise``: the cap the fitted model scores with (:func:`set_praise_cap`; "same": as fitted);
    ``generated_weights``: the weights of the generated mailboxes the grid tries (0 drops them);
    ``period_priors``, ``bands``: the quarterly shrinkages and trend dead bands the trend grid tries
    (one of each fixes the trend settings); ``priors``: the label-share shrinkages the grid tries;
    ``people``: the client's people features the evidence reads too
    (:class:`~analyzer.depth.evidence.EvidenceFeatures`); ``people_scope``: what reads them ("all", or
    "score": the client score's regressor alone); ``period_targets``: the quarterly targets the trend
    grid tries; ``quarterly_splits``: the hand-written splits whose rows the quarterly regressor is
    fitted on (with the generated ones; :data:`QUARTERLY_SPLITS` by default, candidate PTQ; None: all of
    ``splits``); ``praise_backing``: which signs back praise under ``backed_praise``
    (:data:`PRAISE_BACKING`); ``praise_share``: how the praise share is held back (:data:`PRAISE_SHARE`);
    ``split_signals_models``: as in :func:`collect`."""
    if praise_share not in PRAISE_SHARES:
        raise ValueError(f"praise_share must be one of {', '.join(PRAISE_SHARES)}, not {praise_share!r}")
    praise_backers(praise_backing)  # a usage error before any mail is read
    if quarterly_splits is not None and set(quarterly_splits) - set(splits):
        raise ValueError(f"quarterly_splits must be among splits: {sorted(set(quarterly_splits) - set(splits))}")
    t0 = time.perf_counter()
    features = ClientFeatures().fit(None)
    boxes = collect(seeds, splits, signals_model, split_signals_models) if boxes is None else boxes
    T = table(boxes)
    t_data = time.perf_counter() - t0
    grid = []
    alphas = ALPHAS if REGRESSOR == "ridge" else ALPHAS[:1]  # boosting has no ridge penalty
    for gw, alpha, prior in itertools.product(generated_weights, alphas, priors):
        cv = cross_validate(T, boxes, {"alpha": alpha, "prior_messages": prior, "generated_weight": gw,
                                       "log_counts": log_counts, "backed_praise": backed_praise, "people": people,
                                       "people_scope": people_scope, "quarterly_splits": quarterly_splits,
                                       "praise_backing": praise_backing, "praise_share": praise_share})
        c = cv["clients"].dropna(subset=["oof"])
        rho = per_box_rho(c, "oof")
        ind = rho[[i for i in rho.index if is_independent(i)]]
        grid.append({"generated_weight": gw, "alpha": alpha, "prior_messages": prior,
                     "mean_spearman": float(rho.mean()), "independent_spearman": float(ind.mean()),
                     "independent_worst": float(ind.min()),
                     "dev_spearman": float(rho[[i for i in rho.index if i.startswith("dev/")]].mean()),
                     "cv": cv})
        log.info("generated x%s alpha %s prior %s: independent rho %.3f (worst %.3f), all %.3f", gw, alpha, prior,
                 grid[-1]["independent_spearman"], grid[-1]["independent_worst"], grid[-1]["mean_spearman"])
    best = max(grid, key=lambda g: (round(g["independent_spearman"], 3), g["mean_spearman"]))
    trends, trend_calls = [], {}
    for target, pp, band in itertools.product(period_targets, period_priors, bands):
        df = trend_calls[(target, pp, band)] = trend_scores(best["cv"]["trend_rows"], pp, band, target)
        dev = is_independent(df["box"])
        acc, acc_dev, acc_gen = trend_accuracy(df), trend_accuracy(df[dev]), trend_accuracy(df[~dev])
        trends.append({"period_target": target, "period_prior": pp, "band": band, **acc, "dev": acc_dev,
                       "generated": acc_gen,
                       "balanced_dev": balanced_accuracy(acc_dev), "balanced_generated": balanced_accuracy(acc_gen)})
    best_trend = choose_trend(trends, steady_floor)
    params = {"alpha": best["alpha"], "prior_messages": best["prior_messages"], "log_counts": log_counts,
              "people": tuple(people), "people_scope": people_scope,
              "backed_praise": backed_praise, "praise_backing": praise_backing, "praise_share": praise_share,
              "period_prior": best_trend["period_prior"],
              "period_target": best_trend["period_target"], "trend_band": best_trend["band"]}
    model = fit_rows(T, generated_weight=best["generated_weight"], quarterly_splits=quarterly_splits, **params)
    if score_backed_praise != "same":
        set_praise_cap(model, score_backed_praise)
    c = best["cv"]["clients"].dropna(subset=["oof"])
    weights = evidence_weights(model, T[T["kind"] == "client"], log_counts, people)
    per_box = per_box_rho(c, "oof")
    metrics = {
        "model": {"kind": "taxonomy", "regressor": model.regressor, "period_regressor": model.period_regressor,
                  "unread_share": model.unread_share, **params, "backed_praise": model.backed_praise,
                  "fit_backed_praise": backed_praise, "weights_per_sd": weights,
                  "tier_cuts": TIER_CUTS,
                  "ordinal_tiers": ORDINAL_TIERS,
                  "tier_cuts_raw": None if model.tier_cuts_ is None else np.round(model.tier_cuts_, 3).tolist(),
                  "half_life_days": features.half_life_days},
        "data": {"generated_seeds": list(seeds), "behaviour_by_seed": {s: behaviour_of(s) for s in seeds},
                 "independent_dev": [b["box"] for b in boxes if b["box"].startswith("dev/")],
                 "independent_train": [b["box"] for b in boxes
                                       if is_independent(b["box"]) and not b["box"].startswith("dev/")],
                 "generated_weight": best["generated_weight"],
                 "quarterly_splits": None if quarterly_splits is None else list(quarterly_splits),
                 "n_client_rows": int((T["kind"] == "client").sum()), "n_period_rows": int((T["kind"] == "period").sum()),
                 "dev_weight": DEV_WEIGHT},
        "cv_leave_mailbox_out": {
            "mean_spearman_per_mailbox": round(float(per_box.mean()), 4),
            "spearman_per_independent_mailbox": {k: round(float(v), 4) for k, v in per_box.items()
                                                 if is_independent(k)},
            "mean_spearman_independent": round(float(per_box[[k for k in per_box.index if is_independent(k)]].mean()), 4),
            "per_independent_mailbox": per_box_summary(c[is_independent(c["box"])]),
            "spearman_by_behaviour": {beh: round(float(per_box[[f"gen{s}" for s in seeds if behaviour_of(s) == beh]].mean()), 4)
                                      for beh in BEHAVIOURS},
            "mae_client": round(float(np.mean(np.abs(c["oof"] - c["target"]))), 2),
            "independent_dev": dev_summary(c[c["box"].str.startswith("dev/")]),
            "independent": dev_summary(c[is_independent(c["box"])]),
            "tier_accuracy": round(float(np.mean([tier_of(a) == tier_of(b) for a, b in zip(c["oof"], c["target"])])), 4),
            "grid": [{k: v for k, v in g.items() if k != "cv"} for g in grid],
            "trend_grid": trends, "trend": best_trend, "steady_floor": steady_floor,
        },
        "seconds": {"data": round(t_data, 1), "total": round(time.perf_counter() - t0, 1)},
        "python": platform.python_version(),
    }
    out.mkdir(parents=True, exist_ok=True)
    save_depth_model(model, out / "model.skops", training={
        "source": "independent train + dev mailboxes (hand-written) + generated mailboxes "
                  f"(weight {best['generated_weight']:g})",
        "n_clients": metrics["data"]["n_client_rows"], "cv_mean_spearman": metrics["cv_leave_mailbox_out"]["mean_spearman_per_mailbox"],
        "kind": "taxonomy"})
    T.to_csv(out / "training_features.csv.gz", index=False, float_format="%.6g")
    shipped_trends = trend_calls[(best_trend["period_target"], best_trend["period_prior"], best_trend["band"])]
    oof_table(best["cv"]["clients"], shipped_trends).to_csv(out / "oof_clients.csv.gz", index=False)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "TRAINING.md").write_text(training_md(metrics), encoding="utf-8")
    return metrics


def _praise_cap(text: str) -> int | None:
    """A praise cap on the command line: a whole number, or 'none' for all praise."""
    if text.lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number or 'none', not {text!r}") from None


def _settings(text: str) -> tuple[float, ...]:
    """A comma-separated list of non-negative numbers on the command line (``--generated-weights``,
    ``--period-priors``, ``--bands``)."""
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"comma-separated numbers, not {text!r}") from None
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError(f"one or more numbers of 0 or more, not {text!r}")
    return values


def _people(text: str) -> tuple[str, ...]:
    """``--people``: comma-separated names of :data:`~analyzer.depth.evidence.PEOPLE_SIGNS`, or 'none'."""
    if text.strip().lower() == "none":
        return ()
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    try:
        people_names(names)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return names


def _targets(text: str) -> tuple[str, ...]:
    """``--period-targets``: comma-separated names of :data:`PERIOD_TARGETS`."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names or set(names) - set(PERIOD_TARGETS):
        raise argparse.ArgumentTypeError(f"one or more of {', '.join(PERIOD_TARGETS)}, not {text!r}")
    return names


def _scoring_praise_cap(text: str) -> int | None | str:
    """``--score-backed-praise``: 'same' (as fitted) or a :func:`_praise_cap`."""
    return "same" if text.lower() == "same" else _praise_cap(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.depth.build", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("models/depth"))
    ap.add_argument("--without-log-counts", action="store_true",
                    help="the evidence without the log counts of deeper and shallower signals (the recipe before "
                         "the tenth session)")
    ap.add_argument("--signals-model", type=Path, default=None,
                    help="fit on the detections of this signal pipeline (default: the shipped one)")
    ap.add_argument("--splits", default=",".join(TRAIN_SPLITS),
                    help="the independent splits to fit on, comma-separated (default: TRAIN_SPLITS); never a "
                         "test set")
    ap.add_argument("--steady-floor", type=float, default=STEADY_FLOOR,
                    help="the share of the training mailboxes' steady clients the shipped trend setting must call "
                         "steady, out of fold (default: STEADY_FLOOR)")
    ap.add_argument("--backed-praise", type=_praise_cap, default=BACKED_PRAISE,
                    help="praise counted beyond the client's other deeper signs, or 'none' for all praise "
                         "(default: BACKED_PRAISE)")
    ap.add_argument("--score-backed-praise", type=_scoring_praise_cap, default="same",
                    help="the praise cap the fitted model scores with ('none', a number, or 'same' as fitted; "
                         "candidate O0w, models/depth/CANDIDATE34.md)")
    ap.add_argument("--generated-weights", type=_settings, default=GENERATED_WEIGHTS,
                    help="the weights of the generated mailboxes the grid tries, comma-separated; 0 alone fits "
                         "on hand-written mail only (default: GENERATED_WEIGHTS; candidate T3g0, "
                         "models/depth/CANDIDATE36.md)")
    ap.add_argument("--priors", type=_settings, default=PRIORS,
                    help="the label-share shrinkages (client mails of no signal) the grid tries, comma-separated "
                         "(default: PRIORS; candidate PT, models/depth/CANDIDATE45.md)")
    ap.add_argument("--period-priors", type=_settings, default=PERIOD_PRIORS,
                    help="the quarterly shrinkages (client messages) the trend grid tries, comma-separated "
                         "(default: PERIOD_PRIORS)")
    ap.add_argument("--bands", type=_settings, default=BANDS,
                    help="the trend dead bands (points a quarter) the trend grid tries, comma-separated; one "
                         "value with one --period-priors value fixes the trend settings (default: BANDS; "
                         "candidate T5b, models/depth/CANDIDATE42.md)")
    ap.add_argument("--people", type=_people, default=PEOPLE,
                    help="the client's people features the evidence reads too: 'none', or comma-separated "
                         f"names of {', '.join(PEOPLE_SIGNS)} (default: PEOPLE; candidate PT, "
                         "models/depth/CANDIDATE45.md)")
    ap.add_argument("--people-scope", choices=("all", "score"), default=PEOPLE_SCOPE,
                    help="what reads --people: every part of the model, or the client score's regressor alone "
                         "(tiers and quarterly course without them; candidate PT, models/depth/CANDIDATE45.md)")
    ap.add_argument("--period-targets", type=_targets, default=PERIOD_TARGETS,
                    help="the quarterly targets the trend grid tries, comma-separated of "
                         f"{', '.join(PERIOD_TARGETS)} (default: all)")
    ap.add_argument("--quarterly-splits", default=",".join(QUARTERLY_SPLITS),
                    help="the independent splits whose rows the quarterly regressor is fitted on, comma-separated, "
                         "each one of --splits, or 'all' for all of --splits (default: QUARTERLY_SPLITS; candidate "
                         "PTQ, models/depth/CANDIDATE47.md)")
    ap.add_argument("--praise-backing", choices=tuple(PRAISE_BACKERS), default=PRAISE_BACKING,
                    help="which signs back praise under --backed-praise: every other deeper sign, or the substance "
                         "alone, without forgiveness (default: PRAISE_BACKING; candidate PTF, "
                         "models/depth/CANDIDATE48.md)")
    ap.add_argument("--praise-share", choices=PRAISE_SHARES, default=PRAISE_SHARE,
                    help="how the praise share is held back under --backed-praise: scaled by counted/found praise, "
                         "or capped at (backing signs + k) / client mails, monotone in every feature (default: "
                         "PRAISE_SHARE; candidate PTM, models/depth/CANDIDATE50.md)")
    ap.add_argument("--split-signals-model", action="append", default=[], metavar="SPLIT=PATH",
                    help="read SPLIT with this signal pipeline instead of --signals-model (repeatable): cross-fitted "
                         "detections for splits whose labelled mail that detector learnt from")
    args = ap.parse_args(argv)
    splits = tuple(s for s in args.splits.split(",") if s)
    split_models = {}
    for item in args.split_signals_model:
        split, sep, path = item.partition("=")
        if not sep or split not in splits or not path:
            ap.error(f"--split-signals-model takes SPLIT=PATH with SPLIT one of --splits, not {item!r}")
        split_models[split] = Path(path)
    if set(splits) & set(TEST_SPLITS):
        ap.error(f"test sets are never trained on: {sorted(set(splits) & set(TEST_SPLITS))}")
    quarterly = None
    if args.quarterly_splits.strip().lower() != "all":
        quarterly = tuple(s for s in args.quarterly_splits.split(",") if s)
        if not quarterly or set(quarterly) - set(splits):
            ap.error(f"--quarterly-splits must name one or more of --splits, not {sorted(set(quarterly) - set(splits))}")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    with threadpool_limits(1):
        m = build(args.out, log_counts=not args.without_log_counts, signals_model=args.signals_model, splits=splits,
                  steady_floor=args.steady_floor, backed_praise=args.backed_praise,
                  score_backed_praise=args.score_backed_praise,
                  generated_weights=args.generated_weights,
                  period_priors=args.period_priors, bands=args.bands, priors=args.priors, people=args.people,
                  people_scope=args.people_scope, period_targets=args.period_targets, quarterly_splits=quarterly,
                  praise_backing=args.praise_backing, praise_share=args.praise_share,
                  split_signals_models=split_models)
    print(json.dumps({k: v for k, v in m["cv_leave_mailbox_out"].items() if "grid" not in k}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
