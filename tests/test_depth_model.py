"""Depth model: tiers, trend logic, calibration, contributions, and the model file's safety checks."""

from __future__ import annotations

import copy
import pickle
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.base import clone

from analyzer.depth.drivers import top_drivers
from depth_frames import assert_monotone_in_every_sign
from analyzer.depth.trend import score_slopes
from analyzer.depth.features import FEATURE_NAMES
from analyzer.depth.model import DepthModel, best_tier_cuts
from analyzer.depth.quarterly import trend_of
from analyzer.depth.regressors import make_pipeline
from analyzer.depth.modelfile import load_depth_model, read_header, save_depth_model
from analyzer.depth.schema import TIER_BOUNDS, tier_of
from analyzer.errors import ModelError


@pytest.fixture(scope="module")
def fitted():
    """A ridge model on a feature table where depth follows thread initiation and fee pushback."""
    rng = np.random.default_rng(7)
    n = 120
    F = pd.DataFrame(rng.uniform(0, 1, size=(n, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES),
                     index=[f"c{i}" for i in range(n)])
    F["client_fee_pushback_count"] = rng.integers(0, 6, n).astype(float)
    F.loc["c0", "agency_update_cv"] = np.nan
    y = np.clip(100 * F["client_start_share"] - 8 * F["client_fee_pushback_count"] + 20 + rng.normal(0, 3, n), 0, 100)
    return DepthModel(kind="ridge").fit(F, y), F, y


@pytest.mark.parametrize("score, tier", [(0, "shallow"), (24.9, "shallow"), (25, "developing"), (49.99, "developing"),
                                         (50, "solid"), (74.9, "solid"), (75, "deep"), (100, "deep")])
def test_tier_thresholds(score, tier):
    assert tier_of(score) == tier


def _periods(scores, n=10):
    return pd.DataFrame({"score": scores, "n_messages": [n] * len(scores)})


def test_trend_slope_with_dead_band():
    assert trend_of(_periods([30, 40, 52, 60]), band=5) == "deepening"
    assert trend_of(_periods([80, 66, 55, 41]), band=5) == "cooling"
    assert trend_of(_periods([50, 54, 49, 53]), band=5) == "steady"
    assert trend_of(_periods([50]), band=5) == "steady"
    # only the last six quarters count: an old dip does not make a flat year and a half "deepening"
    assert trend_of(_periods([5, 10, 60, 61, 60, 62, 61, 60]), band=5) == "steady"
    assert trend_of(_periods([5, 10, 60, 61, 60, 62, 61, 60]), band=5, max_periods=8) == "deepening"
    # a quarter with little mail weighs less: the same dip in a near-empty quarter moves the line less
    dip = [60, 61, 62, 45]
    assert trend_of(_periods(dip, n=12), band=3) == "cooling"
    assert trend_of(pd.DataFrame({"score": dip, "n_messages": [12, 12, 12, 0]}), band=3) == "steady"


def test_scores_are_calibrated_and_ranked(fitted):
    model, F, y = fitted
    s = model.predict(F)
    assert s.min() >= 0 and s.max() <= 100
    from scipy.stats import spearmanr
    assert spearmanr(s, y).statistic > 0.9


def _tiers(values) -> np.ndarray:
    return np.searchsorted(TIER_BOUNDS, np.asarray(values, dtype=float), side="right")


def test_tier_cuts_are_the_best_three_thresholds():
    rng = np.random.default_rng(3)
    for _ in range(30):
        n = int(rng.integers(1, 12))
        raw = np.round(rng.normal(50, 25, n))
        y = np.clip(raw + rng.normal(0, 20, n), 0, 100)
        w = rng.uniform(0.5, 2.0, n)
        got = float(np.sum(w * (np.searchsorted(best_tier_cuts(raw, y, w), raw, side="right") == _tiers(y))))
        # brute force over every placement of the three cuts between the sorted distinct values
        edges = np.concatenate([[-np.inf], (np.unique(raw)[1:] + np.unique(raw)[:-1]) / 2, [np.inf]])
        best = max(float(np.sum(w * (np.searchsorted([a, b, c], raw, side="right") == _tiers(y))))
                   for i, a in enumerate(edges) for j, b in enumerate(edges[i:]) for c in edges[i + j:])
        assert got == pytest.approx(best)


def test_tier_cuts_call_likely_deep_clients_deep_and_keep_scores_inside_their_tier():
    """Solid (60) and deep (80) clients overlap on the raw scale: the calibrated mean of a mix
    that is mostly deep stays under 75, the tier edge placed by tiers does not."""
    rng = np.random.default_rng(5)
    n = 200
    F = pd.DataFrame(rng.uniform(0, 1, size=(n, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES))
    deep = rng.uniform(0, 1, n) < 0.15 + 0.7 * F["client_start_share"].to_numpy()
    y = np.where(deep, 80.0, 60.0) + rng.normal(0, 2, n)
    plain = DepthModel(kind="ridge").fit(F, y)
    cut = DepthModel(kind="ridge", tier_cuts=True).fit(F, y)
    assert cut.tier_cuts_ is not None and plain.tier_cuts_ is None
    right = lambda m: float(np.mean(_tiers(m.predict(F)) == _tiers(y)))  # noqa: E731
    assert right(cut) > right(plain)
    raw, score = cut.raw_predict(F), cut.predict(F)
    assert (_tiers(np.round(score, 1)) == np.searchsorted(cut.tier_cuts_, raw, side="right")).all()
    assert (np.diff(score[np.argsort(raw)]) >= 0).all()  # still monotone in the raw prediction


def test_a_model_saved_before_tier_cuts_existed_still_scores(fitted, tmp_path):
    model, F, _ = fitted
    model = copy.deepcopy(model)
    del model.__dict__["tier_cuts"], model.__dict__["tier_cuts_"]  # as unpickled from an older file
    assert model.get_params()["tier_cuts"] is False
    assert np.isfinite(model.predict(F)).all()


def test_contributions_and_drivers_name_the_right_features(fitted):
    model, F, _ = fitted
    lo = F.loc[["c1"]].copy()
    lo["client_start_share"], lo["client_fee_pushback_count"] = 0.95, 0.0
    hi = lo.copy()
    hi["client_start_share"], hi["client_fee_pushback_count"] = 0.05, 5.0
    both = pd.concat([lo, hi]).set_axis(["warm", "cold"])
    c = model.contributions(both)
    assert c.loc["warm", "client_start_share"] > 10 and c.loc["cold", "client_fee_pushback_count"] < -10
    d = top_drivers(both, c)
    assert d["warm"].startswith("+ client starts 95% of threads")
    # the client's own signals lead, as a count with the evidence label they link to
    assert d["cold"].startswith("- pushed back on fees 5 times [fee_pushback]")
    assert "- client starts 5% of threads" in d["cold"]


def test_taxonomy_contributions_skip_only_features_the_model_never_reads(fitted):
    """Contributions are computed for the features the evidence transform reads; every other
    feature's is exactly 0, and the rest equal a baseline substitution done feature by feature."""
    _, F, y = fitted
    model = DepthModel(kind="taxonomy").fit(F, y)
    rows = F.iloc[:6]
    c = model.contributions(rows)
    base = model.pipeline_.predict(model._matrix(rows))
    for j, name in enumerate(FEATURE_NAMES):
        X = model._matrix(rows).copy()
        X[name] = model.baseline_[j]
        np.testing.assert_allclose(c[name].to_numpy(), base - model.pipeline_.predict(X), atol=1e-9, err_msg=name)
    unread = [n for n in FEATURE_NAMES if n not in model._read_features()]
    assert unread and (c[unread] == 0).all().all()
    assert (c.abs().sum() > 0).sum() >= 5  # the evidence it reads does move the score


@pytest.mark.parametrize("rows", [1, 7, 120 * 5])
def test_contributions_are_the_same_however_many_features_are_predicted_at_once(rows, monkeypatch):
    """The shipped model's contributions, predicted one feature at a time, a few, or all at once
    (``CONTRIBUTION_ROWS``, the memory bound), are bit for bit the same."""
    import analyzer.depth.model as model_mod

    rng = np.random.default_rng(11)
    model = load_depth_model(None)
    F = pd.DataFrame(rng.uniform(0, 1, size=(120, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES),
                     index=[f"c{i}" for i in range(120)])
    counts = [n for n in FEATURE_NAMES if n.endswith("_count")]
    F[counts] = rng.integers(0, 6, (120, len(counts))).astype(float)
    monkeypatch.setattr(model_mod, "CONTRIBUTION_ROWS", 10 ** 12)
    whole = model.contributions(F)
    monkeypatch.setattr(model_mod, "CONTRIBUTION_ROWS", rows)
    batched = model.contributions(F)
    assert (whole.abs().sum() > 0).sum() >= 10
    pd.testing.assert_frame_equal(batched, whole, check_exact=True)


def test_model_file_round_trip(fitted, tmp_path):
    model, F, _ = fitted
    path = save_depth_model(model, tmp_path / "m.skops", training={"n_clients": 120})
    loaded = load_depth_model(path)
    np.testing.assert_allclose(loaded.predict(F), model.predict(F))
    assert read_header(path)["training"] == {"n_clients": 120}
    assert loaded.training_summary_ == {"n_clients": 120}


def test_refuses_missing_file(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_depth_model(tmp_path / "nope.skops")


def test_refuses_joblib_and_pickle_files(fitted, tmp_path):
    model, _, _ = fitted
    joblib.dump(model, tmp_path / "model.joblib")
    with pytest.raises(ModelError, match="pickle/joblib"):
        load_depth_model(tmp_path / "model.joblib")
    (tmp_path / "model.pkl").write_bytes(pickle.dumps({"format": "analyzer-depth-model"}))
    with pytest.raises(ModelError, match="pickle/joblib"):
        load_depth_model(tmp_path / "model.pkl")


def test_refuses_random_bytes_and_foreign_zip(tmp_path):
    (tmp_path / "rand.skops").write_bytes(np.random.default_rng(0).bytes(2048))
    with pytest.raises(ModelError, match="not a depth model"):
        load_depth_model(tmp_path / "rand.skops")
    with zipfile.ZipFile(tmp_path / "other.skops", "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ModelError, match="not a depth model"):
        load_depth_model(tmp_path / "other.skops")


class Sneaky:  # a type no allow-list names
    def __init__(self):
        self.x = 1


def test_refuses_skops_file_with_untrusted_type(fitted, tmp_path):
    model, _, _ = fitted
    sio.dump({"format": "analyzer-depth-model", "version": 1, "feature_names": list(FEATURE_NAMES),
              "training": {}, "model": model, "extra": Sneaky()}, tmp_path / "sneaky.skops")
    with pytest.raises(ModelError, match="untrusted types.*Sneaky"):
        load_depth_model(tmp_path / "sneaky.skops")


def test_refuses_skops_file_of_another_kind(tmp_path):
    from sklearn.linear_model import LinearRegression

    sio.dump(LinearRegression().fit([[0], [1]], [0, 1]), tmp_path / "lr.skops")
    with pytest.raises(ModelError, match="not an analyzer-depth-model"):
        load_depth_model(tmp_path / "lr.skops")
    sio.dump({"format": "analyzer-depth-model", "version": 99}, tmp_path / "v99.skops")
    with pytest.raises(ModelError, match="version 99"):
        load_depth_model(tmp_path / "v99.skops")


def test_lag_correction_learns_how_far_scores_trail_the_trend():
    """Scores that trail moving clients by 1.5 quarters of their slope: fit_lag finds the lag, steady
    clients inside the dead band are not moved, and a model without a fit adds nothing."""
    rng = np.random.default_rng(3)
    n = 240
    slopes = np.where(rng.uniform(size=n) < 0.3, rng.choice([-7.0, 7.0], n), rng.normal(0, 0.8, n))
    y = rng.uniform(10, 90, n)
    moving = np.abs(slopes) > 3
    scores = y - 1.5 * slopes * moving + rng.normal(0, 2, n)
    m = DepthModel().fit_lag(scores, slopes, y, groups=np.arange(n) % 6)
    assert m.lag_band_ in (0.0, 1.0, 2.0)
    np.testing.assert_allclose(m.lag_adjustment([-7.0, 7.0]), [-10.5, 10.5], atol=1.0)  # 1.5 quarters x 7
    assert m.lag_cv_[str(m.lag_band_)] < m.lag_cv_["none"]
    np.testing.assert_allclose(m.lag_adjustment([0.0, np.nan]), 0.0)
    np.testing.assert_allclose(DepthModel().lag_adjustment([-7.0, 7.0]), 0.0)
    # lag correction on noise only: no lag learnt
    flat = DepthModel().fit_lag(y + rng.normal(0, 2, n), rng.normal(0, 3, n), y, groups=np.arange(n) % 6)
    assert flat.lag_quarters_ < 0.3


def test_drivers_name_the_trend_correction(fitted):
    model, F, _ = fitted
    rows = F.loc[["c1", "c2"]]
    lag = pd.Series({"c1": -9.0})
    d = top_drivers(rows, model.contributions(rows), lag=lag, slopes=pd.Series({"c1": -5.0, "c2": 0.1}))
    assert "- cooling trend (-5.0 points a quarter)" in d["c1"]
    assert "trend" not in d["c2"]


def test_taxonomy_model_is_monotone_in_every_stated_direction(fitted):
    """Non-negative weights on oriented evidence: a deeper sign can only raise the score, a
    shallower one only lower it, whatever the training data."""
    from analyzer.depth.evidence import LABEL_SIGNS

    _, F, y = fitted
    model = DepthModel(kind="taxonomy").fit(F, y)
    base = F.iloc[:20].copy()
    s0 = model.raw_predict(base)
    for label, sign in LABEL_SIGNS.items():
        more = base.copy()
        more[f"client_{label}_count"] += 3
        more[f"client_{label}_rate"] += 0.1
        diff = model.raw_predict(more) - s0
        assert (sign * diff >= -1e-9).all(), label
    assert (model.pipeline_.named_steps["regress"].coef_ >= 0).all()


def test_log_counts_put_a_client_with_no_signal_at_the_bottom_and_stay_monotone(fitted):
    """With ``log_counts`` the evidence gains the log counts of deeper and shallower signals: a client
    with none sits at the bottom of the first (the ratio alone puts it in the middle), and the model
    stays monotone in every stated direction, tier classifiers included; without it nothing changes."""
    from analyzer.depth.evidence import COUNT_NAMES, EVIDENCE_NAMES, LABEL_SIGNS, EvidenceFeatures

    _, F, y = fitted
    quiet = F.iloc[:1].copy()
    for label in LABEL_SIGNS:
        quiet[f"client_{label}_count"] = 0.0
    mixed = quiet.copy()
    mixed["client_referral_count"], mixed["client_complaint_count"] = 2.0, 2.0
    ev = EvidenceFeatures(log_counts=True).fit(F)
    both = pd.concat([ev.transform(quiet), ev.transform(mixed)])
    assert list(both.columns) == list(EVIDENCE_NAMES + COUNT_NAMES)
    assert both["ev_ratio"].tolist() == [0.0, 0.0]  # the ratio cannot tell them apart
    assert both["ev_positive_count"].tolist() == [0.0, pytest.approx(np.log(3))]
    assert list(EvidenceFeatures().fit(F).transform(quiet).columns) == list(EVIDENCE_NAMES)

    model = DepthModel(kind="taxonomy", log_counts=True, ordinal_tiers=True).fit(F, y)
    assert model.pipeline_.named_steps["regress"].coef_.shape == (len(EVIDENCE_NAMES) + len(COUNT_NAMES),)
    base = F.iloc[:20].copy()
    s0, t0 = model.raw_predict(base), model.tier_model_.edge_probabilities(base)
    for label, sign in LABEL_SIGNS.items():
        more = base.copy()
        more[f"client_{label}_count"] += 3
        assert (sign * (model.raw_predict(more) - s0) >= -1e-9).all(), label
        assert (sign * (model.tier_model_.edge_probabilities(more) - t0) >= -1e-9).all(), label


def test_people_evidence_adds_two_columns_and_stays_monotone_in_them(fitted):
    """With ``people`` the evidence reads how many of the client's people write (log) and how senior the
    most senior is, or either alone; both only raise the score and the tier edges' probabilities, and
    without them the evidence is as before (a model file saved before the parameter scores the same)."""
    from analyzer.depth.evidence import COUNT_NAMES, EVIDENCE_NAMES, PEOPLE_NAMES, EvidenceFeatures

    _, F, y = fitted
    ev = EvidenceFeatures(log_counts=True, people=("n_client_people", "max_seniority")).fit(F)
    out = ev.transform(F.iloc[:3])
    assert list(out.columns) == list(EVIDENCE_NAMES + COUNT_NAMES + PEOPLE_NAMES)
    assert out["ev_n_client_people"].tolist() == pytest.approx(np.log1p(F["n_client_people"].iloc[:3]).tolist())
    assert out["ev_max_seniority"].tolist() == pytest.approx(F["max_seniority"].iloc[:3].astype(float).tolist())
    plain = EvidenceFeatures(log_counts=True).fit(F).transform(F.iloc[:3])
    pd.testing.assert_frame_equal(plain, out[list(EVIDENCE_NAMES + COUNT_NAMES)])
    one = EvidenceFeatures(log_counts=True, people=("n_client_people",)).fit(F).transform(F.iloc[:3])
    assert list(one.columns) == list(EVIDENCE_NAMES + COUNT_NAMES) + ["ev_n_client_people"]
    with pytest.raises(ValueError, match="not n_senior_people"):
        EvidenceFeatures(people=("n_senior_people",)).fit(F).transform(F.iloc[:3])

    model = DepthModel(kind="taxonomy", log_counts=True, people=("n_client_people", "max_seniority"), ordinal_tiers=True,
                       regressor="gbm").fit(F, y)
    base = F.iloc[:20].copy()
    s0, t0 = model.raw_predict(base), model.tier_model_.edge_probabilities(base)
    for name, step in (("n_client_people", 2), ("max_seniority", 1)):
        more = base.copy()
        more[name] = more[name] + step
        assert (model.raw_predict(more) - s0 >= -1e-9).all(), name
        assert (model.tier_model_.edge_probabilities(more) - t0 >= -1e-9).all(), name
    plain_model = DepthModel(kind="taxonomy", log_counts=True, ordinal_tiers=True).fit(F, y)
    old = copy.deepcopy(plain_model)
    for obj in (old, old.pipeline_.named_steps["evidence"], old.tier_model_):
        del obj.__dict__["people"]  # as unpickled from a file written before the parameter existed
    assert list(old.pipeline_.named_steps["evidence"].get_feature_names_out()) == list(EVIDENCE_NAMES + COUNT_NAMES)
    np.testing.assert_array_equal(old.predict(F), plain_model.predict(F))


def test_people_drivers_name_the_people_and_their_seniority():
    from analyzer.depth.drivers import _behaviour_phrase

    assert _behaviour_phrase("n_client_people", 3.0, True) == "3 of the client's people write"
    assert _behaviour_phrase("n_client_people", 1.0, False) == "one of the client's people writes"
    assert _behaviour_phrase("max_seniority", 3.0, True) == "most senior client writer: a founder, owner, CEO or partner"


def test_a_model_saved_before_log_counts_existed_still_scores(fitted):
    _, F, y = fitted
    model = DepthModel(kind="taxonomy", ordinal_tiers=True).fit(F, y)
    before = model.predict(F)
    old = copy.deepcopy(model)
    for obj in (old, old.pipeline_.named_steps["evidence"], old.tier_model_):
        del obj.__dict__["log_counts"]  # as unpickled from an older file
    assert np.allclose(old.predict(F), before)


def test_thin_quarters_shrink_toward_the_client_level_and_the_series_centres_on_it():
    m = DepthModel(period_prior=10.0)
    idx = pd.MultiIndex.from_tuples([("a", "2026Q1"), ("a", "2026Q2"), ("a", "2026Q3"), ("b", "2026Q3")],
                                    names=["client", "period"])
    per = pd.DataFrame({"score": [40.0, 90.0, 60.0, 50.0], "n_messages": [30, 2, 30]  + [10]}, index=idx)
    overall = pd.Series({"a": 62.0, "b": 50.0})
    out = m.shrink_periods(per, overall)["score"]
    shrunk = np.array([(30 * 40 + 620) / 40, (2 * 90 + 620) / 12, (30 * 60 + 620) / 40])
    a = out.loc["a"].to_numpy()
    np.testing.assert_allclose(np.diff(a), np.diff(shrunk))  # the shape (and the trend) is the shrunk one
    assert abs(a[1] - a.mean()) < abs(90 - 40)  # the 2-message quarter no longer swings
    w = np.array([30 * 0.25, 2 * 0.5, 30 * 1.0])  # messages x half-life of a quarter from the last one
    assert np.average(a, weights=w) == pytest.approx(62.0)  # centred on the overall score
    assert out.loc[("b", "2026Q3")] == pytest.approx(50.0)


def test_quarters_pulled_toward_the_clients_line_keep_a_steady_climb_and_damp_a_thin_swing():
    """period_target="line": a client climbing 15 points a quarter keeps its slope however strong the
    pull (toward its level, the same pull flattens it); a thin quarter's swing is damped toward the line;
    a client with two quarters has no line and is pulled toward its level."""
    q = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    idx = pd.MultiIndex.from_tuples([("up", p) for p in q] + [("flat", p) for p in q] + [("two", "2025Q3"),
                                     ("two", "2025Q4")], names=["client", "period"])
    per = pd.DataFrame({"score": [20.0, 35.0, 50.0, 65.0, 60.0, 60.0, 95.0, 60.0, 30.0, 70.0],
                        "n_messages": [8, 8, 8, 8, 10, 10, 1, 10, 5, 5]}, index=idx)
    overall = pd.Series({"up": 60.0, "flat": 60.0, "two": 55.0})
    line = DepthModel(period_prior=32.0, period_target="line").shrink_periods(per, overall)
    level = DepthModel(period_prior=32.0).shrink_periods(per, overall)
    slopes_line, slopes_level = score_slopes(line), score_slopes(level)
    assert slopes_line["up"] == pytest.approx(15.0)
    assert slopes_level["up"] == pytest.approx(15.0 * 8 / 40)  # pulled toward 60, the climb flattens
    flat = line.loc["flat", "score"].to_numpy()
    assert flat[2] - flat[[0, 1, 3]].mean() < 0.2 * 35  # the 1-message quarter's swing is damped
    np.testing.assert_allclose(line.loc["two", "score"], level.loc["two", "score"])
    # the rows come back in the order given, whatever it is
    shuffled = per.iloc[[9, 3, 0, 6, 2, 8, 1, 5, 4, 7]]
    again = DepthModel(period_prior=32.0, period_target="line").shrink_periods(shuffled, overall)
    pd.testing.assert_series_equal(again["score"].sort_index(), line["score"].sort_index())


def test_over_a_long_history_the_line_follows_the_client_so_a_late_cooling_shows():
    """Ten quarters, steady at 80 for seven, then 60, 40, 25: pulled toward one line through all ten,
    the last six quarters would fall about 7 points a quarter (inside a 10-point band: "steady");
    pulled toward the line through those six (older quarters toward their local line) they fall
    as steeply as the raw scores do, and the steady years stay flat."""
    q = [f"{y}Q{k}" for y in (2024, 2025, 2026) for k in (1, 2, 3, 4)][:10]
    idx = pd.MultiIndex.from_tuples([("c", p) for p in q], names=["client", "period"])
    per = pd.DataFrame({"score": [80.0] * 7 + [60.0, 40.0, 25.0], "n_messages": [10] * 10}, index=idx)
    shrunk = DepthModel(period_prior=32.0, period_target="line").shrink_periods(per, pd.Series({"c": 40.0}))
    raw_slope = score_slopes(per)["c"]
    assert raw_slope < -10.0
    assert score_slopes(shrunk)["c"] == pytest.approx(raw_slope)
    s = shrunk["score"].to_numpy()
    assert np.ptp(s[:4]) < 1.0  # the steady years stay flat instead of sloping toward the fall


def test_a_client_without_any_deeper_sign_is_told_so():
    """A transactional client (no deeper sign in its mail) is scored down by that absence, and its
    drivers say so rather than leading with a behaviour that did not make the score."""
    from analyzer.depth.evidence import LABEL_SIGNS

    rng = np.random.default_rng(3)
    n = 150
    F = pd.DataFrame(rng.uniform(0, 1, size=(n, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES),
                     index=[f"c{i}" for i in range(n)])
    F["n_messages"], F["client_msg_share"] = rng.integers(8, 40, n).astype(float), 0.5
    positive = [lb for lb, sign in LABEL_SIGNS.items() if sign > 0]
    for lb in LABEL_SIGNS:
        F[f"client_{lb}_count"] = rng.poisson(1.5 if lb in positive else 0.5, n).astype(float)
        F[f"client_{lb}_rate"] = F[f"client_{lb}_count"] / (F["n_messages"] * 0.5)
    y = np.clip(15 + 6 * F[[f"client_{lb}_count" for lb in positive]].sum(axis=1) + rng.normal(0, 3, n), 0, 100)
    model = DepthModel(kind="taxonomy", log_counts=True).fit(F, y)
    quiet = F.loc[["c0", "c1"]].copy()
    for lb in positive:
        quiet[f"client_{lb}_count"] = quiet[f"client_{lb}_rate"] = 0.0
    quiet.loc["c0", "n_messages"] = 18.0
    for lb in set(LABEL_SIGNS) - set(positive):  # nor a shallower one: nothing but the absence to say
        quiet.loc["c0", [f"client_{lb}_count", f"client_{lb}_rate"]] = 0.0
    quiet.loc["c1", ["client_help_request_count", "client_help_request_rate"]] = 3.0, 0.2
    d = top_drivers(quiet, model.contributions(quiet), client_mails=pd.Series({"c0": 9, "c1": 9}))
    assert "- no sign of a deeper relationship in 9 client mails" in d["c0"]
    assert "no sign" not in top_drivers(quiet, model.contributions(quiet))["c0"]  # without the count: not said
    assert not d["c0"].startswith("+ ")  # no deeper signal is claimed
    assert "no sign of a deeper relationship" not in d["c1"]
    assert "+ asked for advice or help 3 times [help_request]" in d["c1"]


def _signal_clients(n: int = 300, seed: int = 11) -> tuple[pd.DataFrame, np.ndarray]:
    """Clients whose depth saturates in referrals and strategic involvement and falls with complaints."""
    from depth_frames import client_feature_frame

    rng = np.random.default_rng(seed)
    poisson = lambda r, k: r.poisson(1.5, k)  # noqa: E731
    F = client_feature_frame(rng, n, {lb: poisson for lb in ("referral", "strategic_involvement", "complaint",
                                                             "appreciation")}, (10, 60))
    deeper = F["client_referral_count"] + F["client_strategic_involvement_count"]
    y = np.clip(20 + 60 * (1 - np.exp(-deeper / 2)) - 6 * F["client_complaint_count"] + rng.normal(0, 4, n), 0, 100)
    return F, y.to_numpy()


@pytest.mark.parametrize("regressor", ["ridge", "gbm"])
def test_both_evidence_regressors_are_monotone_in_every_stated_direction(regressor):
    """Boosting on the oriented evidence is constrained like the ridge: a deeper sign never lowers the
    raw score, a shallower one never raises it, whatever the training data; the calibrated score and
    the tier follow."""
    from analyzer.depth.evidence import LABEL_SIGNS

    F, y = _signal_clients()
    model = DepthModel(kind="taxonomy", regressor=regressor, log_counts=True, ordinal_tiers=True).fit(F, y)
    base = F.iloc[:60].copy()
    s0, p0 = model.raw_predict(base), model.predict(base)
    for label, sign in LABEL_SIGNS.items():
        for step in (1, 3):
            more = base.copy()
            more[f"client_{label}_count"] += step
            more[f"client_{label}_rate"] += 0.05 * step
            assert (sign * (model.raw_predict(more) - s0) >= -1e-9).all(), (regressor, label, step)
            assert (sign * (model.predict(more) - p0) >= -1e-9).all(), (regressor, label, step)


def test_boosting_learns_what_the_ridge_cannot_and_round_trips(tmp_path):
    """On depth that saturates in the deeper signs, boosting fits better out of sample than the
    ridge; its file loads through the trusted-type check and scores the same."""
    from scipy.stats import spearmanr

    F, y = _signal_clients(600)
    train, test = F.index[:400], F.index[400:]
    rho = {}
    for regressor in ("ridge", "gbm"):
        m = DepthModel(kind="taxonomy", regressor=regressor, log_counts=True).fit(F.loc[train], y[:400])
        rho[regressor] = spearmanr(m.raw_predict(F.loc[test]), y[400:]).statistic
    assert rho["gbm"] > rho["ridge"]
    m = DepthModel(kind="taxonomy", regressor="gbm", log_counts=True).fit(F.loc[train], y[:400])
    again = load_depth_model(save_depth_model(m, tmp_path / "gbm.skops"))
    assert again.regressor == "gbm"
    np.testing.assert_allclose(again.predict(F.loc[test]), m.predict(F.loc[test]))


def test_unknown_evidence_regressor_is_refused():
    F, y = _signal_clients(40)
    with pytest.raises(ValueError, match="regressor"):
        DepthModel(kind="taxonomy", regressor="forest").fit(F, y)


def test_a_model_saved_before_the_regressor_choice_existed_still_scores(fitted):
    _, F, y = fitted
    model = DepthModel(kind="taxonomy").fit(F, y)
    old = copy.deepcopy(model)
    del old.__dict__["regressor"]  # as unpickled from an older file
    assert old.regressor == "ridge"
    assert np.allclose(old.predict(F), model.predict(F))


def test_quarters_from_a_second_model_are_centred_on_the_client_score_and_keep_its_trend():
    """``period_regressor``: the quarterly course of the second model, shifted per client onto the
    first model's client score; the slope rule then reads the same trend as the second model's own."""
    F, y = _signal_clients(300)
    model = DepthModel(kind="taxonomy", regressor="gbm", period_regressor="ridge", log_counts=True).fit(F, y)
    ridge = model.period_model_
    assert ridge is not None and ridge.regressor == "ridge" and ridge.period_model_ is None
    clients = F.index[:40]
    rng = np.random.default_rng(5)
    rows, keys = [], []
    for c in clients:
        for q, period in enumerate(("2026Q1", "2026Q2", "2026Q3")):
            r = F.loc[c].copy()
            r["client_referral_count"] = max(0.0, r["client_referral_count"] + q - 1 + rng.integers(0, 2))
            rows.append(r)
            keys.append((c, period))
    P = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(keys, names=["client", "period"]))
    overall = pd.Series(model.predict(F.loc[clients]), index=clients)
    got = model.predict_periods(P, F.loc[clients], overall)
    own = ridge.predict(P)
    shift = (overall - pd.Series(ridge.predict(F.loc[clients]), index=clients)).reindex(P.index.get_level_values(0))
    inside = (got > 0) & (got < 100)
    np.testing.assert_allclose(got[inside], (own + shift.to_numpy())[inside])
    # the trend read from the shifted quarters is the second model's own trend
    per = pd.DataFrame({"score": got, "n_messages": 12}, index=P.index)
    per_own = pd.DataFrame({"score": own, "n_messages": 12}, index=P.index)
    ridge_overall = pd.Series(ridge.predict(F.loc[clients]), index=clients)
    fully = [c for i, c in enumerate(clients) if inside[i * 3:(i + 1) * 3].all()]
    a = model.trend_table(model.shrink_periods(per, overall)).loc[fully, "trend"]
    b = ridge.trend_table(ridge.shrink_periods(per_own, ridge_overall)).loc[fully, "trend"]
    assert len(fully) > 20 and (a == b).all()
    # without a second model the quarters are the model's own predictions
    plain = DepthModel(kind="taxonomy", regressor="gbm", log_counts=True).fit(F, y)
    np.testing.assert_allclose(plain.predict_periods(P, F.loc[clients], overall), plain.predict(P))


def test_a_model_file_built_before_a_feature_was_added_still_loads_and_scores_alike(fitted, tmp_path):
    """A model reads the features it was fitted on: a file whose feature list lacks a feature this
    analyzer has since added (``english_share``) loads and scores as it did; a file naming a feature
    the analyzer does not compute is refused."""
    model, F, _ = fitted
    older = [c for c in FEATURE_NAMES if c != "english_share"]
    old = clone(model).fit(F, np.clip(F["client_start_share"] * 100, 0, 100))
    old.feature_names_in_ = np.array(older, dtype=object)  # as a file written before the feature existed
    old.pipeline_ = make_pipeline("ridge", 0, columns=older).fit(F[older], np.clip(F["client_start_share"] * 100, 0, 100))
    old.baseline_ = F[older].median().to_numpy()
    sio.dump({"format": "analyzer-depth-model", "version": 1, "feature_names": older, "training": {},
              "model": old}, tmp_path / "older.skops")
    loaded = load_depth_model(tmp_path / "older.skops")
    np.testing.assert_allclose(loaded.raw_predict(F), old.pipeline_.predict(F[older]))
    contrib = loaded.contributions(F.iloc[:5])
    assert list(contrib.columns) == list(FEATURE_NAMES) and (contrib["english_share"] == 0).all()
    sio.dump({"format": "analyzer-depth-model", "version": 1, "feature_names": [*older, "moon_phase"],
              "training": {}, "model": old}, tmp_path / "alien.skops")
    with pytest.raises(ModelError, match="other features"):
        load_depth_model(tmp_path / "alien.skops")


def test_partly_unread_clients_have_their_shares_taken_over_what_was_read(fitted, tmp_path):
    """With ``unread_share`` a client writing a quarter of its words in English has its label shares
    and net rate taken over half its mail (0.25 / 0.5), with the shrinkage of that many mails; one
    writing half or more in English, or whose language could not be judged, is read as without the
    setting; counts, ratio and behaviour are untouched. The model stays monotone in every stated
    direction and goes into a model file."""
    from analyzer.depth.evidence import BEHAVIOUR_SIGNS, LABEL_SIGNS, EvidenceFeatures

    _, F, y = fitted
    F = F.assign(english_share=1.0)
    plain = EvidenceFeatures(log_counts=True).fit(F)
    ev = EvidenceFeatures(log_counts=True, unread_share=0.5).fit(F)
    rows = F.iloc[:4].copy()
    rows["english_share"] = [0.0, 0.25, 0.5, np.nan]
    rows["n_messages"], rows["client_msg_share"], rows["client_referral_rate"] = 20.0, 0.5, 0.2
    for label in LABEL_SIGNS:
        rows[f"client_{label}_count"] = 2.0 if label == "referral" else 0.0
    got, found = ev.transform(rows), plain.transform(rows)
    n, prior = 10.0, 8.0  # client mails, shrinkage
    assert got["ev_referral"].iloc[1] == pytest.approx(0.2 * n / (n * 0.5 + prior))  # 0.2 x 10 / 5 read, shrunk
    assert found["ev_referral"].iloc[1] == pytest.approx(0.2 * n / (n + prior))
    # nothing judged English, yet two signs found (in lines too short to judge): at least two mails were read
    assert got["ev_referral"].iloc[0] == pytest.approx(0.2 * n / (2 + prior))
    pd.testing.assert_frame_equal(got.iloc[2:], found.iloc[2:])
    same = ["ev_tally", "ev_ratio", "ev_positive_count", "ev_negative_count"] + [f"ev_{b}" for b in BEHAVIOUR_SIGNS]
    pd.testing.assert_frame_equal(got[same], found[same])
    pd.testing.assert_frame_equal(EvidenceFeatures(log_counts=True).fit(F).transform(rows), found)  # off: as found

    model = DepthModel(kind="taxonomy", log_counts=True, ordinal_tiers=True, unread_share=0.5).fit(F, y)
    unread = F.iloc[:20].assign(english_share=0.2)
    assert_monotone_in_every_sign(model, unread)
    save_depth_model(model, tmp_path / "unread.skops")
    np.testing.assert_allclose(load_depth_model(tmp_path / "unread.skops").raw_predict(unread),
                               model.raw_predict(unread))


def test_praise_counts_only_as_far_as_substance_backs_it(fitted):
    """With ``backed_praise=1`` a client's praise counts up to its other deeper signs plus one, in its
    share and in every count the evidence reads; praise that comes with substance is read as before;
    the score never falls when praise or substance rises."""
    from analyzer.depth.evidence import LABEL_SIGNS, EvidenceFeatures

    _, F, y = fitted
    rows = F.iloc[:3].copy()
    for label in LABEL_SIGNS:
        rows[f"client_{label}_count"], rows[f"client_{label}_rate"] = 0.0, 0.0
    rows["client_appreciation_count"], rows["client_appreciation_rate"] = 8.0, 0.4
    rows.loc[rows.index[1], ["client_referral_count", "client_help_request_count"]] = 4.0, 4.0
    rows.loc[rows.index[2], "client_complaint_count"] = 3.0
    plain = EvidenceFeatures(log_counts=True).fit(F).transform(rows)
    backed = EvidenceFeatures(log_counts=True, backed_praise=1).fit(F).transform(rows)
    # warm words alone: one praise of eight counts
    assert backed["ev_appreciation"].iloc[0] == pytest.approx(plain["ev_appreciation"].iloc[0] / 8)
    assert backed["ev_positive_count"].iloc[0] == pytest.approx(np.log1p(1.0))
    assert backed["ev_ratio"].iloc[2] == pytest.approx(np.log(2.0 / 4.0))  # 1 praise against 3 complaints
    # praise backed by eight other deeper signs: as before
    pd.testing.assert_series_equal(backed.iloc[1], plain.iloc[1])

    model = DepthModel(kind="taxonomy", log_counts=True, ordinal_tiers=True, backed_praise=1).fit(F, y)
    assert_monotone_in_every_sign(model, F.iloc[:20].copy())


def test_drivers_say_how_much_praise_counted_when_substance_does_not_back_it():
    """With the model's praise cap, ten praises and no other deeper sign are named with "counted once";
    praise backed by substance, or a model without the cap, is named as before."""
    from analyzer.depth.evidence import LABEL_SIGNS

    F = pd.DataFrame(0.0, index=["warm", "backed", "partly"], columns=list(FEATURE_NAMES))
    F["client_appreciation_count"] = [10.0, 3.0, 6.0]
    F.loc["backed", ["client_referral_count", "client_help_request_count"]] = 2.0, 2.0
    F.loc["partly", "client_early_warning_count"] = 2.0
    contrib = pd.DataFrame(0.0, index=F.index, columns=list(FEATURE_NAMES))
    for label in LABEL_SIGNS:
        contrib[f"client_{label}_count"] = 1.0
    d = top_drivers(F, contrib, backed_praise=1)
    assert d["warm"].startswith("+ praised the work 10 times [appreciation], counted once: no other deeper sign backs the rest")
    assert "+ praised the work 3 times [appreciation]" in d["backed"] and "counted" not in d["backed"]
    assert "praised the work 6 times [appreciation], counted 3 times: as far as the client's other deeper signs back it" in d["partly"]
    assert "counted" not in "".join(top_drivers(F, contrib))  # a model without the cap: as before
    assert ", not counted: no other deeper sign backs it" in top_drivers(F, contrib, backed_praise=0)["warm"]


def test_loading_skips_skops_census_of_every_estimator(tmp_path):
    """In a fresh process (as a run loads the model) skops is imported without listing every
    scikit-learn estimator: the shipped model loads, the census function is put back, and a file of
    an estimator the depth model is not made of is refused as untrusted."""
    import subprocess
    import sys

    code = f"""
import sklearn.utils
census = sklearn.utils.all_estimators
from analyzer.depth.modelfile import load_depth_model, skops_io
from analyzer.errors import ModelError
model = load_depth_model(None)
assert sklearn.utils.all_estimators is census
from sklearn.linear_model import LinearRegression
skops_io().dump(LinearRegression().fit([[0], [1]], [0, 1]), {str(tmp_path / "lr.skops")!r})
try:
    load_depth_model({str(tmp_path / "lr.skops")!r})
except ModelError as exc:
    assert "untrusted types" in str(exc) and "LinearRegression" in str(exc), exc
else:
    raise AssertionError("loaded a LinearRegression file")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_set_praise_cap_rescores_unbacked_praise_in_every_transform(fitted, tmp_path):
    """``training.depth.build.set_praise_cap`` (candidate O0w) moves the cap of a fitted model in every
    transform that reads it (the model, its evidence step, its tier classifiers), keeps the weights:
    praise backed by substance scores as before, unbacked praise no higher; and the cap survives
    saving and loading."""
    from analyzer.depth.evidence import LABEL_SIGNS
    from analyzer.depth.modelfile import load_depth_model, save_depth_model
    from training.depth.build import praise_cap_holders, set_praise_cap

    _, F, y = fitted
    F = F.copy()
    F["client_appreciation_count"] = np.round(F["client_appreciation_rate"] * 10)  # praise that varies
    model = DepthModel(kind="taxonomy", log_counts=True, ordinal_tiers=True, backed_praise=1).fit(F, y)
    rows = F.iloc[:2].copy()
    for label in LABEL_SIGNS:
        rows[f"client_{label}_count"], rows[f"client_{label}_rate"] = 0.0, 0.0
    rows["client_appreciation_count"], rows["client_appreciation_rate"] = 8.0, 0.4
    rows.loc[rows.index[1], ["client_referral_count", "client_help_request_count"]] = 4.0, 4.0
    before, tiers_before = model.raw_predict(rows), model.tier_model_.edge_probabilities(rows)
    assert set_praise_cap(model, 0) is model
    holders = list(praise_cap_holders(model))
    assert len(holders) >= 4 and all(h.backed_praise == 0 for h in holders)
    after = model.raw_predict(rows)
    assert after[1] == pytest.approx(before[1])  # eight other deeper signs back all eight praises
    assert after[0] <= before[0] + 1e-9
    np.testing.assert_allclose(model.tier_model_.edge_probabilities(rows)[1], tiers_before[1])
    path = save_depth_model(model, tmp_path / "capped.skops")
    loaded = load_depth_model(path)
    assert all(h.backed_praise == 0 for h in praise_cap_holders(loaded))
    np.testing.assert_allclose(loaded.raw_predict(rows), after)


def test_the_build_takes_its_trend_grid_from_the_command_line(capsys):
    """``--period-priors`` and ``--bands`` restrict the trend grid (one value each fixes the setting,
    candidate T5b); a value that is not a list of non-negative numbers is a usage error, before any
    mailbox is read."""
    import argparse

    from training.depth.build import BANDS, PERIOD_PRIORS, _settings, main

    assert _settings("16") == (16.0,) and _settings("2, 5") == (2.0, 5.0)
    assert 16.0 in PERIOD_PRIORS and 2.0 in BANDS
    for bad in ("", "two", "-1", "2,,x"):
        with pytest.raises(argparse.ArgumentTypeError):
            _settings(bad)
    with pytest.raises(SystemExit) as exc:
        main(["--out", "unused", "--bands", "wide"])
    assert exc.value.code == 2 and "--bands" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # the generated mailboxes' weights are parsed the same way
        main(["--out", "unused", "--generated-weights", "0.3,heavy"])
    assert exc.value.code == 2 and "--generated-weights" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # and the label-share shrinkages (candidate PT)
        main(["--out", "unused", "--priors", "eight"])
    assert exc.value.code == 2 and "--priors" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # the people evidence names only what it can read
        main(["--out", "unused", "--people", "n_client_people,shoe_size"])
    assert exc.value.code == 2 and "shoe_size" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["--out", "unused", "--people-scope", "tiers"])
    assert exc.value.code == 2 and "--people-scope" in capsys.readouterr().err


def test_people_read_by_the_score_alone_leave_tiers_and_quarters_as_without(fitted):
    """``people_scope="score"``: the client score's regressor reads the people columns; the tier
    classifiers and the quarterly regressor are fitted exactly as without them (candidate PT)."""
    _, F, y = fitted
    kw = dict(kind="taxonomy", log_counts=True, ordinal_tiers=True, regressor="gbm", period_regressor="ridge")
    plain = DepthModel(**kw).fit(F, y)
    scoped = DepthModel(**kw, people=("n_client_people", "max_seniority"), people_scope="score").fit(F, y)
    everywhere = DepthModel(**kw, people=("n_client_people", "max_seniority")).fit(F, y)
    np.testing.assert_array_equal(scoped.tier_model_.predict(F), plain.tier_model_.predict(F))
    np.testing.assert_allclose(scoped.period_model_.raw_predict(F), plain.period_model_.raw_predict(F))
    assert list(scoped.pipeline_.named_steps["evidence"].get_feature_names_out())[-2:] == [
        "ev_n_client_people", "ev_max_seniority"]
    assert list(everywhere.tier_model_.prepare_.named_steps["evidence"].get_feature_names_out())[-2:] == [
        "ev_n_client_people", "ev_max_seniority"]
    with pytest.raises(ValueError, match="people_scope"):
        DepthModel(**kw, people=("n_client_people",), people_scope="tiers").fit(F, y)
