"""The signals frame: one row per (message, sentence, label) found in new text.

Columns (in order) are :data:`SIGNAL_COLUMNS`. ``explanation`` is a human-readable trace
("rule help_request/ask_what_would_you_do + model 0.93"), so every number in a report can be
traced back to a sentence, the rule that fired and/or the model score.
"""

from __future__ import annotations

import pandas as pd

SIGNAL_COLUMNS: tuple[str, ...] = (
    "message_id",      # messages frame message_id (or content_hash when the id is missing)
    "client",          # client name or None
    "direction",       # from_client / from_agency / internal / other
    "date",            # message date, UTC
    "sentence_index",  # index of the sentence inside the message's new text
    "start_char",      # character offsets of the sentence inside new_text
    "end_char",
    "text",            # the sentence
    "label",           # one of analyzer.signals.labels.LABELS
    "score",           # combined confidence 0..1
    "model_score",     # textcat score for the label (NaN if no model)
    "rule_id",         # the rule that fired, or "" when the model alone found it
    "explanation",     # one-line trace of rule and model
)


def empty_signals_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in SIGNAL_COLUMNS})


def by_side(frame: pd.DataFrame) -> pd.DataFrame:
    """Only the rows whose label the writing side can carry (docs/SIGNALS.md): client labels in client
    mail, ``apology``/``feedback_request`` in agency mail; rows of other directions are kept as they are.
    The agency's own discount offer is not fee pushback, a client's "how are we doing?" not a
    feedback request."""
    from analyzer.signals.labels import AGENCY_LABELS, CLIENT_LABELS

    if frame.empty:
        return frame
    d, lab = frame["direction"], frame["label"]
    keep = ((d == "from_client") & lab.isin(list(CLIENT_LABELS))) | ((d == "from_agency") & lab.isin(list(AGENCY_LABELS))) \
        | ~d.isin(["from_client", "from_agency"])
    return frame[keep].reset_index(drop=True)
