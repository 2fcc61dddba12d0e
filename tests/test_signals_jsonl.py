"""`analyzer signals INPUT.jsonl [--out]` and label_jsonl."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.errors import InputError
from analyzer.signals.jsonl import label_jsonl


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_cli_writes_labels_in_order(tmp_path):
    src = _write(tmp_path / "in.jsonl", [
        json.dumps({"id": "a", "text": "Sorry for the slow reply, crazy week."}),
        "",
        json.dumps({"id": 7, "text": "Please find the signed contract attached."}),
        json.dumps({"id": "c", "text": "Ok.\n> Great job on the launch!"}),
    ])
    res = CliRunner().invoke(main, ["signals", str(src), "--out", str(tmp_path / "out.jsonl"), "--quiet"])
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [o["id"] for o in out] == ["a", 7, "c"]
    assert out[0]["labels"] == ["apology"] and out[1]["labels"] == [] and out[2]["labels"] == []


def test_cli_stdout(tmp_path):
    src = _write(tmp_path / "in.jsonl", [json.dumps({"id": "x", "text": "No harm done, these things happen."})])
    res = CliRunner().invoke(main, ["signals", str(src)])
    assert res.exit_code == 0
    assert json.loads(res.stdout.strip()) == {"id": "x", "labels": ["forgiveness"]}


@pytest.mark.parametrize("bad,msg", [
    ('{"id": "a", "text": "fine"}\n{"id": "b", "text": 3}\n', r"in.jsonl:2: \"text\" must be a string"),
    ('{"id": "a", "text": "fine"}\n\n{not json\n', r"in.jsonl:3: not valid JSON"),
    ('["a", "b"]\n', r"in.jsonl:1: expected a JSON object"),
    ('{"text": "no id"}\n', r"in.jsonl:1: missing \"id\""),
])
def test_bad_line_is_a_one_line_error(tmp_path, bad, msg):
    src = tmp_path / "in.jsonl"
    src.write_text(bad, encoding="utf-8")
    with pytest.raises(InputError, match=msg):
        label_jsonl(src, tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()  # nothing partial written
    res = CliRunner().invoke(main, ["signals", str(src), "--out", str(tmp_path / "out.jsonl")])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "in.jsonl:" in res.stderr and "Traceback" not in res.output


def test_missing_file(tmp_path):
    res = CliRunner().invoke(main, ["signals", str(tmp_path / "nope.jsonl")])
    assert res.exit_code == 2 and "no such file" in res.stderr
