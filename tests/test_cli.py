"""The command line as CONTRACT.md promises it: --help everywhere, exit 2 with one line on bad usage/input."""

from __future__ import annotations

import json
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


def _one_error_line(r) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("analyzer: error:"), r.stderr
    return lines[0]


@pytest.mark.parametrize("case", ["empty_folder", "missing_source", "out_is_file", "out_under_file"])
def test_wrong_sources_and_out_fail_before_any_work(case, tmp_path, project_root):
    """Checked before the heavy imports: the error comes from the preflight, one line, no output."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "afile").write_text("x")
    args = {"empty_folder": [str(tmp_path / "empty"), "--out", str(tmp_path / "o")],
            "missing_source": [str(tmp_path / "nope"), "--out", str(tmp_path / "o")],
            "out_is_file": ["data/demo/mail", "--out", str(tmp_path / "afile")],
            "out_under_file": ["data/demo/mail", "--out", str(tmp_path / "afile" / "o")]}[case]
    code = ("import sys, time; t = time.perf_counter(); from analyzer.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n"
            "    print(f'{time.perf_counter() - t:.3f}', 'pandas' in sys.modules, 'spacy' in sys.modules); raise\n")
    r = subprocess.run([sys.executable, "-c", code, "run", *args], capture_output=True, text=True,
                       cwd=project_root, timeout=120)
    line = _one_error_line(r)
    expected = {"empty_folder": "holds no files", "missing_source": "SOURCE not found",
                "out_is_file": "is not a folder", "out_under_file": "cannot write to --out"}[case]
    assert expected in line
    _, pandas_loaded, spacy_loaded = r.stdout.split()
    assert pandas_loaded == "False" and spacy_loaded == "False"  # nothing heavy ran before the check
    assert not (tmp_path / "o").exists()


def test_run_with_no_mail_exits_2_naming_the_quarantined_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "photo.bin").write_bytes(bytes(range(256)) * 8)
    line = _one_error_line(_run("run", str(src), "--out", str(tmp_path / "o"), "-q"))
    assert "no mail found" in line and "1 quarantined" in line and "binary" in line


def test_run_whose_config_matches_no_client_names_the_domains_it_holds(tmp_path, project_root):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[agency]\ndomains = ["nowhere.example"]\n[clients."X"]\ndomains = ["x.example"]\n')
    line = _one_error_line(_run("run", "data/demo/mail/eml", "--config", str(cfg), "--out", str(tmp_path / "o"),
                                "-q", cwd=project_root))
    assert "no message matches the config's clients (x.example)" in line
    assert "brightside.studio" in line  # the agency's domain is the most frequent one


def test_run_with_staff_only_mail_finds_no_client(tmp_path, project_root):
    line = _one_error_line(_run("run", "data/demo/mail/eml/internal", "--out", str(tmp_path / "o"), "-q",
                                cwd=project_root))
    assert "no client found" in line and "brightside.studio" in line


def test_small_cli_errors_speak_plainly(tmp_path, project_root):
    good = tmp_path / "in.jsonl"
    good.write_text('{"id": 1, "text": "Thanks, the team loved it."}\n')
    (tmp_path / "outdir").mkdir()
    assert "is a folder" in _one_error_line(_run("signals", str(good), "--out", str(tmp_path / "outdir")))
    assert not list(tmp_path.glob("*.tmp")) and not list((tmp_path / "outdir").iterdir())
    assert "is a folder, not a JSONL file" in _one_error_line(_run("signals", str(tmp_path)))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "a\tb\x01"}\n')
    line = _one_error_line(_run("signals", str(bad)))
    assert line.endswith("column 19)") or "column" in line
    assert not line.rstrip(")").endswith(" at")
    line = _one_error_line(_run("run", "data/demo/mail", "--out", str(tmp_path / "o"), "--model", str(tmp_path),
                                cwd=project_root))
    assert "is a folder" in line


def test_verbose_works_after_the_command_and_train_has_quiet():
    r = _run("signals", "--help")
    assert "--verbose" in r.stdout
    assert "--quiet" in _run("train", "--help").stdout
    assert "-1 for all cores" in _run("run", "--help").stdout
    assert "--signals-model" in _run("run", "--help").stdout


def test_run_reports_quarantined_files_on_the_terminal(tmp_path, project_root):
    src = tmp_path / "src"
    src.mkdir()
    (src / "junk.bin").write_bytes(bytes(range(256)) * 8)
    r = _run("run", str(project_root / "data" / "demo" / "mail" / "mbox"), str(src), "--out",
             str(tmp_path / "o"), "-q", "--signals-model", str(project_root / "models" / "signals"))
    assert r.returncode == 0, r.stderr
    assert "junk.bin: not mail: binary content" in r.stderr
    assert "clients scored" in r.stdout


def test_a_library_warning_does_not_break_the_one_line_error(monkeypatch):
    """A Python warning raised on the way (as urllib3 warns about SOCKS support when requests is
    imported on some machines) is logged only with -v; the error stays one line."""
    import warnings

    from click.testing import CliRunner

    import analyzer.preflight as preflight
    from analyzer.cli import main
    from analyzer.errors import InputError

    def noisy(sources):
        warnings.warn("SOCKS support in urllib3 requires the installation of optional dependencies", UserWarning)
        raise InputError("SOURCE not found: nowhere")

    monkeypatch.setattr(preflight, "check_sources", noisy)
    import logging

    # an earlier CLI run in this process (another test) left logging's capture installed over the
    # recorder pytest put in place for that test; without this reset main() would see the capture as
    # already on and this test's warning would go to pytest's recorder, not to stderr
    logging.captureWarnings(False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            r = CliRunner().invoke(main, ["run", "nowhere", "--out", "o", "-q"])
            loud = CliRunner().invoke(main, ["-v", "run", "nowhere", "--out", "o", "-q"])
    finally:
        logging.captureWarnings(False)  # main() routes warnings into logging for the process
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == ["analyzer: error: SOURCE not found: nowhere"], r.stderr
    assert "SOCKS" in loud.stderr


def _mail(path: Path, sender: str, to: str, subject: str, day: int, body: str) -> None:
    path.write_text(f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: Mon, {day:02d} Mar 2026 10:00:00 +0000\n"
                    f"Message-ID: <{path.stem}@test.example>\n\n{body}\n", encoding="utf-8")


def test_run_names_a_person_who_writes_as_two_clients(tmp_path, project_root):
    """An acquired client's contact who moves to the acquirer's domain, never copying the old one in,
    stays two clients; the run says so on stderr and in ingest_report.json."""
    src = tmp_path / "mail"
    src.mkdir()
    agency, jane_old, jane_new = "Kim Park <kim@agency.example>", "Jane Doe <jane@hollis.example>", \
        "Jane Doe <jane.doe@sable.example>"
    for i, (frm, to) in enumerate([(jane_old, agency), (agency, jane_old)] * 3 + [(jane_new, agency), (agency, jane_new)] * 3):
        _mail(src / f"m{i}.eml", frm, to, f"Site report {i // 2}", 2 + i, "Thanks, the draft looks good. Could we talk on Friday?")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[agency]\ndomains = ["agency.example"]\n[clients."Hollis Ridge"]\ndomains = ["hollis.example"]\n'
                   '[clients."Sable Basin"]\ndomains = ["sable.example"]\n')
    out = tmp_path / "o"
    r = _run("run", str(src), "--config", str(cfg), "--out", str(out), "-q", "--signals-model",
             str(project_root / "models" / "signals"))
    assert r.returncode == 0, r.stderr
    assert "Jane Doe writes as 2 clients (Hollis Ridge, Sable Basin)" in r.stderr
    report = json.loads((out / "ingest_report.json").read_text())
    assert report["people_in_two_clients"] == [{"person": "Jane Doe", "clients": ["Hollis Ridge", "Sable Basin"],
                                                "messages": 6}]
