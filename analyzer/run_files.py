"""Writing a run's files (docs/CONTRACT.md) into its staging folder, for :func:`analyzer.analysis.run_to_dir`.

``messages.parquet`` and ``signals.parquet`` need no scores: :class:`EarlyWrites` writes them in a
second thread, started as soon as the signals are known (``analyze(on_detected=...)``), while the
run scores; their work is mostly Arrow's, which runs without the interpreter lock. The CSVs and the
report follow once the scores are there (:func:`write_run`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_messages_file(messages: pd.DataFrame, bodies, path) -> None:
    """``messages.parquet`` from a messages frame and, when they are apart, its stored bodies."""
    from analyzer.ingest.message import write_messages

    if bodies is not None:
        from analyzer.ingest.bodies import write_messages_with_bodies

        write_messages_with_bodies(messages, bodies, path)
    elif len(messages):
        write_messages(messages, path)
    else:  # frame_to_table cannot type the list columns of an empty frame
        import pyarrow.parquet as pq

        from analyzer.ingest.message import MESSAGE_SCHEMA

        pq.write_table(MESSAGE_SCHEMA.empty_table(), path)


class EarlyWrites:
    """``messages.parquet`` and ``signals.parquet``, written in a second thread while the main one
    goes on (they need no scores). Their work is mostly Arrow's (reading the stored bodies,
    encoding, compressing), which runs without the interpreter lock, beside scoring, the CSVs and
    the report, which hold it (messages.parquet alone took 0.2 s of a 16k realistic run's write
    stage). :meth:`start` once; then :meth:`result` (raises what the thread raised) or
    :meth:`wait` (only waits: for when the run already failed)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._future = None
        self._pool = None

    @property
    def started(self) -> bool:
        return self._future is not None

    def start(self, messages: pd.DataFrame, bodies, signals: pd.DataFrame) -> None:
        if self.started:
            return
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyzer-write")
        self._future = self._pool.submit(self._write, messages, bodies, signals)

    def _write(self, messages, bodies, signals) -> None:
        from analyzer.export import write_signals_parquet

        write_messages_file(messages, bodies, self.folder / "messages.parquet")
        write_signals_parquet(signals, self.folder / "signals.parquet")

    def wait(self) -> None:
        if self._future is not None:
            self._future.exception()
            self._pool.shutdown()

    def result(self) -> None:
        if self._future is not None:
            self.wait()
            self._future.result()


def write_run(result, folder: Path, redact: bool, early: EarlyWrites | None = None) -> None:
    """Every file of a run but run_stats.json, into ``folder``; the two parquet files through
    ``early`` (started here if the run has not started it already)."""
    early = early if early is not None else EarlyWrites(folder)
    early.start(result.message_meta, result.stored_bodies, result.signals)
    try:
        _write_all_but_parquets(result, folder, redact)
    except BaseException:
        early.wait()  # the first error is the one raised
        raise
    early.result()


def _write_all_but_parquets(result, folder: Path, redact: bool) -> None:
    from analyzer.export import write_csv, write_evidence_csv, write_json, write_scores_csv
    from analyzer.report.html import write_report

    write_json(result.ingest_report, folder / "ingest_report.json")
    evidence, scores, periods = result.evidence, result.scores, result.periods
    if redact:  # the CSVs people open in meetings are masked too; the parquet files keep the raw data
        from functools import partial

        from analyzer.report.redact import masked_client, redact_text, redacted_names

        rename = partial(masked_client, redacted_names(scores["client"]))
        evidence = evidence.assign(client=evidence["client"].map(rename), text=evidence["text"].map(redact_text))
        scores = scores.assign(client=scores["client"].map(rename), domains=scores["domains"].map(redact_text))
        periods = periods.assign(client=periods["client"].map(rename))
    write_evidence_csv(evidence, folder / "evidence.csv")
    write_scores_csv(scores, folder / "scores.csv")
    write_csv(periods, folder / "periods.csv")
    write_report(result, folder / "report.html", redact=redact)
