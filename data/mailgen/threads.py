"""Simulate the correspondence with one client: threads, who writes, when, to whom.

Time runs month by month over the period.  In each month the client's designed depth sets how many
threads start, who starts them, whether the month is silent, and (through
:class:`~mailgen.behaviour.Profile`) reply latencies, reply chances, thread length and senior people
in copy.  Agency status updates follow their own cadence; invoices come monthly.  The output is a list
of :class:`MessageSpec` (not yet rendered to email), with thread links set.

Every depth-driven draw (silent months, threads per month, who starts a thread and what about,
replies, seniors in copy, signal sentences) goes through one :class:`~mailgen.dither.Dither` per
client, so the realised behaviour of each quarter follows that quarter's designed depth up to modest
noise, even in a quarter with a dozen threads; reply delays have a bounded spread.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailgen import compose
from mailgen import logistics_phrases as lp
from mailgen.behaviour import Profile
from mailgen.dither import Dither
from mailgen.people import AGENCY_SHORT, Client, Person
from mailgen.template import DELIVERABLES, PROJECTS, Context, expand

AFTER_HOURS = {"mobile": 0.35, "chatty": 0.12}


@dataclass
class MessageSpec:
    """One message before rendering: who, when, what (new text only) and the truth about it."""

    msg_id: str
    date: datetime  # aware, in the sender's time zone
    sender: Person
    to: list[Person]
    cc: list[Person]
    subject: str
    text: str
    labels: tuple[str, ...] = ()
    kind: str = ""
    category: str = "client"  # client | newsletter | notification | internal | cold_outreach
    client: str | None = None
    side: str = "client"  # client | agency | other
    thread: str = ""
    parent: MessageSpec | None = None
    auto: bool = False
    quote_style: str = "gmail"
    html_mode: str = "plain"
    attachment: str | None = None  # kind of small attachment: pdf | csv | png
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None  # ready-made HTML (newsletters)
    company: str = ""


def new_id(rng: random.Random, domain: str) -> str:
    return f"<{rng.getrandbits(64):016x}.{rng.getrandbits(20):05x}@{domain}>"


def business_time(when_utc: datetime, person: Person, rng: random.Random) -> datetime:
    """Shift a moment into the sender's working hours unless they are an out-of-hours writer."""
    local = when_utc.astimezone(ZoneInfo(person.tz))
    if local.weekday() < 5 and 8 <= local.hour < 19:
        return local
    if rng.random() < AFTER_HOURS.get(person.register, 0.05):
        return local
    day = local.date() + timedelta(days=1 if local.hour >= 8 else 0)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    minutes = rng.randint(0, 150) + (rng.randint(0, 420) if rng.random() < 0.5 else 0)
    return datetime.combine(day, time(8, 0), ZoneInfo(person.tz)) + timedelta(minutes=minutes)


def month_starts(end: date, months: int) -> list[date]:
    y, m = end.year, end.month
    out = []
    for _ in range(months):
        out.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


