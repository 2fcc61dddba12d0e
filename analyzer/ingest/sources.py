"""Find mail under SOURCE paths, tell formats apart by content, and cut the work into units.

A SOURCE is a file or a folder (searched recursively, in sorted order). Every regular
file found is *sniffed* by its first bytes, never by its name:

=============  ===============================================================
``mbox``       starts with a ``From `` line (leading blank lines allowed)
``listserv``   a raw LISTSERV log: messages separated by lines of ``=`` (73 of them)
``msg``        Outlook item: OLE2 compound file magic ``D0 CF 11 E0 A1 B1 1A E1``
``eml``        one RFC 822 message: the file opens with a block of header fields
``maildir``    a folder holding ``cur/`` and ``new/`` (``tmp/`` is in-delivery, skipped);
               each entry of ``cur/`` and ``new/`` is one message
``pst``        Outlook personal folders (``!BDN``): :mod:`analyzer.ingest.pst`
``zip``, ...   ``.zip``/``.tar``/``.tgz`` archives: :mod:`analyzer.ingest.archives`
=============  ===============================================================

Anything else (empty, binary, plain text, a FIFO, a dangling link, a file that cannot be
read) becomes a quarantine row ``{"source", "index", "reason"}``. LISTSERV logs are split
cleanly into their messages rather than quarantined: each chunk between separator lines
is a complete RFC 822 message. Their index files (``*.DBNAMES``) are binary and are
quarantined like any other non-mail file.

The unit of parallel work is a :class:`RangeUnit` (a byte range of one mbox/LISTSERV file that
starts on a message boundary, with the index of its first message) or a :class:`FileBatch` (a batch
of single-message files); :func:`analyzer.ingest.units.iter_unit` reads one. A large mbox is cut
into several ranges by one cheap boundary scan, so one 1 GB file spreads over all workers while the
message indexes stay those of a serial read.

mbox splitting: the first ``From `` line of a range always starts a message; later ones
do only when they look like a real From_ line (a time of day and a weekday or a year).
A blank line before it is not required: sloppy writers omit it and ``mailbox`` does not
ask for it either. So the unquoted ``From time to time`` body line of
``cpython-test-email/mailbox_01.mbox`` stays in its message, where the standard library's
``mailbox.mbox`` would cut a bogus empty second message. ``>From `` lines are unescaped
one level (mboxrd).
"""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from analyzer.errors import InputError
from analyzer.ingest.folders import file_folder, maildir_folder
from analyzer.ingest.formats import SNIFF_BYTES, sniff
from analyzer.ingest.mboxsplit import GZIP_MAGIC, message_offsets

#: A mbox/LISTSERV file larger than this is cut into several work units. 8 MB (about 3,000
#: messages, 2-3 s of parsing) keeps the end of a parse short: the workers run out of units at most
#: one small unit apart (bench/bench_run.py, 100k realistic messages: 30 units instead of 15).
DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024
#: An mbox smaller than ``workers`` x DEFAULT_CHUNK_BYTES is cut into this many ranges per worker.
RANGES_PER_WORKER = 4
#: The smallest mbox range cut for parallel parsing (:func:`plan_sources` with several workers).
MIN_CHUNK_BYTES = 1024 * 1024
#: Single-message files per work unit.
DEFAULT_BATCH_FILES = 256


class RawMessage(NamedTuple):
    """One undecoded message: where it came from and its bytes."""

    source: str
    index: int | None
    fmt: str
    data: bytes
    folder: str = ""  # the ``folder`` column (analyzer.ingest.folders)


@dataclass(frozen=True)
class RangeUnit:
    """Messages of one mbox/LISTSERV file whose first line lies in ``[start, end)``.

    ``start`` is always a message boundary; ``end`` is the next unit's start (None: EOF).
    ``first_index`` is the index of the unit's first message inside the whole file.
    """

    path: str
    fmt: str
    start: int = 0
    end: int | None = None
    first_index: int = 0
    size: int = 0
    folder: str = ""


@dataclass(frozen=True)
class FileEntry:
    path: str  # file to read
    fmt: str  # "eml", "msg", "maildir" or "pst"
    source: str  # what rows name as source (the file, or the Maildir folder)
    index: int | None  # position in the Maildir listing; None for a lone file
    folder: str = ""  # the ``folder`` column (analyzer.ingest.folders)


@dataclass(frozen=True)
class FileBatch:
    """Several single-message files (.eml, .msg, Maildir entries) read by one worker.

    (Archives are :class:`analyzer.ingest.archives.ArchiveUnit` units.)"""

    entries: tuple[FileEntry, ...]
    size: int = 0


WorkUnit = RangeUnit | FileBatch


