"""The Message record: one parsed email, and the messages frame built from many.

This is the border between parsing and everything downstream. Every stage after ingest
reads the *messages frame* (one row per unique message) whose columns are
:data:`MESSAGE_COLUMNS`, in that order, with the pyarrow types of :data:`MESSAGE_SCHEMA`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

import pandas as pd
import pyarrow as pa

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
    names = table.schema.names
    lists = [n for n, t in zip(names, table.schema.types) if pa.types.is_list(t)]
    df = table.drop_columns(lists).to_pandas()
    # list columns as Python lists for users (to_pylist: one C-level pass, not numpy arrays per cell)
    for name in lists:
        df[name] = pd.Series([v if v is not None else [] for v in table.column(name).to_pylist()],
                             index=df.index, dtype=object)
    df = df[names]
    if "source_index" in df:
        df["source_index"] = df["source_index"].astype("Int64")  # nullable: None for single-message files
    return df


def frame_to_table(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(df[list(MESSAGE_COLUMNS)], schema=MESSAGE_SCHEMA, preserve_index=False)


def write_messages(df: pd.DataFrame, path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(frame_to_table(df), path)


def read_messages(path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return table_to_frame(pq.read_table(path))
