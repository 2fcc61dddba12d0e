"""Where the shipped model files are: the ``analyzer.models`` package data.

In a checkout, ``models/`` is both where the models are built (``make model``) and, through the
``package-dir`` mapping in ``pyproject.toml``, the package ``analyzer.models``; a wheel carries
the same files inside the installed package. Either way they are found with
:mod:`importlib.resources`, never through paths into the source tree.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_model(name: str) -> Path:
    """The folder of a shipped model (``"signals"`` or ``"depth"``) inside ``analyzer.models``."""
    return Path(str(files("analyzer.models") / name))


def shipped_depth_model_file() -> Path:
    """The shipped depth model file (found without importing scikit-learn, for cache keys)."""
    return shipped_model("depth") / "model.skops"
