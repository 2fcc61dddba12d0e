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
Work is linear in the size of the body. Our patterns only ever see one line capped at
`MAX_HEADER_LINE` characters, or the last `ATTRIBUTION_TAIL` characters of a join of at
most three lines; quantifiers are bounded. The library's header regexes are quadratic in the
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

NEW, QUOTED, SIGNATURE = 0, 1, 2

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
    verbs: re.Pattern[str]
    separators: tuple[re.Pattern[str], ...]
    rule_line: re.Pattern[str]
    from_key: re.Pattern[str]
    any_key: re.Pattern[str]
    library: tuple[re.Pattern[str], ...]


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
        verbs=re.compile(data["attribution_verbs"], re.IGNORECASE),
        separators=tuple(re.compile(s, re.IGNORECASE) for s in data["separators"]),
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


def _attribution_end(lines: list[str], i: int, pats: _Compiled) -> int | None:
    """Last line of an "On ... wrote:"-style attribution starting at line i, else None."""
    first = lines[i].strip()
    if not any(start.match(first) for start, _ in pats.attributions):
        return None
    joined = ""
    for j in range(i, min(i + MAX_ATTRIBUTION_LINES, len(lines))):
        part = lines[j].strip()
        if not part or len(part) > MAX_HEADER_LINE or (j > i and _QUOTE_LINE.match(part)):
            return None
        joined = f"{joined} {part}" if joined else part
        if not part.endswith(":"):
            continue
        tail = joined[-ATTRIBUTION_TAIL:]  # end patterns reach at most ~220 characters back
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


def _with_rule_above(lines: list[str], start: int, pats: _Compiled) -> int:
    """Include an Outlook underscore/dash rule line sitting just above a header block."""
    j = start - 1
    while j >= 0 and j >= start - 3 and not lines[j].strip():
        j -= 1
    if j >= 0 and pats.rule_line.match(lines[j].strip()):
        return j
    return start


def _next_nonblank(lines: list[str], j: int) -> int | None:
    for k in range(j, len(lines)):
        if lines[k].strip():
            return k
    return None


def _label_headers(lines: list[str], labels: list[int], quoted: list[bool], pats: _Compiled) -> int:
    """Mark attributions as quoted; return the first hard-boundary line (len(lines) if none)."""
    budget = LIBRARY_CALLS_PER_BODY
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or quoted[i] or len(stripped) > MAX_HEADER_LINE:
            continue
        if stripped.strip("-_= ") and any(sep.match(stripped) for sep in pats.separators):
            return _with_rule_above(lines, i, pats)
        block = _header_block_start(lines, i, pats)
        if block is not None:
            return _with_rule_above(lines, block, pats)
        first, end = i, _attribution_end(lines, i, pats)
        if end is None and budget > 0 and stripped.endswith((":", "\uff1a")):
            budget -= 1
            found = _library_header(lines, i, pats)
            if found is not None and labels[found] == NEW:
                first, end = found, i
        if end is None:
            continue
        after = _next_nonblank(lines, end + 1)
        if after is not None and quoted[after]:
            for k in range(first, end + 1):
                labels[k] = QUOTED
        else:
            return _with_rule_above(lines, first, pats)
    return len(lines)


def _looks_like_attribution(line: str, pats: _Compiled) -> bool:
    return len(line) <= MAX_HEADER_LINE and (
        bool(_DATE_OR_ADDRESS.search(line)) or bool(pats.verbs.search(line))
    )


def _label_quote_blocks(lines: list[str], labels: list[int], quoted: list[bool], boundary: int,
                        pats: _Compiled) -> None:
    """Quote the `>` lines and the un-recognised attribution line just above each `>` block."""
    previous = None  # last non-blank line index
    for i in range(boundary):
        if not lines[i].strip():
            continue
        if quoted[i]:
            labels[i] = QUOTED
            if previous is not None and not quoted[previous] and labels[previous] == NEW:
                top = previous
                text = lines[top].strip()
                if text.endswith((":", "\uff1a", ">")) and _looks_like_attribution(text, pats):
                    labels[top] = QUOTED
                    # a wrapped attribution: up to two more lines above, if they carry a date/address
                    for up in (top - 1, top - 2):
                        if up < 0 or not lines[up].strip() or quoted[up] or labels[up] != NEW:
                            break
                        if not _DATE_OR_ADDRESS.search(lines[up][:MAX_HEADER_LINE]):
                            break
                        labels[up] = QUOTED
        previous = i


def _join(lines: list[str], labels: list[int], wanted: int) -> str:
    """Lines with label `wanted`, keeping blank lines inside a run, runs separated by a blank line."""
    runs: list[list[str]] = []
    pending: list[str] = []
    last_label = None
    for line, label in zip(lines, labels):
        if not line.strip():
            pending.append(line)
            continue
        if label == wanted:
            if last_label == wanted and runs:
                runs[-1].extend(pending)
                runs[-1].append(line)
            else:
                runs.append([line])
        pending = []
        last_label = label
    return "\n\n".join("\n".join(run).strip() for run in runs).strip()


def split_reply(body: str | None) -> ReplyParts:
    """Split a plain-text body into (new_text, quoted, signature).

    `None` is treated as an empty body; anything else that is not a string raises InputError.
    Line endings are normalised to "\\n".
    """
    if body is None:
        return ReplyParts("", "", "")
    if not isinstance(body, str):
        raise InputError(f"split_reply expects the plain-text body as str, got {type(body).__name__}")
    if not body.strip():
        return ReplyParts("", "", "")
    pats = _compiled()
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    quoted = [bool(_QUOTE_LINE.match(line)) for line in lines]
    labels = [NEW] * len(lines)

    boundary = _label_headers(lines, labels, quoted, pats)
    for i in range(boundary, len(lines)):
        labels[i] = QUOTED
    _label_quote_blocks(lines, labels, quoted, boundary, pats)

    own = [i for i, line in enumerate(lines) if labels[i] == NEW and line.strip()]
    start = signature_start(lines, own)
    if start is not None:
        for i in own[start:]:
            labels[i] = SIGNATURE

    return ReplyParts(
        new_text=_join(lines, labels, NEW),
        quoted=_join(lines, labels, QUOTED),
        signature=_join(lines, labels, SIGNATURE),
    )
