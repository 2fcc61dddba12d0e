"""Feature keys of the ``signal_classifier``: 64-bit hashes of words, lemmas, word bigrams, char n-grams
and rule hits, each kind salted apart so they never collide by construction. Shared by the component
(:mod:`analyzer.signals.linear`, scoring) and the training-time reference (:mod:`training.signals.fit`);
changing any of them changes every saved model's meaning.
"""

from __future__ import annotations

import numpy as np
from spacy.strings import hash_string

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_SALT_WORD = np.uint64(0x1)
_SALT_LEMMA = np.uint64(0x2)
_SALT_BIGRAM = np.uint64(0x3)
_SALT_PAIR = np.uint64(0x6)


def word_keys(lower: np.ndarray) -> np.ndarray:
    return (lower ^ _SALT_WORD) * _M1


def lemma_keys(lemma: np.ndarray) -> np.ndarray:
    return (lemma ^ _SALT_LEMMA) * _M1


def bigram_keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return ((first * _M2) ^ second ^ _SALT_BIGRAM) * _M1


def pair_keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """An ordered pair of words 2 or more tokens apart in one sentence ("your ... good"), whatever the
    distance (``signal_classifier``'s ``pair_window``)."""
    return ((first * _M2) ^ second ^ _SALT_PAIR) * _M1


#: A whitespace token (blank lines, indentation, the blanked tail of a long URL: see
#: :func:`analyzer.limits.detectable`) keeps at most this many characters for its char n-grams. Its
#: n-grams would otherwise grow in number with its length, all alike, and swamp its window's char
#: block: 200 spaces after "We met today." read as an apology at 0.85, and a mailing-list post of
#: long links got an apology on every link line. (13 of the training data's 1,471 whitespace
#: tokens are longer than 2 characters.)
MAX_SPACE_CHARS = 2


def char_keys(text: str, lo: int, hi: int) -> list[int]:
    """Hashed ``char_wb`` n-grams of one lower-cased word (a whitespace token: of its first
    :data:`MAX_SPACE_CHARS` characters)."""
    if not lo or not hi:
        return []
    if len(text) > MAX_SPACE_CHARS and text.isspace():
        text = text[:MAX_SPACE_CHARS]
    padded = f" {text} "
    return [hash_string("\x01" + padded[i:i + n]) for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)]


def type_keys(lower: np.ndarray, lemma: np.ndarray) -> np.ndarray:
    """Key of a word type (lower-cased form + lemma): the component caches features per type."""
    return lower * _M2 ^ lemma


def rule_key(span_label: str) -> int:
    return hash_string("\x02rule:" + span_label)
