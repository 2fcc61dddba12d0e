"""One client's quarterly depth as a small inline SVG: the tier bands coloured and named, the
quarterly scores the trend is read from, and the trend line itself (the message-weighted slope of
the last :data:`~analyzer.depth.trend.MAX_PERIODS` quarters, the same one ``scores.csv``'s
``trend_slope`` holds), so the headline, the arrow and the picture tell one story.

Drawn by hand rather than with matplotlib: a report over hundreds of clients draws hundreds of
these, and only numbers and quarter names (never text from mail) go into the markup; all of it
is escaped anyway.
"""

from __future__ import annotations

import numpy as np
from markupsafe import Markup, escape

from analyzer.depth.trend import MAX_PERIODS, quarter_weights

#: Tier colours, lowest first, with the score each tier starts at.
TIER_COLOURS = {"shallow": "#d9534f", "developing": "#f0ad4e", "solid": "#5bc0de", "deep": "#2e7d32"}
TIER_FLOORS = {"shallow": 0, "developing": 25, "solid": 50, "deep": 75}
TREND_COLOURS = {"deepening": "#2e7d32", "cooling": "#c62828"}

_PAD_L, _PAD_R, _PAD_T, _PAD_B = 28, 92, 8, 22


def _y(score: float, height: int) -> float:
    return _PAD_T + (100.0 - score) / 100.0 * (height - _PAD_T - _PAD_B)


def trend_line(scores: list[float], n_messages: list[int], slope: float) -> tuple[int, float, float] | None:
    """(first index, start value, end value) of the trend line over the last ``MAX_PERIODS``
    quarters: slope ``slope`` through the message-weighted centre of the scores it was fitted on."""
    y = np.asarray(scores, dtype=float)[-MAX_PERIODS:]
    if len(y) < 2 or not np.isfinite(slope):
        return None
    w = quarter_weights(np.asarray(n_messages, dtype=float)[-MAX_PERIODS:])
    x = np.arange(len(y), dtype=float)
    xm, ym = float(np.average(x, weights=w)), float(np.average(y, weights=w))
    first = len(scores) - len(y)
    return first, ym - slope * xm, ym + slope * (len(y) - 1 - xm)


def client_chart(scores: list[float], n_messages: list[int], quarters: list[str], trend: str, slope: float,
                 width: int = 360, height: int = 130) -> Markup:
    """The chart of one client's card; the plotted points ride along as data attributes."""
    if not scores:
        return Markup("")
    inner_w = width - _PAD_L - _PAD_R
    step = inner_w / max(1, len(scores) - 1)
    xs = [_PAD_L + (i * step if len(scores) > 1 else inner_w / 2) for i in range(len(scores))]
    parts = []
    for tier, lo in TIER_FLOORS.items():
        hi = lo + 25
        top, bottom = _y(hi, height), _y(lo, height)
        parts.append(f'<rect x="{_PAD_L}" y="{top:.1f}" width="{inner_w}" height="{bottom - top:.1f}" '
                     f'fill="{TIER_COLOURS[tier]}" fill-opacity="0.10"/>')
        label = f"{tier} {lo}+" if lo else f"{tier} <25"
        parts.append(f'<text class="band" x="{_PAD_L + inner_w + 6}" y="{(top + bottom) / 2 + 3:.1f}" '
                     f'font-size="10" fill="{TIER_COLOURS[tier]}">{escape(label)}</text>')
    for v in (0, 50, 100):
        parts.append(f'<text x="{_PAD_L - 4}" y="{_y(v, height) + 3:.1f}" font-size="9" fill="#888" '
                     f'text-anchor="end">{v}</text>')
    shown = range(len(quarters)) if len(quarters) <= 8 else range(0, len(quarters), 2)
    for i in shown:
        parts.append(f'<text x="{xs[i]:.1f}" y="{height - 6}" font-size="9" fill="#666" '
                     f'text-anchor="middle">{escape(str(quarters[i]))}</text>')
    line = trend_line(scores, n_messages, slope)
    colour = TREND_COLOURS.get(trend, "#555")
    if line is not None:
        first, y0, y1 = line
        y0, y1 = (min(100.0, max(0.0, v)) for v in (y0, y1))
        parts.append(f'<line class="trend" x1="{xs[first]:.1f}" y1="{_y(y0, height):.1f}" x2="{xs[-1]:.1f}" '
                     f'y2="{_y(y1, height):.1f}" stroke="{colour}" stroke-width="1.4" stroke-dasharray="4 3"/>')
    pts = " ".join(f"{x:.1f},{_y(s, height):.1f}" for x, s in zip(xs, scores))
    parts.append(f'<polyline fill="none" stroke="#333" stroke-width="1.6" points="{pts}"/>')
    for x, s, n, q in zip(xs, scores, n_messages, quarters):
        parts.append(f'<circle cx="{x:.1f}" cy="{_y(s, height):.1f}" r="{2.2 if n >= 3 else 1.6}" '
                     f'fill="{"#333" if n >= 3 else "#fff"}" stroke="#333" stroke-width="1">'
                     f'<title>{escape(str(q))}: {s:.0f} ({int(n)} messages)</title></circle>')
    parts.append(f'<text x="{xs[-1] - 3:.1f}" y="{max(10.0, _y(scores[-1], height) - 5):.1f}" font-size="10" '
                 f'fill="#333" text-anchor="end">{scores[-1]:.0f}</text>')
    return Markup(
        f'<svg class="client-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'{series_attributes(scores, n_messages, trend)} data-slope="{slope:.2f}"><title>quarterly depth '
        f'{escape(scores_text(scores))}; trend {escape(trend)} ({slope:+.1f} points a quarter)</title>'
        f'{"".join(parts)}</svg>')


def scores_text(scores: list[float]) -> str:
    """The quarterly scores as the charts write them (``"62.0,58.5"``)."""
    return ",".join(f"{s:.1f}" for s in scores)


def series_attributes(scores: list[float], n_messages: list[int], trend: str) -> str:
    """The plotted series as data attributes of an SVG (scores, message counts, trend), shared by
    the card chart and the table's sparkline, so a test or a reader can check the picture."""
    counts = ",".join(str(int(n)) for n in n_messages)
    return (f'data-scores="{escape(scores_text(scores))}" data-messages="{escape(counts)}" '
            f'data-trend="{escape(trend)}"')
