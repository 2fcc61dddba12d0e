"""The block search for mbox message starts (used to cut large mboxes into work units) finds exactly
the starts the line-by-line splitter finds, on every file of the real mail corpus read as an mbox
(most are not, which makes them good odd input) and on crafted edge cases, whatever the block size;
and the in-memory splitter that parses a work unit (:func:`split_mbox`) gives exactly the messages
the line-by-line splitter gives."""

from __future__ import annotations

import pytest

import io
import random

from analyzer.ingest.mboxsplit import _mbox_offsets, finish_message, message_offsets, scan_messages, split_mbox

EDGE = {
    "empty": b"",
    "no separator": b"Subject: x\n\nbody\n",
    "text before the first separator": b"junk\nmore\nFrom a@b Mon Jan  1 10:00:00 2024\nSubject: x\n\nhi\n",
    "body From line without a date": (b"From a@b Mon Jan  1 10:00:00 2024\n\nFrom here on, we agree\n"
                                      b"From x@y Tue Jan  2 10:00:00 2024\n\nsecond\n"),
    "no final newline": b"From a@b Mon Jan  1 10:00:00 2024\n\nx\nFrom c@d Tue Jan  2 11:00 2024",
    "CRLF": b"From a@b Mon Jan  1 10:00:00 2024\r\n\r\nx\r\nFrom c@d Tue Jan  2 11:00:00 2024\r\n\r\ny\r\n",
    "first line is a bare From": b"From \nSubject: x\n\nFrom c@d Tue Jan  2 11:00:00 2024\n\ny\n",
    "From inside a line": b"From a@b Mon Jan  1 10:00:00 2024\n\nsay From c@d Tue Jan  2 11:00:00 2024\n",
    "long line": b"From a@b Mon Jan  1 10:00:00 2024\n\n" + b"x" * 5000 + b"\nFrom c@d Tue Jan  2 11:00:00 2024\n\ny",
    "escaped From and blank line kinds": (b"From a@b Mon Jan  1 10:00:00 2024\r\nS: x\r\n\r\n>From me\r\n>>From you\r\n\r\n"
                                          b"From c@d Tue Jan  2 11:00:00 2024\n\ny\n\r"),
    "time and day on two lines (not a separator)": (b"From a@b Mon Jan  1 10:00:00 2024\n\nFrom c@d 10:00\nMon 2024\n"
                                                    b"From e@f 2024\n11:00 Tue\nFrom g@h 11:00 Tue\n\nz\n"),
    "separator as the last line": b"From a@b Mon Jan  1 10:00:00 2024\n\nx\n\nFrom c@d Tue Jan  2 11:00:00 2024",
}


def _line_walk(path) -> list[int]:
    with open(path, "rb") as fh:
        return [offset for offset, _ in scan_messages(fh, "mbox", 0, None, keep=False)]


@pytest.mark.parametrize("name", sorted(EDGE))
def test_edge_cases(tmp_path, name):
    path = tmp_path / "box.mbox"
    path.write_bytes(EDGE[name])
    want = _line_walk(path)
    for block in (1, 2, 5, 6, 7, 13, 64, 4096, 1 << 20):
        assert list(_mbox_offsets(str(path), block)) == want, block
    assert list(message_offsets(str(path), "mbox")) == want


def test_every_real_mail_file(realmail):
    files = sorted(p for p in realmail.rglob("*") if p.is_file())
    starts = 0
    for path in files:
        want = _line_walk(path)
        starts += len(want)
        for block in ((7, 4096, 1 << 20) if path.stat().st_size < 200_000 else (4096, 1 << 20)):
            assert list(_mbox_offsets(str(path), block)) == want, (path, block)
    assert len(files) > 200 and starts > 250


def _line_messages(data: bytes) -> list[bytes]:
    return [finish_message(lines, "mbox") for _, lines in scan_messages(io.BytesIO(data), "mbox", 0, None, keep=True)]


@pytest.mark.parametrize("name", sorted(EDGE))
def test_split_in_memory_edge_cases(name):
    assert list(split_mbox(EDGE[name])) == _line_messages(EDGE[name])


def test_split_in_memory_random_lines():
    """Messages made of random separator-like, blank, escaped and unterminated lines."""
    pieces = [b"From a@b Mon Jan  1 10:00:00 2024\n", b"From nobody\n", b"\n", b"\r\n", b"\r", b"text\n",
              b">From q\n", b"x", b"From ", b"\nFrom z 2021"]
    rng = random.Random(7)
    for _ in range(2000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert list(split_mbox(data)) == _line_messages(data), data


def test_split_in_memory_every_real_mail_file(realmail):
    files = sorted(p for p in realmail.rglob("*") if p.is_file())
    messages = 0
    for path in files:
        data = path.read_bytes()
        want = _line_messages(data)
        messages += len(want)
        assert list(split_mbox(data)) == want, path
    assert messages > 250
