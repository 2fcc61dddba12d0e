"""Client features of many time windows at once (the batch behind :mod:`analyzer.depth.features`).

A window is one client and a closed date range ``[start, end]``. :func:`window_table` takes a
frame of windows (columns ``client``, ``start``, ``end``, tz-aware) and returns one feature row per
window, computed with segment operations over all windows together: each table (messages, thread
starts, reply events) is sorted once by client and date, a window's dated rows are a slice of that
order, and the rows of all windows are laid end to end with a window id per row (``g``).

The features (see :data:`analyzer.depth.features.FEATURE_NAMES` for the list):

* ``n_messages`` messages in the window (in a weighted window, ``half_life_days`` set, the client's
  undated messages count too, with weight 1); ``window_months`` the window's length in months of
  30.44 days, at least 1; ``msgs_per_month`` and ``threads_per_month`` (thread starts dated in the
  window) per such month.
* ``client_msg_share`` weighted share of the messages written by the client;
  ``client_start_share`` weighted share of the thread starts with a known side started by the client.
* ``client_reply_hours`` / ``agency_reply_hours`` weighted median reply time of that side, capped at
  ``reply_cap_hours``, which is also the value when the side never answered;
  ``client_reply_rate`` weighted share of agency messages the client answered in the window.
* ``longest_silence_days`` longest gap between the window's start, its dated messages and its end;
  ``recency_days`` days from the last dated message to the end (the window's length when none).
* ``agency_update_cv`` coefficient of variation of the gaps between the days the agency started
  threads (between the days it wrote at all when it started fewer than 3); NaN under 2 gaps.
* ``n_client_people`` distinct client senders, ``max_seniority`` (0 when none) and ``mean_seniority``
  (NaN when none) of their levels; ``n_senior_people`` distinct senior people (level >= 2) who wrote
  or were cc'd; ``senior_cc_share`` weighted share of messages cc'ing a senior person (NaN if empty).
* ``client_<label>_rate`` weighted share of client messages with the label (0.0 without client
  messages), ``client_<label>_count`` how many; ``agency_<label>_rate`` the same for the agency;
  ``forgiven_apology_share`` weighted share of agency apologies a client forgave (NaN without one).
* ``english_share`` share of the words judged in the client's new texts that are in texts read as
  English (:mod:`analyzer.depth.language`), never weighted; NaN when no text was long enough to judge.

Weights halve every ``half_life_days`` of age before the window's end (None: all 1). Sums that use
non-unit weights are taken per window in the same order and with the same pairwise summation as a
per-window ``ndarray.sum`` (:func:`analyzer.depth.segments.segment_sums`), so the results are bit-identical to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from analyzer.depth.segments import DAY, decay, distinct_per_window, expand, medians, segment_sums, share
from analyzer.signals.labels import AGENCY_LABELS, CLIENT_LABELS, LABELS

SIDES = ("from_client", "from_agency")
_CLIENT_LABELS = tuple(lb for lb in LABELS if lb in CLIENT_LABELS)
_AGENCY_LABELS = tuple(lb for lb in LABELS if lb in AGENCY_LABELS)
_MONTH_DAYS = 30.44
_REPLY = ("client_reply_hours", "agency_reply_hours", "client_reply_rate")
_PEOPLE = ("n_client_people", "max_seniority", "mean_seniority", "n_senior_people", "senior_cc_share")


def _wants(names: frozenset | None, *keys: str) -> bool:
    """Is any of ``keys`` among the wanted ``names`` (None: every feature is wanted)?"""
    return names is None or any(k in names for k in keys)


def feature_columns(names: frozenset | None = None) -> list[str]:
    """The columns :func:`window_table` returns: every feature, or with ``names`` the cheap volume and
    share ones plus the groups that hold a wanted name (a group's members come together)."""
    want = partial(_wants, names)
    cols = ["n_messages", "msgs_per_month", "window_months", "client_msg_share", "threads_per_month",
            "client_start_share"]
    if want(*_REPLY):
        cols += [c for c in _REPLY if want(c)]
    if want("longest_silence_days", "recency_days"):
        cols += ["longest_silence_days", "recency_days"]
    if want("agency_update_cv"):
        cols.append("agency_update_cv")
    if want(*_PEOPLE):
        cols += ["n_client_people", "max_seniority", "mean_seniority"]
        if want("n_senior_people", "senior_cc_share"):
            cols += ["n_senior_people", "senior_cc_share"]
    for lb in _CLIENT_LABELS:
        if want(f"client_{lb}_rate", f"client_{lb}_count"):
            cols += [f"client_{lb}_rate", f"client_{lb}_count"]
    if names is None:
        cols += [f"agency_{lb}_rate" for lb in _AGENCY_LABELS] + ["forgiven_apology_share"]
    if want("english_share"):
        cols.append("english_share")
    return cols


@dataclass
class _Table:
    """A table's columns (``cols``, rows in the prepared order) and its dated rows sorted by client
    and date (``order``; ``keys`` = client code x (number of distinct dates + 1) + date rank)."""

    cols: dict
    times: np.ndarray  # distinct ns of the dated rows, ascending
    order: np.ndarray
    keys: np.ndarray
    undated: np.ndarray  # undated rows sorted by client code (stable)
    undated_code: np.ndarray


def _table(frame: pd.DataFrame, clients: pd.Index, numeric: tuple = ()) -> _Table:
    """Arrays of a table: ``date`` (naive UTC, NaT kept), ``dated``, the ``numeric`` columns, and for
    a ``direction`` / ``started_by`` column the masks ``from_client`` / ``from_agency``."""
    cols = {c: frame[c].to_numpy() for c in numeric}
    dates = pd.DatetimeIndex(pd.to_datetime(frame["date"], utc=True)).tz_localize(None).to_numpy()
    dated = ~np.isnat(dates)
    ns = np.zeros(len(dates), dtype=np.int64)
    ns[dated] = dates[dated].astype("datetime64[ns]").astype(np.int64)
    cols.update(date=dates, dated=dated)
    for side in ("direction", "started_by"):
        if side in frame.columns:
            cols.update({name: frame[side].eq(name).fillna(False).to_numpy(dtype=bool) for name in SIDES})
    code = clients.get_indexer(frame["client"]).astype(np.int64)
    times = np.unique(ns[dated])
    rank = np.searchsorted(times, ns)
    rows = np.flatnonzero(dated & (code >= 0))
    order = rows[np.lexsort((rank[rows], code[rows]))]
    loose = np.flatnonzero(~dated & (code >= 0))
    loose = loose[np.argsort(code[loose], kind="stable")]
    return _Table(cols=cols, times=times, order=order, keys=code[order] * (len(times) + 1) + rank[order],
                  undated=loose, undated_code=code[loose])


def _members(t: _Table, code: np.ndarray, lo: np.ndarray, hi: np.ndarray, undated: bool):
    """(window id, row) of the rows dated in each window, then (``undated``) the client's undated
    rows; sorted by window, dated before undated, then row: the order of a per-window selection."""
    width = len(t.times) + 1
    a = np.searchsorted(t.keys, code * width + np.searchsorted(t.times, lo, "left"), "left")
    b = np.searchsorted(t.keys, code * width + np.searchsorted(t.times, hi, "right"), "left")
    g, rows = expand(a, b, t.order)
    flag = np.zeros(len(g), dtype=np.int8)
    if undated and len(t.undated):
        g2, rows2 = expand(np.searchsorted(t.undated_code, code, "left"),
                            np.searchsorted(t.undated_code, code, "right"), t.undated)
        g, rows, flag = np.concatenate([g, g2]), np.concatenate([rows, rows2]), np.r_[flag, np.ones(len(g2), np.int8)]
    o = np.lexsort((rows, flag, g))
    return g[o], rows[o]


@dataclass
class _Prep:
    """Everything :func:`window_table` needs of a prepared mailbox, built once per mailbox."""

    clients: pd.Index
    msgs: _Table
    starts: _Table
    events: _Table
    key_code: np.ndarray  # per message: code of its key; events' parent keys share the codes
    parent_code: np.ndarray
    sender: np.ndarray  # per message: address code of its sender, -1 when empty
    sender_level: np.ndarray  # per message: seniority level of the sender for the client (0 unknown)
    cc_start: np.ndarray  # per message: where its senior cc addresses start in cc_addr (length n + 1)
    cc_addr: np.ndarray


def _prep(prep) -> _Prep:
    cached = prep._cache.get("windows")
    if cached is not None:
        return cached
    msgs = prep.msgs
    clients = pd.Index(pd.unique(msgs["client"]))
    key_code, keys = pd.factorize(msgs["key"])
    cc = msgs[["client", "cc"]].explode("cc").dropna(subset=["cc"])
    senior = {(c, a) for (c, a), lv in prep.levels.items() if lv >= 2}
    cc = cc[np.array([(c, a) in senior for c, a in zip(cc["client"], cc["cc"])], dtype=bool)]
    addr_codes, _ = pd.factorize(pd.concat([msgs["from_address"].astype(object), cc["cc"].astype(object)],
                                           ignore_index=True))
    sender = np.where((msgs["from_address"] == "").to_numpy(dtype=bool), -1, addr_codes[:len(msgs)])
    levels = pd.Series(prep.levels, dtype="int64")
    level_of = (levels.reindex(pd.MultiIndex.from_arrays([msgs["client"], msgs["from_address"]])).fillna(0)
                .to_numpy(dtype=np.int64) if len(levels) else np.zeros(len(msgs), dtype=np.int64))
    cc_rows = cc.index.to_numpy()  # msgs has a RangeIndex: index = row position, explode keeps row order
    labels = tuple(c for c in msgs.columns if c.startswith("lab_")) + ("forgiven", "words", "english_words")
    out = _Prep(
        clients=clients, msgs=_table(msgs, clients, labels), starts=_table(prep.starts, clients),
        events=_table(prep.events, clients, ("hours",)), key_code=key_code,
        parent_code=pd.Index(keys).get_indexer(prep.events["parent_key"]), sender=sender, sender_level=level_of,
        cc_start=np.searchsorted(cc_rows, np.arange(len(msgs) + 1)), cc_addr=addr_codes[len(msgs):])
    prep._cache["windows"] = out
    return out


def window_table(prep, windows: pd.DataFrame, half_life_days: float | None, reply_cap_hours: float,
                 names: frozenset | None = None) -> pd.DataFrame:
    """Features of every window (rows of ``windows``: ``client``, tz-aware ``start`` and ``end``),
    index as ``windows``, columns :func:`feature_columns` (``names``)."""
    want = partial(_wants, names)
    p = _prep(prep)
    nw = len(windows)
    code = p.clients.get_indexer(windows["client"]).astype(np.int64)
    start, end = (pd.DatetimeIndex(windows[c]).tz_convert("UTC").tz_localize(None) for c in ("start", "end"))
    lo, hi = start.as_unit("ns").asi8, end.as_unit("ns").asi8
    start64, end64 = start.to_numpy(), end.to_numpy()
    weighted = half_life_days is not None
    f: dict[str, np.ndarray] = {}

    m = p.msgs.cols
    g, r = _members(p.msgs, code, lo, hi, bool(half_life_days))
    m_date = m["date"][r]
    w = decay(m_date, end64[g], half_life_days)
    is_client = m["from_client"][r]
    months = np.maximum((end64 - start64) / np.timedelta64(DAY) / _MONTH_DAYS, 1.0)
    n = np.bincount(g, minlength=nw).astype(float)
    cc_n = (p.cc_start[1:] - p.cc_start[:-1])[r]
    tot, client_w, cc_w = segment_sums([w, w * is_client, w * (cc_n > 0)], g, nw, weighted)
    f.update(n_messages=n, msgs_per_month=n / months, window_months=months, client_msg_share=share(client_w, tot))

    s = p.starts.cols
    gs, rs = _members(p.starts, code, lo, hi, False)
    f["threads_per_month"] = np.bincount(gs, minlength=nw) / months
    known = s["from_client"][rs] | s["from_agency"][rs]
    gk, rk = gs[known], rs[known]
    wk = decay(s["date"][rk], end64[gk], half_life_days)
    k_tot, k_client = segment_sums([wk, wk * s["from_client"][rk]], gk, nw, weighted)
    f["client_start_share"] = share(k_client, k_tot)

    client, agency = np.flatnonzero(is_client), np.flatnonzero(~is_client)
    gc, ga = g[client], g[agency]
    if want(*_REPLY):
        e = p.events.cols
        ge, re = _members(p.events, code, lo, hi, False)
        ev_w = decay(e["date"][re], end64[ge], half_life_days)
        for side, name in (("from_client", "client_reply_hours"), ("from_agency", "agency_reply_hours")):
            if want(name):
                sel = e[side][re]
                med = medians(np.minimum(e["hours"][re][sel], reply_cap_hours), ev_w[sel], ge[sel], nw, weighted)
                f[name] = np.where(np.isnan(med), reply_cap_hours, med)
        if want("client_reply_rate"):
            width = len(p.key_code) + 1
            by_client = e["from_client"][re] & (p.parent_code[re] >= 0)
            answered = np.isin(ga * width + p.key_code[r[agency]],
                               ge[by_client] * width + p.parent_code[re[by_client]])
            a_tot, a_num = segment_sums([w[agency], w[agency] * answered], ga, nw, weighted)
            f["client_reply_rate"] = share(a_num, a_tot)
    if want("longest_silence_days", "recency_days"):
        f.update(_silences(m_date, g, start64, end64, months))
    if want("agency_update_cv"):
        f["agency_update_cv"] = _update_cv(s["date"][rk], gk, s["from_agency"][rk], m_date[agency], ga, nw)
    if want(*_PEOPLE):
        f.update(_people(p, g, r, is_client, nw, senior_cc=want("n_senior_people", "senior_cc_share")))
        if want("n_senior_people", "senior_cc_share"):
            f["senior_cc_share"] = np.where(n > 0, share(cc_w, tot), np.nan)

    n_client, n_agency = np.bincount(gc, minlength=nw), np.bincount(ga, minlength=nw)
    wc, wa = w[client], w[agency]
    for lb in _CLIENT_LABELS:
        if want(f"client_{lb}_rate", f"client_{lb}_count"):
            col = m[f"lab_{lb}"][r[client]]
            c_tot, c_num = segment_sums([wc, wc * col], gc, nw, weighted)
            f[f"client_{lb}_rate"] = np.where(n_client > 0, share(c_num, c_tot), 0.0)
            f[f"client_{lb}_count"] = np.bincount(gc, weights=col, minlength=nw).astype(float)
    if names is None:
        for lb in _AGENCY_LABELS:
            a_tot, a_num = segment_sums([wa, wa * m[f"lab_{lb}"][r[agency]]], ga, nw, weighted)
            f[f"agency_{lb}_rate"] = np.where(n_agency > 0, share(a_num, a_tot), 0.0)
        apol = m["lab_apology"][r[agency]] == 1
        ap_tot, ap_num = segment_sums([wa[apol], wa[apol] * m["forgiven"][r[agency][apol]]], ga[apol], nw, weighted)
        f["forgiven_apology_share"] = np.where(np.bincount(ga[apol], minlength=nw) > 0, share(ap_num, ap_tot), np.nan)
    if want("english_share"):
        judged = np.bincount(gc, weights=m["words"][r[client]], minlength=nw)
        english = np.bincount(gc, weights=m["english_words"][r[client]], minlength=nw)
        f["english_share"] = np.where(judged > 0, english / np.where(judged > 0, judged, 1.0), np.nan)
    cols = feature_columns(names)
    return pd.DataFrame({c: np.asarray(f[c], dtype=float) for c in cols}, index=windows.index, columns=cols)


def _silences(m_date: np.ndarray, g: np.ndarray, start64: np.ndarray, end64: np.ndarray, months: np.ndarray) -> dict:
    """Longest gap between the start, the dated messages and the end (days, in the time unit shared
    by the bounds and the dates, as a gap of datetimes is measured), and days since the last message."""
    nw = len(start64)
    unit = np.result_type(start64.dtype, end64.dtype, m_date.dtype)
    dated = ~np.isnat(m_date)
    t, gt = m_date[dated].astype(unit).astype(np.int64), g[dated]
    o = np.lexsort((t, gt))
    t, gt = t[o], gt[o]
    lo_t, hi_t = start64.astype(unit).astype(np.int64), end64.astype(unit).astype(np.int64)
    first = np.searchsorted(gt, np.arange(nw), "left")
    last = np.searchsorted(gt, np.arange(nw), "right") - 1
    has = last >= first
    longest = np.abs(hi_t - lo_t)  # sorted bounds: an end before the start is a gap too
    longest[has] = np.maximum(t[first[has]] - lo_t[has], hi_t[has] - t[last[has]])
    inner = gt[1:] == gt[:-1]
    np.maximum.at(longest, gt[1:][inner], (t[1:] - t[:-1])[inner])
    recency = months * _MONTH_DAYS
    last_date = m_date[dated][o][last[has]]
    recency[has] = (end64[has] - last_date) / np.timedelta64(DAY)
    return {"longest_silence_days": longest.astype(unit.str.replace("M8", "m8")) / np.timedelta64(1, "D"),
            "recency_days": recency}


def _update_cv(start_dates, gs, by_agency, agency_dates, ga, nw: int) -> np.ndarray:
    """Coefficient of variation of the gaps (days) between distinct days of agency thread starts,
    or of agency messages in windows with fewer than 3 agency starts; NaN under 2 gaps or mean 0."""
    use_starts = np.bincount(gs[by_agency], minlength=nw) >= 3
    pick = by_agency & use_starts[gs]
    dated = ~np.isnat(agency_dates)
    fall = dated & ~use_starts[ga]
    days = np.concatenate([start_dates[pick].astype("datetime64[D]"), agency_dates[fall].astype("datetime64[D]")])
    gd = np.concatenate([gs[pick], ga[fall]])
    out = np.full(nw, np.nan)
    if not len(days):
        return out
    gu, du = distinct_per_window(gd, days.astype(np.int64) - days.astype(np.int64).min())
    inner = gu[1:] == gu[:-1]
    gaps = (np.diff(du)[inner].astype("m8[D]") / np.timedelta64(1, "D"))
    gg = gu[1:][inner]
    k = np.bincount(gg, minlength=nw)
    ok = k >= 2
    mean = np.bincount(gg, weights=gaps, minlength=nw) / np.maximum(k, 1)
    dev = gaps - mean[gg]
    (sq,) = segment_sums([dev * dev], gg, nw, True)
    std = np.sqrt(sq / np.maximum(k, 1))
    ok &= mean > 0
    out[ok] = std[ok] / mean[ok]
    return out


def _people(p: _Prep, g, r, is_client, nw: int, senior_cc: bool) -> dict:
    """Distinct client senders, their max and mean seniority, and distinct senior people (senior
    senders and senior cc addresses of any message in the window)."""
    sel = is_client & (p.sender[r] >= 0)
    g_sel, a_sel, l_sel = g[sel].astype(np.int64), p.sender[r[sel]], p.sender_level[r[sel]]
    width = int(a_sel.max()) + 1 if len(a_sel) else 1
    pairs, first = np.unique(g_sel * width + a_sel, return_index=True)
    gp, addr, lv = pairs // width, pairs % width, l_sel[first]  # a window has one client: one level per sender
    count = np.bincount(gp, minlength=nw).astype(float)
    top = np.zeros(nw)
    np.maximum.at(top, gp, lv.astype(float))
    mean = np.bincount(gp, weights=lv, minlength=nw) / np.maximum(count, 1)
    out = {"n_client_people": count, "max_seniority": top, "mean_seniority": np.where(count > 0, mean, np.nan)}
    if senior_cc:
        member, cc_addr = expand(p.cc_start[r], p.cc_start[r + 1], p.cc_addr)
        senior = lv >= 2
        gs, _ = distinct_per_window(np.concatenate([gp[senior], g[member]]), np.concatenate([addr[senior], cc_addr]))
        out["n_senior_people"] = np.bincount(gs, minlength=nw).astype(float)
    return out
