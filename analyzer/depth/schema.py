"""The shape of the depth outputs: tiers, trends, and the columns of ``scores.csv`` and ``periods.csv``.

Kept apart from the model (:mod:`analyzer.depth.model`, which imports scikit-learn) so that what only
checks or reads these outputs (the run cache, the report) does not import it.
"""

from __future__ import annotations

import numpy as np

from analyzer.signals.labels import LABELS

#: Tier names and their lower bounds (same thresholds as the generator): shallow <25 <= developing
#: <50 <= solid <75 <= deep.
TIERS: tuple[str, ...] = ("shallow", "developing", "solid", "deep")
TIER_BOUNDS: tuple[float, ...] = (25.0, 50.0, 75.0)
TRENDS: tuple[str, ...] = ("deepening", "steady", "cooling")

SCORE_COLUMNS: tuple[str, ...] = (
    ("client", "domains", "depth_score", "tier", "trend", "n_messages", "n_from_client", "n_from_agency",
     "first_message", "last_message")
    + tuple(f"sig_{lb}" for lb in LABELS)
    + ("median_client_reply_hours", "top_drivers")
)
EXTRA_COLUMNS: tuple[str, ...] = (
    "median_agency_reply_hours", "client_start_share", "longest_silence_days", "n_client_people",
    "max_seniority", "client_apologies", "agency_apologies", "trend_slope", "trend_reason", "english_share",
    "read_share",
)
PERIOD_COLUMNS: tuple[str, ...] = ("client", "period", "period_start", "depth_score", "tier", "n_messages")


def tier_of(score: float) -> str:
    """Tier of a 0-100 depth score."""
    return TIERS[int(np.searchsorted(TIER_BOUNDS, float(score), side="right"))]
