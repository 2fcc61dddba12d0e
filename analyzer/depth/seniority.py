"""Seniority of client-side people, from job titles in signatures and display names.

Levels: 3 = CEO / founder / owner / president / managing director / partner (the top),
2 = VP / director / head of, 1 = manager / lead, 0 = anything else or no title found.
The title phrases are data (``data/titles.json``), matched case-insensitively on word
boundaries; at one position the longest phrase wins, so "Vice President" is 2 and not 3, and
"Managing Director" is 3 and not 2. A demoting phrase ("assistant to", "intern") makes its
line level 0.

Which lines are read: the signature block the reply splitter found (its first lines, skipping
contact lines with an address, URL or phone number); without one, the short lines after a
valediction ("Best,", "Regards", "Thanks,") in the message's new text. The display name is
read too ("Jane Roe (CEO)").
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from analyzer.ingest.message import take_rows

_VALEDICTION = re.compile(
    r"^\s*(best|best regards|kind regards|warm regards|regards|many thanks|thanks|thank you|cheers|"
    r"sincerely|yours|all the best|mit freundlichen grüßen|viele grüße|beste grüße|lg|vg)\b[ ,.!]*$",
    re.IGNORECASE,
)
_CONTACT = re.compile(r"@|https?://|www\.|\d[\d\s().+/-]{5,}\d")
_MAX_LINES = 6
_MAX_LINE_CHARS = 90


@lru_cache(maxsize=1)
def _title_table() -> tuple[re.Pattern, dict[str, int], re.Pattern]:
    raw = json.loads(resources.files("analyzer.depth").joinpath("data/titles.json").read_text(encoding="utf-8"))
    level_of: dict[str, int] = {}
    for level, phrases in raw["levels"].items():
        for p in phrases:
            level_of[p.lower()] = max(level_of.get(p.lower(), 0), int(level))
    alts = sorted(level_of, key=len, reverse=True)  # longest first: wins at one position
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a in alts) + r")(?![\w-])", re.IGNORECASE)
    demote = re.compile(r"(?<![\w-])(" + "|".join(re.escape(d) for d in raw["demote"]) + r")(?![\w-])", re.IGNORECASE)
    return pattern, level_of, demote


@lru_cache(maxsize=1 << 16)
def line_level(line: str) -> int:
    """Seniority level of one title line (0 when no title phrase is on it; cached: signature lines and
    display names repeat from message to message)."""
    pattern, level_of, demote = _title_table()
    if not line or demote.search(line):
        return 0
    return max((level_of[m.group(1).lower()] for m in pattern.finditer(line)), default=0)


def title_lines(signature: str | None, new_text: str | None = None) -> list[str]:
    """Candidate title lines: the signature's first lines, else the lines after a valediction."""
    lines = [ln.strip() for ln in (signature or "").splitlines() if ln.strip()]
    if not lines and new_text:
        body = [ln.strip() for ln in new_text.splitlines()]
        for i in range(len(body) - 1, -1, -1):
            if _VALEDICTION.match(body[i]):
                lines = [ln for ln in body[i + 1:] if ln]
                break
    lines = [ln for ln in lines if not _VALEDICTION.match(ln)]
    return [ln for ln in lines[:_MAX_LINES] if len(ln) <= _MAX_LINE_CHARS and not _CONTACT.search(ln)]


def seniority_level(signature: str | None, display_name: str | None = None, new_text: str | None = None) -> int:
    """Seniority level 0-3 of the person who wrote a message (a missing value, None or NaN, reads as
    no text)."""
    signature, display_name, new_text = (v if isinstance(v, str) else None
                                         for v in (signature, display_name, new_text))
    if _has_signature(signature):  # the text is not read
        level = _signature_level(signature)
    else:
        level = max((line_level(ln) for ln in title_lines(signature, new_text)), default=0)
    return max(level, line_level(display_name)) if display_name else level


def _has_signature(signature) -> bool:
    """Whether a message's signature is read for titles (else the lines after its valediction are)."""
    return isinstance(signature, str) and bool(signature) and not signature.isspace()


def _signature_level(signature: str) -> int:
    """The highest level of a signature's title lines (:func:`title_lines` of the signature alone),
    line by line through :func:`_line_level_or_skip`: the lines repeat from message to message
    even where a signature as a whole does not (a phone extension, a date)."""
    level, kept = 0, 0
    for raw in signature.splitlines():
        line = raw.strip()
        if not line:
            continue
        got = _line_level_or_skip(line)
        if got < 0:  # a valediction: not a title line, and not counted among the first lines
            continue
        kept += 1
        if kept > _MAX_LINES:
            break
        level = max(level, got)
    return level


@lru_cache(maxsize=1 << 16)
def _line_level_or_skip(line: str) -> int:
    """-1 for a valediction line; 0 for a contact line or one too long to be a title; else its
    :func:`line_level`. ``line`` is stripped and not empty."""
    if _VALEDICTION.match(line):
        return -1
    if len(line) > _MAX_LINE_CHARS or _CONTACT.search(line):
        return 0
    return line_level(line)


#: Client messages whose signatures are read at a time: a very large run holds a few thousand
#: signatures as Python strings, not all of them (500k messages: about 87 MiB at once before).
CHUNK_ROWS = 32_768


def _levels(messages: pd.DataFrame, pos: np.ndarray, names: list) -> list[int]:
    """:func:`seniority_level` of the messages at positions ``pos``, column by column, and the new
    text only where there is no signature: taking the whole texts of every client mail cost more than
    reading the titles (100k messages: 0.7 s)."""
    sigs = take_rows(messages["signature"], pos).tolist()  # not iloc: that copies the whole column first
    bare = [i for i, sig in enumerate(sigs) if not _has_signature(sig)]  # the rows seniority_level reads text for
    texts = dict(zip(bare, take_rows(messages["new_text"], pos[bare]).tolist())) if bare else {}
    return [seniority_level(sig, name, texts.get(i)) for i, (sig, name) in enumerate(zip(sigs, names))]


def people_seniority(messages: pd.DataFrame) -> pd.DataFrame:
    """One row per (client, address) of client-side senders: the highest level any of their messages shows.

    Columns: ``client``, ``address``, ``name``, ``level``, ``n_messages``. Only messages with
    direction ``from_client`` count; the input is not changed.
    """
    keep = ((messages["direction"] == "from_client") & messages["client"].notna()).to_numpy()
    pos = np.flatnonzero(keep)
    if not len(pos):
        return pd.DataFrame({"client": [], "address": [], "name": [], "level": pd.Series([], dtype="int64"),
                             "n_messages": pd.Series([], dtype="int64")})
    names = take_rows(messages["from_name"], pos).tolist()
    levels: list[int] = []
    for start in range(0, len(pos), CHUNK_ROWS):
        levels += _levels(messages, pos[start:start + CHUNK_ROWS], names[start:start + CHUNK_ROWS])
    df = pd.DataFrame({"client": take_rows(messages["client"], pos).to_numpy(),
                       "address": take_rows(messages["from_address"], pos).fillna("").to_numpy(),
                       "name": pd.Series(names, dtype=object).fillna("").to_numpy(), "level": levels})
    out = df.groupby(["client", "address"], sort=True).agg(
        name=("name", "last"), level=("level", "max"), n_messages=("level", "size")
    )
    return out.reset_index()
