"""How well does a careful reader recover the designed depths? ``python -m training.depth.readers``.

Issue 11 asks for a Spearman of at least 0.85 on every test mailbox. Whether that is within reach
depends on how well a mailbox's designed depths can be recovered from its mail at all. So helpers
who read only ``docs/SIGNALS.md``, the mbox and the list of clients (names and domains, no depths,
no designs) read whole test mailboxes as an account director would and judged every client's depth,
tier and trend (``data/independent/readers/``: the brief, and one ``judgement.csv`` per mailbox).
Their judgements are scored exactly like the model's scores (:func:`mailbox_metrics`) and put beside
the shipped model's reading of the same mailbox (``models/depth/evaluation.json``). Writes
``models/depth/readers.md``.

Nothing is trained or tuned on the readings; they measure the data, not the model. The readers are
language models like the writers of the mailboxes, so they are an upper reading of what a human
reviewer would reach, not a measured human figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from analyzer.depth.schema import TIERS
from training.depth.independent import ROOT, SPLITS, TEST_SPLITS, TRAIN_SPLITS, mailbox_metrics, read_truth

READERS_DIR = ROOT / "readers"
MODELS_DIR = Path(__file__).resolve().parents[2] / "models" / "depth"
#: The figures put side by side, from :func:`mailbox_metrics`.
FIGURES = ("spearman", "tier_accuracy", "two_tiers_off", "mae", "moving_right", "moving", "steady_right", "steady")


def readings(folder: Path = READERS_DIR) -> list[tuple[str, str, Path]]:
    """``(split, mailbox, judgement.csv)`` of every reading, sorted."""
    return sorted((p.parent.parent.name, p.parent.name, p) for p in folder.glob("*/*/judgement.csv"))


def read_judgement(path: Path, truth: pd.DataFrame) -> pd.DataFrame:
    """The truth rows with the reader's judgement beside them, as :func:`mailbox_metrics` reads a run's
    scores (``got_depth_score``, ``got_trend``); a reader's row must exist for every client."""
    j = pd.read_csv(path, keep_default_na=False)
    missing = sorted(set(truth["client"]) - set(j["client"]))
    if missing:
        raise ValueError(f"{path}: no judgement for {missing}")
    bad = sorted(set(j["tier"]) - set(TIERS)) + sorted(set(j["trend"]) - {"steady", "deepening", "cooling"})
    if bad or not j["depth"].between(0, 100).all():
        raise ValueError(f"{path}: depths must be 0-100, tiers {TIERS}, trends steady/deepening/cooling ({bad})")
    j = j.set_index("client").reindex(truth["client"])
    out = truth.reset_index(drop=True).copy()
    out["got_depth_score"] = j["depth"].astype(float).to_numpy()
    out["got_trend"] = j["trend"].to_numpy()
    out["got_n_messages"] = out["got_tally"] = float("nan")  # a reader gives no baselines
    out["scored"] = True
    return out


def model_readings(evaluation: Path = MODELS_DIR / "evaluation.json",
                   metrics: Path = MODELS_DIR / "metrics.json") -> dict[tuple[str, str], dict]:
    """The model's figures per mailbox: a test or waiting mailbox's from ``evaluation.json`` (unseen
    mail), a training mailbox's out of fold from the build's ``metrics.json`` (Spearman, tiers and two tiers
    off only; the model has read the mailbox otherwise)."""
    out = {}
    if metrics.is_file():
        cv = json.loads(metrics.read_text(encoding="utf-8"))["cv_leave_mailbox_out"]["per_independent_mailbox"]
        for key, r in cv.items():
            split, box = key.split("/", 1)
            out[(split, box)] = {"spearman": r["spearman"], "tier_accuracy": r["tiers_right"] / r["clients"],
                                 "two_tiers_off": r["two_tiers_off"], "source": "out of fold"}
    data = json.loads(evaluation.read_text(encoding="utf-8"))
    out.update({(r["split"], r["mailbox"]): {**r, "source": "unseen"} for r in data["per_mailbox"]
                if r["split"] in SPLITS and r["split"] not in TRAIN_SPLITS})
    return out


