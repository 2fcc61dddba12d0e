"""Batch runs: results independent of --jobs, pipeline loaded once per worker, the run cache.

Input: a small generated agency mailbox (data/mailgen), written as two mbox files the way an
export grows (last quarter's file, then this quarter's), with its TOML config.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
from click.testing import CliRunner

from analyzer.analysis import CACHE_DIRNAME, analyze, run_to_dir
from analyzer.cli import main
from analyzer.errors import ConfigError, InputError
from analyzer.parallel import Execution, detect_chunk, run_ordered

SPLIT = 120  # messages in the first mbox; the rest arrive "next quarter"


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory) -> dict:
    from mailgen import generate_corpus, write_config, write_mbox

    root = tmp_path_factory.mktemp("scale_mail")
    corpus = generate_corpus(seed=5, n_clients=4, months=6, volume=0.6)
    assert len(corpus.raw) > SPLIT + 30
    first, second = root / "export" / "2025-q1.mbox", root / "later" / "2025-q2.mbox"
    write_mbox(corpus.raw[:SPLIT], first)
    write_mbox(corpus.raw[SPLIT:], second)
    write_config(corpus, root / "analyzer.toml")
    return {"first": first, "second": second, "config": root / "analyzer.toml", "n": len(corpus.raw)}


@pytest.fixture(scope="module")
def serial(mailbox):
    """Reference: one process, no cache, both files."""
    return analyze([mailbox["first"], mailbox["second"]], config=mailbox["config"], jobs=1)


def _same_result(a, b) -> None:
    pd.testing.assert_frame_equal(a.messages, b.messages)
    pd.testing.assert_frame_equal(a.signals, b.signals)
    pd.testing.assert_frame_equal(a.evidence, b.evidence)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.periods, b.periods)
    assert a.ingest_report == b.ingest_report


def _files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in ("scores.csv", "evidence.csv", "periods.csv")}


def test_results_do_not_depend_on_jobs(mailbox, serial):
    assert len(serial.scores) >= 3 and len(serial.evidence) > 0
    parallel = analyze([mailbox["first"], mailbox["second"]], config=mailbox["config"], jobs=2)
    _same_result(serial, parallel)
    assert parallel.stats.units_parsed == 2 and parallel.stats.texts_detected > 0
    workers = set(parallel.stats.worker_pids) - {os.getpid()}
    assert workers  # signals were detected in worker processes...
    # ...which were stopped before scoring: none is left holding spaCy beside the main process
    alive = {c.pid for c in psutil.Process().children(recursive=True) if c.status() != psutil.STATUS_ZOMBIE}
    assert not alive & workers


def test_signals_only_for_messages_that_can_count_and_equal_direct_detection(serial):
    from analyzer.signals.detect import signals_frame
    from analyzer.signals.pipeline import load_pipeline

    m = serial.messages
    counts = m["client"].notna() & m["direction"].isin(["from_client", "from_agency"])
    assert (~counts).sum() > 0  # the mailbox has newsletters / internal mail that is skipped
    direct = signals_frame(m[counts].reset_index(drop=True), nlp=load_pipeline())
    pd.testing.assert_frame_equal(serial.signals, direct, check_dtype=False)
    assert set(serial.signals["direction"]) <= {"from_client", "from_agency"}
    assert serial.signals["client"].notna().all()


def test_text_keys_in_small_batches_equal_keys_of_every_text(monkeypatch):
    """The detection stage reads the new texts batch by batch: keys in message order, the first
    position of each distinct text, a missing text as "" - across batch edges."""
    from analyzer import batch
    from analyzer.cache_keys import text_key

    texts = pd.Series(["a", None, "b", "a", "c", "b", "", "d"], dtype="str")
    positions = np.array([0, 1, 2, 3, 5, 6, 7])  # position 4 does not count
    monkeypatch.setattr(batch, "KEY_BATCH", 3)
    tk = batch._text_keys(texts, positions)
    want = ["a", "", "b", "a", "b", "", "d"]
    assert tk.names(tk.code) == [text_key(t) for t in want]
    assert tk.names(slice(None)) == [text_key(t) for t in ("a", "", "b", "d")]  # in order of first appearance
    assert tk.first.tolist() == [0, 1, 2, 7]
    assert batch._texts(texts, tk.first) == ["a", "", "b", "d"]
    assert tk.codes_of([text_key("b"), text_key("zz"), text_key("a")]).tolist() == [2, -1, 0]
    assert tk.keys.dtype.itemsize == 32  # the raw sha256, not its 64 hex digits


def test_text_keys_whose_digest_ends_in_zero_bytes_keep_them():
    """Keys are held as raw bytes: a digest ending in 0x00 must not lose it (numpy's "S" dtype would)."""
    from analyzer import batch
    from analyzer.cache_keys import text_digest, text_key

    zero_tail = next(t for t in (str(i) for i in range(100_000)) if text_digest(t).endswith(b"\x00"))
    texts = pd.Series([zero_tail, "x", zero_tail], dtype="str")
    tk = batch._text_keys(texts, np.arange(3))
    assert tk.names(tk.code) == [text_key(zero_tail), text_key("x"), text_key(zero_tail)]
    assert len(text_key(zero_tail)) == 64
    assert tk.codes_of([text_key(zero_tail)]).tolist() == [0]


def test_join_pairs_each_message_with_its_texts_rows_in_message_then_row_order():
    """The rows per text go to every counted message holding that text, in message order and the
    rows' own order within a message; rows of texts no counted message holds are dropped; a missing
    or empty message id falls back to the content hash; labels the writing side cannot carry go."""
    from analyzer import batch
    from analyzer.cache_keys import text_key

    messages = pd.DataFrame({
        "message_id": pd.Series(["m0", None, "m2", "", "m4", "m5"], dtype="str"),
        "content_hash": pd.Series([f"h{i}" for i in range(6)], dtype="str"),
        "client": ["acme", "acme", None, "bolt", "bolt", "acme"],
        "direction": ["from_client", "from_client", "other", "from_client", "from_agency", "from_client"],
        "date": pd.to_datetime([f"2025-0{i + 1}-01" for i in range(6)], utc=True),
        "new_text": pd.Series(["b", "a", "a", "a", "b", "c"], dtype="str"),
    })
    counted = np.array([0, 1, 3, 4, 5])  # message 2 does not count
    tk = batch._text_keys(messages["new_text"], counted)

    def row(text, k, label):
        return {"text_key": text_key(text), "sentence_index": k, "start_char": 0, "end_char": 1, "text": text,
                "label": label, "score": 0.9, "model_score": 0.8, "rule_id": "", "explanation": f"{text}{k}"}

    rows = pd.DataFrame([row("a", 1, "referral"), row("b", 0, "apology"), row("a", 0, "complaint"),
                         row("zz", 0, "referral"), row("b", 1, "fee_pushback")])
    got = batch._join(messages, counted, tk, rows)
    assert list(got.columns) == list(batch.SIGNAL_COLUMNS)
    assert list(zip(got["message_id"], got["explanation"], got["label"])) == [
        ("m0", "b0", "apology"), ("m0", "b1", "fee_pushback"),
        ("h1", "a1", "referral"), ("h1", "a0", "complaint"),  # rows in their own order, not by sentence
        ("h3", "a1", "referral"), ("h3", "a0", "complaint"),
        ("m4", "b0", "apology"),  # the agency's message keeps its apology, loses the fee pushback
    ]
    assert got["client"].tolist() == ["acme", "acme", "acme", "acme", "bolt", "bolt", "bolt"]
    assert got["date"].tolist() == [messages["date"][i] for i in (0, 0, 1, 1, 3, 3, 4)]
    assert got["sentence_index"].dtype == "int64" and got["text"].dtype == "str"
    none = batch._join(messages, counted, tk, pd.DataFrame([row("zz", 0, "referral")]))
    assert none.empty and list(none.columns) == list(batch.SIGNAL_COLUMNS)


def test_signal_rows_wait_in_a_scratch_file_that_does_not_outlive_detection(mailbox, serial, monkeypatch, tmp_path):
    """The chunks' rows go to a scratch file as they come back and are read from it in place; the
    file is gone once the signals are joined, and a run that fails in detection leaves none."""
    from analyzer import batch
    from analyzer.ingest import mapped

    written, made = [], []

    class Recording(mapped.ScratchTableFile):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self.path)

        def write(self, table):
            written.append(table.num_rows)
            super().write(table)

    monkeypatch.setattr(batch, "ScratchTableFile", Recording)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    result = analyze([mailbox["first"], mailbox["second"]], config=mailbox["config"], jobs=1)
    pd.testing.assert_frame_equal(result.signals, serial.signals)
    assert sum(written) > 0 and len(made) == 1 and made[0].is_relative_to(tmp_path)
    assert not list(tmp_path.glob("*signals*"))

    def failing(*args, **kwargs):
        raise RuntimeError("a chunk failed")

    monkeypatch.setattr(batch, "detect_chunk", failing)
    with pytest.raises(RuntimeError, match="a chunk failed"):
        analyze([mailbox["first"], mailbox["second"]], config=mailbox["config"], jobs=1)
    assert len(made) == 2  # the failing run had its scratch file...
    assert not list(tmp_path.glob("*signals*"))  # ...and removed it


