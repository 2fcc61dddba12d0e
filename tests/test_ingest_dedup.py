"""Dedup: first seen wins across and within work units; a reused Message-ID on other content is kept, renamed."""

import pyarrow as pa

from analyzer.ingest.dedup import Dedup
from analyzer.ingest.message import MESSAGE_SCHEMA


def _table(rows):
    """rows: (message_id or None, content hash) pairs -> a messages table with those columns set."""
    n = len(rows)
    cols = {f.name: pa.nulls(n, f.type) for f in MESSAGE_SCHEMA}
    cols["message_id"] = pa.array([r[0] for r in rows], pa.string())
    cols["content_hash"] = pa.array([r[1] for r in rows], pa.string())
    cols["subject"] = pa.array([f"row {i}" for i in range(n)], pa.string())
    cols["defects"] = pa.array([[] for _ in range(n)], pa.list_(pa.string()))
    return pa.Table.from_pydict(cols, schema=MESSAGE_SCHEMA)


H1, H2, H3 = "a" * 64, "b" * 64, "c" * 64


def test_duplicates_within_and_across_units_are_dropped_in_order():
    d = Dedup()
    first = d.unique(_table([("m1", H1), ("m2", H2), ("m1", H1)]))
    assert first.column("subject").to_pylist() == ["row 0", "row 1"]
    second = d.unique(_table([("m2", H2), ("m3", H3), (None, H1), (None, H1)]))
    # m2 was in the first unit; a message without an ID is keyed by its content, kept once
    assert second.column("subject").to_pylist() == ["row 1", "row 2"]
    assert d.duplicates == 3 and d.conflicts == 0


def test_reused_id_on_other_content_is_kept_renamed_and_its_copy_is_a_duplicate():
    d = Dedup()
    d.unique(_table([("m1", H1)]))
    out = d.unique(_table([("m1", H2), ("m1", H2), ("m1", H3)]))
    assert out.column("message_id").to_pylist() == ["m1#" + H2[:12], "m1#" + H3[:12]]
    assert all(x[0].startswith("MessageIdConflict: Message-ID m1 was seen before")
               for x in out.column("defects").to_pylist())
    assert d.conflicts == 2 and d.duplicates == 1
    # within one unit too: the second content under one ID is renamed
    d2 = Dedup()
    out2 = d2.unique(_table([("x", H1), ("x", H2), ("x", H1)]))
    assert out2.column("message_id").to_pylist() == ["x", "x#" + H2[:12]]
    assert (d2.conflicts, d2.duplicates) == (1, 1)


def test_many_units_keep_every_distinct_message():
    d = Dedup()
    kept = 0
    for u in range(40):
        rows = [(f"id{(u * 50 + i) % 1500}", f"{(u * 50 + i) % 1500:064x}") for i in range(100)]
        kept += d.unique(_table(rows)).num_rows
    assert kept == 1500 and d.duplicates == 4000 - 1500 and d.conflicts == 0
