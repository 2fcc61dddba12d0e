"""Split a plain-text mail body into what the sender newly wrote, quoted history and signature.

`split_reply(body)` labels every line of the body as *new*, *quoted* or *signature* and
returns the three texts; together they hold every non-blank line of the body verbatim
(nothing is dropped, only blank lines between parts and the ends are trimmed).

How lines are labelled
----------------------
1. Reply headers are found with two detectors, line by line from the top:

   * our patterns from ``reply_patterns.json``: "On ... wrote:" and its German, French,
     Spanish, Dutch and Italian forms, also wrapped over up to three lines
     ("On <date>, Name\\n<addr>\\nwrote:", the greedy_on fixtures); Outlook header blocks
     (From:/Sent:/To:/Subject: and Von:/Gesendet:, De :/Envoyé :, De:/Enviado:, Van:/Verzonden:,
     Da:/Inviato:, Czech/Danish/Polish/Swedish keys, bold ``*From:*``), with an underscore or
     dash rule line just above them; "-----Original Message-----" and forwarded-message
     separators in six languages;
   * ``mail-parser-reply``'s per-language "wrote" header regexes
     (``mailparser_reply.constants.MAIL_LANGUAGES[lang]["wrote_header"]``, 13 languages incl.
     cs, da, pl, sv, ja, ko) for lines ending in a colon that ours did not recognise.

2. A header that is followed (after blank lines) by ``>``-quoted lines is an *attribution*:
   it and the ``>`` block are quoted, and text after the block stays new (bottom-posting and
   inline replies, e.g. Thunderbird). Any other header is a *hard boundary*: it and
   everything below it are quoted history (Outlook/Gmail quote the history without ``>``).
3. ``>`` lines are quoted wherever they are. A line just above a ``>`` block that ends with
   ":" and names a date, a time, an address or a "wrote"-verb in any language
   ("02.04.2012 14:20 пользователь ... написал:") is its attribution and quoted too.
4. Among the remaining (new) lines, `analyzer.ingest.signature.signature_start` finds the
   signature block ("-- ", "Sent from my iPhone", "Best regards,\\nName\\nTitle", ...).

Speed and safety
----------------
Work is linear in the size of the body: each line is stripped once, the separator and
attribution-start patterns are tried as one alternation each, and the three texts are joined
in one pass (tests/test_parse_speed_equivalence.py pins these to the plain definitions).
Our patterns only ever see one line capped at `MAX_HEADER_LINE` characters, or the last
`ATTRIBUTION_TAIL` characters of a join of at most three lines; quantifiers are bounded.
The library's header regexes are quadratic in the
line length (lazy ``.+?\\s?.+?``) and scan every position, so they run only on colon-ending
lines, on a two-line window capped at `LIBRARY_LINE_CAP` characters per line, at most
`LIBRARY_CALLS_PER_BODY` times per body. Measured: the 767 KB long-quote fixture of
github/email_reply_parser splits in ~3 ms, the "pathological" fixture in <0.2 ms, and 5.8 MB
of plain prose (100k lines) in ~1 s (tests/test_reply.py holds adversarial cases).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mailparser_reply.constants import MAIL_LANGUAGES

from analyzer.errors import InputError
from analyzer.ingest.signature import load_patterns, signature_start

#: Lines are cut to this length before the library's header regexes see them.
LIBRARY_LINE_CAP = 160
#: At most this many lines of one body are shown to the library (its regexes are the slow part).
LIBRARY_CALLS_PER_BODY = 64
#: Our own header patterns ignore lines longer than this.
MAX_HEADER_LINE = 400
#: An attribution may be wrapped over at most this many lines.
MAX_ATTRIBUTION_LINES = 3
#: The attribution end patterns ("wrote:", "schrieb <name>:") are searched in this many last characters.
ATTRIBUTION_TAIL = 260
#: How far (in lines) to look for the rest of a header block.
HEADER_BLOCK_WINDOW = 4

NEW, QUOTED, SIGNATURE = 0, 1, 2  # also the positions of the three texts in `_join_all`

_DATE_OR_ADDRESS = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|\b\d{1,2}:\d{2}\b|@[\w-]+\.|\b(?:19|20)\d\d\b")
_QUOTE_LINE = re.compile(r"^\s*>")
_SENDER_VALUE = re.compile(r"@|\b[^\W\d_a-z][^\W\d_]")


@dataclass(frozen=True)
class ReplyParts:
    """The three parts of a body. Each is stripped; any of them may be empty."""

    new_text: str
    quoted: str
    signature: str


@dataclass(frozen=True)
class _Compiled:
    attributions: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    attribution_start: re.Pattern[str]  # any of the attribution start patterns
    verbs: re.Pattern[str]
    separator: re.Pattern[str]  # any of the separator patterns
    rule_line: re.Pattern[str]
    from_key: re.Pattern[str]
    any_key: re.Pattern[str]
    library: tuple[re.Pattern[str], ...]


def _any_of(patterns: list[str], flags: int = 0) -> re.Pattern[str]:
    """One regex that matches where any of `patterns` matches (one call instead of a loop)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    data = load_patterns()
    keys = data["header_keys"]

    def key_regex(words: list[str]) -> re.Pattern[str]:
        alternatives = "|".join(sorted({re.escape(w) for w in words}, key=len, reverse=True))
        return re.compile(rf"^[>\s]{{0,8}}\*{{0,2}}(?:{alternatives})\s?\*{{0,2}}\s?:", re.IGNORECASE)

    languages = [lang for lang in MAIL_LANGUAGES if lang != "david"]
    return _Compiled(
        attributions=tuple(
            (re.compile(a["start"]), re.compile(a["end"], re.IGNORECASE)) for a in data["attribution"]
        ),
        attribution_start=_any_of([a["start"] for a in data["attribution"]]),
        verbs=re.compile(data["attribution_verbs"], re.IGNORECASE),
        separator=_any_of(data["separators"], re.IGNORECASE),
        rule_line=re.compile(data["rule_line"]),
        from_key=key_regex(keys["from"]),
        any_key=key_regex(keys["from"] + keys["other"]),
        library=tuple(
            re.compile(MAIL_LANGUAGES[lang]["wrote_header"], re.MULTILINE | re.IGNORECASE)
            for lang in languages
            if MAIL_LANGUAGES[lang].get("wrote_header")
        ),
    )