def test_the_signals_frame_reads_its_strings_in_place(serial):
    """The joined signals frame lives through scoring and writing: its strings are the pages of a
    scratch file (not Arrow's memory pool), and it equals the frame it was made from."""
    import pyarrow as pa

    from analyzer.batch import _read_in_place

    frame = pd.concat([serial.signals] * 200, ignore_index=True)
    strings = sum(pa.array(frame[c].array).nbytes for c in frame.columns if frame[c].dtype == "str")
    assert strings > 1_000_000
    before = pa.total_allocated_bytes()
    out = _read_in_place(frame)
    pd.testing.assert_frame_equal(out, frame, check_exact=True)
    numbers = sum(frame[c].to_numpy().nbytes for c in frame.columns if frame[c].dtype != "str")
    assert numbers < strings / 3
    assert pa.total_allocated_bytes() - before <= numbers + 65_536  # the numbers only, not the strings


def test_pipeline_loaded_once_per_worker_process(serial):
    texts = [t for t in serial.messages["new_text"] if t][:60]
    keys = [f"k{i}" for i in range(len(texts))]
    tasks = [(None, keys[i:i + 5], texts[i:i + 5]) for i in range(0, len(texts), 5)]
    results = list(run_ordered(detect_chunk, tasks, Execution(jobs=2), len(tasks)))
    assert len(results) == len(tasks) == 12
    assert all(r.pipeline_loads == 1 for r in results)  # never reloaded, whichever task a worker runs
    assert len({r.pid for r in results}) <= 2  # 12 chunks, at most 2 processes, each loading once
    for task, res in zip(tasks, results):  # results come back in task order
        assert set(res.rows["text_key"]) <= set(task[1])


