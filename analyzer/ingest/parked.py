"""Columns of the messages frame parked on disk while a stage does not read them.

Signal detection reads seven columns of the messages frame (:data:`DETECTION_COLUMNS`: the new
text, the keys it joins its rows by, the client and the side). The other columns (headers,
addresses, references, signatures, attachment lists) are about 60% of the frame a run holds, and
a large run's memory peaks at the end of detection, when the workers' pipelines and the signal
rows meet the frame (``bench/trace_run.py``: 500k generated messages, the frame's Arrow buffers
were 326 of the main process's 761 MiB there). So a run parks them (:func:`park`): they go to an
uncompressed Arrow IPC file in a temporary folder and leave memory, and come back after detection
(:meth:`ParkedColumns.restore`) as they were, column for column, dtype for dtype, value for value.

The file is read in place (:mod:`analyzer.ingest.mapped`), and it holds the kept columns too: the
strings and lists that detection reads, and the whole frame that scoring and writing read after
it, are the file's pages, which the kernel can drop and read again, not the process's own memory.
The file is unlinked once mapped: nothing is left on disk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from analyzer.ingest.mapped import mapped_copy

#: The columns :func:`analyzer.batch.detect_client_signals` reads (the rest may be parked).
DETECTION_COLUMNS = ("message_id", "content_hash", "date", "new_text", "client", "client_domain", "direction")


class ParkedColumns:
    """The frame's columns in a scratch Arrow file read in place (:mod:`analyzer.ingest.mapped`),
    with what they need to come back exactly: the frame's column order and each column's pandas
    dtype. Columns of Python objects that detection reads stay in the kept frame as they are."""

    def __init__(self, table: pa.Table, order: list, dtypes: dict, rows: int, parked: list) -> None:
        self._table = table
        self.order, self.dtypes, self.rows = order, dtypes, rows
        self._parked = frozenset(parked)

    @property
    def columns(self) -> list:
        """The columns only the file holds (the kept frame has the others)."""
        return [c for c in self.order if c in self._parked]

    def restore(self, kept: pd.DataFrame) -> pd.DataFrame:
        """The whole frame again: ``kept`` (the frame :func:`park` returned, unchanged) with the
        parked columns, in the original column order; every column but the kept Python objects is
        read in place from the file. Once only: the file's table is let go."""
        if len(kept) != self.rows:
            raise ValueError(f"the parked columns hold {self.rows} rows, the frame {len(kept)}")
        if self._table is None:
            raise RuntimeError("these parked columns were restored already")
        table, self._table = self._table, None
        # the file holds the parked columns and the kept ones read in place (park): all come from it
        back = {name: _as_dtype(table.column(name), dtype, kept.index) for name, dtype in self.dtypes.items()}
        del table
        return pd.DataFrame({c: back[c] if c in back else kept[c] for c in self.order}, index=kept.index)


def _in_place(dtype) -> bool:
    """Whether a column of this dtype reads its values from the Arrow buffers it is made from (so
    from the mapped file) rather than from a copy."""
    return isinstance(dtype, (pd.ArrowDtype, pd.StringDtype))


def park(frame: pd.DataFrame, keep=DETECTION_COLUMNS) -> tuple[pd.DataFrame, ParkedColumns]:
    """(the frame's ``keep`` columns, the frame parked on disk). The caller drops its reference to
    ``frame`` for its memory to go; ``restore`` gives the whole frame back.

    The columns go to a scratch Arrow file read in place, the kept ones too: those whose values
    are Arrow buffers (strings, lists) then read them from the file's pages. Kept columns of Python
    objects (attribution's, which hold None) or numbers stay in memory as they are."""
    order = list(frame.columns)
    missing = [c for c in keep if c not in frame.columns]
    if missing:
        raise KeyError(f"the frame has no column {missing[0]!r}")
    keep = [c for c in order if c in keep]
    stored = [c for c in order if c not in keep or _in_place(frame[c].dtype)]
    table = pa.Table.from_pandas(frame[stored], preserve_index=False) if stored else pa.table({})
    table = mapped_copy(table, kind="parked")
    dtypes = {c: frame[c].dtype for c in stored}
    parked = ParkedColumns(table, order, dtypes, len(frame), [c for c in stored if c not in keep])
    kept = pd.DataFrame({c: _as_dtype(table.column(c), dtypes[c], frame.index) if c in dtypes else frame[c]
                         for c in keep}, index=frame.index)
    del table
    return kept, parked


def _as_dtype(column: pa.ChunkedArray, dtype, index: pd.Index) -> pd.Series:
    """An Arrow column as a pandas Series of ``dtype``, exactly as it was parked."""
    if isinstance(dtype, pd.ArrowDtype):
        return pd.Series(pd.arrays.ArrowExtensionArray(column), index=index)  # zero-copy
    if dtype == object:  # Python objects (strings, None) as they were: no NaN for None
        return pd.Series(np.array(column.to_pylist(), dtype=object), index=index, dtype=object)
    values = column.to_pandas()
    return pd.Series(values.array if values.dtype == dtype else values.astype(dtype).array, index=index)
