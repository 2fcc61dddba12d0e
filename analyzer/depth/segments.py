"""Segment operations of :mod:`analyzer.depth.windows`: the rows of many windows laid end to end.

Rows of all windows sit in one array with a window id per row (``g``, sorted); each function here
computes one statistic for every window at once: sums, shares, medians, distinct pairs, and the
decay weights of rows by their age before their window's end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: One day, the unit of ages and half-lives.
DAY = pd.Timedelta(days=1)


def expand(lo: np.ndarray, hi: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Window id and ``source[lo:hi]`` entries of every window, laid end to end."""
    n = np.maximum(hi - lo, 0)
    g = np.repeat(np.arange(len(n)), n)
    pos = np.arange(len(g)) - np.repeat(np.cumsum(n) - n, n) + lo[g]
    return g, source[pos]


def segment_sums(values: list, g: np.ndarray, n: int, ordered: bool) -> np.ndarray:
    """Per-window sums (rows of the result follow ``values``). ``ordered``: equal to ``ndarray.sum``
    of each window's contiguous values (same pairwise tree, windows of one length summed together);
    otherwise a plain bincount, exact when the values are whole numbers."""
    out = np.zeros((len(values), n))
    if not ordered:
        for k, v in enumerate(values):
            out[k] = np.bincount(g, weights=v, minlength=n)
        return out
    if not len(g):
        return out
    stack = np.vstack([np.asarray(v, dtype=float) for v in values])
    starts = np.searchsorted(g, np.arange(n))
    lengths = np.bincount(g, minlength=n)
    for length in np.unique(lengths[lengths > 0]):
        sel = np.flatnonzero(lengths == length)
        out[:, sel] = np.ascontiguousarray(stack[:, starts[sel][:, None] + np.arange(length)]).sum(axis=-1)
    return out


def share(num: np.ndarray, total: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, num / np.where(total > 0, total, 1.0), np.nan)


def decay(dates: np.ndarray, ends: np.ndarray, half_life_days: float | None) -> np.ndarray:
    """Weights halving every ``half_life_days`` of age before the row's window end (undated or
    future-dated weigh 1); all ones when ``half_life_days`` is None."""
    if half_life_days is None or len(dates) == 0:
        return np.ones(len(dates))
    age = (ends - dates) / np.timedelta64(DAY)
    age[np.isnan(age)] = 0.0
    age = np.maximum(age, 0.0)
    return np.power(0.5, age / half_life_days)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    ok = ~np.isnan(values)
    values, weights = values[ok], weights[ok]
    if len(values) == 0 or weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cum = np.cumsum(weights)
    return float(values[np.searchsorted(cum, 0.5 * cum[-1])])


def medians(values: np.ndarray, weights: np.ndarray, g: np.ndarray, n: int, weighted: bool) -> np.ndarray:
    """Weighted median per window (NaN when it has no non-NaN value). Unit weights: the
    ceil(k/2)-th smallest value; other weights: per window, as a single-window median would."""
    out = np.full(n, np.nan)
    if weighted:
        bounds = np.searchsorted(g, np.arange(n + 1))
        for i in np.flatnonzero(np.diff(bounds)):
            out[i] = weighted_median(values[bounds[i]:bounds[i + 1]], weights[bounds[i]:bounds[i + 1]])
        return out
    ok = ~np.isnan(values)
    v, gv = values[ok], g[ok]
    v = v[np.lexsort((v, gv))]
    counts = np.bincount(gv, minlength=n)
    has = counts > 0
    out[has] = v[(np.cumsum(counts) - counts)[has] + (counts[has] + 1) // 2 - 1]
    return out


def distinct_per_window(g: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (window, code) pairs as (window ids, codes), sorted."""
    width = int(codes.max()) + 1 if len(codes) else 1
    pairs = np.unique(g.astype(np.int64) * width + codes)
    return pairs // width, pairs % width
