"""The oracle reading's gold signals frame (training/depth/oracle.py): labels kept only on the side
that writes them and where the labeller's side is the run's direction, in the signals frame's shape."""

from __future__ import annotations

import pandas as pd

from analyzer.signals.frame import SIGNAL_COLUMNS
from training.depth.oracle import gold_signals


def test_gold_labels_become_signal_rows_of_their_own_side_only():
    messages = pd.DataFrame({
        "message_id": ["a", "b", "c", "d", "e"],
        "client": ["Acme", "Acme", "Acme", None, "Beta"],
        "direction": ["from_client", "from_agency", "from_client", "other", "from_agency"],
        "date": pd.to_datetime(["2026-01-0%d" % i for i in range(1, 6)], utc=True),
    })
    gold = pd.DataFrame({
        "message_id": ["a", "b", "c", "d", "e", "zz"],
        "side": ["client", "agency", "agency", "client", "agency", "client"],
        "labels": [["help_request", "referral"], ["apology", "referral"], ["complaint"], ["complaint"],
                   [], ["referral"]],
    })
    out = gold_signals(gold, messages)
    assert list(out.columns) == list(SIGNAL_COLUMNS)
    got = sorted(zip(out["message_id"], out["label"], out["client"], out["direction"]))
    assert got == [("a", "help_request", "Acme", "from_client"), ("a", "referral", "Acme", "from_client"),
                   ("b", "apology", "Acme", "from_agency")]  # an agency "referral" and a side mismatch drop
    assert gold_signals(gold.iloc[:0], messages).empty
