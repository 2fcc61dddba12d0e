"""The quarterly side of the depth model: quarterly scores that tell the client's story, and its trend.

:class:`QuarterlyStory` is a mixin of :class:`~analyzer.depth.model.DepthModel`: it pulls thin
quarters toward the client's course (:meth:`~QuarterlyStory.shrink_periods`), fits the learnt trend
model (:meth:`~QuarterlyStory.fit_trend`) and reads each client's trend with its reason
(:meth:`~QuarterlyStory.trend_table`). A model without a trend model (one trained by ``analyzer
train`` on a user's labels, which carry no trends) uses the slope rule :func:`trend_of`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from analyzer.depth.trend import (TrendModel, client_lines, event_trajectories, score_slopes, score_trajectory,
                                  trajectory_features, trend_labels)


def trend_of(periods: pd.DataFrame, band: float, max_periods: int = 6, min_messages: int = 3) -> str:
    """Trend from one client's per-quarter scores (columns ``score``, ``n_messages``, in time order).

    The slope (score points per quarter) of a least-squares line through the last ``max_periods``
    quarters, each weighted by how much mail it holds (a quarter with fewer than ``min_messages``
    counts little), compared with a dead band: above ``band`` deepening, below ``-band`` cooling,
    otherwise steady. Fewer than two usable quarters is steady.
    """
    slope = score_trajectory(periods, max_periods, min_messages=min_messages)["score_slope"]
    return str(trend_labels([slope], band)[0])


def trend_sentence(trend: str, slope: float, band: float, n_quarters: int) -> str:
    """The trend's reason as one sentence a reviewer can check against the plotted series."""
    span = f"over {min(n_quarters, 6)} quarters"
    if trend == "deepening":
        return f"Quarterly scores rose {slope:.1f} points a quarter {span}, more than the {band:g}-point band for a trend."
    if trend == "cooling":
        return f"Quarterly scores fell {-slope:.1f} points a quarter {span}, more than the {band:g}-point band for a trend."
    return f"Quarterly scores moved {slope:+.1f} points a quarter {span}, within the {band:g}-point band: steady."


class QuarterlyStory:
    """Mixin of :class:`~analyzer.depth.model.DepthModel`: quarterly scores and trends (module doc).
    Reads the model's ``trend_band``, ``period_prior``, ``period_target`` and ``trend``."""

    def fit_trend(self, T: pd.DataFrame, y, groups=None):
        """Fit the trend model on trajectory features ``T`` (:func:`~analyzer.depth.trend.trajectory_features`,
        built from *out-of-fold* quarterly scores so they are as noisy as on new mail) and the designed
        depth change per quarter ``y``; sets ``trend_model_``. Returns self."""
        template = getattr(self, "trend", None) or TrendModel()  # files written before trend models lack it
        self.trend_model_ = clone(template).fit(T, y, groups=groups)
        return self

    def trend_table(self, periods: pd.DataFrame, X=None) -> pd.DataFrame:
        """Per client: ``trend``, ``trend_slope`` (points per quarter) and ``trend_reason``.

        ``periods``: index (client, period), columns ``score``, ``n_messages``. ``X``: the
        :class:`~analyzer.depth.features.MailFrames` the periods come from. With a fitted trend
        model and ``X`` the learnt model decides; otherwise (a model trained on a user's labels,
        which carry no trends, or no mail given) the slope rule :func:`trend_of` does, and the
        reason says so.
        """
        cols = ["trend", "trend_slope", "trend_reason"]
        if periods.empty:
            return pd.DataFrame(columns=cols).rename_axis("client")
        tm = getattr(self, "trend_model_", None)
        if tm is not None and X is not None:
            T = trajectory_features(periods, event_trajectories(X))
            T = T.loc[T.index.isin(periods.index.get_level_values("client"))]
            out = pd.DataFrame({"trend": tm.predict(T), "trend_slope": np.round(tm.predict_slope(T), 2),
                                "trend_reason": tm.reasons(T)}, index=T.index)
            return out[cols]
        slopes = score_slopes(periods)
        n_quarters = periods.groupby(level="client", sort=True).size().reindex(slopes.index)
        trends = trend_labels(slopes.to_numpy(), self.trend_band)
        return pd.DataFrame({
            "trend": trends.astype(str), "trend_slope": slopes.round(2).to_numpy(),
            "trend_reason": [trend_sentence(t, v, self.trend_band, int(n))
                             for t, v, n in zip(trends, slopes.to_numpy(), n_quarters.to_numpy())],
        }, index=slopes.index, columns=cols).astype({"trend": object, "trend_reason": object})

    def shrink_periods(self, periods: pd.DataFrame, overall: pd.Series) -> pd.DataFrame:
        """Quarterly scores that tell the same story as the client's overall score.

        1. Each quarter is pulled toward a target by ``period_prior`` messages' worth,
           ``(n * score + prior * target) / (n + prior)``, so a thin quarter stays on the client's
           course instead of swinging. The target is the client's ``overall`` score, or with
           ``period_target="line"`` its line through the quarterly scores
           (:func:`~analyzer.depth.trend.client_lines`; the level for a client with fewer than
           three quarters): a line keeps a client's steady climb, which pulling every quarter
           toward one level flattens.
        2. The series is then shifted (its shape, and so its trend, unchanged) so that its mean,
           weighted like the overall score's mail (messages x a half-life of one quarter from the
           mailbox's last quarter), equals the overall score: the headline is the recent level of
           the series shown, not a number beside it.

        ``periods``: index (client, period), columns ``score``, ``n_messages``; ``overall``: score
        per client."""
        if periods.empty:
            return periods
        prior = float(getattr(self, "period_prior", 0.0))
        clients = periods.index.get_level_values("client")
        level = overall.reindex(clients).to_numpy(dtype=float)
        n = periods["n_messages"].to_numpy(dtype=float)
        raw = periods["score"].to_numpy(dtype=float)
        level = np.where(np.isnan(level), raw, level)
        target = level
        if getattr(self, "period_target", "level") == "line":
            line = client_lines(periods)
            target = np.where(np.isnan(line), level, line)
        shrunk = (n * raw + prior * target) / (n + prior) if prior > 0 else raw
        codes, quarters = pd.factorize(periods.index.get_level_values("period").astype(str))
        order = pd.PeriodIndex(quarters, freq="Q")  # each distinct quarter parsed once
        age = (order.max() - order).map(lambda d: d.n).to_numpy(dtype=float)[codes]
        w = np.maximum(n, 1.0) * 0.5 ** age
        frame = pd.DataFrame({"client": clients, "s": shrunk, "w": w, "ws": w * shrunk})
        sums = frame.groupby("client", sort=False)[["w", "ws"]].transform("sum")
        shift = np.where(np.isnan(level), 0.0, level - sums["ws"].to_numpy() / sums["w"].to_numpy())
        return periods.assign(score=np.clip(shrunk + shift, 0.0, 100.0))

    def trends(self, periods: pd.DataFrame, X=None) -> pd.Series:
        """Trend per client (see :meth:`trend_table`)."""
        t = self.trend_table(periods, X)
        return t["trend"] if len(t) else pd.Series(dtype=object)
