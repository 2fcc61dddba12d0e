"""Attribute each message to a client and a direction.

:func:`attribute` adds three columns to a copy of the messages frame:

- ``client``: the client's name, or None. It is set exactly when ``direction`` is
  ``from_client`` or ``from_agency``.
- ``client_domain``: the client's main domain (config: its first listed domain; inferred: the
  registrable domain seen in most of its messages), or the address of a free-mail person.
- ``direction``:

  ``from_client``  the sender is a client person (unless they wrote only to another client,
                   without the agency: that is ``other``);
  ``from_agency``  the sender is agency staff and some To/Cc is a client; the client is the
                   first client in To, else in Cc, in header order;
  ``internal``     agency sender and only agency recipients;
  ``other``        everything else: automated mail (newsletters, notifications, bounces,
                   auto-replies -- even from a client's people), unknown third parties,
                   client-to-client mail without the agency, mail with no recipients.

Who is agency and who is a client comes from the config (``[agency]`` and ``[clients."Name"]``
domains, subdomains included, and addresses; nobody else is a client) or, for whichever of
the two the config leaves out, is inferred as :mod:`analyzer.ingest.parties` describes.

A message is *automated* when it has a List-Id, an Auto-Submitted/Precedence hint other than
``no``, an auto-reply/bounce subject (Out of Office, Automatic reply, Abwesenheitsnotiz,
Réponse automatique, Undeliverable, ...) or a machine sender (no-reply@, notifications@,
mailer-daemon@, ...). Automated mail is always ``other`` and never counts as correspondence
when clients are inferred.

Per-address work runs over unique addresses; per-message work is numpy over integer arrays
(about 1.5 s for 100k messages on one core).
"""

from __future__ import annotations

import logging
import re
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.config import Config
from analyzer.errors import ConfigError, InputError
from analyzer.ingest.joint import thread_roots
from analyzer.ingest.message import column_array
from analyzer.ingest.parties import (
    Edges,
    address_table,
    infer_agency,
    infer_clients,
    match_domain,
    normalise_address,
)

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("from_address", "to_addresses", "cc_addresses")

#: Subjects of auto-replies and delivery reports (matched at the start, case-insensitive).
AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|ooo\b|automatic reply|auto(?:matic)?[- ]?(?:reply|response|antwort)"
    r"|autoreply|auto:|abwesenheit|abwesend|automatische antwort|r[ée]ponse automatique|absence du bureau"
    r"|respuesta autom[áa]tica|fuera de la oficina|risposta automatica|fuori sede|afwezig"
    r"|automatisch antwoord|undeliverable|undelivered mail|delivery status notification"
    r"|mail delivery failed|returned mail|failure notice|delivery failure)",
    re.IGNORECASE,
)

_AGENCY = -2  # code of the agency in the configured domain/address maps
_NONE = -1


