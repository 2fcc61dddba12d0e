"""Handing freed memory back to the operating system between the stages of a run.

A run builds large short-lived objects (the parsed messages of a work unit, the Arrow table of the
whole mailbox before it becomes the messages frame). Freed, their memory stays with the process:
CPython's small-object arenas and glibc's malloc keep it for reuse, and pyarrow's allocator keeps
its pages, so the process's resident size stays at its high-water mark and the next stage grows on
top of it. :func:`release_unused` returns what is free: a full garbage collection, pyarrow's
``release_unused`` and glibc's ``malloc_trim`` (where there is a glibc; elsewhere a no-op).
It costs a few milliseconds, so it is called between stages and work units, not per message.

A run also keeps CPython's cyclic garbage collector off what lives through it
(:func:`frozen_heap`): each full collection walks every tracked object, and a run's main
process holds a few hundred thousand (its imports, scikit-learn's among them, and the tables of
the mailbox), so the collections that allocation triggers and :func:`release_unused` asks for
cost about 0.1 s each, about a second per 16k-message run. Frozen objects are still freed by
reference counting; only cycles among them wait until they are unfrozen.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_unused() -> None:
    """Collect garbage and return freed heap pages to the operating system (see the module doc)."""
    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@lru_cache(maxsize=1)
def use_lean_arrow_pool() -> str:
    """Make jemalloc pyarrow's default memory pool in this process, unless the user chose one
    (``ARROW_DEFAULT_MEMORY_POOL``) or this pyarrow has none; returns the pool in use.

    pyarrow's default on Linux, mimalloc, keeps much of what a run frees: measured on 100k
    generated messages (``bench/trace_run.py``), the main process's peak fell from 611 to 534 MiB
    and the run's from 991 to 922 MiB with jemalloc, which :func:`release_unused` purges. Called once
    per process by the stages that build Arrow data (the run, parsing and detection workers)."""
    import os

    import pyarrow as pa

    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except (NotImplementedError, AttributeError):  # a pyarrow built without jemalloc
            pass
    return pa.default_memory_pool().backend_name


#: True while a :func:`frozen_heap` block that froze the heap itself is open (blocks inside it may refreeze).
_owning = False


@contextmanager
def frozen_heap() -> Iterator[Callable[[], None]]:
    """``gc.freeze()`` for the duration of the block, ``gc.unfreeze()`` after it: objects alive at
    entry (a loaded pipeline, a run's imports) are not scanned by the collector inside the block;
    garbage created inside is collected as usual, and nothing stays frozen afterwards.

    Yields a function that freezes again what is alive now (call it after a stage whose results
    live on, e.g. the messages frame after ingest); inside an enclosing block of this kind it
    freezes too, and the outermost block unfreezes everything. A no-op, yielding a no-op, when
    something else (the application) has already frozen objects or the collector is off: that is
    left as it is."""
    global _owning
    if _owning:
        yield gc.freeze
        return
    if gc.get_freeze_count() or not gc.isenabled():
        yield lambda: None
        return
    gc.freeze()
    _owning = True
    try:
        yield gc.freeze
    finally:
        _owning = False
        gc.unfreeze()
