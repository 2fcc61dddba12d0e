"""A run holds its messages without the whole bodies (analyzer.ingest.bodies) and gives them back whole."""

import gc
import os

import pandas as pd
import pyarrow.parquet as pq
import pytest

import analyzer
from analyzer.config import load_config
from analyzer.ingest import bodies as bodies_mod
from analyzer.ingest.bodies import BODY_COLUMNS, BodySink, write_messages_with_bodies
from analyzer.ingest.message import MESSAGE_COLUMNS, frame_to_table, write_messages
from analyzer.ingest.pipeline import ingest
from tests.conftest import DATA

DEMO_MAIL, DEMO_CONFIG = str(DATA / "demo" / "mail"), str(DATA / "demo" / "analyzer.toml")


@pytest.fixture(scope="module")
def demo_run():
    return analyzer.analyze([DEMO_MAIL], config=DEMO_CONFIG, jobs=1)


@pytest.fixture(scope="module")
def demo_full():
    return ingest([DEMO_MAIL], config=load_config(DEMO_CONFIG), jobs=1).messages


def test_a_run_holds_its_messages_without_bodies_and_joins_them_on_use(demo_full):
    run = analyzer.analyze([DEMO_MAIL], config=DEMO_CONFIG, jobs=1)
    held = run.message_meta
    assert not set(BODY_COLUMNS) & set(held.columns)
    assert len(held) == len(demo_full) > 100
    messages = run.messages
    assert list(messages.columns) == list(MESSAGE_COLUMNS)
    pd.testing.assert_frame_equal(messages, demo_full)
    assert run.message_meta is messages  # joined once, then kept


def test_messages_parquet_is_the_same_written_in_batches(demo_run, demo_full, tmp_path, monkeypatch):
    monkeypatch.setattr(bodies_mod, "BATCH_ROWS", 97)  # many batches, the last one short
    lean, store = demo_run.message_meta, demo_run._bodies
    assert store is not None and store.rows == len(lean)
    write_messages_with_bodies(lean, store, tmp_path / "batched.parquet")
    write_messages(demo_full, tmp_path / "whole.parquet")
    batched, whole = pq.read_table(tmp_path / "batched.parquet"), pq.read_table(tmp_path / "whole.parquet")
    assert pq.ParquetFile(tmp_path / "batched.parquet").metadata.num_row_groups > 1
    assert batched.equals(whole) and batched.schema.metadata == whole.schema.metadata
    # a bare pandas read works, list cells read as sequences of strings
    back = pd.read_parquet(tmp_path / "batched.parquet")
    assert list(back["to_addresses"].iloc[0]) == list(demo_full["to_addresses"].iloc[0])


def test_list_columns_read_as_python_lists(demo_full):
    cell = demo_full["to_addresses"].iloc[0]
    assert isinstance(cell, list) and cell and all(isinstance(a, str) for a in cell)
    assert demo_full["defects"].apply(len).ge(0).all()
    assert isinstance(demo_full["references"].tolist()[0], list)


def _store_of(frame):
    sink = BodySink()
    sink.add(frame_to_table(frame))
    return sink.close()


def test_join_refuses_rows_that_are_not_the_stored_ones(demo_full):
    store = _store_of(demo_full.head(5))
    lean = demo_full.head(5).drop(columns=list(BODY_COLUMNS))
    with pytest.raises(ValueError, match="hold 5 messages, the frame 4"):
        store.join(lean.head(4))
    with pytest.raises(ValueError, match="content_hash differs"):
        store.join(lean.iloc[::-1])
    pd.testing.assert_frame_equal(store.join(lean), demo_full.head(5))


def test_the_bodies_folder_goes_with_its_store(demo_full):
    store = _store_of(demo_full.head(3))
    path = store.path
    assert path.is_file()
    del store
    gc.collect()
    assert not path.exists()


def test_a_run_uses_jemalloc_for_arrow_unless_the_user_chose_a_pool():
    """In a fresh process (the pool is per process): a run switches pyarrow to jemalloc, which hands
    freed memory back (mimalloc, the default, kept it); ARROW_DEFAULT_MEMORY_POOL is respected."""
    import subprocess
    import sys

    code = ("import pyarrow as pa; from analyzer.memory import use_lean_arrow_pool; "
            "before = pa.default_memory_pool().backend_name; print(before, use_lean_arrow_pool())")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    before, after = out.stdout.split()
    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
        assert after == "jemalloc"
    except NotImplementedError:  # a pyarrow without jemalloc keeps its default
        assert after == before
    chosen = subprocess.run([sys.executable, "-c", code], env=env | {"ARROW_DEFAULT_MEMORY_POOL": "system"},
                            capture_output=True, text=True, check=True)
    assert chosen.stdout.split() == ["system", "system"]
