"""``top_drivers``: why a client scored as it did, as one readable string.

The client's own signals lead, as counts with their latest date and the evidence label they link
to (``evidence.csv``'s ``label`` column and the report's quotes), then behaviour:

    "+ asked for advice or help 4 times, latest 12 Nov 2026 [help_request]; + referred the agency
    once, latest 3 Oct 2026 [referral]; - pushed back on fees 3 times, latest 2 Sep 2026
    [fee_pushback]; + client starts 62% of threads"

A client with no deeper sign at all is told so, after its own shallower signs if a slot is left
("- no sign of a deeper relationship in 14 client mails"). For a purely transactional client that
is what holds the score down (the evidence's count of deeper signs is at its floor), and its
behaviour alone ("- longest silence 115 days") would mislead. The per-feature contributions cannot
show it: the baseline they substitute is the median training row, which has no signal either.

When the model counts praise only as far as substance backs it (``DepthModel.backed_praise``), a
client whose praise outruns its other deeper signs is told how much of it counted ("+ praised the
work 10 times, latest 4 Aug 2026 [appreciation], counted once: no other deeper sign backs the
rest"), so that ten praises beside a shallow score do not read as a contradiction. When forgiveness
does not back praise (``DepthModel.praise_backing="substance"``) the phrase names what does ("no help
request, advice acted on, referral, strategic matter or early warning backs the rest").

Contributions come from :meth:`DepthModel.contributions` (score points per feature); a label's
share and count are summed into one concept so a string never says the same thing twice. A
signal is listed only in the direction docs/SIGNALS.md gives it: the model's weights cannot make a
complaint raise a score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.depth.evidence import BEHAVIOUR_SIGNS, LABEL_SIGNS, PEOPLE_SIGNS, PRAISE, counted_praise
from analyzer.depth.features import FEATURE_NAMES
from analyzer.depth.language import READ_SHARE, SIGNAL_LANGUAGES

#: The languages signals are read in, as the caveat names them.
READ_NAMES = ", ".join({"en": "English", "fr": "French", "de": "German", "es": "Spanish", "pt": "Portuguese",
                        "it": "Italian", "nl": "Dutch"}[c]
                       for c in SIGNAL_LANGUAGES)

#: What a client did, per label, for "<verb> N times".
LABEL_VERBS: dict[str, str] = {
    "help_request": "asked for advice or help",
    "advice_acted_on": "acted on the agency's advice",
    "referral": "referred the agency",
    "forgiveness": "forgave a mistake",
    "strategic_involvement": "brought the agency into strategic matters",
    "early_warning": "warned early of a problem",
    "appreciation": "praised the work",
    "fee_pushback": "pushed back on fees",
    "supplier_label": "treated the agency as a supplier",
    "complaint": "complained",
    "cancellation": "cancelled or postponed at short notice",
}


def _concept(feature: str) -> str:
    for suffix in ("_rate", "_count"):
        if feature.startswith("client_") and feature.endswith(suffix):
            label = feature[len("client_"):-len(suffix)]
            if label in LABEL_SIGNS:
                return "label:" + label
    return feature


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _mails(n: int) -> str:
    return "its one client mail" if n == 1 else f"{n} client mails"


def _signal_phrase(label: str, count: int, latest) -> str:
    when = f", latest {pd.Timestamp(latest):%-d %b %Y}" if latest is not None and not pd.isna(latest) else ""
    return f"{LABEL_VERBS[label]} {_times(count)}{when} [{label}]"


def _praise_counted(n: int, found: dict, backed_praise: int, praise_backing: str = "deeper") -> str:
    """What follows the praise phrase when the cap holds part of it back (empty when all of it counted);
    ``n`` is ``found[PRAISE]``."""
    counted, substance = counted_praise(found, backed_praise, praise_backing)
    if counted >= n:
        return ""
    deeper = praise_backing == "deeper"
    backers = "other deeper sign" if deeper else "help request, advice acted on, referral, strategic matter or early warning"
    if counted == 0:
        return f", not counted: no {backers} backs it"
    backing = "the client's other deeper signs back it" if deeper else "what the client brings backs it"
    why = f"no {backers} backs the rest" if substance == 0 else f"as far as {backing}"
    return f", counted {_times(counted)}: {why}"


#: The seniority levels of :mod:`analyzer.depth.seniority`, as a driver names them.
SENIORITY_NAMES = {0: "no title seen", 1: "a manager or lead", 2: "a VP, director or head",
                   3: "a founder, owner, CEO or partner"}


def _behaviour_phrase(name: str, v: float, positive: bool) -> str:
    if pd.isna(v):
        return {"forgiven_apology_share": "no agency apology to forgive",
                "client_start_share": "no thread starts seen"}.get(name, f"{name} unknown")
    return {
        "client_start_share": f"client starts {v:.0%} of threads",
        "client_reply_hours": f"{'fast' if positive else 'slow'} client replies (median {v:.0f} h)",
        "client_reply_rate": f"client answers {v:.0%} of agency mails",
        "longest_silence_days": f"longest silence {v:.0f} days",
        "forgiven_apology_share": f"client forgave {v:.0%} of agency apologies",
        "n_client_people": f"{v:.0f} of the client's people write" if v != 1 else "one of the client's people writes",
        "max_seniority": f"most senior client writer: {SENIORITY_NAMES.get(int(v), f'level {v:.0f}')}",
    }.get(name, f"{name} = {v:.3g}")


def signal_summary(signals: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(count, latest date) per client x label of the client's own signals in client mail."""
    if signals is None or signals.empty:
        empty = pd.DataFrame()
        return empty, empty
    # the four columns read, before filtering: filtering the whole frame copied every quote and
    # explanation (about 60 MiB of scoring's peak at 500k generated messages)
    s = signals[["client", "message_id", "label", "date"]][
        (signals["direction"] == "from_client") & signals["label"].isin(list(LABEL_SIGNS)) & signals["client"].notna()]
    s = s.drop_duplicates(["client", "message_id", "label"])  # one per message, as the features count
    counts = s.pivot_table(index="client", columns="label", values="message_id", aggfunc="count", fill_value=0)
    latest = s.assign(date=pd.to_datetime(s["date"], utc=True)).pivot_table(
        index="client", columns="label", values="date", aggfunc="max")
    return counts, latest


