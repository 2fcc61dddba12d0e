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
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analyzer.ingest.message import chunked_column, take_rows

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|antwort|tr|rv|r|i)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*"
    r"|\[(?:ext|external|extern)\]\s*)",
    re.IGNORECASE,
)

#: Columns of :func:`thread_table`.
THREAD_COLUMNS = ("key", "thread_id", "parent_key", "is_root", "norm_subject")
#: Columns of :func:`reply_events`.
REPLY_COLUMNS = ("key", "parent_key", "thread_id", "client", "direction", "parent_direction", "date", "hours")


def normalise_subject(subject: str | None) -> tuple[str, bool]:
    """Subject without reply/forward prefixes, lower-cased, spaces collapsed; and whether it had one
    (:func:`thread_table` calls it once per distinct subject)."""
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
    """The key the signals frame uses for a message: its Message-ID, or the content hash without one
    (an Arrow-backed ``str`` Series: no Python string per message)."""
    return pd.Series(pd.array(_key_array(messages), dtype="str"), index=messages.index)


def _key_array(messages: pd.DataFrame) -> pa.ChunkedArray:
    mid, content = (chunked_column(messages[c], pa.large_string()) for c in ("message_id", "content_hash"))
    return pc.if_else(pc.fill_null(pc.not_equal(mid, ""), False), mid, pc.fill_null(content, ""))


def _as_list(v) -> list:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    return [x for x in list(v) if x]


#: Unattributed messages whose address sets are written out as strings at a time
#: (:func:`_participant_keys`): only the distinct sets are kept, not a string per message.
PEOPLE_BATCH = 32_768


def _participant_keys(messages: pd.DataFrame) -> np.ndarray:
    """Per message, who takes part, as a code: its client, or (unattributed) the set of its
    addresses. Equal codes mean the same participants; codes are ints, not a string per message.

    The address sets are written out batch by batch (:data:`PEOPLE_BATCH`) and only the distinct ones
    are kept: a Python string per unattributed message was about 20 MiB of a 500k-message mailbox's
    thread finding."""
    client = messages["client"]
    has = (client.notna() & (client.astype(str) != "")).to_numpy()
    out = np.full(len(messages), -1, dtype=np.int64)
    client_codes, uniques = pd.factorize(client[has])
    out[has] = client_codes
    idx = np.flatnonzero(~has)
    seen: dict[str, int] = {}
    columns = messages[["from_address", "to_addresses", "cc_addresses"]]
    for lo in range(0, len(idx), PEOPLE_BATCH):
        at = idx[lo:lo + PEOPLE_BATCH]
        rows = take_rows(columns, at).itertuples(index=False)
        sets = (",".join(sorted(p for p in {row.from_address, *_as_list(row.to_addresses),
                                            *_as_list(row.cc_addresses)} if p)) for row in rows)
        out[at] = [len(uniques) + seen.setdefault(people, len(seen)) for people in sets]
    return out


@dataclass(frozen=True)
class ThreadCodes:
    """The threads of a messages frame as integer codes (:func:`thread_codes`), one entry per message.

    Every id (message keys first, in frame order, then the ids only links name) is a *node*, named in
    ``names``. ``key_code``: the node of each message's key; ``thread``: the node that names its thread
    (the key of the thread's first message in frame order); ``parent``: the node of its parent message
    (-1 for none); ``is_root``; ``norm`` indexes ``norm_names`` (normalised subjects). The strings are
    looked up only for the rows that need them (:func:`thread_table`, the reply events and thread
    starts), so scoring a large mailbox holds no string column of threads per message.
    """

    keys: pa.ChunkedArray
    names: pa.Array
    key_code: np.ndarray
    thread: np.ndarray
    parent: np.ndarray
    is_root: np.ndarray
    norm: np.ndarray
    norm_names: np.ndarray

    def parent_rows(self) -> np.ndarray:
        """Per message, the frame position of its parent (the first message holding the parent's key,
        as a lookup by key finds it), -1 for none."""
        row_of = np.full(len(self.names), -1, dtype=np.int64)
        n = len(self.key_code)
        row_of[self.key_code[::-1]] = np.arange(n - 1, -1, -1)  # the first message wins a shared key
        return np.where(self.parent >= 0, row_of[np.maximum(self.parent, 0)], -1)

    def names_of(self, nodes: np.ndarray) -> pa.Array:
        """The names of ``nodes`` (-1: null), as an Arrow array."""
        nodes = np.asarray(nodes, dtype=np.int64)
        return self.names.take(pa.array(nodes, mask=nodes < 0))


