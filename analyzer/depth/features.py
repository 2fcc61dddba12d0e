"""Client features: text signals by side plus behaviour from the metadata, per client and per quarter.

Design of X. A scikit-learn transformer takes one ``X``; here it is a :class:`MailFrames`
bundle of the two frames the earlier stages produce: the messages frame (MESSAGE_COLUMNS, with
``client`` and ``direction`` filled by attribution) and the signals frame (SIGNAL_COLUMNS; its
``message_id`` is the message key: Message-ID, or content hash without one). Only messages of a
client (``client`` not None) in direction ``from_client``/``from_agency`` are described.

:class:`ClientFeatures` maps X to one row per client (``transform``) or per client x calendar
quarter (``transform_periods``), columns :data:`FEATURE_NAMES`. It learns nothing from data
(like ``FunctionTransformer``): ``fit`` only fixes the feature names. Whole-mailbox rows weigh
each message by an exponential decay from the mailbox's last date (``half_life_days``), so
recent months count more than last year; quarter rows weigh their messages equally and are the
basis of the trend.

Missing values: medians and shares that have nothing to be computed from are NaN (the model's
imputer fills them), except reply hours where "never answered" is set to ``reply_cap_hours``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from analyzer.depth.seniority import people_seniority
from analyzer.depth.threads import message_keys, reply_events, thread_starts, thread_table
from analyzer.signals.labels import AGENCY_LABELS, CLIENT_LABELS, LABELS

SIDES = ("from_client", "from_agency")
_CLIENT_LABELS = tuple(lb for lb in LABELS if lb in CLIENT_LABELS)
_AGENCY_LABELS = tuple(lb for lb in LABELS if lb in AGENCY_LABELS)

VOLUME_FEATURES = ("n_messages", "msgs_per_month", "threads_per_month", "window_months")
TEXT_FEATURES = (
    tuple(f"client_{lb}_rate" for lb in _CLIENT_LABELS)
    + tuple(f"client_{lb}_count" for lb in _CLIENT_LABELS)
    + tuple(f"agency_{lb}_rate" for lb in _AGENCY_LABELS)
    + ("forgiven_apology_share",)
)
BEHAVIOUR_FEATURES = (
    "client_msg_share", "client_start_share", "client_reply_hours", "agency_reply_hours",
    "client_reply_rate", "longest_silence_days", "recency_days", "agency_update_cv",
    "n_client_people", "max_seniority", "mean_seniority", "n_senior_people", "senior_cc_share",
)
#: Features also computed over the window's last :data:`RECENT_DAYS` (unweighted), as ``recent_<name>``:
#: they let the model see where a relationship is now, not only its decayed average.
RECENT_BASE = ("msgs_per_month", "client_msg_share", "client_start_share", "client_reply_hours",
               "senior_cc_share", "n_client_people", "client_complaint_rate", "client_appreciation_rate")
RECENT_FEATURES = tuple(f"recent_{name}" for name in RECENT_BASE)
RECENT_DAYS = 91
#: Every feature, in column order.
FEATURE_NAMES: tuple[str, ...] = VOLUME_FEATURES + BEHAVIOUR_FEATURES + TEXT_FEATURES + RECENT_FEATURES
#: Feature groups, for ablations (evaluate.py) and explanations.
FEATURE_GROUPS = {
    "volume": VOLUME_FEATURES,
    "behaviour": BEHAVIOUR_FEATURES + tuple(f"recent_{n}" for n in RECENT_BASE if n in BEHAVIOUR_FEATURES),
    "text": TEXT_FEATURES + tuple(f"recent_{n}" for n in RECENT_BASE if n in TEXT_FEATURES),
}

_DAY = pd.Timedelta(days=1)
_MONTH_DAYS = 30.44


@dataclass(frozen=True, eq=False)
class MailFrames:
    """X for :class:`ClientFeatures`: the messages frame and the signals frame of one mailbox.

    The threads, reply events and seniority derived from them are computed once per bundle
    (:meth:`prepared`) and reused by every transform of it; the frames must not change meanwhile.
    """

    messages: pd.DataFrame
    signals: pd.DataFrame

    def prepared(self) -> "_Prepared":
        cached = self.__dict__.get("_prepared")
        if cached is None:
            cached = prepare(self.messages, self.signals)
            object.__setattr__(self, "_prepared", cached)
        return cached


@dataclass
class _Prepared:
    msgs: pd.DataFrame  # client messages: key, thread_id, client, direction, date, cc, labels (0/1)
    events: pd.DataFrame  # cross-side reply events of clients
    starts: pd.DataFrame  # thread starts of clients
    levels: dict  # (client, address) -> seniority level
    as_of: pd.Timestamp
    _groups: dict = field(default_factory=dict, repr=False)  # cache of arrays(): tables, levels, clients

    def arrays(self, client: str) -> _ClientArrays:
        """One client's rows as numpy arrays (tables converted once, each client sliced once)."""
        if not self._groups:
            levels: dict[str, dict] = {}
            for (c, a), lv in self.levels.items():
                levels.setdefault(c, {})[a] = lv
            self._groups.update(clients={}, levels=levels,
                                tables={t: _table_columns(getattr(self, t)) for t in ("msgs", "starts", "events")})
        clients = self._groups["clients"]
        if client not in clients:
            tables = self._groups["tables"]
            m, s, e = ({name: col[pos.get(client, _NO_ROWS)] for name, col in cols.items()}
                       for cols, pos in (tables["msgs"], tables["starts"], tables["events"]))
            levels = self._groups["levels"].get(client, {})
            seniors = {a for a, lv in levels.items() if lv >= 2}
            cc_seniors = [[a for a in cc if a in seniors] if cc is not None else [] for cc in m["cc"]]
            clients[client] = _ClientArrays(m=m, s=s, e=e, levels=levels, cc_seniors=cc_seniors)
        return clients[client]


