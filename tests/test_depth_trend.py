"""Trend model: trajectory features on hand-built frames, fit/predict, the model file round trip,
and the slope-rule fallback of models without a trend model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from analyzer.depth.features import FEATURE_NAMES, MailFrames
from analyzer.depth.model import DepthModel
from analyzer.depth.modelfile import load_depth_model, save_depth_model
from analyzer.depth.trend import (
    EVENT_FEATURES, TRAJECTORY_FEATURES, TRENDS, TrendModel, event_trajectories, score_trajectory,
    trajectory_features, weighted_slope,
)
from depth_frames import frame, msg, signals

DAY = 24.0


def _periods(client_scores: dict[str, list[float]], n: int = 10) -> pd.DataFrame:
    rows = {(c, f"2025Q{i + 1}" if i < 4 else f"2026Q{i - 3}"): (s, n)
            for c, scores in client_scores.items() for i, s in enumerate(scores)}
    idx = pd.MultiIndex.from_tuples(list(rows), names=["client", "period"])
    return pd.DataFrame(list(rows.values()), index=idx, columns=["score", "n_messages"])


def test_score_trajectory_slope_and_change():
    up = score_trajectory(pd.DataFrame({"score": [30, 40, 50, 60], "n_messages": [10] * 4}))
    assert up["score_slope"] == pytest.approx(10.0)
    assert up["score_change"] == pytest.approx(20.0)  # mean(50, 60) - mean(30, 40)
    flat = score_trajectory(pd.DataFrame({"score": [50], "n_messages": [10]}))
    assert flat == {"score_slope": 0.0, "score_change": 0.0}
    # an empty last quarter weighs 0.2: its dip pulls the line far less than a full quarter's
    full = score_trajectory(pd.DataFrame({"score": [60, 61, 62, 30], "n_messages": [12] * 4}))["score_slope"]
    thin = score_trajectory(pd.DataFrame({"score": [60, 61, 62, 30], "n_messages": [12, 12, 12, 0]}))["score_slope"]
    assert full < thin < 0
    # shrinkage: a two-point line moves more than a five-point one at the same prior
    assert abs(weighted_slope([0, 10], prior=2.0)) < abs(weighted_slope([0, 5, 10, 15, 20], prior=2.0)) * 0.5


def _client_history(client: str, quarters: int, late_start: bool, slow_then_fast: bool, base: int) -> list:
    """One thread every ~2 weeks over ``quarters`` quarters; who starts it and how fast the client
    answers change halfway when asked to."""
    out = []
    half = quarters * 91 * DAY / 2
    for k in range(quarters * 6):
        t = k * 15 * DAY
        late = t >= half
        client_starts = (k % 3 == 0) if not (late_start and late) else (k % 3 != 0)
        root, reply = f"<{client}-{k}-a@x>", f"<{client}-{k}-b@x>"
        hours = (80.0 if not late else 4.0) if slow_then_fast else 20.0
        c_addr, a_addr = f"boss@{client.lower()}.com", "pm@agency.com"
        if client_starts:
            out.append(msg(root, base + t, c_addr, "from_client", client=client, subject=f"topic {k}"))
            out.append(msg(reply, base + t + 6, a_addr, "from_agency", client=client, subject=f"Re: topic {k}",
                           reply_to=root))
        else:
            out.append(msg(root, base + t, a_addr, "from_agency", client=client, subject=f"topic {k}"))
            out.append(msg(reply, base + t + hours, c_addr, "from_client", client=client, subject=f"Re: topic {k}",
                           reply_to=root))
    return out


@pytest.fixture(scope="module")
def mail():
    rows = (_client_history("Grower", 6, late_start=True, slow_then_fast=True, base=0)
            + _client_history("Flat", 6, late_start=False, slow_then_fast=False, base=1)
            + [msg("<new-1@x>", 540 * DAY, "a@new.com", "from_client", client="Newco"),
               msg("<new-2@x>", 541 * DAY, "pm@agency.com", "from_agency", client="Newco", reply_to="<new-1@x>")])
    messages = frame(rows)
    sig = signals([(f"<Grower-{k}-{'a' if k % 3 != 0 else 'b'}@x>", "appreciation", "Thanks, great work.")
                   for k in range(20, 36) if k % 3 != 0], messages)
    return MailFrames(messages, sig)


def test_event_trajectories_on_hand_built_threads(mail):
    E = event_trajectories(mail, prior=0.0)
    assert list(E.columns) == list(EVENT_FEATURES)
    assert set(E.index) == {"Grower", "Flat", "Newco"}
    g, f = E.loc["Grower"], E.loc["Flat"]
    # a step from 1/3 to 2/3 of threads halfway through six quarters: least-squares slope 1/3 * 3 / (2 * 6)
    assert g["client_start_slope"] == pytest.approx(1 / 12, abs=0.02)
    assert g["client_reply_log_hours_slope"] < -0.5  # 80 h early, 4 h late
    assert g["positive_signal_slope"] > 0  # appreciation only in the later half
    assert abs(f["client_start_slope"]) < 0.05 and abs(f["client_reply_log_hours_slope"]) < 1e-9
    assert (E.loc["Newco"] == 0).all()  # two messages: too few events for any slope
    # the prior shrinks the slopes towards 0 without changing their sign
    shrunk = event_trajectories(mail, prior=200.0).loc["Grower"]
    assert 0 < shrunk["client_start_slope"] < g["client_start_slope"]


def test_trajectory_features_join_and_fill(mail):
    P = _periods({"Grower": [30, 40, 50, 60, 70, 80], "Flat": [50] * 6, "Other": [40, 45]})
    T = trajectory_features(P, event_trajectories(mail))
    assert list(T.columns) == list(TRAJECTORY_FEATURES)
    assert set(T.index) == {"Grower", "Flat", "Other", "Newco"}
    assert T.loc["Grower", "score_slope"] == pytest.approx(10.0)
    assert (T.loc["Other", list(EVENT_FEATURES)] == 0).all()  # no mail given for it: no measured change
    assert T.notna().all().all()


def _synthetic_trajectories(n_groups=8, per_group=30, seed=3):
    """Rows whose designed slope (0 or +-6) shows, with noise, in every trajectory feature."""
    rng = np.random.default_rng(seed)
    rows, y, groups = [], [], []
    for g in range(n_groups):
        for i in range(per_group):
            slope = [6.0, -6.0, 0.0, 0.0, 0.0][i % 5]
            rows.append({f: slope * 0.1 + rng.normal(0, 0.3) for f in TRAJECTORY_FEATURES})
            rows[-1]["score_slope"] = slope + rng.normal(0, 2.0)
            rows[-1]["client_reply_log_hours_slope"] = -slope * 0.03 + rng.normal(0, 0.1)
            y.append(slope)
            groups.append(g)
    return pd.DataFrame(rows), np.array(y), np.array(groups)


def test_trend_model_fit_predict():
    T, y, groups = _synthetic_trajectories()
    tm = TrendModel(n_splits=4)
    params = tm.get_params()
    assert tm.fit(T, y, groups=groups) is tm
    assert tm.get_params() == params  # fit stores nothing in the parameters
    assert tm.band_ in tm.bands and len(tm.cv_predictions_) == len(y)
    assert set(tm.cv_recall_) == set(TRENDS) and min(tm.cv_recall_.values()) > 0.8
    pred = tm.predict(T)
    assert set(pred) <= set(TRENDS)
    truth = np.where(y > 0, "deepening", np.where(y < 0, "cooling", "steady"))
    assert np.mean(pred == truth) > 0.85
    slope = tm.predict_slope(T)
    assert np.corrcoef(slope, y)[0, 1] > 0.8
    # contributions add up to the prediction (minus the intercept); reasons carry the slope figures
    contrib = tm.contributions(T)
    intercept = tm.pipeline_.named_steps["ridge"].intercept_
    assert np.allclose(contrib.sum(axis=1) + intercept, slope)
    reasons = tm.reasons(T.iloc[:3])
    assert reasons.str.contains("pts/quarter").all() and reasons.str.contains("quarterly scores").all()
    # a client whose replies got much faster, nothing else changing: that is the reason given
    faster = pd.DataFrame([{f: 0.0 for f in TRAJECTORY_FEATURES}])
    faster.loc[0, "client_reply_log_hours_slope"] = -0.8
    assert tm.predict_slope(faster)[0] > tm.predict_slope(faster.assign(client_reply_log_hours_slope=0.0))[0]
    assert tm.reasons(faster).iloc[0].endswith("faster client replies")
    # fixed band, and a clone is unfitted
    assert TrendModel(band=2.0, n_splits=4).fit(T, y, groups=groups).band_ == 2.0
    assert not hasattr(clone(tm), "pipeline_")
    with pytest.raises(ValueError, match="lacks columns"):
        tm.predict(T.drop(columns=["score_slope"]))


def _depth_model():
    rng = np.random.default_rng(7)
    n = 60
    F = pd.DataFrame(rng.uniform(0, 1, size=(n, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES),
                     index=[f"c{i}" for i in range(n)])
    y = np.clip(100 * F["client_start_share"] + rng.normal(0, 3, n), 0, 100)
    return DepthModel(kind="ridge").fit(F, y)


def test_trend_model_round_trips_through_the_model_file(tmp_path, mail):
    model = _depth_model()
    T, y, groups = _synthetic_trajectories()
    model.fit_trend(T, y, groups=groups)
    path = save_depth_model(model, tmp_path / "m.skops")
    back = load_depth_model(path)
    assert isinstance(back.trend_model_, TrendModel) and back.trend_model_.band_ == model.trend_model_.band_
    np.testing.assert_allclose(back.trend_model_.predict_slope(T), model.trend_model_.predict_slope(T))
    P = _periods({"Grower": [30, 40, 50, 60, 70, 80], "Flat": [50] * 6})
    table = back.trend_table(P, mail)
    assert list(table.columns) == ["trend", "trend_slope", "trend_reason"]
    assert set(table.index) == {"Grower", "Flat"}
    assert table.loc["Grower", "trend"] == "deepening" and table.loc["Flat", "trend"] == "steady"
    assert "pts/quarter" in table.loc["Grower", "trend_reason"]


def test_models_without_a_trend_model_use_the_slope_rule(mail):
    model = _depth_model()  # as `analyzer train` makes it: user labels carry no trend
    assert getattr(model, "trend_model_", None) is None
    P = _periods({"Grower": [30, 40, 50, 60, 70, 80], "Down": [80, 70, 60, 50], "Flat": [50, 52, 49, 51]})
    table = model.trend_table(P, mail)
    assert table["trend"].to_dict() == {"Down": "cooling", "Flat": "steady", "Grower": "deepening"}
    assert table.loc["Grower", "trend_reason"].startswith("Quarterly scores rose 10.0 points a quarter over 6 quarters")
    assert table.loc["Down", "trend_reason"].startswith("Quarterly scores fell 10.0 points a quarter")
    assert "steady" in table.loc["Flat", "trend_reason"]
    assert table.loc["Grower", "trend_slope"] == pytest.approx(10.0)
    assert model.trend_table(P.iloc[:0], mail).empty
