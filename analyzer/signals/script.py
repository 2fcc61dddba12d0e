"""Sentences the detector cannot read: those written mostly in a non-Latin script.

The signal pipeline reads English (its rules, lemmas and classifier were all built on English
text). On a sentence in Cyrillic, Greek, Hebrew, Arabic, Devanagari, Thai, Chinese, Japanese or
Korean script its character n-grams are noise, and on real mail such sentences drew labels that mean
nothing (a Russian business newsletter in mail-parser's test corpus: eleven "forgiveness" rows).
:func:`unreadable_script` tells the combiner to leave them unlabelled, as it leaves mail furniture.
Latin-script languages other than English are not caught here: a sentence in Polish still goes
through the English detector.
"""

from __future__ import annotations

from functools import lru_cache

#: A sentence is unreadable when fewer than this share of its letters are in Latin script.
MIN_LATIN_SHARE = 0.5


def _latin(ch: str) -> bool:
    o = ord(ch)
    return o < 0x250 or 0x1E00 <= o <= 0x1EFF or 0xFF21 <= o <= 0xFF5A  # Latin, Latin Extended, fullwidth


def unreadable_script(text: str) -> bool:
    """True when fewer than :data:`MIN_LATIN_SHARE` of the letters of ``text`` are Latin letters."""
    if text.isascii():
        return False
    return _unreadable(text)


@lru_cache(maxsize=16_384)
def _unreadable(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    return sum(map(_latin, letters)) < MIN_LATIN_SHARE * len(letters)
