"""`analyzer train` inputs: the labels file, the run folder, matching labels to clients, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.depth.train import load_run, match_labels, read_labels, train_from_labels
from analyzer.errors import InputError
from analyzer.export import write_signals_parquet
from analyzer.ingest.message import write_messages
from depth_frames import frame, msg, signals


def _write(tmp_path, text, name="labels.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_labels_accept_numbers_and_tier_names(tmp_path):
    df = read_labels(_write(tmp_path, "client,depth\nAcme,80\nGlobex,shallow\nInitech, Deep \n"))
    assert list(df["depth"]) == [80.0, 12.5, 87.5]
    df = read_labels(_write(tmp_path, "Domain,Depth\nacme.com,55.5\n"))
    assert df.loc[0, "domain"] == "acme.com" and df.loc[0, "depth"] == 55.5


@pytest.mark.parametrize("text, message", [
    ("client,depth\nAcme,very deep\n", r"labels.csv:2: depth 'very deep' is neither a number"),
    ("client,depth\nAcme,50\nGlobex,140\n", r"labels.csv:3: depth 140 is outside 0-100"),
    ("name,score\nAcme,50\n", r"needs a 'depth' column and a 'client' or 'domain' column"),
    ("client,depth\n", r"no labels in the file"),
    ("client,depth\n,50\n", r"labels.csv:2: neither a client nor a domain"),
    ("", r"not a readable CSV file"),
])
def test_bad_labels_give_one_line_errors(tmp_path, text, message):
    with pytest.raises(InputError, match=message) as err:
        read_labels(_write(tmp_path, text))
    assert "\n" not in str(err.value)


def test_missing_labels_file(tmp_path):
    with pytest.raises(InputError, match="labels file not found"):
        read_labels(tmp_path / "nope.csv")


def _run_dir(tmp_path):
    A = "ann@agency.com"
    ms = [msg("a1", 0, "bob@acme.com", "from_client"), msg("a2", 3, A, "from_agency", reply_to="a1", subject="Re: Plan"),
          msg("g1", 5, "jo@gmail.com", "from_client", client="Jo Baker"),
          msg("x1", 9, "news@list.com", "other", client=None)]
    df = frame(ms)
    df.loc[df["client"] == "Jo Baker", "client_domain"] = "jo@gmail.com"
    run = tmp_path / "run"
    run.mkdir()
    write_messages(df, run / "messages.parquet")
    write_signals_parquet(signals([("a1", "help_request", "What would you do?")], df), run / "signals.parquet")
    return run


def test_labels_match_by_name_domain_or_address(tmp_path):
    run = _run_dir(tmp_path)
    X = load_run(run)
    labels = read_labels(_write(tmp_path, "client,domain,depth\nACME,,70\n,jo@gmail.com,solid\n,acme.com,80\nNobody Ltd,,10\n"))
    y, unmatched = match_labels(labels, X.messages)
    assert y.to_dict() == {"Acme": 75.0, "Jo Baker": 62.5}  # duplicate labels are averaged
    assert unmatched == ["Nobody Ltd"]


def test_run_folder_must_hold_the_run_files(tmp_path):
    with pytest.raises(InputError, match="run folder not found"):
        load_run(tmp_path / "missing")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "messages.parquet").write_bytes(b"PAR1")
    with pytest.raises(InputError, match="lacks signals.parquet"):
        load_run(tmp_path / "half")
    (tmp_path / "half" / "signals.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="cannot read the run's parquet files"):
        load_run(tmp_path / "half")


def test_train_refuses_unmatched_and_too_few_labels(tmp_path):
    run = _run_dir(tmp_path)
    with pytest.raises(InputError, match="none of the 2 labels .* matches a client .*clients there: Acme, Jo Baker"):
        train_from_labels(_write(tmp_path, "client,depth\nFoo,1\nBar,2\n"), run, tmp_path / "m.skops")
    with pytest.raises(InputError, match="only 2 labelled clients .* at least 5"):
        train_from_labels(_write(tmp_path, "client,depth\nAcme,10\nJo Baker,90\n"), run, tmp_path / "m.skops")
    assert not (tmp_path / "m.skops").exists()
    assert pd.read_parquet(run / "messages.parquet").shape[0] == 4  # the run folder is left as it was


def test_a_users_model_uses_the_shipped_models_estimator_settings():
    """``analyzer train`` refits the shipped estimator: same penalty, shrinkages, tier rule and
    evidence columns (the log counts, the praise cap and what backs it, and the people columns
    included when the shipped model has them)."""
    from analyzer.depth.modelfile import load_depth_model
    from analyzer.depth.train import _shipped_params

    shipped = load_depth_model(None).get_params()
    params = _shipped_params()
    assert params["log_counts"] == shipped["log_counts"]
    assert params["backed_praise"] == shipped["backed_praise"] == 1
    assert params["praise_backing"] == shipped["praise_backing"] == "substance"  # candidate PTF
    assert params["praise_share"] == shipped["praise_share"] == "capped"  # candidate PTM
    assert tuple(params["people"]) == ("n_client_people", "max_seniority") and params["people_scope"] == "score"
    assert {k: shipped[k] for k in params} == params


def test_too_few_labels_for_the_boosted_trees_fit_the_ridge():
    """With the shipped model's boosting, a user's labels for fewer than GBM_MIN_CLIENTS clients fit the
    non-negative ridge on the same evidence (trees with 20 clients a leaf cannot split on fewer)."""
    import analyzer.depth.train as T

    shipped = {"prior_messages": 16.0, "regressor": "gbm"}
    assert T._params_for(T.GBM_MIN_CLIENTS - 1, shipped)["regressor"] == "ridge"
    assert T._params_for(T.GBM_MIN_CLIENTS, shipped)["regressor"] == "gbm"
    assert "fewer than the 100" in T._regressor_words(T._params_for(12, shipped), shipped, 12)
    assert shipped["regressor"] == "gbm"  # the shipped settings are not changed in place
    ridge = {"prior_messages": 16.0, "regressor": "ridge"}
    assert T._params_for(500, ridge)["regressor"] == "ridge"
