"""Who is who in a mailbox: addresses -> organisations, the agency side, and the clients.

Everything here works on the *unique* addresses of a mailbox (thousands, not the 100k+
messages), plus integer "edge" arrays built by :mod:`analyzer.ingest.attribution`
(one edge per message and participant, role 0 = From, 1 = To, 2 = Cc), so the per-message
work stays vectorised.

Organisations. An address's *registrable domain* is its domain reduced with the public
suffix list (``tldextract`` with its bundled snapshot, never fetched: ``mail.northwind.co.uk``
-> ``northwind.co.uk``). The *organisation key* of an address is the registrable name
(``northwind``), so ``northwind.com`` and ``northwind.co.uk`` are one organisation. People on
free-mail domains (``freemail.txt``: gmail.com, hotmail.*, ...) are their own organisation: their
key is the address itself.

Inference without a config (:func:`infer_agency`, :func:`infer_clients`):

- the agency is the organisation present (as sender or recipient) in the most messages that
  are not automated; a free-mail address wins only if it is in strictly more messages than
  any organisation (a freelancer running the mailbox from gmail);
- a client is any other organisation (or free-mail address) that corresponds with the agency
  both ways in mail that is not automated: someone there wrote to the agency AND the agency
  wrote to someone there. Newsletters, notifications and auto-replies never count as the
  inbound half, so a one-way sender is never a client;
- client keys that write together in several messages are one client (:mod:`analyzer.ingest.joint`:
  a couple on two gmail addresses, a company and its acquirer's domain).

Names without a config: an organisation is named as its people spell it in their signatures
and new text (``fernhillbrewing.co.uk`` -> "Fernhill Brewing"), else from the domain
(``northwind`` -> "Northwind"); a free-mail person by their From display name, else the
address. Colliding names get their main domain or address appended: "Sam Lee (sam@gmail.com)".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from analyzer.ingest.joint import joint_clients
from analyzer.ingest.message import column_array

log = logging.getLogger(__name__)

FREEMAIL_FILE = Path(__file__).with_name("freemail.txt")

#: Local parts of machine senders (no-reply, notifications, bounces, ...). Matched on the
#: whole local part, optionally followed by a ``-``/``+``/``.``/``_`` tail (``bounces+123``).
AUTOMATED_LOCAL = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply|notifications?|notify|notifier"
    r"|mailer[-_.]?daemon|postmaster|bounces?|newsletters?|news|alerts?|digest|automated"
    r"|auto[-_.]?confirm|unsubscribe|listserv|majordomo|mailman|calendar[-_.]?notification)"
    r"(?:[-+._].*)?$"
)


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    # bundled public-suffix snapshot only: no network fetch, no cache written to disk
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


@cache
def load_freemail(extra: tuple[str, ...] = ()) -> tuple[frozenset[str], frozenset[str]]:
    """Free-mail domains from ``freemail.txt`` plus ``extra``: (exact domains, wildcard names).

    A line ``hotmail.*`` becomes the wildcard name ``hotmail`` (any public suffix).
    """
    exact: set[str] = set()
    names: set[str] = set()
    lines = FREEMAIL_FILE.read_text(encoding="utf-8").splitlines()
    for line in [*lines, *extra]:
        entry = line.split("#", 1)[0].strip().lower().lstrip("@")
        if not entry:
            continue
        if entry.endswith(".*"):
            names.add(entry[:-2])
        else:
            exact.add(entry)
    return frozenset(exact), frozenset(names)


def normalise_address(raw: object) -> str:
    """``' Jo <JO@X.COM> '`` -> ``'jo@x.com'``; anything without a usable ``@`` -> ``''``."""
    if not isinstance(raw, str):
        return ""
    s = raw.strip()
    if "<" in s and ">" in s:
        s = s[s.rfind("<") + 1 : s.rfind(">")]
    s = s.strip().strip("<>\"' ").lower().rstrip(".")
    local, at, domain = s.rpartition("@")
    if not at or not local or ("." not in domain and domain != "localhost"):
        return ""
    return s


def registrable(domain: str) -> tuple[str, str]:
    """Domain -> (registrable domain, registrable name): ``mail.acme.co.uk`` -> (``acme.co.uk``, ``acme``)."""
    if not domain:
        return "", ""
    r = _extractor()(domain)
    if r.domain and r.suffix:
        return f"{r.domain}.{r.suffix}", r.domain
    return domain, domain  # an IP, "localhost", an unknown suffix: keep the domain as is


def address_table(addresses: Iterable[str], extra_freemail: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per normalised address (in the given order) with what it says about its owner.

    Columns: ``address``, ``domain``, ``registrable``, ``freemail`` (bool), ``automated``
    (machine local part, bool) and ``org`` (organisation key: the registrable name, or the
    address itself for free-mail, ``''`` when there is no address).
    """
    exact, names = load_freemail(tuple(sorted(extra_freemail)))
    rows = []
    reg_cache: dict[str, tuple[str, str]] = {}
    for addr in addresses:
        local, _, domain = addr.rpartition("@")
        if domain not in reg_cache:
            reg_cache[domain] = registrable(domain)
        reg, name = reg_cache[domain]
        free = bool(domain) and (domain in exact or reg in exact or name in names)
        org = "" if not addr else (addr if free else name)
        rows.append((addr, domain, reg, free, bool(AUTOMATED_LOCAL.match(local)), org))
    table = pd.DataFrame(rows, columns=["address", "domain", "registrable", "freemail", "automated", "org"])
    return table.astype({"freemail": bool, "automated": bool})


