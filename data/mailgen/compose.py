"""What a message says: its new text, assembled from phrase banks, with the labels it carries.

``open_thread`` writes the first message of a thread of a given kind, ``client_reply`` and
``agency_reply`` write answers.  Each returns a :class:`Draft` (sentences and the set of SIGNALS.md
labels they carry).  Signal sentences are drawn with the probabilities of the client's
:class:`~mailgen.behaviour.Profile` at that moment, so language follows the designed depth without
being a keyword count: neutral logistics and hard negatives dominate every client's mail.  The depth-driven
draws go through ``Context.chance`` (low-discrepancy when the context carries a
:class:`~mailgen.dither.Dither`), so a quarter's language tracks that quarter's designed depth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailgen import logistics_phrases as lp
from mailgen import signal_phrases as sp
from mailgen.template import Context, expand, pick

CLIENT_OPENERS: dict[str, tuple[sp.Bank, tuple[str, ...]]] = {
    "help_request": (sp.HELP_REQUEST, ("help_request",)),
    "strategic": (sp.STRATEGIC, ("strategic_involvement",)),
    "early_warning": (sp.EARLY_WARNING, ("early_warning",)),
    "referral": (sp.REFERRAL, ("referral",)),
    "appreciation": (sp.APPRECIATION, ("appreciation",)),
    "cancellation": (sp.CANCELLATION, ("cancellation",)),
    "complaint": (sp.COMPLAINT, ("complaint",)),
    "supplier_admin": (sp.SUPPLIER_LABEL, ("supplier_label",)),
    "fee_quote": (sp.FEE_PUSHBACK, ("fee_pushback",)),
}
AGENCY_OPENERS: dict[str, tuple[sp.Bank, tuple[str, ...]]] = {
    "feedback_request": (sp.FEEDBACK_REQUEST, ("feedback_request",)),
    "agency_apology": (sp.AGENCY_APOLOGY, ("apology",)),
}


@dataclass
class Draft:
    sentences: list[str] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)

    def add(self, ctx: Context, bank, register: str, labels: tuple[str, ...] = ()) -> None:
        self.sentences.append(expand(pick(bank, register, ctx.rng), ctx))
        self.labels.update(labels)

    def prepend(self, ctx: Context, bank, register: str, labels: tuple[str, ...] = ()) -> None:
        self.sentences.insert(0, expand(pick(bank, register, ctx.rng), ctx))
        self.labels.update(labels)


def open_thread(kind: str, side: str, register: str, ctx: Context, rates: dict[str, float]) -> Draft:
    """The first message of a thread of ``kind`` written by ``side`` (client or agency)."""
    draft = Draft()
    r = ctx.rng
    if side == "client" and kind in CLIENT_OPENERS:
        bank, labels = CLIENT_OPENERS[kind]
        if kind == "cancellation" and r.random() < 0.3:
            draft.add(ctx, sp.CLIENT_CANCEL_APOLOGY, register, ("apology", "cancellation"))
        else:
            draft.add(ctx, bank, register, labels)
        if kind == "help_request" and r.random() < 0.25:
            draft.add(ctx, sp.STRATEGIC, register, ("strategic_involvement",))
        if kind == "referral" and r.random() < 0.4:
            draft.add(ctx, sp.APPRECIATION, register, ("appreciation",))
    elif side == "agency" and kind in AGENCY_OPENERS:
        bank, labels = AGENCY_OPENERS[kind]
        draft.add(ctx, bank, register, labels)
    else:
        openers = lp.NEUTRAL_OPENERS.get(kind) or lp.NEUTRAL_OPENERS["files"]
        draft.sentences.append(expand(r.choice(openers), ctx))
        if side == "agency" and r.random() < 0.12:
            draft.add(ctx, lp.AGENCY_HARD_NEGATIVES, register)
    if side == "client":
        _client_extras(draft, ctx, register, rates, exclude={kind})
    return draft


def _client_extras(draft: Draft, ctx: Context, register: str, rates: dict[str, float],
                   exclude: set[str] = frozenset()) -> None:
    r = ctx.rng
    if "early_warning" not in exclude and ctx.chance("early_warning", rates["early_warning"]):
        draft.add(ctx, sp.EARLY_WARNING, register, ("early_warning",))
    if "help_request" not in exclude and ctx.chance("help_request", rates["help_request"] * 0.5):
        draft.add(ctx, sp.HELP_REQUEST, register, ("help_request",))
    if "supplier_admin" not in exclude and ctx.chance("supplier_label", rates["supplier_label"]):
        draft.add(ctx, sp.SUPPLIER_LABEL, register, ("supplier_label",))
    if r.random() < rates["hard_negative"]:
        draft.add(ctx, lp.HARD_NEGATIVES, register)


def client_reply(to_kind: str, register: str, ctx: Context, rates: dict[str, float],
                 late: bool, first_reply: bool, after_apology: bool = False) -> Draft:
    """A client's answer to an agency message of ``to_kind`` (``late``: after more than two days;
    ``after_apology``: the message answered carries an agency apology)."""
    draft = Draft()
    r = ctx.rng
    if late and ctx.chance("late_apology", rates["late_apology"]):
        slow = {"any": sp.CLIENT_APOLOGY["any"][0::3], "mobile": sp.CLIENT_APOLOGY["mobile"],
                "nonnative": sp.CLIENT_APOLOGY["nonnative"]}
        draft.add(ctx, slow, register, ("apology",))
    elif r.random() < 0.02:
        draft.add(ctx, sp.CLIENT_APOLOGY, register, ("apology",))
    if after_apology:
        if ctx.chance("forgiveness", rates["forgiveness"]):
            draft.add(ctx, sp.FORGIVENESS, register, ("forgiveness",))
        else:
            draft.add(ctx, sp.COMPLAINT, register, ("complaint",))
    elif to_kind == "invoice" and ctx.chance("fee_pushback_invoice", rates["fee_pushback_invoice"]):
        draft.add(ctx, sp.FEE_PUSHBACK, register, ("fee_pushback",))
    elif to_kind == "review" and ctx.chance("complaint_review", rates["complaint_review"]):
        draft.add(ctx, sp.COMPLAINT, register, ("complaint",))
    elif to_kind == "feedback_request" and first_reply:
        if ctx.chance("feedback_praise", 0.25 + 0.7 * (rates["appreciation"] / 0.3)):
            draft.add(ctx, sp.APPRECIATION, register, ("appreciation",))
        else:
            draft.add(ctx, sp.COMPLAINT, register, ("complaint",))
        if ctx.chance("advice_acted_on", rates["advice_acted_on"]):
            draft.add(ctx, sp.ADVICE_ACTED_ON, register, ("advice_acted_on",))
    elif to_kind in ("status_update", "proposal") and ctx.chance("advice_acted_on", rates["advice_acted_on"]):
        draft.add(ctx, sp.ADVICE_ACTED_ON, register, ("advice_acted_on",))
    elif to_kind == "scheduling" and ctx.chance("cancellation", rates["cancellation"]):
        if r.random() < 0.3:
            draft.add(ctx, sp.CLIENT_CANCEL_APOLOGY, register, ("apology", "cancellation"))
        else:
            draft.add(ctx, sp.CANCELLATION, register, ("cancellation",))
    elif to_kind in lp.NEUTRAL_REPLIES_BY_KIND and r.random() < 0.75:
        draft.add(ctx, lp.NEUTRAL_REPLIES_BY_KIND[to_kind], register)
    else:
        draft.add(ctx, lp.NEUTRAL_REPLIES, register)
    if to_kind in ("review", "status_update", "files") and ctx.chance("appreciation", rates["appreciation"]):
        draft.add(ctx, sp.APPRECIATION, register, ("appreciation",))
    _client_extras(draft, ctx, register, rates)
    return draft


def agency_reply(to_labels: set[str], register: str, ctx: Context, late: bool, d: float) -> Draft:
    """The agency's answer to a client message carrying ``to_labels``."""
    draft = Draft()
    r = ctx.rng
    if late and r.random() < 0.4:
        draft.add(ctx, sp.AGENCY_APOLOGY["any"][2:5], register, ("apology",))
    if "complaint" in to_labels and r.random() < 0.7:
        draft.add(ctx, sp.AGENCY_APOLOGY, register, ("apology",))
    draft.add(ctx, lp.AGENCY_REPLIES, register)
    if r.random() < 0.12:
        draft.add(ctx, lp.AGENCY_HARD_NEGATIVES, register)
    if ctx.chance("agency_feedback", 0.03 + 0.08 * d):
        draft.add(ctx, sp.FEEDBACK_REQUEST, register, ("feedback_request",))
    return draft


def frame(draft: Draft, ctx: Context, register: str, sender_first: str) -> str:
    """Greeting, body paragraphs and sign-off around the draft's sentences (no signature)."""
    r = ctx.rng
    greeting = expand(pick(lp.GREETINGS, register, r), ctx) if register != "mobile" or r.random() < 0.5 else ""
    body = draft.sentences
    if len(body) > 2 and r.random() < 0.6:
        cut = r.randint(1, len(body) - 1)
        paragraphs = [" ".join(body[:cut]), " ".join(body[cut:])]
    else:
        paragraphs = [" ".join(body)]
    signoff = expand(pick(lp.SIGNOFFS, register, r), ctx) if r.random() < 0.9 else ""
    parts = ([greeting] if greeting else []) + paragraphs
    name = sender_first if register != "mobile" or r.random() < 0.5 else ""
    closing = signoff if signoff.startswith("Sent from") else "\n".join(x for x in (signoff, name) if x)
    if closing:
        parts.append(closing)
    return "\n\n".join(parts)