@dataclass
class SourcePlan:
    """What discovery found: files, work units in deterministic order, quarantine rows."""

    files: int
    units: list[WorkUnit]
    quarantine: list[dict]
    formats: dict[str, int]  # files (or Maildir entries) per format


def quarantine_row(source: str, index: int | None, reason: str) -> dict:
    return {"source": display_path(str(source)), "index": index, "reason": display_path(reason)}


def _read_head(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(SNIFF_BYTES)


# ---------------------------------------------------------------- discovery

def display_path(path) -> str:
    """A path as text that can be written anywhere (JSON, parquet, CSV): a file name that is not
    valid UTF-8 keeps its readable part, the undecodable bytes shown as U+FFFD."""
    text = os.fsdecode(path) if not isinstance(path, str) else path
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _is_maildir(path: Path) -> bool:
    try:
        return (path / "cur").is_dir() and (path / "new").is_dir()
    except OSError:  # a folder we may not look into is quarantined by the walk, not fatal
        return False


def _inside(path: Path, root: Path) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _walk(root: Path) -> Iterator[tuple[str, Path]]:
    """Yield ("file", path), ("maildir", folder) and ("error", (path, reason)) under ``root`` in
    sorted order. A folder that cannot be listed is an error row, never silently skipped; a
    symbolic link leading outside ``root`` is not followed (an error row says so)."""
    if _is_maildir(root):
        yield "maildir", root
    errors: list[OSError] = []

    def unreadable(where):
        while errors:
            exc = errors.pop()
            yield "error", (Path(exc.filename or where), f"unreadable folder: {exc.strerror or exc}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        yield from unreadable(dirpath)
        here = Path(dirpath)
        dirnames.sort()
        if _is_maildir(here):
            # cur/new/tmp belong to the Maildir; sub-folders (.Sent, ...) are walked on
            dirnames[:] = [d for d in dirnames if d not in ("cur", "new", "tmp")]
        keep = []
        for d in dirnames:
            sub = here / d
            if _is_maildir(sub):
                yield "maildir", sub
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = here / name
            if os.path.islink(path) and not _inside(path, root):
                yield "error", (path, "symbolic link to a file outside the SOURCE: not followed")
                continue
            yield "file", path
    yield from unreadable(root)


def _maildir_entries(folder: Path) -> list[Path]:
    entries = []
    for sub in ("cur", "new"):
        try:
            names = sorted(os.listdir(folder / sub))
        except OSError:
            continue
        entries.extend(folder / sub / n for n in names if not n.startswith("."))
    return entries


def _mbox_ranges(path: str, fmt: str, size: int, chunk_bytes: int, folder: str = "") -> list[RangeUnit]:
    """Cut a large mbox/LISTSERV file into ranges of about ``chunk_bytes`` on message starts."""
    if size <= chunk_bytes:
        return [RangeUnit(path, fmt, 0, None, 0, size, folder)]
    units = []
    unit_start, unit_index = 0, 0
    for index, offset in enumerate(message_offsets(path, fmt)):
        if offset - unit_start >= chunk_bytes:
            units.append(RangeUnit(path, fmt, unit_start, offset, unit_index, offset - unit_start, folder))
            unit_start, unit_index = offset, index
    units.append(RangeUnit(path, fmt, unit_start, None, unit_index, size - unit_start, folder))
    return units


def plan_sources(
    sources: list, chunk_bytes: int = DEFAULT_CHUNK_BYTES, batch_files: int = DEFAULT_BATCH_FILES,
    workers: int = 1, pst_items: int | None = None,
) -> SourcePlan:
    """Discover and sniff everything under ``sources``; raise InputError if there is nothing.

    With ``workers`` > 1 an mbox smaller than ``workers`` x ``chunk_bytes`` is cut into about
    :data:`RANGES_PER_WORKER` ranges per worker (none under :data:`MIN_CHUNK_BYTES`), so a typical
    export of a few MB is parsed on every core rather than in one unit, and the cores finish close
    together.

    A SOURCE that does not exist, or that holds no files at all, is an :class:`InputError`.
    A file reached twice (named twice, or through two SOURCEs) is read once.
    """
    from analyzer.ingest.archives import archive_kind, plan_archive
    from analyzer.ingest.pst import PST_UNIT_ITEMS, plan_pst

    pst_items = PST_UNIT_ITEMS if pst_items is None else pst_items

    if not sources:
        raise InputError("no SOURCE given")
    seen: set[str] = set()
    files = 0
    units: list[WorkUnit] = []
    quarantine: list[dict] = []
    formats: dict[str, int] = {}
    batch: list[FileEntry] = []
    batch_size = 0

    def flush():
        nonlocal batch, batch_size
        if batch:
            units.append(FileBatch(tuple(batch), batch_size))
            batch, batch_size = [], 0

    def add_entry(entry: FileEntry, size: int):
        nonlocal batch_size
        batch.append(entry)
        batch_size += size
        formats[entry.fmt] = formats.get(entry.fmt, 0) + 1
        if len(batch) >= batch_files:
            flush()

    for src in sources:
        root = Path(src)
        if not os.path.lexists(root):
            raise InputError(f"SOURCE not found: {root}")
        found_before = files
        items = [("file", root)] if not root.is_dir() else _walk(root)
        for kind, path in items:
            if kind == "error":
                bad, reason = path
                files += 1
                quarantine.append(quarantine_row(str(bad), None, reason))
                continue
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
            if kind == "maildir":
                mdir = maildir_folder(path, root)
                for i, entry in enumerate(_maildir_entries(path)):
                    files += 1
                    try:
                        st = os.stat(entry)
                    except OSError as exc:
                        quarantine.append(quarantine_row(str(entry), None, f"unreadable: {exc.strerror or exc}"))
                        continue
                    if not stat.S_ISREG(st.st_mode):  # a FIFO would hang the run, /dev/zero fill memory
                        quarantine.append(quarantine_row(str(entry), None,
                                                         "not a regular file (FIFO, socket or device)"))
                        continue
                    if os.path.islink(entry) and not _inside(entry, root):
                        quarantine.append(quarantine_row(str(entry), None,
                                                         "symbolic link to a file outside the SOURCE: not followed"))
                        continue
                    add_entry(FileEntry(str(entry), "maildir", str(path), i, mdir), st.st_size)
                continue
            files += 1
            try:
                st = os.stat(path)
            except OSError as exc:
                quarantine.append(quarantine_row(str(path), None, f"unreadable: {exc.strerror or exc}"))
                continue
            if not stat.S_ISREG(st.st_mode):
                quarantine.append(quarantine_row(str(path), None, "not a regular file (FIFO, socket or device)"))
                continue
            try:
                head = _read_head(str(path))
            except OSError as exc:
                quarantine.append(quarantine_row(str(path), None, f"unreadable: {exc.strerror or exc}"))
                continue
            compressed = head.startswith(GZIP_MAGIC)
            if compressed:
                try:
                    with gzip.open(path, "rb") as gz:
                        head = gz.read(SNIFF_BYTES)
                except (OSError, EOFError, zlib.error) as exc:
                    quarantine.append(quarantine_row(str(path), None, f"unreadable gzip file: {exc}"))
                    continue
            arch = archive_kind(head, compressed)
            if arch:  # .zip/.tar/.tgz: members read in place by the workers, never extracted
                flush()
                formats[arch] = formats.get(arch, 0) + 1
                arch_units, arch_rows = plan_archive(str(path), arch, st.st_size, batch_files, chunk_bytes)
                units.extend(arch_units)
                quarantine.extend(arch_rows)
                continue
            fmt, reason = sniff(head)
            if compressed and fmt not in (None, "mbox", "eml"):
                fmt, reason = None, f"not mail: gzip-compressed {fmt}, only compressed mbox or .eml is read"
            if fmt is None:
                quarantine.append(quarantine_row(str(path), None, reason))
                continue
            folder = file_folder(path, root, fmt)
            if compressed:  # streamed by one worker, never extracted to disk
                flush()
                formats[fmt + ".gz"] = formats.get(fmt + ".gz", 0) + 1
                if fmt == "mbox":
                    units.append(RangeUnit(str(path), "mbox.gz", 0, None, 0, st.st_size, file_folder(path, root, "mbox.gz")))
                else:
                    units.append(FileBatch((FileEntry(str(path), "eml.gz", str(path), None, folder),), st.st_size))
                continue
            if fmt == "pst":  # streamed units of its own: the whole file, or slices of its folders
                flush()
                formats[fmt] = formats.get(fmt, 0) + 1
                pst_units, pst_rows = plan_pst(str(path), display_path(str(path)), st.st_size, pst_items)
                units.extend(pst_units)
                quarantine.extend(pst_rows)
                continue
            if fmt in ("mbox", "listserv"):
                flush()  # keep units in file order
                formats[fmt] = formats.get(fmt, 0) + 1
                chunk = chunk_bytes if workers <= 1 else \
                    max(MIN_CHUNK_BYTES, min(chunk_bytes, st.st_size // (RANGES_PER_WORKER * workers) + 1))
                units.extend(_mbox_ranges(str(path), fmt, st.st_size, chunk, folder))
            else:
                add_entry(FileEntry(str(path), fmt, str(path), None, folder), st.st_size)
        if files == found_before:
            raise InputError(f"SOURCE holds no files: {root}")
    flush()
    return SourcePlan(files=files, units=units, quarantine=quarantine, formats=formats)
