"""The two heavy stages of a batch run, streamed in parallel and backed by the run cache.

:func:`ingest_sources`
    Plans the sources into work units (:func:`analyzer.ingest.sources.plan_sources`), takes every
    unit whose content is in the cache from there, parses the others in parallel
    (:func:`analyzer.ingest.pipeline.parse_unit` on the chosen backend) and stores them; then, in
    unit order, the ingest stage's own dedup, attribution and report. Output equals
    :func:`analyzer.ingest.pipeline.ingest` on the same sources, whatever the cache held.

:func:`detect_client_signals`
    Signal detection only where a signal can count: messages attributed to a client and written by
    one side of the relationship (``direction`` ``from_client`` or ``from_agency``). Newsletters,
    notifications, internal and unknown mail are not run through spaCy. Each distinct new text is
    detected once (cache first, then in parallel chunks on the workers, which load the pipeline
    once each), and the rows are joined back to every message holding that text, in message
    order, so the frame equals :func:`analyzer.signals.detect.signals_frame` on those messages.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from analyzer.cache import RunCache
from analyzer.cache_keys import attribution_key, signals_fingerprint, text_digest, unit_key
from analyzer.config import Config
from analyzer.ingest import attribution
from analyzer.ingest.bodies import LEAN_SCHEMA, BodySink, without_bodies
from analyzer.ingest.mapped import ScratchTableFile, mapped_copy
from analyzer.ingest.message import take_rows
from analyzer.ingest.pipeline import (
    DEFAULT_SPILL_BYTES, Dedup, IngestResult, TableSink, assembled_frame, ingest_report, parse_unit,
)
from analyzer.ingest.sources import DEFAULT_CHUNK_BYTES, plan_sources
from analyzer.memory import release_unused
from analyzer.parallel import TEXT_SIGNAL_COLUMNS, Execution, detect_chunk, run_ordered, worker_count
from analyzer.progress import progress
from analyzer.signals.frame import SIGNAL_COLUMNS, by_side, empty_signals_frame

log = logging.getLogger(__name__)

SIDES = ("from_client", "from_agency")
#: Texts per signal task: enough to amortise a task, small enough to spread over the workers.
MIN_CHUNK_TEXTS, MAX_CHUNK_TEXTS = 64, 2000


@dataclass
class RunStats:
    """What a batch run did and reused (``DIR/run_stats.json``)."""

    units: int = 0
    units_parsed: int = 0
    units_reused: int = 0
    bytes_parsed: int = 0  # size of the parsed units' mail (cached units not counted)
    texts: int = 0  # distinct new texts of client messages
    texts_detected: int = 0
    texts_reused: int = 0
    signal_chunks: int = 0
    attribution_reused: bool = False  # clients and directions taken from the cache (same messages and config)
    scores_reused: bool = False  # scores and periods taken from the cache (input unchanged)
    outputs_reused: bool = False  # the run folder's files kept as they were (analyzer.run_outputs)
    scores_key: str = ""  # the scores' cache key (empty without a cache)
    worker_pids: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def computed_anything(self) -> bool:
        """Whether the run parsed a work unit or detected signals in a text itself (then its outputs
        cannot be the run folder's files as they are)."""
        return bool(self.units_parsed or self.texts_detected)


def ingest_sources(sources, config: Config | None, execution: Execution, cache: RunCache | None,
                   stats: RunStats, show_progress: bool = False, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                   spill_bytes: int = DEFAULT_SPILL_BYTES, before_parsing=None,
                   after_parsing=None) -> IngestResult:
    """The ingest stage with per-unit caching (see the module doc); ``stats`` is filled in.

    ``before_parsing(n_bytes)``: called once, with the size of the mail about to be parsed, before
    the first work unit is handed out (not at all when every unit comes from the cache);
    ``after_parsing``: called once the last unit is in, before deduplication and attribution, only
    if some unit was parsed."""
    started = time.perf_counter()
    workers = execution.local_workers(1 << 20) if execution.backend == "loky" else 4
    plan = plan_sources(list(sources), chunk_bytes=chunk_bytes, workers=workers)
    keys = [unit_key(u) for u in plan.units] if cache is not None else [None] * len(plan.units)
    hits = {i for i, key in enumerate(keys) if key is not None and cache.has_unit(key)}
    todo = [i for i in range(len(plan.units)) if i not in hits]
    log.info("ingest: %d files, %d work units (%d in the cache), %s backend",
             plan.files, len(plan.units), len(hits), execution.backend)
    if todo and before_parsing is not None:
        before_parsing(sum(plan.units[i].size for i in todo))
    fresh = run_ordered(parse_unit, ((plan.units[i],) for i in todo), execution, len(todo))

    # the whole bodies go to disk as each unit comes in; the frame the run works on holds the rest
    dedup, sink, bodies = Dedup(), TableSink(spill_bytes, LEAN_SCHEMA), BodySink()
    quarantine, seen = list(plan.quarantine), len(plan.quarantine)
    parsed = 0
    with progress(total=len(plan.units), desc="ingest", enabled=show_progress, unit="part") as bar:
        for i, key in enumerate(keys):
            res = cache.load_unit(key) if i in hits else None  # loaded one at a time, as consumed
            if res is None:
                # not cached, or the cached file was unreadable: then parse it here
                res = next(fresh) if i not in hits else parse_unit(plan.units[i])
                parsed += 1
                if key is not None:
                    cache.store_unit(key, res)
            seen += res.seen
            quarantine.extend(res.quarantine)
            if res.table.num_rows:
                kept = dedup.unique(res.table)
                bodies.add(kept)
                sink.add(without_bodies(kept))
            bar.update(1)
    store = bodies.close()
    stats.units, stats.units_parsed, stats.units_reused = len(plan.units), parsed, len(plan.units) - parsed
    stats.bytes_parsed = sum(plan.units[i].size for i in todo)
    if cache is not None:
        cache.prune_units({k for k in keys if k is not None})
    if parsed and after_parsing is not None:
        after_parsing()
    frame = assembled_frame(sink)
    stats.seconds["parse"] = round(time.perf_counter() - started, 3)
    t0 = time.perf_counter()
    frame = _attribute(frame, config, cache, stats)
    frame = frame[list(LEAN_SCHEMA.names)].reset_index(drop=True)
    report = ingest_report(plan, frame, seen, dedup, quarantine)
    release_unused()  # attribution's working copies: handed back before detection, where a run peaks
    stats.seconds["attribute"] = round(time.perf_counter() - t0, 3)
    log.info("ingest: %d parsed, %d duplicates, %d quarantined (%d units parsed, %d reused)",
             report["parsed"], report["duplicates"], report["quarantined"], stats.units_parsed, stats.units_reused)
    return IngestResult(messages=frame, report=report, bodies=store)


def _attribute(frame: pd.DataFrame, config: Config | None, cache: RunCache | None, stats: RunStats) -> pd.DataFrame:
    """Attribution of the deduplicated messages, reused from the cache when neither the messages
    nor the config changed (it depends on the whole mailbox, so any change recomputes it all)."""
    if cache is None:
        return attribution.attribute(frame, config)
    key = attribution_key(frame, config)
    cols = cache.load_attribution(key, len(frame))
    if cols is not None:
        stats.attribution_reused = True
        out = frame.copy()
        for name in cols.columns:
            out[name] = pd.Series(cols[name].to_numpy(dtype=object), index=out.index, dtype=object).where(
                cols[name].notna().to_numpy(), None)
        return out
    out = attribution.attribute(frame, config)
    cache.store_attribution(key, out)
    return out


def model_key(signals_model) -> str | None:
    """The key workers load the pipeline by (None: the shipped one); paths are made absolute."""
    if signals_model is None:
        return None
    path = Path(signals_model)
    return str(path.resolve()) if path.exists() else str(signals_model)


def in_process(signals_model) -> bool:
    """True for a loaded pipeline object handed in by the caller: it is used in this process only
    (never pickled to workers); a folder, a package name or None is loaded by the workers."""
    return signals_model is not None and not isinstance(signals_model, (str, Path))


def _chunks(n: int, workers: int) -> int:
    """Texts per task: about four tasks per worker, within the bounds."""
    return max(MIN_CHUNK_TEXTS, min(MAX_CHUNK_TEXTS, math.ceil(n / max(1, 4 * workers))))


def detect_client_signals(messages: pd.DataFrame, execution: Execution, cache: RunCache | None,
                          stats: RunStats, signals_model=None, show_progress: bool = False,
                          after_detection=None) -> pd.DataFrame:
    """The signals frame (SIGNAL_COLUMNS) of the messages that can count (see the module doc).

    ``signals_model``: a pipeline folder or package name (None: the shipped one), or a loaded
    :class:`spacy.language.Language`, which is then used in this process only (never pickled).
    ``after_detection()``: called once the last chunk is back, before the rows are put together (a
    run stops its worker processes there, so that their memory and the frame being built do not
    coincide at its peak).
    """
    started = time.perf_counter()
    counts = (messages["client"].notna() & messages["direction"].isin(SIDES)).to_numpy()
    # the counted messages' frame positions only: their columns are read when the rows are joined,
    # for the messages with a signal (a copy of five columns held through detection was about 70 MiB
    # of a 500k-message run's peak)
    counted = np.flatnonzero(counts)
    tk = _text_keys(messages["new_text"], counted)
    release_unused()  # the keys' working copies (np.unique's sorts): 500k messages left +55 MiB
    stats.texts = len(tk.keys)

    local = in_process(signals_model)
    key = None if local else model_key(signals_model)
    fingerprint = None
    known, done = pd.DataFrame(columns=["text_key", *TEXT_SIGNAL_COLUMNS]), set()
    if cache is not None and not local:
        fingerprint = signals_fingerprint(key)
        known, done = cache.load_signals(fingerprint)
    todo = np.arange(len(tk.keys))  # distinct texts, in order of first appearance
    if done:
        todo = todo[~np.isin(tk.keys, _raw_keys(sorted(done)))]
    stats.texts_reused, stats.texts_detected = len(tk.keys) - len(todo), len(todo)

    workers = 1 if local else worker_count(execution, len(todo))
    size = _chunks(len(todo), workers)
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    stats.signal_chunks = len(chunks)
    log.info("signals: %d client messages, %d distinct texts, %d from the cache, %d to detect in %d chunks",
             len(counted), len(tk.keys), stats.texts_reused, len(todo), len(chunks))

    def task(chunk):  # keys and texts taken from the frame chunk by chunk, as the tasks are handed out
        return tk.names(chunk), _texts(messages["new_text"], tk.first[chunk])

    if local:
        results = (detect_chunk(None, *task(c), nlp=signals_model) for c in chunks)
    else:
        results = run_ordered(detect_chunk, ((key, *task(c)) for c in chunks), execution, len(chunks))
    # the rows wait in a scratch file until the last chunk is back (a 500k-message run's were 44 MB
    # of its main process at the peak, beside the workers), then are read in place
    found, pids = ScratchTableFile(_ROW_SCHEMA, "signals"), set()
    try:
        found.write(_row_table(known))
        with progress(total=len(todo), desc="signals", enabled=show_progress, unit="text") as bar:
            for chunk, res in zip(chunks, results):
                found.write(_row_table(res.rows))
                pids.add(res.pid)
                if fingerprint is not None:
                    cache.store_signals(fingerprint, res.rows, tk.names(chunk))
                bar.update(len(chunk))
    except BaseException:
        found.discard()
        raise
    del known
    if after_detection is not None:
        after_detection()
    stats.worker_pids = sorted(pids)
    out = _join(messages, counted, tk, found.mapped().to_pandas())
    stats.seconds["signals"] = round(time.perf_counter() - started, 3)
    return out


#: Texts turned into Python strings at a time to compute their keys (the frame holds them as Arrow).
KEY_BATCH = 20_000


def _texts(column: pd.Series, positions) -> list[str]:
    """The texts at ``positions`` of a new-text column as Python strings (a missing text is "")."""
    return ["" if not isinstance(t, str) else t for t in take_rows(column, positions).tolist()]


#: A text key (:func:`analyzer.cache_keys.text_key`, a sha256 written as 64 hex digits) held as its
#: 32 raw bytes in a numpy array: half the hex form, so a 500k-message run's keys are 12 MB, not 25.
_KEY_DTYPE = "V32"


def _raw_keys(names) -> np.ndarray:
    """Hex text keys -> their raw bytes (``_KEY_DTYPE``)."""
    return np.array([bytes.fromhex(k) for k in names], dtype=_KEY_DTYPE)


@dataclass(frozen=True)
class TextKeys:
    """The new texts of the counted messages, by key, as arrays (not a Python string per message).

    ``keys``: each distinct text key, in order of first appearance (raw bytes, ``_KEY_DTYPE``);
    ``code``: per counted message, in order, the index of its text's key in ``keys``; ``first``: per
    distinct key, the frame position of its first text."""

    keys: np.ndarray
    code: np.ndarray
    first: np.ndarray

    def names(self, which) -> list[str]:
        """The keys at ``which`` (indices into ``keys``) as hex strings (the cache's and workers' form)."""
        return [bytes(k).hex() for k in self.keys[which]]

    def codes_of(self, names) -> np.ndarray:
        """The index in ``keys`` of each of ``names`` (hex; -1 for a key that is not there)."""
        wanted = _raw_keys(names)
        if not len(self.keys) or not len(wanted):
            return np.full(len(wanted), -1, dtype=np.int64)
        order = np.argsort(self.keys, kind="stable")
        hit = order[np.searchsorted(self.keys, wanted, sorter=order).clip(max=len(order) - 1)]
        return np.where(self.keys[hit] == wanted, hit, -1)


def _digests(texts: list[str]) -> np.ndarray:
    return np.array([text_digest(t) for t in texts], dtype=_KEY_DTYPE)


def _text_keys(column: pd.Series, positions: np.ndarray) -> TextKeys:
    """The :class:`TextKeys` of the texts at ``positions`` of a new-text column. The texts are read
    in batches and not kept: a run holds its new text once, in the frame, not again as one Python
    string per message, nor its keys as one each."""
    parts = [_digests(_texts(column, positions[lo:lo + KEY_BATCH])) for lo in range(0, len(positions), KEY_BATCH)]
    every = np.concatenate(parts) if parts else np.zeros(0, dtype=_KEY_DTYPE)
    del parts
    keys, first_at, inverse = np.unique(every, return_index=True, return_inverse=True)
    del every
    order = np.argsort(first_at, kind="stable")  # sorted keys -> order of first appearance
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return TextKeys(keys=keys[order], code=rank[inverse.reshape(-1)],
                    first=np.asarray(positions, dtype=np.int64)[first_at[order]])


#: The text columns of the signals frame a run returns, held as pandas' Arrow-backed "str" dtype.
_TEXT_COLUMNS = ("message_id", "client", "direction", "text", "label", "rule_id", "explanation")


#: A text's signal rows as a run holds them: ``text_key`` + TEXT_SIGNAL_COLUMNS.
_ROW_SCHEMA = pa.schema([
    ("text_key", pa.string()), ("sentence_index", pa.int64()), ("start_char", pa.int64()),
    ("end_char", pa.int64()), ("text", pa.string()), ("label", pa.string()), ("score", pa.float64()),
    ("model_score", pa.float64()), ("rule_id", pa.string()), ("explanation", pa.string()),
])


def _row_table(rows: pd.DataFrame) -> pa.Table:
    """Signal rows (as a worker sends them, or from the cache) as an Arrow table of ``_ROW_SCHEMA``."""
    return pa.Table.from_pandas(rows[_ROW_SCHEMA.names], schema=_ROW_SCHEMA, preserve_index=False)


def _join(messages: pd.DataFrame, counted: np.ndarray, tk: TextKeys, rows: pd.DataFrame) -> pd.DataFrame:
    """Signal rows per text -> rows per message of ``messages`` at the ``counted`` positions, in
    message order (as ``signals_frame`` lists them), only those the writing side can carry (``by_side``).

    The pairs (message, text row) are found with integer arrays, and every column is taken once, for
    the rows that stay: a merge and a sort of the whole rows held four copies of them at once (500k
    bulk messages: +170 MiB in the main process)."""
    if rows.empty or not len(counted):
        return empty_signals_frame()
    # only the messages whose text has a signal: the others would be joined to nothing, and their
    # ids, clients and keys as Python objects were the peak at the end of a large run's detection
    row_keys = pd.Index(rows["text_key"].astype(str))
    found = row_keys.unique()
    found_code = tk.codes_of(found.tolist())
    code_of_row = found_code[found.get_indexer(row_keys)]
    del row_keys, found
    has = np.zeros(len(tk.keys), dtype=bool)
    has[found_code[found_code >= 0]] = True
    pos = np.flatnonzero(has[tk.code])
    # each message's rows: those of its text's code, in row order (a stable sort keeps it)
    by_code = np.argsort(code_of_row, kind="stable")
    codes = code_of_row[by_code]
    wanted = tk.code[pos]
    lo = np.searchsorted(codes, wanted, "left")
    n = np.searchsorted(codes, wanted, "right") - lo
    message = np.repeat(np.arange(len(pos)), n)  # per joined row: which of the messages at pos
    row = by_code[np.repeat(lo - (np.cumsum(n) - n), n) + np.arange(n.sum())]  # and which text row
    if not len(row):
        return empty_signals_frame()
    m = take_rows(messages[["message_id", "content_hash", "client", "direction"]], counted[pos])
    side = pd.DataFrame({"direction": m["direction"].to_numpy()[message], "label": take_rows(rows["label"], row).array,
                         "_j": np.arange(len(row))})
    kept = by_side(side)["_j"].to_numpy()
    if not len(kept):
        return empty_signals_frame()
    message, row = message[kept], row[kept]
    at = counted[pos[message]]
    ids = m["message_id"].where(m["message_id"].notna() & (m["message_id"] != ""), m["content_hash"])
    out = {
        "message_id": ids.take(message).array,  # as they are: no Python object per cell
        "client": m["client"].take(message).array,
        "direction": m["direction"].take(message).array,
        "date": pd.to_datetime(take_rows(messages["date"], at), utc=True).array,  # to_numpy() would box every Timestamp
    }
    del m, ids
    for col in TEXT_SIGNAL_COLUMNS:
        out[col] = take_rows(rows[col], row).array  # the rows' columns are Arrow chunks of the scratch file
    frame = pd.DataFrame({c: out.pop(c) for c in SIGNAL_COLUMNS})
    for col in ("sentence_index", "start_char", "end_char"):
        frame[col] = frame[col].astype("int64")
    frame["score"] = frame["score"].astype(float)
    frame["model_score"] = frame["model_score"].astype(float)
    for col in _TEXT_COLUMNS:
        frame[col] = frame[col].astype("str")  # Arrow-backed: no Python object per cell, cached or not
    return _read_in_place(frame)


def _read_in_place(frame: pd.DataFrame) -> pd.DataFrame:
    """The signals frame, equal column for column, with its strings read in place from a scratch file
    (:func:`analyzer.ingest.mapped.mapped_copy`): it lives through scoring and writing, and at 500k bulk
    messages its strings were 38 MiB of the main process (a million: twice that) after detection, where
    a very large run peaks."""
    table = mapped_copy(pa.Table.from_pandas(frame, preserve_index=False), kind="signals")
    return table.to_pandas()  # the strings stay the file's pages; the numbers are copied (48 bytes a row)