_NO_ROWS = np.array([], dtype=np.intp)


@dataclass
class _ClientArrays:
    """One client's rows of ``msgs`` (m), ``starts`` (s) and ``events`` (e) as column -> numpy array.

    Rows keep the ``_Prepared`` order, so every sum over a window runs in the same order as it
    would over the frames. See :func:`_table_columns` for the derived columns.
    """

    m: dict
    s: dict
    e: dict
    levels: dict  # address -> seniority level of this client's people
    cc_seniors: list  # per message: its cc addresses that are senior (level >= 2) people of the client


def _table_columns(frame: pd.DataFrame) -> tuple[dict, dict]:
    """A table's columns as numpy arrays and, per client, the positions of its rows (ascending).

    Added columns: ``date`` as naive-UTC datetime64 (unit kept, NaT kept), ``ns`` the same in int64
    nanoseconds (0 where undated) for window bounds, ``dated`` (not NaT), and for tables with a
    ``direction`` the masks ``from_client`` / ``from_agency``.
    """
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


def _label_presence(keys: pd.Series, directions: pd.Series, signals: pd.DataFrame) -> pd.DataFrame:
    """0/1 per message and label, counting a label only for the side that writes it."""
    cols = [f"lab_{lb}" for lb in LABELS]
    if signals is None or signals.empty:
        return pd.DataFrame(0, index=keys.index, columns=cols)
    s = signals[["message_id", "label"]].dropna()
    s = s[s["label"].isin(LABELS)]
    present = pd.crosstab(s["message_id"].astype(str), s["label"]).clip(upper=1)
    present = present.reindex(columns=list(LABELS), fill_value=0)
    out = present.reindex(keys.to_numpy()).fillna(0).astype(int)
    out.index = keys.index
    out.columns = cols
    from_client = (directions == "from_client").to_numpy()
    from_agency = (directions == "from_agency").to_numpy()
    for lb in LABELS:
        ok = (from_client & (lb in CLIENT_LABELS)) | (from_agency & (lb in AGENCY_LABELS))
        out[f"lab_{lb}"] = out[f"lab_{lb}"].to_numpy() * ok
    return out


