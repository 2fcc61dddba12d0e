"""The whole analysis: sources -> messages -> signals -> client scores (+ exports).

This is the orchestration behind ``analyzer run`` and ``analyzer.analyze``. Each stage is a
function with DataFrames at its borders; this module only wires them together and writes
the run folder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analyzer.config import Config, load_config, parse_config
from analyzer.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass
class AnalysisResult:
    """What a run produces, as DataFrames for notebooks."""

    messages: pd.DataFrame  # one row per unique message (MESSAGE_COLUMNS)
    signals: pd.DataFrame  # one row per (message, sentence, label) in new text (SIGNAL_COLUMNS)
    evidence: pd.DataFrame  # the signals that count for a client (evidence.csv)
    scores: pd.DataFrame  # one row per client (scores.csv)
    periods: pd.DataFrame  # client x quarter depth (the report's depth-over-time)
    ingest_report: dict = field(default_factory=dict)


def _as_config(config) -> Config | None:
    if config is None or isinstance(config, Config):
        return config
    if isinstance(config, (str, Path)):
        return load_config(config)
    if isinstance(config, dict):
        return parse_config(config, source="config dict")
    raise ConfigError(f"config must be a Config, a TOML path or a dict, not {type(config).__name__}")


def analyze(sources, config=None, *, jobs: int | None = None, model_path=None, signals_model=None,
            show_progress: bool = False) -> AnalysisResult:
    """Ingest ``sources``, detect signals in what each side newly wrote, and score each client.

    ``config`` is a :class:`~analyzer.config.Config`, a TOML path, a dict shaped like the TOML,
    or None (infer the agency and the clients). ``model_path`` is a depth model written by
    ``analyzer train`` (default: the shipped one); ``signals_model`` a spaCy pipeline folder or name.
    """
    from analyzer.depth.modelfile import load_depth_model
    from analyzer.depth.scores import client_periods, score_clients
    from analyzer.export import evidence_frame
    from analyzer.ingest.pipeline import ingest
    from analyzer.signals.detect import signals_frame
    from analyzer.signals.pipeline import load_pipeline

    if isinstance(sources, (str, Path)):
        sources = [sources]
    cfg = _as_config(config)
    model = load_depth_model(model_path)  # fail fast on a bad model, before the long work
    ingested = ingest(list(sources), config=cfg, jobs=jobs, show_progress=show_progress)
    log.info("ingest: %s", {k: v for k, v in ingested.report.items() if k != "quarantine"})
    nlp = load_pipeline(signals_model)
    signals = signals_frame(ingested.messages, nlp=nlp)
    log.info("signals: %d rows", len(signals))
    scores = score_clients(ingested.messages, signals, model=model)
    periods = client_periods(ingested.messages, signals, model=model)
    return AnalysisResult(
        messages=ingested.messages,
        signals=signals,
        evidence=evidence_frame(signals),
        scores=scores,
        periods=periods,
        ingest_report=ingested.report,
    )


def run_to_dir(sources, out_dir, config=None, *, jobs: int | None = None, model_path=None,
               signals_model=None, redact: bool = False, show_progress: bool = False) -> AnalysisResult:
    """``analyzer run``: :func:`analyze`, then write every file of the run folder (CONTRACT.md)."""
    from analyzer.export import (write_evidence_csv, write_json, write_scores_csv,
                                 write_signals_parquet)
    from analyzer.ingest.message import write_messages

    result = analyze(sources, config=config, jobs=jobs, model_path=model_path,
                     signals_model=signals_model, show_progress=show_progress)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_messages(result.messages, out / "messages.parquet")
    write_json(result.ingest_report, out / "ingest_report.json")
    write_signals_parquet(result.signals, out / "signals.parquet")
    write_evidence_csv(result.evidence, out / "evidence.csv")
    write_scores_csv(result.scores, out / "scores.csv")
    result.periods.to_csv(out / "periods.csv", index=False)
    try:
        from analyzer.report.html import write_report
    except ImportError:  # the review report lands with issue 5
        log.warning("report.html not written: the report module is not available")
    else:
        write_report(result, out / "report.html", redact=redact)
    return result
