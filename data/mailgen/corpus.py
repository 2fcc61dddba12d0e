"""Whole corpora: :func:`generate_corpus` (labelled mailbox + truth + config) and the bulk stream.

A :class:`Corpus` holds the rendered messages in date order, the truth table (one row per client,
designed depth at the end of the period, tier, trend, archetype, depth per quarter), the non-client
senders, the analyzer config as a dict, and ``message_truth`` (one row per message: client, side,
thread kind, who started the thread, the signal labels its new text carries).  Everything is a pure
function of the seed (``random.Random`` seeded with strings, no wall clock, no ``hash()``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as DEFAULT_POLICY
from functools import cached_property

import pandas as pd

from mailgen.behaviour import ARCHETYPES, Profile, design_profile, design_profiles, tier
from mailgen.extras import extra_specs, nonclient_rows
from mailgen.people import AGENCY_DOMAIN, Client, agency_staff, make_client, make_clients, synthetic_spec
from mailgen.render import render_bytes
from mailgen.threads import ClientSimulation, MessageSpec, month_starts

DEFAULT_END = date(2026, 9, 30)
TRUTH_COLUMNS = ("client", "domains", "addresses", "depth", "tier", "trend", "archetype", "depth_by_quarter",
                 "quarters", "n_messages")


@dataclass
class Corpus:
    """A generated mailbox; ``raw`` holds the message bytes, ``messages`` parses them on first use."""

    seed: int
    start: date
    end: date
    raw: list[bytes]
    truth: pd.DataFrame
    config: dict
    nonclients: pd.DataFrame
    message_truth: pd.DataFrame
    clients: list[Client] = field(default_factory=list, repr=False)

    @cached_property
    def messages(self) -> list[EmailMessage]:
        """The messages as ``EmailMessage`` (stdlib default policy), in date order."""
        parser = BytesParser(policy=DEFAULT_POLICY)
        return [parser.parsebytes(b) for b in self.raw]


def quarters(start: date, end: date) -> list[tuple[str, date, date]]:
    """Calendar quarters overlapping [start, end] as (label, first day, last day)."""
    out = []
    y, q = start.year, (start.month - 1) // 3
    while date(y, q * 3 + 1, 1) <= end:
        first = date(y, q * 3 + 1, 1)
        nxt = date(y + (q == 3), (q + 1) % 4 * 3 + 1, 1)
        out.append((f"{y}Q{q + 1}", first, date.fromordinal(nxt.toordinal() - 1)))
        y, q = (y + 1, 0) if q == 3 else (y, q + 1)
    return out


def _truth_row(client: Client, profile: Profile, start: date, end: date, n_messages: int) -> dict:
    span = (end - start).days or 1
    by_q = []
    qs = quarters(start, end)
    for _, q0, q1 in qs:
        mid = max(q0, start).toordinal() + (min(q1, end).toordinal() - max(q0, start).toordinal()) / 2
        frac = (mid - start.toordinal()) / span
        active_end = (min(q1, end).toordinal() - start.toordinal()) / span
        by_q.append("" if active_end <= profile.active_from else f"{profile.depth_at(frac):.1f}")
    return {
        "client": client.name,
        "domains": "" if client.freemail else ";".join(client.domains),
        "addresses": ";".join(client.addresses),
        "depth": round(profile.depth_end, 1),
        "tier": tier(profile.depth_end),
        "trend": profile.trend,
        "archetype": profile.archetype,
        "depth_by_quarter": ";".join(by_q),
        "quarters": ";".join(q for q, _, _ in qs),
        "n_messages": n_messages,
    }


def _client_config(client: Client) -> dict:
    return {"addresses": list(client.addresses)} if client.freemail else {"domains": list(client.domains)}


def _render_all(specs: list[MessageSpec], rng: random.Random) -> list[tuple[MessageSpec, bytes]]:
    for s in specs:  # the Date header has whole seconds; keep the truth tables identical to it
        s.date = s.date.replace(microsecond=0)
    specs = sorted(specs, key=lambda s: (s.date.astimezone(UTC), s.msg_id))
    texts: dict[str, str] = {}
    out = []
    for s in specs:
        parent_text = texts.get(s.parent.msg_id) if s.parent is not None else None
        msg, full = render_bytes(s, parent_text, rng)
        texts[s.msg_id] = full
        out.append((s, msg))
    return out


def _message_row(s: MessageSpec, initiators: dict[str, str]) -> dict:
    return {
        "message_id": s.msg_id, "date": s.date.astimezone(UTC).isoformat(), "client": s.client,
        "category": "auto_reply" if s.auto else s.category, "side": s.side, "kind": s.kind, "thread": s.thread,
        "thread_initiator": initiators.get(s.thread, s.side), "sender": s.sender.address,
        "labels": ";".join(s.labels),
    }


def generate_corpus(seed: int, n_clients: int = 12, months: int = 18, end: date = DEFAULT_END,
                    extras: bool = True, volume: float = 1.0, behaviour: str = "tied") -> Corpus:
    """Generate a labelled agency mailbox with ``n_clients`` clients over ``months`` months ending at ``end``.

    With n_clients >= 3 it always contains a client on two domains, a German-quoting client and a
    free-mail (gmail) client; with n_clients >= 10 every mixed archetype appears.  ``volume`` scales
    how many threads every client has (1.0: about 100-250 messages per client over 18 months).
    ``behaviour``: how the clients' behaviour follows their depth ("tied", "unrelated", "misleading";
    see :class:`~mailgen.behaviour.Profile`); what they write always follows it.
    """
    if n_clients < 1 or months < 1:
        raise ValueError("n_clients and months must be at least 1")
    start = month_starts(end, months)[0]
    staff = agency_staff()
    clients = make_clients(seed, n_clients)
    profiles = [replace(p, volume=p.volume * volume) for p in design_profiles(seed, n_clients, behaviour)]
    specs: list[MessageSpec] = []
    counts = []
    for client, profile in zip(clients, profiles):
        sim = ClientSimulation(client, profile, staff, start, end, random.Random(f"{seed}:sim:{client.index}"))
        got = sim.run()
        counts.append(len(got))
        specs.extend(got)
    if extras:
        specs.extend(extra_specs(seed, clients, staff, start, end, scale=min(1.0, n_clients / 10)))
    rendered = _render_all(specs, random.Random(f"{seed}:render"))
    initiators = {s.thread: s.side for s, _ in reversed(rendered) if s.parent is None}
    truth = pd.DataFrame([_truth_row(c, p, start, end, n) for c, p, n in zip(clients, profiles, counts)],
                         columns=list(TRUTH_COLUMNS))
    config = {"agency": {"domains": [AGENCY_DOMAIN]}, "clients": {c.name: _client_config(c) for c in clients}}
    return Corpus(
        seed=seed, start=start, end=end, raw=[m for _, m in rendered], truth=truth, config=config,
        nonclients=pd.DataFrame(nonclient_rows(staff), columns=["address", "kind"]),
        message_truth=pd.DataFrame([_message_row(s, initiators) for s, _ in rendered]),
        clients=clients,
    )


def iter_bulk_messages(seed: int, n_messages: int, months: int = 18, end: date = DEFAULT_END,
                       block: int = 20) -> Iterator[EmailMessage]:
    """Stream ``n_messages`` messages (as ``EmailMessage``) from many generated clients."""
    parser = BytesParser(policy=DEFAULT_POLICY)
    for raw in iter_bulk_raw(seed, n_messages, months, end, block):
        yield parser.parsebytes(raw)


def iter_bulk_raw(seed: int, n_messages: int, months: int = 18, end: date = DEFAULT_END,
                  block: int = 20) -> Iterator[bytes]:
    """Stream ``n_messages`` raw messages (bytes, LF line ends); see :func:`iter_bulk_specs`."""
    for _, raw in iter_bulk_specs(seed, n_messages, months, end, block):
        yield raw


def iter_bulk_specs(seed: int, n_messages: int, months: int = 18, end: date = DEFAULT_END,
                    block: int = 20) -> Iterator[tuple[MessageSpec, bytes]]:
    """Stream ``n_messages`` raw messages from many generated clients, ``block`` clients at a time.

    Memory is bounded by one block (a few thousand messages); messages are in date order within a
    block.  Same rendering as :func:`generate_corpus`.
    """
    start = month_starts(end, months)[0]
    staff = agency_staff()
    made = 0
    b = 0
    while made < n_messages:
        rng = random.Random(f"{seed}:bulk:{b}")
        clients, specs = [], []
        for i in range(block):
            idx = b * block + i
            client = make_client(random.Random(f"{seed}:bulkclient:{idx}"), synthetic_spec(rng, idx), idx)
            profile = design_profile(rng, rng.choice(ARCHETYPES))
            specs.extend(ClientSimulation(client, profile, staff, start, end,
                                          random.Random(f"{seed}:bulksim:{idx}")).run())
            clients.append(client)
        specs.extend(extra_specs(f"{seed}:{b}", clients, staff, start, end, scale=0.3))
        for spec, raw in _render_all(specs, random.Random(f"{seed}:bulkrender:{b}")):
            if made >= n_messages:
                return
            yield spec, raw
            made += 1
        b += 1

