"""Threads rebuilt from the headers, and the reply events inside them.

Input is the messages frame (``analyzer.ingest.message.MESSAGE_COLUMNS``); nothing is mutated.

How a thread is found:

1. Header links. Every message id, In-Reply-To and References id is a node; a message is joined
   to everything it replies to or references (connected components of that graph). Messages whose parent is missing from
   the mailbox still land in one thread when they share a reference.
2. Subject fallback, for a message with no In-Reply-To/References at all: when its subject carries
   a reply/forward prefix (``Re:``, ``Fwd:``, ``AW:``, ``WG:``, ...), it joins the most recent
   earlier message with the same normalised subject and the same participants (the client, or
   the set of addresses when unattributed). A subject without a prefix starts a new thread, so a
   recurring "Weekly update" is many threads, not one.

A *reply event* is a message whose parent (In-Reply-To if present in the mailbox, else the last
known reference, else the previous message of a subject-fallback thread) was written by the
other side: ``from_client`` answering ``from_agency`` is a client reply, and vice versa.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|antwort|tr|rv|r|i)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*"
    r"|\[(?:ext|external|extern)\]\s*)",
    re.IGNORECASE,
)

#: Columns of :func:`thread_table`.
THREAD_COLUMNS = ("key", "thread_id", "parent_key", "is_root", "norm_subject")
#: Columns of :func:`reply_events`.
REPLY_COLUMNS = ("key", "parent_key", "thread_id", "client", "direction", "parent_direction", "date", "hours")


@lru_cache(maxsize=65_536)
def normalise_subject(subject: str | None) -> tuple[str, bool]:
    """Subject without reply/forward prefixes, lower-cased, spaces collapsed; and whether it had one
    (cached: replies repeat their thread's subject)."""
    s = subject or ""
    had_prefix = False
    while True:
        m = _PREFIX.match(s)
        if not m or m.end() == 0:
            break
        had_prefix = True
        s = s[m.end():]
    return " ".join(s.lower().split()), had_prefix


def message_keys(messages: pd.DataFrame) -> pd.Series:
    """The key the signals frame uses for a message: its Message-ID, or the content hash without one."""
    mid = messages["message_id"].astype(object)
    return mid.where(mid.notna() & (mid.astype(str) != ""), messages["content_hash"]).astype(str)


def _as_list(v) -> list:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    return [x for x in list(v) if x]


def _participant_keys(messages: pd.DataFrame) -> np.ndarray:
    """Per message, who takes part, as a code: its client, or (unattributed) the set of its
    addresses. Equal codes mean the same participants; codes are ints, not a string per message."""
    client = messages["client"]
    has = (client.notna() & (client.astype(str) != "")).to_numpy()
    out = np.full(len(messages), -1, dtype=np.int64)
    client_codes, uniques = pd.factorize(client[has])
    out[has] = client_codes
    idx = np.flatnonzero(~has)
    if len(idx):
        rows = messages[["from_address", "to_addresses", "cc_addresses"]].iloc[idx].itertuples(index=False)
        groups = [",".join(sorted(p for p in {row.from_address, *_as_list(row.to_addresses),
                                              *_as_list(row.cc_addresses)} if p)) for row in rows]
        people_codes, _ = pd.factorize(pd.Series(groups, dtype=object))
        out[idx] = len(uniques) + people_codes
    return out


def thread_table(messages: pd.DataFrame) -> pd.DataFrame:
    """One row per message (same index as ``messages``): its key, thread id and parent key.

    ``is_root`` is True for a message that starts a conversation (no reply headers and no
    reply prefix in its subject); a thread whose earliest message is not a root started
    outside the mailbox. A thread's id is the key of its first message in frame order.
    """
    keys = message_keys(messages)
    key_list = keys.tolist()
    known = set(key_list)
    src: list[str] = []  # header links and subject-fallback links, as edges of an undirected graph
    dst: list[str] = []
    parents: list[str | None] = []
    linked: list[bool] = []
    for key, irt, refs in zip(key_list, messages["in_reply_to"].tolist(), messages["references"].tolist()):
        irt = irt if isinstance(irt, str) and irt else None
        refs = _as_list(refs)
        for ref in ([irt] if irt else []) + refs:
            if ref != key:
                src.append(key)
                dst.append(ref)
        parent = irt if irt in known else next((r for r in reversed(refs) if r in known and r != key), None)
        parents.append(parent if parent != key else None)
        linked.append(bool(irt or refs))
    subjects = [normalise_subject(s) for s in messages["subject"].tolist()]

    # subject fallback, in date order so a reply attaches to the latest earlier message
    # undated messages last; sorting on int64 microseconds avoids filling a datetime column with a
    # Timestamp of another unit (deprecated in pandas 3, an error in a later release)
    dates = pd.to_datetime(messages["date"], utc=True)
    micros = dates.dt.tz_convert(None).to_numpy(dtype="datetime64[us]")
    sort_key = np.where(np.isnat(micros), np.iinfo(np.int64).max, micros.astype(np.int64))
    order = np.argsort(sort_key, kind="stable")
    people = _participant_keys(messages).tolist()
    latest: dict[tuple[str, int], int] = {}  # (normalised subject, participants code) -> message
    for i in order.tolist():
        norm, had_prefix = subjects[i]
        group = (norm, people[i])
        if not linked[i] and had_prefix and norm and group in latest:
            prev = latest[group]
            src.append(key_list[prev])
            dst.append(key_list[i])
            parents[i] = key_list[prev]
        latest[group] = i

    # threads: connected components over message keys and referenced ids (messages come first,
    # so a component's smallest node code is its first message in frame order)
    # message keys first, in frame order, then the ids only links name (one array, not three lists joined)
    n = len(key_list)
    nodes_in = np.empty(n + len(src) + len(dst), dtype=object)
    nodes_in[:n], nodes_in[n:n + len(src)], nodes_in[n + len(src):] = key_list, src, dst
    del src[:], dst[:]  # their strings live on in nodes_in; the lists' own memory goes now
    codes, nodes = pd.factorize(nodes_in)
    n_src = (len(nodes_in) - n) // 2
    del nodes_in
    graph = coo_matrix((np.ones(n_src, dtype=np.int8), (codes[n:n + n_src], codes[n + n_src:])),
                       shape=(len(nodes), len(nodes)))
    _, comp = connected_components(graph, directed=True, connection="weak")
    first = np.full(comp.max() + 1 if len(comp) else 0, len(nodes), dtype=np.int64)
    np.minimum.at(first, comp, np.arange(len(nodes)))
    thread_id = np.asarray(nodes, dtype=object)[first[comp[codes[:n]]]]
    return pd.DataFrame(
        {
            "key": keys.to_numpy(),
            "thread_id": thread_id,
            "parent_key": parents,
            "is_root": [not lk and not sub[1] for lk, sub in zip(linked, subjects)],
            "norm_subject": [sub[0] for sub in subjects],
        },
        index=messages.index,
    )


def reply_events(messages: pd.DataFrame, threads: pd.DataFrame | None = None) -> pd.DataFrame:
    """Replies across sides: who answered whom, and after how many hours.

    One row per message whose parent is in the mailbox and was written by the other side
    (``from_client`` <-> ``from_agency``). ``hours`` is NaN when a date is missing or the
    reply is dated before its parent (clock skew).
    """
    if threads is None:
        threads = thread_table(messages)
    # the columns' own arrays (.array): to_numpy() would make a Python object of every message's key,
    # thread, client and side, the peak of a large run's scoring; a tz-aware date would be boxed
    dates = pd.to_datetime(messages["date"], utc=True).array
    by_key = pd.DataFrame({"direction": messages["direction"].array, "date": dates},
                          index=pd.Index(threads["key"].array))
    by_key = by_key[~by_key.index.duplicated()]
    ev = pd.DataFrame(
        {
            "key": threads["key"].array,
            "parent_key": threads["parent_key"].array,
            "thread_id": threads["thread_id"].array,
            "client": messages["client"].array,
            "direction": messages["direction"].array,
            "date": dates,
        }
    )
    ev = ev[ev["parent_key"].notna()]
    parent = by_key.reindex(ev["parent_key"].array)
    ev["parent_direction"] = parent["direction"].array
    hours = (ev["date"] - parent["date"].array) / pd.Timedelta(hours=1)
    ev["hours"] = hours.where(hours >= 0).to_numpy(dtype=float)
    d, p = ev["direction"], ev["parent_direction"]
    cross = (((d == "from_client") & (p == "from_agency")) | ((d == "from_agency") & (p == "from_client"))).fillna(False)
    return ev.loc[cross.to_numpy(dtype=bool), list(REPLY_COLUMNS)].reset_index(drop=True)


def thread_starts(messages: pd.DataFrame, threads: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per thread: its client, first date, and which side started it.

    ``started_by`` is the direction of the earliest message when that message is a root;
    ``"unknown"`` when the thread's start lies outside the mailbox.
    """
    if threads is None:
        threads = thread_table(messages)
    df = pd.DataFrame(
        {
            "thread_id": threads["thread_id"].array,  # .array, not a Python object each (reply_events)
            "is_root": threads["is_root"].to_numpy(),
            "client": messages["client"].array,
            "direction": messages["direction"].array,
            "date": pd.to_datetime(messages["date"], utc=True).array,
        }
    )
    df = df.sort_values(["thread_id", "date"], kind="stable", na_position="last")
    first = df.groupby("thread_id", sort=False).head(1).copy()
    first["started_by"] = np.where(first["is_root"], first["direction"], "unknown")
    n = df.groupby("thread_id", sort=False).size()
    first["n_messages"] = n.reindex(first["thread_id"]).to_numpy()
    return first[["thread_id", "client", "date", "started_by", "n_messages"]].reset_index(drop=True)