class ClientSimulation:
    """Generates all client correspondence for one client; ``run()`` returns the message specs."""

    def __init__(self, client: Client, profile: Profile, staff: list[Person], start: date, end: date,
                 rng: random.Random):
        self.client, self.profile, self.staff, self.rng = client, profile, staff, rng
        self.dither = Dither(rng)
        self.start = datetime.combine(start, time(0), UTC)
        self.end = datetime.combine(end, time(23, 59), UTC)
        self.span = (self.end - self.start).total_seconds()
        self.lead = rng.choice((staff[1], staff[2])) if profile.depth_end >= 60 else rng.choice((staff[1], staff[2], staff[4]))
        self.md, self.creative, self.finance = staff[0], staff[3], staff[5]
        self.out: list[MessageSpec] = []
        self.n_threads = 0
        self.thread_sizes: dict[str, int] = {}
        self.thread_values: dict[str, dict[str, str]] = {}

    # --- helpers ------------------------------------------------------------------------------
    def frac(self, when: datetime) -> float:
        return min(1.0, max(0.0, (when - self.start).total_seconds() / self.span))

    def depth(self, when: datetime) -> float:
        return self.profile.depth_at(self.frac(when)) / 100.0

    def ctx(self, values: dict[str, str], when: datetime) -> Context:
        c = self.client
        return Context(self.rng, values, c.currency, c.british, when.date(), dither=self.dither)

    def pick_client_sender(self, kind: str, d: float) -> Person:
        roles = self.profile.active_roles(d)
        c = self.client
        if kind in ("supplier_admin",) or (kind == "invoice" and d < 0.4):
            return c.contact("finance") or c.people[0]
        if "exec" in roles and (kind in ("strategic", "referral") or self.rng.random() < 0.12):
            return c.contact("exec") or c.people[0]
        if "colleague" in roles and self.rng.random() < 0.2:
            return c.contact("colleague") or c.people[0]
        return c.people[0]

    def pick_agency_sender(self, kind: str, d: float) -> Person:
        r = self.rng
        if kind == "invoice":
            return self.finance
        if kind == "review" and r.random() < 0.3:
            return self.creative
        if kind in ("agency_apology", "feedback_request", "strategic") and d > 0.6 and r.random() < 0.5:
            return self.md
        return self.lead

    def client_cc(self, sender: Person, d: float) -> list[Person]:
        cc = []
        execp = self.client.contact("exec")
        if execp and execp is not sender and d >= 0.4 and self.dither.chance("senior_cc", self.profile.p_senior_cc(d)):
            cc.append(execp)
        return cc

    # --- threads --------------------------------------------------------------------------------
    def run(self) -> list[MessageSpec]:
        p = self.profile
        months = month_starts(self.end.date(), round(self.span / 86400 / 30.4))
        next_update = self.start + timedelta(days=self.rng.uniform(0, 10))
        for m0 in months:
            mstart = datetime.combine(m0, time(0), UTC)
            ndays = calendar.monthrange(m0.year, m0.month)[1]
            mend = mstart + timedelta(days=ndays)
            if self.frac(mend) <= p.active_from:
                continue
            lo = max(mstart, self.start + timedelta(seconds=self.span * p.active_from))
            d = self.depth(mstart + timedelta(days=15))
            silent = self.dither.chance("silent", p.p_silent_month(d))
            if not silent:
                n = self.dither.count("threads", p.threads_per_month(d) * (mend - lo).days / ndays)
                for _ in range(n):
                    when = lo + timedelta(seconds=self.rng.uniform(0, (mend - lo).total_seconds()))
                    if self.dither.chance("client_initiates", p.p_client_initiates(d)):
                        kind = self.dither.choice("client_kind", p.client_thread_kinds(d))
                        self.thread(kind, "client", when)
                    else:
                        kind = self.dither.choice("agency_kind", p.agency_thread_kinds(d))
                        self.thread(kind, "agency", when)
                if self.rng.random() < 0.5:
                    self.thread("invoice", "agency", lo + timedelta(days=self.rng.uniform(0, 4)))
            while next_update < mend:
                if next_update >= lo and not silent:
                    self.thread("status_update", "agency", next_update)
                next_update += timedelta(days=p.update_interval_days(self.depth(next_update), self.rng))
        return self.out

    def thread(self, kind: str, side: str, when: datetime) -> None:
        r, c, p = self.rng, self.client, self.profile
        self.n_threads += 1
        tid = f"{c.index}-{self.n_threads}"
        d = self.depth(when)
        values = {"project": r.choice(PROJECTS), "deliverable": r.choice(DELIVERABLES),
                  "agency": AGENCY_SHORT, "company": c.short, "invno": f"INV-{r.randint(1000, 4999)}"}
        self.thread_values[tid] = values
        sender = self.pick_client_sender(kind, d) if side == "client" else self.pick_agency_sender(kind, d)
        counterpart = self.lead if side == "client" else (
            (c.contact("finance") if kind == "invoice" and d < 0.4 else None) or c.people[0])
        values["name"] = counterpart.first
        ctx = self.ctx(values, when)
        rates = p.signal_rates(d)
        draft = compose.open_thread(kind, side, sender.register, ctx, rates)
        subject = expand(r.choice(lp.SUBJECTS.get(kind, lp.SUBJECTS["files"])), ctx)
        if side == "client" and r.random() < 0.08:
            subject = ("FW: " if c.quote_style in ("outlook", "underscore") else "Fwd: ") + subject
        cc = self.client_cc(sender, d) if side == "client" else []
        if side == "agency" and d > 0.55 and r.random() < 0.3:
            cc = [x for x in (c.contact("exec"),) if x and x is not counterpart and "exec" in p.active_roles(d)]
        colleague = c.contact("colleague")
        if side == "agency" and colleague and "colleague" in p.active_roles(d) and r.random() < 0.3 \
                and colleague is not counterpart and colleague not in cc:
            cc.append(colleague)
        if side == "client" and d > 0.6 and kind in ("strategic", "help_request") and r.random() < 0.5:
            cc.append(self.md)
        date0 = business_time(when, sender, r)
        if date0.astimezone(UTC) > self.end:
            return
        msg = self._spec(sender, [counterpart], cc, subject, draft, kind, side, date0, None, tid, ctx)
        self._replies(msg, kind, d)

    def _spec(self, sender, to, cc, subject, draft, kind, side, when, parent, tid, ctx) -> MessageSpec:
        r = self.rng
        text = compose.frame(draft, ctx, sender.register, sender.first)
        attach = None
        if kind in ("review", "invoice", "files", "proposal") and parent is None and r.random() < 0.45:
            attach = "csv" if kind == "files" and r.random() < 0.5 else ("png" if kind == "review" and r.random() < 0.3 else "pdf")
        spec = MessageSpec(
            msg_id=new_id(r, sender.domain if not self.client.freemail or side != "client" else "mail.gmail.com"),
            date=when, sender=sender, to=to, cc=cc, subject=subject, text=text, labels=tuple(sorted(draft.labels)),
            kind=kind, client=self.client.name, side=side, thread=tid, parent=parent,
            quote_style=self.client.quote_style if side == "client" else "gmail",
            html_mode=self.client.html_mode if side == "client" else ("alternative" if r.random() < 0.7 else "plain"),
            attachment=attach, company=self.client.name,
        )
        self.out.append(spec)
        return spec

    def _replies(self, first: MessageSpec, kind: str, d: float) -> None:
        r, p, c = self.rng, self.profile, self.client
        prev = first
        while True:
            replier_side = "agency" if prev.side == "client" else "client"
            if replier_side == "client":
                chance = p.p_client_replies(d) * (0.55 if kind == "status_update" else 1.0)
                hours = p.client_reply_hours(d, r)
            else:
                chance = 0.97 if prev is first else 0.8
                hours = p.agency_reply_hours(d, r)
            if prev is not first:
                chance *= p.p_continue(d)
            if not self.dither.chance(f"{replier_side}_reply", chance):
                return
            if replier_side == "client" and r.random() < 0.025:
                self._auto_reply(prev)
                hours *= 3
            when_utc = prev.date.astimezone(UTC) + timedelta(hours=hours)
            if replier_side == "client":
                sender = self.pick_client_sender(kind, d)
                if prev.to and prev.to[0].role != "staff" and r.random() < 0.8:
                    sender = prev.to[0]
            else:
                sender = prev.to[0] if prev.to and prev.to[0].role == "staff" else self.lead
            when = business_time(when_utc, sender, r)
            if when.astimezone(UTC) > self.end:
                return
            late = hours > 48
            ctx = self.ctx(dict(self.thread_values[prev.thread], name=prev.sender.first), when)
            if replier_side == "client":
                draft = compose.client_reply(kind if prev.side == "agency" else "followup", sender.register, ctx,
                                             p.signal_rates(d), late, prev is first, "apology" in prev.labels)
            else:
                draft = compose.agency_reply(set(prev.labels), sender.register, ctx, late, d)
            cc = [x for x in prev.cc if x is not sender]
            if prev.sender is not sender and prev.sender not in cc:
                to = [prev.sender]
            else:
                to = list(prev.to)
            subject = prev.subject if prev.subject.lower().startswith(("re:", "aw:")) else (
                ("AW: " if c.quote_style == "german" and replier_side == "client" else
                 "RE: " if c.quote_style in ("outlook", "underscore") and replier_side == "client" else "Re: ")
                + prev.subject.removeprefix("Fwd: ").removeprefix("FW: "))
            prev = self._spec(sender, to, cc, subject, draft, kind, replier_side, when, prev, prev.thread, ctx)
            self.thread_sizes[prev.thread] = self.thread_sizes.get(prev.thread, 1) + 1
            if self.thread_sizes[prev.thread] >= 7:
                return

    def _auto_reply(self, prev: MessageSpec) -> None:
        person = prev.to[0]
        when = prev.date + timedelta(seconds=self.rng.randint(5, 90))
        ctx = self.ctx({}, when)
        text = expand(self.rng.choice(lp.OOO_TEXTS), ctx)
        prefix = "Automatic reply: " if self.client.quote_style in ("outlook", "underscore") else "Out of Office: "
        spec = MessageSpec(
            msg_id=new_id(self.rng, person.domain), date=when.astimezone(ZoneInfo(person.tz)), sender=person,
            to=[prev.sender], cc=[], subject=prefix + prev.subject, text=text, kind="auto_reply",
            client=self.client.name, side="client", thread=prev.thread, parent=prev, auto=True,
            quote_style=self.client.quote_style, html_mode="plain", company=self.client.name,
            headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
        )
        self.out.append(spec)
