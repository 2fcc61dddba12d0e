"""The fast paths of :mod:`analyzer.ingest.bodytext` answer exactly as the slow definitions.

* ``looks_like_mojibake`` searches ftfy's badness pattern only around *trigger* characters:
  checked statically against the pattern (every alternative needs a trigger, none is longer
  than the context window) and against ``ftfy.badness.is_bad`` on adversarial text.
"""

from __future__ import annotations

import random
import re

import pytest
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad

from analyzer.ingest import bodytext
from analyzer.ingest.bodytext import _MOJIBAKE_CONTEXT, _TRIGGER, clean_text, looks_like_mojibake

_parser = pytest.importorskip("re._parser")
_c = pytest.importorskip("re._constants")


def _chars_of_set(items) -> set[int] | None:
    """Code points an IN set matches, or None if it is negated or uses a category like \\s."""
    out: set[int] = set()
    for op, av in items:
        if op is _c.LITERAL:
            out.add(av)
        elif op is _c.RANGE:
            out.update(range(av[0], av[1] + 1))
        else:
            return None
    return out


def _is_trigger(ch: int) -> bool:
    return _TRIGGER.fullmatch(chr(ch)) is not None


def test_every_alternative_of_ftfys_pattern_needs_a_trigger_and_fits_the_window():
    tree = _parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    assert len(tree.data) == 1 and tree.data[0][0] is _c.BRANCH
    alternatives = tree.data[0][1][1]
    assert len(alternatives) > 30
    for alt in alternatives:
        # at most 2 * context + 1 characters: any match lies in the window of each of its triggers
        assert alt.getwidth()[1] <= _MOJIBAKE_CONTEXT + 1, alt
        needs_trigger = False
        for op, av in alt.data:
            if op is _c.LITERAL:
                needs_trigger |= _is_trigger(av)
            elif op is _c.IN:
                chars = _chars_of_set(av)
                needs_trigger |= bool(chars) and all(_is_trigger(ch) for ch in chars)
            else:  # \s?, ., ^, \w: nothing required of them
                assert op in (_c.MAX_REPEAT, _c.ANY, _c.AT, _c.CATEGORY), (op, av)
        assert needs_trigger, f"an alternative of ftfy's pattern needs no trigger character: {alt}"
    # and no lookaround or backreference anywhere, which windows could cut
    assert "(?=" not in BADNESS_RE.pattern and "(?<" not in BADNESS_RE.pattern and "(?!" not in BADNESS_RE.pattern


def test_common_mail_characters_are_not_triggers():
    for ch in "éíáèüłęóśçøöäßñ’–—…\xa0·αбЖ€"[:-1]:
        assert not _TRIGGER.search(ch), ch
    assert _TRIGGER.search("€") and _TRIGGER.search("Ã") and _TRIGGER.search("”")


_ALPHABET = sorted({c for cat in MOJIBAKE_CATEGORIES.values() for c in re.sub(r".-.", "", cat)}
                   | set("ÂÃÎÐØÙŸŠ®°µ»ВГРСΒΓΞΟЂўâóàäêìîïòôúùûπ√≈‚ā€βΆ²³×œŒ") | set("aZ .,?!\n\t1"))


@pytest.mark.parametrize("seed", range(4))
def test_same_answer_as_ftfy_on_random_mojibake_soup(seed):
    rnd = random.Random(seed)
    texts = []
    for _ in range(3000):
        n = rnd.randrange(1, 12)
        core = "".join(rnd.choice(_ALPHABET) for _ in range(n))
        pad = "x" * rnd.randrange(0, 40)
        texts.append(rnd.choice(["", "A ", "Ã ", pad]) + core + rnd.choice(["", pad, " Ã", "\n"]))
    assert [looks_like_mojibake(t) for t in texts] == [is_bad(t) for t in texts]


