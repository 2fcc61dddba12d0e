"""Mail that belongs to no client: newsletters, tool notifications, cold outreach, internal staff mail.

These are the attribution traps: one-way bulk senders (``List-Id``, ``Precedence: bulk``,
``List-Unsubscribe``), ``noreply@`` notification senders whose text names clients, a salesperson
nobody answers, and staff-only threads that talk about clients.  Every sender here is listed in
``nonclients.csv`` with its kind.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from mailgen.people import AGENCY_DOMAIN, Client, Person
from mailgen.template import DELIVERABLES, PROJECTS, Context, expand
from mailgen.threads import MessageSpec, business_time, new_id

NEWSLETTERS = (
    (Person("Campaign", "Brief Weekly", "newsletter@campaignbrief-weekly.com", "", "bulk", "any", True,
            "Europe/London"), "weekly.campaignbrief-weekly.com", 7),
    (Person("Design", "Digest", "digest@designdigest.io", "", "bulk", "any", False, "America/New_York"),
     "digest.designdigest.io", 30),
)
TRACKER = Person("Trackly", "Notifications", "noreply@trackly.io", "", "bulk", "any", False, "UTC")
INVOICING = Person("Ledgerly", "Billing", "notifications@ledgerly.com", "", "bulk", "any", False, "UTC")
COLD = Person("Ryan", "Doyle", "ryan@leadspark-growth.com", "Growth Partner", "other", "chatty", False,
              "America/New_York")

HEADLINES = ("Why brand trust is the new performance metric", "Five agencies on pricing for value",
             "The state of B2B video in 2026", "Retainers are back: what clients want",
             "AI and the creative brief", "Award entries close Friday", "How procurement buys creative",
             "The quiet return of print", "Client churn: the warning signs", "Design systems at scale")
INTERNAL_SUBJECTS = ("Resourcing next week", "Lunch Friday?", "Holiday cover", "{company} - thoughts?",
                     "Pipeline review", "Timesheets", "Studio move", "Pitch debrief")
INTERNAL_LINES = (
    "Can someone cover {company} while I'm off from {date}? [Handover notes|Notes] in the drive.",
    "[Heads up|FYI] the {company} [retainer|account] renewal is due [next month|in {quarter}] - let's [discuss|talk] at the WIP.",
    "[Who's free|Anyone free] to help with {deliverable} for {company} {when}?",
    "Please get timesheets in by {day}, [the invoices go out|billing runs] on the 1st.",
    "[Lunch|Drinks] {day}? [My treat|Usual place].",
    "[Pitch debrief|Retro] at {time} - [bring your notes|15 minutes max].",
    "I think {company} [are|is] [getting restless|a bit quiet lately]; shall we [suggest|offer] a review?",
)
COLD_LINES = (
    "I help agencies like {agency} fill their pipeline with qualified leads. Worth a 15-minute call {when}?",
    "Just bumping this to the top of your inbox - [any interest|would a short call make sense]?",
    "Last try! If lead generation isn't a priority right now, no worries at all.",
)


def _html_newsletter(title: str, items: list[str], unsubscribe: str) -> str:
    lis = "".join(f"<li><a href=\"https://example.org/a/{i}\">{t}</a></li>" for i, t in enumerate(items))
    return (f"<html><body><table width=\"600\"><tr><td><h1>{title}</h1><ul>{lis}</ul>"
            f"<p style=\"font-size:11px\">You are receiving this because you subscribed. "
            f"<a href=\"{unsubscribe}\">Unsubscribe</a></p></td></tr></table></body></html>")


def extra_specs(seed: int, clients: list[Client], staff: list[Person], start: date, end: date,
                scale: float = 1.0) -> list[MessageSpec]:
    """All non-client mail for the period; ``scale`` thins it for small corpora."""
    rng = random.Random(f"{seed}:extras")
    t0 = datetime.combine(start, time(0), UTC)
    t1 = datetime.combine(end, time(23, 59), UTC)
    out: list[MessageSpec] = []
    inbox = Person("Hello", "Brightside", f"hello@{AGENCY_DOMAIN}", "", "staff", "any", True, "Europe/London")

    for sender, list_id, every in NEWSLETTERS:
        t = t0 + timedelta(days=rng.uniform(0, every))
        while t < t1:
            if rng.random() < scale:
                items = rng.sample(HEADLINES, 3)
                unsub = f"https://{list_id.split('.', 1)[1]}/unsubscribe?u={rng.getrandbits(32):08x}"
                text = f"{sender.name}\n\n" + "\n".join(f"* {x}" for x in items) + f"\n\nUnsubscribe: {unsub}\n"
                out.append(MessageSpec(
                    msg_id=new_id(rng, "mail." + list_id.split(".", 1)[1]), date=t.replace(hour=7, minute=rng.randint(0, 59)),
                    sender=sender, to=[inbox], cc=[], subject=f"{sender.name}: {items[0]}", text=text,
                    category="newsletter", side="other", kind="newsletter",
                    html=_html_newsletter(sender.name, items, unsub),
                    headers={"List-Id": f"{sender.name} <{list_id}>", "Precedence": "bulk",
                             "List-Unsubscribe": f"<mailto:unsubscribe@{list_id}>, <{unsub}>"}))
            t += timedelta(days=every)

    people = [c for c in clients if c.people]
    n_notes = int(len(clients) * 18 * scale)
    for _ in range(n_notes):
        when = business_time(t0 + timedelta(seconds=rng.uniform(0, (t1 - t0).total_seconds())), staff[1], rng)
        c = rng.choice(people)
        who = rng.choice(staff)
        if rng.random() < 0.6:
            task = rng.choice(DELIVERABLES)
            subject = f"[Trackly] {rng.choice(('New comment on', 'Task due:', 'Status changed:'))} {task} ({c.short})"
            text = (f"{rng.choice(staff).name} updated \"{task}\" in project {c.name}.\n\n"
                    f"View task: https://app.trackly.io/t/{rng.getrandbits(24):06x}\n\n"
                    "You are receiving this because you are a member of this project.")
            sender = TRACKER
        else:
            inv = f"INV-{rng.randint(1000, 4999)}"
            subject = f"Invoice {inv} was {rng.choice(('viewed', 'paid', 'overdue'))} by {c.name}"
            text = (f"Invoice {inv} for {c.name} changed status.\n\nOpen in Ledgerly: "
                    f"https://ledgerly.com/i/{rng.getrandbits(24):06x}\n\nThis is an automated message.")
            sender = INVOICING
        out.append(MessageSpec(msg_id=new_id(rng, sender.domain), date=when, sender=sender, to=[who], cc=[],
                               subject=subject, text=text, category="notification", side="other",
                               kind="notification", headers={"Auto-Submitted": "auto-generated"}))

    ctxv = lambda: {"company": rng.choice(clients).short, "deliverable": rng.choice(DELIVERABLES),
                    "project": rng.choice(PROJECTS)}
    for _ in range(int(len(clients) * 6 * scale) + 2):
        when = t0 + timedelta(seconds=rng.uniform(0, (t1 - t0).total_seconds()))
        sender, *rest = rng.sample(staff, rng.randint(2, 4))
        ctx = Context(rng, ctxv(), "£", True, when.date())
        subject = expand(rng.choice(INTERNAL_SUBJECTS), ctx)
        date0 = business_time(when, sender, rng)
        if date0.astimezone(UTC) > t1:
            continue
        first = MessageSpec(msg_id=new_id(rng, AGENCY_DOMAIN), date=date0, sender=sender, to=rest[:1], cc=rest[1:],
                            subject=subject, text=f"Hi {rest[0].first},\n\n{expand(rng.choice(INTERNAL_LINES), ctx)}\n\n{sender.first}",
                            category="internal", side="agency", kind="internal", thread=f"int-{len(out)}")
        out.append(first)
        if rng.random() < 0.6:
            replier = rest[0]
            when2 = business_time(date0.astimezone(UTC) + timedelta(hours=rng.uniform(0.2, 20)), replier, rng)
            if when2.astimezone(UTC) <= t1:
                out.append(MessageSpec(
                    msg_id=new_id(rng, AGENCY_DOMAIN), date=when2, sender=replier, to=[sender], cc=rest[1:],
                    subject="Re: " + subject, text=rng.choice(("Yep, can do.", "On it.", "Agreed - let's chat.",
                                                               "Can't {day}, sorry - next week?".replace("{day}", rng.choice(("Friday", "Monday"))))),
                    category="internal", side="agency", kind="internal", thread=first.thread, parent=first))

    if scale >= 0.5 or rng.random() < scale * 2:
        prev = None
        when = t0 + timedelta(days=rng.uniform(20, 200))
        for line in COLD_LINES:
            ctx = Context(rng, {"agency": "Brightside"}, "$", False, when.date())
            d0 = business_time(when, COLD, rng)
            subj = "Quick question, Maya" if prev is None else "Re: Quick question, Maya"
            spec = MessageSpec(msg_id=new_id(rng, COLD.domain), date=d0, sender=COLD, to=[staff[0]], cc=[],
                               subject=subj, text=f"Hi Maya,\n\n{expand(line, ctx)}\n\nRyan", category="cold_outreach",
                               side="other", kind="cold_outreach", parent=prev, thread="cold")
            out.append(spec)
            prev = spec
            when = d0.astimezone(UTC) + timedelta(days=rng.uniform(4, 12))
    return out


def nonclient_rows(staff: list[Person]) -> list[tuple[str, str]]:
    """(address, kind) of every sender that is not a client."""
    rows = [(s.address, "newsletter") for s, _, _ in NEWSLETTERS]
    rows += [(TRACKER.address, "notification"), (INVOICING.address, "notification"), (COLD.address, "cold_outreach")]
    rows += [(p.address, "staff") for p in staff] + [(f"hello@{AGENCY_DOMAIN}", "staff")]
    return rows