def match_domain(domain: str, domains: dict[str, int]) -> int:
    """Index of the longest configured domain that ``domain`` equals or is a subdomain of, else -1."""
    parts = domain.split(".")
    for i in range(len(parts) - 1):
        hit = domains.get(".".join(parts[i:]))
        if hit is not None:
            return hit
    return -1


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|&")


#: Every byte but 0-9 and a-z: what :func:`_squashed` deletes.
_DROP = bytes(b for b in range(256) if not (48 <= b <= 57 or 97 <= b <= 122))


def _squashed(text: str) -> str:
    """``text`` casefolded with everything but 0-9 and a-z dropped: ``re.sub("[^0-9a-z]", "", text.casefold())``
    at C speed (the bytes' translate instead of a regular expression: a third of attribution's time
    went to the substitution on 100k realistic messages)."""
    return text.casefold().encode("ascii", "ignore").translate(None, _DROP).decode("ascii")


@lru_cache(maxsize=1 << 16)
def _squash(word: str) -> str:
    """A word as it counts in a squashed name (cached: mail repeats its words)."""
    return "and" if word == "&" else _squashed(word)


def name_in_texts(label: str, texts: Iterable[str], max_words: int = 6) -> str | None:
    """How the people of an organisation write its name: ``fernhillbrewing`` -> ``Fernhill Brewing``.

    Looks in ``texts`` (their signatures and new text) for runs of up to ``max_words`` words,
    the first capitalised, that spell the registrable name when squashed (case, punctuation
    and spaces dropped, ``&`` read as "and": ``Maple & Stone`` spells ``mapleandstone``).
    The most frequent spelling wins (ties: more words, then alphabetical); None if none.
    """
    target = _squashed(label)
    if not target:
        return None
    seen: dict[str, int] = {}
    for text in texts:
        # a spelling squashes to the target, and the text squashed as a whole holds every run of its
        # words squashed (words hold no spaces, what lies between them squashes to nothing): most
        # texts never name the organisation and are passed over at C speed
        if target not in _squashed(text.replace("&", "and")):
            continue
        words = _WORD.findall(text)
        for i, first in enumerate(words):
            if not first[:1].isupper():
                continue
            head = _squash(first)
            if not head or not target.startswith(head):
                continue
            acc = ""
            for j in range(i, min(i + max_words, len(words))):
                acc += _squash(words[j])
                if acc == target:
                    spelled = " ".join(words[i : j + 1])
                    seen[spelled] = seen.get(spelled, 0) + 1
                    break
                if not target.startswith(acc):
                    break
    if not seen:
        return None
    return min(seen, key=lambda k: (-seen[k], -k.count(" "), k))


def readable_name(label: str) -> str:
    """Registrable name -> a client name: ``northwind`` -> ``Northwind``, ``blue-harbor`` -> ``Blue Harbor``."""
    parts = [p for p in re.split(r"[-_.]+", label) if p]
    return " ".join(p.upper() if len(p) <= 3 and p.isalpha() else p[:1].upper() + p[1:] for p in parts) or label


@dataclass(frozen=True)
class Edges:
    """Participants of each message as parallel integer arrays (see the module docstring).

    ``row``: message position; ``role``: 0 From, 1 To, 2 Cc; ``pos``: position in its header;
    ``addr``: index into the address table. Sorted by (row, role, pos).
    """

    row: np.ndarray
    role: np.ndarray
    pos: np.ndarray
    addr: np.ndarray
    n_messages: int

    @property
    def is_recipient(self) -> np.ndarray:
        return self.role > 0


