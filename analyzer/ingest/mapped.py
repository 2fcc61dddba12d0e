"""Arrow tables kept in a scratch file and read in place (memory-mapped) instead of in memory.

A large run's messages frame (without the bodies, which wait in :mod:`analyzer.ingest.bodies`) is
most of what its main process holds: 334 MiB of Arrow buffers at 500k generated messages, and it
grows with the mailbox. Written once to an uncompressed Arrow IPC file and mapped back, the same
columns read the same values, but their pages belong to the file: the kernel keeps them while
memory is free and drops them (to read them again from disk when touched) as it runs short, which
it cannot do with the process's own (anonymous) memory, as there is no swap to send it to. So the
memory a run *needs* stops growing with the mailbox's metadata (``bench/trace_run.py``, with its
``--memory-limit``, shows both).

The file is unlinked as soon as it is mapped (POSIX keeps a mapped file's pages until the last
mapping goes): nothing is left on disk, even when the run is killed. Where a mapped file cannot be
unlinked (Windows), its folder goes when the interpreter exits. The folder is the system's
temporary folder (``TMPDIR``): where that is memory (``tmpfs``), point ``TMPDIR`` at a disk.

Used by :class:`analyzer.ingest.pipeline.TableSink` (the parsed units' tables, as they come in) and
:func:`analyzer.ingest.parked.park` (the frame through signal detection and scoring).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa

#: Scratch folders whose mapped file could not be unlinked: removed when the interpreter exits
#: (each :class:`tempfile.TemporaryDirectory` cleans itself up then).
_LEFT_OPEN: list[tempfile.TemporaryDirectory] = []


class ScratchTableFile:
    """Tables of one schema appended to a scratch Arrow IPC file (:meth:`write`), then read back in
    place as one table (:meth:`mapped`; once)."""

    def __init__(self, schema: pa.Schema, prefix: str = "analyzer-mapped-") -> None:
        self.schema = schema
        self._tmp = tempfile.TemporaryDirectory(prefix=prefix)
        self.path = Path(self._tmp.name) / "table.arrow"
        self._sink = pa.OSFile(str(self.path), "wb")
        self._writer = pa.ipc.new_file(self._sink, schema)
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.select(self.schema.names).cast(self.schema))
            self.rows += table.num_rows

    def mapped(self) -> pa.Table:
        """Every row written, as a table whose buffers are the mapped file's pages; the file is
        unlinked (its pages live as long as the table's buffers)."""
        self._writer.close()
        self._sink.close()
        source = pa.memory_map(str(self.path), "r")
        try:
            table = pa.ipc.open_file(source).read_all()
        finally:
            source.close()  # the buffers keep the mapping alive
        try:
            os.unlink(self.path)
            self._tmp.cleanup()
        except OSError:  # a mapped file cannot go (Windows): its folder goes at exit
            _LEFT_OPEN.append(self._tmp)
        return table

    def discard(self) -> None:
        """Close and remove the file without reading it (a run that stopped)."""
        try:
            self._writer.close()
            self._sink.close()
        finally:
            self._tmp.cleanup()


def mapped_copy(table: pa.Table, prefix: str = "analyzer-mapped-") -> pa.Table:
    """``table``'s values, read in place from a scratch file (:class:`ScratchTableFile`)."""
    scratch = ScratchTableFile(table.schema, prefix)
    try:
        scratch.write(table)
    except BaseException:
        scratch.discard()
        raise
    return scratch.mapped()
