"""The run cache's keys: what each stored result depends on, as sha256 hex digests.

A key covers the analyzer version, the code and data files of the stage, the versions of the
libraries it calls and its input; a change in any of them makes a new key, so the cache
(:mod:`analyzer.cache`) never serves a result computed by other code or from other mail.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import pandas as pd

from analyzer.ingest.sources import FileBatch, RangeUnit, WorkUnit

#: Bumped when the layout of the cache files changes.
CACHE_FORMAT = "1"
PACKAGE = Path(__file__).resolve().parent
_READ_BLOCK = 1 << 20


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def hash_files(h, root: Path, patterns: tuple[str, ...]) -> None:
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                h.update(str(path.relative_to(root)).encode() + b"\0")
                h.update(path.read_bytes())


@lru_cache(maxsize=1)
def ingest_fingerprint() -> str:
    """What parsing depends on: analyzer version, the ingest code, the parsing libraries."""
    from analyzer import __version__

    h = hashlib.sha256(f"ingest/{CACHE_FORMAT}/{__version__}".encode())
    for dist in ("mail-parser", "mail-parser-reply", "extract-msg", "ftfy"):
        h.update(f"{dist}={_version(dist)};".encode())
    hash_files(h, PACKAGE / "ingest", ("*.py", "*.txt", "*.json"))
    return h.hexdigest()


@lru_cache(maxsize=8)
def signals_fingerprint(model_key: str | None) -> str:
    """What detection depends on: analyzer version, signal code and patterns, spaCy, the pipeline files.

    ``model_key`` as :func:`analyzer.signals.pipeline.load_pipeline` takes it (None: the shipped
    pipeline); a package name is fingerprinted by its name and installed version. Other pipelines
    get the shipped one's components added, so the shipped files always count.
    """
    from analyzer import __version__
    from analyzer.resources import shipped_model  # not analyzer.signals.pipeline: no spaCy import for a key

    h = hashlib.sha256(f"signals/{CACHE_FORMAT}/{__version__}/spacy={_version('spacy')}".encode())
    hash_files(h, PACKAGE / "signals", ("*.py", "**/*.jsonl", "**/*.json", "**/*.txt"))
    hash_files(h, PACKAGE, ("text_language.py", "data/function_words.json"))  # the language router's judge
    hash_files(h, shipped_model("signals"), ("**/*",))
    if model_key is not None:
        path = Path(model_key)
        if path.exists():
            h.update(b"model-dir\0")
            hash_files(h, path, ("**/*",))
        else:
            h.update(f"package={model_key}={_version(model_key.replace('_', '-'))}".encode())
    return h.hexdigest()


def attribution_key(messages: pd.DataFrame, config) -> str:
    """Cache key of the attribution of a deduplicated messages frame: the ingest code (which holds
    attribution and its data files), the config, and every message's id and content hash in order
    (the content hash covers the headers and body that attribution reads)."""
    h = hashlib.sha256(f"attribution/{ingest_fingerprint()}/{config!r};{len(messages)};".encode())
    if len(messages):
        ids = messages[["message_id", "content_hash"]].astype(str)
        h.update(pd.util.hash_pandas_object(ids, index=False).to_numpy().tobytes())
    return h.hexdigest()


#: The messages-frame columns that features and scores can depend on (content_hash covers headers+body).
_SCORE_MESSAGE_COLUMNS = ("message_id", "content_hash", "client", "client_domain", "direction")


def scores_key(messages: pd.DataFrame, signals: pd.DataFrame, model_path=None) -> str:
    """Cache key of a run's scores: depth code + model file + the messages' identity and
    attribution + every signal row."""
    from analyzer import __version__
    from analyzer.resources import shipped_depth_model_file  # not analyzer.depth.modelfile: no scikit-learn

    h = hashlib.sha256(f"scores/{CACHE_FORMAT}/{__version__}/sklearn={_version('scikit-learn')}".encode())
    hash_files(h, PACKAGE / "depth", ("*.py", "data/*"))
    hash_files(h, PACKAGE, ("text_language.py", "data/function_words.json"))  # english_share, read_share
    h.update(Path(model_path if model_path is not None else shipped_depth_model_file()).read_bytes())
    for frame, cols in ((messages, list(_SCORE_MESSAGE_COLUMNS)), (signals, list(signals.columns))):
        h.update(f"{len(frame)}:{','.join(cols)};{','.join(str(frame[c].dtype) for c in cols)};".encode())
        if len(frame):  # each column hashed by its values as they are (no text conversion: 0.7 s at 100k)
            h.update(pd.util.hash_pandas_object(frame[cols], index=False).to_numpy().tobytes())
    return h.hexdigest()


def text_digest(text: str) -> bytes:
    """The 32 raw bytes of :func:`text_key` (how a run holds its many keys in arrays)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def text_key(text: str) -> str:
    """Cache key of a message's new text."""
    return text_digest(text).hex()


def _hash_range(h, path: str, start: int, end: int | None) -> None:
    with open(path, "rb") as fh:
        fh.seek(start)
        left = None if end is None else end - start
        while left is None or left > 0:
            block = fh.read(_READ_BLOCK if left is None else min(_READ_BLOCK, left))
            if not block:
                break
            h.update(block)
            if left is not None:
                left -= len(block)


def unit_key(unit: WorkUnit) -> str | None:
    """Content key of a work unit, or None when its files cannot be read (then it is not cached)."""
    h = hashlib.sha256(ingest_fingerprint().encode())
    try:
        if isinstance(unit, RangeUnit):
            h.update(json.dumps(["range", unit.fmt, unit.path, unit.start, unit.first_index, unit.folder]).encode())
            _hash_range(h, unit.path, unit.start, unit.end)
        elif isinstance(unit, FileBatch):
            for e in unit.entries:
                h.update(json.dumps(["file", e.fmt, e.path, e.source, e.index, e.folder]).encode())
                _hash_range(h, e.path, 0, None)
                h.update(b"\0")
        else:  # a unit kind this cache does not know: never cached
            return None
    except OSError:
        return None
    return h.hexdigest()