@pytest.mark.parametrize("text", [
    "CafÃ©", "donâ€™t", "Ã\xa0la", "Ã ", "ГўВЂВ™s", "в€™", "ÃƒÂ©", "Ø§Ù„Ø¹Ø±Ø¨ÙŠØ©", "MÃ¼ller", "Â£100",
    "Œuvre", "œ1", "à²¨", "√±", "‚Äô", "β€™", "ā€", "×²", "Ð°Ð±", "Â ", "a Â “x",
    "“only curly quotes”", "‘single’ and “double”", "’tis — a dash – and … \xa0", "Zoë and Chloé in Łódź",
    "Straße Übergrößen Ökonomie", "naïve café", "£100 and €5", "20°C", "Ünïcödé", "Αθήνα Москва",
    "x" * 100 + "Ã©" + "y" * 100, "é" * 50 + "Ã" + " " + "é" * 50,
])
def test_same_answer_as_ftfy_on_examples(text):
    assert looks_like_mojibake(text) == is_bad(text)


def test_clean_text_repairs_mojibake_and_keeps_clean_text():
    assert clean_text("CafÃ© au lait") == ("Café au lait", ["mojibake repaired (ftfy)"])
    assert clean_text("“only curly quotes” and ’apostrophes’") == ("“only curly quotes” and ’apostrophes’", [])
    assert clean_text("Zoë and Chloé in Łódź") == ("Zoë and Chloé in Łódź", [])


def _clean_text_reference(text: str) -> tuple[str, list[str]]:
    """clean_text as it was before the fast paths: full-text regex scans and ftfy's own is_bad."""
    import ftfy

    notes: list[str] = []
    if not text or text.isascii():
        return text or "", notes
    if re.search("[\ud800-\udfff]", text):
        raw = text.encode("utf-8", "surrogateescape") if bodytext._only_escapes(text) else None
        if raw is not None:
            text, note = bodytext.decode_payload(raw, "utf-8")
            notes.append("raw 8-bit bytes in text; " + (note or "decoded as utf-8"))
        else:
            text = re.sub("[\ud800-\udfff]", "\ufffd", text)
            notes.append("lone surrogates replaced")
    if re.search("[\x80-\x9f]", text):
        text = text.translate(bodytext._C1_TO_CP1252)
        notes.append("C1 control characters read as cp1252")
    if is_bad(text):
        fixed = ftfy.fix_encoding(text)
        if fixed != text:
            text = fixed
            notes.append("mojibake repaired (ftfy)")
    return text, notes


_CLEAN_CASES = [
    "", "plain ascii", "CafÃ© Ã  la carte", "donâ€™t", "“only curly quotes”", "’apostrophes’ — dashes –",
    "Zoë in Łódź", "caf\udcc3\udca9 raw bytes", "lone \ud800 surrogate and é", "\udcff\udcfe", "mixed \udce9 and ’",
    "C1 \x93quoted\x94 and \x96 dash", "undefined C1 \x81\x8d\x8f\x90\x9d", "C1 \x80 plus CafÃ©",
    "Ã", "\x85next line", "é\u2028é", "\ufffd replacement", "°C ± 2 × 3", "£100 — €5", "MÃ¼ller \x92s",
    "ГўВЂВ™s", "Ø§Ù„Ø¹Ø±Ø¨ÙŠØ©", "abc\x9f", "\u3000\xa0\u2003 spaces",
]


@pytest.mark.parametrize("text", _CLEAN_CASES)
def test_clean_text_same_as_before_on_adversarial_text(text):
    assert clean_text(text) == _clean_text_reference(text)


def test_clean_text_same_as_before_on_real_mail(realmail):
    checked = 0
    for path in sorted(realmail.rglob("*")):
        if not path.is_file() or path.suffix in (".gz", ".pst", ".msg", ".zip"):
            continue
        raw = path.read_bytes()[:400_000]
        for text in (raw.decode("utf-8", "replace"), raw.decode("utf-8", "surrogateescape"), raw.decode("latin-1")):
            for piece in (text[i:i + 5000] for i in range(0, len(text), 5000)):
                assert clean_text(piece) == _clean_text_reference(piece)
                checked += 1
    assert checked > 500


def test_surrogate_check_agrees_with_the_regex():
    for text in _CLEAN_CASES + ["\ud7ff\ue000", "\U0001f600", "\udfff", "a\ud83d\ude00b"]:
        assert bodytext._has_surrogates(text) == bool(re.search("[\ud800-\udfff]", text)), repr(text)