def _dates(messages: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """The messages' dates as a tz-aware Series and as naive UTC microseconds (NaT where undated)."""
    dates = pd.to_datetime(messages["date"], utc=True)
    return dates, dates.dt.tz_convert(None).to_numpy(dtype="datetime64[us]")


def thread_table(messages: pd.DataFrame) -> pd.DataFrame:
    """One row per message (same index as ``messages``): its key, thread id and parent key.

    ``is_root`` is True for a message that starts a conversation (no reply headers and no
    reply prefix in its subject); a thread whose earliest message is not a root started
    outside the mailbox. A thread's id is the key of its first message in frame order.

    The string columns are Arrow-backed, so a large mailbox costs no Python object per message, key or
    reference; the depth features work on :func:`thread_codes` and never build this table.
    """
    t = thread_codes(messages)
    return pd.DataFrame(
        {
            "key": pd.array(t.keys, dtype="str"),
            "thread_id": pd.array(t.names_of(t.thread), dtype="str"),
            "parent_key": pd.array(t.names_of(t.parent), dtype="str"),
            "is_root": t.is_root,
            "norm_subject": pd.array(pa.array(t.norm_names[t.norm], type=pa.large_string()), dtype="str"),
        },
        index=messages.index,
    )


def _header_links(messages: pd.DataFrame):
    """The header links of each message, read from the frame's own Arrow buffers:
    ``(irt, has_irt, flat, kept, ref_of, linked)``: the In-Reply-To column and whether each is set;
    every reference flattened (the column's own buffers, not a copy) and whether each is non-empty;
    the message of each non-empty reference, in order; whether a message has any header link."""
    irt = chunked_column(messages["in_reply_to"], pa.large_string())
    has_irt = pc.fill_null(pc.not_equal(irt, ""), False).to_numpy()
    refs = chunked_column(messages["references"], pa.list_(pa.large_string()))
    flat = pc.list_flatten(refs)
    kept = pc.fill_null(pc.not_equal(flat, ""), False).to_numpy()
    ref_of = pc.list_parent_indices(refs).to_numpy()[kept]
    linked = has_irt | (np.bincount(ref_of, minlength=len(messages)) > 0)
    return irt, has_irt, flat, kept, ref_of, linked


def subject_fallback(messages: pd.DataFrame, linked: np.ndarray):
    """The subject fallback of the module doc: ``(norm, norm_names, had_prefix, rows, prev)``, where
    ``norm`` indexes ``norm_names`` (each message's normalised subject), ``had_prefix`` says whether
    its subject had a reply prefix, and each message at frame position ``rows[i]`` (unlinked: no
    header link, per ``linked``) replies to the one at ``prev[i]``."""
    n = len(messages)
    # subjects, normalised once per distinct subject
    subject_code, subjects = pd.factorize(messages["subject"], use_na_sentinel=False)
    normalised = [normalise_subject(s if isinstance(s, str) else None) for s in subjects]
    norm_of_subject, norm_names = pd.factorize(pd.Series([s for s, _ in normalised] or [""], dtype=object))
    norm_names = np.asarray(norm_names, dtype=object)
    norm = norm_of_subject[subject_code]
    had_prefix = np.array([p for _, p in normalised] or [False], dtype=bool)[subject_code]
    norm_empty = (norm_names == "")[norm]

    # subject fallback: an unlinked reply joins the latest earlier message (in date order, undated
    # messages last) with the same normalised subject and participants
    _, micros = _dates(messages)
    sort_key = np.where(np.isnat(micros), np.iinfo(np.int64).max, micros.astype(np.int64))
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(sort_key, kind="stable")] = np.arange(n)
    people = _participant_keys(messages)
    seq = np.lexsort((rank, people, norm))  # by subject and participants, then date
    follows = np.zeros(n, dtype=bool)
    follows[1:] = (norm[seq[1:]] == norm[seq[:-1]]) & (people[seq[1:]] == people[seq[:-1]])
    rows, prev = seq[follows], seq[np.flatnonzero(follows) - 1]
    joins = ~linked[rows] & had_prefix[rows] & ~norm_empty[rows]
    return norm, norm_names, had_prefix, rows[joins], prev[joins]


