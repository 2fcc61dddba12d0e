"""The per-window feature code that :mod:`analyzer.depth.windows` replaced, kept as the reference the
batch code is tested against (one client, one window, small numpy operations; slow but plain).

``reference_window(prep, client, start, end, half_life_days, reply_cap_hours, names=None)`` gives the
feature dict of one window exactly as the old ``features._window`` did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.depth.features import _AGENCY_LABELS, _CLIENT_LABELS, RECENT_BASE, RECENT_DAYS, SIDES
from analyzer.depth.segments import DAY as _DAY
from analyzer.depth.windows import _MONTH_DAYS

_NO_ROWS = np.array([], dtype=np.intp)
_RECENT_NAMES = frozenset(RECENT_BASE)


@dataclass
class _ClientArrays:
    m: dict
    s: dict
    e: dict
    levels: dict
    cc_seniors: list


def _table_columns(frame: pd.DataFrame) -> tuple[dict, dict]:
    cols = {c: frame[c].to_numpy() for c in frame.columns}
    dates = pd.DatetimeIndex(pd.to_datetime(frame["date"], utc=True)).tz_localize(None).to_numpy()
    dated = ~np.isnat(dates)
    ns = np.zeros(len(dates), dtype=np.int64)
    ns[dated] = dates[dated].astype("datetime64[ns]").astype(np.int64)
    cols.update(date=dates, ns=ns, dated=dated)
    if "hours" in cols:
        cols["hours"] = frame["hours"].to_numpy(dtype=float)
    if "direction" in cols:
        cols.update(from_client=cols["direction"] == "from_client", from_agency=cols["direction"] == "from_agency")
    return cols, (frame.groupby("client", sort=False).indices if len(frame) else {})


def client_arrays(prep, client: str) -> _ClientArrays:
    """One client's rows as numpy arrays (cached on the prepared bundle under its own key)."""
    cache = prep.__dict__.setdefault("_reference_cache", {})
    if not cache:
        levels: dict[str, dict] = {}
        for (c, a), lv in prep.levels.items():
            levels.setdefault(c, {})[a] = lv
        cache.update(clients={}, levels=levels,
                     tables={t: _table_columns(getattr(prep, t)) for t in ("msgs", "starts", "events")})
    clients = cache["clients"]
    if client not in clients:
        tables = cache["tables"]
        m, s, e = ({name: col[pos.get(client, _NO_ROWS)] for name, col in cols.items()}
                   for cols, pos in (tables["msgs"], tables["starts"], tables["events"]))
        levels = cache["levels"].get(client, {})
        seniors = {a for a, lv in levels.items() if lv >= 2}
        cc_seniors = [[a for a in cc if a in seniors] if cc is not None else [] for cc in m["cc"]]
        clients[client] = _ClientArrays(m=m, s=s, e=e, levels=levels, cc_seniors=cc_seniors)
    return clients[client]


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    ok = ~np.isnan(values)
    values, weights = values[ok], weights[ok]
    if len(values) == 0 or weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cum = np.cumsum(weights)
    return float(values[np.searchsorted(cum, 0.5 * cum[-1])])


def _share(mask: np.ndarray, weights: np.ndarray) -> float:
    total = weights.sum()
    return float((weights * mask).sum() / total) if total > 0 else float("nan")


def _gaps_days(dates: np.ndarray) -> np.ndarray:
    d = np.sort(dates[~pd.isna(dates)])
    return np.diff(d) / np.timedelta64(1, "D") if len(d) > 1 else np.array([])


def _decay(dates: np.ndarray, as_of: pd.Timestamp, half_life_days: float | None) -> np.ndarray:
    if half_life_days is None or len(dates) == 0:
        return np.ones(len(dates))
    age = (as_of.tz_localize(None).to_datetime64() - dates) / np.timedelta64(_DAY)
    age[np.isnan(age)] = 0.0
    age = np.maximum(age, 0.0)
    return np.power(0.5, age / half_life_days)


