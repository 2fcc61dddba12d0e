"""The whole bodies of a run's messages, kept on disk while the run works on the rest.

Nothing after ingest reads a message's whole ``body`` or its ``quoted_text``: attribution, signal
detection and the depth features read the sender's new text, the signature and the headers. Yet
those two columns are most of a mailbox's text (about 60% of the messages frame of realistic mail).
So a run sends them, unit by unit as they are parsed, to a :class:`BodySink` (a parquet file in a
temporary folder), and holds only the rest in memory; the messages frame comes back whole when
someone asks for it (:meth:`BodyStore.join`) or is written to ``messages.parquet`` batch by batch
(:func:`write_messages_with_bodies`), never the whole mailbox's bodies at once.

Rows are in the order the frame's rows were added; each carries its ``content_hash``, and a join
refuses a frame whose hashes do not match row by row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.ingest.mapped import scratch_folder
from analyzer.ingest.message import MESSAGE_COLUMNS, MESSAGE_SCHEMA, frame_to_table, table_to_frame

#: The columns kept on disk.
BODY_COLUMNS = ("body", "quoted_text")
#: The schema of the messages a run holds in memory: every column but the bodies.
LEAN_SCHEMA = pa.schema([f for f in MESSAGE_SCHEMA if f.name not in BODY_COLUMNS])
_KEY = "content_hash"
_SCHEMA = pa.schema([MESSAGE_SCHEMA.field(_KEY), *(MESSAGE_SCHEMA.field(c) for c in BODY_COLUMNS)])
#: Rows per batch when the bodies are read back, and per row group of the scratch file (a reader
#: decodes a whole row group at once).
BATCH_ROWS = 8_192
ROW_GROUP_ROWS = 4_096


def without_bodies(table: pa.Table) -> pa.Table:
    """A messages table without :data:`BODY_COLUMNS`."""
    return table.drop_columns(list(BODY_COLUMNS))


class BodySink:
    """Appends the :data:`BODY_COLUMNS` of messages tables, in order, to a parquet file."""

    def __init__(self) -> None:
        self._tmp = scratch_folder("bodies")
        self._path = Path(self._tmp.name) / "bodies.parquet"
        # uncompressed: a scratch file read back once; compressing it only costs the run CPU
        self._writer = pq.ParquetWriter(self._path, _SCHEMA, compression="none")
        self._rows = 0

    def add(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.select([_KEY, *BODY_COLUMNS]).cast(_SCHEMA), row_group_size=ROW_GROUP_ROWS)
            self._rows += table.num_rows

    def close(self) -> "BodyStore":
        self._writer.close()
        return BodyStore(self._tmp, self._path, self._rows)


class BodyStore:
    """The bodies a :class:`BodySink` wrote; the folder goes when the store is garbage-collected."""

    def __init__(self, tmp: tempfile.TemporaryDirectory, path: Path, rows: int) -> None:
        self._tmp, self.path, self.rows = tmp, path, rows

    def batches(self):
        """Record batches of the stored rows, in order, read one at a time (the reader's defaults
        read ahead: over 400 MiB at once for the bodies of 100k realistic messages)."""
        pf = pq.ParquetFile(self.path, pre_buffer=False, buffer_size=1 << 20)
        return pf.iter_batches(batch_size=BATCH_ROWS, use_threads=False)

    def join(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (the messages frame without the bodies, rows as stored) with its bodies, as a
        new frame in :data:`MESSAGE_COLUMNS` order."""
        _check_rows(frame, self.rows)
        table = pq.read_table(self.path)
        _check_keys(frame[_KEY], table.column(_KEY))
        bodies = table_to_frame(table.select(list(BODY_COLUMNS)))
        return _with(frame, bodies)[list(MESSAGE_COLUMNS)]


def write_messages_with_bodies(frame: pd.DataFrame, store: BodyStore, path) -> None:
    """``messages.parquet`` from the frame without bodies and its store, one batch at a time.

    Each batch's bodies go from the store's Arrow batch into the written table as they are (the
    rest of its rows is converted from the frame), so a batch's text is never copied into Python
    strings; the pandas metadata is that of the whole frame (:func:`frame_to_table`), so the file is
    the one ``write_messages`` writes from the joined frame."""
    _check_rows(frame, store.rows)
    writer, start, meta = None, 0, None
    try:
        for batch in store.batches():
            part = frame.iloc[start:start + batch.num_rows]
            _check_keys(part[_KEY], batch.column(_KEY))
            if meta is None:  # the metadata of one joined row: it depends on the columns' types only
                one = pa.Table.from_batches([batch.slice(0, 1)])
                meta = frame_to_table(_with(part.head(1), table_to_frame(one))).schema.metadata
            head = pa.Table.from_pandas(part[LEAN_SCHEMA.names], schema=LEAN_SCHEMA, preserve_index=False)
            table = pa.Table.from_arrays(
                [batch.column(c) if c in BODY_COLUMNS else head.column(c) for c in MESSAGE_COLUMNS],
                schema=MESSAGE_SCHEMA.with_metadata(meta))
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
            start += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        pq.write_table(MESSAGE_SCHEMA.empty_table(), path)


def _with(frame: pd.DataFrame, bodies: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the body columns of ``bodies`` (same rows, in order), as a new frame."""
    return frame.assign(**{c: pd.Series(bodies[c].array, index=frame.index) for c in BODY_COLUMNS})


def _check_rows(frame: pd.DataFrame, rows: int) -> None:
    if len(frame) != rows:
        raise ValueError(f"the bodies hold {rows} messages, the frame {len(frame)}")


def _check_keys(frame_keys: pd.Series, stored) -> None:
    if frame_keys.tolist() != stored.to_pylist():
        raise ValueError("the messages frame's rows are not the stored bodies' rows (content_hash differs)")
