"""The order-keeping calibration of the depth score (analyzer/depth/calibration.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.isotonic import IsotonicRegression

from analyzer.depth.calibration import CentredIsotonic, saturate, squeeze
from analyzer.depth.features import FEATURE_NAMES
from analyzer.depth.model import DepthModel
from analyzer.depth.modelfile import load_depth_model, save_depth_model
from analyzer.depth.schema import TIER_BOUNDS, tier_of


def _noisy(n: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-10, 110, n)
    y = np.clip(x + rng.normal(0, 15, n), 0, 100)
    return x, y


def test_saturate_has_slope_one_at_zero_and_never_reaches_its_span():
    e = np.array([0.0, 1e-6, 1.0, 5.0, 50.0, 1e6])
    s = saturate(e, 5.0)
    assert s[0] == 0.0 and abs(s[1] - 1e-6) < 1e-9
    assert (np.diff(s) >= 0).all() and (s[:-1] < 5.0).all() and 4.99 < s[-1] <= 5.0
    assert (saturate(np.array([-3.0]), 5.0) == 0.0).all()  # no negative excess
    assert (saturate(e, 0.0) == 0.0).all()


def test_centred_isotonic_passes_through_the_block_centres_and_is_strictly_increasing_between_them():
    x, y = _noisy()
    iso = IsotonicRegression(y_min=0, y_max=100, out_of_bounds="clip").fit(x, y)
    cal = CentredIsotonic(tail=5.0).fit(x, y)
    fitted = iso.predict(x)
    # one knot per isotonic block, at the block's mean score, with the block's value
    assert len(cal.knots_y_) == len(np.unique(fitted))
    for value, cx in zip(cal.knots_y_, cal.knots_x_):
        assert cx == pytest.approx(x[fitted == value].mean())
    assert (np.diff(cal.knots_x_) > 0).all() and (np.diff(cal.knots_y_) > 0).all()
    grid = np.linspace(cal.knots_x_[0], cal.knots_x_[-1], 2000)
    assert (np.diff(cal.predict(grid)) > 0).all()
    # the isotonic fit is a step function: many clients share a score; the centred one separates them
    assert len(np.unique(np.round(iso.predict(x), 6))) < 0.5 * len(x)
    got = cal.predict(x)
    inside = (got > 0) & (got < 100)  # only the bounds 0 and 100 can be shared
    assert inside.sum() > 0.8 * len(x)
    assert len(np.unique(np.round(got[inside], 9))) == len(np.unique(x[inside]))


def test_centred_isotonic_saturates_past_its_end_points_and_stays_in_bounds():
    x, y = _noisy(seed=1)
    cal = CentredIsotonic(tail=5.0).fit(x, y)
    below = cal.predict(np.array([cal.knots_x_[0] - 1, cal.knots_x_[0] - 10, cal.knots_x_[0] - 1000]))
    assert (np.diff(below) < 0).all() or below[-1] == 0.0  # further below scores lower (until the bound)
    assert below.min() >= max(0.0, cal.knots_y_[0] - 5.0)
    above = cal.predict(np.array([cal.knots_x_[-1] + 1, cal.knots_x_[-1] + 1000]))
    assert above.max() <= min(100.0, cal.knots_y_[-1] + 5.0)


def test_centred_isotonic_weights_move_the_centres():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([10.0, 5.0, 50.0, 60.0])  # the first two form one block
    plain = CentredIsotonic().fit(x, y)
    weighted = CentredIsotonic().fit(x, y, sample_weight=np.array([3.0, 1.0, 1.0, 1.0]))
    assert plain.knots_x_[0] == pytest.approx(0.5)
    assert weighted.knots_x_[0] == pytest.approx(0.25)


def test_squeeze_is_the_identity_inside_and_keeps_order_beyond_the_edges():
    s = np.array([-40.0, 0.0, 10.0, 12.5, 15.0, 30.0, 100.0])
    out = squeeze(s, 10.0, 24.9, margin=5.0)
    assert (out > 10.0).all() and (out < 24.9).all()
    assert (np.diff(out) > 0).all()  # strictly increasing: clients past an edge keep their order
    assert squeeze(np.array([17.0]), 10.0, 24.9, margin=5.0)[0] == 17.0  # the middle of the tier is kept
    mid = squeeze(np.array([40.0]), 25.0, 74.9, margin=5.0)
    assert mid[0] == 40.0
    # an open edge (the lowest and the highest tier) is not squeezed
    assert squeeze(np.array([-5.0, 3.0]), -np.inf, 24.9)[0] == -5.0
    assert squeeze(np.array([99.0]), 75.0, np.inf)[0] == 99.0


def _clients(n: int = 240, seed: int = 3):
    rng = np.random.default_rng(seed)
    F = pd.DataFrame(rng.uniform(0, 1, size=(n, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES),
                     index=[f"c{i}" for i in range(n)])
    F["n_messages"] = rng.integers(15, 40, n).astype(float)
    F["client_msg_share"] = 0.5
    for label in ("strategic_involvement", "referral", "fee_pushback"):
        F[f"client_{label}_count"] = rng.integers(0, 6, n).astype(float)
        F[f"client_{label}_rate"] = F[f"client_{label}_count"] / (F["n_messages"] * 0.5)
    y = np.clip(40 + 9 * F["client_strategic_involvement_count"] + 5 * F["client_referral_count"]
                - 9 * F["client_fee_pushback_count"] + rng.normal(0, 4, n), 0, 100).to_numpy()
    return F, y


@pytest.fixture(scope="module")
def models():
    F, y = _clients()
    kw = dict(kind="taxonomy", ordinal_tiers=True, log_counts=True)
    return F, y, DepthModel(calibration="isotonic", **kw).fit(F, y), DepthModel(calibration="centred", **kw).fit(F, y)


def test_centred_model_keeps_the_tiers_and_breaks_the_ties(models):
    F, y, iso, cen = models
    a, b = iso.predict(F), cen.predict(F)
    assert [tier_of(v) for v in a] == [tier_of(v) for v in b]  # the tier classifiers decide both
    raw = cen.raw_predict(F)
    assert len(np.unique(np.round(b, 1))) > len(np.unique(np.round(a, 1)))
    # within a tier, a higher raw prediction never scores lower
    tiers = np.searchsorted(TIER_BOUNDS, b, side="right")
    for t in np.unique(tiers):
        sel = tiers == t
        order = np.argsort(raw[sel], kind="stable")
        assert (np.diff(b[sel][order]) >= -1e-9).all()
    assert ((b >= 0) & (b <= 100)).all()


def test_centred_model_round_trips_through_its_file(models, tmp_path):
    F, _, _, cen = models
    path = save_depth_model(cen, tmp_path / "m.skops")
    again = load_depth_model(path)
    assert again.calibration == "centred"
    np.testing.assert_allclose(again.predict(F), cen.predict(F))


def test_unknown_calibration_is_refused():
    F, y = _clients(60)
    with pytest.raises(ValueError, match="calibration"):
        DepthModel(calibration="sigmoid").fit(F, y)
