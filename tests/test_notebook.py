"""notebooks/explore.ipynb executes top to bottom against a real run (so it cannot rot)."""

from __future__ import annotations


import nbformat
import pytest
from nbclient import NotebookClient



@pytest.mark.slow
def test_explore_notebook_runs(project_root, demo_run_dir, monkeypatch):
    nb = nbformat.read(project_root / "notebooks" / "explore.ipynb", as_version=4)
    monkeypatch.setenv("ANALYZER_RUN", str(demo_run_dir))
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(project_root / "notebooks")}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs if "data" in o)
    assert "depth_score" in html and "label" in html
    assert any("image/png" in o.get("data", {}) for o in outputs)
