"""``training.depth.selection.oof_table``: the out-of-fold readings of the hand-written training
clients that the build writes for error reading (``oof_clients.csv.gz``)."""

import numpy as np
import pandas as pd

from training.depth.selection import oof_table


def test_one_row_per_hand_written_client_with_tiers_apart_and_trends():
    clients = pd.DataFrame({
        "box": ["train9/a", "train9/a", "train9/a", "gen201", "train9/b"],
        "client": ["Deep Co", "Shallow Co", "Unscored Co", "Generated Co", "Mid Co"],
        "target": [82.0, 12.0, 40.0, 50.0, 55.0],
        "oof": [41.234, 18.0, np.nan, 30.0, 77.0],
    })
    trends = pd.DataFrame({"box": ["train9/a", "train9/a"], "client": ["Deep Co", "Shallow Co"],
                           "truth": ["deepening", "steady"], "got": ["steady", "steady"]})
    t = oof_table(clients, trends)
    # generated mailboxes and clients without an out-of-fold score are left out
    assert list(t["client"]) == ["Deep Co", "Shallow Co", "Mid Co"]
    deep = t.set_index("client").loc["Deep Co"]
    assert (deep["tier"], deep["oof_tier"], deep["tiers_apart"]) == ("deep", "developing", 2)
    assert deep["oof"] == 41.23
    assert (deep["trend"], deep["oof_trend"]) == ("deepening", "steady")
    mid = t.set_index("client").loc["Mid Co"]
    assert (mid["tier"], mid["oof_tier"], mid["tiers_apart"]) == ("solid", "deep", 1)
    assert pd.isna(mid["trend"]) and pd.isna(mid["oof_trend"])  # no quarterly reading: empty, not invented
    assert t.set_index("client").loc["Shallow Co", "tiers_apart"] == 0
