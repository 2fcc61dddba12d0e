"""Template expansion: ``[a|b|c]`` alternatives and ``{slot}`` specifics, plus British spelling.

Phrase banks (:mod:`mailgen.signal_phrases`, :mod:`mailgen.logistics_phrases`) are written as
compositional templates so that one signal is said in many ways::

    "[Quick|Small] question: [how would you|what would you] ..."  +  "{deliverable}", "{amount}"

``expand`` first resolves the innermost ``[..|..]`` groups (nesting is allowed), then fills each
``{slot}`` from the :class:`Context` (fixed per thread, e.g. the project) or from a slot generator
(fresh per use, e.g. a weekday).  All randomness comes from the ``random.Random`` passed in, so the
output is a pure function of the seed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{([a-z_]+)\}")
_SPACES = re.compile(r"\s{2,}")

PROJECTS = (
    "the spring campaign", "the website relaunch", "the brand refresh", "the annual report",
    "the product launch", "the trade show stand", "the recruitment campaign", "the onboarding videos",
    "the investor deck", "the loyalty programme", "the app redesign", "the summer promo",
    "the sustainability report", "the partner portal", "the podcast series", "the event microsite",
    "the packaging redesign", "the customer newsletter", "the rebrand", "the holiday campaign",
    "the pricing page", "the explainer animation", "the store signage", "the case-study series",
)
DELIVERABLES = (
    "the homepage mock-ups", "the brand guidelines", "the social calendar", "the storyboard",
    "the first draft of the copy", "the media plan", "the wireframes", "the style tiles",
    "the shot list", "the content audit", "the revised logo options", "the landing page",
    "the email templates", "the print proofs", "the campaign report", "the video rough cut",
    "the keyword research", "the sitemap", "the press release draft", "the banner set",
)
FILES = (
    "the deck", "the final PDFs", "the hi-res images", "the signed SOW", "the spreadsheet",
    "the updated brief", "the logo files", "the meeting notes", "the tracking sheet", "the login details",
)
METRICS = ("sign-ups", "conversion", "open rates", "organic traffic", "demo requests", "basket size",
           "retention", "click-through", "enquiries", "bookings")
CHANNELS = ("LinkedIn", "the newsletter", "paid social", "search", "the blog", "Instagram",
            "the trade press", "our app", "out-of-home", "YouTube")
TEAMS = ("the board", "the leadership team", "the exec team", "our management committee",
         "the senior team", "the founders", "our investors", "the regional directors")
TOOLS = ("the vendor portal", "Coupa", "SAP Ariba", "our supplier system", "the procurement portal",
         "Jaggaer", "the onboarding platform")
OTHER_COMPANIES = (
    "Halden Foods", "Corvid Analytics", "Bramley & Finch", "Orbital Dental", "Pinecrest Homes",
    "Tallis Logistics", "Marlow Gin Co", "Quill Legal", "Vantage Clinics", "Seabright Hotels",
    "Redfern Bikes", "Kestrel Insurance", "Lumen Schools Trust", "Arden Wealth", "Foxglove Pharma",
)
QUARTERS = ("Q1", "Q2", "Q3", "Q4", "the new financial year", "the second half")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
TIMES = ("9:30", "10am", "11", "noon", "2pm", "3:30", "4pm", "10:30", "after lunch", "first thing")
WHENS = ("next Tuesday", "Thursday afternoon", "end of the month", "early next week", "Friday",
         "tomorrow morning", "later this week", "the week after next", "Monday", "before the weekend")
US_TO_UK = {
    "organize": "organise", "organized": "organised", "organizing": "organising", "color": "colour",
    "colors": "colours", "prioritize": "prioritise", "prioritized": "prioritised", "center": "centre",
    "favorite": "favourite", "behavior": "behaviour", "finalize": "finalise", "finalized": "finalised",
    "apologize": "apologise", "apologized": "apologised", "realize": "realise", "recognize": "recognise",
    "analyze": "analyse", "optimize": "optimise", "summarize": "summarise", "catalog": "catalogue",
    "program": "programme", "canceled": "cancelled", "canceling": "cancelling",
    "vacation": "holiday", "gotten": "got",
}
_US_HINT = re.compile(r"iz|color|center|favorite|behavior|catalog|program|cancel|vacation|gotten|analyz")
_US_WORD = re.compile(r"\b(" + "|".join(sorted(US_TO_UK, key=len, reverse=True)) + r")\b")


@dataclass
class Context:
    """What a thread's templates refer to; ``values`` holds the fixed slots."""

    rng: random.Random
    values: dict[str, str] = field(default_factory=dict)
    currency: str = "£"
    british: bool = True
    today: date = date(2026, 1, 1)
    #: optional :class:`~mailgen.dither.Dither`: depth-driven choices (``chance``) then track their rates
    dither: object | None = None

    def chance(self, key: str, p: float) -> bool:
        """A depth-driven yes/no with probability ``p``: low-discrepancy through ``dither`` when set."""
        if self.dither is not None:
            return self.dither.chance(key, p)
        return self.rng.random() < p

    def fresh(self, slot: str) -> str:
        """A new value for a slot that is not fixed in ``values``."""
        r = self.rng
        if slot == "amount":
            n = r.choice((850, 1200, 1800, 2400, 3150, 4800, 6200, 7500, 9900, 12500, 18000, 24000))
            return f"{self.currency}{n:,}"
        if slot == "pct":
            return f"{r.choice((5, 10, 12, 15, 20, 25, 30))}%"
        if slot == "invno":
            return f"INV-{r.randint(1000, 4999)}"
        if slot == "po":
            return f"PO {r.randint(40000, 89999)}"
        if slot == "date":
            d = self.today + timedelta(days=r.randint(2, 30))
            return f"{d.day} {d:%B}" if self.british else f"{d:%B} {d.day}"
        if slot == "num":
            return str(r.choice((2, 3, 4, 5, 6, 8, 10, 12)))
        pools = {
            "project": PROJECTS, "deliverable": DELIVERABLES, "file": FILES, "metric": METRICS,
            "channel": CHANNELS, "team": TEAMS, "tool": TOOLS, "other_co": OTHER_COMPANIES,
            "day": WEEKDAYS, "quarter": QUARTERS, "time": TIMES, "when": WHENS,
        }
        if slot in pools:
            return r.choice(pools[slot])
        raise KeyError(f"unknown template slot {{{slot}}}")


def expand(template: str, ctx: Context) -> str:
    """Resolve alternatives then slots; the result starts with a capital letter."""
    text = template
    while True:
        new = _ALT.sub(lambda m: ctx.rng.choice(m.group(1).split("|")), text)
        if new == text:
            break
        text = new

    def slot(m: re.Match) -> str:
        name = m.group(1)
        return ctx.values[name] if name in ctx.values else ctx.fresh(name)

    text = _SLOT.sub(slot, text)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    text = text.strip()
    if ctx.british and _US_HINT.search(text):
        text = _US_WORD.sub(lambda m: US_TO_UK[m.group(1)], text)
    return text[:1].upper() + text[1:] if text else text


def pick(bank: dict[str, tuple[str, ...]] | tuple[str, ...], register: str, rng: random.Random) -> str:
    """Choose a template from a bank, preferring the writer's register (``any`` always qualifies)."""
    if isinstance(bank, tuple):
        return rng.choice(bank)
    own = bank.get(register, ())
    common = bank.get("any", ())
    if own and (not common or rng.random() < 0.55):
        return rng.choice(own)
    return rng.choice(common or own)
