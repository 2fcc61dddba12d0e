"""``top_drivers``: the features that raised and lowered a client's score most, as one readable string.

Contributions come from :meth:`DepthModel.contributions`. Features that describe one thing
(a label's rate and its count) are summed into one *concept* so a string never says the same thing
twice. Example: ``"+ client starts 62% of threads; + 4 referrals (5% of client mails);
- slow client replies (median 51 h)"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.depth.features import FEATURE_NAMES

_SENIORITY = {0: "no title found", 1: "a manager", 2: "a director/VP", 3: "a CEO/founder/partner"}
_LABEL_WORDS = {
    "help_request": ("help request", "help requests"),
    "advice_acted_on": ("piece of advice acted on", "pieces of advice acted on"),
    "referral": ("referral", "referrals"),
    "fee_pushback": ("fee pushback", "fee pushbacks"),
    "apology": ("client apology", "client apologies"),
    "forgiveness": ("forgiveness", "forgivenesses"),
    "strategic_involvement": ("strategic involvement", "strategic involvements"),
    "early_warning": ("early warning", "early warnings"),
    "supplier_label": ("'supplier' treatment", "'supplier' treatments"),
    "appreciation": ("appreciation", "appreciations"),
    "cancellation": ("cancellation", "cancellations"),
    "complaint": ("complaint", "complaints"),
}


def _concept(feature: str) -> str:
    for suffix in ("_rate", "_count"):
        if feature.startswith("client_") and feature.endswith(suffix):
            label = feature[len("client_"):-len(suffix)]
            if label in _LABEL_WORDS:
                return "label:" + label
    return feature


def _phrase(concept: str, row: pd.Series, positive: bool) -> str:
    """Readable text for one concept of one client (``row`` holds its feature values)."""
    if concept.startswith("label:"):
        label = concept[len("label:"):]
        count = int(row[f"client_{label}_count"])
        one, many = _LABEL_WORDS[label]
        if count == 0:
            return f"no {many}"
        return f"{count} {one if count == 1 else many} ({row[f'client_{label}_rate']:.0%} of client mails)"
    v = row[concept]
    if concept == "trend":
        return (f"{'deepening' if v > 0 else 'cooling'} trend ({v:+.1f} points a quarter): "
                "scored where the relationship is heading now")
    if concept.startswith("recent_"):
        base = concept[len("recent_"):]
        if base.startswith("client_") and base.endswith("_rate") and base[7:-5] in _LABEL_WORDS:
            return f"last 3 months: {_LABEL_WORDS[base[7:-5]][1]} in {v:.0%} of client mails"
        return "last 3 months: " + _phrase(base, pd.Series({base: v}), positive)
    if pd.isna(v):
        return {"agency_update_cv": "too few agency updates to judge regularity",
                "forgiven_apology_share": "no agency apologies to forgive",
                "mean_seniority": "no client writer",
                "client_start_share": "no thread starts seen"}.get(concept, f"{concept} unknown")
    fast_slow = "fast" if positive else "slow"
    texts = {
        "n_messages": f"{v:.0f} messages",
        "msgs_per_month": f"{v:.1f} messages a month",
        "threads_per_month": f"{v:.1f} new threads a month",
        "window_months": f"{v:.0f} months of correspondence",
        "client_msg_share": f"client writes {v:.0%} of messages",
        "client_start_share": f"client starts {v:.0%} of threads",
        "client_reply_hours": f"{fast_slow} client replies (median {v:.0f} h)",
        "agency_reply_hours": f"{fast_slow} agency replies (median {v:.0f} h)",
        "client_reply_rate": f"client answers {v:.0%} of agency mails",
        "longest_silence_days": f"longest silence {v:.0f} days",
        "recency_days": f"last message {v:.0f} days before the mailbox end",
        "agency_update_cv": f"{'regular' if positive else 'irregular'} agency updates (gap CV {v:.2f})",
        "n_client_people": f"{v:.0f} client-side people writing",
        "max_seniority": f"most senior client writer: {_SENIORITY.get(int(v), v)}",
        "mean_seniority": f"mean client seniority {v:.1f}/3",
        "n_senior_people": f"{v:.0f} senior client people involved",
        "senior_cc_share": f"client seniors copied on {v:.0%} of mails",
        "agency_apology_rate": f"agency apologises in {v:.0%} of its mails",
        "agency_feedback_request_rate": f"agency asks for feedback in {v:.0%} of its mails",
        "forgiven_apology_share": f"client forgave {v:.0%} of agency apologies",
    }
    return texts.get(concept, f"{concept} = {v:.3g}")


def top_drivers(features: pd.DataFrame, contributions: pd.DataFrame, n_up: int = 3, n_down: int = 2,
                min_points: float = 0.5, lag: pd.Series | None = None, slopes: pd.Series | None = None) -> pd.Series:
    """One string per row of ``features``: the ``n_up`` concepts that raised the score most, then the
    ``n_down`` that lowered it most, each at least ``min_points`` score points.

    ``lag``: the lag correction per client (:meth:`DepthModel.lag_adjustment`, points; clients
    without one may be left out) and ``slopes`` the trend slopes behind it: the correction competes
    with the features as the concept ``trend``.
    """
    concepts = [_concept(f) for f in FEATURE_NAMES]
    grouped = contributions[list(FEATURE_NAMES)].T.groupby(concepts, sort=False).sum().T
    if lag is not None and len(lag):
        grouped["trend"] = lag.reindex(grouped.index).fillna(0.0).to_numpy(dtype=float)
    out = []
    for idx, row in grouped.iterrows():
        feats = features.loc[idx]
        if "trend" in row.index:
            feats = feats.copy()
            feats["trend"] = float(slopes.get(idx, np.nan)) if slopes is not None else np.nan
        order = np.argsort(-row.to_numpy())
        ups = [c for c in row.index[order] if row[c] >= min_points][:n_up]
        downs = [c for c in row.index[order[::-1]] if row[c] <= -min_points][:n_down]
        parts = [f"+ {_phrase(c, feats, True)}" for c in ups] + [f"- {_phrase(c, feats, False)}" for c in downs]
        out.append("; ".join(parts) if parts else "close to the typical client on every feature")
    return pd.Series(out, index=features.index, dtype=object)