def _library_header(lines: list[str], i: int, pats: _Compiled) -> int | None:
    """First line of a reply header that mail-parser-reply finds ending at line i, else None.

    Only called for a line ending in a colon, on a window of that line and the one above
    (the library's "On ...\\nwrote:" headers span at most two lines), each capped at
    `LIBRARY_LINE_CAP` characters: the library's lazy `.+?\\s?.+?` patterns are quadratic in
    the line length, so the cap (and `LIBRARY_CALLS_PER_BODY`) bounds their cost.
    """
    above = lines[i - 1].strip()[:LIBRARY_LINE_CAP] if i > 0 else ""
    window = f"{above}\n{lines[i].strip()[:LIBRARY_LINE_CAP]}" if above else lines[i].strip()[:LIBRARY_LINE_CAP]
    for regex in pats.library:
        match = regex.search(window)
        if match is None:
            continue
        begin = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        if above and begin <= len(above):
            return i - 1 if not _QUOTE_LINE.match(lines[i - 1]) else None
        return i
    return None


def _attribution_end(stripped: list[str], i: int, pats: _Compiled) -> int | None:
    """Last line of an "On ... wrote:"-style attribution starting at line i, else None.

    `stripped` holds the lines of the body, each stripped."""
    first = stripped[i]
    if not pats.attribution_start.match(first):
        return None
    for j in range(i, min(i + MAX_ATTRIBUTION_LINES, len(stripped))):
        part = stripped[j]
        if not part or len(part) > MAX_HEADER_LINE or (j > i and part.startswith(">")):  # a `>` line
            return None
        if not part.endswith(":"):
            continue
        # the lines so far joined by spaces; end patterns reach at most ~220 characters back
        tail = " ".join(stripped[i:j + 1])[-ATTRIBUTION_TAIL:]
        for start, end in pats.attributions:
            if start.match(first) and end.search(tail):
                return j
    return None


def _header_block_start(lines: list[str], i: int, pats: _Compiled) -> int | None:
    """If line i is a From:-type header line with another header line close by, the block start."""
    key = pats.from_key.match(lines[i])
    if not key or not _SENDER_VALUE.search(lines[i], key.end()):  # "From: 10:00 / To: 16:00" is not a header
        return None
    window = range(max(0, i - 2), min(len(lines), i + HEADER_BLOCK_WINDOW + 1))
    others = [j for j in window if j != i and len(lines[j]) <= MAX_HEADER_LINE and pats.any_key.match(lines[j])]
    if not others:
        return None
    start = i
    while start - 1 >= 0 and start - 1 in others:  # e.g. Hotmail's "Subject:" above "From:"
        start -= 1
    return start


def _with_rule_above(stripped: list[str], start: int, pats: _Compiled) -> int:
    """Include an Outlook underscore/dash rule line sitting just above a header block."""
    j = start - 1
    while j >= 0 and j >= start - 3 and not stripped[j]:
        j -= 1
    if j >= 0 and pats.rule_line.match(stripped[j]):
        return j
    return start


def _next_nonblank(stripped: list[str], j: int) -> int | None:
    for k in range(j, len(stripped)):
        if stripped[k]:
            return k
    return None


