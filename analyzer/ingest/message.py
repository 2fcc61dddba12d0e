"""The Message record: one parsed email, and the messages frame built from many.

This is the border between parsing and everything downstream. Every stage after ingest
reads the *messages frame* (one row per unique message) whose columns are
:data:`MESSAGE_COLUMNS`, in that order, with the pyarrow types of :data:`MESSAGE_SCHEMA`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Directions a message can have once attributed.
DIRECTIONS = ("from_client", "from_agency", "internal", "other")


@dataclass
class Message:
    """One parsed email. Attachments are described (name, size), never kept."""

    source: str  # file the message came from
    source_index: int | None  # position inside an mbox / Maildir listing; None for single-message files
    source_format: str  # "mbox", "eml", "maildir", "msg", "pst", "listserv"
    message_id: str | None  # without angle brackets, None when the header is missing
    content_hash: str  # sha256 hex of the normalised headers+body; dedup key when message_id is None
    date: datetime | None  # timezone-aware UTC, None when missing or unparseable
    subject: str = ""
    from_name: str = ""
    from_address: str = ""  # lower-cased
    to_names: list[str] = field(default_factory=list)
    to_addresses: list[str] = field(default_factory=list)
    cc_names: list[str] = field(default_factory=list)
    cc_addresses: list[str] = field(default_factory=list)
    reply_to: str = ""
    in_reply_to: str | None = None  # message id without angle brackets
    references: list[str] = field(default_factory=list)  # message ids, oldest first
    body: str = ""  # the whole plain-text body (HTML-only mail converted to text)
    body_from_html: bool = False
    new_text: str = ""  # what the sender newly wrote (no quoted history, no signature)
    quoted_text: str = ""  # quoted history (reply headers and quoted lines)
    signature: str = ""  # the sender's signature block, if one was found
    attachment_names: list[str] = field(default_factory=list)
    attachment_sizes: list[int] = field(default_factory=list)  # bytes, decoded size
    attachment_types: list[str] = field(default_factory=list)  # declared content types
    defects: list[str] = field(default_factory=list)  # parser defects and charset fallbacks
    list_id: str = ""  # List-Id header, bulk/newsletter hint
    auto_submitted: str = ""  # Auto-Submitted / Precedence hint ("auto-replied", "bulk", "list")
    # Attribution (filled by analyzer.ingest.attribution; empty right after parsing)
    client: str | None = None
    client_domain: str | None = None  # the client's main domain, or the address for free-mail
    direction: str = "other"
    # The mailbox folder the message was exported from (.pst folder path, Maildir folder, mbox file
    # without extension, relative to the SOURCE or the archive); "" at the top of a SOURCE.
    folder: str = ""

    def to_row(self) -> dict:
        # a shallow dict: dataclasses.asdict deep-copies every list (~0.5 ms a message)
        return {f.name: getattr(self, f.name) for f in _FIELDS}


_FIELDS = fields(Message)

_STR = pa.string()
_LIST_STR = pa.list_(pa.string())

#: pyarrow schema of messages.parquet (column order is the frame's order).
MESSAGE_SCHEMA = pa.schema(
    [
        ("source", _STR),
        ("source_index", pa.int64()),
        ("source_format", _STR),
        ("message_id", _STR),
        ("content_hash", _STR),
        ("date", pa.timestamp("us", tz="UTC")),
        ("subject", _STR),
        ("from_name", _STR),
        ("from_address", _STR),
        ("to_names", _LIST_STR),
        ("to_addresses", _LIST_STR),
        ("cc_names", _LIST_STR),
        ("cc_addresses", _LIST_STR),
        ("reply_to", _STR),
        ("in_reply_to", _STR),
        ("references", _LIST_STR),
        ("body", _STR),
        ("body_from_html", pa.bool_()),
        ("new_text", _STR),
        ("quoted_text", _STR),
        ("signature", _STR),
        ("attachment_names", _LIST_STR),
        ("attachment_sizes", pa.list_(pa.int64())),
        ("attachment_types", _LIST_STR),
        ("defects", _LIST_STR),
        ("list_id", _STR),
        ("auto_submitted", _STR),
        ("client", _STR),
        ("client_domain", _STR),
        ("direction", _STR),
        ("folder", _STR),
    ]
)

MESSAGE_COLUMNS = tuple(MESSAGE_SCHEMA.names)
_LIST_COLUMNS = frozenset(f.name for f in MESSAGE_SCHEMA if pa.types.is_list(f.type))


def messages_to_table(messages: list[Message]) -> pa.Table:
    """Messages -> pyarrow Table with :data:`MESSAGE_SCHEMA`."""
    cols = {name: [] for name in MESSAGE_COLUMNS}
    for m in messages:
        row = m.to_row()
        for name in MESSAGE_COLUMNS:
            cols[name].append(row[name])
    return pa.Table.from_pydict(cols, schema=MESSAGE_SCHEMA)


def messages_frame(messages: list[Message]) -> pd.DataFrame:
    """Messages -> the messages frame (pandas), columns in :data:`MESSAGE_COLUMNS` order."""
    return table_to_frame(messages_to_table(messages))


def table_to_frame(table: pa.Table) -> pd.DataFrame:
    """A messages table -> the messages frame.

    List columns stay Arrow-backed (``pd.ArrowDtype``, zero-copy): a cell reads as a Python list,
    ``.tolist()`` gives lists, but the frame does not hold a Python list of Python strings per cell
    (at 100k messages that was about 110 MiB of the run's peak, plus as much again while building
    it). Missing lists read as empty lists.
    """
    names = table.schema.names
    for i, (name, typ) in enumerate(zip(names, table.schema.types)):
        col = table.column(i)
        if pa.types.is_list(typ) and col.null_count:
            table = table.set_column(i, name, pc.if_else(pc.is_null(col), pa.scalar([], type=typ), col))
    df = table.to_pandas(types_mapper=_list_as_arrow)
    if "source_index" in df:
        df["source_index"] = df["source_index"].astype("Int64")  # nullable: None for single-message files
    return df


def chunked_column(column, type: pa.DataType | None = None) -> pa.ChunkedArray:
    """A column of the messages frame (or any sequence) as a chunked Arrow array, of ``type`` when
    given, its chunks as the frame holds them (one per work unit in a run; zero-copy for an
    Arrow-backed column); missing values become nulls."""
    arr = pa.array(column, type=type, from_pandas=True)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr], type=arr.type)


def column_array(column, type: pa.DataType | None = None) -> pa.Array:
    """:func:`chunked_column` as one Arrow array: its chunks joined (a copy, when there are several)."""
    arr = chunked_column(column, type)
    return arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()


def take_rows(frame: pd.DataFrame | pd.Series, positions) -> pd.DataFrame | pd.Series:
    """``frame.iloc[positions]``, the Arrow-backed columns taken chunk by chunk.

    pandas joins the chunks of an Arrow column before it takes rows from it: a copy of the whole
    column for every take (500k realistic messages: taking 65k rows of ``new_text`` held 226 MiB
    for a moment). Here each chunk gives its own rows, so only the rows taken are copied. Same
    values, dtypes and index as ``iloc``."""
    positions = np.asarray(positions, dtype=np.int64)
    if isinstance(frame, pd.DataFrame):
        out = pd.DataFrame({c: take_rows(frame[c], positions) for c in frame.columns}, index=frame.index[positions])
        out.columns = frame.columns
        return out
    chunked = getattr(frame.array, "_pa_array", None)
    if not isinstance(chunked, pa.ChunkedArray) or chunked.num_chunks < 2:
        return frame.iloc[positions]
    return pd.Series(pd.array(_take_chunked(chunked, positions), dtype=frame.dtype), index=frame.index[positions],
                     name=frame.name)


def _take_chunked(arr: pa.ChunkedArray, positions: np.ndarray) -> pa.ChunkedArray:
    if len(positions) and positions.min() < 0:
        positions = np.where(positions < 0, positions + len(arr), positions)
    order = None
    if np.any(positions[1:] < positions[:-1]):  # taken in ascending order, put back in the order asked
        order = np.argsort(positions, kind="stable")
        positions = positions[order]
    starts = np.concatenate([[0], np.cumsum([len(c) for c in arr.chunks])])
    which = np.searchsorted(starts, positions, side="right") - 1
    pieces = [arr.chunk(int(which[seg[0]])).take(pa.array(positions[seg] - starts[which[seg[0]]]))
              for seg in np.split(np.arange(len(positions)), np.flatnonzero(np.diff(which)) + 1) if len(seg)]
    out = pa.chunked_array(pieces, type=arr.type)
    if order is not None:
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        out = pa.chunked_array([out.combine_chunks().take(pa.array(back))], type=arr.type)
    return out


def _list_as_arrow(typ: pa.DataType):
    return pd.ArrowDtype(typ) if pa.types.is_list(typ) else None


def frame_to_table(df: pd.DataFrame) -> pa.Table:
    """The messages frame -> a table with :data:`MESSAGE_SCHEMA`, whose pandas metadata describes
    the list columns as plain object columns: a file written from Arrow-backed list columns then
    still reads back with a bare ``pd.read_parquet`` (its metadata would otherwise name a dtype
    that pandas cannot rebuild from a string)."""
    table = pa.Table.from_pandas(df[list(MESSAGE_COLUMNS)], schema=MESSAGE_SCHEMA, preserve_index=False)
    meta = json.loads(table.schema.metadata[b"pandas"])
    for col in meta["columns"]:
        if col["name"] in _LIST_COLUMNS:
            col["numpy_type"] = "object"
    return table.replace_schema_metadata({**table.schema.metadata, b"pandas": json.dumps(meta).encode()})


def write_messages(df: pd.DataFrame, path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(frame_to_table(df), path)


def read_messages(path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return table_to_frame(pq.read_table(path))
