"""Past one machine: the same run on a Dask cluster (joblib's dask backend) gives the local scores.

Dask is an optional extra (``pip install 'client-relationship-depth[dask]'``); this test installs it into the
interpreter running the tests when it is missing (CI has network to PyPI), then starts a
``distributed.LocalCluster`` with two worker *processes*, as ``dask worker`` would on two machines.
"""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer.analysis import analyze
from analyzer.cli import main

DASK_REQUIREMENT = "dask[distributed]>=2024.1"  # as pyproject's [dask] extra


@pytest.fixture(scope="session")
def distributed():
    try:
        return importlib.import_module("distributed")
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", DASK_REQUIREMENT],
                       check=True, timeout=900)
        importlib.invalidate_caches()
        return importlib.import_module("distributed")


@pytest.fixture(scope="module")
def cluster(distributed):
    cl = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, silence_logs=logging.ERROR)
    try:
        yield cl
    finally:
        cl.close()


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory) -> dict:
    from mailgen import generate_corpus, write_config, write_mbox

    root = tmp_path_factory.mktemp("dask_mail")
    corpus = generate_corpus(seed=11, n_clients=4, months=6, volume=0.6)
    # three sources, so there is something to shard across the two workers
    third = len(corpus.raw) // 3
    paths = []
    for i, part in enumerate((corpus.raw[:third], corpus.raw[third:2 * third], corpus.raw[2 * third:])):
        paths.append(root / f"part{i}.mbox")
        write_mbox(part, paths[-1])
    write_config(corpus, root / "analyzer.toml")
    return {"sources": paths, "config": root / "analyzer.toml"}


def test_dask_scores_equal_a_local_run(cluster, distributed, mailbox):
    local = analyze(mailbox["sources"], config=mailbox["config"], jobs=1)
    remote = analyze(mailbox["sources"], config=mailbox["config"], backend="dask",
                     scheduler=cluster.scheduler_address)
    assert len(local.scores) >= 3
    pd.testing.assert_frame_equal(remote.scores, local.scores)
    pd.testing.assert_frame_equal(remote.evidence, local.evidence)
    pd.testing.assert_frame_equal(remote.messages, local.messages)
    assert remote.ingest_report == local.ingest_report

    with distributed.Client(cluster.scheduler_address) as client:
        worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
        assert remote.stats.worker_pids and set(remote.stats.worker_pids) <= worker_pids  # signals ran on the cluster's workers
        # a second run on the same workers: each keeps the pipeline it loaded, never loads it again
        analyze(mailbox["sources"], config=mailbox["config"], backend="dask", scheduler=cluster.scheduler_address)
        loads = client.run(lambda: dict(__import__("analyzer.parallel", fromlist=["x"]).PIPELINE_LOADS))
    assert loads and all(set(v.values()) <= {1} for v in loads.values()), loads
    assert sum(sum(v.values()) for v in loads.values()) >= 1


def test_cli_run_on_the_cluster(cluster, mailbox, tmp_path):
    res = CliRunner().invoke(main, ["run", *map(str, mailbox["sources"]), "--config", str(mailbox["config"]),
                                    "--out", str(tmp_path), "--backend", "dask",
                                    "--scheduler", cluster.scheduler_address, "-q"])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert len(scores) >= 3 and scores["depth_score"].between(0, 100).all()


def test_unreachable_scheduler_is_a_one_line_error(distributed, mailbox, tmp_path, monkeypatch):
    monkeypatch.setattr("analyzer.parallel.CONNECT_TIMEOUT", "2s")
    res = CliRunner().invoke(main, ["run", str(mailbox["sources"][0]), "--out", str(tmp_path),
                                    "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9", "-q"])
    assert res.exit_code == 2 and "cannot reach the Dask scheduler" in res.output
    assert len(res.output.strip().splitlines()) == 1
