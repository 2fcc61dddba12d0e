"""Charts of the review report, drawn with matplotlib and inlined as SVG.

Text is rendered as glyph paths (``svg.fonttype = "path"``), so names taken from mail can never
become markup inside the page.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

TIER_COLOURS = {"shallow": "#d9534f", "developing": "#f0ad4e", "solid": "#5bc0de", "deep": "#2e7d32"}


def _svg(fig) -> str:
    buf = io.StringIO()
    with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "analyzer"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prolog and doctype: inline SVG in HTML


def depth_over_time_svg(periods: pd.DataFrame, max_clients: int = 12) -> str:
    """Line chart: depth score per client per quarter (the clients with most data first)."""
    # names come from mail: "$\\foo{$" must be drawn as text, never parsed as mathtext
    with plt.rc_context({"text.parse_math": False}):
        return _depth_over_time(periods, max_clients)


def _depth_over_time(periods: pd.DataFrame, max_clients: int) -> str:
    fig, ax = plt.subplots(figsize=(9, 4.2))
    if periods.empty:
        ax.text(0.5, 0.5, "no dated client mail", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _svg(fig)
    order = periods.groupby("client")["period"].count().sort_values(ascending=False).index[:max_clients]
    quarters = sorted(periods["period"].astype(str).unique())
    pos = {q: i for i, q in enumerate(quarters)}
    last = {c: float(periods[periods["client"] == c].sort_values("period")["depth_score"].iloc[-1]) for c in order}
    colours = plt.get_cmap("tab20").colors
    for i, client in enumerate(sorted(order, key=lambda c: -last[c])):  # legend in the order the lines end
        p = periods[periods["client"] == client].sort_values("period")
        ax.plot([pos[str(q)] for q in p["period"]], p["depth_score"], marker="o", linewidth=1.6,
                color=colours[(2 * i) % 20 + (i // 10) % 2], label=f"{client} ({last[client]:.0f})")
    for lo, (tier, colour) in zip((0, 25, 50, 75), TIER_COLOURS.items()):
        ax.axhspan(lo, lo + 25, color=colour, alpha=0.07, linewidth=0)
        ax.text(1.0, lo + 12.5, f" {tier}", transform=ax.get_yaxis_transform(), va="center", ha="left",
                fontsize=7, color=colour)
    ax.set_xticks(range(len(quarters)), quarters, rotation=45, ha="right")
    ax.set_ylim(0, 100)
    ax.set_ylabel("depth score")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=1, loc="center left", bbox_to_anchor=(1.09, 0.5), frameon=False)
    return _svg(fig)