def thread_codes(messages: pd.DataFrame) -> ThreadCodes:
    """The threads of ``messages`` as :class:`ThreadCodes` (how a thread is found: the module doc).

    Every id becomes an integer code, and the work is done on codes."""
    n = len(messages)
    keys = _key_array(messages)
    irt, has_irt, flat, kept, ref_of, linked = _header_links(messages)
    irt_rows = np.flatnonzero(has_irt)
    # one dictionary over the chunks as they are (no joined copy of every id): message keys first. The
    # references are encoded as they are and their empty ones dropped from the codes afterwards: a
    # filtered copy of every reference string was most of this function's memory on long threads (500k
    # realistic messages: +331 MiB). An empty or missing reference may add one node no edge reaches.
    parts = [*keys.chunks, *irt.filter(pa.array(has_irt)).chunks, *flat.chunks]
    nodes = pa.chunked_array(parts, type=pa.large_string()).dictionary_encode()
    codes = np.concatenate([pc.fill_null(c.indices, 0).to_numpy() for c in nodes.chunks]
                           or [np.zeros(0, np.int32)]).astype(np.int64)
    key_code, irt_code = codes[:n], codes[n:n + len(irt_rows)]
    ref_code = codes[n + len(irt_rows):][kept]
    del codes, flat
    names = nodes.chunks[0].dictionary if nodes.num_chunks else pa.array([], type=pa.large_string())
    n_nodes = len(names)
    known = np.zeros(n_nodes, dtype=bool)
    known[key_code] = True

    # parent: In-Reply-To when it is a message here, else the last reference that is (not itself)
    parent = np.full(n, -1, dtype=np.int64)
    usable = np.flatnonzero((ref_code != key_code[ref_of]) & known[ref_code])
    owner = ref_of[usable]  # ascending: a message's references are consecutive, in order
    is_last = np.ones(len(usable), dtype=bool)
    is_last[:-1] = owner[1:] != owner[:-1]
    parent[owner[is_last]] = ref_code[usable[is_last]]
    irt_full = np.full(n, -1, dtype=np.int64)
    irt_full[irt_rows] = irt_code
    by_irt = irt_full >= 0
    by_irt[by_irt] = known[irt_full[by_irt]]
    parent[by_irt] = irt_full[by_irt]
    parent[parent == key_code] = -1
    src = [key_code[irt_rows], key_code[ref_of]]  # header links, as edges of an undirected graph
    dst = [irt_code, ref_code]

    norm, norm_names, had_prefix, rows, prev = subject_fallback(messages, linked)
    parent[rows] = key_code[prev]
    src.append(key_code[prev])
    dst.append(key_code[rows])

    # threads: connected components over the codes; messages come first, so a component's
    # smallest code is its first message in frame order
    src_all, dst_all = np.concatenate(src), np.concatenate(dst)
    graph = coo_matrix((np.ones(len(src_all), dtype=np.int8), (src_all, dst_all)), shape=(n_nodes, n_nodes))
    _, comp = connected_components(graph, directed=True, connection="weak")
    first = np.full(comp.max() + 1 if len(comp) else 0, n_nodes, dtype=np.int64)
    np.minimum.at(first, comp, np.arange(n_nodes))
    return ThreadCodes(keys=keys, names=names, key_code=key_code, thread=first[comp[key_code]], parent=parent,
                       is_root=~linked & ~had_prefix, norm=norm, norm_names=norm_names)


#: Ids hashed at a time by :func:`thread_parts` (each batch is Python strings only while it is hashed).
HASH_BATCH = 65_536


