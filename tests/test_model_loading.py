"""The shipped depth model loads in a background daemon thread while a run starts its work."""

from __future__ import annotations

import threading

import pytest

import analyzer.analysis as analysis
from analyzer.depth.model import DepthModel
from analyzer.errors import ModelError


def test_shipped_model_loads_in_a_daemon_thread(monkeypatch):
    seen = {}
    real = analysis._load_depth_model

    def load(path):
        seen["thread"] = threading.current_thread()
        return real(path)
    monkeypatch.setattr(analysis, "_load_depth_model", load)
    future = analysis.start_loading_models(None, None)
    assert isinstance(future.result(timeout=120), DepthModel)
    # not the main thread, and a daemon: a run that never needs the model does not wait for it at exit
    assert seen["thread"] is not threading.main_thread() and seen["thread"].daemon


def test_a_failure_to_load_reaches_whoever_asks_for_the_model(monkeypatch):
    def broken(path):
        raise ModelError("model file damaged")
    monkeypatch.setattr(analysis, "_load_depth_model", broken)
    future = analysis.start_loading_models(None, None)
    with pytest.raises(ModelError, match="damaged"):
        future.result(timeout=60)
