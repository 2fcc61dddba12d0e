"""Scratch tables read in place (analyzer.ingest.mapped): the same values, no memory of the
process's own for their buffers, nothing left on disk."""

import os
import tempfile

import pyarrow as pa
import pytest

from analyzer.ingest.mapped import ScratchTableFile, mapped_copy
from analyzer.ingest.message import MESSAGE_SCHEMA
from analyzer.ingest.pipeline import TableSink, ingest


@pytest.fixture
def scratch_in(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _texts(n: int, width: int = 200) -> pa.Table:
    return pa.table({"text": [f"{i:06d}" + "é" * width for i in range(n)], "n": list(range(n)),
                     "tags": [[str(i), None] if i % 3 else None for i in range(n)]})


def test_a_mapped_copy_reads_the_same_values_from_the_file_pages(scratch_in):
    table = _texts(5000)
    before = pa.total_allocated_bytes()
    back = mapped_copy(table)
    assert pa.total_allocated_bytes() - before < table.nbytes / 100
    assert back.equals(table)
    assert list(scratch_in.iterdir()) == []  # unlinked once mapped
    del table
    assert back.column("text")[4321].as_py().startswith("004321")  # readable after the file is gone


def test_appended_tables_come_back_in_order_in_the_files_schema(scratch_in):
    schema = pa.schema([("n", pa.int64()), ("text", pa.string())])
    scratch = ScratchTableFile(schema)
    parts = [_texts(10, 3).slice(i, 3) for i in (0, 3, 6)]
    for part in parts:
        scratch.write(part.select(["text", "n"]))  # other column order: written in the file's
    scratch.write(schema.empty_table())
    assert scratch.rows == 9
    back = scratch.mapped()
    assert back.schema == schema
    assert back.column("n").to_pylist() == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert list(scratch_in.iterdir()) == []


def test_a_discarded_scratch_file_leaves_nothing(scratch_in):
    scratch = ScratchTableFile(pa.schema([("n", pa.int64())]))
    scratch.write(pa.table({"n": [1, 2]}))
    scratch.discard()
    assert list(scratch_in.iterdir()) == []


def test_a_sink_that_spills_hands_back_every_row_in_order(scratch_in, realmail):
    whole = ingest([str(realmail / "spamscope-mail-parser"), str(realmail / "mikel-mail")], jobs=1).messages
    table = pa.Table.from_pandas(whole, preserve_index=False).cast(MESSAGE_SCHEMA)
    parts = [table.slice(start, 25).combine_chunks() for start in range(0, table.num_rows, 25)]
    assert len(parts) > 4
    sink = TableSink(spill_bytes=sum(p.nbytes for p in parts[:2]), schema=MESSAGE_SCHEMA)
    for part in parts:
        sink.add(part)
    assert sink.spilled > 0 and sink.tables  # some rows in the file, the last ones still held
    assert sink.assemble().equals(table)
    assert list(scratch_in.iterdir()) == []


def test_a_spilled_ingest_equals_one_held_in_memory(realmail, tmp_path):
    sources = [str(realmail / "spamscope-mail-parser"), str(realmail / "mikel-mail")]
    held = ingest(sources, jobs=1).messages
    spilled = ingest(sources, jobs=1, spill_bytes=1).messages
    assert len(held) > 50
    assert spilled.equals(held)


def test_a_run_keeps_its_scratch_in_the_run_folder_and_removes_a_killed_runs(tmp_path, monkeypatch):
    import gc
    import subprocess
    import sys

    from analyzer.analysis import run_to_dir
    from analyzer.ingest.mapped import SCRATCH_PREFIX
    from tests.conftest import DATA

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    out = tmp_path / "out"
    out.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = out / f"{SCRATCH_PREFIX}{int(gone.stdout)}-bodies-x1"  # a killed run's stored bodies
    stale.mkdir()
    (stale / "bodies.parquet").write_bytes(b"left over")
    result = run_to_dir([str(DATA / "demo" / "mail")], out, config=str(DATA / "demo" / "analyzer.toml"), jobs=1)
    assert not stale.exists()
    assert list(system_tmp.iterdir()) == []  # nothing in the system's temporary folder
    mine = list(out.glob(f"{SCRATCH_PREFIX}*"))
    assert len(mine) == 1 and mine[0].name.startswith(f"{SCRATCH_PREFIX}{os.getpid()}-bodies-")
    assert len(result.messages) and result.messages["body"].notna().any()  # the bodies, read from there
    del result
    gc.collect()
    assert list(out.glob(f"{SCRATCH_PREFIX}*")) == []


def test_the_scratch_of_a_live_process_stays(tmp_path):
    from analyzer.ingest.mapped import SCRATCH_PREFIX, remove_stale_scratch

    live = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-bodies-x"
    odd = tmp_path / f"{SCRATCH_PREFIX}notapid-x"
    live.mkdir()
    odd.mkdir()
    assert remove_stale_scratch(tmp_path) == []
    assert live.exists() and odd.exists()


def test_where_files_cannot_be_mapped_the_table_is_read_into_memory(scratch_in, monkeypatch):
    def no_mapping(*args, **kwargs):
        raise OSError("mmap not supported")

    monkeypatch.setattr(pa, "memory_map", no_mapping)
    table = _texts(100)
    assert mapped_copy(table).equals(table)
    assert list(scratch_in.iterdir()) == []
