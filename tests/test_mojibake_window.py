"""``looks_like_mojibake`` (ftfy's badness pattern searched only around non-ASCII runs) answers
exactly as ``ftfy.badness.is_bad`` on real mail and on mojibake planted anywhere in it."""

from __future__ import annotations

import random

from ftfy.badness import is_bad

from analyzer.ingest.bodytext import looks_like_mojibake

SAMPLES = ["CafÃ© Ã  la carte", "donâ€™t worry", "Ã\xa0", "Ã ", "×²", "ГўВЂВ™s", "в€™", "ÃƒÂ©",
           "Ø§Ù„Ø¹Ø±Ø¨ÙŠØ©", "Zoë and Chloé met in Łódź", "naïve café — “quoted” ‘single’",
           "Hello\u00a0world", "MÃ¼ller", "Â£100", "Œuvre", "œ1", "à²¨", "√±", "‚Äô", "β€™"]


def _bodies(realmail) -> list[str]:
    """Text of the real mailing-list archives, in pieces of about a mail's length."""
    out = []
    for path in sorted((realmail / "bigbang" / "tests" / "data").rglob("*")):
        if path.is_file() and path.suffix != ".gz":
            text = path.read_bytes()[:2_000_000].decode("utf-8", "replace")
            out.extend(text[i:i + 4000] for i in range(0, len(text), 4000))
    return out


def test_same_answer_as_ftfy_on_real_mail_with_planted_mojibake(realmail):
    texts = _bodies(realmail)
    assert len(texts) > 50
    rnd = random.Random(5)
    planted = []
    for t in texts:
        s = rnd.choice(SAMPLES)
        pos = rnd.randrange(len(t) + 1)
        planted.append(t[:pos] + s + t[pos:])
    everything = texts + planted + SAMPLES + [s + " " + s for s in SAMPLES]
    got = [looks_like_mojibake(t) for t in everything]
    want = [is_bad(t) for t in everything]
    assert got == want
    assert sum(want) > len(planted) // 3  # the planted ones are found, not only the clean ones agreed on
