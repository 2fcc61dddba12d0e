"""Reading saved arrays in two threads at once (analyzer.arrays) and the depth model's load under it."""

import threading

import numpy as np
import pytest

from analyzer import arrays
from analyzer.arrays import NPY_READ_LOCK, is_ast_race, load_npy
from analyzer.depth import modelfile
from analyzer.depth.model import DepthModel
from analyzer.errors import ModelError

RACE = SystemError("AST constructor recursion depth mismatch (before=138, after=184)")


def _fails_once(real, calls: list):
    """``real``, except that its first call raises :data:`RACE`; every call is noted in ``calls``."""
    def load(path, **kw):
        calls.append(path)
        if len(calls) == 1:
            raise RACE
        return real(path, **kw)

    return load


def test_a_reader_waits_while_another_reads(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(5))
    got = []
    with NPY_READ_LOCK:
        reader = threading.Thread(target=lambda: got.append(load_npy(tmp_path / "a.npy")))
        reader.start()
        reader.join(0.3)
        assert reader.is_alive() and not got
    reader.join(10)
    assert got and got[0].tolist() == [0, 1, 2, 3, 4]


def test_the_spurious_ast_error_is_read_again_and_others_are_not(tmp_path, monkeypatch):
    np.save(tmp_path / "a.npy", np.arange(3))
    calls = []
    monkeypatch.setattr(arrays.np, "load", _fails_once(np.load, calls))
    assert load_npy(tmp_path / "a.npy").tolist() == [0, 1, 2] and len(calls) == 2
    assert is_ast_race(RACE) and not is_ast_race(SystemError("other")) and not is_ast_race(ValueError(str(RACE)))

    def broken(path, **kw):
        raise SystemError("other")

    monkeypatch.setattr(arrays.np, "load", broken)
    with pytest.raises(SystemError, match="other"):
        load_npy(tmp_path / "a.npy")


def test_the_depth_model_is_read_again_after_the_spurious_ast_error(monkeypatch):
    sio = modelfile.skops_io()
    calls = []
    monkeypatch.setattr(sio, "load", _fails_once(sio.load, calls))
    assert isinstance(modelfile.load_depth_model(None), DepthModel) and len(calls) == 2

    def always(path, **kw):
        calls.append(path)
        raise RACE

    calls.clear()
    monkeypatch.setattr(sio, "load", always)
    with pytest.raises(ModelError, match="recursion depth mismatch"):
        modelfile.load_depth_model(None)
    assert len(calls) == 2
