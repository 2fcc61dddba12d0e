""".zip, .tar and .tar.gz/.tgz archives as SOURCEs (a Google Takeout download, a zip of .eml files),
read member by member with the standard library's zipfile/tarfile and never extracted to disk.

Each member is sniffed by its first bytes (:func:`analyzer.ingest.formats.sniff`): an mbox or
LISTSERV member is streamed line by line through the mbox splitter, an .eml or .msg member is one
message. Everything else is a quarantine row naming ``archive.zip:member/path`` and the reason:
a member that is not mail, a nested archive or compressed file (not opened), an encrypted zip
member, a .pst (libpff needs a file on disk), a symbolic link, hard link, device or FIFO member of
a tar, and members past the limits of :mod:`analyzer.limits` (a compression bomb is a row, not a
crash and not memory growth). A corrupt or truncated archive is a row too. Member names are only
text: ``..`` or absolute paths lead nowhere since nothing is written.

A message's ``source`` is ``archive:member``, its ``source_format`` the member's format and its
``folder`` the member's path (:mod:`analyzer.ingest.folders`). A zip is cut into units of members
(its central directory lists them, and zip limits are checked there, on declared sizes, which
zipfile enforces while reading); a tar is a stream and one unit.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from analyzer import limits
from analyzer.ingest.folders import member_folder
from analyzer.ingest.formats import SNIFF_BYTES, from_utf16, sniff
from analyzer.ingest.mboxsplit import GZIP_MAGIC, DecompressionLimit, finish_message, scan_messages
from analyzer.ingest.sources import RawMessage, display_path, quarantine_row

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a member header; the end record of an empty zip
_NESTED = ((b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (GZIP_MAGIC, "gzip"), (b"BZh", "bzip2"),
           (b"\xfd7zXZ\x00", "xz"), (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "rar"))
_READ_ERRORS = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError, KeyError, IndexError)
_LINE = 1 << 20


@dataclass(frozen=True)
class ArchiveUnit:
    """Members of one archive read by one worker: ``members`` are (position, name) pairs of a zip's
    central directory; None for a tar (the whole stream)."""

    path: str
    kind: str  # "zip", "tar" or "tgz"
    members: tuple[tuple[int, str], ...] | None = None
    size: int = 0


def archive_kind(head: bytes, gzipped: bool) -> str | None:
    """"zip", "tar", "tgz" (``head`` of a gzip file is its decompressed head) or None."""
    if not gzipped and head.startswith(ZIP_MAGICS):
        return "zip"
    if head[257:262] == b"ustar":
        return "tgz" if gzipped else "tar"
    return None


def _limit(compressed: int) -> int:
    return min(limits.MAX_DECOMPRESSED_BYTES,
               max(limits.MAX_ARCHIVE_MIN, limits.MAX_COMPRESSION_RATIO * max(compressed, 1)))


def _name(archive: str, member: str) -> str:
    return f"{display_path(archive)}:{display_path(member)}"


def plan_archive(path: str, kind: str, size: int, batch_files: int, chunk_bytes: int
                 ) -> tuple[list[ArchiveUnit], list[dict]]:
    """Work units and up-front quarantine rows of one archive (a zip's central directory is read
    here; a tar is one streamed unit)."""
    if kind != "zip":
        return [ArchiveUnit(path, kind, None, size)], []
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except _READ_ERRORS as exc:
        return [], [quarantine_row(path, None, f"unreadable zip archive: {type(exc).__name__}: {exc}")]
    units, rows = [], []
    batch: list[tuple[int, str]] = []
    batch_bytes = total = count = 0
    archive_limit = _limit(size)
    for i, info in enumerate(infos):
        if info.is_dir():
            continue
        count += 1
        if count > limits.MAX_ARCHIVE_MEMBERS:
            rows.append(quarantine_row(path, None, f"archive holds more than {limits.MAX_ARCHIVE_MEMBERS} members: "
                                       f"{len(infos) - i} more entries not read"))
            break
        reason = _zip_refusal(info, total, archive_limit)
        if reason:
            rows.append(quarantine_row(_name(path, info.filename), None, reason))
            continue
        total += info.file_size
        if batch and (len(batch) >= batch_files or batch_bytes + info.file_size > chunk_bytes):
            units.append(ArchiveUnit(path, "zip", tuple(batch), batch_bytes))
            batch, batch_bytes = [], 0
        batch.append((i, info.filename))
        batch_bytes += info.file_size
    if batch:
        units.append(ArchiveUnit(path, "zip", tuple(batch), batch_bytes))
    if count == 0:
        rows.append(quarantine_row(path, None, "empty archive: no members"))
    return units, rows


def _zip_refusal(info: zipfile.ZipInfo, total: int, archive_limit: int) -> str:
    if info.flag_bits & 0x1:
        return "encrypted zip member: not read"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        return f"zip member compressed with method {info.compress_type}: not supported"
    if info.file_size > limits.MAX_ARCHIVE_MEMBER_BYTES:
        return f"archive member of {info.file_size} bytes exceeds {limits.MAX_ARCHIVE_MEMBER_BYTES}: not read"
    if info.file_size > _limit(info.compress_size):
        return (f"archive member expands from {info.compress_size} to {info.file_size} bytes, beyond "
                f"{_limit(info.compress_size)}: not read (a compression bomb?)")
    if total + info.file_size > archive_limit:
        return f"archive expands beyond {archive_limit} bytes: member not read (a compression bomb?)"
    return ""


class _CountingRaw(io.RawIOBase):
    """A member stream (or a whole tar stream) that counts what it yields and stops with
    DecompressionLimit past ``limit``; ``prefix`` (a member's sniffed head) is served first."""

    def __init__(self, fh, limit: int, what: str):
        self.fh, self.limit, self.what = fh, limit, what
        self.count = 0
        self.prefix = b""

    def readable(self) -> bool:
        return True

    def take(self, n: int) -> bytes:
        data = self.fh.read(n)
        self.count += len(data)
        if self.count > self.limit:
            raise DecompressionLimit(f"{self.what} expands beyond {self.limit} bytes: not read further "
                                     "(a compression bomb?)")
        return data

    def readinto(self, b) -> int:
        if self.prefix:
            n = min(len(b), len(self.prefix))
            b[:n], self.prefix = self.prefix[:n], self.prefix[n:]
            return n
        data = self.take(len(b))
        b[: len(data)] = data
        return len(data)


class _Lines:
    """What :func:`analyzer.ingest.mboxsplit.scan_messages` reads: lines (cut at 1 MiB), seek to 0 only."""

    def __init__(self, buffered: io.BufferedReader):
        self.buffered = buffered

    def seek(self, pos: int) -> None:
        if pos:
            raise ValueError("an archive member is read from its start only")

    def __iter__(self):
        return iter(lambda: self.buffered.readline(_LINE), b"")


def _read_member(fh, archive: str, member: str, limit: int, state: dict) -> Iterator[RawMessage | dict]:
    """The messages of one member stream, or quarantine rows; ``state["broken"]`` is set when the
    stream failed (a tar cannot go on after that)."""
    src = _name(archive, member)
    raw = _CountingRaw(fh, limit, "archive member")
    index = None
    try:
        head = b""
        while len(head) < SNIFF_BYTES:
            chunk = raw.take(SNIFF_BYTES - len(head))
            if not chunk:
                break
            head += chunk
        nested = next((kind for magic, kind in _NESTED if head.startswith(magic)), None)
        if nested is None and head[257:262] == b"ustar":
            nested = "tar"
        if nested:
            yield quarantine_row(src, None, f"nested archive or compressed file ({nested}) inside an archive: "
                                 "not opened")
            return
        fmt, reason = sniff(head)
        if fmt is None:
            yield quarantine_row(src, None, reason)
            return
        if fmt == "pst":
            yield quarantine_row(src, None, "Outlook .pst inside an archive: not read (extract it and give the .pst "
                                 "as a SOURCE)")
            return
        folder = display_path(member_folder(member, fmt))
        raw.prefix = head
        buffered = io.BufferedReader(raw, 1 << 16)
        if fmt in ("eml", "msg"):
            data = buffered.read(limits.MAX_ARCHIVE_MESSAGE_BYTES + 1)
            if len(data) > limits.MAX_ARCHIVE_MESSAGE_BYTES:
                yield quarantine_row(src, None, f"single message of more than {limits.MAX_ARCHIVE_MESSAGE_BYTES} "
                                     "bytes: not read")
                return
            yield RawMessage(src, None, fmt, from_utf16(data) if fmt == "eml" else data, folder)
            return
        index = 0
        for _, lines in scan_messages(_Lines(buffered), fmt, 0, None, keep=True):
            yield RawMessage(src, index, fmt, finish_message(lines, fmt), folder)
            index += 1
    except DecompressionLimit as exc:
        state["broken"] = True
        yield quarantine_row(src, index, str(exc))
    except _READ_ERRORS as exc:
        state["broken"] = True
        yield quarantine_row(src, index, f"unreadable archive member: {type(exc).__name__}: {exc}")


def iter_archive(unit: ArchiveUnit) -> Iterator[RawMessage | dict]:
    """Raw messages and quarantine rows of one archive unit, in member order."""
    if unit.kind == "zip":
        yield from _iter_zip(unit)
    else:
        yield from _iter_tar(unit)


def _iter_zip(unit: ArchiveUnit) -> Iterator[RawMessage | dict]:
    try:
        zf = zipfile.ZipFile(unit.path)
        infos = zf.infolist()
    except _READ_ERRORS as exc:
        for _, name in unit.members or ():
            yield quarantine_row(_name(unit.path, name), None, f"unreadable zip archive: {type(exc).__name__}: {exc}")
        return
    with zf:
        for i, name in unit.members or ():
            info = infos[i] if i < len(infos) else None
            if info is None or info.filename != name:
                yield quarantine_row(_name(unit.path, name), None, "zip archive changed while it was read")
                continue
            try:
                fh = zf.open(info)
            except _READ_ERRORS as exc:
                yield quarantine_row(_name(unit.path, name), None, f"unreadable archive member: {type(exc).__name__}: {exc}")
                continue
            with fh:
                yield from _read_member(fh, unit.path, name, _limit(info.compress_size), {})


def _tar_refusal(member: tarfile.TarInfo) -> str:
    if member.issym():
        return f"symbolic link inside the archive (to {member.linkname!r}): not followed"
    if member.islnk():
        return f"hard link inside the archive (to {member.linkname!r}): not followed"
    if member.ischr() or member.isblk() or member.isfifo():
        return "not a regular file (device or FIFO) inside the archive: not read"
    if not member.isreg():
        return f"tar member of type {member.type!r}: not read"
    if member.issparse():
        return "sparse tar member: not read"
    if member.size > limits.MAX_ARCHIVE_MEMBER_BYTES:
        return f"archive member of {member.size} bytes exceeds {limits.MAX_ARCHIVE_MEMBER_BYTES}: not read"
    return ""


def _iter_tar(unit: ArchiveUnit) -> Iterator[RawMessage | dict]:
    last, failed = "", False
    try:
        fh = gzip.open(unit.path, "rb") if unit.kind == "tgz" else open(unit.path, "rb")
    except OSError as exc:
        yield quarantine_row(unit.path, None, f"unreadable archive: {exc.strerror or exc}")
        return
    with fh:
        limit = _limit(unit.size) if unit.kind == "tgz" else limits.MAX_DECOMPRESSED_BYTES
        stream = _CountingRaw(fh, limit, "archive")
        count = 0
        try:
            tf = tarfile.open(fileobj=stream, mode="r|")
            while True:
                member = tf.next()
                if member is None:
                    break
                last = member.name
                if member.isdir():
                    continue
                count += 1
                if count > limits.MAX_ARCHIVE_MEMBERS:
                    yield quarantine_row(unit.path, None, f"archive holds more than {limits.MAX_ARCHIVE_MEMBERS} "
                                         "members: the rest not read")
                    return
                reason = _tar_refusal(member)
                if reason:
                    yield quarantine_row(_name(unit.path, member.name), None, reason)
                    continue
                state: dict = {}
                yield from _read_member(tf.extractfile(member), unit.path, member.name, member.size, state)
                if state.get("broken"):
                    return
        except DecompressionLimit as exc:  # while skipping past a member: the rest of the archive
            failed = True
            yield quarantine_row(unit.path, None, f"{exc}; members after {last!r} not read")
        except _READ_ERRORS as exc:
            failed = True
            where = f"after member {last!r}" if last else "at its start"
            yield quarantine_row(unit.path, None, f"corrupt or truncated archive {where}: {type(exc).__name__}: {exc}")
        if count == 0 and not last and not failed:
            yield quarantine_row(unit.path, None, "empty archive: no members")
