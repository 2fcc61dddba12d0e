"""``analyzer signals INPUT.jsonl [--out OUTPUT.jsonl]``: lines ``{"id", "text"}`` -> ``{"id", "labels"}``.

The whole input is validated before anything is written, so a bad line (not JSON, not an object,
no ``id``, ``text`` not a string) stops the command with an :class:`~analyzer.errors.InputError`
naming the line and no partial output. Blank lines are skipped. Output keeps input order; with
``out_path`` the file is written atomically (temp file + rename), otherwise lines go to stdout.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from analyzer.errors import InputError
from analyzer.progress import progress
from analyzer.signals.detect import detect_signals
from analyzer.signals.pipeline import load_pipeline

CHUNK = 1024


def iter_text_records(input_path: Path | str) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSONL file of ``{"id", "text", ...}``
    objects; InputError naming the file and line for anything malformed."""
    path = Path(input_path)
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a JSONL file")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        fh = path.open("r", encoding="utf-8", errors="strict")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        try:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    msg = exc.msg.removesuffix(" at")  # "Invalid control character at" <position>
                    raise InputError(f"{path}:{lineno}: not valid JSON ({msg}, column {exc.colno})") from None
                if not isinstance(obj, dict):
                    raise InputError(f"{path}:{lineno}: expected a JSON object with \"id\" and \"text\"")
                if "id" not in obj:
                    raise InputError(f"{path}:{lineno}: missing \"id\"")
                if not isinstance(obj.get("text"), str):
                    raise InputError(f"{path}:{lineno}: \"text\" must be a string")
                yield lineno, obj
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None


def read_inputs(input_path: Path | str) -> list[tuple[object, str]]:
    return [(obj["id"], obj["text"]) for _, obj in iter_text_records(input_path)]


def label_jsonl(input_path, out_path=None, model_path=None, show_progress: bool = False) -> int:
    """Label every line of ``input_path``; returns the number of lines written."""
    items = read_inputs(input_path)
    if out_path is not None:
        check_output_file(Path(out_path))
    nlp = load_pipeline(model_path)
    lines = []
    with progress(len(items), "signals", show_progress, unit="text") as bar:
        for i in range(0, len(items), CHUNK):
            chunk = items[i:i + CHUNK]
            for (item_id, _), labels in zip(chunk, detect_signals([t for _, t in chunk], model=nlp)):
                lines.append(json.dumps({"id": item_id, "labels": labels}, ensure_ascii=False))
            bar.update(len(chunk))
    body = "".join(line + "\n" for line in lines)
    if out_path is None:
        sys.stdout.write(body)
        sys.stdout.flush()
    else:
        out = Path(out_path)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(body, encoding="utf-8")
            os.replace(tmp, out)
        except OSError as exc:
            raise InputError(f"cannot write --out {out}: {exc.strerror or exc}") from None
        finally:
            tmp.unlink(missing_ok=True)
    return len(lines)


def check_output_file(out: Path) -> None:
    """An ``--out`` file must be writable and not a folder: checked before the work, not after."""
    if out.is_dir():
        raise InputError(f"--out {out} is a folder; give a file name such as {out / 'labels.jsonl'}")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--out {out}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"--out {out}: folder {parent} is not writable")
