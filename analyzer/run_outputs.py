"""Keeping a run folder's files when a re-run would write the very same ones.

A second ``analyzer run`` over an unchanged export reuses every parsed unit, every signal row and the
scores from the run cache (:mod:`analyzer.cache`); what is left is writing the run folder again,
which on a large mailbox is most of the re-run (the messages table and the HTML report). When
nothing the files depend on changed, they are kept as they are and only ``run_stats.json`` is
written anew (``outputs_reused: true``; ``report.html`` keeps the time it was generated).

"Nothing changed" is decided by :func:`outputs_key`, a SHA-256 over the scores' cache key (which
covers every message's identity, content hash and attribution, every signal row, the depth code
and the model), the ingest report, ``--redact`` and the code that writes the files; and by the
files themselves: ``DIR/.cache/outputs.json`` records each file's SHA-256 when it is written, and a
file that is missing or differs (edited, truncated, replaced) makes the run write everything again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent
MANIFEST = "outputs.json"
#: The code that decides the bytes of the run folder's files (besides what the scores key covers).
_WRITER_CODE = ("export.py", "analysis.py", "ingest/message.py", "report/*.py", "report/templates/*")


def outputs_key(scores_key: str, ingest_report: dict, redact: bool) -> str:
    from analyzer import __version__
    from analyzer.cache_keys import hash_files

    h = hashlib.sha256(f"outputs/1/{__version__}/{scores_key}/redact={bool(redact)}/".encode())
    h.update(json.dumps(ingest_report, sort_keys=True, default=str).encode())
    hash_files(h, PACKAGE, _WRITER_CODE)
    return h.hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def outputs_current(cache_dir: Path, key: str, out: Path, names) -> bool:
    """True when ``out`` holds every file of ``names`` exactly as the run recorded under ``key`` wrote it."""
    try:
        manifest = json.loads((Path(cache_dir) / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("key") != key or set(manifest.get("files", {})) != set(names):
            return False
        return all((out / n).is_file() and _sha256(out / n) == manifest["files"][n] for n in names)
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return False


def record_outputs(cache_dir: Path, key: str, out: Path, names) -> None:
    """Write the manifest of the files just moved into ``out`` (never fails the run)."""
    cache_dir = Path(cache_dir)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"key": key, "files": {n: _sha256(out / n) for n in names}}, indent=1)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=cache_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body + "\n")
        os.replace(tmp, cache_dir / MANIFEST)
    except OSError as exc:
        log.warning("cache: cannot record the run's files in %s: %s", cache_dir, exc)


def forget_outputs(cache_dir: Path) -> None:
    """Drop the manifest before the files change, so a run killed midway never counts as current."""
    try:
        (Path(cache_dir) / MANIFEST).unlink(missing_ok=True)
    except OSError:
        pass
