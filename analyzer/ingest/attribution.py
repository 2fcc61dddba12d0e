"""PLACEHOLDER (being replaced): attribute messages to clients and directions."""

from __future__ import annotations

import pandas as pd

from analyzer.config import Config


def attribute(messages: pd.DataFrame, config: Config | None = None) -> pd.DataFrame:
    out = messages.copy()
    out["client"] = None
    out["client_domain"] = None
    out["direction"] = "other"
    return out