def prepare(messages: pd.DataFrame, signals: pd.DataFrame) -> _Prepared:
    """Threads, reply events, label presence and seniority, computed once for a mailbox."""
    keys = message_keys(messages)
    threads = thread_table(messages)
    dates = pd.to_datetime(messages["date"], utc=True)
    msgs = pd.DataFrame(
        {
            "key": keys,
            "thread_id": threads["thread_id"],
            "client": messages["client"],
            "direction": messages["direction"],
            "date": dates,
            "from_address": messages["from_address"].fillna(""),
            "cc": messages["cc_addresses"],
        },
        index=messages.index,
    )
    msgs = pd.concat([msgs, _label_presence(keys, messages["direction"], signals)], axis=1)
    keep = msgs["client"].notna() & msgs["direction"].isin(SIDES)
    msgs = msgs[keep].reset_index(drop=True)
    # forgiveness following an agency apology: a later client message in the same thread forgives
    msgs["forgiven"] = 0
    apologies = msgs[(msgs["direction"] == "from_agency") & (msgs["lab_apology"] == 1)]
    forgiving = msgs[(msgs["direction"] == "from_client") & (msgs["lab_forgiveness"] == 1)]
    if len(apologies) and len(forgiving):
        pairs = apologies[["thread_id", "date"]].reset_index().merge(
            forgiving[["thread_id", "date"]], on="thread_id", suffixes=("", "_f"))
        hit = pairs[(pairs["date_f"] >= pairs["date"]) & (pairs["date_f"] - pairs["date"] <= 30 * _DAY)]
        msgs.loc[hit["index"].unique(), "forgiven"] = 1
    events = reply_events(messages, threads)
    events = events[events["client"].notna()].copy()
    events["date"] = pd.to_datetime(events["date"], utc=True)
    starts = thread_starts(messages, threads)
    starts = starts[starts["client"].notna()].copy()
    starts["date"] = pd.to_datetime(starts["date"], utc=True)
    people = people_seniority(messages)
    levels = {(c, a): int(lv) for c, a, lv in zip(people["client"], people["address"], people["level"])}
    as_of = dates.max() if dates.notna().any() else pd.Timestamp("1970-01-01", tz="UTC")
    return _Prepared(msgs=msgs, events=events, starts=starts, levels=levels, as_of=as_of)


def _gaps_days(dates: np.ndarray) -> np.ndarray:
    d = np.sort(dates[~pd.isna(dates)])
    return np.diff(d) / np.timedelta64(1, "D") if len(d) > 1 else np.array([])


def window_features(prep: _Prepared, client: str, start: pd.Timestamp, end: pd.Timestamp,
                    half_life_days: float | None, reply_cap_hours: float) -> dict:
    """Features of one client over messages dated in [start, end] (see module doc), with the
    ``recent_`` ones over the last :data:`RECENT_DAYS` of that window."""
    f = _window(prep, client, start, end, half_life_days, reply_cap_hours)
    recent_start = max(start, end - pd.Timedelta(days=RECENT_DAYS))
    recent = (_window(prep, client, recent_start, end, None, reply_cap_hours, names=_RECENT_NAMES)
              if recent_start > start else f)
    f.update({f"recent_{name}": recent[name] for name in RECENT_BASE})
    return f


#: The features a ``recent_`` window and :func:`plain_facts` need (``_window(names=...)`` skips the rest).
_RECENT_NAMES = frozenset(RECENT_BASE)
PLAIN_FACTS = ("client_reply_hours", "agency_reply_hours", "client_start_share", "longest_silence_days",
               "n_client_people", "max_seniority")


def _decay(dates: np.ndarray, as_of: pd.Timestamp, half_life_days: float | None) -> np.ndarray:
    """Weights halving every ``half_life_days`` of age before ``as_of`` (naive-UTC datetime64 in;
    undated or future-dated weigh 1); all ones when ``half_life_days`` is None."""
    if half_life_days is None or len(dates) == 0:
        return np.ones(len(dates))
    age = (as_of.tz_localize(None).to_datetime64() - dates) / np.timedelta64(_DAY)
    age[np.isnan(age)] = 0.0
    age = np.maximum(age, 0.0)
    return np.power(0.5, age / half_life_days)


