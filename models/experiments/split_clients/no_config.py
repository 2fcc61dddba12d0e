"""The mail both readings of this folder read: every hand-written training and judge mailbox (never a
test split, never an unread one) through the real ingest with no config, as the depth build reads it."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from analyzer.ingest.pipeline import ingest_to_dir
from training.depth.independent import ROOT, TEST_SPLITS, UNREAD_SPLITS, mailboxes, read_truth


def no_config_runs(columns: list[str] | None = None) -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """``(split/mailbox, messages frame, truth)`` per mailbox; ``columns``: the message columns read."""
    splits = sorted({p.parent.parent.name for p in ROOT.glob("*/*/truth.csv")} - set(TEST_SPLITS) - set(UNREAD_SPLITS))
    with tempfile.TemporaryDirectory() as tmp:
        for split in splits:
            for box in mailboxes(split):
                out = Path(tmp) / split / box.name
                ingest_to_dir([box / "mail"], out, jobs=1)
                yield f"{split}/{box.name}", pd.read_parquet(out / "messages.parquet", columns=columns), read_truth(box)
