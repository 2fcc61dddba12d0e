"""Split an mbox or a LISTSERV log into its messages, streamed line by line (the splitting rules
are in :mod:`analyzer.ingest.sources`), and read gzip-compressed sources within limits."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator

from analyzer.ingest.formats import FROM_DATEISH, FROM_LINE, HEADER_LINE, LISTSERV_SEP, MBOXRD_ESCAPE


def is_blank(line: bytes) -> bool:
    return line in (b"\n", b"\r\n", b"\r")


def is_separator(line: bytes) -> bool:
    """A ``From `` line that separates two mbox messages (a sender, a time and a day or a year), as
    opposed to a body line that happens to start with "From "."""
    return FROM_LINE.match(line) is not None and FROM_DATEISH.search(line) is not None


def scan_messages(fh, fmt: str, start: int, end: int | None, keep: bool) -> Iterator[tuple[int, list[bytes] | None]]:
    """Yield (offset, lines) per message of an mbox/LISTSERV stream beginning at ``start``.

    The separator line itself is not part of the message. ``keep=False`` yields offsets only.
    """
    fh.seek(start)
    pos = start
    cur: list[bytes] | None = None
    cur_off = start
    pending: tuple[int, bytes] | None = None  # LISTSERV "=" line awaiting a header line
    for line in fh:
        if fmt == "listserv":
            if pending is not None:
                p_off, p_line = pending
                pending = None
                if HEADER_LINE.match(line):  # the "=" line was a separator
                    if cur is not None:
                        yield cur_off, cur
                    if end is not None and p_off >= end:
                        return
                    cur, cur_off = [], p_off
                elif cur is not None and keep:  # just a row of "=" inside a body
                    cur.append(p_line)
            if line.rstrip(b"\r\n") == LISTSERV_SEP:
                pending = (pos, line)
            elif cur is not None and keep:
                cur.append(line)
        else:
            if line.startswith(b"From ") and (cur is None or is_separator(line)):
                if cur is not None:
                    yield cur_off, cur
                if end is not None and pos >= end:
                    return
                cur, cur_off = [], pos
            elif cur is not None and keep:
                cur.append(line)
        pos += len(line)
    if pending is not None and cur is not None and keep:
        cur.append(pending[1])
    if cur is not None:
        yield cur_off, cur


def message_offsets(path: str, fmt: str) -> Iterator[int]:
    """Byte offset of every message start in an mbox/LISTSERV file (one cheap pass)."""
    if fmt == "mbox":
        yield from _mbox_offsets(path)
        return
    with open(path, "rb") as fh:
        for offset, _ in scan_messages(fh, fmt, 0, None, keep=False):
            yield offset


#: Bytes read at a time by :func:`_mbox_offsets`.
OFFSET_BLOCK = 8 << 20


#: A newline and the separator line after it: :func:`is_separator`'s two tests, made by the regular
#: expression engine (which finds the literal ``\nFrom `` at C speed) instead of a Python step per line.
_SEPARATOR = re.compile(rb"\nFrom (?=" + FROM_LINE.pattern.removeprefix(b"^From ") + rb")(?=[^\n]*(?:"
                        + FROM_DATEISH.pattern + rb"))")


def _separator_starts(buf: bytes, complete: int, first: bool) -> Iterator[int]:
    """Where the lines of ``buf`` that start before ``complete`` and separate mbox messages begin:
    lines that begin with ``From `` and look like a separator (:func:`is_separator`), or, with
    ``first``, the first line that begins with ``From `` whatever it looks like
    (:func:`scan_messages`' rule for a file's first message). ``complete`` is 0, ``len(buf)`` or
    just after a newline."""
    p = 0 if buf.startswith(b"From ") else buf.find(b"\nFrom ") + 1 or -1
    if not 0 <= p < complete:
        return
    if first or is_separator(buf[p:buf.find(b"\n", p) + 1 or len(buf)]):
        yield p
    for match in _SEPARATOR.finditer(buf, p, complete):
        yield match.start() + 1


def _mbox_offsets(path: str, block: int = OFFSET_BLOCK) -> Iterator[int]:
    """The message starts :func:`scan_messages` finds in an mbox, found block by block with
    :func:`_separator_starts`."""
    first = True
    base = 0  # file offset of chunk[0], always the start of a line
    carry = b""
    with open(path, "rb") as fh:
        while True:
            data = fh.read(block)
            chunk = carry + data
            if not chunk:
                return
            complete = len(chunk) if not data else chunk.rfind(b"\n") + 1  # at EOF the last line counts too
            for p in _separator_starts(chunk, complete, first):
                first = False
                yield base + p
            if not data:
                return
            carry = chunk[complete:]
            base += complete


def split_mbox(buf: bytes) -> Iterator[bytes]:
    """The messages of an mbox held in memory (a work unit's byte range), as
    :func:`scan_messages` + :func:`finish_message` give them: a message is the lines after its
    separator line (:func:`_separator_starts`; lines before the first are dropped), without the
    blank line before the next separator, ``>From `` unescaped."""
    starts = list(_separator_starts(buf, len(buf), True))
    for start, stop in zip(starts, starts[1:] + [len(buf)]):
        body = buf.find(b"\n", start, stop)
        yield _finish(buf[body + 1:stop] if body >= 0 else b"")


def _finish(data: bytes) -> bytes:
    """:func:`finish_message` of a message's bytes (lines split on ``\\n`` as a binary file is)."""
    if data:
        last = data[data.rfind(b"\n", 0, len(data) - 1) + 1:] if data.endswith(b"\n") else data[data.rfind(b"\n") + 1:]
        if is_blank(last):
            data = data[:len(data) - len(last)]
    if b">From " in data:
        data = MBOXRD_ESCAPE.sub(rb"\1", data)
    return data


def finish_message(lines: list[bytes], fmt: str) -> bytes:
    if lines and is_blank(lines[-1]):
        lines = lines[:-1]  # the blank line that precedes the next separator
    data = b"".join(lines)
    if fmt == "mbox" and b">From " in data:
        data = MBOXRD_ESCAPE.sub(rb"\1", data)
    return data


GZIP_MAGIC = b"\x1f\x8b"


class DecompressionLimit(Exception):
    """A compressed source expands beyond what :class:`BoundedGzip` allows."""


class BoundedGzip:
    """A gzip stream read line by line (lines cut at 1 MiB), that stops with
    :class:`DecompressionLimit` once it has expanded beyond ``max(MAX_DECOMPRESSED_MIN,
    MAX_COMPRESSION_RATIO x compressed size)`` bytes (a compression bomb), never beyond
    ``MAX_DECOMPRESSED_BYTES``. Nothing is written to disk."""

    def __init__(self, path: str, compressed_size: int):
        from analyzer import limits

        self.path = path
        self.fh = gzip.open(path, "rb")
        self.limit = min(limits.MAX_DECOMPRESSED_BYTES,
                         max(limits.MAX_DECOMPRESSED_MIN, limits.MAX_COMPRESSION_RATIO * max(compressed_size, 1)))
        self.read = 0

    def seek(self, pos: int) -> None:
        self.fh.seek(pos)
        self.read = pos

    def __iter__(self):
        while True:
            line = self.fh.readline(1 << 20)
            if not line:
                return
            self.read += len(line)
            if self.read > self.limit:
                raise DecompressionLimit(f"compressed source expands beyond {self.limit} bytes: not read further "
                                         "(a compression bomb?)")
            yield line

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()
