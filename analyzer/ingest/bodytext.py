"""Readable text out of mail parts: charset recovery, mojibake repair, HTML to plain text.

Charset policy (every fallback is recorded by the caller as a defect):

* decode what the part declares; ``iso-8859-1``/``latin-1``/``us-ascii`` carrying 8-bit
  bytes are read as ``cp1252`` (what senders really mean, as browsers do), other declared
  charsets first try their common superset (``gb2312`` -> ``gb18030``, ``ks_c_5601`` ->
  ``cp949``, ``shift_jis`` -> ``cp932``, ``big5`` -> ``big5hkscs``);
* valid UTF-8 is taken as UTF-8; otherwise charset-normalizer guesses; as a last resort
  UTF-8 with replacement characters. An unknown charset name never raises.
* C1 control characters (U+0080..U+009F, what latin-1 decoding makes of cp1252 quotes and
  dashes) are mapped through cp1252; text that ftfy judges as mojibake is repaired with
  ``ftfy.fix_encoding`` (only encoding repair, no other normalisation).

HTML is converted with BeautifulSoup (stdlib ``html.parser``): scripts/styles dropped,
block elements and ``<br>`` become line breaks, ``<blockquote>`` content is prefixed with
``> `` so the reply splitter sees quoted history as quoted.
"""

from __future__ import annotations

import codecs
import re
import warnings

import ftfy
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES

_LATIN_FAMILY = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "ansi_x3.4-1968",
                 "iso-8859-15", "windows-1252", "cp1252", "cp819", "iso_8859-1"}
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "ks_c_5601": "cp949",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "big5": "big5hkscs", "iso-2022-jp": "iso2022_jp_ext", "windows-874": "cp874", "tis-620": "cp874",
}
# C1 controls -> the cp1252 character at the same byte (undefined cp1252 bytes are kept)
_C1_TO_CP1252 = {}
for _b in range(0x80, 0xA0):
    try:
        _C1_TO_CP1252[_b] = bytes([_b]).decode("cp1252")
    except UnicodeDecodeError:
        pass