def _in_window(ns: np.ndarray, dated: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return dated & (ns >= lo) & (ns <= hi)


def _window(prep: _Prepared, client: str, start: pd.Timestamp, end: pd.Timestamp,
            half_life_days: float | None, reply_cap_hours: float, names: frozenset | None = None) -> dict:
    """The features of one client's window; ``names``: only these (and the cheap volume ones), the
    same values as in the full set, computed the same way."""
    def want(*keys: str) -> bool:
        return names is None or any(k in names for k in keys)

    a = prep.arrays(client)
    am, s, e = a.m, a.s, a.e
    lo, hi = start.as_unit("ns").value, end.as_unit("ns").value
    idx = np.flatnonzero(_in_window(am["ns"], am["dated"], lo, hi))
    if half_life_days:  # undated messages count in the weighted (whole-mailbox) rows, after the dated
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
    return f


def _first_dates(prep: _Prepared) -> pd.Series:
    """Each client's first dated message (NaT when none is dated), clients sorted."""
    return prep.msgs.groupby("client", sort=True)["date"].min()


def plain_facts(X: MailFrames) -> pd.DataFrame:
    """Unweighted, uncapped whole-mailbox figures per client, for the plain columns of scores.csv
    (median reply hours, thread starts, silences, people): one window per client, no decay."""
    prep = X.prepared()
    names = frozenset(PLAIN_FACTS)
    rows = {client: _window(prep, client, first if pd.notna(first) else prep.as_of, prep.as_of, None, float("inf"),
                            names=names)
            for client, first in _first_dates(prep).items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("client")


class ClientFeatures(TransformerMixin, BaseEstimator):
    """(messages, signals) -> one feature row per client (see the module doc for X and the features).

    Parameters
    ----------
    half_life_days : float or None
        Age (days before the mailbox's last message) at which a message weighs half in the
        whole-mailbox row. None weighs all messages equally.
    reply_cap_hours : float
        Reply times are capped here; a side that never answers gets this value.
    """

    def __init__(self, half_life_days: float | None = 90.0, reply_cap_hours: float = 240.0):
        self.half_life_days = half_life_days
        self.reply_cap_hours = reply_cap_hours

    def fit(self, X: MailFrames, y=None):
        self.feature_names_out_ = np.array(FEATURE_NAMES, dtype=object)
        self.n_features_out_ = len(FEATURE_NAMES)
        return self

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(FEATURE_NAMES, dtype=object)

    def _check(self, X) -> _Prepared:
        if not isinstance(X, MailFrames):
            raise TypeError(f"ClientFeatures expects a MailFrames(messages, signals) bundle, not {type(X).__name__}")
        return X.prepared()

    def transform(self, X: MailFrames) -> pd.DataFrame:
        """One row per client (index ``client``, sorted), columns :data:`FEATURE_NAMES`."""
        prep = self._check(X)
        rows = {client: window_features(prep, client, first if pd.notna(first) else prep.as_of, prep.as_of,
                                        self.half_life_days, self.reply_cap_hours)
                for client, first in _first_dates(prep).items()}
        return _frame(rows, index_name="client")

    def transform_periods(self, X: MailFrames, freq: str = "Q") -> pd.DataFrame:
        """One row per client and calendar quarter, from the client's first quarter to the mailbox's last.

        Index (``client``, ``period``) with ``period`` like ``"2025Q3"``; quarters without mail are
        kept (a silent quarter is information). The last quarter ends at the mailbox's last date.
        """
        prep = self._check(X)
        rows = {}
        firsts = _first_dates(prep).dropna()
        if len(firsts):  # every quarter's bounds once (pandas period arithmetic is slow per client)
            last = prep.as_of.tz_localize(None).to_period(freq)
            periods = pd.period_range(firsts.min().tz_localize(None).to_period(freq), last, freq=freq)
            bounds = [(str(p), p.start_time.tz_localize("UTC"), min(p.end_time.tz_localize("UTC"), prep.as_of))
                      for p in periods]
            position = {p: i for i, p in enumerate(periods)}
        for client, first_date in firsts.items():
            first = first_date.tz_localize(None).to_period(freq)
            for period, start, end in bounds[position[first]:]:
                rows[(client, period)] = window_features(prep, client, start, end, None, self.reply_cap_hours)
        out = _frame(rows, index_name=None)
        out.index = pd.MultiIndex.from_tuples(list(rows), names=["client", "period"]) if rows else \
            pd.MultiIndex.from_tuples([], names=["client", "period"])
        return out


def _frame(rows: dict, index_name: str | None) -> pd.DataFrame:
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(FEATURE_NAMES)).astype(float)
    if index_name:
        out.index.name = index_name
    return out