def attribute(messages: pd.DataFrame, config: Config | None = None) -> pd.DataFrame:
    """Return a copy of ``messages`` with ``client``, ``client_domain`` and ``direction`` filled.

    ``messages`` is a messages frame (:mod:`analyzer.ingest.message`); only ``from_address``,
    ``to_addresses`` and ``cc_addresses`` are required, ``from_name``, ``subject``, ``list_id``
    and ``auto_submitted`` are used when present. The input is never modified (the index is
    kept). Deterministic: a row's result does not depend on the order of the rows.
    """
    if not isinstance(messages, pd.DataFrame):
        raise InputError(f"attribute() needs a messages DataFrame, not {type(messages).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in messages.columns]
    if missing:
        raise InputError(f"messages frame lacks column(s) {missing} needed for attribution")
    out = messages.copy()
    n = len(out)
    if n == 0:
        out["client"] = pd.Series([], dtype=object, index=out.index)
        out["client_domain"] = pd.Series([], dtype=object, index=out.index)
        out["direction"] = pd.Series([], dtype=object, index=out.index)
        return out

    edges, addresses = _edges(messages)
    extra_free = tuple(config.extra_freemail_domains) if config else ()
    addrs = address_table(addresses, extra_free)
    from_addr = np.full(n, -1, dtype=np.int64)
    sender = edges.role == 0
    from_addr[edges.row[sender]] = edges.addr[sender]
    automated = automated_messages(messages, addrs["automated"].to_numpy(), from_addr)
    usable = ~automated & (from_addr >= 0)
    from_names = _column(messages, "from_name")
    # the columns themselves: only the texts of client organisations' senders are taken, when their
    # names are looked for (parties._org_texts). A Python string for every message's texts cost about
    # 30 MB per 100k messages here, where a large run's main process peaks
    texts = tuple(messages[c].reset_index(drop=True) for c in ("signature", "new_text") if c in messages.columns)

    # threads join free-mail households into one client when the clients are inferred; asked only
    # for the free-mail people's messages
    threads = partial(thread_roots, messages)
    agency, names, domains = _parties(addrs, edges, usable, from_names, texts, threads, config)
    client_id, client_names = _client_ids(names)

    direction, msg_client = _directions(edges, from_addr, automated, agency, client_id)
    has = msg_client >= 0
    client_col = np.full(n, None, dtype=object)
    domain_col = np.full(n, None, dtype=object)
    client_col[has] = client_names[msg_client[has]]
    # client_domain: per matched address (a configured free-mail person keeps their address)
    addr_for_msg = _client_address(edges, from_addr, direction, client_id, msg_client)
    domain_col[has] = domains[addr_for_msg[has]]
    # object columns on purpose: every row refers to one of a few hundred shared name strings, 8 bytes
    # a row; an Arrow-backed string column would copy the name into every row (measured 60 bytes a
    # row at 500k), though DataFrame.memory_usage(deep=True) counts the shared strings once per row
    out["client"] = pd.Series(client_col, index=out.index, dtype=object)
    out["client_domain"] = pd.Series(domain_col, index=out.index, dtype=object)
    out["direction"] = pd.Series(direction, index=out.index, dtype=object)
    labels, counts = np.unique(direction.astype(str), return_counts=True)
    log.info("attribution: %s", {str(k): int(v) for k, v in zip(labels, counts, strict=True)})
    return out


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), "", dtype=object)
    return df[name].fillna("").astype(str).to_numpy(dtype=object)


def _edges(messages: pd.DataFrame) -> tuple[Edges, list[str]]:
    """Participants as integer arrays plus the list of normalised unique addresses."""
    n = len(messages)
    parts_row, parts_role, parts_raw = [np.arange(n)], [np.zeros(n, dtype=np.int8)], [messages["from_address"]]
    pos = [np.zeros(n, dtype=np.int64)]
    for role, col in ((1, "to_addresses"), (2, "cc_addresses")):
        rows, raw, at = _recipients(messages[col])
        parts_row.append(rows)
        parts_role.append(np.full(len(rows), role, dtype=np.int8))
        parts_raw.append(raw)
        pos.append(at)
    row = np.concatenate(parts_row)
    role = np.concatenate(parts_role)
    posa = np.concatenate(pos)
    codes, uniques = _factorize(parts_raw)
    del parts_raw
    norm = np.array([normalise_address(u) for u in uniques], dtype=object)
    ncodes, nuniques = pd.factorize(pd.Series(norm, dtype=object))
    addr = np.where(codes >= 0, ncodes[np.maximum(codes, 0)] if len(ncodes) else -1, -1)
    # the empty address is no participant
    empty = np.flatnonzero(np.asarray(nuniques, dtype=object) == "")
    keep = addr >= 0
    if len(empty):
        keep &= addr != empty[0]
    order = np.lexsort((posa[keep], role[keep], row[keep]))
    edges = Edges(row=row[keep][order], role=role[keep][order], pos=posa[keep][order],
                  addr=addr[keep][order].astype(np.int64), n_messages=n)
    return edges, [str(a) for a in nuniques]


def _factorize(parts: list) -> tuple[np.ndarray, list]:
    """``pd.factorize`` of the raw addresses of ``parts`` laid end to end (codes, -1 for a missing
    address; the distinct addresses in order of first appearance), done in Arrow when every part is
    text: a Python string per address (1.5 million at 500k messages) and pandas' hash table of them
    were the peak of attribution, where the detection workers are starting beside it."""
    try:
        raw = pa.concat_arrays([column_array(p, pa.string()) for p in parts])
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):  # a hand-made frame holding other objects
        codes, uniques = pd.factorize(pd.Series(np.concatenate(
            [np.asarray(p.to_numpy(dtype=object) if isinstance(p, pd.Series) else p, dtype=object) for p in parts]),
            dtype=object), use_na_sentinel=True)
        return codes, list(uniques)
    encoded = pc.dictionary_encode(raw)  # first appearance order, as pd.factorize; nulls stay null
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary.to_pylist()


