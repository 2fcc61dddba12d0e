"""Columns of the messages frame parked on disk while a stage does not read them.

Signal detection reads seven columns of the messages frame (:data:`DETECTION_COLUMNS`: the new
text, the keys it joins its rows by, the client and the side). The other columns (headers,
addresses, references, signatures, attachment lists) are about 60% of the frame a run holds, and
a large run's memory peaks at the end of detection, when the workers' pipelines and the signal
rows meet the frame (``bench/trace_run.py``: 500k generated messages, the frame's Arrow buffers
were 326 of the main process's 761 MiB there). So a run parks them (:func:`park`): they go to an
uncompressed Arrow IPC file in a temporary folder and leave memory, and come back after detection
(:meth:`ParkedColumns.restore`) as they were, column for column, dtype for dtype, value for value.

The file is scratch: written once, read back once, removed when the :class:`ParkedColumns` is
restored or garbage-collected.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

#: The columns :func:`analyzer.batch.detect_client_signals` reads (the rest may be parked).
DETECTION_COLUMNS = ("message_id", "content_hash", "date", "new_text", "client", "client_domain", "direction")


class ParkedColumns:
    """Columns of a messages frame in an Arrow IPC file, with what they need to come back exactly:
    the frame's column order and each column's pandas dtype."""

    def __init__(self, tmp: tempfile.TemporaryDirectory, path: Path, order: list, dtypes: dict, rows: int) -> None:
        self._tmp, self.path = tmp, path
        self.order, self.dtypes, self.rows = order, dtypes, rows

    @property
    def columns(self) -> list:
        return list(self.dtypes)

    def restore(self, kept: pd.DataFrame) -> pd.DataFrame:
        """The whole frame again: ``kept`` (the frame :func:`park` returned, unchanged) with the
        parked columns read back, in the original column order. Removes the file."""
        if len(kept) != self.rows:
            raise ValueError(f"the parked columns hold {self.rows} rows, the frame {len(kept)}")
        try:
            with pa.OSFile(str(self.path), "rb") as fh:
                table = pa.ipc.open_file(fh).read_all()
        finally:
            self._tmp.cleanup()
        back = {name: _as_dtype(table.column(name), dtype, kept.index) for name, dtype in self.dtypes.items()}
        del table
        return pd.DataFrame({c: back[c] if c in back else kept[c] for c in self.order}, index=kept.index)


def park(frame: pd.DataFrame, keep=DETECTION_COLUMNS) -> tuple[pd.DataFrame, ParkedColumns]:
    """(the frame's ``keep`` columns, the other columns parked on disk). The caller drops its
    reference to ``frame`` for the parked columns' memory to go; ``restore`` brings them back."""
    order = list(frame.columns)
    missing = [c for c in keep if c not in frame.columns]
    if missing:
        raise KeyError(f"the frame has no column {missing[0]!r}")
    parked = [c for c in order if c not in keep]
    tmp = tempfile.TemporaryDirectory(prefix="analyzer-parked-")
    path = Path(tmp.name) / "columns.arrow"
    table = pa.Table.from_pandas(frame[parked], preserve_index=False) if parked else pa.table({})
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    dtypes = {c: frame[c].dtype for c in parked}
    del table
    return frame[[c for c in order if c in keep]], ParkedColumns(tmp, path, order, dtypes, len(frame))


def _as_dtype(column: pa.ChunkedArray, dtype, index: pd.Index) -> pd.Series:
    """An Arrow column as a pandas Series of ``dtype``, exactly as it was parked."""
    if isinstance(dtype, pd.ArrowDtype):
        return pd.Series(pd.arrays.ArrowExtensionArray(column), index=index)  # zero-copy
    if dtype == object:  # Python objects (strings, None) as they were: no NaN for None
        return pd.Series(np.array(column.to_pylist(), dtype=object), index=index, dtype=object)
    values = column.to_pandas()
    return pd.Series(values.array if values.dtype == dtype else values.astype(dtype).array, index=index)
