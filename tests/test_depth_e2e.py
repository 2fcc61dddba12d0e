"""End to end on a small generated mailbox: real ingest, real signals, the shipped depth model.

Checks scores.csv columns and types (CONTRACT.md), agreement with the designed depths, the
per-quarter frame, and `analyzer train` on user labels from that run folder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from analyzer.depth.schema import PERIOD_COLUMNS, SCORE_COLUMNS, TIERS, TRENDS, tier_of
from analyzer.depth.modelfile import load_depth_model
from analyzer.depth.scores import client_periods, score_clients
from analyzer.depth.train import train_from_labels
from analyzer.export import evidence_frame, write_scores_csv, write_signals_parquet
from analyzer.ingest.message import write_messages
from analyzer.signals.labels import LABELS

SEED = 4242  # not a build (101-124) or evaluation (901-908) seed


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A generated mailbox ingested and signal-detected into a run folder, with its truth."""
    import mailgen

    from analyzer.config import load_config
    from analyzer.ingest.pipeline import ingest
    from analyzer.signals.detect import signals_frame

    box = tmp_path_factory.mktemp("box")
    corpus = mailgen.generate_corpus(seed=SEED, n_clients=10, months=12)
    mailgen.write_mbox(corpus, box / "mailbox.mbox")
    mailgen.write_config(corpus, box / "analyzer.toml")
    messages = ingest([box / "mailbox.mbox"], config=load_config(box / "analyzer.toml"), jobs=1).messages
    signals = signals_frame(messages)
    run_dir = tmp_path_factory.mktemp("run")
    write_messages(messages, run_dir / "messages.parquet")
    write_signals_parquet(signals, run_dir / "signals.parquet")
    return {"messages": messages, "signals": signals, "truth": corpus.truth.set_index("client"), "dir": run_dir}


@pytest.fixture(scope="module")
def scores(run):
    return score_clients(run["messages"], run["signals"])


def test_scores_columns_and_types_follow_the_contract(run, scores):
    assert list(scores.columns[: len(SCORE_COLUMNS)]) == list(SCORE_COLUMNS)
    assert [f"sig_{lb}" for lb in LABELS] == [c for c in scores.columns if c.startswith("sig_")]
    assert sorted(scores["client"]) == sorted(run["truth"].index)  # exactly the clients, no one else
    assert scores["depth_score"].dtype == float and scores["depth_score"].between(0, 100).all()
    assert list(scores["depth_score"]) == sorted(scores["depth_score"], reverse=True)
    assert all(t == tier_of(s) for t, s in zip(scores["tier"], scores["depth_score"]))
    assert set(scores["tier"]) <= set(TIERS) and set(scores["trend"]) <= set(TRENDS)
    for col in ["n_messages", "n_from_client", "n_from_agency"] + [f"sig_{lb}" for lb in LABELS]:
        assert scores[col].dtype == np.int64 and (scores[col] >= 0).all(), col
    assert (scores["n_messages"] == scores["n_from_client"] + scores["n_from_agency"]).all()
    assert str(scores["first_message"].dtype) .startswith("datetime64") and (scores["first_message"] <= scores["last_message"]).all()
    assert scores["median_client_reply_hours"].dtype == float
    assert scores["domains"].map(lambda d: isinstance(d, str)).all()
    assert scores["top_drivers"].str.match(r"^[+-] ").all()
    # extras explaining the trend: its slope figure (points per quarter) and where it came from
    assert scores["trend_slope"].dtype == float and scores["trend_slope"].notna().all()
    assert scores["trend_reason"].str.match(r"^Quarterly scores (rose|fell|moved) .* points a quarter").all()


def test_domains_are_the_clients_domains(run, scores):
    truth = run["truth"]
    for client, domains in zip(scores["client"], scores["domains"]):
        designed = truth.loc[client, "domains"] or truth.loc[client, "addresses"]
        assert set(designed.split(";")) <= set(domains.split(";")), client


def test_signal_counts_match_the_evidence(run, scores):
    ev = evidence_frame(run["signals"])
    counts = ev.groupby(["client", "label"]).size()
    s = scores.set_index("client")
    for (client, label), n in counts.items():
        assert s.loc[client, f"sig_{label}"] == n


def test_scores_follow_the_designed_depth(run, scores):
    s = scores.set_index("client").join(run["truth"][["depth"]])
    rho = spearmanr(s["depth_score"], s["depth"]).statistic
    assert rho >= 0.8, s[["depth_score", "depth"]]
    deep, shallow = s.loc[s["depth"] >= 60, "depth_score"], s.loc[s["depth"] < 25, "depth_score"]
    assert len(deep) and len(shallow) and deep.min() > shallow.max()


def test_scores_csv_round_trip(tmp_path, scores):
    write_scores_csv(scores, tmp_path / "scores.csv")
    back = pd.read_csv(tmp_path / "scores.csv")
    assert list(back.columns) == list(scores.columns)
    assert back["first_message"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()


def test_input_frames_are_not_changed(run):
    m, s = run["messages"].copy(deep=True), run["signals"].copy(deep=True)
    score_clients(run["messages"], run["signals"])
    pd.testing.assert_frame_equal(m, run["messages"])
    pd.testing.assert_frame_equal(s, run["signals"])


def test_client_periods_cover_each_clients_quarters(run):
    p = client_periods(run["messages"], run["signals"])
    assert list(p.columns) == list(PERIOD_COLUMNS)
    assert set(p["client"]) == set(run["truth"].index)
    assert p["depth_score"].between(0, 100).all() and p["period"].str.match(r"^\d{4}Q[1-4]$").all()
    assert p.groupby("client")["period"].apply(lambda q: list(q) == sorted(q)).all()


def test_train_on_user_labels_from_a_run_folder(run, tmp_path):
    truth = run["truth"].reset_index()
    rows = []
    for i, r in truth.iterrows():  # half by name with numbers, half by domain/address with tier names
        if i % 2:
            rows.append({"client": r["client"], "domain": "", "depth": r["depth"]})
        else:
            key = (r["domains"] or r["addresses"]).split(";")[0]
            rows.append({"client": "", "domain": key, "depth": r["tier"]})
    rows.append({"client": "Not A Client Ltd", "domain": "", "depth": 50})
    labels = tmp_path / "labels.csv"
    pd.DataFrame(rows).to_csv(labels, index=False)
    summary = train_from_labels(labels, run["dir"], tmp_path / "mine.skops")
    assert f"on {len(truth)} labelled clients" in summary and "1 labels matched no client (Not A Client Ltd)" in summary
    model = load_depth_model(tmp_path / "mine.skops")
    assert model.kind == "taxonomy" and model.training_summary_["n_clients"] == len(truth)
    mine = score_clients(run["messages"], run["signals"], model=model).set_index("client")
    rho = spearmanr(mine["depth_score"], run["truth"].loc[mine.index, "depth"]).statistic
    assert rho > 0.7
