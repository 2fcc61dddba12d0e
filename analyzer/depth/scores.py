"""Per-client scores (scores.csv, docs/CONTRACT.md) and per-quarter scores (the report's depth over time).

``score_clients`` columns, in order: :data:`SCORE_COLUMNS` (the contract's), then
:data:`EXTRA_COLUMNS` (useful extras). ``sig_<label>`` counts the signal sentences that count for
the side that wrote them (client labels in client mail, ``apology``/``feedback_request`` in agency
mail), the same rows evidence.csv lists; ``sig_apology`` therefore holds both sides' apologies, and
the extras split them. ``trend_slope`` (depth points per quarter) and ``trend_reason`` explain
``trend`` (:meth:`~analyzer.depth.model.DepthModel.trend_table`). Only messages of a real client
(``client`` not None) count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.depth.drivers import top_drivers
from analyzer.depth.features import MailFrames, plain_facts, read_shares
from analyzer.depth.groups import GROUP_MESSAGES, SCORING_COLUMNS, client_groups, client_mail, mailbox_as_of
from analyzer.depth.model import DepthModel
from analyzer.depth.schema import EXTRA_COLUMNS, PERIOD_COLUMNS, SCORE_COLUMNS, tier_of
from analyzer.ingest.message import take_rows
from analyzer.memory import release_unused
from analyzer.signals.labels import AGENCY_LABELS, CLIENT_LABELS, LABELS


def _model(model) -> DepthModel:
    if model is None:
        from analyzer.depth.modelfile import load_depth_model

        return load_depth_model(None)
    if isinstance(model, DepthModel):
        return model
    from analyzer.depth.modelfile import load_depth_model

    return load_depth_model(model)  # a path


#: The columns of the messages frame the score table reads.
_SCORE_INPUTS = ("client", "client_domain", "direction", "from_address", "date")


def _client_messages(messages: pd.DataFrame) -> pd.DataFrame:
    """The client mail's rows, with only the columns the score table reads: filtering the whole
    frame would copy every message body (on 100k messages, most of a GiB)."""
    return messages[list(_SCORE_INPUTS)][client_mail(messages)]


def _has_client_mail(messages: pd.DataFrame) -> bool:
    return bool(client_mail(messages).any())


def _counted_signals(signals: pd.DataFrame) -> pd.DataFrame:
    if signals is None or signals.empty:
        return pd.DataFrame({"client": [], "direction": [], "label": []})
    s = signals
    ok = (((s["direction"] == "from_client") & s["label"].isin(CLIENT_LABELS))
          | ((s["direction"] == "from_agency") & s["label"].isin(AGENCY_LABELS))) & s["client"].notna()
    return s.loc[ok, ["client", "direction", "label"]]


def _empty_scores() -> pd.DataFrame:
    cols = list(SCORE_COLUMNS) + list(EXTRA_COLUMNS)
    out = pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    for c in cols:
        if c.startswith("sig_") or c.startswith("n_") or c in ("client_apologies", "agency_apologies", "max_seniority"):
            out[c] = out[c].astype("int64")
        elif c in ("depth_score", "median_client_reply_hours", "median_agency_reply_hours",
                   "client_start_share", "longest_silence_days", "trend_slope"):
            out[c] = out[c].astype("float64")
    out["first_message"] = pd.Series(dtype="datetime64[us, UTC]")
    out["last_message"] = pd.Series(dtype="datetime64[us, UTC]")
    return out


def _domains(m: pd.DataFrame) -> pd.Series:
    """``;``-joined client domains per client: client_domain plus the domains of client senders, or
    for a free-mail client (keyed by an address) the addresses its people write from."""
    # each (client, domain) and (client, sender) once before any string work: split per message, the
    # senders' addresses were a Python list per message, the peak of scoring at 500k messages
    # (bench/trace_run.py); the result is the same, deduplicated at the end as before
    own = m[["client", "client_domain"]].dropna().drop_duplicates(ignore_index=True)
    own = pd.DataFrame({"client": own["client"], "d": own["client_domain"].astype(str)})
    free = set(own.loc[own["d"].str.contains("@", regex=False), "client"])
    snd = m.loc[(m["direction"] == "from_client") & m["from_address"].notna(), ["client", "from_address"]]
    snd = snd.drop_duplicates(ignore_index=True)
    addr = snd["from_address"].astype(str)
    addr_ok = addr.str.contains("@", regex=False)
    is_free = snd["client"].isin(free).to_numpy()
    sent = pd.DataFrame({"client": snd["client"][addr_ok],
                         "d": np.where(is_free[addr_ok.to_numpy()], addr[addr_ok].str.lower(),
                                       addr[addr_ok].str.rsplit("@", n=1).str[1])})
    both = pd.concat([own, sent], ignore_index=True)
    both = both[both["d"] != ""].drop_duplicates().sort_values(["client", "d"], kind="stable")
    return both.groupby("client", sort=True)["d"].agg(";".join)


def _client_rows(model: DepthModel, X: MailFrames) -> tuple[pd.DataFrame, pd.Series]:
    """The whole-mailbox client features and the model's score for each client (before any lag
    correction), computed once per run and shared by the client and the quarterly scores."""
    F = model.features_.transform(X)
    return F, pd.Series(model.predict(F), index=F.index)


def _period_scores(model: DepthModel, X: MailFrames, F: pd.DataFrame, overall: pd.Series) -> pd.DataFrame:
    """Quarterly scores (:meth:`DepthModel.predict_periods`), each pulled toward the client's ``overall``
    score in proportion to how little mail the quarter holds (:meth:`DepthModel.shrink_periods`)."""
    P = model.features_.transform_periods(X)
    out = pd.DataFrame(index=P.index)
    out["score"] = model.predict_periods(P, F, overall)
    out["n_messages"] = P["n_messages"].to_numpy() if len(P) else np.array([], dtype=float)
    return model.shrink_periods(out, overall)


def score_and_periods(messages: pd.DataFrame, signals: pd.DataFrame, model=None, *,
                      group_messages: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`score_clients` and :func:`client_periods` together, computing the quarterly scores once
    (they feed both the trend and the chart; ``analyzer run`` wants both).

    A mailbox with more client mail than ``group_messages`` messages (None:
    :data:`analyzer.depth.groups.GROUP_MESSAGES`) is scored a group of clients at a time
    (:mod:`analyzer.depth.groups`), with the same result."""
    model = _model(model)
    if not _has_client_mail(messages):
        return _empty_scores(), _empty_periods()
    scores, periods = [], []
    for part, part_signals, as_of in _parts(messages, signals, group_messages):
        part_scores, part_periods = _score_part(model, part, part_signals, as_of)
        scores.append(part_scores)
        periods.append(part_periods)
        if as_of is not None:  # a group: what it held goes back to the system before the next one
            release_unused()
    return _joined(scores, ["depth_score", "client"], [False, True]), _joined(periods, ["client", "period"], [True, True])


