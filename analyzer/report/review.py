"""What a quarterly review opens with: each client's quarterly series as a sparkline, and what
changed since the last quarter (score and tier moves, the quarter's new client signals, silences).

Everything here is computed from the run's own frames (``periods``: the quarterly scores the trend
is read from; ``evidence``: the counted signals), so the page tells one story with ``scores.csv``.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup, escape

from analyzer.depth.schema import tier_of
from analyzer.report.client_chart import TREND_COLOURS, scores_text, series_attributes
from analyzer.signals.labels import LABEL_NAMES

#: Labels a reviewer should raise in the meeting when they are new (the shallower signs).
TO_RAISE = ("complaint", "fee_pushback", "cancellation", "supplier_label")
_W, _H = 120, 30


def sparkline(scores: list[float], n_messages: list[int], trend: str) -> Markup:
    """An inline SVG polyline of a client's quarterly scores (0-100, tier bands as faint lines);
    the points and message counts ride along as data attributes, so the page can be checked."""
    if not scores:
        return Markup("")
    step = _W / max(1, len(scores) - 1)
    pts = " ".join(f"{i * step:.1f},{_H - s / 100 * _H:.1f}" for i, s in enumerate(scores))
    bands = "".join(f'<line x1="0" x2="{_W}" y1="{_H - b / 100 * _H:.1f}" y2="{_H - b / 100 * _H:.1f}" '
                    f'stroke="#ddd" stroke-width="0.5"/>' for b in (25, 50, 75))
    colour = TREND_COLOURS.get(trend, "#555")
    return Markup(
        f'<svg class="spark" width="{_W}" height="{_H}" viewBox="-2 -2 {_W + 4} {_H + 4}" role="img" '
        f'{series_attributes(scores, n_messages, trend)}>'
        f'<title>quarterly depth: {escape(scores_text(scores))}</title>{bands}'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{pts}"/></svg>')


def series(periods: pd.DataFrame) -> dict[str, tuple[list[float], list[int], list[str]]]:
    """client -> (scores, messages, quarters), in time order."""
    if periods is None or periods.empty:
        return {}
    p = periods.sort_values(["client", "period"], kind="stable")
    counts = p["n_messages"].astype(int) if "n_messages" in p else pd.Series(1, index=p.index)
    lists = pd.DataFrame({"client": p["client"].to_numpy(), "s": p["depth_score"].astype(float).to_numpy(),
                          "n": counts.to_numpy(), "q": p["period"].astype(str).to_numpy()}
                         ).groupby("client", sort=False).agg(list)
    return {c: (s, [int(v) for v in n], q) for c, s, n, q in zip(lists.index, lists["s"], lists["n"], lists["q"])}


def since_last_quarter(periods: pd.DataFrame, evidence: pd.DataFrame, scores: pd.DataFrame,
                       by_client: dict | None = None) -> dict:
    """The review's opening: the last quarter of the mailbox, and per client the score and tier
    change from the quarter before, the quarter's new client signals (with one quote to raise),
    and the clients with no mail that quarter. ``by_client``: :func:`series` of ``periods`` when
    the caller has it already."""
    if periods is None or periods.empty:
        return {"quarter": None, "rows": [], "silent": []}
    last = str(max(periods["period"].astype(str)))
    by_client = series(periods) if by_client is None else by_client
    ev = evidence
    if len(ev):
        q = pd.to_datetime(ev["date"], utc=True).dt.tz_convert(None).dt.to_period("Q").astype(str)
        ev = ev[(q == last) & (ev["direction"] == "from_client")]
    of_client = {c: g for c, g in ev.groupby("client", sort=False)} if len(ev) else {}
    rows, silent = [], []
    for client in scores["client"]:
        s, n, quarters = by_client.get(client, ([], [], []))
        if not quarters or quarters[-1] != last or (n and n[-1] == 0):
            silent.append(client)
            continue
        now, before = s[-1], (s[-2] if len(s) > 1 else None)
        new = of_client.get(client, ev.iloc[:0])
        counts = new["label"].value_counts() if len(new) else pd.Series(dtype=int)
        raise_rows = new[new["label"].isin(TO_RAISE)].sort_values("score", ascending=False) if len(new) else new
        rows.append({
            "client": client, "score": now, "change": None if before is None else now - before,
            "tier": tier_of(now), "tier_before": None if before is None else tier_of(before),
            "signals": [f"{LABEL_NAMES.get(lb, lb)} × {int(c)}" for lb, c in counts.items()],
            "to_raise": None if raise_rows.empty else
            {"label": LABEL_NAMES.get(raise_rows.iloc[0]["label"], raise_rows.iloc[0]["label"]),
             "text": " ".join(str(raise_rows.iloc[0]["text"]).split())},
        })
    rows.sort(key=lambda r: -abs(r["change"] or 0.0))
    return {"quarter": last, "rows": rows, "silent": silent}
