"""The ``analyzer`` command line (see docs/CONTRACT.md).

Every command exits 0 on success and 2 on bad usage or bad input, with a one-line
message on stderr. Work is delegated to the stage modules; this file only parses
arguments and reports.
"""

from __future__ import annotations

import atexit
import gc
import logging
import sys
from pathlib import Path

import click

from analyzer.errors import AnalyzerError
from analyzer.progress import progress_enabled

log = logging.getLogger("analyzer")

_SOURCES = click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
_QUIET = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")


def _set_verbose(ctx, param, value):
    if value:
        logging.getLogger().setLevel(logging.INFO)
        logging.getLogger("py.warnings").setLevel(logging.NOTSET)
    return value


#: -v/--verbose works before the command (``analyzer -v run``) and after it (``analyzer run -v``).
_VERBOSE = click.option("--verbose", "-v", is_flag=True, expose_value=False, is_eager=True,
                        callback=_set_verbose, help="Log what each stage does (stderr).")
_CONFIG = click.option(
    "--config", "config_path", type=click.Path(path_type=Path), default=None,
    help="TOML file naming the agency and client domains (inferred without one).",
)
_JOBS = click.option("--jobs", "-j", type=int, default=None,
                     help="Worker processes: N > 0, or -1 for all cores, -2 for all but one (default: all cores).")


def _report_quarantine(report: dict, out_dir) -> None:
    """Name quarantined files on the terminal (stderr), not only in ingest_report.json."""
    rows = report.get("quarantine", [])
    if not rows:
        return
    click.echo(f"analyzer: {len(rows)} quarantined (not analysed), listed in {Path(out_dir) / 'ingest_report.json'}:",
               err=True)
    for q in rows[:5]:
        where = q["source"] + (f" #{q['index']}" if q.get("index") is not None else "")
        click.echo(f"  {where}: {q['reason']}", err=True)
    if len(rows) > 5:
        click.echo(f"  ... and {len(rows) - 5} more", err=True)


def _report_people(report: dict) -> None:
    """Name, on the terminal, people who write as two clients: maybe one organisation, split."""
    for hint in report.get("people_in_two_clients", [])[:3]:
        click.echo(f"analyzer: {hint['person']} writes as {len(hint['clients'])} clients "
                   f"({', '.join(hint['clients'])}); if they are one organisation, list its domains "
                   "under one client in a config (--config)", err=True)


class _Group(click.Group):
    """Turns AnalyzerError (and I/O errors) into one line on stderr and exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AnalyzerError as exc:
            click.echo(f"analyzer: error: {exc}", err=True)
            ctx.exit(2)
        except OSError as exc:
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            click.echo(f"analyzer: error: {exc.strerror or exc}{where}", err=True)
            ctx.exit(2)


@click.group(cls=_Group)
@click.version_option(package_name="client-relationship-depth")
@click.option("--verbose", "-v", is_flag=True, help="Log what each stage does (stderr).")
def main(verbose: bool) -> None:
    """Relationship depth, client by client, from agency mailbox exports."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s", force=True)
    # Python warnings of libraries (e.g. urllib3's note on SOCKS support, imported by tldextract via
    # requests) are not the user's business: logged with -v, silent otherwise, so stderr stays one line
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.NOTSET if verbose else logging.ERROR)
    # At exit CPython's last garbage collection walks the whole heap, 0.6 s after a 16k-message run;
    # frozen first (atexit handlers run before it), the process ends without it. Registered once.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


@main.command()
@_SOURCES
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
@_CONFIG
@_JOBS
@_QUIET
@_VERBOSE
def ingest(sources, out_dir, config_path, jobs, quiet):
    """Read mailbox exports into DIR/messages.parquet and DIR/ingest_report.json."""
    from analyzer.preflight import check_out_dir, check_sources

    check_sources(sources)  # in well under a second, before the heavy imports
    check_out_dir(out_dir)
    from analyzer.config import load_config
    from analyzer.ingest.pipeline import ingest_to_dir

    config = load_config(config_path)
    report = ingest_to_dir(list(sources), out_dir, config=config, jobs=jobs, show_progress=progress_enabled(quiet))
    _report_quarantine(report, out_dir)
    click.echo(
        f"{report['parsed']} messages parsed, {report['duplicates']} duplicates, "
        f"{report['quarantined']} quarantined from {report['files']} files -> {out_dir}"
    )


@main.command()
@click.argument("input_path", metavar="INPUT.jsonl", type=click.Path(path_type=Path))
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None, help="Output JSONL (stdout without).")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Signal pipeline: a spaCy pipeline folder or package name (default: the shipped one).")
@_QUIET
@_VERBOSE
def signals(input_path, out_path, model_path, quiet):
    """Label lines {"id", "text"} with the 13 relationship signals (docs/SIGNALS.md in the project)."""
    from analyzer.signals.jsonl import label_jsonl

    label_jsonl(input_path, out_path, model_path=model_path, show_progress=progress_enabled(quiet))


@main.command()
@_SOURCES
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
@_CONFIG
@_JOBS
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Depth model file written by `analyzer train` (default: the shipped model).")
@click.option("--signals-model", "signals_model", default=None, metavar="PIPELINE",
              help="Signal pipeline: a spaCy pipeline folder or installed package name (default: the shipped one).")
@click.option("--redact", is_flag=True, help="Mask email addresses and phone numbers in report.html and the CSVs (quotes, client names, "
                   "domains, chart); the parquet files keep the raw data.")
@click.option("--backend", type=click.Choice(["loky", "dask"]), default="loky", show_default=True,
              help="Where parsing and signal detection run: local processes, or a Dask cluster.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler address for --backend dask (e.g. tcp://10.0.0.5:8786).")
@click.option("--no-cache", is_flag=True, help="Do not reuse or fill the run cache in DIR/.cache.")
@_QUIET
@_VERBOSE
def run(sources, out_dir, config_path, jobs, model_path, signals_model, redact, backend, scheduler, no_cache, quiet):
    """The whole analysis: ingest, signals, per-client scores, exports.

    Parsing and signal detection run in parallel on all cores (--jobs N to limit) or on a Dask
    cluster (--backend dask --scheduler ADDRESS); the results are the same either way. A re-run
    into the same DIR reuses what DIR/.cache holds for unchanged sources.
    """
    from analyzer.preflight import check_out_dir, check_sources

    check_sources(sources)  # in well under a second, before the heavy imports
    check_out_dir(out_dir)
    from analyzer.config import load_config
    from analyzer.analysis import run_to_dir

    config = load_config(config_path)
    result = run_to_dir(list(sources), out_dir, config=config, jobs=jobs, model_path=model_path,
                        signals_model=signals_model, redact=redact, show_progress=progress_enabled(quiet), backend=backend,
                        scheduler=scheduler, use_cache=not no_cache)
    _report_quarantine(result.ingest_report, out_dir)
    _report_people(result.ingest_report)
    click.echo(f"{len(result.scores)} clients scored -> {out_dir}")


@main.command()
@click.argument("labels_path", metavar="LABELS.csv", type=click.Path(path_type=Path))
@click.option("--run", "run_dir", required=True, type=click.Path(path_type=Path), help="Folder of an `analyzer run`.")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), help="Model file to write.")
@_QUIET
@_VERBOSE
def train(labels_path, run_dir, out_path, quiet):
    """Fit the depth classifier on your own labelled clients."""
    from analyzer.depth.train import train_from_labels

    summary = train_from_labels(labels_path, run_dir, out_path)
    if not quiet:
        click.echo(summary)


if __name__ == "__main__":  # pragma: no cover
    main()
