"""The thread table as the sixteenth session computed it, in plain Python over lists of strings: the
reference that :func:`analyzer.depth.threads.thread_table` (vectorised over Arrow codes) must equal
row by row (helpers, not a test module)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analyzer.depth.threads import message_keys, normalise_subject


def _as_list(v) -> list:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    return [x for x in list(v) if x]


def reference_participants(messages: pd.DataFrame) -> list[str]:
    """Per message, who takes part, written out: its client, or (unattributed) the sorted set of its
    non-empty addresses joined by ","."""
    out = []
    for client, sender, to, cc in zip(messages["client"].tolist(), messages["from_address"].tolist(),
                                      messages["to_addresses"].tolist(), messages["cc_addresses"].tolist()):
        if isinstance(client, str) and client:
            out.append(f"client {client}")
        else:
            out.append("people " + ",".join(sorted(p for p in {sender, *_as_list(to), *_as_list(cc)} if p)))
    return out


def reference_thread_table(messages: pd.DataFrame) -> pd.DataFrame:
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
    people = reference_participants(messages)
    latest: dict[tuple[str, str], int] = {}  # (normalised subject, participants code) -> message
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


def reference_reply_events(messages: pd.DataFrame) -> pd.DataFrame:
    """Reply events from the reference thread table by key lookups: each message with a parent, the
    parent found by its key (the first message holding it), kept when the two are of opposite sides."""
    t = reference_thread_table(messages)
    first = {}
    for pos, key in enumerate(t["key"]):
        first.setdefault(key, pos)
    dates = pd.to_datetime(messages["date"], utc=True)
    rows = []
    for pos, parent in enumerate(t["parent_key"]):
        if not isinstance(parent, str):  # no parent (None or NaN)
            continue
        p = first[parent]
        d, pd_ = messages["direction"].iloc[pos], messages["direction"].iloc[p]
        if {d, pd_} != {"from_client", "from_agency"}:
            continue
        hours = (dates.iloc[pos] - dates.iloc[p]) / pd.Timedelta(hours=1)
        rows.append({"key": t["key"].iloc[pos], "parent_key": parent, "thread_id": t["thread_id"].iloc[pos],
                     "client": messages["client"].iloc[pos], "direction": d, "parent_direction": pd_,
                     "date": dates.iloc[pos], "hours": hours if hours >= 0 else float("nan")})
    return pd.DataFrame(rows, columns=["key", "parent_key", "thread_id", "client", "direction",
                                       "parent_direction", "date", "hours"])


def reference_thread_starts(messages: pd.DataFrame) -> pd.DataFrame:
    """Thread starts from the reference thread table: per thread (by id), its earliest dated message
    (undated ones last, ties in frame order), started by its side when it is a root, and its size."""
    t = reference_thread_table(messages)
    dates = pd.to_datetime(messages["date"], utc=True)
    by_thread: dict[str, list[int]] = {}
    for pos, thread in enumerate(t["thread_id"]):
        by_thread.setdefault(thread, []).append(pos)
    rows = []
    for thread in sorted(by_thread):
        members = by_thread[thread]
        first = min(members, key=lambda pos: (pd.isna(dates.iloc[pos]),
                                              dates.iloc[pos] if not pd.isna(dates.iloc[pos]) else 0, pos))
        rows.append({"thread_id": thread, "client": messages["client"].iloc[first], "date": dates.iloc[first],
                     "started_by": messages["direction"].iloc[first] if t["is_root"].iloc[first] else "unknown",
                     "n_messages": len(members)})
    return pd.DataFrame(rows, columns=["thread_id", "client", "date", "started_by", "n_messages"])
