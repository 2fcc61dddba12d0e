"""Shared test fixtures: where the real mail corpus and the dev data live, and data/ on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
REALMAIL = SHARED / "realmail"
DEV_DATA = SHARED / "data" / "signals_dev.jsonl"
DATA = PROJECT / "data"

# generators in data/ (mailgen) are importable from tests
if str(DATA) not in sys.path:
    sys.path.insert(0, str(DATA))


@pytest.fixture(scope="session")
def realmail() -> Path:
    if not REALMAIL.is_dir():
        pytest.fail(f"the real mail corpus is missing at {REALMAIL} (CI clones shared/ beside the project)")
    return REALMAIL


@pytest.fixture(scope="session")
def dev_data_path() -> Path:
    if not DEV_DATA.is_file():
        pytest.fail(f"the dev data is missing at {DEV_DATA}")
    return DEV_DATA


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT


@pytest.fixture(scope="session")
def demo_run_dir(tmp_path_factory, project_root) -> Path:
    """The whole analysis run once over the demo mailbox (with its config), shared by the tests."""
    from analyzer.analysis import run_to_dir

    out = tmp_path_factory.mktemp("demo_run")
    demo = project_root / "data" / "demo"
    run_to_dir([demo / "mail"], out, config=demo / "analyzer.toml", jobs=1)
    return out