def test_second_run_reuses_the_cache_and_writes_the_same_files(mailbox, serial, tmp_path):
    srcs = [mailbox["first"], mailbox["second"]]
    first = run_to_dir(srcs, tmp_path, config=mailbox["config"], jobs=2)
    before = _files(tmp_path)
    assert (first.stats.units_parsed, first.stats.units_reused) == (2, 0)
    second = run_to_dir(srcs, tmp_path, config=mailbox["config"], jobs=2)
    assert (second.stats.units_parsed, second.stats.units_reused) == (0, 2)
    assert second.stats.texts_detected == 0 and second.stats.texts_reused == first.stats.texts_detected
    assert not first.stats.scores_reused and second.stats.scores_reused  # unchanged input: scores reused
    assert not first.stats.attribution_reused and second.stats.attribution_reused
    assert _files(tmp_path) == before
    _same_result(first, second)
    _same_result(serial, second)
    stats = json.loads((tmp_path / "run_stats.json").read_text())
    assert stats["units_reused"] == 2 and stats["texts_detected"] == 0


def test_unchanged_rerun_keeps_the_files_and_any_change_rewrites_them(mailbox, tmp_path):
    srcs = [mailbox["first"], mailbox["second"]]
    names = ("messages.parquet", "signals.parquet", "evidence.csv", "scores.csv", "periods.csv", "report.html")
    first = run_to_dir(srcs, tmp_path, config=mailbox["config"], jobs=1)
    written = {n: ((tmp_path / n).read_bytes(), (tmp_path / n).stat().st_mtime_ns) for n in names}
    second = run_to_dir(srcs, tmp_path, config=mailbox["config"], jobs=1)
    assert not first.stats.outputs_reused and second.stats.outputs_reused
    assert {n: ((tmp_path / n).read_bytes(), (tmp_path / n).stat().st_mtime_ns) for n in names} == written
    assert json.loads((tmp_path / "run_stats.json").read_text())["outputs_reused"] is True
    _same_result(first, second)  # the API result is whole either way

    (tmp_path / "report.html").write_text("edited by hand")  # a changed file is written again
    third = run_to_dir(srcs, tmp_path, config=mailbox["config"], jobs=1)
    assert not third.stats.outputs_reused and (tmp_path / "report.html").read_bytes().startswith(b"<!DOCTYPE html>")
    (tmp_path / "scores.csv").unlink()  # so is a missing one
    assert not run_to_dir(srcs, tmp_path, config=mailbox["config"], jobs=1).stats.outputs_reused
    assert (tmp_path / "scores.csv").read_bytes() == written["scores.csv"][0]

    redacted = run_to_dir(srcs, tmp_path, config=mailbox["config"], jobs=1, redact=True)  # other options
    assert not redacted.stats.outputs_reused and (tmp_path / "scores.csv").read_bytes() != written["scores.csv"][0]
    assert not run_to_dir(srcs, tmp_path, config=mailbox["config"], jobs=1).stats.outputs_reused
    assert (tmp_path / "scores.csv").read_bytes() == written["scores.csv"][0]
    run_to_dir(srcs, tmp_path, config=mailbox["config"], jobs=1, use_cache=False)  # a run without the cache
    assert not run_to_dir(srcs, tmp_path, config=mailbox["config"], jobs=1).stats.outputs_reused