def _recipients(col: pd.Series) -> tuple[np.ndarray, object, np.ndarray]:
    """(message row, raw address, position among the message's addresses) of every address in a
    recipients column. An Arrow-backed list column (the messages frame's) is flattened in Arrow and
    its addresses stay an Arrow array: its lists never become Python lists, which at the attribution
    stage, a large run's peak, were about as much memory again as the addresses themselves."""
    if isinstance(col.dtype, pd.ArrowDtype) and pa.types.is_list(col.dtype.pyarrow_dtype):
        arr = column_array(col)  # the column's own Arrow data (pandas' __arrow_array__)
        if len(arr) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64)
        rows = pc.list_parent_indices(arr).to_numpy().astype(np.int64)
        flat = pc.list_flatten(arr)
        valid = pc.is_valid(flat).to_numpy(zero_copy_only=False)
        rows, flat = rows[valid], flat.filter(pa.array(valid))
        starts = np.r_[0, np.flatnonzero(rows[1:] != rows[:-1]) + 1] if len(rows) else np.zeros(0, dtype=np.int64)
        at = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        return rows, flat, at.astype(np.int64)
    s = pd.Series(col.to_numpy(dtype=object), index=np.arange(len(col)))
    ex = s.explode()  # lists and arrays; a bare string stays one address
    ex = ex[ex.notna()]
    return (ex.index.to_numpy(dtype=np.int64), ex.to_numpy(dtype=object),
            ex.groupby(level=0).cumcount().to_numpy(dtype=np.int64))


def automated_messages(messages: pd.DataFrame, automated_addr: np.ndarray, from_addr: np.ndarray) -> np.ndarray:
    """Per message: True for bulk, list, auto-reply, bounce and machine-sender mail."""
    n = len(messages)
    flag = np.zeros(n, dtype=bool)
    list_id = _column(messages, "list_id")
    flag |= _per_unique(list_id, lambda v: bool(v.strip()))
    flag |= _per_unique(_column(messages, "auto_submitted"), lambda v: v.strip().lower() not in ("", "no"))
    flag |= _per_unique(_column(messages, "subject"), lambda v: AUTO_REPLY_SUBJECT.match(v) is not None)
    has_from = from_addr >= 0
    flag[has_from] |= automated_addr[from_addr[has_from]]
    return flag


