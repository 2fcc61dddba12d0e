"""A run's messages frame arrives in many Arrow chunks (one per work unit); the stages that work on
Arrow columns give the same result on it as on one chunk. (Their faster paths read chunk by chunk:
the thread table's dictionary over the chunks, attribution's organisation texts.)"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from analyzer.depth.threads import reply_events, thread_codes, thread_starts, thread_table
from analyzer.ingest.attribution import attribute
from analyzer.ingest.message import frame_to_table, table_to_frame
from analyzer.ingest.pipeline import ingest
from analyzer.ingest.joint import people_in_two_clients

MAILBOX = Path(__file__).resolve().parents[1] / "data" / "independent" / "train9" / "bangkoktravel" / "mail"


@pytest.fixture(scope="module")
def frames():
    one = ingest([MAILBOX], jobs=1).messages
    table = frame_to_table(one)
    n, k = table.num_rows, 13
    many = table_to_frame(pa.concat_tables([table.slice(i * n // k, (i + 1) * n // k - i * n // k) for i in range(k)]))
    assert many["message_id"].array._pa_array.num_chunks == k  # really chunked, as a run's frame is
    return one, many


def test_attribution_is_the_same_on_a_chunked_frame(frames):
    one, many = frames
    bare = [c for c in one.columns if c not in ("client", "client_domain", "direction")]
    a, b = attribute(one[bare]), attribute(many[bare])
    for col in ("client", "client_domain", "direction"):
        assert a[col].tolist() == b[col].tolist()
    assert a["client"].notna().sum() > 100  # the mailbox has clients (names read from their texts)
    assert people_in_two_clients(a) == people_in_two_clients(b)


def test_thread_table_and_its_events_are_the_same_on_a_chunked_frame(frames):
    one, many = frames
    ta, tb = thread_table(one), thread_table(many)
    assert ta.astype(str).equals(tb.astype(str))
    assert ta["thread_id"].nunique() < len(ta)  # replies join threads
    assert reply_events(one, thread_codes(one)).astype(str).equals(reply_events(many, thread_codes(many)).astype(str))
    assert thread_starts(one, thread_codes(one)).astype(str).equals(thread_starts(many, thread_codes(many)).astype(str))
