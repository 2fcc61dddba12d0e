"""Bad input through the real CLI: exit 2 with one line on stderr, or quarantine rows; never a traceback."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from analyzer.cli import main

GOOD = (
    b"From: Ann <ann@client.com>\nTo: bob@agency.com\nSubject: hello\n"
    b"Date: Mon, 6 May 2024 10:00:00 +0000\nMessage-ID: <m1@client.com>\n\nHi Bob,\nall good.\n"
)


def run(*args):
    result = CliRunner().invoke(main, ["ingest", *map(str, args)])
    assert "Traceback" not in (result.output + result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def report(out):
    rep = json.loads((out / "ingest_report.json").read_text())
    assert rep["messages_seen"] == rep["parsed"] + rep["duplicates"] + rep["quarantined"]
    assert rep["quarantined"] == len(rep["quarantine"])
    return rep


def assert_one_line_error(result, *words):
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert err.startswith("analyzer: error:") and "\n" not in err
    for w in words:
        assert w in err


def test_missing_path_exits_2(tmp_path):
    res = run(tmp_path / "nope.mbox", "--out", tmp_path / "out")
    assert_one_line_error(res, "not found", "nope.mbox")
    assert not (tmp_path / "out").exists()


def test_folder_without_files_exits_2(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    res = run(tmp_path / "empty", "--out", tmp_path / "out")
    assert_one_line_error(res, "no files", "empty")


def test_directory_named_like_mail_is_just_an_empty_folder(tmp_path):
    (tmp_path / "x.eml").mkdir()
    res = run(tmp_path / "x.eml", "--out", tmp_path / "out")
    assert_one_line_error(res, "no files")


def test_empty_file_is_quarantined(tmp_path):
    (tmp_path / "empty.mbox").write_bytes(b"")
    res = run(tmp_path / "empty.mbox", "--out", tmp_path / "out")
    # no mail at all is an error (one line naming why), but the report is written first
    assert res.exit_code == 2 and "no mail found" in res.stderr and "empty file" in res.stderr
    rep = report(tmp_path / "out")
    assert rep["parsed"] == 0 and rep["quarantine"][0]["reason"] == "empty file"


def test_binary_file_is_quarantined(tmp_path):
    (tmp_path / "blob.eml").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "good.eml").write_bytes(GOOD)
    res = run(tmp_path, "--out", tmp_path / "out")
    assert res.exit_code == 0, res.stderr
    rep = report(tmp_path / "out")
    assert rep["parsed"] == 1
    assert [q["reason"] for q in rep["quarantine"]] == ["not mail: binary content"]


def test_text_that_is_not_mail_is_quarantined(tmp_path):
    (tmp_path / "notes.txt").write_text("Note: call Ann tomorrow\nabout the budget\n")
    res = run(tmp_path / "notes.txt", "--out", tmp_path / "out")
    rep = report(tmp_path / "out")
    # nothing parsed: exit 2 with the reason on one line, the report written
    assert res.exit_code == 2 and "no mail found" in res.stderr and "not mail" in res.stderr
    assert rep["parsed"] == 0 and "not mail" in rep["quarantine"][0]["reason"]


def test_truncated_mbox_keeps_what_is_there(tmp_path):
    whole = b"".join(
        b"From ann@client.com Mon May  6 10:00:0%d 2024\n" % i
        + GOOD.replace(b"<m1@", b"<m%d@" % i).replace(b"hello", b"hello %d" % i)
        + b"\n"
        for i in range(3)
    )
    cut = whole[: whole.rindex(b"Subject: hello 2") + 12]  # the third message ends inside its headers
    (tmp_path / "cut.mbox").write_bytes(cut)
    res = run(tmp_path / "cut.mbox", "--out", tmp_path / "out")
    assert res.exit_code == 0, res.stderr
    rep = report(tmp_path / "out")
    assert rep["messages_seen"] == 3 and rep["parsed"] == 3
    assert rep["defect_kinds"].get("NoBodySeparator") == 1


def test_unreadable_entries_become_quarantine_rows(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.eml").write_bytes(GOOD)
    os.symlink(src / "gone.eml", src / "dangling.eml")  # stat() fails: an OSError, as root too
    os.mkfifo(src / "pipe.mbox")  # opening it would block forever; must not be read
    (src / "dir.eml").mkdir()
    res = run(src, "--out", tmp_path / "out")
    assert res.exit_code == 0, res.stderr
    rep = report(tmp_path / "out")
    reasons = {os.path.basename(q["source"]): q["reason"] for q in rep["quarantine"]}
    assert reasons["dangling.eml"].startswith("unreadable")
    assert "not a regular file" in reasons["pipe.mbox"]
    assert rep["parsed"] == 1 and rep["files"] == 3


def test_bad_jobs_and_unwritable_out_exit_2(tmp_path):
    (tmp_path / "good.eml").write_bytes(GOOD)
    assert_one_line_error(run(tmp_path / "good.eml", "--out", tmp_path / "o", "--jobs", "0"), "jobs")
    (tmp_path / "afile").write_text("x")
    assert_one_line_error(run(tmp_path / "good.eml", "--out", tmp_path / "afile"))


@pytest.mark.parametrize("data,reason", [
    (b"From someone Mon May  6 10:00:00 2024\njust words, no headers\n", "no header fields"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Outlook"),
])
def test_unparseable_messages_are_quarantined_with_reason(tmp_path, data, reason):
    (tmp_path / "bad").write_bytes(data)
    (tmp_path / "good.eml").write_bytes(GOOD)  # with one good mail the run succeeds
    res = run(tmp_path, "--out", tmp_path / "out")
    assert res.exit_code == 0, res.stderr
    rep = report(tmp_path / "out")
    assert rep["quarantined"] == 1 and reason in rep["quarantine"][0]["reason"] and rep["parsed"] == 1
