"""The 13 signal labels of docs/SIGNALS.md (the detector's spec), and which side writes them."""

from __future__ import annotations

LABELS: tuple[str, ...] = (
    "help_request",
    "advice_acted_on",
    "referral",
    "fee_pushback",
    "apology",
    "forgiveness",
    "strategic_involvement",
    "early_warning",
    "supplier_label",
    "appreciation",
    "cancellation",
    "complaint",
    "feedback_request",
)

#: Labels that count when the agency writes them; every other label is a client signal.
AGENCY_LABELS: frozenset[str] = frozenset({"apology", "feedback_request"})
#: Labels that count when the client writes them.
CLIENT_LABELS: frozenset[str] = frozenset(set(LABELS) - {"feedback_request"})
