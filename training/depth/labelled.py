"""Labelled mailboxes for training and evaluation, made with the generator in ``data/mailgen``.

For one seed: generate a corpus of clients of designed depth, write it as mailbox files plus a
config into a work folder, run the real ingest on those files, detect signals with the real
signal pipeline, compute client and client x quarter features, and line them up with the designed
depths (``truth``: depth, tier, trend, archetype per client; ``depth_by_quarter`` per quarter).

The generator lives outside the package (``<project>/data/mailgen``); :func:`mailgen` imports it
from there, so this module is only used by ``build``/``evaluate`` and the tests, never by ``run``.
"""

from __future__ import annotations

import importlib
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analyzer.depth.features import ClientFeatures, MailFrames

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def mailgen():
    """The mailbox generator package from ``<project>/data``."""
    if str(DATA_DIR) not in sys.path:
        sys.path.insert(0, str(DATA_DIR))
    return importlib.import_module("mailgen")


@dataclass
class LabelledMailbox:
    """Features and designed depths of one generated mailbox."""

    seed: int
    features: pd.DataFrame  # one row per client (index client), FEATURE_NAMES columns
    periods: pd.DataFrame  # one row per (client, period)
    truth: pd.DataFrame  # index client: depth, tier, trend, archetype
    period_truth: pd.Series  # index (client, period): designed depth in that quarter
    n_messages: int = 0
    seconds: dict = field(default_factory=dict)


def truth_frames(truth: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The generator's truth -> (per client frame indexed by client, per (client, period) depth series)."""
    t = truth.set_index("client")
    rows = {}
    if "depth_by_quarter" in t.columns and "quarters" in t.columns:
        for client, depths, quarters in zip(t.index, t["depth_by_quarter"], t["quarters"]):
            for period, depth in zip(str(quarters).split(";"), str(depths).split(";")):
                if period and depth not in ("", "nan", "None"):
                    rows[(client, period)] = float(depth)  # empty: the client was not active yet
    period_truth = pd.Series(list(rows.values()), dtype=float,
                             index=pd.MultiIndex.from_tuples(list(rows), names=["client", "period"])
                             if rows else None)
    keep = [c for c in ("depth", "tier", "trend", "archetype", "domains") if c in t.columns]
    return t[keep].copy(), period_truth


def detect_signals(messages: pd.DataFrame, nlp=None) -> pd.DataFrame:
    """The real signal detector on the messages frame."""
    from analyzer.signals.detect import signals_frame
    from analyzer.signals.pipeline import load_pipeline

    return signals_frame(messages, nlp=nlp if nlp is not None else load_pipeline())


def generate_and_ingest(seed: int, n_clients: int, months: int, workdir: Path, nlp=None,
                        use_config: bool = True, behaviour: str = "tied"):
    """Generate a mailbox, write it to ``workdir`` and read it back through the real ingest.

    Returns (messages, signals, truth) frames.
    """
    from analyzer.config import load_config
    from analyzer.ingest.pipeline import ingest

    mg = mailgen()
    corpus = mg.generate_corpus(seed=seed, n_clients=n_clients, months=months, behaviour=behaviour)
    box = Path(workdir) / f"seed{seed}"
    box.mkdir(parents=True, exist_ok=True)
    mg.write_mbox(corpus, box / "mailbox.mbox")
    config = None
    if use_config:
        mg.write_config(corpus, box / "analyzer.toml")
        config = load_config(box / "analyzer.toml")
    result = ingest([box / "mailbox.mbox"], config=config, jobs=1)
    signals = detect_signals(result.messages, nlp=nlp)
    return result.messages, signals, corpus.truth


def labelled_mailbox(seed: int, n_clients: int, months: int, workdir: Path, nlp=None,
                     features: ClientFeatures | None = None, use_config: bool = True,
                     behaviour: str = "tied") -> LabelledMailbox:
    """One generated mailbox through ingest, signals and features, with its designed depths
    (``behaviour``: how the clients' behaviour follows their depth, see mailgen's Profile)."""
    t0 = time.perf_counter()
    messages, signals, truth = generate_and_ingest(seed, n_clients, months, workdir, nlp=nlp, use_config=use_config,
                                                   behaviour=behaviour)
    t1 = time.perf_counter()
    features = (features or ClientFeatures()).fit(None)
    X = MailFrames(messages, signals)
    F = features.transform(X)
    P = features.transform_periods(X)
    client_truth, period_truth = truth_frames(truth)
    t2 = time.perf_counter()
    log.info("seed %d: %d messages, %d clients found, %d designed (%.0f s ingest+signals, %.0f s features)",
             seed, len(messages), len(F), len(client_truth), t1 - t0, t2 - t1)
    return LabelledMailbox(seed=seed, features=F, periods=P, truth=client_truth, period_truth=period_truth,
                           n_messages=len(messages), seconds={"ingest_signals": t1 - t0, "features": t2 - t1})
