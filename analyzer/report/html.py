"""The review report: one self-contained HTML page (inline CSS and SVG, no script, no network).

Everything taken from mail is untrusted: the template autoescapes every value, charts render
text as glyph paths, and ``redact=True`` masks email addresses and phone numbers in quotes.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from analyzer.report.client_chart import TIER_COLOURS, client_chart
from analyzer.report.redact import masked_client, redact_text, redacted_names
from analyzer.report.review import series, since_last_quarter, sparkline
from analyzer.signals.boilerplate import boilerplate_kind
from analyzer.signals.labels import LABEL_DEFINITIONS, LABEL_NAMES

#: The report page's title unless the caller gives one.
TITLE = "Client relationship review"
TREND_ARROWS = {"deepening": "▲", "steady": "▶", "cooling": "▼"}


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("analyzer.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def pick_quotes(evidence: pd.DataFrame, client: str, n: int = 3, prefer=(), messages=None) -> list[dict]:
    """Up to ``n`` evidence sentences for a client (see :func:`quotes_by_client`)."""
    return quotes_by_client(evidence[evidence["client"] == client], n, {client: list(prefer)}, messages).get(client, [])


def _quote_text(text: str) -> str:
    """A quote within one paragraph, trimmed: the longest paragraph of a sentence that ran across
    a blank line."""
    parts = [p.strip() for p in str(text).split("\n\n") if p.strip()]
    best = max(parts, key=len) if parts else ""
    return " ".join(best.split())


def _quotable(texts: list) -> list[tuple[str, bool]]:
    """(quote text, usable) per evidence sentence: usable when the quote has at least three words
    and is not mail furniture ("All best, Jo"). One pass, each distinct sentence worked out once
    (at 100k messages, 80k evidence rows)."""
    seen: dict = {}
    out = []
    for text in texts:
        got = seen.get(text)
        if got is None:
            quote = _quote_text(text)
            got = seen[text] = (quote, len(quote.split()) >= 3 and boilerplate_kind(quote) is None)
        out.append(got)
    return out


def _labels_per_group(group: np.ndarray, labels: list, n_groups: int) -> list[list[str]]:
    """The sorted distinct labels of each group (``group``: each row's group, 0..n_groups-1), as a
    bit mask per group first: a run's evidence holds a few label sets, each listed once."""
    names = sorted(set(labels))
    if len(names) > 62:  # more labels than a mask holds: the plain way
        found: list[set] = [set() for _ in range(n_groups)]
        for g, lb in zip(group.tolist(), labels):
            found[g].add(lb)
        return [sorted(f) for f in found]
    mask = np.zeros(n_groups, dtype=np.int64)
    np.bitwise_or.at(mask, group, np.left_shift(1, pd.Index(names).get_indexer(labels)).astype(np.int64))
    sets: dict[int, list[str]] = {}
    for m in np.unique(mask).tolist():
        sets[m] = [name for i, name in enumerate(names) if m >> i & 1]
    return [list(sets[m]) for m in mask.tolist()]


def _rank_per_group(group: np.ndarray, clients: list, labels: list, prefer: dict, n_groups: int) -> np.ndarray:
    """Per group: the position in its client's ``prefer`` list of the first-listed label among the
    group's labels, or ``len(LABEL_NAMES)`` when it backs no preferred label."""
    at: dict[tuple, int] = {}
    for client, names in prefer.items():
        for i, lb in enumerate(names):
            at.setdefault((client, lb), i)
    unranked = np.iinfo(np.int64).max
    row_rank = np.array([at.get(key, unranked) for key in zip(clients, labels)], dtype=np.int64)
    rank = np.full(n_groups, unranked, dtype=np.int64)
    np.minimum.at(rank, group, row_rank)
    rank[rank == unranked] = len(LABEL_NAMES)
    return rank


def quotes_by_client(evidence: pd.DataFrame, n: int = 3, prefer: dict | None = None, messages=None) -> dict[str, list[dict]]:
    """Quotes per client, best first: one per sentence (a sentence carrying two labels is quoted
    once, with both), at least three words and not a sign-off ("All best, Jo"), the client's own
    words before the agency's, the labels its drivers name (``prefer``) first, one per label
    before a second, best-scored and newest first. With ``messages`` each quote carries the
    mail's subject and the writer's name."""
    if evidence.empty:
        return {}
    quotable = _quotable(evidence["text"].tolist())
    ev = evidence.assign(text=[q for q, _ in quotable])[[ok for _, ok in quotable]]
    if ev.empty:
        return {}
    # one row per (client, message, sentence), carrying every label found in it
    group = ev.groupby(["client", "message_id", "text"], sort=False, dropna=False).ngroup().to_numpy()
    first = ~pd.Series(group).duplicated().to_numpy()  # the rows drop_duplicates keeps, in group order
    labels = ev["label"].tolist()
    clients = ev["client"].tolist()
    prefer = prefer or {}
    ev = ev[first].copy()
    ev["labels"] = _labels_per_group(group, labels, len(ev))
    # a quote's rank is that of the first driver it backs, so quotes come in the drivers' order
    ev["_rank"] = _rank_per_group(group, clients, labels, prefer, len(ev))
    ev["_preferred"] = ev["_rank"] < len(LABEL_NAMES)
    ev = ev.assign(_client_side=ev["direction"] == "from_client").sort_values(
        ["client", "_preferred", "_client_side", "score", "date"], ascending=[True, False, False, False, False],
        kind="stable")
    ev = ev.assign(_first=~ev.duplicated(["client", "label"])).sort_values(
        ["client", "_first", "_rank"], ascending=[True, False, True], kind="stable")
    # every label a driver names gets its quote, then up to n quotes in all
    caps = ev["client"].map(lambda c: max(n, len(set(prefer.get(c, ())))))
    ev = ev[ev.groupby("client", sort=False).cumcount() < caps].sort_values(["client", "_rank"], kind="stable")
    meta = {}
    if messages is not None and len(messages) and {"message_id", "content_hash", "subject", "from_name",
                                                    "from_address"} <= set(messages.columns):
        from analyzer.depth.threads import message_keys

        keys = message_keys(messages)
        quoted = keys.isin(set(ev["message_id"].tolist())).to_numpy()  # only the quoted mails' headers
        head = messages.loc[quoted, ["subject", "from_name", "from_address"]].fillna("")
        meta = dict(zip(keys[quoted].tolist(), zip(head["subject"].tolist(), head["from_name"].tolist(),
                                                  head["from_address"].tolist())))
    out: dict[str, list[dict]] = {}
    anchored: dict[str, set] = {}
    dates = (ev["date"].dt.strftime("%Y-%m-%d").fillna("").tolist() if pd.api.types.is_datetime64_any_dtype(ev["date"])
             else [pd.Timestamp(d).strftime("%Y-%m-%d") if pd.notna(d) else "" for d in ev["date"].tolist()])
    for client, message_id, label, labs, direction, text, score, date in zip(
            ev["client"].tolist(), ev["message_id"].tolist(), ev["label"].tolist(), ev["labels"].tolist(),
            ev["direction"].tolist(), ev["text"].tolist(), ev["score"].tolist(), dates):
        subject, name, address = meta.get(message_id, ("", "", ""))
        done = anchored.setdefault(client, set())
        anchors = [lb for lb in labs if lb not in done]
        done.update(anchors)
        out.setdefault(client, []).append(
            {"label": label, "labels": labs, "anchors": anchors, "names": [LABEL_NAMES.get(lb, lb) for lb in labs],
             "date": date, "side": "client" if direction == "from_client" else "agency", "text": text,
             "score": float(score), "subject": subject, "writer": name or address})
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
            {"label": r.label, "name": LABEL_NAMES.get(r.label, r.label),
             "client": int(r.from_client), "agency": int(r.from_agency),
             "client_pct": round(100 * r.from_client / t, 1), "agency_pct": round(100 * r.from_agency / t, 1)})
    return out