def _in_window(ns: np.ndarray, dated: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return dated & (ns >= lo) & (ns <= hi)


def reference_window(prep, client: str, start: pd.Timestamp, end: pd.Timestamp,
                     half_life_days: float | None, reply_cap_hours: float, names: frozenset | None = None) -> dict:
    """The old ``features._window``, unchanged."""
    def want(*keys: str) -> bool:
        return names is None or any(k in names for k in keys)

    a = client_arrays(prep, client)
    am, s, e = a.m, a.s, a.e
    lo, hi = start.as_unit("ns").value, end.as_unit("ns").value
    idx = np.flatnonzero(_in_window(am["ns"], am["dated"], lo, hi))
    if half_life_days:
        undated = np.flatnonzero(~am["dated"])
        if len(undated):
            idx = np.concatenate([idx, undated])
    m_date = am["date"][idx]
    w = _decay(m_date, end, half_life_days)
    is_client = am["from_client"][idx]
    wc, wa = w[is_client], w[~is_client]
    months = max((end - start) / _DAY / _MONTH_DAYS, 1.0)
    f: dict[str, float] = {}
    n = len(idx)
    f["n_messages"] = float(n)
    f["msgs_per_month"] = n / months
    f["window_months"] = months
    f["client_msg_share"] = _share(is_client, w)

    st = _in_window(s["ns"], s["dated"], lo, hi)
    f["threads_per_month"] = int(st.sum()) / months
    known = st & ((s["started_by"] == SIDES[0]) | (s["started_by"] == SIDES[1]))
    known_by = s["started_by"][known]
    f["client_start_share"] = _share(known_by == "from_client", _decay(s["date"][known], end, half_life_days))

    if want("client_reply_hours", "agency_reply_hours", "client_reply_rate"):
        ev = _in_window(e["ns"], e["dated"], lo, hi)
        ev_w = _decay(e["date"][ev], end, half_life_days)
        ev_hours = e["hours"][ev]
        for side_mask, name in ((e["from_client"], "client_reply_hours"), (e["from_agency"], "agency_reply_hours")):
            if not want(name):
                continue
            sel = side_mask[ev]
            hours = np.minimum(ev_hours[sel], reply_cap_hours)
            med = _weighted_median(hours, ev_w[sel])
            f[name] = reply_cap_hours if np.isnan(med) else med
        if want("client_reply_rate"):
            answered = set(e["parent_key"][ev & e["from_client"]])
            agency_keys = am["key"][idx][~is_client]
            f["client_reply_rate"] = _share(np.array([k in answered for k in agency_keys], dtype=float), wa)
    if want("longest_silence_days", "recency_days"):
        dated = m_date[~np.isnat(m_date)]
        edges = np.concatenate([np.array([start.tz_localize(None).to_datetime64(),
                                          end.tz_localize(None).to_datetime64()]), dated])
        f["longest_silence_days"] = float(_gaps_days(edges).max())
        f["recency_days"] = float((end - pd.Timestamp(dated.max()).tz_localize("UTC")) / _DAY) \
            if len(dated) else months * _MONTH_DAYS
    if want("agency_update_cv"):
        agency_starts = s["date"][known][known_by == "from_agency"]
        if len(agency_starts) >= 3:
            agency_dates = agency_starts
        else:
            agency_dates = m_date[~is_client]
            agency_dates = agency_dates[~np.isnat(agency_dates)]
        gaps = _gaps_days(np.unique(agency_dates.astype("datetime64[D]")))
        f["agency_update_cv"] = float(gaps.std() / gaps.mean()) if len(gaps) >= 2 and gaps.mean() > 0 else float("nan")

    if want("n_client_people", "max_seniority", "mean_seniority", "n_senior_people", "senior_cc_share"):
        senders = set(am["from_address"][idx][is_client]) - {""}
        levels = [a.levels.get(p, 0) for p in senders]
        f["n_client_people"] = float(len(senders))
        f["max_seniority"] = float(max(levels, default=0))
        f["mean_seniority"] = float(np.mean(levels)) if levels else float("nan")
        if want("n_senior_people", "senior_cc_share"):
            cc_lists = [a.cc_seniors[i] for i in idx]
            cc_senior = np.array([bool(cc) for cc in cc_lists], dtype=float)
            f["n_senior_people"] = float(len({p for p in senders if a.levels.get(p, 0) >= 2}
                                             | {p for cc in cc_lists for p in cc}))
            f["senior_cc_share"] = _share(cc_senior, w) if n else float("nan")

    for lb in _CLIENT_LABELS:
        if want(f"client_{lb}_rate", f"client_{lb}_count"):
            col = am[f"lab_{lb}"][idx][is_client]
            f[f"client_{lb}_rate"] = _share(col, wc) if len(wc) else 0.0
            f[f"client_{lb}_count"] = float(col.sum())
    if names is not None:
        return f
    for lb in _AGENCY_LABELS:
        col = am[f"lab_{lb}"][idx][~is_client]
        f[f"agency_{lb}_rate"] = _share(col, wa) if len(wa) else 0.0
    apol = (am["lab_apology"][idx] == 1) & ~is_client
    f["forgiven_apology_share"] = (_share(am["forgiven"][idx][apol], wa[apol[~is_client]])
                                   if apol.any() else float("nan"))
    # added with the feature (eighteenth session): the client's judged words in English, unweighted
    judged = int(am["words"][idx][is_client].sum())
    f["english_share"] = int(am["english_words"][idx][is_client].sum()) / judged if judged else float("nan")
    return f


def reference_window_features(prep, client, start, end, half_life_days, reply_cap_hours) -> dict:
    """The old ``features.window_features``: a window plus its ``recent_`` features."""
    f = reference_window(prep, client, start, end, half_life_days, reply_cap_hours)
    recent_start = max(start, end - pd.Timedelta(days=RECENT_DAYS))
    recent = (reference_window(prep, client, recent_start, end, None, reply_cap_hours, names=_RECENT_NAMES)
              if recent_start > start else f)
    f.update({f"recent_{name}": recent[name] for name in RECENT_BASE})
    return f


def _first_dates(prep) -> pd.Series:
    return prep.msgs.groupby("client", sort=True)["date"].min()


def _frame(rows: dict, index_name: str | None) -> pd.DataFrame:
    from analyzer.depth.features import FEATURE_NAMES

    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(FEATURE_NAMES)).astype(float)
    if index_name:
        out.index.name = index_name
    return out


