"""Clients that write together are one client: an organisation's two domains, a couple on free mail.

Without a config, :mod:`analyzer.ingest.parties` makes one client per organisation key (a
registrable name, or a free-mail address). Some clients write from two: the two partners of a
family business on their own gmail addresses, a company that moves to its acquirer's domain and
copies its old people in for months, a foundation and the club it belongs to. Counted apart, each
half gets half the story, and the half that holds the recent cooling or the early warmth is scored
on it alone.

:func:`joint_clients` joins two client keys when they appear in the same messages often enough:
in at least :data:`MIN_SHARED_MESSAGES` messages that are not automated, which are at least
:data:`MIN_SHARED_SHARE` of the smaller one's. Each group of joined keys is named after the key in
the most messages. On the 37 hand-written training mailboxes (``data/independent``) those two
thresholds join 10 of the 12 pairs of keys the truth calls one client and none of the 13 pairs it
calls two organisations (a prospect introduced in a mail that copies the referring client in, a
supplier of a client copied on a few mails: two or three shared messages each). A config file's
client list (``[clients]``) overrides all of this.

Two free-mail people are also one client when their senders share a surname and they take part
in one thread (:func:`household_pairs`): the two partners of a family business, each on their own
address, answering the same mail. (A person on free mail is a client only as a private person or
a family business; two free-mail addresses that merely share a display name stay apart, as two
people called Sam Lee would.) On the 470 hand-written training mailboxes read with no config, every one
of the 9 found client pairs that share a surname and a thread is one designed client, while a shared
surname alone marks 140 pairs of which 15 are one, and a shared thread alone 45 of which 20 are one
(``models/experiments/split_clients``). Company domains are never joined this way: a client copying
in a relative's company (a referral) would be swallowed.

Keys that never write together stay apart otherwise, even when one person writes as both: a
client that moves to its acquirer's domain without copying its old address in, or someone who
writes from a personal address and a company one. Joining on a shared name would also join a
champion's old and new employer, which are two clients, so :func:`people_in_two_clients` only
points such people out (``ingest_report.json`` and a line on the terminal), for the user to name
in a config.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from itertools import combinations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.ingest.message import chunked_column, take_rows

log = logging.getLogger(__name__)

#: Messages two client keys must share before they are one client.
MIN_SHARED_MESSAGES = 4
#: ... and the share of the smaller key's messages those must be.
MIN_SHARED_SHARE = 0.35


def joint_clients(keys: list[str], org: np.ndarray, rows: np.ndarray, addrs: np.ndarray,
                  usable: np.ndarray, *, sent: np.ndarray | None = None, from_names: np.ndarray | None = None,
                  threads: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[str, str]:
    """Map every client key of ``keys`` to the key of its group (itself when it writes alone).

    ``org``: organisation key per address; ``rows``/``addrs``: one entry per message participant
    (message position, address index); ``usable``: per message, not automated. With ``sent`` (per
    participant entry: it is the sender), ``from_names`` (per message) and ``threads`` (message
    positions -> their thread codes, as :func:`thread_roots`), free-mail keys are also joined by
    :func:`household_pairs`.
    """
    rep = {k: k for k in keys}
    if len(keys) < 2:
        return rep
    o = org[addrs]
    keep = usable[rows] & pd.Series(o).isin(keys).to_numpy()
    pairs = pd.DataFrame({"row": rows[keep], "org": o[keep]}).drop_duplicates()
    n = pairs.groupby("org").size()
    multi = pairs[pairs.duplicated("row", keep=False)]
    shared: dict[tuple[str, str], int] = {}
    for orgs in multi.groupby("row")["org"].agg(sorted):
        for a, b in combinations(orgs, 2):
            shared[(a, b)] = shared.get((a, b), 0) + 1
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    pairs = [(a, b) for (a, b), both in sorted(shared.items())
             if both >= MIN_SHARED_MESSAGES and both >= MIN_SHARED_SHARE * min(n[a], n[b])]
    if sent is not None and from_names is not None and threads is not None:
        pairs += household_pairs(keys, org, rows, addrs, usable, sent, from_names, threads)
    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for k in keys:
        groups.setdefault(find(k), []).append(k)
    for members in groups.values():
        head = min(members, key=lambda k: (-int(n.get(k, 0)), k))  # the key in the most messages
        for k in members:
            rep[k] = head
        if len(members) > 1:
            log.info("joined client keys into one client (they write together, or a free-mail household): %s", ", ".join(
                f"{k} ({int(n.get(k, 0))} messages)" for k in sorted(members, key=lambda k: (-int(n.get(k, 0)), k))))
    return rep


def household_pairs(keys: list[str], org: np.ndarray, rows: np.ndarray, addrs: np.ndarray, usable: np.ndarray,
                    sent: np.ndarray, from_names: np.ndarray,
                    threads: Callable[[np.ndarray], np.ndarray]) -> list[tuple[str, str]]:
    """Pairs of free-mail client keys (addresses) that are one client (module doc): their senders
    share a :func:`surname` and they take part in one thread (``threads``: message positions -> a
    code of each one's thread, -1 for none; asked only for the free-mail people's messages). Sorted;
    automated mail (``usable`` false) is not read."""
    free = [k for k in keys if "@" in k]
    if len(free) < 2:
        return []
    o = org[addrs]
    keep = usable[rows] & pd.Series(o, dtype=object).isin(free).to_numpy()
    part_rows, part_keys, part_sent = rows[keep], o[keep], sent[keep]
    names = pd.Series(from_names[part_rows[part_sent]], dtype=object).fillna("").astype(str)
    unique = names.unique()
    writers = pd.DataFrame({"key": part_keys[part_sent],
                            "surname": names.map(dict(zip(unique, map(surname, unique), strict=True))).to_numpy()})
    writers = writers[writers["surname"] != ""].drop_duplicates()
    families = [same for same in writers.groupby("surname")["key"].agg(sorted) if len(same) > 1]
    if not families:
        return []
    needed = np.unique(part_rows)
    codes = np.asarray(threads(needed))
    roots = pd.DataFrame({"key": part_keys, "root": codes[np.searchsorted(needed, part_rows)]})
    in_thread = roots[roots["root"] >= 0].drop_duplicates().groupby("key")["root"].agg(frozenset)
    out: set[tuple[str, str]] = set()
    for same in families:
        for a, b in combinations(same, 2):
            if in_thread.get(a, frozenset()) & in_thread.get(b, frozenset()):
                out.add((a, b))
    return sorted(out)


def thread_roots(messages: pd.DataFrame, positions: np.ndarray | None = None) -> np.ndarray:
    """Per message (of ``positions`` when given, in their order), an integer code of its thread's
    first message as its own headers name it: the first References id, else In-Reply-To, else its
    Message-ID; -1 when it has none, or when the frame lacks those columns. Codes compare only
    within one call. (Headers only, no subject fallback: :mod:`analyzer.depth.threads` rebuilds
    whole threads later, once the clients are known.)"""
    n = len(messages) if positions is None else len(positions)
    if any(c not in messages.columns for c in ("message_id", "in_reply_to", "references")):
        return np.full(n, -1, dtype=np.int64)

    def column(name: str) -> pd.Series:
        return messages[name] if positions is None else take_rows(messages[name], positions)

    root = chunked_column(column("message_id"), pa.large_string()).to_numpy()
    irt = chunked_column(column("in_reply_to"), pa.large_string())
    has_irt = pc.fill_null(pc.not_equal(irt, ""), False).to_numpy()
    root[has_irt] = irt.to_numpy()[has_irt]
    head = pc.list_slice(chunked_column(column("references"), pa.list_(pa.large_string())), 0, 1)
    first = pc.list_flatten(head)
    owner = pc.list_parent_indices(head).to_numpy()
    filled = pc.fill_null(pc.not_equal(first, ""), False).to_numpy()
    root[owner[filled]] = first.to_numpy()[filled]
    codes, _ = pd.factorize(pd.Series(root, dtype=object).replace("", None))
    return codes


def surname(display_name: str) -> str:
    """A display name's surname: the last word of three or more letters, case-folded, of the part
    before a comma when there is one ("Doe, Jane", "Jane Doe, CFO": "doe"), without parenthesised
    parts; "" for a name of fewer than two such words."""
    text = _PARENTHESISED.sub(" ", str(display_name or "")).casefold()
    words = _LONG_WORDS.findall(text)
    if len(words) < 2:
        return ""
    before = _LONG_WORDS.findall(text.split(",", 1)[0]) if "," in text else words
    return before[-1] if before else ""


#: Client mails a person must send as each of two clients before the run points them out.
MIN_PERSON_MESSAGES = 2
#: At most this many people are listed.
MAX_PEOPLE_LISTED = 20
_PARENTHESISED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORDS = re.compile(r"[^\W\d_]+")
_LONG_WORDS = re.compile(r"[^\W\d_]{3,}")


def person_key(display_name: str) -> str:
    """A display name compared as a person: its words (letters only, case-folded, in sorted order,
    so "Doe, Jane" is "Jane Doe"), without parenthesised parts; "" for fewer than two words."""
    words = _WORDS.findall(_PARENTHESISED.sub(" ", str(display_name or "")).casefold())
    return " ".join(sorted(words)) if len(words) >= 2 else ""


def people_in_two_clients(messages: pd.DataFrame) -> list[dict]:
    """People who write client mail as two or more clients (the same display name, at least
    :data:`MIN_PERSON_MESSAGES` messages as each), most messages first: ``{"person", "clients",
    "messages"}``. A hint for the user, never a join (module doc)."""
    if messages.empty or "client" not in messages:
        return []
    # the two columns read, then the rows: filtering the whole frame first copied every column of the
    # client mail (about 130 MiB on 500k messages, at a large run's peak)
    m = messages[["from_name", "client"]][(messages["direction"] == "from_client") & messages["client"].notna()]
    names = m["from_name"].fillna("").astype(str)
    keys = {name: person_key(name) for name in names.unique()}  # a few names, many messages
    frame = pd.DataFrame({"key": names.map(keys), "client": m["client"], "shown": names})
    frame = frame[frame["key"] != ""]
    counts = frame.groupby(["key", "client"]).size()
    counts = counts[counts >= MIN_PERSON_MESSAGES]
    per_key = counts.groupby(level="key").agg(["size", "sum"])
    per_key = per_key.loc[per_key["size"] >= 2, "sum"]
    if per_key.empty:
        return []
    # only the people who can make the list (ties at its end included) need their name as written
    listed = per_key[per_key >= per_key.nlargest(MAX_PEOPLE_LISTED).min()]
    shown = frame[frame["key"].isin(listed.index)].groupby("key")["shown"].agg(
        lambda written: written.value_counts().index[0])  # as most often written
    out = [{"person": str(shown[key]), "clients": sorted(counts.loc[key].index), "messages": int(n)}
           for key, n in listed.items()]
    return sorted(out, key=lambda r: (-r["messages"], r["person"]))[:MAX_PEOPLE_LISTED]
