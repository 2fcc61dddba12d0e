"""Two depth models' readings of the same mailboxes, compared with a paired bootstrap over mailboxes.

    python -m training.depth.compare --a models/depth/metrics.json --a OUT/evaluation.json@train10,train11 \
        --b CANDIDATE/metrics.json [--resamples 10000]

A reading is one model's Spearman, tiers right and clients two tiers off on one mailbox, out of
fold (a build's ``metrics.json``: ``cv_leave_mailbox_out.per_independent_mailbox``) or unseen (an
``evaluation.json`` of ``training.depth.evaluate``: its ``per_mailbox`` rows of the independent
splits, or only of those named after ``@``; never the generated mailboxes, nor ``test6`` read again
with its client lists). Later sources add to, and on the same mailbox replace, earlier ones. Both
models must cover the same mailboxes.

Why: the rules of the depth candidates (``models/depth/CANDIDATE*.md``) compared mean Spearman with
no margin, and candidates failed them by a few ten-thousandths, well inside what changing which
mailboxes happen to be in a set moves the mean. The interval says how far the difference of the
means could move with other mailboxes like these: resampling mailboxes with replacement, the same
mailboxes for both models.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from training.depth.independent import SPLITS


def readings(source: str) -> dict[str, dict]:
    """``{split/mailbox: {"spearman", "clients", "tiers_right", "two_tiers_off"}}`` from one source
    (``path`` or ``path@split,split``; see the module doc). A folder stands for the ``evaluation.json``
    in it, as ``training.depth.evaluate --out`` writes it."""
    path, _, wanted = source.partition("@")
    splits = set(wanted.split(",")) if wanted else None
    file = Path(path) / "evaluation.json" if Path(path).is_dir() else Path(path)
    data = json.loads(file.read_text(encoding="utf-8"))
    out: dict[str, dict] = {}
    if "cv_leave_mailbox_out" in data:
        for box, r in data["cv_leave_mailbox_out"]["per_independent_mailbox"].items():
            if splits is None or box.split("/", 1)[0] in splits:
                out[box] = {k: r[k] for k in ("spearman", "clients", "tiers_right", "two_tiers_off")}
        return out
    for r in data["per_mailbox"]:
        if r["split"] not in (SPLITS if splits is None else splits):  # not the generated or client-list rows
            continue
        out[f"{r['split']}/{r['mailbox']}"] = {
            "spearman": r["spearman"], "clients": r["scored"],
            "tiers_right": int(round(r["tier_accuracy"] * r["scored"])), "two_tiers_off": r["two_tiers_off"]}
    return out


def merged(sources: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for source in sources:
        out.update(readings(source))
    return out


def paired_bootstrap(a: np.ndarray, b: np.ndarray, resamples: int = 10_000, seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``b - a`` and its 95% interval over resampled mailboxes (the same rows for both)."""
    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(resamples, len(diff)))].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    return float(diff.mean()), float(lo), float(hi)


def compare(a: dict[str, dict], b: dict[str, dict], resamples: int = 10_000) -> dict:
    if set(a) != set(b):
        raise ValueError(f"the models read different mailboxes: {sorted(set(a) ^ set(b))[:5]}")
    boxes = sorted(a)
    sa = np.array([a[k]["spearman"] for k in boxes])
    sb = np.array([b[k]["spearman"] for k in boxes])
    mean, lo, hi = paired_bootstrap(sa, sb, resamples)

    def tiers(r):
        n = sum(r[k]["clients"] for k in boxes)
        return round(sum(r[k]["tiers_right"] for k in boxes) / n, 4), sum(r[k]["two_tiers_off"] for k in boxes)

    (ta, oa), (tb, ob) = tiers(a), tiers(b)
    return {"mailboxes": len(boxes), "spearman_a": round(float(sa.mean()), 4), "spearman_b": round(float(sb.mean()), 4),
            "difference": round(mean, 4), "interval95": [round(lo, 4), round(hi, 4)],
            "b_better_mailboxes": int((sb > sa).sum()), "a_better_mailboxes": int((sa > sb).sum()),
            "tiers_a": ta, "tiers_b": tb, "two_tiers_off_a": oa, "two_tiers_off_b": ob}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", action="append", required=True, help="model A's readings: PATH or PATH@split,split")
    ap.add_argument("--b", action="append", required=True, help="model B's readings")
    ap.add_argument("--resamples", type=int, default=10_000)
    args = ap.parse_args(argv)
    try:
        result = compare(merged(args.a), merged(args.b), args.resamples)
    except (OSError, ValueError, KeyError) as exc:  # json's decode error is a ValueError
        print(f"training.depth.compare: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