def infer_agency(addrs: pd.DataFrame, edges: Edges, usable: np.ndarray, exclude: np.ndarray) -> np.ndarray:
    """Boolean mask over ``addrs``: the addresses of the mailbox owner's side.

    ``usable`` (per message) marks mail that is not automated; ``exclude`` (per address) marks
    addresses that may not be the agency (configured clients). The agency is the organisation
    key present in the most usable messages (ties: alphabetical), or a single free-mail address
    if it is present in strictly more.
    """
    keep = usable[edges.row] & ~exclude[edges.addr] & (addrs["org"].to_numpy()[edges.addr] != "")
    if not keep.any():  # nothing usable: count every message
        keep = ~exclude[edges.addr] & (addrs["org"].to_numpy()[edges.addr] != "")
    if not keep.any():
        return np.zeros(len(addrs), dtype=bool)
    org = addrs["org"].to_numpy()[edges.addr[keep]]
    free = addrs["freemail"].to_numpy()[edges.addr[keep]]
    pairs = pd.DataFrame({"row": edges.row[keep], "org": org, "free": free}).drop_duplicates(["row", "org"])
    counts = pairs.groupby(["free", "org"]).size().reset_index(name="n")
    counts = counts.sort_values(["n", "org"], ascending=[False, True])
    orgs, people = counts[~counts["free"]], counts[counts["free"]]
    if len(orgs) and (not len(people) or orgs["n"].iloc[0] >= people["n"].iloc[0]):
        key, n = orgs["org"].iloc[0], orgs["n"].iloc[0]
    else:
        key, n = people["org"].iloc[0], people["n"].iloc[0]
    mask = (addrs["org"].to_numpy() == key) & ~exclude
    doms = sorted(set(addrs.loc[mask, "registrable"]))
    log.info("inferred agency %r (%d of %d messages): domains %s", key, n, edges.n_messages, doms)
    return mask


