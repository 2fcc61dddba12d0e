"""Command line: ``python data/generate_mailboxes.py --seed 7 --clients 12 --months 18 --out DIR``.

``--format`` picks mbox, maildir, eml or mixed (default); ``--demo`` rewrites ``data/demo/`` (mail in
``data/demo/mail/`` plus analyzer.toml, truth.csv, nonclients.csv, message_labels.csv, manifest.json);
``--bulk N`` streams N messages into one mbox for benchmarks.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from datetime import date
from pathlib import Path

from mailgen.corpus import DEFAULT_END, generate_corpus
from mailgen.writers import (
    write_bulk_mbox,
    write_config,
    write_eml_dir,
    write_maildir,
    write_mbox,
    write_mixed,
    write_truth,
)

log = logging.getLogger("mailgen")
DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
DEMO = {"seed": 2026, "n_clients": 10, "months": 18, "volume": 0.5}


def write_corpus(corpus, out: Path, fmt: str) -> dict:
    """Write mail in ``fmt`` under ``out`` (mail/ subfolder) plus config and truth files beside it."""
    mail = out / "mail"
    if mail.exists():
        raise SystemExit(f"error: {mail} already exists; remove it or choose another --out")
    if fmt == "mixed":
        manifest = write_mixed(corpus, mail)
    else:
        writer = {"mbox": lambda c, p: write_mbox(c, p / "mailbox.mbox"), "maildir": write_maildir,
                  "eml": write_eml_dir}[fmt]
        n = writer(corpus, mail)
        manifest = {"seed": corpus.seed, "messages_unique": n, "messages_total": n, "duplicates": 0,
                    "files": {fmt: n}}
    write_config(corpus, out / "analyzer.toml")
    write_truth(corpus, out)
    manifest["period"] = [corpus.start.isoformat(), corpus.end.isoformat()]
    manifest["clients"] = len(corpus.truth)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def build_demo(target: Path = DEMO_DIR) -> dict:
    """(Re)write the committed demo folder deterministically."""
    if (target / "mail").exists():
        shutil.rmtree(target / "mail")
    corpus = generate_corpus(DEMO["seed"], DEMO["n_clients"], DEMO["months"], volume=DEMO["volume"])
    return write_corpus(corpus, target, "mixed")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate synthetic agency mailboxes with clients of designed depth.")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--clients", type=int, default=12)
    ap.add_argument("--months", type=int, default=18)
    ap.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END, help="last day (YYYY-MM-DD)")
    ap.add_argument("--volume", type=float, default=1.0, help="scale of threads per client")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--format", choices=("mbox", "maildir", "eml", "mixed"), default="mixed")
    ap.add_argument("--demo", action="store_true", help="rewrite data/demo/")
    ap.add_argument("--bulk", type=int, metavar="N", help="write N messages into --out (an mbox file)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    t0 = time.perf_counter()
    if args.demo:
        manifest = build_demo()
        log.info("demo written to %s: %s", DEMO_DIR, json.dumps(manifest["files"]))
        return 0
    if args.out is None:
        ap.error("--out is required (or use --demo)")
    if args.bulk:
        n = write_bulk_mbox(args.out, args.bulk, args.seed)
        log.info("wrote %d messages to %s in %.1f s", n, args.out, time.perf_counter() - t0)
        return 0
    if args.clients < 1 or args.months < 1:
        ap.error("--clients and --months must be at least 1")
    corpus = generate_corpus(args.seed, args.clients, args.months, args.end, volume=args.volume)
    manifest = write_corpus(corpus, args.out, args.format)
    log.info("wrote %d messages (%s) to %s in %.1f s", manifest["messages_total"], args.format, args.out,
             time.perf_counter() - t0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
