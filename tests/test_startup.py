"""Start-up: the run's first work does not wait for scikit-learn, skops or the depth model.

The shipped depth model loads in a background thread while the mail is parsed (issue: start-up
under 1.5 s to the first work); a model the user names still fails before any work.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import sys, threading
    import analyzer.analysis as analysis
    import analyzer.batch as batch
    import analyzer.model_load as model_load

    started = threading.Event()
    seen = {}
    load, ingest = model_load._load_depth_model, batch.ingest_sources

    def slow_load(path):
        # the model may only load once the first work has begun: if the run waited for it
        # before parsing, this would never return
        assert started.wait(120), "the run waited for the depth model before its first work"
        return load(path)

    def first_work(*a, **k):
        seen["heavy"] = sorted(m for m in ("sklearn", "skops", "spacy") if m in sys.modules)
        started.set()
        return ingest(*a, **k)

    model_load._load_depth_model = slow_load
    batch.ingest_sources = first_work
    result = analysis.analyze([sys.argv[1]], jobs=1)
    print(seen["heavy"], len(result.scores))
""")


def test_first_work_starts_before_the_depth_model_is_loaded(project_root):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(project_root / "data" / "demo" / "mail")],
                         capture_output=True, text=True, timeout=600, cwd=project_root)
    assert out.returncode == 0, out.stderr[-2000:]
    heavy, n_clients = out.stdout.strip().rsplit(" ", 1)
    assert heavy == "[]", heavy  # nothing heavy was imported in the main thread before the first work
    assert int(n_clients) >= 10


def test_a_named_model_that_is_broken_fails_before_any_work(tmp_path, project_root):
    from analyzer.analysis import analyze
    from analyzer.errors import ModelError

    bad = tmp_path / "model.skops"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelError):
        analyze([project_root / "data" / "demo" / "mail"], jobs=1, model_path=bad)


SECOND_RUN = textwrap.dedent("""
    import sys
    from analyzer.analysis import run_to_dir
    result = run_to_dir([sys.argv[1]], sys.argv[2], jobs=1)
    print(result.stats.scores_reused, result.stats.outputs_reused, "sklearn" in sys.modules)
""")


def test_an_unchanged_rerun_never_imports_scikit_learn(tmp_path, project_root):
    """Every unit comes from the cache, so the depth model's background load is never started: its
    import of scikit-learn would hold the interpreter lock the re-run's own work needs."""
    mail = str(project_root / "data" / "demo" / "mail")
    outs = [subprocess.run([sys.executable, "-c", SECOND_RUN, mail, str(tmp_path / "run")], capture_output=True,
                           text=True, timeout=600, cwd=project_root) for _ in range(2)]
    assert all(o.returncode == 0 for o in outs), outs[-1].stderr[-2000:]
    assert outs[0].stdout.split() == ["False", "False", "True"]  # the first run scores: it needs the model
    assert outs[1].stdout.split() == ["True", "True", "False"]
