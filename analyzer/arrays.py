"""Reading saved numpy arrays while another thread of the run does the same.

A run reads ``.npy`` files in two threads at once: the signal classifier's weights where signals are
detected, and the depth model's arrays (``skops.io.load``) in the model-loading thread. numpy parses
each file's header with ``ast.literal_eval``, and on CPython 3.11 the AST converter keeps its
recursion counter in state shared by all threads: two conversions that interleave can fail with
``SystemError: AST constructor recursion depth mismatch``, on a valid file. This was seen once in
CI, as a depth model that "could not be read". The analyzer's readers of saved arrays hold
:data:`NPY_READ_LOCK` while they read, so they never interleave.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

#: Held by every reader of saved arrays in the analyzer (:func:`read_arrays`).
NPY_READ_LOCK = threading.Lock()

T = TypeVar("T")


def read_arrays(read: Callable[[], T]) -> T:
    """``read()``, a reader of saved arrays, under :data:`NPY_READ_LOCK`; called once more if the
    spurious AST error still struck (:func:`is_ast_race`), from an ``ast`` call made by code outside
    the analyzer in another thread."""
    try:
        with NPY_READ_LOCK:
            return read()
    except SystemError as exc:
        if not is_ast_race(exc):
            raise
    with NPY_READ_LOCK:
        return read()


def load_npy(path: Path) -> np.ndarray:
    """The array saved at ``path`` (never a pickle), through :func:`read_arrays`."""
    return read_arrays(lambda: np.load(path, allow_pickle=False))


def is_ast_race(exc: BaseException) -> bool:
    """Whether ``exc`` is CPython 3.11's spurious ``SystemError`` from interleaved AST conversions
    (made in a thread the analyzer does not control): the read can be tried again."""
    return isinstance(exc, SystemError) and "recursion depth mismatch" in str(exc)
