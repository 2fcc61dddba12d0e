"""Ingest throughput and peak memory against the mail-parser floor, in one run.

    .venv/bin/python bench/bench_ingest.py [--messages 100000] [--jobs 1]

1. Writes a synthetic but realistic mbox to ``bench/out/bench_<N>.mbox`` (reused when
   present): agency <-> client threads with quoted history and signatures, German and
   Outlook-style reply headers, ~10% HTML-only mail, ~5% with a small attachment,
   ~8% newsletters with List-Id, some latin-1 bodies.
2. Runs, each in a fresh subprocess (so ``ru_maxrss`` is that run's peak):
   * the floor: ``mailbox.mbox`` iteration + ``mailparser.parse_from_bytes`` per message;
   * ``analyzer.ingest.pipeline.ingest_to_dir`` with ``--jobs``.
3. Prints messages/second, peak RSS and the ratio ingest/floor (target: <= 2x on one
   core, peak < 1 GiB at 100k messages).
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"

CLIENTS = [("northwind.com", "Northwind"), ("contoso.de", "Contoso"), ("fabrikam.co.uk", "Fabrikam"),
           ("initech.com", "Initech"), ("globex.fr", "Globex"), ("umbrella.io", "Umbrella")]
PEOPLE = ["Anna Berg", "Tom Hale", "Lucie Martin", "Jonas Weber", "Priya Shah", "Mark Olsen"]
AGENCY = ("brightside.agency", ["Sara Quinn", "Ben Ortiz", "Eva Lind"])
LINES = [
    "Thanks for the draft, we reviewed it with the team this morning.",
    "Could you send the revised media plan by Thursday?",
    "We are happy with the direction, but the budget needs another look.",
    "Let's schedule a call next week to go through the Q3 results.",
    "I have attached the brief from our product team.",
    "The launch date moved to the 14th, please adjust the timeline.",
    "Great work on the last campaign, the numbers were well above target.",
    "Can we discuss extending the contract to the social channels as well?",
]


def _addr(name: str, domain: str) -> str:
    return f"{name.split()[0].lower()}.{name.split()[1].lower()}@{domain}"


def _message(i: int, rng: random.Random, t: datetime) -> bytes:
    domain, org = CLIENTS[i % len(CLIENTS)]
    client = PEOPLE[i % len(PEOPLE)]
    staff = AGENCY[1][i % 3]
    from_client = i % 2 == 0
    frm = (client, _addr(client, domain)) if from_client else (staff, _addr(staff, AGENCY[0]))
    to = (staff, _addr(staff, AGENCY[0])) if from_client else (client, _addr(client, domain))
    new = " ".join(rng.sample(LINES, 3))
    sig = f"\n\n--\n{frm[0]}\nSenior Marketing Manager, {org if from_client else 'Brightside'}\n+49 30 1234 {i % 10000:04d}\n"
    if i % 5 == 1:
        quoted = (f"\n\nVon: {to[0]} <{to[1]}>\nGesendet: Montag, 4. März 2024 10:00\nAn: {frm[1]}\n"
                  f"Betreff: Projekt {i // 10}\n\n" + " ".join(rng.sample(LINES, 4)))
    else:
        quoted = (f"\n\nOn {format_datetime(t - timedelta(hours=3))}, {to[0]} <{to[1]}> wrote:\n"
                  + "".join(f"> {line}\n" for line in rng.sample(LINES, 5)))
    head = (f"From: {frm[0]} <{frm[1]}>\nTo: {to[0]} <{to[1]}>\nSubject: Re: Project {i // 10} update\n"
            f"Date: {format_datetime(t)}\nMessage-ID: <b{i}@{frm[1].split('@')[1]}>\n"
            f"In-Reply-To: <b{i - 1}@x.example>\nMIME-Version: 1.0\n")
    kind = i % 100
    if kind < 8:  # newsletter
        head = head.replace(f"From: {frm[0]} <{frm[1]}>", f"From: {org} News <news@{domain}>")
        head += f"List-Id: <news.{domain}>\nPrecedence: bulk\n"
    if 8 <= kind < 18:  # HTML only
        html = (f"<html><body><p>Hi {to[0].split()[0]},</p><p>{new}</p><div>{frm[0]}<br>Manager</div>"
                f"<blockquote>{' '.join(rng.sample(LINES, 3))}</blockquote></body></html>")
        return (head + "Content-Type: text/html; charset=utf-8\n\n" + html + "\n").encode()
    body = f"Hi {to[0].split()[0]},\n\n{new}{sig}{quoted}"
    if 18 <= kind < 23:  # with attachment
        blob = base64.encodebytes(rng.randbytes(600)).decode()
        return (head + 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\n'
                + body + '\n--b1\nContent-Type: application/pdf; name="brief.pdf"\nContent-Disposition: attachment; '
                'filename="brief.pdf"\nContent-Transfer-Encoding: base64\n\n' + blob + "--b1--\n").encode()
    if 23 <= kind < 28:  # latin-1 body
        return (head + "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
                + body.replace("Thanks", "Grüße, danke")).encode("latin-1", "replace")
    return (head + "Content-Type: text/plain; charset=utf-8\n\n" + body).encode()


def generate(path: Path, n: int) -> None:
    rng = random.Random(42)
    t = datetime(2023, 1, 2, 8, 0, tzinfo=timezone.utc)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        for i in range(n):
            t += timedelta(minutes=rng.randint(1, 30))
            msg = _message(i, rng, t).replace(b"\nFrom ", b"\n>From ")
            if not msg.endswith(b"\n"):
                msg += b"\n"
            fh.write(b"From bench@example.com " + t.strftime("%a %b %d %H:%M:%S %Y").encode() + b"\n" + msg + b"\n")
    tmp.replace(path)


def _cpu_seconds(who=resource.RUSAGE_SELF) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_floor(path: str) -> dict:
    import mailbox

    import mailparser

    t = time.perf_counter()
    box = mailbox.mbox(path, create=False)
    n = 0
    for key in box.iterkeys():
        mailparser.parse_from_bytes(box.get_bytes(key))
        n += 1
    return {"messages": n, "seconds": time.perf_counter() - t, "cpu": _cpu_seconds(), "peak_mib": _peak_mib()}


def run_ingest(path: str, jobs: int) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from analyzer.ingest.pipeline import ingest_to_dir

    t = time.perf_counter()
    rep = ingest_to_dir([path], OUT / "ingest", jobs=jobs)
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"messages": rep["parsed"], "seen": rep["messages_seen"], "seconds": time.perf_counter() - t,
            "cpu": _cpu_seconds() + _cpu_seconds(resource.RUSAGE_CHILDREN), "peak_mib": max(_peak_mib(), peak_children)}


def _sub(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--_floor", help=argparse.SUPPRESS)
    ap.add_argument("--_ingest", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._floor:
        print(json.dumps(run_floor(args._floor)))
        return
    if args._ingest:
        print(json.dumps(run_ingest(args._ingest, args.jobs)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"bench_{args.messages}.mbox"
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.messages)
        print(f"generated {path} ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t:.0f}s")
    floor = _sub("--_floor", str(path))
    ing = _sub("--_ingest", str(path), "--jobs", str(args.jobs))
    print(f"floor  (mailbox + mail-parser): {floor['messages']:>7} msgs  {floor['seconds']:7.1f}s  "
          f"{floor['messages'] / floor['seconds']:7.0f} msg/s  peak {floor['peak_mib']:6.0f} MiB")
    print(f"ingest (jobs={args.jobs}):               {ing['messages']:>7} msgs  {ing['seconds']:7.1f}s  "
          f"{ing['messages'] / ing['seconds']:7.0f} msg/s  peak {ing['peak_mib']:6.0f} MiB")
    print(f"CPU seconds: floor {floor['cpu']:.1f}, ingest {ing['cpu']:.1f} -> ratio {ing['cpu'] / floor['cpu']:.2f}x "
          "(CPU time is the fair measure on a shared machine)")
    print(f"ratio ingest/floor wall time: {ing['seconds'] / floor['seconds']:.2f}x (target <= 2x on one core); "
          f"peak memory {'OK' if ing['peak_mib'] < 1024 else 'OVER'} (< 1024 MiB)")


if __name__ == "__main__":
    main()