def compare(folder: Path = READERS_DIR, evaluation: Path = MODELS_DIR / "evaluation.json", root: Path = ROOT,
            metrics: Path = MODELS_DIR / "metrics.json") -> pd.DataFrame:
    """One row per read mailbox of ``folder``: the reader's figures and the model's (``model_*``) on it;
    the truth is read from the mailbox's folder under ``root``."""
    model = model_readings(evaluation, metrics)
    rows = []
    for split, box, path in readings(folder):
        m = mailbox_metrics(read_judgement(path, read_truth(root / split / box)))
        theirs = model.get((split, box), {})
        rows.append({"split": split, "mailbox": box, "clients": m["clients"], **{f: m[f] for f in FIGURES},
                     **{f"model_{f}": theirs.get(f) for f in FIGURES},
                     "model_tally": theirs.get("spearman_tally"), "model_source": theirs.get("source", "")})
    return pd.DataFrame(rows)


def readers_md(df: pd.DataFrame) -> str:
    lines = ["# Careful readers against the depth model", "",
             "Command: `python -m training.depth.readers`. Each reader saw only `docs/SIGNALS.md`, the mbox and the "
             "client list (`data/independent/readers/`). The model's figures: on a test mailbox the shipped model's "
             "reading of it (`evaluation.json`, unseen mail); on a training mailbox the build's out-of-fold figures "
             "(`metrics.json`: Spearman, tiers and two tiers off only). Spearman, tiers right and MAE against the "
             "designed depths.", "",
             "| mailbox | clients | reader: Spearman | model: Spearman | signal tally | reader: tiers | model: tiers "
             "| reader: two off | model: two off | reader: MAE | model: MAE | reader: trends (moving, steady) "
             "| model: trends | model's figures |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    f = lambda v, d=3: "" if v is None or v != v else f"{v:.{d}f}"  # noqa: E731
    for r in df.itertuples():
        lines.append(
            f"| {r.split}/{r.mailbox} | {r.clients} | **{f(r.spearman)}** | **{f(r.model_spearman)}** | {f(r.model_tally)} "
            f"| {f(r.tier_accuracy, 2)} | {f(r.model_tier_accuracy, 2)} | {r.two_tiers_off} | {r.model_two_tiers_off} "
            f"| {f(r.mae, 1)} | {f(r.model_mae, 1)} | {r.moving_right}/{r.moving}, {r.steady_right}/{r.steady} "
            f"| {_trends(r)} | {r.model_source} |")
    for name, part in (("test", df[df["split"].isin(TEST_SPLITS)]), ("training", df[~df["split"].isin(TEST_SPLITS)])):
        if len(part):
            lines += _mean_line(name, part)
    return "\n".join(lines)


def _trends(r) -> str:
    return "" if r.model_moving is None or r.model_moving != r.model_moving else (
        f"{int(r.model_moving_right)}/{int(r.model_moving)}, {int(r.model_steady_right)}/{int(r.model_steady)}")


def _mean_line(name: str, df: pd.DataFrame) -> list[str]:
    n = df["clients"].sum()
    return ["", f"Mean over the {len(df)} {name} mailboxes ({n} clients): reader Spearman {df['spearman'].mean():.3f} "
              f"(worst {df['spearman'].min():.3f}), model {df['model_spearman'].mean():.3f} (worst "
              f"{df['model_spearman'].min():.3f}); tiers right, pooled: reader "
              f"{(df['tier_accuracy'] * df['clients']).sum() / n:.3f}, model "
              f"{(df['model_tier_accuracy'] * df['clients']).sum() / n:.3f}; two tiers off: reader "
              f"{int(df['two_tiers_off'].sum())}, model {int(df['model_two_tiers_off'].sum())}.", ""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.depth.readers", description=__doc__.splitlines()[0])
    ap.add_argument("--evaluation", type=Path, default=MODELS_DIR / "evaluation.json")
    ap.add_argument("--out", type=Path, default=MODELS_DIR)
    args = ap.parse_args(argv)
    text = readers_md(compare(evaluation=args.evaluation))
    (args.out / "readers.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
