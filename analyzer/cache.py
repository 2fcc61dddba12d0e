"""The run cache: what a run computed for unchanged sources, kept in ``DIR/.cache/`` for the next run.

Two stores, both plain parquet files written atomically (temp file + rename):

``units/<key>.parquet``
    The parsed messages table of one ingest work unit (:data:`MESSAGE_SCHEMA`, before dedup and
    attribution) with its ``seen`` count and quarantine rows in the file's metadata. The key is a
    sha256 over the parser's fingerprint (:func:`analyzer.cache_keys.ingest_fingerprint`), the unit's description
    (format, path, byte offset, index of its first message; for file batches each file's path,
    format and position) and the *content* of the unit's bytes. A unit whose bytes did not change
    is never parsed again; when an mbox grows, only its last range and the new ranges are parsed.
    Moving or renaming a source re-parses it (rows name their source file).

``signals-<fingerprint>/part-*.parquet``
    Signal rows per *text* (sha256 of a message's new text): ``text_key`` plus the columns of a
    signals row that depend on the text only (:data:`~analyzer.parallel.TEXT_SIGNAL_COLUMNS`);
    a text without signals is kept as one row with a null ``label`` so it is not re-detected.
    The fingerprint (:func:`analyzer.cache_keys.signals_fingerprint`) covers the analyzer version, the signal code and
    patterns, the spaCy version and the pipeline's files: a new model starts a fresh store.

``scores/<key>.{scores,periods}.parquet``
    The per-client scores and the client x quarter scores of the last run, keyed by
    :func:`analyzer.cache_keys.scores_key`: the depth code and model file, and a hash of every message's identity,
    content hash and attribution plus every signal row. Features depend on the whole mailbox, so
    any change (a new message, another config, another model) recomputes them; an unchanged input
    reuses them. Only the latest entry is kept.

Anything unreadable or inconsistent (truncated file, wrong schema, bad metadata) is logged,
deleted and recomputed; the cache never makes a run fail. Dedup and attribution are not cached:
they are cheap and depend on the whole mailbox.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.ingest.message import MESSAGE_SCHEMA

log = logging.getLogger(__name__)

_UNIT_META = b"analyzer.unit"
#: A signal store with more part files than this is compacted into one.
MAX_SIGNAL_PARTS = 8


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _discard(path: Path, why: str) -> None:
    log.warning("cache: ignoring %s (%s); it will be recomputed", path, why)
    try:
        path.unlink()
    except OSError:
        pass


class RunCache:
    """The cache folder of one output folder (``DIR/.cache``). Creating it touches no file."""

    def __init__(self, root) -> None:
        self.root = Path(root)

    # ---- ingest work units
    def _unit_path(self, key: str) -> Path:
        return self.root / "units" / f"{key}.parquet"

    def has_unit(self, key: str) -> bool:
        return self._unit_path(key).is_file()

    def load_unit(self, key: str):
        """The cached :class:`~analyzer.ingest.pipeline.UnitResult` of ``key``, or None."""
        from analyzer.ingest.pipeline import UnitResult

        path = self._unit_path(key)
        if not path.is_file():
            return None
        try:
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {})[_UNIT_META])
            seen, quarantine = meta["seen"], meta["quarantine"]
            if not isinstance(seen, int) or not isinstance(quarantine, list):
                raise ValueError("bad metadata")
            table = table.replace_schema_metadata(None)
            if not table.schema.equals(MESSAGE_SCHEMA):
                raise ValueError("schema differs from the messages schema")
        except Exception as exc:  # noqa: BLE001 - any unreadable cache file is recomputed
            _discard(path, f"{type(exc).__name__}: {exc}")
            return None
        return UnitResult(table=table, quarantine=quarantine, seen=seen)

    def store_unit(self, key: str, result) -> None:
        meta = json.dumps({"seen": result.seen, "quarantine": result.quarantine}, default=str).encode()
        table = result.table.replace_schema_metadata({_UNIT_META: meta})
        try:
            _atomic_write_table(table, self._unit_path(key))
        except OSError as exc:
            log.warning("cache: cannot write %s: %s", self._unit_path(key), exc)

    def prune_units(self, keep: set[str]) -> int:
        """Delete cached units not in ``keep`` (sources gone, grown or changed); returns how many."""
        folder = self.root / "units"
        if not folder.is_dir():
            return 0
        gone = 0
        for path in folder.iterdir():
            if path.suffix == ".parquet" and path.stem not in keep:
                path.unlink(missing_ok=True)
                gone += 1
            elif path.name.startswith(".tmp-"):
                path.unlink(missing_ok=True)
        return gone

    # ---- signal rows per text
    def _signals_dir(self, fingerprint: str) -> Path:
        return self.root / f"signals-{fingerprint[:24]}"

    def load_signals(self, fingerprint: str) -> tuple[pd.DataFrame, set[str]]:
        """(signal rows of every cached text, keys of every cached text incl. those without signals).

        Stores of other fingerprints (an older model or analyzer) are deleted.
        """
        from analyzer.parallel import TEXT_SIGNAL_COLUMNS

        folder = self._signals_dir(fingerprint)
        if self.root.is_dir():
            for other in self.root.glob("signals-*"):
                if other != folder and other.is_dir():
                    for p in other.iterdir():
                        p.unlink(missing_ok=True)
                    other.rmdir()
        parts = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
        frames = []
        for path in parts:
            try:
                df = pd.read_parquet(path)
                missing = {"text_key", *TEXT_SIGNAL_COLUMNS} - set(df.columns)
                if missing:
                    raise ValueError(f"missing columns {sorted(missing)}")
            except Exception as exc:  # noqa: BLE001 - recomputed
                _discard(path, f"{type(exc).__name__}: {exc}")
                continue
            frames.append(df[["text_key", *TEXT_SIGNAL_COLUMNS]])
        if not frames:
            return pd.DataFrame(columns=["text_key", *TEXT_SIGNAL_COLUMNS]), set()
        for i, df in enumerate(frames):
            frames[i] = df.assign(_part=i)
        allrows = pd.concat(frames, ignore_index=True)
        # a text stored twice (two runs racing): keep the rows of its first part only
        first = allrows.groupby("text_key", sort=False)["_part"].transform("min")
        allrows = allrows[allrows["_part"] == first].drop(columns="_part").reset_index(drop=True)
        done = set(allrows["text_key"])
        if len(frames) > MAX_SIGNAL_PARTS:
            self._compact(folder, allrows)
        return allrows[allrows["label"].notna()].reset_index(drop=True), done

    def _compact(self, folder: Path, rows: pd.DataFrame) -> None:
        old = sorted(folder.glob("part-*.parquet"))
        try:
            _atomic_write_table(pa.Table.from_pandas(rows, preserve_index=False), folder / "part-c.parquet.new")
            for p in old:
                p.unlink(missing_ok=True)
            os.replace(folder / "part-c.parquet.new", folder / f"part-{os.urandom(6).hex()}.parquet")
        except OSError as exc:
            log.warning("cache: cannot compact %s: %s", folder, exc)

    def store_signals(self, fingerprint: str, rows: pd.DataFrame, keys: list[str]) -> None:
        """Add the signal ``rows`` of newly detected texts ``keys`` (texts without rows included)."""
        from analyzer.parallel import TEXT_SIGNAL_COLUMNS

        if not keys:
            return
        empty = sorted(set(keys) - set(rows["text_key"]))
        blank = pd.DataFrame({
            "text_key": empty, "sentence_index": -1, "start_char": -1, "end_char": -1, "text": "",
            "label": None, "score": float("nan"), "model_score": float("nan"), "rule_id": "", "explanation": "",
        }, index=range(len(empty)))
        part = pd.concat([rows[["text_key", *TEXT_SIGNAL_COLUMNS]], blank], ignore_index=True) if len(rows) else blank
        part = part.astype({"sentence_index": "int64", "start_char": "int64", "end_char": "int64",
                            "score": "float64", "model_score": "float64", "label": object})
        folder = self._signals_dir(fingerprint)
        try:
            _atomic_write_table(pa.Table.from_pandas(part, preserve_index=False),
                                folder / f"part-{os.urandom(6).hex()}.parquet")
        except (OSError, pa.ArrowException) as exc:
            log.warning("cache: cannot write signal rows to %s: %s", folder, exc)

    # ---- attribution of the whole mailbox
    _ATTRIBUTION_COLUMNS = ("client", "client_domain", "direction")

    def load_attribution(self, key: str, n_rows: int) -> pd.DataFrame | None:
        """The client/client_domain/direction columns stored under ``key`` (``n_rows`` rows), or None."""
        path = self.root / "attribution" / f"{key[:32]}.parquet"
        if not path.is_file():
            return None
        try:
            cols = pd.read_parquet(path)
            if list(cols.columns) != list(self._ATTRIBUTION_COLUMNS) or len(cols) != n_rows:
                raise ValueError("columns or length differ")
        except Exception as exc:  # noqa: BLE001 - any unreadable cache file is recomputed
            _discard(path, f"{type(exc).__name__}: {exc}")
            return None
        return cols

    def store_attribution(self, key: str, frame: pd.DataFrame) -> None:
        path = self.root / "attribution" / f"{key[:32]}.parquet"
        try:
            if path.parent.is_dir():  # keep only the latest entry
                for old in path.parent.iterdir():
                    if old != path:
                        old.unlink(missing_ok=True)
            cols = frame[list(self._ATTRIBUTION_COLUMNS)].astype(object)
            _atomic_write_table(pa.Table.from_pandas(cols, preserve_index=False,
                                                     schema=pa.schema([(c, pa.string()) for c in cols.columns])), path)
        except (OSError, pa.ArrowException) as exc:
            log.warning("cache: cannot write attribution to %s: %s", path, exc)

    # ---- scores of the whole mailbox
    def _scores_paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / "scores"
        return folder / f"{key[:32]}.scores.parquet", folder / f"{key[:32]}.periods.parquet"

    def load_scores(self, key: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """(scores, periods) stored under ``key``, or None. What the cache returns is verified: the
        files must match the SHA-256 written beside them and the scores must be consistent (every
        column, depth 0-100, tier and trend values that follow from them); anything else is
        discarded with a warning and recomputed."""
        paths = self._scores_paths(key)
        digest_path = paths[0].with_name(f"{key[:32]}.sha256")
        if not all(p.is_file() for p in (*paths, digest_path)):
            return None
        try:
            if digest_path.read_text(encoding="ascii").strip() != _files_digest(paths):
                raise ValueError("content does not match its recorded SHA-256 (edited?)")
            scores, periods = pd.read_parquet(paths[0]), pd.read_parquet(paths[1])
            _check_scores(scores, periods)
            return scores, periods
        except Exception as exc:  # noqa: BLE001 - any unreadable or altered cache file is recomputed
            for p in (*paths, digest_path):
                _discard(p, f"{type(exc).__name__}: {exc}")
            return None

    def store_scores(self, key: str, scores: pd.DataFrame, periods: pd.DataFrame) -> None:
        paths = self._scores_paths(key)
        folder = paths[0].parent
        digest_path = paths[0].with_name(f"{key[:32]}.sha256")
        try:
            if folder.is_dir():  # keep only the latest entry
                for old in folder.iterdir():
                    if old not in (*paths, digest_path):
                        old.unlink(missing_ok=True)
            for frame, path in zip((scores, periods), paths):
                _atomic_write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
            digest_path.write_text(_files_digest(paths) + "\n", encoding="ascii")
        except (OSError, pa.ArrowException) as exc:
            log.warning("cache: cannot write scores to %s: %s", folder, exc)


def _files_digest(paths) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def _check_scores(scores: pd.DataFrame, periods: pd.DataFrame) -> None:
    """Cached scores must look as :mod:`analyzer.depth.scores` writes them."""
    from analyzer.depth.schema import EXTRA_COLUMNS, PERIOD_COLUMNS, SCORE_COLUMNS, TRENDS, tier_of

    if list(scores.columns) != list(SCORE_COLUMNS) + list(EXTRA_COLUMNS) or list(periods.columns) != list(PERIOD_COLUMNS):
        raise ValueError("unexpected columns")
    for frame in (scores, periods):
        d = pd.to_numeric(frame["depth_score"], errors="coerce")
        if d.isna().any() or not d.between(0, 100).all() or any(t != tier_of(v) for t, v in zip(frame["tier"], d)):
            raise ValueError("depth scores and tiers are not consistent")
    if not scores["trend"].isin(TRENDS).all():
        raise ValueError("unknown trend values")
