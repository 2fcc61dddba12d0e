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
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.base import BaseEstimator, TransformerMixin

from analyzer.depth.groups import mailbox_as_of
from analyzer.depth.language import client_words
from analyzer.depth.segments import DAY
from analyzer.depth.seniority import people_seniority
from analyzer.depth.threads import reply_events, thread_codes, thread_starts
from analyzer.depth.windows import _AGENCY_LABELS, _CLIENT_LABELS, SIDES, window_table
from analyzer.signals.labels import AGENCY_LABELS, CLIENT_LABELS, LABELS

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
#: How much of what the client wrote the detector could read (:mod:`analyzer.depth.language`): the
#: share of its own judged words in English, unweighted over the window (NaN when nothing was judged).
LANGUAGE_FEATURES = ("english_share",)
#: Every feature, in column order.
FEATURE_NAMES: tuple[str, ...] = (VOLUME_FEATURES + BEHAVIOUR_FEATURES + TEXT_FEATURES + RECENT_FEATURES
                                  + LANGUAGE_FEATURES)
#: Feature groups, for ablations (evaluate.py) and explanations.
FEATURE_GROUPS = {
    "volume": VOLUME_FEATURES,
    "behaviour": BEHAVIOUR_FEATURES + tuple(f"recent_{n}" for n in RECENT_BASE if n in BEHAVIOUR_FEATURES),
    "text": TEXT_FEATURES + tuple(f"recent_{n}" for n in RECENT_BASE if n in TEXT_FEATURES),
    "language": LANGUAGE_FEATURES,
}


@dataclass(frozen=True, eq=False)
class MailFrames:
    """X for :class:`ClientFeatures`: the messages frame and the signals frame of one mailbox.

    The threads, reply events and seniority derived from them are computed once per bundle
    (:meth:`prepared`) and reused by every transform of it; the frames must not change meanwhile.
    """

    messages: pd.DataFrame
    signals: pd.DataFrame
    #: The mailbox's last date, when ``messages`` is a part of it (:mod:`analyzer.depth.groups`);
    #: None: the last date of ``messages``.
    as_of: pd.Timestamp | None = None

    def prepared(self) -> "_Prepared":
        cached = self.__dict__.get("_prepared")
        if cached is None:
            cached = prepare(self.messages, self.signals, self.as_of)
            object.__setattr__(self, "_prepared", cached)
        return cached


@dataclass
class _Prepared:
    msgs: pd.DataFrame  # client messages: key, thread_id, client, direction, date, cc, labels (0/1), judged words
    events: pd.DataFrame  # cross-side reply events of clients
    starts: pd.DataFrame  # thread starts of clients
    levels: dict  # (client, address) -> seniority level
    as_of: pd.Timestamp
    _cache: dict = field(default_factory=dict, repr=False)  # the batch tables of analyzer.depth.windows


def _label_presence(keys: pd.Series, directions: pd.Series, signals: pd.DataFrame) -> pd.DataFrame:
    """0/1 per message and label, counting a label only for the side that writes it."""
    cols = [f"lab_{lb}" for lb in LABELS]
    if signals is None or signals.empty:
        return pd.DataFrame(0, index=keys.index, columns=cols, dtype=np.int8)
    s = signals[["message_id", "label"]].dropna()
    s = s[s["label"].isin(LABELS)]
    message_ids = pd.Index(s["message_id"].astype(str))
    ids = message_ids.unique()
    present = np.zeros((len(ids) + 1, len(LABELS)), dtype=np.int8)  # the last row: a message without labels
    present[ids.get_indexer(message_ids), pd.Index(LABELS).get_indexer(s["label"])] = 1
    from_client = (directions == "from_client").to_numpy(dtype=bool)
    from_agency = (directions == "from_agency").to_numpy(dtype=bool)
    side_ok = np.column_stack([(from_client & (lb in CLIENT_LABELS)) | (from_agency & (lb in AGENCY_LABELS))
                               for lb in LABELS])
    # each message's row of ``present``, looked up in Arrow: the keys as Python strings (a 500k-message
    # mailbox's ids) and pandas' hash table of them were about 150 MiB of scoring's peak
    where = pc.index_in(pa.array(keys, type=pa.large_string(), from_pandas=True),
                        value_set=pa.array(ids.to_numpy(dtype=object), type=pa.large_string()))
    row = where.fill_null(len(ids)).to_numpy()
    return pd.DataFrame(present[row] * side_ok, index=keys.index, columns=cols)


