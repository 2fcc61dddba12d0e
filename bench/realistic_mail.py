"""A realistic agency mailbox for the speed benchmarks: hand-written text, recombined.

    .venv/bin/python bench/realistic_mail.py --messages 16000 --out bench/out/realistic_16000.mbox

The paragraphs come from the hand-written independent mailboxes (``data/independent/train`` and
``dev``: people writing as agencies and clients do, in several registers and with non-ASCII
names), split by side, with their quoted history and signatures removed. They are recombined into
a new mailbox shaped like the exports agencies have: many clients (about 32 messages each) with
one to four people each, threads of two to six messages in which every reply quotes the whole
history below it ("On ... wrote:" with ``>`` lines, or Outlook's "-----Original Message-----"),
greetings, sign-offs, signature blocks with titles, phone numbers and (for some clients) legal
disclaimers, non-ASCII names, a share of multipart/alternative mail with an HTML part, and the
dates of a year. Every message is a distinct text (a new combination of paragraphs, people, dates
and quoting), not a copy. Only for timing: no quality figure is ever measured on it.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import html
import random
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("train", "dev")

FIRST = ["Zoë", "Chloé", "José", "Søren", "Łukasz", "Małgorzata", "Thérèse", "Jürgen", "Åsa", "Niamh", "Siobhán",
         "François", "Ólafur", "Ebru", "Çağlar", "Anaïs", "Björn", "Dvořák", "Renée", "Raúl", "Tomasz", "Priya",
         "Kwame", "Aisha", "Mei", "Hiroshi", "Oluwaseun", "Ines", "Marta", "Jonas", "Sarah", "David", "Emma",
         "Liam", "Fatima", "Arjun", "Noor", "Grace", "Hamid", "Lucía"]
LAST = ["Müller", "Øvergaard", "Nowak", "Ní Bhriain", "García", "Lefèvre", "Šimek", "Kowalczyk", "Brennan",
        "Okafor", "Nakamura", "Rao", "Haddad", "Jensen", "O'Sullivan", "Dubois", "Rossi", "van der Berg", "Yılmaz",
        "Svensson", "Chen", "Patel", "Mensah", "Fischer", "Moreau", "Smith", "Clarke", "Andersson", "Costa", "Kim"]
TITLES = ["Marketing Manager", "Head of Brand", "Chief Executive Officer", "Operations Director", "Founder",
          "Finance Manager", "Product Lead", "Communications Officer", "Managing Director", "Project Coordinator"]
WORDS = ["North", "River", "Bright", "Stone", "Harbour", "Oak", "Silver", "Cedar", "Summit", "Maple", "Lumen",
         "Falcon", "Meadow", "Cobalt", "Atlas", "Willow", "Granite", "Amber", "Nova", "Pioneer", "Kestrel", "Vale"]
KINDS = ["Analytics", "Foods", "Health", "Logistics", "Studios", "Energy", "Outdoor", "Legal", "Robotics",
         "Hotels", "Finance", "Learning", "Brewing", "Textiles", "Software", "Dental", "Clinics", "Media"]
TLDS = ["co.uk", "com", "de", "fr", "nl", "ie", "com.au", "io", "es", "se"]
GREET = ["Hi {n},", "Hello {n},", "Dear {n},", "{n},", "Morning {n},", "Hi {n} —", "Hey {n},"]
SIGN = ["Best,", "Kind regards,", "Thanks,", "Cheers,", "All the best,", "Many thanks,", "Regards,", "Speak soon,"]
DISCLAIMER = ("This e-mail and any attachments are confidential and intended solely for the addressee. If you "
              "have received it in error, please notify the sender and delete it. {c} accepts no liability for "
              "any damage caused by viruses.")
AGENCY = ("Halewood & Brandt", "halewoodbrandt.co.uk")
_QUOTED = re.compile(r"^(>|On .{5,200} wrote:\s*$|-----\s*Original Message|From: .+|Sent: .+)", re.M)


def paragraph_pools(roots=SOURCES) -> tuple[list[str], list[str], list[str]]:
    """(client paragraphs, agency paragraphs, subjects) of the hand-written mailboxes: new text
    only, greetings, sign-offs and signatures dropped."""
    import tomllib

    client, agency, subjects = [], [], []
    for split in roots:
        for box in sorted((ROOT / "data" / "independent" / split).glob("*/mail/mailbox.mbox")):
            if not (box.parents[1] / "truth.csv").is_file() or not (box.parents[1] / "analyzer.toml").is_file():
                continue  # a mailbox still being written
            conf = tomllib.loads((box.parents[1] / "analyzer.toml").read_text(encoding="utf-8"))
            agency_domains = tuple(conf.get("agency", {}).get("domains", []))
            raw = box.read_bytes().split(b"\nFrom ")
            for chunk in raw:
                msg = email.message_from_bytes(chunk.split(b"\n", 1)[-1], policy=email.policy.default)  # no From_ line
                part = msg.get_body(("plain",)) if msg.is_multipart() else msg
                if part is None or part.get_content_type() != "text/plain":
                    continue
                try:
                    text = part.get_content()
                except (LookupError, ValueError):
                    continue
                cut = _QUOTED.search(text)
                text = text[: cut.start()] if cut else text
                paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
                body = [p for p in paras[1:-2] if len(p.split()) >= 6]  # no greeting, sign-off, signature
                sender = str(msg.get("From", "")).lower()
                pool = agency if any(d in sender for d in agency_domains) else client
                pool.extend(body)
                subj = str(msg.get("Subject", "")).removeprefix("Re: ").removeprefix("RE: ")
                if subj:
                    subjects.append(subj)
    if not client or not agency:
        raise SystemExit("no hand-written mailboxes under data/independent/{train,dev}")
    return client, agency, sorted(set(subjects))


def _person(rng: random.Random, domain: str, titles=TITLES) -> tuple[str, str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = re.sub(r"[^a-z]", "", first.lower().encode("ascii", "ignore").decode()) or "contact"
    return f"{first} {last}", f"{local}.{re.sub(r'[^a-z]', '', last.lower().encode('ascii', 'ignore').decode())}@{domain}", rng.choice(titles)


def _signature(name: str, title: str, company: str, rng: random.Random, disclaimer: bool) -> str:
    lines = [name, f"{title} | {company}", f"+44 20 7946 {rng.randint(0, 999):03d}"]
    if disclaimer:
        lines += ["", DISCLAIMER.format(c=company)]
    return "\n".join(lines)


def _quote(prev: dict, outlook: bool) -> str:
    if outlook:
        head = (f"-----Original Message-----\nFrom: {prev['from'][0]} <{prev['from'][1]}>\n"
                f"Sent: {format_datetime(prev['date'])}\nTo: {prev['to'][0]}\nSubject: {prev['subject']}\n\n")
        return head + prev["text"]
    return (f"On {prev['date']:%a, %d %b %Y at %H:%M}, {prev['from'][0]} <{prev['from'][1]}> wrote:\n"
            + "\n".join("> " + line if line else ">" for line in prev["text"].splitlines()))


def _message(m: dict, html_part: bool) -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = f"{m['from'][0]} <{m['from'][1]}>"
    msg["To"] = ", ".join(f"{p[0]} <{p[1]}>" for p in m["to_all"])
    if m["cc"]:
        msg["Cc"] = ", ".join(f"{p[0]} <{p[1]}>" for p in m["cc"])
    msg["Subject"] = m["subject"]
    msg["Date"] = format_datetime(m["date"])
    msg["Message-ID"] = m["id"]
    if m["parent"]:
        msg["In-Reply-To"] = m["parent"]
        msg["References"] = " ".join(m["refs"])
    msg.set_content(m["text"], cte="quoted-printable")
    if html_part:
        paras = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in m["text"].split("\n\n"))
        msg.add_alternative(f"<html><body>{paras}</body></html>", subtype="html", cte="quoted-printable")
    return msg.as_bytes()


def write_realistic_mbox(path: Path, n_messages: int, seed: int = 0, per_client: int = 32) -> int:
    """Write about ``n_messages`` messages to ``path`` (mboxrd); returns how many were written."""
    rng = random.Random(seed)
    client_pool, agency_pool, subjects = paragraph_pools()
    agency_people = [_person(rng, AGENCY[1]) for _ in range(8)]
    start = datetime(2025, 10, 1, 8, tzinfo=timezone.utc)
    written, c = 0, 0
    with open(path, "wb") as fh:
        while written < n_messages:
            c += 1
            company = f"{rng.choice(WORDS)}{rng.choice(WORDS).lower()} {rng.choice(KINDS)}"
            domain = f"{re.sub(r'[^a-z]', '', company.lower())}{c}.{rng.choice(TLDS)}"
            people = [_person(rng, domain) for _ in range(rng.randint(1, 4))]
            mine = rng.sample(agency_people, 2)
            disclaimer = rng.random() < 0.3
            budget = max(4, int(rng.gauss(per_client, per_client / 3)))
            while budget > 0 and written < n_messages:
                thread_len = min(budget, rng.randint(2, 6))
                subject = rng.choice(subjects)
                when = start + timedelta(days=rng.uniform(0, 360))
                prev, refs = None, []
                client_turn = rng.random() < 0.5
                for i in range(thread_len):
                    sender = rng.choice(people) if client_turn else rng.choice(mine)
                    other = rng.choice(mine) if client_turn else rng.choice(people)
                    pool = client_pool if client_turn else agency_pool
                    paras = rng.sample(pool, rng.randint(1, 3))
                    text = "\n\n".join([rng.choice(GREET).format(n=other[0].split()[0]), *paras, rng.choice(SIGN),
                                        _signature(sender[0], sender[2], company if client_turn else AGENCY[0],
                                                   rng, disclaimer and client_turn)])
                    if prev is not None:
                        text += "\n\n" + _quote(prev, outlook=rng.random() < 0.25)
                    when += timedelta(hours=rng.expovariate(1 / 20))
                    mid = f"<{seed}.{c}.{written}.{rng.getrandbits(32):08x}@{sender[1].split('@')[1]}>"
                    m = {"from": sender, "to": other, "to_all": [other], "subject": ("Re: " if prev else "") + subject,
                         "cc": [p for p in people if p not in (sender, other)][:1] if rng.random() < 0.3 else [],
                         "date": when, "id": mid, "parent": prev["id"] if prev else None, "refs": refs + [prev["id"]] if prev else [],
                         "text": text}
                    data = _message(m, html_part=rng.random() < 0.15)
                    data = re.sub(rb"(?m)^(>*From )", rb">\1", data)
                    fh.write(b"From MAILER-DAEMON " + when.strftime("%a %b %d %H:%M:%S %Y").encode() + b"\n")
                    fh.write(data.replace(b"\r\n", b"\n").rstrip(b"\n") + b"\n\n")
                    refs, prev = m["refs"], m
                    written += 1
                    client_turn = not client_turn
                budget -= thread_len
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=16_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    t = time.perf_counter()
    n = write_realistic_mbox(args.out, args.messages, args.seed)
    print(f"{n} messages -> {args.out} ({args.out.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t:.0f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