def infer_clients(
    addrs: pd.DataFrame,
    edges: Edges,
    usable: np.ndarray,
    agency: np.ndarray,
    from_names: np.ndarray,
    texts: tuple[np.ndarray, ...] = (),
    threads: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per address: (client name or None, client_domain or None) for two-way correspondents.

    ``from_names`` holds each message's From display name (free-mail clients are named by it);
    ``texts`` per-message text columns (signature, new text), as Series read by position, where an
    organisation's people spell its name (:func:`name_in_texts`; without it the name comes from the
    domain: :func:`readable_name`); ``threads`` gives message positions their thread codes
    (:func:`analyzer.ingest.joint.thread_roots`), with which free-mail people who share a surname
    and a thread are one client.
    """
    org = addrs["org"].to_numpy()
    n_msg = edges.n_messages
    rcpt = edges.is_recipient
    agency_edge = agency[edges.addr]
    has_agency_rcpt = np.bincount(edges.row[rcpt & agency_edge], minlength=n_msg) > 0
    sender_agency = np.zeros(n_msg, dtype=bool)
    sender_agency[edges.row[~rcpt & agency_edge]] = True
    outside = ~agency_edge & (org[edges.addr] != "")

    inbound_edges = ~rcpt & outside & usable[edges.row] & has_agency_rcpt[edges.row]
    outbound_edges = rcpt & outside & usable[edges.row] & sender_agency[edges.row]
    keys = sorted(set(org[edges.addr[inbound_edges]]) & set(org[edges.addr[outbound_edges]]))
    names = np.full(len(addrs), None, dtype=object)
    domains = np.full(len(addrs), None, dtype=object)
    if not keys:
        log.info("inferred no clients")
        return names, domains

    # client_domain of an organisation: its registrable domain seen in the most messages
    involved = pd.DataFrame({"row": edges.row, "addr": edges.addr})
    involved["org"] = org[edges.addr]
    involved = involved[involved["org"].isin(keys)]
    involved["reg"] = addrs["registrable"].to_numpy()[involved["addr"].to_numpy()]
    reg_n = involved.drop_duplicates(["row", "reg"]).groupby(["org", "reg"]).size().reset_index(name="n")
    main = reg_n.sort_values(["n", "reg"], ascending=[False, True]).drop_duplicates("org").set_index("org")["reg"]
    merged = reg_n.groupby("org")["reg"].nunique()
    for key in merged[merged > 1].index:
        log.info("merged domains of one registrable name %r: %s", key, sorted(reg_n.loc[reg_n["org"] == key, "reg"]))

    # free-mail people: named by their most frequent From display name
    sent = edges.addr[~rcpt]
    person = pd.DataFrame({"org": org[sent], "name": from_names[edges.row[~rcpt]]})
    person["name"] = person["name"].fillna("").astype(str).str.strip().str.strip("\"'").str.strip()
    person = person[person["org"].isin(keys) & person["org"].str.contains("@", regex=False) & (person["name"] != "")]
    person = person.groupby(["org", "name"]).size().reset_index(name="n")
    display = person.sort_values(["n", "name"], ascending=[False, True]).drop_duplicates("org").set_index("org")["name"]

    # keys that write together, and free-mail households: one client
    group = joint_clients(keys, org, edges.row, edges.addr, usable, sent=~rcpt, from_names=from_names, threads=threads)
    heads = [k for k in keys if group[k] == k]
    spelled = _org_texts(heads, org, edges, usable, texts)
    label: dict[str, str] = {}
    main_domain: dict[str, str] = {}
    for key in heads:
        if "@" in key:
            label[key], main_domain[key] = str(display.get(key, key)), key
        else:
            found = name_in_texts(key, spelled.get(key, ()))
            label[key], main_domain[key] = found or readable_name(key), str(main[key])
    by_name: dict[str, list[str]] = {}
    for key in heads:
        by_name.setdefault(label[key].casefold(), []).append(key)
    for same in by_name.values():
        if len(same) > 1:  # disambiguate collisions with the client's main domain / address
            for key in same:
                label[key] = f"{label[key]} ({main_domain[key]})"
    for key in keys:
        label[key], main_domain[key] = label[group[key]], main_domain[group[key]]
    is_client = pd.Series(org).isin(keys).to_numpy() & ~agency
    names[is_client] = [label[k] for k in org[is_client]]
    domains[is_client] = [main_domain[k] for k in org[is_client]]
    log.info("inferred %d clients (%d free-mail people)", len(heads), sum("@" in k for k in heads))
    return names, domains


def _org_texts(keys, org, edges: Edges, usable, texts, per_org: int = 200) -> "_OrgTexts | dict":
    """Up to ``per_org`` distinct texts written by each organisation's people (each text column in
    turn), as a mapping read with ``.get(org, default)`` (:class:`_OrgTexts`)."""
    if not len(texts):
        return {}
    sent = ~edges.is_recipient & usable[edges.row]
    orgs = [k for k in keys if "@" not in k]
    senders = pd.DataFrame({"org": org[edges.addr[sent]], "row": edges.row[sent]})
    senders = senders[senders["org"].isin(orgs)]
    codes, names = pd.factorize(senders["org"])
    order = np.argsort(codes, kind="stable")  # each organisation's rows together, in edge order
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    rows = pa.array(senders["row"].to_numpy()[order], type=pa.int64())
    # one Arrow array per text column, organisation after organisation: each then reads a slice
    columns = [_text_array(col).take(rows) for col in texts]
    spans = {name: (int(bounds[i]), int(bounds[i + 1])) for i, name in enumerate(names)}
    return _OrgTexts(spans, columns, per_org)


def _text_array(column: pd.Series) -> pa.Array:
    """A text column as one Arrow string array: as the frame holds it (a run's frame: Arrow strings),
    or, for a column of other values (a frame built by hand), each value as ``str`` and missing as ""."""
    try:
        return column_array(column, pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(column.fillna("").astype(str).tolist(), type=pa.large_string())


class _OrgTexts:
    """Per organisation, its first ``per_org`` distinct non-blank texts: each text column in turn,
    its rows in order. An organisation's texts become Python strings only when it is asked for: the
    columns stay as the frame holds them (Arrow). A Python string for every client sender's message
    was the largest transient of a large run's attribution: with this, the main process of a
    500k-message bulk run peaked there about 120 MiB lower (``bench/trace_run.py``)."""

    def __init__(self, spans: dict, columns: list, per_org: int) -> None:
        self._spans, self._columns, self._per_org = spans, columns, per_org

    def get(self, key, default=()):
        span = self._spans.get(key)
        if span is None:
            return default
        start, end = span
        out: list[str] = []
        seen: set[str] = set()
        for col in self._columns:
            for text in col.slice(start, end - start).to_pylist():
                text = text if isinstance(text, str) else ""
                if text in seen or not text.strip():
                    continue
                seen.add(text)
                out.append(text)
                if len(out) == self._per_org:
                    return out
        return out
