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
unlinked (Windows), its folder goes when the interpreter exits.

Where: :func:`scratch_folder` (this module's files and the stored bodies of
:mod:`analyzer.ingest.bodies`). ``analyzer run`` puts them in its output folder (:func:`scratch_in`),
on the disk the user chose for the run; other callers get the system's temporary folder
(``TMPDIR``). On a system whose temporary folder is memory (``tmpfs``, as Debian 13's is), scratch
files there would be memory again.

Used by :class:`analyzer.ingest.pipeline.TableSink` (the parsed units' tables, as they come in) and
:func:`analyzer.ingest.parked.park` (the frame through signal detection and scoring).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import pyarrow as pa

#: Scratch folders whose mapped file could not be unlinked: removed when the interpreter exits
#: (each :class:`tempfile.TemporaryDirectory` cleans itself up then).
_LEFT_OPEN: list[tempfile.TemporaryDirectory] = []


#: The folder scratch files go to in this context (None: the system's temporary folder).
_SCRATCH_DIR: ContextVar[str | None] = ContextVar("analyzer_scratch_dir", default=None)

#: Prefix of every scratch folder: a run folder's leftovers of a killed run are found by it.
SCRATCH_PREFIX = ".analyzer-scratch-"


@contextmanager
def scratch_in(folder):
    """Scratch files made inside the block go to ``folder`` (an existing directory)."""
    token = _SCRATCH_DIR.set(str(folder))
    try:
        yield
    finally:
        _SCRATCH_DIR.reset(token)


def scratch_folder(kind: str) -> tempfile.TemporaryDirectory:
    """A new scratch folder for ``kind`` of files, in this context's folder (:func:`scratch_in`),
    named with this process's id; it is removed when the returned object is cleaned up or
    garbage-collected (a killed process leaves it: :func:`remove_stale_scratch`)."""
    return tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-{kind}-", dir=_SCRATCH_DIR.get(),
                                       ignore_cleanup_errors=True)


def remove_stale_scratch(folder) -> list[Path]:
    """Remove the scratch folders in ``folder`` left by processes that are gone (a killed run);
    returns them. Those of live processes stay (a notebook's earlier result reads its bodies there)."""
    import shutil

    removed = []
    for path in Path(folder).glob(f"{SCRATCH_PREFIX}*"):
        pid = path.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        if not path.is_dir() or not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


class ScratchTableFile:
    """Tables of one schema appended to a scratch Arrow IPC file (:meth:`write`), then read back in
    place as one table (:meth:`mapped`; once)."""

    def __init__(self, schema: pa.Schema, kind: str = "table") -> None:
        self.schema = schema
        self._tmp = scratch_folder(kind)
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
        try:
            source = pa.memory_map(str(self.path), "r")
        except OSError:  # a file system that cannot map files: read it into memory, as before
            source = pa.OSFile(str(self.path), "rb")
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


def mapped_copy(table: pa.Table, kind: str = "table") -> pa.Table:
    """``table``'s values, read in place from a scratch file (:class:`ScratchTableFile`)."""
    scratch = ScratchTableFile(table.schema, kind)
    try:
        scratch.write(table)
    except BaseException:
        scratch.discard()
        raise
    return scratch.mapped()
