"""The lag correction of the client score (see :mod:`analyzer.depth.model`'s module doc).

The whole-mailbox features average the recent past, so a raw score describes a client as it was
about a quarter ago. A model with a learnt trend model adds ``lag_quarters_`` x the trend slope
beyond a dead band ``lag_band_`` to its client scores; :class:`LagCorrection` learns both
(:meth:`~LagCorrection.fit_lag`) and applies them (:meth:`~LagCorrection.lag_adjustment`). The
shipped model carries no trend model, so its lag is 0.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GroupKFold

#: Dead bands (points per quarter) tried for the lag correction (:meth:`LagCorrection.fit_lag`).
LAG_BANDS: tuple[float, ...] = (0.0, 1.0, 2.0)


class LagCorrection:
    """Mixin of :class:`~analyzer.depth.model.DepthModel`: the learnt lag correction."""

    def fit_lag(self, scores, slopes, y, groups):
        """Learn the lag correction (module doc) from *out-of-fold* client scores, the trend model's
        *out-of-fold* slopes and the designed end depths ``y``: for each band of :data:`LAG_BANDS`,
        the least-squares ``lag_quarters_`` of ``y - score`` on the slope beyond the band, scored
        by leave-group-out MAE; the best band is kept and ``lag_quarters_`` refitted on all rows.
        Sets ``lag_quarters_``, ``lag_band_`` and ``lag_cv_`` (MAE per band, and without correction).
        """
        scores, slopes, y = (np.asarray(a, dtype=float) for a in (scores, slopes, y))
        groups = np.asarray(groups)
        resid = y - scores
        cv = {"none": float(np.mean(np.abs(resid)))}
        n_splits = min(6, len(set(groups)))
        for band in LAG_BANDS:
            x = _beyond(slopes, band)
            pred = np.empty(len(y))
            for train, test in GroupKFold(n_splits=n_splits).split(x, groups=groups):
                pred[test] = np.clip(scores[test] + _lag_fit(x[train], resid[train]) * x[test], 0.0, 100.0)
            cv[band] = float(np.mean(np.abs(pred - y)))
        best = min(LAG_BANDS, key=lambda b: cv[b])
        if cv[best] < cv["none"]:
            self.lag_band_, self.lag_quarters_ = float(best), _lag_fit(_beyond(slopes, best), resid)
        else:
            self.lag_band_, self.lag_quarters_ = 0.0, 0.0
        self.lag_cv_ = {str(k): round(v, 3) for k, v in cv.items()}
        return self

    def lag_adjustment(self, slopes) -> np.ndarray:
        """Score points to add to client scores given their trend slopes (0 without a fitted lag)."""
        slopes = np.nan_to_num(np.asarray(slopes, dtype=float))
        q = getattr(self, "lag_quarters_", 0.0)  # user-trained models and older files have none
        return q * _beyond(slopes, getattr(self, "lag_band_", 0.0)) if q else np.zeros(len(slopes))


def _beyond(slopes: np.ndarray, band: float) -> np.ndarray:
    """Slopes shrunk towards 0 by ``band`` (0 inside the dead band)."""
    return np.sign(slopes) * np.maximum(np.abs(slopes) - band, 0.0)


def _lag_fit(x: np.ndarray, resid: np.ndarray) -> float:
    """Least-squares slope through the origin of ``resid`` on ``x`` (0 when x is all 0), kept in [0, 4] quarters."""
    den = float(np.sum(x * x))
    return float(np.clip(np.sum(x * resid) / den, 0.0, 4.0)) if den > 0 else 0.0
