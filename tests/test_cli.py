"""The command line as CONTRACT.md promises it: --help everywhere, exit 2 with one line on bad usage/input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ANALYZER = [sys.executable, "-m", "analyzer.cli"]
COMMANDS = ["ingest", "signals", "run", "train"]


def _run(*args, cwd=None):
    return subprocess.run([*ANALYZER, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("command", [[]] + [[c] for c in COMMANDS])
def test_every_command_has_help(command):
    r = _run(*command, "--help")
    assert r.returncode == 0, r.stderr
    assert "Usage:" in r.stdout
    for opt in {"ingest": ["--out", "--config"], "run": ["--out", "--config", "--jobs", "--model"],
                "train": ["--run", "--out"], "signals": ["--out"]}.get(command[0] if command else "", []):
        assert opt in r.stdout


@pytest.mark.parametrize("args", [
    ["ingest", "--out", "x"],  # no SOURCE
    ["run", "data/demo/mail"],  # no --out
    ["train", "labels.csv"],  # no --run/--out
    ["frobnicate"],
])
def test_bad_usage_exits_2(args, project_root):
    r = _run(*args, cwd=project_root)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [
    ["ingest", "does/not/exist", "--out", "{tmp}/o"],
    ["run", "does/not/exist", "--out", "{tmp}/o"],
    ["ingest", "data/demo/mail", "--out", "{tmp}/o", "--config", "{tmp}/missing.toml"],
    ["ingest", "data/demo/mail", "--out", "{tmp}/o", "--config", "{tmp}/bad.toml"],
    ["signals", "{tmp}/missing.jsonl"],
    ["run", "data/demo/mail", "--out", "{tmp}/o", "--model", "{tmp}/bad.toml"],
])
def test_bad_input_exits_2_with_one_line(args, tmp_path, project_root):
    (tmp_path / "bad.toml").write_text("[agency\ndomains = 3\n")
    r = _run(*[a.format(tmp=tmp_path) for a in args], cwd=project_root)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("analyzer: error:") and "Traceback" not in r.stderr


def test_signals_command_labels_jsonl_to_stdout(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "Sorry for the slow reply, crazy week."}\n'
                   '{"id": "b", "text": "Please send the invoice."}\n', encoding="utf-8")
    r = _run("signals", str(src))
    assert r.returncode == 0, r.stderr
    out = [__import__("json").loads(x) for x in r.stdout.splitlines()]
    assert out[0] == {"id": 1, "labels": ["apology"]}
    assert out[1] == {"id": "b", "labels": []}
