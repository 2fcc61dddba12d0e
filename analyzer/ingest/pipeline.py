"""The ingest stage: SOURCE paths in, one deduplicated, attributed messages frame out.

Steps: :func:`analyzer.ingest.sources.plan_sources` finds and sniffs files and cuts them
into work units; each unit is parsed in a joblib worker (:func:`parse_unit`), which
returns a compact pyarrow table plus quarantine rows, never raw bytes; the main process
consumes the results *in unit order* (so ``jobs=N`` gives exactly the serial result),
drops duplicates (:mod:`analyzer.ingest.dedup`: same Message-ID, or same content hash when
the id is missing; the first one in source order wins), spills kept rows past
:data:`DEFAULT_SPILL_BYTES` to a scratch Arrow file read in place (:mod:`analyzer.ingest.mapped`),
and finally calls :func:`analyzer.ingest.attribution.attribute`.

Counting: every message read (and every file that is not mail) is *seen* once and ends
up in exactly one of ``parsed``, ``duplicates`` or ``quarantined``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.config import Config
from analyzer.errors import InputError, ParseError
from analyzer.ingest import attribution
from analyzer.ingest.dedup import Dedup
from analyzer.ingest.joint import people_in_two_clients
from analyzer.ingest.mapped import ScratchTableFile
from analyzer.ingest.message import MESSAGE_COLUMNS, MESSAGE_SCHEMA, table_to_frame, write_messages
from analyzer.ingest.sources import DEFAULT_CHUNK_BYTES, RangeUnit, WorkUnit, plan_sources, quarantine_row
from analyzer.ingest.units import iter_unit
from analyzer.memory import frozen_heap, release_unused, use_lean_arrow_pool
from analyzer.parallel import watch_parent
from analyzer.progress import progress

log = logging.getLogger(__name__)

#: Kept rows above this many bytes (Arrow) go on to a scratch file read in place (:class:`TableSink`):
#: a mailbox of about 50k messages or more. Below it the frame is built in memory, as it is small.
DEFAULT_SPILL_BYTES = 32 * 1024 * 1024


@dataclass
class IngestResult:
    """The messages frame (columns :data:`MESSAGE_COLUMNS`, or all but the whole bodies when
    ``bodies`` is set) and the ingest report."""

    messages: pd.DataFrame
    report: dict = field(default_factory=dict)
    #: Where the frame's whole bodies are, when ``messages`` was built without them (a run's
    #: ingest: :mod:`analyzer.ingest.bodies`); None: ``messages`` holds every column.
    bodies: object = None


@dataclass
class UnitResult:
    """What a worker sends back for one work unit: no raw bytes, only the parsed table."""

    table: pa.Table
    quarantine: list[dict]
    seen: int


def parse_unit(unit: WorkUnit) -> UnitResult:
    """Parse every message of one work unit (runs in a worker process)."""
    from analyzer.ingest.outlook import parse_msg
    from analyzer.ingest.parse import parse_message
    from analyzer.ingest.pst import to_message

    use_lean_arrow_pool()
    watch_parent()
    # the collections that parsing triggers skip what the worker holds already (its imports): about
    # 3% of a unit's CPU time on realistic mail; in the main process a run's own block already does this
    with frozen_heap():
        messages, quarantine, seen = [], [], 0
        for item in iter_unit(unit):
            seen += 1
            if isinstance(item, dict):
                quarantine.append(item)
                continue
            try:
                if item.fmt == "pst":
                    msg = to_message(item)
                elif item.fmt == "msg":
                    msg = parse_msg(item.data, item.source, item.index)
                else:
                    msg = parse_message(item.data, item.source, item.index, item.fmt)
            except ParseError as exc:
                quarantine.append(quarantine_row(item.source, item.index, str(exc)))
            else:
                msg.folder = item.folder
                messages.append(msg)
        table = _to_table(messages)
        del messages
        release_unused()  # a worker parses unit after unit: hand each unit's garbage back before the next
    return UnitResult(table, quarantine, seen)


def _to_table(messages: list) -> pa.Table:
    """Like :func:`message.messages_to_table`, without ``asdict``'s deep copy of every list.

    (``Message.to_row`` uses ``dataclasses.asdict``, which costs ~0.5 ms per message.)
    """
    return pa.Table.from_pydict(
        {name: [getattr(m, name) for m in messages] for name in MESSAGE_COLUMNS}, schema=MESSAGE_SCHEMA
    )


class TableSink:
    """Collects kept tables in order; above ``spill_bytes`` held they go on to a scratch Arrow file
    that :meth:`assemble` reads in place (:mod:`analyzer.ingest.mapped`): a large mailbox's frame is
    then the file's pages, not the process's memory."""

    def __init__(self, spill_bytes: int, schema: pa.Schema = MESSAGE_SCHEMA) -> None:
        self.spill_bytes, self.schema = spill_bytes, schema
        self.tables: list[pa.Table] = []
        self.held = 0
        self._scratch: ScratchTableFile | None = None

    @property
    def spilled(self) -> int:
        """Rows written to the scratch file so far."""
        return 0 if self._scratch is None else self._scratch.rows

    def add(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self.tables.append(table)
        self.held += table.nbytes
        if self.held > self.spill_bytes:
            self._spill()

    def _spill(self) -> None:
        if self._scratch is None:
            self._scratch = ScratchTableFile(self.schema, kind="ingest")
        for table in self.tables:
            self._scratch.write(table)
        self.tables, self.held = [], 0

    def assemble(self) -> pa.Table:
        tables = ([self._scratch.mapped()] if self._scratch is not None else []) + self.tables
        self._scratch, self.tables, self.held = None, [], 0
        if not tables:
            return self.schema.empty_table()
        return pa.concat_tables(tables)


def _n_jobs(jobs: int | None, n_units: int) -> int:
    """joblib semantics: None/-1 all cores, -2 all but one, ...; never more than the units."""
    if jobs == 0:
        raise InputError("--jobs must not be 0 (use a positive count, or -1 for all cores)")
    cores = os.cpu_count() or 1
    n = cores if jobs is None else (jobs if jobs > 0 else max(1, cores + 1 + jobs))
    return max(1, min(n, n_units))


def ingest(
    sources, config: Config | None = None, jobs: int | None = None, show_progress: bool = False,
    *, chunk_bytes: int = DEFAULT_CHUNK_BYTES, spill_bytes: int = DEFAULT_SPILL_BYTES,
) -> IngestResult:
    """Read SOURCE paths into the deduplicated, attributed messages frame and a report.

    ``jobs``: worker processes (None or -1: all cores); results equal a serial run.
    Raises InputError when a SOURCE is missing or holds no files.
    """
    started = time.perf_counter()
    use_lean_arrow_pool()
    plan = plan_sources(list(sources), chunk_bytes=chunk_bytes, workers=_n_jobs(jobs, 1 << 20))
    n_jobs = _n_jobs(jobs, len(plan.units))
    log.info("ingest: %d files, %d work units, %d workers", plan.files, len(plan.units), n_jobs)
    if n_jobs == 1:
        results = map(parse_unit, plan.units)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(parse_unit)(u) for u in plan.units)

    dedup, sink = Dedup(), TableSink(spill_bytes)
    quarantine = list(plan.quarantine)
    seen = len(plan.quarantine)
    with progress(total=len(plan.units), desc="ingest", enabled=show_progress, unit="part") as bar:
        for res in results:
            seen += res.seen
            quarantine.extend(res.quarantine)
            if res.table.num_rows:
                sink.add(dedup.unique(res.table))
            bar.update(1)
    frame = assembled_frame(sink)
    frame = attribution.attribute(frame, config)
    frame = frame[list(MESSAGE_COLUMNS)].reset_index(drop=True)
    report = ingest_report(plan, frame, seen, dedup, quarantine)
    log.info("ingest: %d parsed, %d duplicates, %d quarantined in %.1fs",
             report["parsed"], report["duplicates"], report["quarantined"], time.perf_counter() - started)
    return IngestResult(messages=frame, report=report)


def assembled_frame(sink: TableSink) -> pd.DataFrame:
    """The messages frame of everything ``sink`` collected; the Arrow table it is made from is freed
    (and its memory handed back) before the frame is returned, so the next stage does not grow on
    top of both copies of the mailbox."""
    table = sink.assemble()
    frame = table_to_frame(table)
    del table
    release_unused()
    return frame


def ingest_report(plan, frame: pd.DataFrame, seen: int, dedup: Dedup, quarantine: list[dict]) -> dict:
    """The ingest report (counts of files, messages seen/parsed/duplicates/quarantined, defects), shared
    by :func:`ingest` and the cached batch run (:mod:`analyzer.batch`)."""
    defect_kinds: Counter = Counter()
    with_defects = 0
    for defects in frame["defects"]:
        if len(defects):
            with_defects += 1
            defect_kinds.update({d.split(":", 1)[0] for d in defects})
    from analyzer import limits

    by_reason = Counter(q["reason"] for q in quarantine)
    listed = quarantine[: limits.MAX_QUARANTINE_ROWS]
    report = {
        "files": plan.files,
        "messages_seen": seen,
        "parsed": int(len(frame)),
        "duplicates": dedup.duplicates,
        "quarantined": len(quarantine),
        "quarantine": listed,
        "quarantine_rows_omitted": len(quarantine) - len(listed),
        "quarantine_by_reason": dict(by_reason.most_common(100)),
        "formats": dict(sorted(plan.formats.items())),
        "parsed_by_format": {k: int(v) for k, v in sorted(Counter(frame["source_format"]).items())},
        "work_units": len(plan.units),
        "mbox_ranges": sum(isinstance(u, RangeUnit) for u in plan.units),
        "duplicate_id_conflicts": dedup.conflicts,
        "messages_with_defects": with_defects,
        "defect_kinds": dict(defect_kinds.most_common()),
        "html_only": int(frame["body_from_html"].astype(bool).sum()) if len(frame) else 0,
        "without_date": int(frame["date"].isna().sum()),
        "without_message_id": int(frame["message_id"].isna().sum()),
        "people_in_two_clients": people_in_two_clients(frame),
    }
    if report["messages_seen"] != report["parsed"] + report["duplicates"] + report["quarantined"]:
        raise AssertionError(f"ingest counts do not add up: {report}")  # a bug, never bad input
    return report


def ingest_to_dir(
    sources, out_dir, config: Config | None = None, jobs: int | None = None, show_progress: bool = False,
) -> dict:
    """Run :func:`ingest` and write ``DIR/messages.parquet`` and ``DIR/ingest_report.json``
    (sources and the output folder are checked first; a run that parses no mail is an error)."""
    from analyzer.preflight import check_has_mail, check_out_dir, check_sources

    sources = [sources] if isinstance(sources, (str, Path)) else list(sources)
    check_sources(sources)
    out = Path(out_dir)
    check_out_dir(out)
    result = ingest(sources, config=config, jobs=jobs, show_progress=show_progress)
    tmp_parquet = out / ".messages.parquet.tmp"
    if len(result.messages):
        write_messages(result.messages, tmp_parquet)
    else:  # message.frame_to_table cannot type the list columns of an empty frame
        pq.write_table(MESSAGE_SCHEMA.empty_table(), tmp_parquet)
    os.replace(tmp_parquet, out / "messages.parquet")
    tmp_json = out / ".ingest_report.json.tmp"
    tmp_json.write_text(json.dumps(result.report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp_json, out / "ingest_report.json")
    check_has_mail(result.report, sources)  # after writing: the report says what was quarantined
    return result.report
