"""Tiers decided by one monotone classifier per tier edge (analyzer/depth/tiers.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.depth.model import DepthModel
from analyzer.depth.modelfile import load_depth_model, save_depth_model
from analyzer.depth.schema import TIER_BOUNDS, tier_of
from analyzer.depth.tiers import OrdinalTiers, PositiveLogistic

TIERS = ("shallow", "developing", "solid", "deep")


def test_positive_logistic_keeps_every_weight_non_negative():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (1.5 * X[:, 0] - 2.0 * X[:, 1] + rng.normal(0, 0.3, 400) > 0).astype(int)  # feature 1 argues against
    m = PositiveLogistic(C=10.0).fit(X, y)
    assert m.coef_[0] > 0.5  # the feature that raises the odds keeps its weight
    assert m.coef_[1] == 0.0 and m.coef_[2] >= 0.0  # the one that lowers them cannot get a negative weight
    p = m.predict_proba(X)[:, 1]
    assert p.shape == (400,) and ((p >= 0) & (p <= 1)).all()
    assert (m.predict(X) == (p >= 0.5)).all()


@pytest.mark.parametrize("label", [0, 1])
def test_positive_logistic_with_one_class_predicts_it(label):
    X = np.random.default_rng(1).normal(size=(20, 2))
    m = PositiveLogistic().fit(X, np.full(20, label))
    assert (m.predict(X) == label).all()


def _clients(n: int = 240, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Clients whose depth rises with strategic involvement and referrals and falls with fee pushback."""
    from depth_frames import client_feature_frame

    rng = np.random.default_rng(seed)
    uniform = lambda r, k: r.integers(0, 6, k)  # noqa: E731
    F = client_feature_frame(rng, n, {lb: uniform for lb in ("strategic_involvement", "referral", "fee_pushback")},
                             (15, 40))
    y = np.clip(40 + 9 * F["client_strategic_involvement_count"] + 5 * F["client_referral_count"]
                - 9 * F["client_fee_pushback_count"] + rng.normal(0, 4, n), 0, 100).to_numpy()
    return F, y


def test_ordinal_tiers_learn_the_edges_and_are_monotone():
    F, y = _clients()
    tiers = OrdinalTiers(C=1.0, prior_messages=8.0).fit(F, y)
    got = tiers.predict(F)
    assert set(got) <= {0, 1, 2, 3}
    truth = np.searchsorted(TIER_BOUNDS, y, side="right")
    assert (got == truth).mean() >= 0.75
    assert np.abs(got - truth).max() <= 1
    # more strategic involvement never lowers a tier; more fee pushback never raises one
    up, down = F.copy(), F.copy()
    up["client_strategic_involvement_count"] += 3
    up["client_strategic_involvement_rate"] = up["client_strategic_involvement_count"] / (up["n_messages"] * 0.5)
    down["client_fee_pushback_count"] += 3
    down["client_fee_pushback_rate"] = down["client_fee_pushback_count"] / (down["n_messages"] * 0.5)
    assert (tiers.predict(up) >= got).all() and (tiers.predict(down) <= got).all()
    for edge in tiers.edges_:
        assert (edge.coef_ >= 0).all()


def test_depth_model_keeps_each_score_inside_its_ordinal_tier_and_saves(tmp_path):
    F, y = _clients()
    model = DepthModel(kind="taxonomy", ordinal_tiers=True, tier_cuts=True).fit(F, y)
    assert model.tier_model_ is not None
    scores = model.predict(F)
    decided = model.tier_model_.predict(model._matrix(F))
    assert [tier_of(s) for s in scores] == [TIERS[t] for t in decided]  # the classifier's tier wins
    path = save_depth_model(model, tmp_path / "m.skops")
    again = load_depth_model(path)
    np.testing.assert_array_equal(again.predict(F), scores)


def test_a_model_without_ordinal_tiers_is_unchanged():
    F, y = _clients()
    plain = DepthModel(kind="taxonomy", tier_cuts=True).fit(F, y)
    assert plain.tier_model_ is None
    cuts = plain.tier_cuts_
    raw = plain.raw_predict(F)
    assert [tier_of(s) for s in plain.predict(F)] == [TIERS[t] for t in np.searchsorted(cuts, raw, side="right")]
