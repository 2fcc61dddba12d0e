"""Notebook exploration: load a run folder back into DataFrames, drill into a client, compare two.

Everything a notebook needs lives here, so notebooks hold no logic of their own::

    from analyzer.explore import load_run, client_evidence, compare_clients, plot_depth_over_time
    run = load_run("out/demo")
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analyzer.analysis import AnalysisResult
from analyzer.errors import InputError
from analyzer.export import read_csv
from analyzer.signals.labels import LABELS

_RUN_FILES = ("messages.parquet", "signals.parquet", "evidence.csv", "scores.csv", "periods.csv", "ingest_report.json")


def load_run(run_dir) -> AnalysisResult:
    """Read the folder written by ``analyzer run`` back into an :class:`AnalysisResult`."""
    from analyzer.ingest.message import read_messages

    d = Path(run_dir)
    missing = [f for f in _RUN_FILES if not (d / f).is_file()]
    if missing:
        raise InputError(f"{d} is not a complete analyzer run folder (missing {', '.join(missing)})")
    evidence = read_csv(d / "evidence.csv", parse_dates=["date"])
    scores = read_csv(d / "scores.csv", parse_dates=["first_message", "last_message"])
    return AnalysisResult(
        messages=read_messages(d / "messages.parquet"),
        signals=pd.read_parquet(d / "signals.parquet"),
        evidence=evidence,
        scores=scores,
        periods=read_csv(d / "periods.csv"),
        ingest_report=json.loads((d / "ingest_report.json").read_text(encoding="utf-8")),
    )


def _check_client(result: AnalysisResult, client: str) -> None:
    if client not in set(result.scores["client"]):
        known = ", ".join(map(str, result.scores["client"].head(10)))
        raise InputError(f"no client named {client!r} in this run (clients: {known}...)")


def client_evidence(result: AnalysisResult, client: str, label: str | None = None) -> pd.DataFrame:
    """The evidence sentences of one client (optionally one label), newest first."""
    _check_client(result, client)
    ev = result.evidence[result.evidence["client"] == client]
    if label is not None:
        if label not in LABELS:
            raise InputError(f"unknown label {label!r}; labels are {', '.join(LABELS)}")
        ev = ev[ev["label"] == label]
    return ev.sort_values("date", ascending=False).reset_index(drop=True)


def client_timeline(result: AnalysisResult, client: str) -> pd.DataFrame:
    """One client's depth per quarter with its message counts and signal counts per quarter."""
    _check_client(result, client)
    periods = result.periods[result.periods["client"] == client].copy()
    ev = result.evidence[result.evidence["client"] == client]
    if not ev.empty:
        q = pd.to_datetime(ev["date"], utc=True).dt.tz_localize(None).dt.to_period("Q").astype(str)
        sig = ev.assign(period=q).groupby(["period", "label"]).size().unstack(fill_value=0)
        periods = periods.merge(sig, left_on="period", right_index=True, how="left").fillna(
            {c: 0 for c in sig.columns})
    return periods.reset_index(drop=True)


def compare_clients(result: AnalysisResult, a: str, b: str) -> pd.DataFrame:
    """Two clients side by side: every scores.csv column as a row, plus the difference where numeric."""
    _check_client(result, a)
    _check_client(result, b)
    s = result.scores.set_index("client")
    both = s.loc[[a, b]].T
    both.columns = [a, b]
    num = pd.to_numeric(both[a], errors="coerce") - pd.to_numeric(both[b], errors="coerce")
    both["difference"] = num.where(num.notna(), "")
    return both


def plot_depth_over_time(result: AnalysisResult, clients: list[str] | None = None, ax=None):
    """Depth per quarter, one line per client (all clients, or the ones named). Returns the Axes."""
    import matplotlib.pyplot as plt

    periods = result.periods
    if clients is not None:
        for c in clients:
            _check_client(result, c)
        periods = periods[periods["client"].isin(clients)]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    for client, p in periods.sort_values("period").groupby("client"):
        ax.plot(p["period"].astype(str), p["depth_score"], marker="o", label=str(client))
    ax.set_ylim(0, 100)
    ax.set_ylabel("depth score")
    ax.tick_params(axis="x", rotation=45)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return ax


def demo_run(run_dir="out/demo", project_root=None) -> AnalysisResult:
    """The demo's run: loaded from ``run_dir`` if ``make demo`` already wrote it, else run now on
    ``project_root/data/demo`` (a checkout; default: the current folder)."""
    from analyzer.analysis import run_to_dir

    d = Path(run_dir)
    if all((d / f).is_file() for f in _RUN_FILES):
        return load_run(d)
    root = Path(project_root) if project_root is not None else Path.cwd()
    demo = root / "data" / "demo"
    if not demo.is_dir():
        raise InputError(f"no run at {d} and no demo mailbox at {demo}")
    run_to_dir([demo / "mail"], d, config=demo / "analyzer.toml")
    return load_run(d)