def reference_transform(X, half_life_days=90.0, reply_cap_hours=240.0) -> pd.DataFrame:
    """The old ``ClientFeatures.transform``: one reference window per client."""
    prep = X.prepared()
    rows = {client: reference_window_features(prep, client, first if pd.notna(first) else prep.as_of, prep.as_of,
                                              half_life_days, reply_cap_hours)
            for client, first in _first_dates(prep).items()}
    return _frame(rows, index_name="client")


def reference_periods(X, reply_cap_hours=240.0, freq="Q") -> pd.DataFrame:
    """The old ``ClientFeatures.transform_periods``: one reference window per client and quarter."""
    prep = X.prepared()
    rows = {}
    firsts = _first_dates(prep).dropna()
    if len(firsts):
        last = prep.as_of.tz_localize(None).to_period(freq)
        periods = pd.period_range(firsts.min().tz_localize(None).to_period(freq), last, freq=freq)
        bounds = [(str(p), p.start_time.tz_localize("UTC"), min(p.end_time.tz_localize("UTC"), prep.as_of))
                  for p in periods]
        position = {p: i for i, p in enumerate(periods)}
    for client, first_date in firsts.items():
        first = first_date.tz_localize(None).to_period(freq)
        for period, start, end in bounds[position[first]:]:
            rows[(client, period)] = reference_window_features(prep, client, start, end, None, reply_cap_hours)
    out = _frame(rows, index_name=None)
    out.index = pd.MultiIndex.from_tuples(list(rows), names=["client", "period"]) if rows else \
        pd.MultiIndex.from_tuples([], names=["client", "period"])
    return out


def reference_plain_facts(X) -> pd.DataFrame:
    """The old ``plain_facts``: one unweighted, uncapped reference window per client."""
    from analyzer.depth.features import PLAIN_FACTS

    prep = X.prepared()
    rows = {client: reference_window(prep, client, first if pd.notna(first) else prep.as_of, prep.as_of, None,
                                     float("inf"), names=frozenset(PLAIN_FACTS))
            for client, first in _first_dates(prep).items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("client")
