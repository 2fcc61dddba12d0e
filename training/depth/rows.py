"""The depth build's training rows: every training mailbox read through the real ingest and signal
pipeline (:func:`collect`), and the rows the model is fitted on (:func:`table`).

The generated mailboxes (``data/mailgen``, seeds :data:`TRAIN_SEEDS`) come a third each with client
behaviour tied to depth, unrelated to it, or misleading (:func:`behaviour_of`); the independent
training mailboxes are weighted :data:`DEV_WEIGHT` per client, their quarters :data:`PERIOD_WEIGHT`
of that. The independent *test* mailboxes are never read here. Used by :mod:`training.depth.build`.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pandas as pd

from analyzer.depth.features import ClientFeatures, MailFrames
from training.depth.independent import TEST_SPLITS, TRAIN_SPLITS, mailboxes, matched, read_truth, run_mailbox
from training.depth.labelled import labelled_mailbox, truth_frames

log = logging.getLogger(__name__)

TRAIN_SEEDS: tuple[int, ...] = tuple(range(201, 237))  # 36 mailboxes: seed % 3 picks the behaviour
BEHAVIOURS = ("tied", "unrelated", "misleading")
N_CLIENTS = 12
MONTHS = 12
DEV_WEIGHT = 10.0
PERIOD_WEIGHT = 0.5


def behaviour_of(seed: int) -> str:
    return BEHAVIOURS[seed % 3]


def generated_rows(seeds, workdir: Path, features: ClientFeatures, signals_model=None) -> list[dict]:
    from analyzer.signals.pipeline import load_pipeline

    nlp = load_pipeline(signals_model)
    boxes = []
    for seed in seeds:
        b = labelled_mailbox(seed, N_CLIENTS, MONTHS, workdir, nlp=nlp, features=features,
                             behaviour=behaviour_of(seed))
        boxes.append({"box": f"gen{seed}", "source": f"generated ({behaviour_of(seed)})", "F": b.features,
                      "P": b.periods, "truth": b.truth, "period_truth": b.period_truth, "weight": 1.0})
    return boxes


def independent_rows(split: str, workdir: Path, features: ClientFeatures, signals_model=None) -> list[dict]:
    """Features and truth of the independent mailboxes of ``split`` (one of TRAIN_SPLITS; never a test set)."""
    if split in TEST_SPLITS:
        raise ValueError("the independent test mailboxes are never read at build time")
    boxes = []
    for box in mailboxes(split):
        r = run_mailbox(box, workdir / split / box.name, signals_model=signals_model)
        X = MailFrames(r.messages, r.signals)
        F, P = features.transform(X), features.transform_periods(X)
        m = matched(r.scores, read_truth(box))
        m = m[m["scored"]].drop(columns=["client"]).rename(columns={"got_client": "client"})
        shared = m["client"].duplicated(keep=False)  # designed clients the run scored as one: no target
        if shared.any():
            log.warning("%s/%s: %d designed clients scored as one client (%s): not training rows", split, box.name,
                        int(shared.sum()), ", ".join(sorted(set(m.loc[shared, "client"].astype(str)))))
            m = m[~shared]
        client_truth, period_truth = truth_frames(m)
        boxes.append({"box": f"{split}/{box.name}", "source": f"independent {split}", "F": F, "P": P,
                      "truth": client_truth, "period_truth": period_truth, "weight": DEV_WEIGHT})
    return boxes


def table(boxes: list[dict]) -> pd.DataFrame:
    parts = []
    for b in boxes:
        f = b["F"].join(b["truth"][["depth", "trend"]], how="inner").rename(columns={"depth": "target"})
        parts.append(f.assign(weight=b["weight"], kind="client", box=b["box"], client=f.index, period="")
                     .reset_index(drop=True))
        if len(b["P"]) and len(b["period_truth"]):
            p = b["P"].join(b["period_truth"].rename("target"), how="inner")
            parts.append(p.assign(weight=b["weight"] * PERIOD_WEIGHT, kind="period", box=b["box"], trend="",
                                  client=p.index.get_level_values("client"),
                                  period=p.index.get_level_values("period")).reset_index(drop=True))
    return pd.concat(parts, ignore_index=True)


def is_independent(box) -> pd.Series | bool:
    return box.str.contains("/") if isinstance(box, pd.Series) else "/" in box


def collect(seeds=TRAIN_SEEDS, splits=TRAIN_SPLITS, signals_model=None,
            split_signals_models: dict[str, Path] | None = None) -> list[dict]:
    """Every training mailbox read through the real ingest and signal pipeline: features, quarterly
    features and truth per mailbox (the generated ones, then ``splits``: :data:`TRAIN_SPLITS` unless
    told otherwise). ``signals_model``: the signal pipeline to detect with (default: the shipped one);
    ``split_signals_models``: another pipeline for some splits, by split name (cross-fitted detections:
    a detector that learnt from a split's labelled mail reads it in sample, so those splits are read by
    one trained without it; candidate PTP, ``models/depth/CANDIDATE63.md``)."""
    features = ClientFeatures().fit(None)
    own = dict(split_signals_models or {})
    if set(own) - set(splits):
        raise ValueError(f"split_signals_models names splits not read: {sorted(set(own) - set(splits))}")
    with tempfile.TemporaryDirectory(prefix="depth-build-") as tmp:
        boxes = generated_rows(seeds, Path(tmp), features, signals_model)
        for split in splits:
            boxes += independent_rows(split, Path(tmp), features, own.get(split, signals_model))
    return boxes
