"""The shipped depth model loads in a background daemon thread while a run starts its work."""

from __future__ import annotations

import threading

import pytest

import analyzer.analysis as analysis
import analyzer.model_load as model_load
from analyzer.depth.model import DepthModel
from analyzer.errors import ModelError


def test_shipped_model_loads_in_a_daemon_thread(monkeypatch):
    seen = {}
    real = model_load._load_depth_model

    def load(path):
        seen["thread"] = threading.current_thread()
        return real(path)
    monkeypatch.setattr(model_load, "_load_depth_model", load)
    future = model_load.start_loading_models(None, None)
    assert isinstance(future.result(timeout=120), DepthModel)
    # not the main thread, and a daemon: a run that never needs the model does not wait for it at exit
    assert seen["thread"] is not threading.main_thread() and seen["thread"].daemon


def test_a_failure_to_load_reaches_whoever_asks_for_the_model(monkeypatch):
    def broken(path):
        raise ModelError("model file damaged")
    monkeypatch.setattr(model_load, "_load_depth_model", broken)
    future = model_load.start_loading_models(None, None)
    with pytest.raises(ModelError, match="damaged"):
        future.result(timeout=60)


def test_a_large_run_starts_the_load_only_when_asked(monkeypatch):
    """Below the threshold the load starts before parsing; from it on, only once the run asks for
    the model (after signal detection, where a large run's memory peaks)."""
    calls = []
    small = model_load.ModelLoad(lambda: calls.append("small") or "model")
    small.start_unless_large(model_load.LOAD_MODEL_AFTER_DETECTION_BYTES - 1)
    assert small.result(timeout=10) == "model" and calls == ["small"]

    large = model_load.ModelLoad(lambda: calls.append("large") or "model")
    large.start_unless_large(model_load.LOAD_MODEL_AFTER_DETECTION_BYTES)
    assert not large._started and calls == ["small"]
    assert large.result(timeout=10) == "model" and calls == ["small", "large"]


def test_a_run_hands_the_size_of_the_mail_to_parse_before_parsing(tmp_path, monkeypatch):
    from analyzer.batch import RunStats, ingest_sources
    from analyzer.parallel import Execution

    mbox = tmp_path / "a.mbox"
    mbox.write_bytes(b"From a@x.com Mon Jan  1 00:00:00 2024\nFrom: a@x.com\nTo: b@y.com\n"
                     b"Subject: hi\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nhello\n")
    sizes = []
    ingest_sources([mbox], None, Execution(jobs=1), None, RunStats(), before_parsing=sizes.append)
    assert sizes == [mbox.stat().st_size]


def test_a_large_run_starts_the_load_once_the_last_signals_are_back(project_root, monkeypatch):
    """A large run puts the load off while it parses and detects, and starts it as soon as the last
    signals are back and the workers are stopping (``after_detection``), before the signal rows are
    put together: the load overlaps that work instead of following it."""
    import analyzer.batch as batch

    monkeypatch.setattr(model_load, "LOAD_MODEL_AFTER_DETECTION_BYTES", 0)  # every run is a large one
    loads = []
    real_start = model_load.start_loading_models

    def start(model_path, signals_model):
        loads.append(real_start(model_path, signals_model))
        return loads[-1]
    monkeypatch.setattr(model_load, "start_loading_models", start)
    real_detect, seen = batch.detect_client_signals, {}

    def detect(*args, after_detection=None, **kwargs):
        def after():
            seen["before"] = loads[0]._started
            after_detection()
            seen["after"] = loads[0]._started
        return real_detect(*args, after_detection=after, **kwargs)
    monkeypatch.setattr(batch, "detect_client_signals", detect)
    demo = project_root / "data" / "demo"
    result = analysis.analyze([demo / "mail"], config=demo / "analyzer.toml", jobs=1)
    assert seen == {"before": False, "after": True} and len(result.scores)