def _driver(text: str) -> dict:
    """A driver bullet: its text without the evidence tag, and the label it links to (or None)."""
    m = re.search(r" \[(\w+)\]$", text)
    return {"text": text[: m.start()] if m else text, "label": m.group(1) if m else None}


def _linked(drivers: list[dict], quotes: list[dict]) -> list[dict]:
    """Drivers keep their link only where a quote of that label is on the page."""
    anchored = {lb for q in quotes for lb in q.get("anchors", [])}
    return [d if d["label"] in anchored else {**d, "label": None} for d in drivers]


def _drivers(value) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return []
    return [d.strip() for d in value.split(";") if d.strip()]


def render_report(result, redact: bool = False, title: str = TITLE) -> str:
    """The report page as a string. ``result`` is an :class:`~analyzer.analysis.AnalysisResult`."""
    return _env().get_template("report.html.j2").render(**_context(result, redact, title))


def _context(result, redact: bool, title: str) -> dict:
    """The template's variables for ``result``."""
    scores = result.scores.sort_values("depth_score", ascending=False, kind="stable")
    evidence = result.evidence
    periods = result.periods
    clients = []
    prefer = {c: re.findall(r"\[(\w+)\]", str(d)) for c, d in zip(scores["client"], scores["top_drivers"])}
    quotes_of, profile_of = quotes_by_client(evidence, 3, prefer, result.message_meta), signal_profiles(evidence)
    spark = series(result.periods)
    review = since_last_quarter(result.periods, evidence, scores, by_client=spark)
    names = redacted_names(scores["client"]) if redact else {}
    if redact and len(periods):
        periods = periods.assign(client=periods["client"].map(lambda c: masked_client(names, c)))
    for row in scores.itertuples(index=False):
        r = row._asdict()
        quotes = quotes_of.get(r["client"], [])
        profile = profile_of.get(r["client"], [])
        if redact:
            quotes = [{**q, "text": redact_text(q["text"]), "writer": redact_text(q["writer"]),
                       "subject": redact_text(q["subject"])} for q in quotes]
            r["client"] = names.get(r["client"], r["client"])
            r["domains"] = redact_text(str(r.get("domains") or ""))
        clients.append({
            **r,
            "arrow": TREND_ARROWS.get(r.get("trend"), ""),
            "colour": TIER_COLOURS.get(r.get("tier"), "#999"),
            "drivers": _linked([_driver(d) for d in _drivers(r.get("top_drivers"))], quotes),
            "quotes": quotes,
            "profile": profile,
            "spark": sparkline(*spark.get(row.client, ([], []))[:2], str(r.get("trend"))),
            "chart": client_chart(*spark.get(row.client, ([], [], [])), str(r.get("trend")),
                                  float(r.get("trend_slope") or 0.0)),
        })
    report = result.ingest_report or {}
    return dict(
        title=title,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        clients=clients,
        tier_colours=TIER_COLOURS,
        n_messages=len(result.message_meta),
        ingest={k: report.get(k) for k in ("files", "messages_seen", "parsed", "duplicates", "quarantined")},
        redacted=redact,
        quarantine=(report.get("quarantine") or [])[:50],
        quarantine_more=max(0, int(report.get("quarantined") or 0) - 50),
        labels=[{"name": LABEL_NAMES[lb], "definition": LABEL_DEFINITIONS[lb]} for lb in LABEL_NAMES],
        review=_redacted_review(review, names, redact),
    )


def _redacted_review(review: dict, names: dict, redact: bool) -> dict:
    if not redact:
        return review
    rows = [{**r, "client": names.get(r["client"], r["client"]),
             "to_raise": r["to_raise"] and {**r["to_raise"], "text": redact_text(r["to_raise"]["text"])}}
            for r in review["rows"]]
    return {**review, "rows": rows, "silent": [names.get(c, c) for c in review["silent"]]}


def write_report(result, path, redact: bool = False, title: str = TITLE) -> None:
    """The report page written to ``path`` as the template renders it, piece by piece (a report on
    3,000 clients is tens of MB: rendered to one string first, it cost the run 200 MiB at once)."""
    with open(path, "w", encoding="utf-8") as fh:
        for piece in _env().get_template("report.html.j2").generate(**_context(result, redact, title)):
            fh.write(piece)
