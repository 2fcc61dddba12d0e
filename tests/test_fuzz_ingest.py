"""Seeded fuzzing: mutated real mails from ../shared/realmail thrown at ``ingest`` and ``run``.

Each round takes real files (eml, mbox, Outlook .msg, LISTSERV logs), mutates their bytes with a
seeded generator (flips, cuts, splices, repeated header lines, long runs, stray NULs, broken
boundaries and encodings), and asserts that ingest neither crashes nor loses anything
(``messages_seen == parsed + duplicates + quarantined``), within a bounded time. The seeds are
fixed, so a failure reproduces.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from analyzer.analysis import run_to_dir
from analyzer.ingest.pipeline import ingest

pytestmark = pytest.mark.slow

ROUNDS = 3
FILES_PER_ROUND = 40
TIME_BUDGET_S = 90


def _corpus(realmail: Path) -> list[Path]:
    files = [p for p in sorted(realmail.rglob("*")) if p.is_file() and p.stat().st_size < 400_000
             and p.suffix.lower() in (".eml", ".msg", ".mbox", ".txt", "")]
    return files


def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(9)
        at = rng.randrange(len(b) + 1) if b else 0
        if op == 0 and b:  # flip bytes
            for _ in range(rng.randint(1, 20)):
                i = rng.randrange(len(b))
                b[i] = rng.randrange(256)
        elif op == 1:  # cut
            b = b[: at]
        elif op == 2:  # splice a slice elsewhere
            j = rng.randrange(len(b) + 1)
            b[at:at] = b[min(at, j): max(at, j)][:5000]
        elif op == 3:  # a header line repeated many times
            b[0:0] = b"Subject: " + b"=?utf-8?b?w6k=?= " * rng.randint(10, 3000) + b"\n"
        elif op == 4:  # a long run without spaces
            b[at:at] = bytes([rng.choice(b")!?=-*")]) * rng.randint(100, 20000)
        elif op == 5:  # NULs and control bytes
            b[at:at] = bytes(rng.randrange(32) for _ in range(rng.randint(1, 200)))
        elif op == 6:  # a broken MIME boundary
            b[at:at] = b"\n--" + bytes(rng.randrange(33, 127) for _ in range(10)) + b"\nContent-Type: text/html\n\n<blockquote>" * rng.randint(1, 300)
        elif op == 7:  # invalid UTF-8 / charset soup
            b[at:at] = b"\xff\xfe\xc3\x28\xe2\x82" * rng.randint(1, 100)
        else:  # duplicate the whole message (mbox-like)
            b = b + b"\n" + b
    return bytes(b)


@pytest.mark.parametrize("seed", range(ROUNDS))
def test_mutated_real_mail_never_crashes_ingest(realmail, tmp_path, seed):
    rng = random.Random(1000 + seed)
    files = rng.sample(_corpus(realmail), FILES_PER_ROUND)
    src = tmp_path / "src"
    src.mkdir()
    for i, f in enumerate(files):
        (src / f"{i:03d}{f.suffix}").write_bytes(mutate(f.read_bytes(), rng))
    t = time.perf_counter()
    res = ingest([src], jobs=1)
    assert time.perf_counter() - t < TIME_BUDGET_S
    rep = res.report
    assert rep["files"] == FILES_PER_ROUND
    assert rep["messages_seen"] == rep["parsed"] + rep["duplicates"] + rep["quarantined"]
    assert rep["quarantined"] == len(rep["quarantine"]) and all(q["reason"] for q in rep["quarantine"])


def test_mutated_real_mail_beside_a_real_client_never_sinks_a_run(realmail, tmp_path, project_root):
    rng = random.Random(77)
    src = tmp_path / "src"
    src.mkdir()
    for i, f in enumerate(rng.sample(_corpus(realmail), 25)):
        (src / f"{i:03d}{f.suffix}").write_bytes(mutate(f.read_bytes(), rng))
    demo_mbox = next((project_root / "data" / "demo" / "mail" / "mbox").glob("*.mbox"))
    out = tmp_path / "out"
    t = time.perf_counter()
    result = run_to_dir([src, demo_mbox], out, jobs=1, use_cache=False)
    assert time.perf_counter() - t < 240
    rep = result.ingest_report
    assert rep["messages_seen"] == rep["parsed"] + rep["duplicates"] + rep["quarantined"]
    assert len(result.scores) >= 3
    for f in ("scores.csv", "evidence.csv", "report.html", "run_stats.json"):
        assert (out / f).is_file()