def top_drivers(features: pd.DataFrame, contributions: pd.DataFrame, signals: pd.DataFrame | None = None,
                n_up: int = 3, n_down: int = 2, n_behaviour: int = 2, min_points: float = 0.5,
                lag: pd.Series | None = None, slopes: pd.Series | None = None,
                client_mails: pd.Series | None = None, read: pd.Series | None = None,
                backed_praise: int | None = None, praise_backing: str = "deeper") -> pd.Series:
    """One string per row of ``features``: the client's own signals that moved its score (up to
    ``n_up`` deeper, ``n_down`` shallower, largest first), then up to ``n_behaviour`` behaviour
    concepts that moved it by at least ``min_points``; a lag correction (``lag``, with the trend
    ``slopes`` behind it) is named last. ``client_mails``: the number of mails each client wrote,
    for the driver of a client with no deeper sign at all (not named without it). ``read``: each
    client's share of its own words in a language signals are read in
    (:func:`analyzer.depth.language.read_share`); below :data:`~analyzer.depth.language.READ_SHARE` the
    string opens with "! N% of the client's own words are in a language signals are read in..." and does
    not claim "no sign of a deeper relationship": the signs were not read.
    ``backed_praise``: the model's cap on praise (:class:`~analyzer.depth.evidence.EvidenceFeatures`);
    praise beyond it is named with how much of it counted (``praise_backing``: which signs back it)."""
    concepts = [_concept(f) for f in FEATURE_NAMES]
    grouped = contributions[list(FEATURE_NAMES)].T.groupby(concepts, sort=False).sum().T
    counts, latest = signal_summary(signals)
    # plain dicts: a per-client pandas lookup per label cost more than the rest of the scoring
    count_of = {k: int(v) for k, v in counts.stack().items()} if len(counts) else {}
    latest_of = latest.stack().to_dict() if len(latest) else {}
    feat_rows = features.to_dict("index")
    out = []
    for idx, row in grouped.to_dict("index").items():
        feats = feat_rows[idx]
        ups, downs = [], []
        found = {}
        for label in LABEL_SIGNS:
            n = count_of.get((idx, label), 0)
            found[label] = n if n else int(feats.get(f"client_{label}_count", 0) or 0)
        for label, sign in LABEL_SIGNS.items():
            n = found[label]
            if n == 0:
                continue
            when = latest_of.get((idx, label))
            points = abs(float(row.get("label:" + label, 0.0)))
            phrase = _signal_phrase(label, n, when)
            if label == PRAISE and backed_praise is not None:
                phrase += _praise_counted(n, found, backed_praise, praise_backing)
            (ups if sign > 0 else downs).append((points, n, phrase))
        mails = int(client_mails.get(idx, 0)) if client_mails is not None else 0
        share = float(read.get(idx, np.nan)) if read is not None else np.nan
        unread = bool(share < READ_SHARE)  # NaN (nothing judged) is not unread
        if not ups and mails and not unread:  # after the client's own shallower signs, if a slot is left
            downs.append((-1.0, 0, f"no sign of a deeper relationship in {_mails(mails)}"))
        parts = [f"! {share:.0%} of the client's own words are in a language signals are read in ({READ_NAMES}): "
                 "its score rests mostly on behaviour"] if unread else []
        parts += [f"+ {p}" for _, _, p in sorted(ups, key=lambda t: (-t[0], -t[1]))[:n_up]]
        parts += [f"- {p}" for _, _, p in sorted(downs, key=lambda t: (-t[0], -t[1]))[:n_down]]
        beh = [(float(row[name]), name) for name in (*BEHAVIOUR_SIGNS, *PEOPLE_SIGNS) if name in row
               and abs(float(row[name])) >= min_points]
        for points, name in sorted(beh, key=lambda t: -abs(t[0]))[:n_behaviour]:
            parts.append(f"{'+' if points > 0 else '-'} {_behaviour_phrase(name, feats[name], points > 0)}")
        if lag is not None and abs(float(lag.get(idx, 0.0) or 0.0)) >= min_points:
            v = float(slopes.get(idx, np.nan)) if slopes is not None else np.nan
            parts.append(f"{'+' if lag[idx] > 0 else '-'} {'deepening' if v > 0 else 'cooling'} trend "
                         f"({v:+.1f} points a quarter): scored where the relationship is heading now")
        out.append("; ".join(parts) if parts else "no relationship signal in the client's mail yet")
    return pd.Series(out, index=features.index, dtype=object)


#: What marks a driver that names one of the client's own text signals (its evidence label).
TEXT_DRIVER_MARK = " ["
