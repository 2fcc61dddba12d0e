"""The whole analysis: sources -> messages -> signals -> client scores (+ exports).

This is the orchestration behind ``analyzer run`` and ``analyzer.analyze``. Each stage is a
function with DataFrames at its borders; this module only wires them together and writes
the run folder.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from analyzer.config import Config, load_config, parse_config
from analyzer.errors import ConfigError, InputError
from analyzer import model_load
from analyzer.memory import frozen_heap, release_unused, use_lean_arrow_pool
from analyzer.run_outputs import forget_outputs, outputs_current, outputs_key, record_outputs

log = logging.getLogger(__name__)

#: The run cache's folder inside an output folder.
CACHE_DIRNAME = ".cache"


class AnalysisResult:
    """What a run produces, as DataFrames for notebooks.

    ``messages``: one row per unique message (MESSAGE_COLUMNS); ``signals``: one row per (message,
    sentence, label) in new text (SIGNAL_COLUMNS); ``evidence``: the signals that count for a client
    (evidence.csv); ``scores``: one row per client (scores.csv); ``periods``: client x quarter depth
    (the report's depth over time); ``stats``: an :class:`analyzer.batch.RunStats` (units parsed and
    reused, texts detected and reused, seconds).

    A run hands over its messages without their whole bodies, which wait on disk
    (:mod:`analyzer.ingest.bodies`): ``messages`` joins them on first use, ``message_meta`` never
    does (every column but ``body`` and ``quoted_text`` when they are still on disk).
    """

    def __init__(self, messages: pd.DataFrame, signals: pd.DataFrame, evidence: pd.DataFrame,
                 scores: pd.DataFrame, periods: pd.DataFrame, ingest_report: dict | None = None,
                 stats: object = None, bodies=None) -> None:
        self._messages, self._bodies = messages, bodies
        self.signals, self.evidence, self.scores, self.periods = signals, evidence, scores, periods
        self.ingest_report = {} if ingest_report is None else ingest_report
        self.stats = stats

    @property
    def messages(self) -> pd.DataFrame:
        if self._bodies is not None:
            self._messages, self._bodies = self._bodies.join(self._messages), None
        return self._messages

    @property
    def stored_bodies(self):
        """Where the whole bodies wait on disk (:class:`analyzer.ingest.bodies.BodyStore`) while
        they are apart from the frame; None once they are joined in (or were never apart)."""
        return self._bodies

    @property
    def message_meta(self) -> pd.DataFrame:
        """The messages frame as held: without the whole bodies if they were never asked for."""
        return self._messages

    def write_messages(self, path) -> None:
        """``messages.parquet``: from the frame and its stored bodies batch by batch, when they are
        still apart (the whole mailbox's bodies are then never in memory at once)."""
        from analyzer.run_files import write_messages_file

        write_messages_file(self._messages, self._bodies, path)


def _as_config(config) -> Config | None:
    if config is None or isinstance(config, Config):
        return config
    if isinstance(config, (str, Path)):
        return load_config(config)
    if isinstance(config, dict):
        return parse_config(config, source="config dict")
    raise ConfigError(f"config must be a Config, a TOML path or a dict, not {type(config).__name__}")


def analyze(sources, config=None, *, jobs: int | None = None, model_path=None, signals_model=None,
            show_progress: bool = False, backend: str = "loky", scheduler: str | None = None,
            cache_dir=None, on_detected=None) -> AnalysisResult:
    """Ingest ``sources``, detect signals in what each side newly wrote, and score each client.

    ``config`` is a :class:`~analyzer.config.Config`, a TOML path, a dict shaped like the TOML,
    or None (infer the agency and the clients). ``model_path`` is a depth model written by
    ``analyzer train`` (default: the shipped one); ``signals_model`` a spaCy pipeline folder or name.

    Parallel work (parsing, signal detection) runs on ``jobs`` local processes (None: all cores)
    or, with ``backend="dask"``, on the Dask cluster at ``scheduler``; the result is the same.
    ``cache_dir``: a run cache folder (:mod:`analyzer.cache`) to reuse and fill; None: no cache.
    ``on_detected(messages, bodies, signals, stats)``: called once the signals are detected, before
    scoring (:func:`run_to_dir` writes the files that need no scores meanwhile).
    """
    with frozen_heap() as refreeze:  # the collector leaves the run's long-lived objects alone (analyzer.memory)
        return _analyze(sources, config, jobs=jobs, model_path=model_path, signals_model=signals_model,
                        show_progress=show_progress, backend=backend, scheduler=scheduler, cache_dir=cache_dir,
                        refreeze=refreeze, on_detected=on_detected)


def _analyze(sources, config, *, jobs, model_path, signals_model, show_progress, backend, scheduler,
             cache_dir, refreeze, on_detected=None) -> AnalysisResult:
    from analyzer.batch import RunStats, detect_client_signals, in_process, ingest_sources, model_key
    from analyzer.cache import RunCache
    from analyzer.cache_keys import scores_key
    from analyzer.export import evidence_frame
    from analyzer.ingest.parked import park
    from analyzer.parallel import Execution, execution_context, warm_workers

    from analyzer.preflight import check_has_clients, check_has_mail, check_sources

    use_lean_arrow_pool()
    if isinstance(sources, (str, Path)):
        sources = [sources]
    check_sources(sources)
    cfg = _as_config(config)
    execution = Execution(backend=backend, jobs=jobs, scheduler=scheduler)
    model = model_load.start_loading_models(model_path, signals_model)  # a model the user names fails here, at once
    cache = RunCache(cache_dir) if cache_dir is not None else None
    stats = RunStats()
    started = time.perf_counter()
    stopping = _StoppingWorkers(execution)
    with execution_context(execution):
        # the workers load the signal pipeline while this process attributes the mail (a very large
        # run's workers after it: _warm_detection_workers)
        warming = []
        after_parsing = None if in_process(signals_model) else (lambda: warming.append(
            _warm_detection_workers(model_key(signals_model), execution, stats.bytes_parsed)))
        try:
            ingested = ingest_sources(list(sources), cfg, execution, cache, stats, show_progress=show_progress,
                                      before_parsing=model.start_unless_large, after_parsing=after_parsing)
            log.info("ingest: %s", {k: v for k, v in ingested.report.items() if k != "quarantine"})
            check_has_mail(ingested.report, sources)
            check_has_clients(ingested.messages, cfg)
            refreeze()  # the messages frame lives through the run
        finally:  # also when the run stops here: no warm-up left running into the next run's tasks
            for thread in warming:
                if thread is not None:
                    thread.join()
        if warming and _warms_after_attribution(execution, stats.bytes_parsed):  # put off by _warm_detection_workers
            late = warm_workers(model_key(signals_model), execution)  # the mail is attributed now
            if late is not None:
                late.join()

        def after_detection() -> None:
            stopping.stop()
            if model.deferred:
                # a large run: its workers' memory goes before the signal rows are put together and the
                # depth model loads (model_load.ModelLoad.start_unless_large), else all three meet at the
                # run's peak (500k bulk: main 266 -> 330 MiB beside workers of 501); the exit takes a second
                stopping.join()
            model.start_if_deferred()

        # the columns detection does not read wait on disk meanwhile (analyzer.ingest.parked): a
        # large run's memory peaks at the end of detection
        kept, parked = park(ingested.messages)
        ingested.messages = None
        release_unused()
        signals = detect_client_signals(kept, execution, cache, stats, signals_model=signals_model,
                                        show_progress=show_progress, after_detection=after_detection)
    release_unused()  # detection's working copies, before scoring builds its own
    ingested.messages = parked.restore(kept)
    del kept, parked
    refreeze()  # the signals, the frame's restored columns, scikit-learn's modules if the depth model has loaded
    log.info("signals: %d rows", len(signals))
    if on_detected is not None:
        on_detected(ingested.messages, ingested.bodies, signals, stats)
    t0 = time.perf_counter()
    cached = None
    if cache is not None:
        key = stats.scores_key = scores_key(ingested.messages, signals, model_path)
        cached = cache.load_scores(key)
    if cached is not None:
        scores, periods = cached
        stats.scores_reused = True
    else:
        from threadpoolctl import threadpool_limits

        from analyzer.depth.scores import score_and_periods

        with threadpool_limits(1):  # small matrices: threads only add overhead and oversubscribe a busy machine
            scores, periods = score_and_periods(ingested.messages, signals, model=model.result())
        if cache is not None:
            cache.store_scores(key, scores, periods)
    evidence = evidence_frame(signals)
    stopping.join()  # no worker outlives the run
    stats.seconds["scores"] = round(time.perf_counter() - t0, 3)
    stats.seconds["analyze"] = round(time.perf_counter() - started, 3)
    return AnalysisResult(
        messages=ingested.messages,
        signals=signals,
        evidence=evidence,
        scores=scores,
        periods=periods,
        ingest_report=ingested.report,
        stats=stats,
        bodies=ingested.bodies,
    )


class _StoppingWorkers:
    """The run's local workers, stopped once the last signals are back (``stop``): idle, each would
    hold about 250 MB through scoring. They exit while the run goes on; ``join`` waits for that."""

    def __init__(self, execution) -> None:
        self.execution = execution
        self._thread = None

    def stop(self) -> None:
        if self.execution.backend == "loky":
            from analyzer.parallel import release_local_workers

            self._thread = release_local_workers(wait=False)

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()


#: From this much parsed mail on, the local workers that parsed are replaced by fresh ones for
#: signal detection (:func:`_warm_detection_workers`).
FRESH_WORKERS_AFTER_BYTES = 128 * 1024 * 1024


#: From this much parsed mail on, the detection workers load the signal pipeline only once the mail
#: is attributed, not meanwhile (:func:`_warm_detection_workers`).
WARM_AFTER_ATTRIBUTION_BYTES = 512 * 1024 * 1024


def _warms_after_attribution(execution, bytes_parsed: int) -> bool:
    return execution.backend == "loky" and bytes_parsed >= WARM_AFTER_ATTRIBUTION_BYTES


def _warm_detection_workers(key, execution, bytes_parsed: int):
    """Start the detection workers loading the signal pipeline (a thread to join), or None when
    that waits until the mail is attributed.

    After a large parse the local workers are replaced by new ones first: what parsing left in them
    (about 20 MiB each that their allocators keep) would stay through detection, where a large run's
    memory peaks (bulk 100k: the workers' share of that peak fell from 505 to 465 MiB). A small run
    keeps its workers: new ones would import everything again, a second or so that counts there and
    memory does not. A very large run (:data:`WARM_AFTER_ATTRIBUTION_BYTES`) attributes its mail with
    no worker alive and loads the pipeline after: at 500k generated messages attribution's working
    copies and the workers loading spaCy (354 MiB) made the run's peak; the load's 1.5 s or so no
    longer overlap attribution, a small share of such a run."""
    from analyzer.parallel import release_local_workers, warm_workers

    if execution.backend == "loky" and bytes_parsed >= FRESH_WORKERS_AFTER_BYTES:
        release_local_workers()
    if _warms_after_attribution(execution, bytes_parsed):
        return None
    return warm_workers(key, execution)


#: The files of a run folder, in the order they are moved into place (run_stats.json last).
RUN_FILES = ("messages.parquet", "ingest_report.json", "signals.parquet", "evidence.csv", "scores.csv",
             "periods.csv", "report.html", "run_stats.json")


@contextmanager
def out_dir_lock(out: Path):
    """Hold ``out/.analyzer.lock`` for the run: a second run into the same folder stops at once."""
    import fcntl

    fh = open(out / ".analyzer.lock", "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InputError(f"another analyzer run is writing to {out}; wait for it or choose another --out") from None
        yield
    finally:
        fh.close()


def run_to_dir(sources, out_dir, config=None, *, jobs: int | None = None, model_path=None,
               signals_model=None, redact: bool = False, show_progress: bool = False,
               backend: str = "loky", scheduler: str | None = None, use_cache: bool = True) -> AnalysisResult:
    """``analyzer run``: :func:`analyze`, then write every file of the run folder (docs/CONTRACT.md).

    With ``use_cache`` the run cache lives in ``out_dir/.cache``: a second run over the same or a
    grown export parses only new or changed sources and detects signals only in new texts.
    ``run_stats.json`` says what was computed and reused, with timings.
    """
    from analyzer.ingest.mapped import remove_stale_scratch, scratch_in
    from analyzer.preflight import check_out_dir, check_sources
    from analyzer.run_files import EarlyWrites, write_run

    out = Path(out_dir)
    check_sources([sources] if isinstance(sources, (str, Path)) else sources)
    check_out_dir(out)
    with out_dir_lock(out), frozen_heap():  # the collector skips what lives through the run, writing too
        for stale in out.glob(".partial-*"):  # left by a run that was killed while writing
            shutil.rmtree(stale, ignore_errors=True)
        remove_stale_scratch(out)  # the stored bodies of a run that was killed
        staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=out))
        early = EarlyWrites(staging)

        def write_early(messages, bodies, signals, stats) -> None:
            # a run that computed anything writes every file: the two parquet files go while it
            # scores; an unchanged re-run waits to see whether the folder's files are current
            if stats.computed_anything or not use_cache:
                early.start(messages, bodies, signals)

        try:
            # scratch files (the stored bodies, the frame read in place) on the run folder's disk, not
            # in a temporary folder that may be memory (analyzer.ingest.mapped)
            with scratch_in(out):
                result = analyze(sources, config=config, jobs=jobs, model_path=model_path,
                                 signals_model=signals_model, show_progress=show_progress, backend=backend,
                                 scheduler=scheduler, cache_dir=out / CACHE_DIRNAME if use_cache else None,
                                 on_detected=write_early)
            t0 = time.perf_counter()
            stats = result.stats
            cache_dir = out / CACHE_DIRNAME
            files = [n for n in RUN_FILES if n != "run_stats.json"]
            key = outputs_key(stats.scores_key, result.ingest_report, redact) if use_cache else None
            if key and stats.scores_key and not stats.computed_anything:
                stats.outputs_reused = outputs_current(cache_dir, key, out, files)
            if not stats.outputs_reused:
                write_run(result, staging, redact, early)
            stats.seconds["write"] = round(time.perf_counter() - t0, 3)
            (staging / "run_stats.json").write_text(json.dumps(asdict(stats), indent=2) + "\n", encoding="utf-8")
            # run_stats.json leaves first and comes back last: a folder without it holds no complete run
            (out / "run_stats.json").unlink(missing_ok=True)
            if not stats.outputs_reused:
                forget_outputs(cache_dir)
                for name in files:
                    os.replace(staging / name, out / name)
                if key:
                    record_outputs(cache_dir, key, out, files)
            os.replace(staging / "run_stats.json", out / "run_stats.json")
        finally:
            early.wait()  # no thread left writing into a folder that goes
            shutil.rmtree(staging, ignore_errors=True)
    return result
