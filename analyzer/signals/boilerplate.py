"""Sentences that are mail furniture, not something a person says: greeting lines ("Hi all,"),
sign-offs ("Best, Jo"), legal disclaimers, signature art (rows of ``*``, ``|`` or ``_``) and the
one-word status lines of minutes ("Postponed."); and, for a classifier with ``silent_furniture``, bare
courtesy ("Thank you so much!!", "Perfect!!": :data:`COURTESY`).

The signal classifier (:mod:`analyzer.signals.linear`) never makes such a sentence a window's
evidence while the window has another, and the signal combiner (:mod:`analyzer.signals.combine`)
gives it no label, whatever its words or its neighbours suggest: on real mailing-list mail these were read as forgiveness ("All,"),
early warnings ("this message may contain confidential information") or apologies (a signature
block), and in the report they would be quoted as evidence. The patterns are plain data below.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

#: A greeting line: a salutation, then only names or a group ("Hi all,", "Dear Ms Brandt,").
GREETING = re.compile(
    r"(?i)^\W*(?:hi|hello|hey|dear|greetings|good\s+(?:morning|afternoon|evening)|morning|afternoon|evening|"
    r"all|team|folks|everyone|colleagues|ladies\s+and\s+gentlemen)\b(?P<rest>.*)$")
_SIGN_OFF_WORDS = (
    r"(?:best(?:\s+regards|\s+wishes)?|kind\s+regards|warm\s+regards|regards|cheers|br|rgds|"
    r"sincerely|yours(?:\s+sincerely|\s+truly)?|all\s+the\s+best|all\s+best|thanks(?:\s+again)?|"
    r"thank\s+you(?:\s+and)?|many\s+thanks|talk\s+soon|speak\s+soon)\b")
#: A sign-off, or two in a row ("Thank you, best regards,"), then only a name ("Best,\nJo", "Thanks,
#: Sam"): the sentence splitter often joins them.
SIGN_OFF = re.compile(
    rf"(?i)^\W*{_SIGN_OFF_WORDS}(?:[\s,.;:!&-]*(?:and\s+)?\W*{_SIGN_OFF_WORDS})?(?P<rest>.*)$")
#: Words that may follow a salutation besides names.
GROUP_WORDS = frozenset({"all", "team", "everyone", "folks", "both", "and", "&", "guys", "colleagues"})
#: A salutation that names the agency by a vendor role ("Dear Supplier,", "Dear Valued Vendor,") is
#: no greeting furniture: it calls the agency a supplier (SIGNALS.md, supplier_label).
VENDOR_SALUTATION = re.compile(r"(?i)\b(?:suppliers?|vendors?|contractors?|providers?)\b")
#: Words of legal disclaimers; two of them in one sentence make it one.
DISCLAIMER_WORDS = re.compile(
    r"(?i)\b(?:confidential|privileged|intended\s+(?:solely\s+)?(?:for|recipient)|addressee|"
    r"received\s+(?:this|it)\s+(?:e-?mail\s+|message\s+)?in\s+error|unauthori[sz]ed|disclaimer|"
    r"(?:prohibited|strictly\s+forbidden)|viruses|liability|legally\s+binding)\b")
#: Bare courtesy: a line that is only thanks, with intensifiers, one-word reactions, or thanks for a
#: courtesy ("Thank you so much!!", "Perfect!!", "Yay, thank you so much!!!", "Thanks for your
#: patience!"). SIGNALS.md: "'Thanks!' alone is not appreciation"; thanks for the work is.
_THANKS = r"(?:thank\s*(?:you|u)|thanks|thx|ty|tks|many\s+thanks|much\s+appreciated|appreciate\s+it)"
_INTENSIFIERS = (r"(?:so|very|much|a\s+lot|lots|loads|heaps|a\s+million|a\s+ton|a\s+bunch|tons|again|"
                 r"once\s+again|as\s+always|kindly|x+|all|both|guys|team|everyone)")
_REACTIONS = (r"(?:amazing|perfect|great|awesome|brilliant|wonderful|lovely|yay|wow|super|fantastic|excellent|"
              r"fab|cool|ok(?:ay)?|noted|got\s+it|received|sounds\s+good|will\s+do|all\s+good)")
_COURTESIES = (r"(?:your\s+patience|(?:your\s+)?understanding|the\s+(?:quick\s+)?(?:reply|response|update|"
               r"heads[\s-]up|reminder|confirmation)|getting\s+back(?:\s+to\s+(?:me|us))?|"
               r"letting\s+(?:me|us)\s+know|confirming|checking(?:\s+in)?|asking)")
COURTESY = re.compile(
    rf"(?i)^\W*(?:(?:{_REACTIONS}\W+)*{_THANKS}(?:\W+{_INTENSIFIERS})*(?:\W+for\s+{_COURTESIES})?"
    rf"(?:\W+{_INTENSIFIERS})*|{_REACTIONS}(?:\W+{_INTENSIFIERS})*)[\W_]*$")
#: A one-word status line of a minutes or tracking list ("Postponed.", "Agreed", "Noted").
STATUS = re.compile(r"^\W*[A-Za-z]+ed\W*$")
_WORD = re.compile(r"[\w.'&-]+")
_ART = re.compile(r"[*_=+|\\/~#<>-]{3,}|(?:\|.*){3,}")


def _names_only(rest: str) -> bool:
    """Up to four words, each a name (capitalised) or a group word, and punctuation."""
    words = _WORD.findall(rest)
    if len(words) > 4 or "?" in rest:
        return False
    return all(w[:1].isupper() or w.lower() in GROUP_WORDS for w in words)


def boilerplate_kind(text: str) -> str | None:
    """"greeting", "sign-off", "status line", "disclaimer", "signature art" or None for a sentence a
    person says (bare courtesy is asked for separately: :func:`furniture_kind`)."""
    return _kind(" ".join(str(text).split()))


@lru_cache(maxsize=65_536)
def _kind(s: str) -> str | None:
    """:func:`boilerplate_kind` of whitespace-normalised text (cached: "Thanks," and "Best, Jo" recur
    in every other mail)."""
    if not s:
        return None
    for kind, pattern, limit in (("greeting", GREETING, 80), ("sign-off", SIGN_OFF, 60)):
        m = pattern.match(s) if len(s) <= limit else None
        if m and _names_only(m.group("rest")) and not (kind == "greeting" and VENDOR_SALUTATION.search(m.group("rest"))):
            return kind
    if STATUS.match(s):
        return "status line"
    if len(DISCLAIMER_WORDS.findall(s)) >= 2:
        return "disclaimer"
    letters = sum(ch.isalpha() for ch in s)
    if _ART.search(s) and letters < 0.75 * len(s):
        return "signature art"
    return None


#: First words of greeting lines and sign-offs: only sentences that start with one of these (or
#: are at most three tokens long) are worth the text check inside the classifier's hot loop.
STARTERS = frozenset({
    "hi", "hello", "hey", "dear", "greetings", "good", "morning", "afternoon", "evening", "all", "team",
    "folks", "everyone", "colleagues", "ladies", "best", "kind", "warm", "regards", "cheers", "br", "rgds",
    "sincerely", "yours", "thanks", "thank", "many", "talk", "speak"})
#: First words of bare courtesy lines besides those (read only when courtesy counts as furniture).
COURTESY_STARTERS = frozenset({
    "thx", "ty", "tks", "much", "appreciate", "amazing", "perfect", "great", "awesome", "brilliant", "wonderful",
    "lovely", "yay", "wow", "super", "fantastic", "excellent", "fab", "cool", "ok", "okay", "noted", "got",
    "received", "sounds", "will"})


def furniture_kind(text: str, courtesy: bool = False) -> str | None:
    """:func:`boilerplate_kind`, and with ``courtesy`` also "courtesy" for a bare courtesy line
    (:data:`COURTESY`): what a classifier with ``silent_furniture`` treats as furniture."""
    s = " ".join(str(text).split())
    kind = _kind(s)
    if kind is None and courtesy and len(s) <= 80 and COURTESY.match(s):
        return "courtesy"
    return kind


def furniture_mask(docs, offsets, s_start, s_end, doc_of, candidates, courtesy: bool = False) -> np.ndarray:
    """For sentences laid end to end over ``docs`` (global token ranges ``s_start``/``s_end``,
    ``doc_of`` their doc, ``offsets`` each doc's first global token): True for those of
    ``candidates`` (sentence indices) that are furniture. The classifier never picks such a
    sentence as a window's evidence while the window has another."""
    out = np.zeros(len(s_start), dtype=bool)
    candidates = np.asarray(candidates, dtype="i8")
    if not len(candidates):
        return out
    d_of = doc_of[candidates]
    first = np.asarray(offsets)[d_of]
    for k, d, a, b in zip(candidates.tolist(), d_of.tolist(), (s_start[candidates] - first).tolist(),
                          (s_end[candidates] - first).tolist()):
        if furniture_kind(docs[d][a:b].text, courtesy):
            out[k] = True
    return out
