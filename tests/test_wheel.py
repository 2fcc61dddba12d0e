"""A regular install works: the wheel carries the runtime and the shipped models, nothing else.

Builds the wheel from the checkout, installs it (no dependencies: they come from this test's
environment through a path file) into a new venv, and runs the two user entry points from a
folder outside the checkout, where the source tree cannot be imported by accident.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory, project_root):
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(dist), str(project_root)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(dist.glob("client_relationship_depth-*.whl"))
    env = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    py = env / "bin" / "python"
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        text=True).strip())
    # the dependencies of this environment, but not its (editable) analyzer: a plain path entry
    # does not run the editable finder's .pth hook
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return {"wheel": wheel, "env": env, "py": py, "cwd": base}


def test_wheel_carries_runtime_and_models_but_no_training_code(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    assert "analyzer/models/depth/model.skops" in names
    assert "analyzer/models/signals/signal_classifier/weights.npy" in names
    assert "analyzer/signals/patterns/apology.jsonl" in names
    assert not [n for n in names if n.startswith(("training/", "data/", "tests/", "models/"))]
    assert not [n for n in names if "experiments" in n or n.endswith((".csv.gz", "build.py"))]
    assert any(n.endswith("licenses/LICENSE") for n in names)


def test_installed_package_runs_the_demo_and_detects_signals(installed, project_root):
    out = installed["cwd"] / "out"
    env = {"PATH": f"{installed['env'] / 'bin'}:/usr/bin:/bin", "HOME": str(installed["cwd"])}
    r = subprocess.run([str(installed["env"] / "bin" / "analyzer"), "run", str(project_root / "data/demo/mail"),
                        "--out", str(out), "-q", "--jobs", "1"],
                       capture_output=True, text=True, cwd=installed["cwd"], env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "clients scored" in r.stdout
    for f in ("scores.csv", "evidence.csv", "report.html", "ingest_report.json"):
        assert (out / f).is_file()
    code = ("import json, analyzer, analyzer.signals.pipeline as p; "
            "print(json.dumps([analyzer.detect_signals(['Sorry for the slow reply, crazy week.']), "
            "analyzer.__file__, str(p.DEFAULT_MODEL)]))")
    r = subprocess.run([str(installed["py"]), "-c", code], capture_output=True, text=True,
                       cwd=installed["cwd"], env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    labels, where, model = json.loads(r.stdout)
    assert labels == [["apology"]]
    assert str(installed["env"]) in where and str(installed["env"]) in model  # not the checkout
