"""The review report: one self-contained HTML page (inline CSS and SVG, no script, no network).

Everything taken from mail is untrusted: the template autoescapes every value, charts render
text as glyph paths, and ``redact=True`` masks email addresses and phone numbers in quotes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from analyzer.report.charts import TIER_COLOURS, depth_over_time_svg
from analyzer.report.redact import redact_text, redacted_names

TREND_ARROWS = {"deepening": "▲", "steady": "▶", "cooling": "▼"}


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("analyzer.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def pick_quotes(evidence: pd.DataFrame, client: str, n: int = 3) -> list[dict]:
    """Up to ``n`` evidence sentences for a client: the client's own words before the agency's,
    one per label first, best-scored first, newest first on ties."""
    return quotes_by_client(evidence[evidence["client"] == client], n).get(client, [])


def quotes_by_client(evidence: pd.DataFrame, n: int = 3) -> dict[str, list[dict]]:
    """:func:`pick_quotes` for every client at once (one sort over all evidence, not one per client)."""
    if evidence.empty:
        return {}
    ev = evidence.assign(_client_side=evidence["direction"] == "from_client").sort_values(
        ["client", "_client_side", "score", "date"], ascending=[True, False, False, False], kind="stable")
    ev = ev.assign(_first=~ev.duplicated(["client", "label"])).sort_values(
        ["client", "_first"], ascending=[True, False], kind="stable")
    ev = ev[ev.groupby("client", sort=False).cumcount() < n]
    out: dict[str, list[dict]] = {}
    for r in ev.itertuples():
        out.setdefault(r.client, []).append(
            {"label": r.label, "date": pd.Timestamp(r.date).strftime("%Y-%m-%d") if pd.notna(r.date) else "",
             "side": "client" if r.direction == "from_client" else "agency", "text": r.text, "score": float(r.score)})
    return out


def signal_profiles(evidence: pd.DataFrame) -> dict[str, list[dict]]:
    """Each client's signal counts by label and side, as rows for the page's CSS bar chart.

    Drawn in HTML rather than one matplotlib figure per client: a report over hundreds of
    clients would otherwise spend minutes drawing.
    """
    if evidence.empty:
        return {}
    counts = evidence.groupby(["client", "label", "direction"]).size().unstack(fill_value=0)
    for side in ("from_client", "from_agency"):
        if side not in counts:
            counts[side] = 0
    counts = counts.assign(_total=counts["from_client"] + counts["from_agency"]).reset_index()
    counts = counts.sort_values(["client", "_total", "label"], ascending=[True, False, True], kind="stable")
    top = counts.groupby("client")["_total"].transform("max").clip(lower=1)
    out: dict[str, list[dict]] = {}
    for r, t in zip(counts.itertuples(), top):
        out.setdefault(r.client, []).append(
            {"label": r.label, "client": int(r.from_client), "agency": int(r.from_agency),
             "client_pct": round(100 * r.from_client / t, 1), "agency_pct": round(100 * r.from_agency / t, 1)})
    return out


def _drivers(value) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return []
    return [d.strip() for d in value.split(";") if d.strip()]


def render_report(result, redact: bool = False, title: str = "Client relationship review") -> str:
    """The report page as a string. ``result`` is an :class:`~analyzer.analysis.AnalysisResult`."""
    scores = result.scores.sort_values("depth_score", ascending=False, kind="stable")
    evidence = result.evidence
    periods = result.periods
    clients = []
    quotes_of, profile_of = quotes_by_client(evidence), signal_profiles(evidence)
    names = redacted_names(scores["client"]) if redact else {}
    if redact and len(periods):
        periods = periods.assign(client=periods["client"].map(lambda c: names.get(c, redact_text(str(c)))))
    for row in scores.itertuples(index=False):
        r = row._asdict()
        quotes = quotes_of.get(r["client"], [])
        profile = profile_of.get(r["client"], [])
        if redact:
            quotes = [{**q, "text": redact_text(q["text"])} for q in quotes]
            r["client"] = names.get(r["client"], r["client"])
            r["domains"] = redact_text(str(r.get("domains") or ""))
        clients.append({
            **r,
            "arrow": TREND_ARROWS.get(r.get("trend"), ""),
            "colour": TIER_COLOURS.get(r.get("tier"), "#999"),
            "drivers": _drivers(r.get("top_drivers")),
            "quotes": quotes,
            "profile": profile,
        })
    report = result.ingest_report or {}
    return _env().get_template("report.html.j2").render(
        title=title,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        clients=clients,
        depth_svg=Markup(depth_over_time_svg(periods)),
        tier_colours=TIER_COLOURS,
        n_messages=len(result.messages),
        ingest={k: report.get(k) for k in ("files", "messages_seen", "parsed", "duplicates", "quarantined")},
        redacted=redact,
    )


def write_report(result, path, redact: bool = False) -> None:
    Path(path).write_text(render_report(result, redact=redact), encoding="utf-8")