def _per_unique(values: np.ndarray, test) -> np.ndarray:
    """``test`` applied once per distinct value, broadcast back to every row."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    hits = np.fromiter((test(str(u)) for u in uniques), dtype=bool, count=len(uniques))
    return hits[codes] if len(uniques) else np.zeros(len(values), dtype=bool)


def _parties(addrs, edges, usable, from_names, texts, threads, config):
    """(agency mask, client name per address, client_domain per address)."""
    names = np.full(len(addrs), None, dtype=object)
    domains = np.full(len(addrs), None, dtype=object)
    configured = np.full(len(addrs), _NONE, dtype=np.int64)
    if config is not None and (config.has_agency or config.clients):
        configured = _configured_codes(addrs, config)
    if config is not None and config.has_agency:
        agency = configured == _AGENCY
    else:
        agency = infer_agency(addrs, edges, usable, exclude=configured >= 0)
    if config is not None and config.clients:
        is_client = (configured >= 0) & ~agency
        specs = config.clients
        for i in np.flatnonzero(is_client):
            spec = specs[configured[i]]
            names[i] = spec.name
            domains[i] = spec.domains[0] if spec.domains else addrs["address"].iat[i]
    else:
        names, domains = infer_clients(addrs, edges, usable, agency, from_names, texts, threads)
    return agency, names, domains


def _configured_codes(addrs: pd.DataFrame, config: Config) -> np.ndarray:
    """Per address: _AGENCY, a client index, or _NONE. Addresses beat domains; longest domain wins."""
    by_addr: dict[str, int] = {a: _AGENCY for a in config.agency_addresses}
    by_domain: dict[str, int] = {d: _AGENCY for d in config.agency_domains}
    for i, spec in enumerate(config.clients):
        for a in spec.addresses:
            if by_addr.get(a, i) != i:
                other = "the agency" if by_addr[a] == _AGENCY else repr(config.clients[by_addr[a]].name)
                raise ConfigError(f"address {a} is configured for both {spec.name!r} and {other}")
            by_addr[a] = i
        for d in spec.domains:
            if by_domain.get(d, i) != i:
                other = "the agency" if by_domain[d] == _AGENCY else repr(config.clients[by_domain[d]].name)
                raise ConfigError(f"domain {d} is configured for both {spec.name!r} and {other}")
            by_domain[d] = i
    codes = np.full(len(addrs), _NONE, dtype=np.int64)
    domain_hit: dict[str, int] = {}
    for i, (address, domain) in enumerate(zip(addrs["address"], addrs["domain"], strict=True)):
        if address in by_addr:
            codes[i] = by_addr[address]
        elif domain:
            if domain not in domain_hit:
                domain_hit[domain] = match_domain(domain, by_domain)
            codes[i] = domain_hit[domain]
    return codes


def _client_ids(names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Client name per address -> (client id per address or -1, client names by id)."""
    ids, uniques = pd.factorize(pd.Series(names, dtype=object), use_na_sentinel=True)
    return ids.astype(np.int64), np.asarray(uniques, dtype=object)


def _directions(edges: Edges, from_addr, automated, agency, client_id):
    """Vectorised direction and client id per message (see the module docstring)."""
    n = edges.n_messages
    rcpt = edges.is_recipient
    r_row, r_addr = edges.row[rcpt], edges.addr[rcpt]
    r_agency = agency[r_addr]
    r_client = client_id[r_addr]
    n_rcpt = np.bincount(r_row, minlength=n)
    has_agency_rcpt = np.bincount(r_row[r_agency], minlength=n) > 0
    n_outside_rcpt = np.bincount(r_row[~r_agency], minlength=n)

    has_from = from_addr >= 0
    sender_agency = np.zeros(n, dtype=bool)
    sender_agency[has_from] = agency[from_addr[has_from]]
    sender_client = np.full(n, -1, dtype=np.int64)
    sender_client[has_from] = client_id[from_addr[has_from]]

    # first client among the recipients, To before Cc, header order (edges are sorted)
    first_client = np.full(n, -1, dtype=np.int64)
    is_c = r_client >= 0
    rows_c, idx = np.unique(r_row[is_c], return_index=True)
    first_client[rows_c] = r_client[is_c][idx]
    # a client recipient other than the sender's own client
    other_client = is_c & (r_client != sender_client[r_row])
    to_other_client = np.bincount(r_row[other_client], minlength=n) > 0

    direction = np.full(n, "other", dtype=object)
    client = np.full(n, -1, dtype=np.int64)
    live = ~automated
    fc = live & (sender_client >= 0) & ~(~has_agency_rcpt & to_other_client)
    direction[fc] = "from_client"
    client[fc] = sender_client[fc]
    fa = live & sender_agency & (first_client >= 0)
    direction[fa] = "from_agency"
    client[fa] = first_client[fa]
    internal = live & sender_agency & (first_client < 0) & (n_rcpt > 0) & (n_outside_rcpt == 0)
    direction[internal] = "internal"
    return direction, client


def _client_address(edges: Edges, from_addr, direction, client_id, msg_client) -> np.ndarray:
    """Per message: the address whose client the message got (sender, or first client recipient)."""
    n = edges.n_messages
    out = np.zeros(n, dtype=np.int64)
    fc = direction == "from_client"
    out[fc] = from_addr[fc]
    rcpt = edges.is_recipient
    r_row, r_addr = edges.row[rcpt], edges.addr[rcpt]
    hit = client_id[r_addr] == msg_client[r_row]
    hit &= (direction[r_row] == "from_agency") & (msg_client[r_row] >= 0)
    rows, idx = np.unique(r_row[hit], return_index=True)
    out[rows] = r_addr[hit][idx]
    return out
