"""Where the parallel work of a run executes: local cores (joblib/loky) or a Dask cluster.

Two kinds of tasks leave the main process, both small to send and small to return:

- parsing one ingest work unit (:func:`analyzer.ingest.pipeline.parse_unit`; the unit names a
  byte range or a batch of files, the worker reads them itself, so every worker must see the
  sources at the same path: local disk, or a shared file system for a cluster);
- detecting signals in one chunk of texts (:func:`detect_chunk`).

The spaCy pipeline is never pickled: a task carries only the pipeline's *key* (a folder path or
package name, None for the shipped one) and the worker loads it through :func:`worker_pipeline`,
a per-process cache, so each worker process (a loky worker or a Dask worker) loads it once and
keeps it for every later chunk and every later run in that process.

:func:`run_ordered` yields results in task order whatever the number of workers, so the run's
outputs do not depend on ``--jobs`` or on the backend.

Backends (:class:`Execution`):

``loky``  joblib's default process pool on this machine; ``jobs`` processes (None/-1: all cores).
``dask``  joblib's ``dask`` backend on a ``distributed.Client(scheduler)``; tasks go to every worker
          of the cluster. Needs the optional extra: ``pip install 'client-relationship-depth[dask]'``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from analyzer.errors import ConfigError, InputError

log = logging.getLogger(__name__)

BACKENDS = ("loky", "dask")

#: How long to try reaching a Dask scheduler before giving up.
CONNECT_TIMEOUT = "10s"

#: Pipeline loads in *this* process, per key (read by tests to check "once per worker").
PIPELINE_LOADS: Counter = Counter()


@dataclass(frozen=True)
class Execution:
    """How a run's parallel tasks execute. ``jobs``: joblib semantics (None/-1: all cores)."""

    backend: str = "loky"
    jobs: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"unknown backend {self.backend!r} (choose one of {', '.join(BACKENDS)})")
        if self.jobs == 0:
            raise InputError("--jobs must not be 0 (use a positive count, or -1 for all cores)")
        if self.backend == "dask" and not self.scheduler:
            raise ConfigError("--backend dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
        if self.backend == "loky" and self.scheduler:
            raise ConfigError("--scheduler only applies with --backend dask")

    def local_workers(self, n_tasks: int) -> int:
        """Worker processes on this machine for ``n_tasks`` tasks (1 means: run in-process)."""
        cores = os.cpu_count() or 1
        n = cores if self.jobs is None else (self.jobs if self.jobs > 0 else max(1, cores + 1 + self.jobs))
        return max(1, min(n, n_tasks))


def _dask_client(scheduler: str):
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("--backend dask needs Dask: pip install 'client-relationship-depth[dask]' "
                          "(or '.[dask]' from a checkout)") from None
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None


@contextmanager
def execution_context(execution: Execution):
    """Connect to the cluster for the ``dask`` backend (and close the connection after)."""
    if execution.backend != "dask":
        yield None
        return
    import joblib

    client = _dask_client(execution.scheduler)
    try:
        with client.as_current(), joblib.parallel_config(backend="dask"):
            n = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
            log.info("dask: %s with %d worker threads", execution.scheduler, n)
            yield client
    finally:
        client.close()


def worker_count(execution: Execution, n_tasks: int) -> int:
    """How many tasks can run at once: local processes, or the cluster's worker threads."""
    if execution.backend == "loky":
        return execution.local_workers(n_tasks)
    try:
        from distributed import get_client

        info = get_client().scheduler_info()["workers"]
        return max(1, sum(w.get("nthreads", 1) for w in info.values()))
    except (ImportError, ValueError, KeyError):
        return 1


def run_ordered(func: Callable, tasks: Iterable[tuple], execution: Execution, n_tasks: int) -> Iterator:
    """``func(*task)`` for every task, results yielded in task order.

    Runs in-process for one task or ``jobs=1`` (loky), else through joblib, lazily (results are
    consumed while later tasks still run, so the main process holds few results at a time).
    For ``dask`` call it inside :func:`execution_context`.
    """
    if execution.backend == "loky" and execution.local_workers(n_tasks) == 1:
        return (func(*t) for t in tasks)
    from joblib import Parallel, delayed

    if execution.backend == "dask":
        parallel = Parallel(n_jobs=-1, return_as="generator")
    else:
        from joblib import parallel_config

        # idle workers exit after WORKER_IDLE_SECONDS: workers orphaned by a killed run (each holds a
        # loaded spaCy pipeline, ~0.5 GB) do not linger for loky's default five minutes
        with parallel_config(backend="loky", idle_worker_timeout=WORKER_IDLE_SECONDS):
            parallel = Parallel(n_jobs=execution.local_workers(n_tasks), return_as="generator")
    return parallel(delayed(func)(*t) for t in tasks)


#: Seconds an idle local worker process waits for more work before it exits.
WORKER_IDLE_SECONDS = 30


def release_local_workers(wait: bool = True) -> threading.Thread | None:
    """Stop this process's local worker processes (joblib's loky pool), if it has any.

    A run calls it once its parallel work is done: each worker holds spaCy, the signal pipeline and
    what parsing left (about 250 MB), which would otherwise sit idle beside the main process while
    it scores and writes (at 100k messages the run's peak memory fell there). The next run starts
    fresh workers, as it would after :data:`WORKER_IDLE_SECONDS` anyway.

    ``wait=False``: the workers are stopped from a thread, which is returned (None when there are
    none): the caller goes on while they exit (0.4 s at 100k realistic messages) and joins it later.
    """
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)  # the pool joblib's loky backend reuses
    if executor is None:
        return None
    if wait:
        executor.shutdown(wait=True)
        return None
    stopping = threading.Thread(target=executor.shutdown, kwargs={"wait": True}, name="analyzer-stop-workers",
                                daemon=True)
    stopping.start()
    return stopping