def test_grown_export_parses_only_the_new_mbox(mailbox, serial, tmp_path):
    first = analyze([mailbox["first"]], config=mailbox["config"], jobs=1, cache_dir=tmp_path)
    assert first.stats.units_parsed == 1 and len(first.messages) < len(serial.messages)
    grown = analyze([mailbox["first"], mailbox["second"]], config=mailbox["config"], jobs=1, cache_dir=tmp_path)
    assert (grown.stats.units_parsed, grown.stats.units_reused) == (1, 1)
    assert grown.stats.texts_reused > 0 and grown.stats.texts_detected > 0
    assert not grown.stats.scores_reused  # new mail: the whole mailbox is scored again
    assert not grown.stats.attribution_reused  # and attributed again
    _same_result(serial, grown)


def test_changed_source_is_parsed_again(mailbox, tmp_path):
    src = tmp_path / "in" / "q1.mbox"
    src.parent.mkdir()
    src.write_bytes(mailbox["first"].read_bytes())
    cache = tmp_path / "cache"
    analyze([src, mailbox["second"]], config=mailbox["config"], jobs=1, cache_dir=cache)
    data = src.read_bytes()
    src.write_bytes(data.replace(b"Subject: ", b"Subject: [changed] ", 1))
    again = analyze([src, mailbox["second"]], config=mailbox["config"], jobs=1, cache_dir=cache)
    assert (again.stats.units_parsed, again.stats.units_reused) == (1, 1)
    assert again.messages["subject"].str.startswith("[changed] ").sum() == 1
    assert len(list((cache / "units").glob("*.parquet"))) == 2  # the old content's entry is pruned


