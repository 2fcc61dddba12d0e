"""Calibration of the depth model's raw prediction to 0-100, keeping its order.

An isotonic regression is the natural calibration of a score that should only ever rise with the
raw prediction, but its fit is a step function: every client in one block gets the same score, and
a reviewer reads "no difference" where the model has an order. :class:`CentredIsotonic` is the
centred isotonic regression (Oron and Flournoy, 2017): each isotonic block becomes one point, at
the block's weighted mean raw prediction and its fitted value, and the points are joined by straight
lines. Between the first and the last point the result is strictly increasing; beyond them it
saturates smoothly (:func:`saturate`), at most ``tail`` points past the end value.

:func:`squeeze` keeps a score inside an interval (a tier chosen by the tier classifiers) with a smooth,
strictly increasing map, the identity away from the edges, instead of a hard clip that would put every
client beyond the edge on the edge itself.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.isotonic import IsotonicRegression


def saturate(excess: np.ndarray, span: float) -> np.ndarray:
    """``span * (1 - exp(-excess / span))`` for ``excess >= 0``: slope 1 at 0, never reaching ``span``."""
    excess = np.maximum(np.asarray(excess, dtype=float), 0.0)
    return span * -np.expm1(-excess / span) if span > 0 else np.zeros_like(excess)


def squeeze(score: np.ndarray, lo: np.ndarray, hi: np.ndarray, margin: float = 5.0) -> np.ndarray:
    """Scores mapped into ``[lo, hi]`` by a strictly increasing map: the identity on
    ``[lo + m, hi - m]`` and a smooth saturation within ``m`` of each edge (``m`` is ``margin``, or a
    third of the interval when that is narrower), so clients beyond an edge keep their order."""
    s = np.asarray(score, dtype=float)
    lo = np.broadcast_to(np.asarray(lo, dtype=float), s.shape)
    hi = np.broadcast_to(np.asarray(hi, dtype=float), s.shape)
    m = np.minimum(float(margin), (hi - lo) / 3.0)
    top, bottom = hi - m, lo + m
    out = s.copy()
    up, down = s > top, s < bottom
    out[up] = top[up] + _saturate_each(s[up] - top[up], m[up])
    out[down] = bottom[down] - _saturate_each(bottom[down] - s[down], m[down])
    return out


def _saturate_each(excess: np.ndarray, span: np.ndarray) -> np.ndarray:
    span = np.asarray(span, dtype=float)
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, safe * -np.expm1(-np.maximum(excess, 0.0) / safe), 0.0)


class CentredIsotonic(RegressorMixin, BaseEstimator):
    """Centred isotonic regression of ``y`` on a single score (see the module doc).

    Parameters
    ----------
    y_min, y_max : float
        Bounds of the fitted values (as :class:`~sklearn.isotonic.IsotonicRegression`'s).
    tail : float
        How far past the first and last fitted values a prediction may go, smoothly, for scores
        beyond the end points (0: flat, as the isotonic fit).
    """

    def __init__(self, y_min: float = 0.0, y_max: float = 100.0, tail: float = 5.0):
        self.y_min = y_min
        self.y_max = y_max
        self.tail = tail

    def fit(self, x, y, sample_weight=None):
        x = np.asarray(x, dtype=float).ravel()
        y = np.asarray(y, dtype=float).ravel()
        w = np.ones_like(x) if sample_weight is None else np.asarray(sample_weight, dtype=float).ravel()
        iso = IsotonicRegression(y_min=self.y_min, y_max=self.y_max, out_of_bounds="clip", increasing=True)
        fitted = iso.fit(x, y, sample_weight=w).predict(x)
        values = np.unique(fitted)  # one value per block: the blocks' fitted values strictly increase
        block = np.searchsorted(values, fitted)
        wsum = np.bincount(block, weights=w, minlength=len(values))
        keep = wsum > 0
        centres = np.bincount(block, weights=w * x, minlength=len(values))[keep] / wsum[keep]
        self.knots_x_, self.knots_y_ = centres, values[keep]
        self.n_features_in_ = 1
        return self

    def predict(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float).ravel()
        kx, ky = self.knots_x_, self.knots_y_
        out = np.interp(x, kx, ky)
        below, above = x < kx[0], x > kx[-1]
        out[below] = ky[0] - saturate(kx[0] - x[below], self.tail)
        out[above] = ky[-1] + saturate(x[above] - kx[-1], self.tail)
        return np.clip(out, self.y_min, self.y_max)