def _score_part(model: DepthModel, messages: pd.DataFrame, signals: pd.DataFrame,
                as_of: pd.Timestamp | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores and quarterly scores of the clients of ``messages`` (the whole mailbox or a group of
    its clients; ``as_of``: the mailbox's last date for a group). Its working tables go at return."""
    X, F, overall, period_scores = _rows(model, messages, signals, as_of)
    return _scores(model, X, F, overall, messages, signals, period_scores), _periods(period_scores)


def _rows(model: DepthModel, messages: pd.DataFrame, signals: pd.DataFrame, as_of: pd.Timestamp | None):
    """The part's :class:`MailFrames`, client features, client scores and quarterly scores."""
    X = MailFrames(messages, signals, as_of)
    F, overall = _client_rows(model, X)
    return X, F, overall, _period_scores(model, X, F, overall)


def _parts(messages: pd.DataFrame, signals: pd.DataFrame, group_messages: int | None):
    """(messages, signals, the mailbox's last date) of each group of clients to score together: the
    whole mailbox (last date None: its own) unless :func:`~analyzer.depth.groups.client_groups` cuts it.
    A group's signals are the rows of its clients (a signal row's client is its message's)."""
    groups = client_groups(messages, GROUP_MESSAGES if group_messages is None else group_messages)
    if groups is None:
        yield messages, signals, None
        return
    as_of = mailbox_as_of(messages)
    read = messages[[c for c in SCORING_COLUMNS if c in messages.columns]]
    clients = messages["client"].to_numpy()
    group_of = {c: g for g, rows in enumerate(groups) for c in pd.unique(clients[rows]) if isinstance(c, str)}
    has_signals = signals is not None and len(signals) > 0
    if has_signals:
        of_row = signals["client"].map(group_of).fillna(-1).to_numpy(dtype=np.int64)
        order = np.argsort(of_row, kind="stable")  # frame order within a group
        starts = np.searchsorted(of_row[order], np.arange(len(groups) + 1))
    for g, rows in enumerate(groups):
        part = take_rows(read, rows)  # not iloc: that copies each whole Arrow column first
        if not _has_client_mail(part):
            continue
        part_signals = signals.iloc[order[starts[g]:starts[g + 1]]] if has_signals else signals
        yield part, part_signals, as_of


def _joined(frames: list[pd.DataFrame], by: list[str], ascending: list[bool]) -> pd.DataFrame:
    """The groups' tables as one, in the order the whole mailbox's table has (clients are unique)."""
    if len(frames) == 1:
        return frames[0]
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(by, ascending=ascending, kind="stable").reset_index(drop=True)


def score_clients(messages: pd.DataFrame, signals: pd.DataFrame, model=None) -> pd.DataFrame:
    """One row per client (scores.csv), sorted by ``depth_score`` descending.

    ``model`` is a fitted :class:`DepthModel`, a model file path, or None for the shipped model.
    """
    return score_and_periods(messages, signals, model)[0]


def _scores(model: DepthModel, X: MailFrames, F: pd.DataFrame, overall: pd.Series, messages: pd.DataFrame,
            signals: pd.DataFrame, period_scores: pd.DataFrame) -> pd.DataFrame:
    m = _client_messages(messages)
    trend = model.trend_table(period_scores, X).reindex(F.index)
    lag = pd.Series(model.lag_adjustment(trend["trend_slope"].to_numpy(dtype=float)), index=F.index)
    score = pd.Series(np.clip(overall.to_numpy() + lag.to_numpy(), 0.0, 100.0), index=F.index)
    n_from_client = (m["direction"] == "from_client").groupby(m["client"]).sum().reindex(F.index).fillna(0).astype("int64")
    english = F["english_share"]  # the client's whole window, unweighted: analyzer.depth.language.english_share
    read = read_shares(X).reindex(F.index)  # in any language signals are read in: analyzer.depth.language.read_share
    drivers = top_drivers(F, model.contributions(F), signals=signals, lag=lag.where(lag != 0).dropna(),
                          slopes=trend["trend_slope"], client_mails=n_from_client, read=read,
                          backed_praise=getattr(model, "backed_praise", None),
                          praise_backing=getattr(model, "praise_backing", "deeper"))

    dates = pd.to_datetime(m["date"], utc=True)
    g = m.assign(date=dates).groupby("client", sort=True)
    out = pd.DataFrame(index=F.index)
    out["client"] = F.index.astype(str)
    out["domains"] = _domains(m).reindex(F.index).fillna("")
    out["depth_score"] = score.round(1).astype(float)
    out["tier"] = [tier_of(s) for s in out["depth_score"]]
    out["trend"] = trend["trend"].fillna("steady").astype(str)
    out["n_messages"] = g.size().reindex(F.index).fillna(0).astype("int64")
    out["n_from_client"] = n_from_client
    out["n_from_agency"] = (m["direction"] == "from_agency").groupby(m["client"]).sum().reindex(F.index).fillna(0).astype("int64")
    out["first_message"] = g["date"].min().reindex(F.index)
    out["last_message"] = g["date"].max().reindex(F.index)
    counted = _counted_signals(signals)
    counts = counted.groupby(["client", "label"]).size().unstack(fill_value=0) if len(counted) else pd.DataFrame()
    for lb in LABELS:
        col = counts[lb] if lb in counts.columns else pd.Series(dtype="int64")
        out[f"sig_{lb}"] = col.reindex(F.index).fillna(0).astype("int64")
    # the contract's median client reply hours are the real (unweighted, uncapped-when-missing) median
    raw = plain_facts(X)
    med = raw["client_reply_hours"].where(np.isfinite(raw["client_reply_hours"]))
    out["median_client_reply_hours"] = med.reindex(F.index).round(1).astype(float)
    out["top_drivers"] = drivers.reindex(F.index).astype(str)
    agency_med = raw["agency_reply_hours"].where(np.isfinite(raw["agency_reply_hours"]))
    out["median_agency_reply_hours"] = agency_med.reindex(F.index).round(1).astype(float)
    out["client_start_share"] = raw["client_start_share"].reindex(F.index).round(3).astype(float)
    out["longest_silence_days"] = raw["longest_silence_days"].reindex(F.index).round(1).astype(float)
    out["n_client_people"] = raw["n_client_people"].reindex(F.index).fillna(0).astype("int64")
    out["max_seniority"] = raw["max_seniority"].reindex(F.index).fillna(0).astype("int64")
    side = counted[counted["label"] == "apology"].groupby(["client", "direction"]).size()
    for name, direction in (("client_apologies", "from_client"), ("agency_apologies", "from_agency")):
        vals = side.xs(direction, level="direction") if direction in side.index.get_level_values("direction") else pd.Series(dtype="int64")
        out[name] = vals.reindex(F.index).fillna(0).astype("int64")
    out["trend_slope"] = trend["trend_slope"].astype(float)
    out["trend_reason"] = trend["trend_reason"].fillna("").astype(str)
    out["english_share"] = english.round(2).astype(float)
    out["read_share"] = read.round(2).astype(float)
    out = out.reset_index(drop=True).sort_values(["depth_score", "client"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    return out[list(SCORE_COLUMNS) + list(EXTRA_COLUMNS)]


def client_periods(messages: pd.DataFrame, signals: pd.DataFrame, model=None) -> pd.DataFrame:
    """Client x quarter depth scores (columns :data:`PERIOD_COLUMNS`), for the depth-over-time chart."""
    model = _model(model)
    if not _has_client_mail(messages):
        return _empty_periods()
    periods = []
    for part, part_signals, as_of in _parts(messages, signals, None):
        periods.append(_periods(_rows(model, part, part_signals, as_of)[3]))
    return _joined(periods, ["client", "period"], [True, True])


def _empty_periods() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in PERIOD_COLUMNS})


def _periods(period_scores: pd.DataFrame) -> pd.DataFrame:
    p = period_scores.reset_index()
    starts = {x: pd.Period(x, freq="Q").start_time.tz_localize("UTC") for x in pd.unique(p["period"])}
    p["period_start"] = pd.to_datetime([starts[x] for x in p["period"]], utc=True)
    p["depth_score"] = p["score"].round(1)
    p["tier"] = [tier_of(s) for s in p["depth_score"]]
    p["n_messages"] = p["n_messages"].astype("int64")
    return p[list(PERIOD_COLUMNS)].sort_values(["client", "period"], kind="stable").reset_index(drop=True)
