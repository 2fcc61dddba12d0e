"""Read one work unit of :mod:`analyzer.ingest.sources`: its raw messages, in order.

A :class:`~analyzer.ingest.sources.RangeUnit` is a byte range of an mbox or LISTSERV file (gzipped or
not), a :class:`~analyzer.ingest.sources.FileBatch` a batch of single-message files; archives and
Outlook .pst files have their own units (:mod:`analyzer.ingest.archives`, :mod:`analyzer.ingest.pst`).
Whatever cannot be read comes out as a quarantine row with the reason, in the message's place.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator

from analyzer.ingest.formats import SNIFF_BYTES, from_utf16, sniff
from analyzer.ingest.mboxsplit import BoundedGzip, DecompressionLimit, finish_message, scan_messages, split_mbox
from analyzer.ingest.sources import RangeUnit, RawMessage, WorkUnit, display_path, quarantine_row

#: An mbox work unit up to this size is read into memory and split there (:func:`split_mbox`);
#: a larger one (a single huge message) is read line by line.
MAX_SPLIT_IN_MEMORY = 256 * 1024 * 1024


def iter_unit(unit: WorkUnit) -> Iterator[RawMessage | dict]:
    """Raw messages of one work unit, in order; unreadable pieces come as quarantine rows."""
    from analyzer.ingest.archives import ArchiveUnit, iter_archive
    from analyzer.ingest.pst import PstUnit, iter_pst_unit

    if isinstance(unit, ArchiveUnit):
        yield from iter_archive(unit)
        return
    if isinstance(unit, PstUnit):
        yield from iter_pst_unit(unit)
        return
    if isinstance(unit, RangeUnit):
        index = unit.first_index
        fmt = unit.fmt.removesuffix(".gz")
        try:
            if unit.fmt == "mbox" and unit.size <= MAX_SPLIT_IN_MEMORY:  # the common case, twice as fast as by line
                with open(unit.path, "rb") as fh:
                    fh.seek(unit.start)
                    buf = fh.read() if unit.end is None else fh.read(unit.end - unit.start)
                for data in split_mbox(buf):
                    yield RawMessage(display_path(unit.path), index, fmt, data, display_path(unit.folder))
                    index += 1
                return
            with (BoundedGzip(unit.path, unit.size) if unit.fmt.endswith(".gz") else open(unit.path, "rb")) as fh:
                for _, lines in scan_messages(fh, fmt, unit.start, unit.end, keep=True):
                    yield RawMessage(display_path(unit.path), index, fmt, finish_message(lines, fmt), display_path(unit.folder))
                    index += 1
        except DecompressionLimit as exc:
            yield quarantine_row(unit.path, index, str(exc))
        except (OSError, EOFError, zlib.error) as exc:
            yield quarantine_row(unit.path, index, f"read error: {getattr(exc, 'strerror', None) or exc}")
        return
    for entry in unit.entries:
        if entry.fmt == "pst":
            from analyzer.ingest.pst import iter_pst

            yield from iter_pst(entry.path, display_path(entry.source))
            continue
        try:
            if entry.fmt == "eml.gz":
                with BoundedGzip(entry.path, os.path.getsize(entry.path)) as fh:
                    data = b"".join(fh)
            else:
                with open(entry.path, "rb") as fh:
                    data = fh.read()
        except DecompressionLimit as exc:
            yield quarantine_row(entry.source, entry.index, str(exc))
            continue
        except (EOFError, zlib.error) as exc:
            yield quarantine_row(entry.source, entry.index, f"unreadable gzip file: {exc}")
            continue
        except OSError as exc:
            yield quarantine_row(entry.source, entry.index, f"unreadable {entry.path}: {exc.strerror or exc}")
            continue
        if entry.fmt == "maildir":  # Maildir entries were not sniffed at discovery
            fmt, reason = sniff(data[:SNIFF_BYTES])
            if fmt not in ("eml", "mbox"):
                yield quarantine_row(entry.source, entry.index, f"{entry.path}: {reason or 'not mail'}")
                continue
        if entry.fmt != "msg":
            data = from_utf16(data)
        yield RawMessage(display_path(entry.source), entry.index, entry.fmt.removesuffix(".gz"), data,
                         display_path(entry.folder))