_C1 = re.compile("[\x80-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip('"').lower()).name
    except (LookupError, ValueError):
        return None


def decode_payload(payload: bytes, declared: str | None) -> tuple[str, str | None]:
    """Bytes of a text part -> (text, fallback note or None). Never raises."""
    if payload.isascii():
        return payload.decode("ascii"), None
    label = (declared or "").strip().strip('"').lower()
    attempts: list[tuple[str, str | None]] = []
    if label in _LATIN_FAMILY:
        if label in ("us-ascii", "ascii", "ansi_x3.4-1968"):
            attempts.append(("ascii", None))
            attempts.append(("utf-8", f"{label} with 8-bit bytes read as utf-8"))
        note = None if label in ("windows-1252", "cp1252") else f"{label} read as cp1252"
        attempts.append(("cp1252", note))
        attempts.append(("latin-1", note))  # cp1252 leaves 5 bytes undefined; latin-1 never fails
    else:
        if label in _SUPERSETS:
            attempts.append((_SUPERSETS[label], f"{label} read as {_SUPERSETS[label]}"))
        codec = _codec(label)
        if codec:
            attempts.append((codec, None))
    attempts.append(("utf-8", f"declared charset {label or 'none'!r} failed; decoded as utf-8" if label else None))
    for codec, note in attempts:
        try:
            return payload.decode(codec), note
        except (UnicodeDecodeError, LookupError):
            continue
    mostly_utf8 = payload.decode("utf-8", "replace")
    if mostly_utf8.count("\ufffd") <= max(3, len(payload) // 1000):  # a few stray bytes in UTF-8
        return mostly_utf8, f"declared charset {label or 'none'!r} failed; utf-8 with a few replacement characters"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(payload).best()
    except Exception:  # detection is best-effort; never fail a message over it
        best = None
    if best is not None and best.encoding:
        return str(best), f"declared charset {label or 'none'!r} failed; detected {best.encoding}"
    return payload.decode("utf-8", "replace"), f"declared charset {label or 'none'!r} failed; utf-8 with replacement"


def clean_text(text: str) -> tuple[str, list[str]]:
    """Make decoded text safe and readable: surrogates, C1 controls, mojibake. Returns (text, notes)."""
    notes: list[str] = []
    if not text or text.isascii():  # no surrogates, C1 controls or mojibake possible
        return text or "", notes
    if _has_surrogates(text):  # raw 8-bit bytes carried by the stdlib as surrogate escapes
        raw = text.encode("utf-8", "surrogateescape") if _only_escapes(text) else None
        if raw is not None:
            text, note = decode_payload(raw, "utf-8")
            notes.append("raw 8-bit bytes in text; " + (note or "decoded as utf-8"))
        else:
            text = _SURROGATE.sub("\ufffd", text)
            notes.append("lone surrogates replaced")
    if not _TRIGGER.search(text):  # C1 controls are triggers too: nothing more to do (most mail)
        return text, notes
    if _C1.search(text):
        text = text.translate(_C1_TO_CP1252)
        notes.append("C1 control characters read as cp1252")
    if looks_like_mojibake(text):
        fixed = ftfy.fix_encoding(text)
        if fixed != text:
            text = fixed
            notes.append("mojibake repaired (ftfy)")
    return text, notes


def _has_surrogates(text: str) -> bool:
    """Whether `text` holds a surrogate code point: the only thing strict UTF-8 cannot encode
    (an encode is several times cheaper than a regex scan of the text)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


#: Characters of context kept on each side of a trigger character: ftfy's mojibake sequences are at
#: most seven characters long and each holds a trigger character, so 16 leaves a wide margin.
_MOJIBAKE_CONTEXT = 16
#: The *trigger* characters: every sequence ftfy's badness pattern (ftfy 6.3) looks for holds at
#: least one of them. Per alternative of the pattern one of its character classes lies wholly in
#: this set, chosen to leave out what ordinary mail is full of: lower-case accented letters
#: (``é``, ``ł``; ftfy's "lower_accented" and "kaomoji"), Greek and Cyrillic letters, and the
#: "common" characters (``’ – — … \xa0 ·``). Those only ever form a bad sequence together with a
#: trigger character (``Ã©`` holds ``Ã``, ``â€™`` holds ``€``), so text without one is never bad.
#: tests/test_bodytext_fastpaths.py checks the claim against ftfy's pattern itself.
_TRIGGERS = "".join(MOJIBAKE_CATEGORIES[name] for name in (
    "c1", "bad", "upper_accented", "box", "start_punctuation", "end_punctuation", "currency", "numeric",
)) + "\N{LATIN SMALL LIGATURE OE}\N{LATIN CAPITAL LETTER U WITH GRAVE}\N{CYRILLIC CAPITAL LETTER DJE}\N{DEGREE SIGN}"
#: One character, not a run: a single-character class lets the regex engine skip ahead in C
#: (three times faster than ``[...]+`` on mail); neighbouring windows are merged anyway.
_TRIGGER = re.compile(f"[{_TRIGGERS}]")


def looks_like_mojibake(text: str) -> bool:
    """``ftfy.badness.is_bad(text)``, searched only around the trigger characters of the text.

    Every sequence ftfy's badness pattern looks for contains a trigger character (`_TRIGGERS`)
    and is at most seven characters long, so searching windows of `_MOJIBAKE_CONTEXT`
    characters around the trigger characters (the pattern's ``pos`` and ``endpos`` keep its anchors
    honest; it has no lookaround) gives the same answer as searching the whole text. Most mail
    holds no trigger at all (accented names, curly apostrophes and dashes are not triggers) and
    costs one scan in C."""
    spans: list[list[int]] = []
    for m in _TRIGGER.finditer(text):
        lo, hi = max(0, m.start() - _MOJIBAKE_CONTEXT), m.end() + _MOJIBAKE_CONTEXT
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
    return any(BADNESS_RE.search(text, lo, hi) for lo, hi in spans)


def _only_escapes(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
        return True
    except UnicodeEncodeError:
        return False


_BLOCK_TAGS = ["p", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
               "pre", "hr", "address", "section", "article", "header", "footer", "dt", "dd", "title"]
_BLOCK_SET = frozenset(_BLOCK_TAGS)
_DROP_TAGS = frozenset(["script", "style", "head", "noscript", "template"])
_MANY_NEWLINES = re.compile(r"\n[ \t\xa0]*(?:\n[ \t\xa0]*){2,}")
_TRAILING_SPACE = re.compile(r"[ \t\xa0]+\n")


def html_to_text(html: str, defects: list[str] | None = None) -> str:
    """HTML mail -> readable plain text with line structure and ``>``-quoted blockquotes.

    Bounded (:mod:`analyzer.limits`): at most MAX_HTML_CHARS of HTML are parsed, and a page with
    more than MAX_BLOCKQUOTES blockquotes keeps their text without ``>`` quoting (nesting them
    costs quadratic time and memory); each cut is appended to ``defects`` when given."""
    from bs4 import BeautifulSoup, NavigableString
    from bs4 import XMLParsedAsHTMLWarning

    from analyzer.limits import MAX_BLOCKQUOTES, MAX_HTML_CHARS

    notes = defects if defects is not None else []
    if len(html) > MAX_HTML_CHARS:
        notes.append(f"HtmlTruncated: {len(html)} characters of HTML, the first {MAX_HTML_CHARS} parsed")
        html = html[:MAX_HTML_CHARS]
    if html.lower().count("<blockquote") > MAX_BLOCKQUOTES:
        notes.append(f"HtmlQuotesFlattened: more than {MAX_BLOCKQUOTES} blockquotes, kept as plain text")
        html = re.sub(r"(?i)</?blockquote\b[^>]*>", "\n", html)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", UserWarning)  # "looks like a URL/filename" notices
        soup = BeautifulSoup(html, "html.parser")
    quotes = []
    for tag in soup.find_all(True):  # one pass over all elements
        name = tag.name
        if name in _DROP_TAGS:
            tag.decompose()
        elif name == "br":
            tag.replace_with(NavigableString("\n"))
        elif name in _BLOCK_SET:
            tag.insert_before(NavigableString("\n"))
            tag.insert_after(NavigableString("\n"))
        elif name in ("td", "th"):
            tag.insert_after(NavigableString("\t"))
        elif name == "blockquote":
            tag.insert_before(NavigableString("\n"))
            tag.insert_after(NavigableString("\n"))
            quotes.append(tag)
    # innermost first, so nested quotes get "> > "
    for quote in reversed(quotes):
        inner = _squeeze(quote.get_text())
        quoted = "\n".join(("> " + line) if line.strip() else ">" for line in inner.split("\n"))
        quote.replace_with(NavigableString("\n" + quoted + "\n"))
    return _squeeze(soup.get_text())


def _squeeze(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = _TRAILING_SPACE.sub("\n", text)
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()