def test_corrupted_cache_files_are_recomputed_not_fatal(mailbox, serial, tmp_path, caplog):
    srcs = [mailbox["first"], mailbox["second"]]
    analyze(srcs, config=mailbox["config"], jobs=1, cache_dir=tmp_path)
    unit = sorted((tmp_path / "units").glob("*.parquet"))[0]
    unit.write_bytes(unit.read_bytes()[: unit.stat().st_size // 2])  # truncated
    part = next(tmp_path.glob("signals-*/part-*.parquet"))
    part.write_bytes(b"not parquet at all")
    again = analyze(srcs, config=mailbox["config"], jobs=1, cache_dir=tmp_path)
    assert again.stats.units_parsed == 1 and again.stats.texts_detected > 0
    assert "cache: ignoring" in caplog.text
    _same_result(serial, again)
    third = analyze(srcs, config=mailbox["config"], jobs=1, cache_dir=tmp_path)  # repaired
    assert third.stats.units_parsed == 0 and third.stats.texts_detected == 0
    assert third.stats.scores_reused and third.stats.attribution_reused
    for stored in [*(tmp_path / "scores").glob("*.parquet"), *(tmp_path / "attribution").glob("*.parquet")]:
        stored.write_bytes(b"garbage")
    fourth = analyze(srcs, config=mailbox["config"], jobs=1, cache_dir=tmp_path)
    assert not fourth.stats.scores_reused and not fourth.stats.attribution_reused
    _same_result(serial, fourth)


def test_no_cache_option_leaves_no_cache(mailbox, tmp_path):
    res = run_to_dir([mailbox["first"]], tmp_path, config=mailbox["config"], jobs=1, use_cache=False)
    assert not (tmp_path / CACHE_DIRNAME).exists() and res.stats.units_parsed == 1


def test_bad_execution_settings_are_clear_errors():
    with pytest.raises(InputError, match="--jobs must not be 0"):
        Execution(jobs=0)
    with pytest.raises(ConfigError, match="needs --scheduler"):
        Execution(backend="dask")
    with pytest.raises(ConfigError, match="unknown backend"):
        Execution(backend="spark")


def test_cli_run_bad_backend_usage_exits_2_with_one_line(mailbox, tmp_path, monkeypatch):
    runner = CliRunner()
    res = runner.invoke(main, ["run", str(mailbox["first"]), "--out", str(tmp_path), "--backend", "dask", "-q"])
    assert res.exit_code == 2 and "needs --scheduler" in res.output and "Traceback" not in res.output
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)  # as if the extra were missing
    res = runner.invoke(main, ["run", str(mailbox["first"]), "--out", str(tmp_path), "--backend", "dask",
                               "--scheduler", "tcp://127.0.0.1:1", "-q"])
    assert res.exit_code == 2 and "pip install 'client-relationship-depth[dask]'" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_cli_run_jobs_and_cache(mailbox, tmp_path):
    runner = CliRunner()
    args = ["run", str(mailbox["first"]), str(mailbox["second"]), "--config", str(mailbox["config"]),
            "--out", str(tmp_path), "--jobs", "2", "-q"]
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert (tmp_path / CACHE_DIRNAME / "units").is_dir()
    assert json.loads((tmp_path / "run_stats.json").read_text())["units_parsed"] == 2
    res = runner.invoke(main, args)
    assert res.exit_code == 0 and json.loads((tmp_path / "run_stats.json").read_text())["units_parsed"] == 0


def test_another_config_attributes_again(mailbox, tmp_path):
    srcs = [mailbox["first"], mailbox["second"]]
    analyze(srcs, config=mailbox["config"], jobs=1, cache_dir=tmp_path)
    inferred = analyze(srcs, config=None, jobs=1, cache_dir=tmp_path)
    assert not inferred.stats.attribution_reused and not inferred.stats.scores_reused
    fresh = analyze(srcs, config=None, jobs=1)
    pd.testing.assert_frame_equal(inferred.messages, fresh.messages)
    pd.testing.assert_frame_equal(inferred.scores, fresh.scores)


def test_workers_warmed_while_attributing_then_never_reload(serial):
    from analyzer.parallel import warm_workers

    assert warm_workers(None, Execution(jobs=1)) is None  # in-process: nothing to warm
    thread = warm_workers(None, Execution(jobs=2))
    thread.join(timeout=300)
    assert not thread.is_alive()
    texts = [t for t in serial.messages["new_text"] if t][:20]
    tasks = [(None, [f"k{i}"], [t]) for i, t in enumerate(texts)]
    results = list(run_ordered(detect_chunk, tasks, Execution(jobs=2), len(tasks)))
    assert all(r.pipeline_loads == 1 for r in results)  # loaded by the warm-up (or earlier), once


@pytest.mark.parametrize("after_bytes,releases", [(1, 2), (1 << 30, 1)])
def test_large_parse_hands_detection_to_fresh_workers(mailbox, serial, monkeypatch, after_bytes, releases):
    from analyzer import analysis
    from analyzer import parallel as par

    calls = []
    real = par.release_local_workers
    monkeypatch.setattr(par, "release_local_workers", lambda **kw: (calls.append(1), real(**kw))[1])
    monkeypatch.setattr(analysis, "FRESH_WORKERS_AFTER_BYTES", after_bytes)
    result = analyze([mailbox["first"], mailbox["second"]], config=mailbox["config"], jobs=2)
    assert result.stats.units_parsed == 2
    assert result.stats.bytes_parsed == sum(Path(p).stat().st_size for p in (mailbox["first"], mailbox["second"]))
    # past a threshold of 1 byte the parse workers go before detection, and every run stops its
    # workers once the signals are in
    assert len(calls) == releases
    _same_result(serial, result)


@pytest.mark.parametrize("warm_after", [False, True])
def test_a_very_large_run_warms_its_detection_workers_after_attribution(mailbox, serial, monkeypatch, warm_after):
    """Past WARM_AFTER_ATTRIBUTION_BYTES the workers load the pipeline once the mail is attributed
    (attribution then runs with no worker alive); below it they load it meanwhile. Same result."""
    from analyzer import analysis, batch
    from analyzer import parallel as par

    events = []
    real_warm, real_attribute = par.warm_workers, batch._attribute
    monkeypatch.setattr(par, "warm_workers", lambda *a, **kw: (events.append("warm"), real_warm(*a, **kw))[1])
    monkeypatch.setattr(batch, "_attribute", lambda *a, **kw: (real_attribute(*a, **kw), events.append("attributed"))[0])
    monkeypatch.setattr(analysis, "WARM_AFTER_ATTRIBUTION_BYTES", 1 if warm_after else 1 << 40)
    result = analyze([mailbox["first"], mailbox["second"]], config=mailbox["config"], jobs=2)
    assert events == (["attributed", "warm"] if warm_after else ["warm", "attributed"])
    assert len(result.stats.worker_pids) >= 1
    _same_result(serial, result)


def test_a_run_hands_every_object_back_to_the_garbage_collector(mailbox):
    """A run keeps the collector off its long-lived objects (gc.freeze) and unfreezes on return: a
    cycle that was garbage before the run is collectable after it, and nothing stays frozen."""
    import gc
    import weakref

    class Node:
        pass

    node = Node()
    node.self = node
    ref = weakref.ref(node)
    del node  # cyclic garbage: only the collector frees it
    assert gc.get_freeze_count() == 0
    analyze([mailbox["first"]], config=mailbox["config"], jobs=1)
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert ref() is None


def test_a_large_run_loads_the_depth_model_after_detection_with_the_same_result(mailbox, serial, monkeypatch):
    """From LOAD_MODEL_AFTER_DETECTION_BYTES of mail on, scikit-learn and the model are not in the
    main process while signals are detected (where a large run's memory peaks)."""
    import analyzer.batch as batch
    import analyzer.model_load as model_load

    events = []
    real_load, real_detect = model_load._load_depth_model, batch.detect_client_signals
    monkeypatch.setattr(model_load, "LOAD_MODEL_AFTER_DETECTION_BYTES", 0)
    monkeypatch.setattr(model_load, "_load_depth_model", lambda path: events.append("load") or real_load(path))
    monkeypatch.setattr(batch, "detect_client_signals",
                        lambda *a, **k: events.append("detect") or real_detect(*a, **k))
    result = analyze([mailbox["first"], mailbox["second"]], config=mailbox["config"], jobs=1)
    assert events == ["detect", "load"]
    _same_result(serial, result)


def test_a_large_run_lets_its_workers_go_before_the_depth_model_loads(mailbox, serial, monkeypatch):
    """In a large run the detection workers' exit, the signal rows' join and the model's load would
    meet at the run's memory peak: the model loads once the workers are gone."""
    import analyzer.analysis as analysis
    import analyzer.model_load as model_load

    events = []
    real_load, real_join = model_load._load_depth_model, analysis._StoppingWorkers.join
    monkeypatch.setattr(model_load, "LOAD_MODEL_AFTER_DETECTION_BYTES", 0)
    monkeypatch.setattr(model_load, "_load_depth_model", lambda path: events.append("load") or real_load(path))
    monkeypatch.setattr(analysis._StoppingWorkers, "join",
                        lambda self: events.append("workers gone") or real_join(self))
    result = analyze([mailbox["first"], mailbox["second"]], config=mailbox["config"], jobs=2)
    assert events[:2] == ["workers gone", "load"]
    _same_result(serial, result)


def test_a_failure_writing_messages_fails_the_run_and_leaves_no_files(mailbox, tmp_path, monkeypatch):
    """messages.parquet is written in a second thread while the run scores: its error is the run's,
    and nothing of the run is moved into the folder."""
    import analyzer.run_files as run_files

    def broken(messages, bodies, path):
        raise OSError("disk full")
    monkeypatch.setattr(run_files, "write_messages_file", broken)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        run_to_dir([mailbox["first"]], out, config=mailbox["config"], jobs=1, use_cache=False)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == []
    assert not list(out.glob(".partial-*"))


def test_the_parquet_files_are_written_while_the_run_scores(mailbox, tmp_path, monkeypatch):
    """A first run starts writing messages.parquet and signals.parquet before it scores (the files
    are those the result writes itself); an unchanged re-run starts nothing before it knows whether
    the folder's files are current."""
    import analyzer.depth.scores as scores
    from analyzer.export import write_signals_parquet
    from analyzer.run_files import EarlyWrites

    events = []
    real_start, real_score = EarlyWrites.start, scores.score_and_periods
    monkeypatch.setattr(EarlyWrites, "start",
                        lambda self, *a: (events.append("start") if not self.started else None) or real_start(self, *a))
    monkeypatch.setattr(scores, "score_and_periods", lambda *a, **k: events.append("score") or real_score(*a, **k))
    out = tmp_path / "out"
    result = run_to_dir([mailbox["first"]], out, config=mailbox["config"], jobs=1)
    assert events == ["start", "score"]
    result.write_messages(tmp_path / "again.parquet")
    write_signals_parquet(result.signals, tmp_path / "signals.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "messages.parquet"), pd.read_parquet(tmp_path / "again.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "signals.parquet"), pd.read_parquet(tmp_path / "signals.parquet"))

    events.clear()
    second = run_to_dir([mailbox["first"]], out, config=mailbox["config"], jobs=1)
    assert second.stats.outputs_reused and events == []


def test_the_scores_key_follows_every_signal_value_and_nothing_else(serial):
    """The scores' cache key: equal frames give equal keys; any change in a signal row (a date, a
    score, a missing model score, a label) or in a message's attribution gives another."""
    from analyzer.cache_keys import scores_key

    messages, signals = serial.message_meta, serial.signals
    assert len(signals) > 5
    key = scores_key(messages, signals)
    assert scores_key(messages.copy(), signals.copy()) == key
    other_label = "referral" if signals["label"].iloc[2] != "referral" else "apology"
    changed = {
        "date": signals.assign(date=signals["date"] + pd.Timedelta(seconds=1)),
        "score": signals.assign(score=signals["score"].where(signals.index != signals.index[0], 0.123)),
        "model_score": signals.assign(model_score=signals["model_score"].where(signals.index != signals.index[1])),
        "label": signals.assign(label=signals["label"].where(signals.index != signals.index[2], other_label)),
        "rows": signals.iloc[1:],
    }
    for name, other in changed.items():
        assert scores_key(messages, other) != key, name
    moved = messages.assign(client=messages["client"].where(messages.index != messages["client"].first_valid_index(), None))
    assert scores_key(moved, signals) != key