def _hashed(ids: pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash of each string of ``ids``, batch by batch (:data:`HASH_BATCH`)."""
    parts = [pd.util.hash_array(ids.slice(lo, HASH_BATCH).to_numpy(zero_copy_only=False), categorize=False)
             for lo in range(0, len(ids), HASH_BATCH)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def thread_parts(messages: pd.DataFrame) -> np.ndarray:
    """Per message, a label of a *part* of the mailbox that holds its whole thread: messages of one
    thread (:func:`thread_codes`) always share a label; messages of different threads share one
    only where two of their ids hash alike (64-bit hashes: about one chance in 40 million for a million ids).
    What :func:`analyzer.depth.groups.client_groups` needs, at a fraction of the memory: ids are
    64-bit hashes, not a dictionary of every id string, and no parent or root is worked out."""
    n = len(messages)
    irt, has_irt, flat, kept, ref_of, linked = _header_links(messages)
    hashes = np.concatenate([_hashed(_key_array(messages)), _hashed(irt.filter(pa.array(has_irt))),
                             _hashed(flat.filter(pa.array(kept)))])
    del flat
    _, codes = np.unique(hashes, return_inverse=True)
    del hashes
    index = np.int32 if len(codes) < np.iinfo(np.int32).max else np.int64
    codes = codes.reshape(-1).astype(index)
    n_irt = int(has_irt.sum())
    key_code, irt_code, ref_code = codes[:n], codes[n:n + n_irt], codes[n + n_irt:]
    *_, rows, prev = subject_fallback(messages, linked)
    src = np.concatenate([key_code[has_irt], key_code[ref_of], key_code[prev]])
    dst = np.concatenate([irt_code, ref_code, key_code[rows]])
    n_nodes = int(codes.max()) + 1 if len(codes) else 0
    del codes
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n_nodes, n_nodes))
    del src, dst
    _, comp = connected_components(graph, directed=True, connection="weak")
    return comp[key_code]


def reply_events(messages: pd.DataFrame, threads: ThreadCodes | None = None) -> pd.DataFrame:
    """Replies across sides: who answered whom, and after how many hours.

    One row per message whose parent is in the mailbox and was written by the other side
    (``from_client`` <-> ``from_agency``). ``hours`` is NaN when a date is missing or the
    reply is dated before its parent (clock skew). ``threads``: the frame's :func:`thread_codes`.
    """
    t = thread_codes(messages) if threads is None else threads
    # the parent by frame position, not by a lookup of every message's key: the keys are looked up as
    # strings only for the reply events themselves
    parent = t.parent_rows()
    direction = messages["direction"].to_numpy(dtype=object)  # attribution's object column: no copy
    child = np.flatnonzero(parent >= 0)
    p = parent[child]
    d, parent_d = direction[child], direction[p]
    cross = (((d == "from_client") & (parent_d == "from_agency"))
             | ((d == "from_agency") & (parent_d == "from_client")))
    rows, p = child[cross], p[cross]
    dates, micros = _dates(messages)
    delta = (micros[rows] - micros[p]) / np.timedelta64(1, "h")  # NaT -> NaN
    take = pa.array(rows)
    return pd.DataFrame(
        {
            "key": pd.array(t.keys.take(take), dtype="str"),
            "parent_key": pd.array(t.names_of(t.parent[rows]), dtype="str"),
            "thread_id": pd.array(t.names_of(t.thread[rows]), dtype="str"),
            "client": messages["client"].array.take(rows),
            "direction": messages["direction"].array.take(rows),
            "parent_direction": messages["direction"].array.take(p),
            "date": dates.array.take(rows),
            "hours": np.where(delta >= 0, delta, np.nan),
        },
    )[list(REPLY_COLUMNS)]


def thread_starts(messages: pd.DataFrame, threads: ThreadCodes | None = None) -> pd.DataFrame:
    """One row per thread (sorted by thread id): its client, first date, and which side started it.

    ``started_by`` is the direction of the earliest message when that message is a root;
    ``"unknown"`` when the thread's start lies outside the mailbox. ``threads``: the frame's
    :func:`thread_codes`.
    """
    t = thread_codes(messages) if threads is None else threads
    dates, micros = _dates(messages)
    undated = np.isnat(micros)
    # each thread's earliest message (undated last, then frame order), on codes
    order = np.lexsort((np.arange(len(micros)), micros.astype(np.int64), undated, t.thread))
    thread = t.thread[order]
    head = np.ones(len(order), dtype=bool)
    head[1:] = thread[1:] != thread[:-1]
    first = order[head]
    n_messages = np.diff(np.append(np.flatnonzero(head), len(order)))
    names = t.names_of(t.thread[first])
    by_name = np.asarray(pc.array_sort_indices(names))  # thread ids are unique: the old order, by id
    first, n_messages, names = first[by_name], n_messages[by_name], names.take(pa.array(by_name))
    direction = messages["direction"].array.take(first)
    started = np.where(t.is_root[first], np.asarray(direction, dtype=object), "unknown")
    return pd.DataFrame(
        {
            "thread_id": pd.array(names, dtype="str"),
            "client": messages["client"].array.take(first),
            "date": dates.array.take(first),
            "started_by": started,
            "n_messages": n_messages.astype(np.int64),
        }
    )
