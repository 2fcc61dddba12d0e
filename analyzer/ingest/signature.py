"""Find where the sender's signature starts among the lines they newly wrote.

`analyzer.ingest.reply` first separates quoted history from the sender's own lines; this
module then decides which trailing part of those own lines is a signature block. The
signature is kept (not thrown away) because later stages read job titles from it
(seniority), while the signal detector must not see it.

A signature starts at the earliest line that is one of:

* a delimiter line: ``-- `` (RFC 3676), ``--``, a line of underscores (mailing-list
  footers), an em dash;
* a mobile/client tag: "Sent from my iPhone", "Von meinem iPhone gesendet",
  "Get Outlook for iOS" (a short tag, not a sentence: "Sent from my desk, is much
  easier..." stays text);
* a valediction line on its own: "Best regards,", "Thanks,", "Cheers, Bob",
  "Mit freundlichen Grüßen", "Cordialement", "Met vriendelijke groet" ...;
* a dash-name sign-off: "-Abhishek Kona", "-- Tim";
* a trailing name block without a valediction: a last paragraph whose first line looks like
  a person's name and whose other lines carry a job title word or contact details
  ("Jane Doe / Head of Marketing / Northwind / +44 20 ...");
* a confidentiality disclaimer paragraph. A paragraph whose only cue is the word "confidential"
  must also read like one (``disclaimer_words``: intended recipient, privileged, notify the
  sender...): people open their own news the same way ("Confidential, please keep it to you for
  now.\n\nWe are in talks with a buyer..."), and that news went to the signature whole
  (``models/depth/CANDIDATE55.md``). A name block right above a disclaimer (with or without a
  valediction over it) starts the signature instead of the disclaimer (``CANDIDATE56.md``).

and only if what follows it is short enough to be a signature (each kind has its own
limit on the number of following non-blank lines), so a "--" used in running text or a
"Thanks," in the middle of a long mail does not swallow the message. Patterns live in
``reply_patterns.json``; all of them are applied to single lines that are first capped in
length, so the work is linear in the body size.

The splitter knows no names, so a bare sign-off (the sender's name alone on the last line, with no
valediction above it: "...we give you all containers.\n\nSaid") stays in the new text. Ingest then
moves it to the start of the signature with :func:`split_own_name_sign_off`, which knows the sender's
display name and address (44% of the messages of the hand-written agency mailboxes end that way; the
detector read "Said" as advice acted on: ``models/depth/CANDIDATE52.md``, ``CANDIDATE53.md``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

#: Lines longer than this are never signature lines (a 700 KB line is text, not a name).
MAX_SIGNATURE_LINE = 200
#: Disclaimers often arrive as one long unwrapped paragraph.
MAX_DISCLAIMER_LINE = 4000

#: How many non-blank lines may follow each kind of signature start.
TAIL_LIMITS = {
    "delimiter": 40,
    "mobile": 6,
    "valediction": 10,
    "dash_name": 10,
    "name_block": 7,
    "disclaimer": 40,
}
#: The most non-blank lines any kind of signature start may have after it.
_LONGEST_TAIL = max(TAIL_LIMITS.values())

_NAME_TOKEN = re.compile(r"^(?:[^\W\d_][\w.'’-]{0,30}|(?:van|von|de|der|den|da|di|del|la|le|du|ten|ter|bin|al)\b)$")
_NAME_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "du", "ten", "ter", "bin", "al"}
_DASH_NAME = re.compile(r"^-{1,2}\s?(\w[\w.'’-]{0,30}(?:\s\w[\w.'’-]{0,30}){0,2})$")
_VALEDICTION_SEP = re.compile(r"\s+[-–—]{1,2}\s+|\s*,\s*")
_WORD = re.compile(r"[^\W\d_][\w&-]*")
_TITLE_SMALL_WORDS = {"of", "and", "for", "the", "at", "in", "to", "de", "du", "des", "la", "le", "für", "und", "der",
                      "y", "en", "van", "voor"}


@dataclass(frozen=True)
class _Patterns:
    delimiter: re.Pattern[str]
    mobile: re.Pattern[str]
    valedictions: frozenset[str]
    title_words: frozenset[str]
    contact: re.Pattern[str]
    disclaimer: re.Pattern[str]
    disclaimer_bare: re.Pattern[str]
    disclaimer_words: re.Pattern[str]


@lru_cache(maxsize=1)
def load_patterns() -> dict:
    """The pattern data shared with `analyzer.ingest.reply` (read once, cached)."""
    text = resources.files("analyzer.ingest").joinpath("reply_patterns.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    data = load_patterns()
    return _Patterns(
        delimiter=re.compile(data["signature_delimiter"]),
        mobile=re.compile(data["mobile_signature"], re.IGNORECASE),
        valedictions=frozenset(v.casefold() for v in data["valedictions"]),
        title_words=frozenset(w.casefold() for w in data["title_words"]),
        contact=re.compile(data["contact_line"], re.IGNORECASE),
        disclaimer=re.compile(data["disclaimer_start"], re.IGNORECASE),
        disclaimer_bare=re.compile(data["disclaimer_bare"], re.IGNORECASE),
        disclaimer_words=re.compile(data["disclaimer_words"], re.IGNORECASE),
    )


def _is_name_like(text: str, max_tokens: int = 4) -> bool:
    """'Jane Doe', 'Dr. Hans van der Berg', 'Abhishek Kona' - capitalised tokens, no digits."""
    tokens = text.split()
    if not 1 <= len(tokens) <= max_tokens:
        return False
    capitalised = 0
    for tok in tokens:
        if not _NAME_TOKEN.match(tok):
            return False
        if tok[0].isupper():
            capitalised += 1
        elif tok.casefold() not in _NAME_PARTICLES:
            return False
    return capitalised >= 1


def _is_valediction(text: str, pats: _Patterns) -> bool:
    """A closing on its own line: 'Best regards,' 'Thanks!' 'Cheers, Bob' 'Viele Grüße'."""
    head, _, rest = _VALEDICTION_SEP.sub(",", text, count=1).partition(",")
    head = head.strip().rstrip(".!-–— ").casefold()
    rest = rest.strip().rstrip(".!")
    if head not in pats.valedictions:
        return False
    return not rest or _is_name_like(rest, max_tokens=3)


def _is_name_block(block: Sequence[str], pats: _Patterns) -> bool:
    """A trailing 'Name / Title / Company / phone' paragraph with no valediction above it."""
    if not 2 <= len(block) <= TAIL_LIMITS["name_block"]:
        return False
    if any(len(line) > 80 or line.endswith(("?", "!")) for line in block):
        return False
    first = block[0].strip("*_ ")
    if not _is_name_like(first):
        return False
    for line in block[1:]:
        if pats.contact.search(line):
            return True
        words = _WORD.findall(line)
        if {w.casefold() for w in words} & pats.title_words and _is_title_case(words):
            return True
    return False


def _is_title_case(words: Sequence[str]) -> bool:
    """'Head of Marketing', 'Senior Account Manager', 'CEO' - not 'Sales review by Friday'."""
    content = [w for w in words if w.casefold() not in _TITLE_SMALL_WORDS]
    return bool(content) and sum(w[0].isupper() for w in content) >= 0.75 * len(content)


def _kind(line: str, k: int, pats: _Patterns) -> str | None:
    """Which kind of signature start `line` (the k-th own line) is, if any."""
    if len(line) > MAX_SIGNATURE_LINE:
        if k >= 1 and len(line) <= MAX_DISCLAIMER_LINE and pats.disclaimer.match(line):
            return "disclaimer"
        return None
    if pats.delimiter.match(line):
        return "delimiter"
    if pats.mobile.match(line):
        return "mobile"
    if k == 0:  # a message that is only "Thanks!" or "-Bob" has no text left: keep it as text
        return None
    if _is_valediction(line, pats):
        return "valediction"
    m = _DASH_NAME.match(line)
    if m and _is_name_like(m.group(1), max_tokens=3):
        return "dash_name"
    if pats.disclaimer.match(line):
        return "disclaimer"
    return None


def _paragraph(lines: Sequence[str], own: Sequence[int], k: int) -> tuple[list[str], int]:
    """The own lines of the paragraph that opens at own[k] (up to a blank or quoted line), and the
    position in `own` just after it."""
    end = k + 1
    while end < len(own) and own[end] == own[end - 1] + 1 and end - k <= TAIL_LIMITS["disclaimer"]:
        end += 1
    return [lines[i].strip() for i in own[k:end]], end


def _reads_like_disclaimer(lines: Sequence[str], own: Sequence[int], k: int, pats: _Patterns) -> bool:
    """Whether the paragraph opening at own[k] (with the next one, when it is a lone heading of a
    few words such as "CONFIDENTIAL") holds the vocabulary of a legal disclaimer."""
    para, end = _paragraph(lines, own, k)
    if sum(len(line.split()) for line in para) <= 3 and end < len(own):
        para += _paragraph(lines, own, end)[0]
    return any(pats.disclaimer_words.search(line[:MAX_DISCLAIMER_LINE]) for line in para)


def _name_block_above(lines: Sequence[str], own: Sequence[int], k: int, pats: _Patterns) -> int:
    """Where a signature whose disclaimer opens at own[k] starts: at the sender's name block right above
    the disclaimer ("Ingrid Solbakken / Partner / Brattøra Partners AS / +47 ..."; in the disclaimer's
    own paragraph or in the paragraph before it), with a valediction opening that block ("Kind regards, /
    Jane Doe / Head of Marketing"), else at the disclaimer. A name block is only found at the very end
    of the own lines otherwise, so one above a disclaimer stayed in the new text (candidate N4,
    ``models/depth/CANDIDATE56.md``)."""
    if k == 0:
        return k
    start = k if own[k - 1] == own[k] - 1 else k - 1  # the disclaimer's paragraph, or the one above it
    while start > 0 and own[start - 1] == own[start] - 1:
        start -= 1
    block = [lines[i].strip() for i in own[start:k]]
    if start == 0 or not block:  # a message that is only a name and a disclaimer keeps its text
        return k
    if _is_valediction(block[0], pats):
        rest = block[1:]
        if 1 <= len(rest) < TAIL_LIMITS["name_block"] and _is_name_like(rest[0].strip("*_ ")) \
                and all(len(line) <= 80 and not line.endswith("?") for line in rest):
            return start
        return k
    return start if _is_name_block(block, pats) else k


def signature_start(lines: Sequence[str], own: Sequence[int], *, legacy_disclaimers: bool = False) -> int | None:
    """Position p in `own` where the signature starts (own[p:] are signature lines), or None.

    `lines` are all lines of the body; `own` are the indices of the non-blank lines the
    sender newly wrote, in order (quoted lines are not in it and stay quoted even when they
    come after the signature). ``legacy_disclaimers``: disclaimers as before ``models/depth/CANDIDATE55.md``
    and ``CANDIDATE56.md``: a line opening with "confidential" starts one whatever follows it, and a name
    block above one stays new text (the committed detector training rows were made that way:
    :func:`training.signals.mail_rows.reply_new_text`).
    """
    pats = _patterns()
    n = len(own)
    # a start needs at most _LONGEST_TAIL own lines after it: earlier lines cannot be one (and
    # `_kind` has no side effects), so long mails only look at their last lines
    for k in range(max(0, n - 1 - _LONGEST_TAIL), n):
        line = lines[own[k]].strip()
        kind = _kind(line, k, pats)
        if kind == "disclaimer" and not legacy_disclaimers and pats.disclaimer_bare.match(line) \
                and not _reads_like_disclaimer(lines, own, k, pats):
            kind = None
        if kind is not None and n - k - 1 <= TAIL_LIMITS[kind]:
            if kind == "disclaimer" and not legacy_disclaimers:
                return _name_block_above(lines, own, k, pats)
            return k
        # the name-block start must open a paragraph and reach the end of the own lines
        if kind is None and k >= 1 and n - k <= TAIL_LIMITS["name_block"] and not lines[own[k] - 1].strip():
            block = [lines[i].strip() for i in own[k:]]
            if all(own[j + 1] == own[j] + 1 for j in range(k, n - 1)) and _is_name_block(block, pats):
                return k
    return None


#: A sign-off line is at most this long (characters) and this many words.
_SIGN_OFF_CHARS, _SIGN_OFF_WORDS = 40, 4
_SIGN_OFF_STRIP = ".,;:!~-–—_*() \t"
_LOCAL_PART_SEP = re.compile(r"[._+\-\d]+")


def _name_tokens(from_name: str, from_address: str) -> set[str]:
    """The sender's name words (casefolded, two letters or more), from the display name and the
    address's local part ("byron.andrade.m@..." -> byron, andrade)."""
    words = set(_WORD.findall(from_name or ""))
    local = (from_address or "").partition("@")[0]
    words.update(w for w in _LOCAL_PART_SEP.split(local) if w.isalpha())
    return {w.casefold() for w in words if len(w) >= 2}


def _initials(from_name: str) -> str:
    return "".join(w[0] for w in _WORD.findall(from_name or "")).casefold()


def is_own_name(line: str, from_name: str, from_address: str = "") -> bool:
    """Whether ``line`` is only the sender's own name: some of its words ("Said", "Said Al Balushi",
    "byron"), or its initials ("SAB", "S.A.B."), with sign-off punctuation around it."""
    text = line.strip().strip(_SIGN_OFF_STRIP)
    if not text or len(text) > _SIGN_OFF_CHARS:
        return False
    tokens = text.split()
    if len(tokens) > _SIGN_OFF_WORDS:
        return False
    names = _name_tokens(from_name, from_address)
    if names and all(t.strip(_SIGN_OFF_STRIP).casefold() in names for t in tokens):
        return True
    initials = _initials(from_name)
    squeezed = text.replace(".", "").replace(" ", "").casefold()
    return len(initials) >= 2 and squeezed == initials


def split_own_name_sign_off(new_text: str, signature: str, from_name: str,
                            from_address: str = "") -> tuple[str, str]:
    """(new text, signature) with a last own line that is only the sender's name moved to the
    start of the signature: a bare sign-off ("...all containers.\\n\\nSaid") is the signature's first
    line, not a sentence for the signal detector (which read the name "Said" as advice acted on).
    The splitter cannot see it (it knows no names); a text that is nothing but the name stays text.
    """
    lines = new_text.rstrip().split("\n")
    if len(lines) < 2 or not is_own_name(lines[-1], from_name, from_address):
        return new_text, signature
    body = "\n".join(lines[:-1]).rstrip()
    if not body.strip():
        return new_text, signature
    name = lines[-1].strip()
    return body, (name + "\n" + signature) if signature else name
