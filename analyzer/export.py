"""The run's exports: evidence.csv and scores.csv (columns per docs/CONTRACT.md), plus signals.parquet.

``evidence`` is derived from the signals frame: only signals that count for the side that wrote
them (client labels from clients, apology/feedback_request from the agency) and only for messages
attributed to a client.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from analyzer.signals.frame import SIGNAL_COLUMNS
from analyzer.signals.labels import AGENCY_LABELS, CLIENT_LABELS

EVIDENCE_COLUMNS: tuple[str, ...] = (
    "client", "message_id", "date", "direction", "label", "score", "text",
    "rule_id", "model_score", "explanation",
)


def evidence_frame(signals: pd.DataFrame) -> pd.DataFrame:
    """Signals that count as evidence for a client (a new frame; the input is not changed)."""
    if signals.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in EVIDENCE_COLUMNS})
    s = signals
    counts = (
        ((s["direction"] == "from_client") & s["label"].isin(CLIENT_LABELS))
        | ((s["direction"] == "from_agency") & s["label"].isin(AGENCY_LABELS))
    ) & s["client"].notna()
    ev = s.loc[counts, list(EVIDENCE_COLUMNS)].copy()
    return ev.sort_values(["client", "date", "message_id", "label"], kind="stable").reset_index(drop=True)


def _iso(series: pd.Series) -> pd.Series:
    dt = pd.to_datetime(series, utc=True)
    return dt.dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(dt.notna(), "")


#: What a spreadsheet may read as the start of a formula (OWASP's CSV injection rule).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = "[" + "".join(re.escape(c) for c in FORMULA_STARTS) + "]"


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot run as formulas: a cell beginning with ``= + - @``,
    tab or carriage return gets a leading ``'`` (spreadsheets show it as plain text). Numbers are
    left alone; the parquet outputs keep the raw text. Each text column is tested at once (Arrow's
    string kernels for the frames' Arrow-backed text), not cell by cell."""
    out = df.copy()
    for col in out.columns:
        column = out[col]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            text = column.where(column.map(type, na_action="ignore") == str) if column.dtype == object else column
            risky = text.str.match(_FORMULA_START).fillna(False).astype(bool).to_numpy()
            if risky.any():
                values = column.to_numpy(dtype=object, copy=True)
                values[risky] = ["'" + v for v in values[risky]]
                out[col] = pd.Series(values, index=out.index, dtype=column.dtype)
    return out


def read_csv(path, **kwargs) -> pd.DataFrame:
    """A CSV the analyzer wrote, with the ``'`` of :func:`spreadsheet_safe` taken off again."""
    df = pd.read_csv(path, **kwargs)
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].map(lambda v: v[1:] if isinstance(v, str) and v.startswith("'")
                                  and v[1:].startswith(FORMULA_STARTS) else v)
    return df


def write_csv(df: pd.DataFrame, path: Path, **kwargs) -> None:
    """Every CSV the analyzer writes goes through here (:func:`spreadsheet_safe`)."""
    spreadsheet_safe(df).to_csv(path, index=False, **kwargs)


def write_evidence_csv(evidence: pd.DataFrame, path: Path) -> None:
    out = evidence.copy()
    out["date"] = _iso(out["date"])
    out["score"] = out["score"].astype(float).round(4)
    out["model_score"] = pd.to_numeric(out["model_score"], errors="coerce").round(4)
    write_csv(out, path)


def write_scores_csv(scores: pd.DataFrame, path: Path) -> None:
    out = scores.copy()
    for col in ("first_message", "last_message"):
        if col in out:
            out[col] = _iso(out[col])
    write_csv(out, path, float_format="%.4g")


def write_signals_parquet(signals: pd.DataFrame, path: Path) -> None:
    signals[list(SIGNAL_COLUMNS)].to_parquet(path, index=False)


def read_signals_parquet(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def write_json(obj: dict, path: Path) -> None:
    Path(path).write_text(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