def _judged_words(messages: pd.DataFrame, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the messages of ``keep`` (in order): :func:`analyzer.depth.language.client_words` of the
    client's own ones, 0 for the agency's."""
    own = keep & (messages["direction"] == "from_client").to_numpy(dtype=bool)
    from_client = own[keep]
    out = tuple(np.zeros(int(keep.sum()), dtype=np.int32) for _ in range(3))  # at most JUDGED_WORDS each
    for column, judged in zip(out, client_words(messages, np.flatnonzero(own))):
        column[from_client] = judged
    return out


def read_shares(X: MailFrames) -> pd.Series:
    """Per client (sorted), the share of its own judged words in a language signals are read in, over
    its whole mail (NaN when nothing was judged): :func:`analyzer.depth.language.read_share`, from the
    words :meth:`MailFrames.prepared` judged already."""
    sums = X.prepared().msgs.groupby("client", sort=True)[["words", "read_words"]].sum()
    return (sums["read_words"] / sums["words"].where(sums["words"] > 0)).rename("read_share")


def prepare(messages: pd.DataFrame, signals: pd.DataFrame, as_of: pd.Timestamp | None = None) -> _Prepared:
    """Threads, reply events, label presence and seniority, computed once for a mailbox (``as_of``:
    its last date, when ``messages`` is a group of its clients; None: the last date of ``messages``)."""
    threads = thread_codes(messages)
    keys = pd.Series(pd.array(threads.keys, dtype="str"), index=messages.index)  # message_keys(messages)
    dates = pd.to_datetime(messages["date"], utc=True)
    msgs = pd.DataFrame(
        {
            "key": keys,
            "thread_id": threads.thread,  # the node naming the thread: an integer, equal where the ids are
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
    msgs["words"], msgs["english_words"], msgs["read_words"] = _judged_words(messages, keep.to_numpy(dtype=bool))
    # forgiveness following an agency apology: a later client message in the same thread forgives
    msgs["forgiven"] = np.zeros(len(msgs), dtype=np.int8)
    apologies = msgs[(msgs["direction"] == "from_agency") & (msgs["lab_apology"] == 1)]
    forgiving = msgs[(msgs["direction"] == "from_client") & (msgs["lab_forgiveness"] == 1)]
    if len(apologies) and len(forgiving):
        pairs = apologies[["thread_id", "date"]].reset_index().merge(
            forgiving[["thread_id", "date"]], on="thread_id", suffixes=("", "_f"))
        hit = pairs[(pairs["date_f"] >= pairs["date"]) & (pairs["date_f"] - pairs["date"] <= 30 * DAY)]
        msgs.loc[hit["index"].unique(), "forgiven"] = 1
    events = reply_events(messages, threads)
    events = events[events["client"].notna()].copy()
    events["date"] = pd.to_datetime(events["date"], utc=True)
    starts = thread_starts(messages, threads)
    starts = starts[starts["client"].notna()].copy()
    starts["date"] = pd.to_datetime(starts["date"], utc=True)
    people = people_seniority(messages)
    levels = {(c, a): int(lv) for c, a, lv in zip(people["client"], people["address"], people["level"])}
    if as_of is None:
        as_of = mailbox_as_of(messages)
    return _Prepared(msgs=msgs, events=events, starts=starts, levels=levels, as_of=as_of)


#: The features a ``recent_`` window and :func:`plain_facts` need (``window_table(names=...)`` skips the rest).
_RECENT_NAMES = frozenset(RECENT_BASE)
PLAIN_FACTS = ("client_reply_hours", "agency_reply_hours", "client_start_share", "longest_silence_days",
               "n_client_people", "max_seniority")


def window_features(prep: _Prepared, windows: pd.DataFrame, half_life_days: float | None,
                    reply_cap_hours: float) -> pd.DataFrame:
    """Features of each window (``client``, tz-aware ``start`` and ``end``; see :mod:`analyzer.depth.windows`),
    columns :data:`FEATURE_NAMES`, with the ``recent_`` ones over the last :data:`RECENT_DAYS` of the
    window (unweighted; the window's own values when it is no longer than that)."""
    f = window_table(prep, windows, half_life_days, reply_cap_hours)
    recent_start = windows["end"] - pd.Timedelta(days=RECENT_DAYS)
    shorter = (recent_start > windows["start"]).to_numpy()
    recent = window_table(prep, windows[shorter].assign(start=recent_start[shorter]), None, reply_cap_hours,
                          names=_RECENT_NAMES)
    for name in RECENT_BASE:
        values = f[name].to_numpy(copy=True)
        values[shorter] = recent[name].to_numpy()
        f[f"recent_{name}"] = values
    return f[list(FEATURE_NAMES)].astype(float)


def _whole_windows(prep: _Prepared) -> pd.DataFrame:
    """One window per client (sorted): from its first dated message (the mailbox's last date when
    none is dated) to the mailbox's last date."""
    firsts = _first_dates(prep)
    ends = pd.Series(prep.as_of, index=firsts.index)
    return pd.DataFrame({"client": firsts.index, "start": firsts.where(firsts.notna(), ends), "end": ends},
                        index=firsts.index)


def _first_dates(prep: _Prepared) -> pd.Series:
    """Each client's first dated message (NaT when none is dated), clients sorted."""
    return prep.msgs.groupby("client", sort=True)["date"].min()


def plain_facts(X: MailFrames) -> pd.DataFrame:
    """Unweighted, uncapped whole-mailbox figures per client, for the plain columns of scores.csv
    (median reply hours, thread starts, silences, people): one window per client, no decay."""
    prep = X.prepared()
    windows = _whole_windows(prep)
    if not len(windows):
        return pd.DataFrame.from_dict({}, orient="index").rename_axis("client")
    return window_table(prep, windows, None, float("inf"), names=frozenset(PLAIN_FACTS)).rename_axis("client")


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
        out = window_features(prep, _whole_windows(prep), self.half_life_days, self.reply_cap_hours)
        out.index.name = "client"
        return out

    def transform_periods(self, X: MailFrames, freq: str = "Q") -> pd.DataFrame:
        """One row per client and calendar quarter, from the client's first quarter to the mailbox's last.

        Index (``client``, ``period``) with ``period`` like ``"2025Q3"``; quarters without mail are
        kept (a silent quarter is information). The last quarter ends at the mailbox's last date.
        """
        prep = self._check(X)
        firsts = _first_dates(prep).dropna()
        if not len(firsts):
            return pd.DataFrame(columns=list(FEATURE_NAMES), dtype=float,
                                index=pd.MultiIndex.from_tuples([], names=["client", "period"]))
        last = prep.as_of.tz_localize(None).to_period(freq)
        periods = pd.period_range(firsts.min().tz_localize(None).to_period(freq), last, freq=freq)
        starts = [p.start_time.tz_localize("UTC") for p in periods]
        ends = [min(p.end_time.tz_localize("UTC"), prep.as_of) for p in periods]
        first = periods.get_indexer(pd.PeriodIndex(firsts.dt.tz_localize(None).dt.to_period(freq)))
        count = len(periods) - first
        client = np.repeat(firsts.index.to_numpy(), count)
        period = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count) + np.repeat(first, count)
        windows = pd.DataFrame({"client": client, "start": pd.DatetimeIndex(starts)[period],
                                "end": pd.DatetimeIndex(ends)[period]})
        out = window_features(prep, windows, None, self.reply_cap_hours)
        out.index = pd.MultiIndex.from_arrays([client, periods.astype(str)[period]], names=["client", "period"])
        return out
