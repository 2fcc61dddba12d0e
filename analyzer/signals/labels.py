"""The 13 signal labels of docs/SIGNALS.md (the detector's spec), and which side writes them."""

from __future__ import annotations

LABELS: tuple[str, ...] = (
    "help_request",
    "advice_acted_on",
    "referral",
    "fee_pushback",
    "apology",
    "forgiveness",
    "strategic_involvement",
    "early_warning",
    "supplier_label",
    "appreciation",
    "cancellation",
    "complaint",
    "feedback_request",
)

#: Labels that count when the agency writes them; every other label is a client signal.
AGENCY_LABELS: frozenset[str] = frozenset({"apology", "feedback_request"})
#: Labels that count when the client writes them.
CLIENT_LABELS: frozenset[str] = frozenset(set(LABELS) - {"feedback_request"})

#: What a reader sees instead of the label name (the report, notebooks).
LABEL_NAMES: dict[str, str] = {
    "help_request": "asked for advice or help",
    "advice_acted_on": "acted on advice",
    "referral": "referred the agency",
    "fee_pushback": "pushed back on fees",
    "apology": "apologised",
    "forgiveness": "forgave a mistake",
    "strategic_involvement": "involved the agency in strategy",
    "early_warning": "warned early",
    "supplier_label": "called the agency a supplier",
    "appreciation": "praised the work",
    "cancellation": "cancelled at short notice",
    "complaint": "complained",
    "feedback_request": "agency asked for feedback",
}
#: One-line definitions (docs/SIGNALS.md), for the report's legend.
LABEL_DEFINITIONS: dict[str, str] = {
    "help_request": "asks the agency for advice, an opinion, expertise or help with a problem, or brings a new brief",
    "advice_acted_on": "says it acted on, adopted or implemented the agency's recommendation",
    "referral": "recommends the agency to someone else or introduces it to a prospective client",
    "fee_pushback": "disputes, questions or negotiates fees, invoices, rates or budget",
    "apology": "apologises for its own mistake, failure or delay",
    "forgiveness": "accepts an apology or waves a mistake away",
    "strategic_involvement": "brings the agency into strategic matters or in front of senior people",
    "early_warning": "flags an emerging problem or confides what is coming",
    "supplier_label": "calls the agency a supplier or vendor, or puts it through vendor processes",
    "appreciation": "praises the work or thanks warmly for work well done",
    "cancellation": "cancels, postpones or no-shows at short notice",
    "complaint": "voices dissatisfaction or frustration with the agency's work or service",
    "feedback_request": "the agency asks how things are going or for feedback on its work",
}