def _label_headers(lines: list[str], stripped: list[str], labels: list[int], quoted: list[bool],
                   pats: _Compiled) -> int:
    """Mark attributions as quoted; return the first hard-boundary line (len(lines) if none)."""
    budget = LIBRARY_CALLS_PER_BODY
    for i, text in enumerate(stripped):
        if not text or quoted[i] or len(text) > MAX_HEADER_LINE:
            continue
        if text.strip("-_= ") and pats.separator.match(text):
            return _with_rule_above(stripped, i, pats)
        block = _header_block_start(lines, i, pats)
        if block is not None:
            return _with_rule_above(stripped, block, pats)
        first, end = i, _attribution_end(stripped, i, pats)
        if end is None and budget > 0 and text.endswith((":", "\uff1a")):
            budget -= 1
            found = _library_header(lines, i, pats)
            if found is not None and labels[found] == NEW:
                first, end = found, i
        if end is None:
            continue
        after = _next_nonblank(stripped, end + 1)
        if after is not None and quoted[after]:
            for k in range(first, end + 1):
                labels[k] = QUOTED
        else:
            return _with_rule_above(stripped, first, pats)
    return len(lines)


def _looks_like_attribution(line: str, pats: _Compiled) -> bool:
    return len(line) <= MAX_HEADER_LINE and (
        bool(_DATE_OR_ADDRESS.search(line)) or bool(pats.verbs.search(line))
    )


def _label_quote_blocks(lines: list[str], stripped: list[str], labels: list[int], quoted: list[bool],
                        boundary: int, pats: _Compiled) -> None:
    """Quote the `>` lines and the un-recognised attribution line just above each `>` block."""
    previous = None  # last non-blank line index
    for i in range(boundary):
        if not stripped[i]:
            continue
        if quoted[i]:
            labels[i] = QUOTED
            if previous is not None and not quoted[previous] and labels[previous] == NEW:
                top = previous
                text = stripped[top]
                if text.endswith((":", "\uff1a", ">")) and _looks_like_attribution(text, pats):
                    labels[top] = QUOTED
                    # a wrapped attribution: up to two more lines above, if they carry a date/address
                    for up in (top - 1, top - 2):
                        if up < 0 or not stripped[up] or quoted[up] or labels[up] != NEW:
                            break
                        if not _DATE_OR_ADDRESS.search(lines[up][:MAX_HEADER_LINE]):
                            break
                        labels[up] = QUOTED
        previous = i


def _join_all(lines: list[str], stripped: list[str], labels: list[int]) -> tuple[str, str, str]:
    """The NEW, QUOTED and SIGNATURE texts, in one pass over the lines.

    For each label: its lines, keeping the blank lines inside a run of that label, runs
    separated by a blank line. A run of one label ends at the next non-blank line of another."""
    runs: tuple[list[list[str]], ...] = ([], [], [])
    pending: list[str] = []
    last_label = None
    for line, text, label in zip(lines, stripped, labels):
        if not text:
            pending.append(line)
            continue
        own = runs[label]
        if last_label == label and own:
            own[-1].extend(pending)
            own[-1].append(line)
        else:
            own.append([line])
        pending = []
        last_label = label
    new, quoted, signature = ("\n\n".join("\n".join(run).strip() for run in r).strip() for r in runs)
    return new, quoted, signature


def split_reply(body: str | None, *, legacy_disclaimers: bool = False) -> ReplyParts:
    """Split a plain-text body into (new_text, quoted, signature).

    `None` is treated as an empty body; anything else that is not a string raises InputError.
    Line endings are normalised to "\\n". ``legacy_disclaimers``: see
    :func:`analyzer.ingest.signature.signature_start` (only for rebuilding old training rows).
    """
    if body is None:
        return ReplyParts("", "", "")
    if not isinstance(body, str):
        raise InputError(f"split_reply expects the plain-text body as str, got {type(body).__name__}")
    if not body.strip():
        return ReplyParts("", "", "")
    pats = _compiled()
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    stripped = [line.strip() for line in lines]  # once: every step below looks at them
    # `^\s*>` on the line, without a regex call per line (str.strip and \s agree on whitespace)
    quoted = [text.startswith(">") for text in stripped]
    labels = [NEW] * len(lines)

    boundary = _label_headers(lines, stripped, labels, quoted, pats)
    labels[boundary:] = [QUOTED] * (len(lines) - boundary)  # everything below a hard boundary
    _label_quote_blocks(lines, stripped, labels, quoted, boundary, pats)

    own = [i for i in range(boundary) if labels[i] == NEW and stripped[i]]
    start = signature_start(lines, own, legacy_disclaimers=legacy_disclaimers)
    if start is not None:
        for i in own[start:]:
            labels[i] = SIGNATURE

    new_text, quoted_text, signature = _join_all(lines, stripped, labels)
    return ReplyParts(new_text=new_text, quoted=quoted_text, signature=signature)