# ---------------------------------------------------------------- every task (run in workers)

#: Seconds between a local worker's checks that the run that started it is still alive.
PARENT_CHECK_SECONDS = 1.0


@lru_cache(maxsize=1)
def watch_parent() -> bool:
    """In a local (loky) worker: start a daemon thread that ends this process once the process that
    started it is gone; returns whether it started (not in the main process, nor in a Dask worker).

    A run killed outright (out of memory, ``kill -9``) cannot stop its workers, and loky's own idle
    timeout does not reach a worker blocked sending a result into the dead run's pipe, which it holds
    open itself: measured, two detection workers of a 500k run killed by the kernel's out-of-memory
    killer sat there holding 600 MB until killed by hand. Called at the start of every task."""
    import multiprocessing

    if not multiprocessing.current_process().name.startswith("LokyProcess"):
        return False
    parent = os.getppid()

    def watch() -> None:
        import time

        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)  # reparented: the run is gone, and so is anyone to read what this worker computes

    threading.Thread(target=watch, name="analyzer-watch-parent", daemon=True).start()
    return True


# ---------------------------------------------------------------- signal tasks (run in workers)

@lru_cache(maxsize=2)
def worker_pipeline(model_key: str | None):
    """The signal pipeline for ``model_key``, loaded once per process and kept."""
    from analyzer.signals.pipeline import load_pipeline

    PIPELINE_LOADS[model_key] += 1
    log.info("process %d: loading the signal pipeline %s", os.getpid(), model_key or "(shipped)")
    return load_pipeline(model_key)


def warm_pipeline(model_key: str | None) -> int:
    """Load the signal pipeline in this worker (a no-op once loaded); returns the process id."""
    watch_parent()
    worker_pipeline(model_key)
    return os.getpid()


def warm_workers(model_key: str | None, execution: Execution):
    """A started daemon thread that has every local worker load the signal pipeline, or None.

    The run calls it when parsing ends: the workers then load spaCy and the pipeline (about 1.5 s
    each) while the main process attributes the messages, instead of at the start of signal
    detection. Join the thread before handing out signal tasks. Only for local worker processes:
    in-process runs would only move the load, and Dask workers keep their pipelines anyway.
    """
    import threading

    n = execution.local_workers(1 << 20) if execution.backend == "loky" else 1
    if n < 2:
        return None

    def warm() -> None:
        try:
            for _ in run_ordered(warm_pipeline, [(model_key,)] * n, execution, n):
                pass
        except Exception as exc:  # noqa: BLE001 - a failed warm-up is only a missed head start
            log.info("warming the workers failed (%s); signal detection loads the pipeline itself", exc)

    thread = threading.Thread(target=warm, name="analyzer-warm-workers", daemon=True)
    thread.start()
    return thread


@dataclass
class ChunkResult:
    """Signal rows of one chunk of texts, keyed by text (``text_key``), and who computed them."""

    rows: pd.DataFrame  # text_key + TEXT_SIGNAL_COLUMNS; texts without signals have no row
    pid: int
    pipeline_loads: int  # loads of the pipeline in that process so far (1 once warm)


#: The columns of a signals row that depend only on the text (not on which message holds it).
TEXT_SIGNAL_COLUMNS: tuple[str, ...] = (
    "sentence_index", "start_char", "end_char", "text", "label", "score", "model_score", "rule_id",
    "explanation",
)


#: Docs per ``nlp.pipe`` batch in a detection task. A worker holds one batch of docs at a time: at
#: the shipped pipeline's 1,024 a worker's memory rose about 140 MiB over its loaded size on
#: realistic agency mail, at 256 about 65 MiB, at the same speed (bench notes, twenty-third session).
DETECT_BATCH_SIZE = 256


def detect_chunk(model_key: str | None, keys: list[str], texts: list[str], nlp=None) -> ChunkResult:
    """Signals in ``texts`` (new text of messages), through the shared detector
    :func:`analyzer.signals.detect.signals_frame`; rows carry the text's key.

    ``nlp`` is only for in-process use with a pipeline object the caller already holds.
    """
    from analyzer.memory import use_lean_arrow_pool
    from analyzer.signals.detect import signals_frame

    use_lean_arrow_pool()
    watch_parent()
    if nlp is None:
        nlp = worker_pipeline(model_key)
    frame = pd.DataFrame({"message_id": [None] * len(keys), "content_hash": keys, "new_text": texts})
    found = signals_frame(frame, nlp=nlp, batch_size=DETECT_BATCH_SIZE)  # message_id falls back to content_hash = the text key
    rows = found.rename(columns={"message_id": "text_key"})[["text_key", *TEXT_SIGNAL_COLUMNS]]
    return ChunkResult(rows=rows.reset_index(drop=True), pid=os.getpid(), pipeline_loads=PIPELINE_LOADS[model_key])
