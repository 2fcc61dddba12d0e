"""How much of each client's own mail is written in a language the signals are read in.

The signal pipeline reads English, and routes French, German, Spanish, Portuguese, Italian and Dutch
text to a classifier trained on those languages (:mod:`analyzer.signals.router`). A client who writes in
Turkish, Korean or Swahili gets no signal found, and its score then rests on behaviour alone: a deep
client of few words in its own language would sit at the bottom with nothing to say why. So the
scores carry, per client, the share of the client's own words in English (``english_share``) and in
a language signals are read in (``read_share``), and the drivers say so when most are not
(:mod:`analyzer.depth.drivers`). A client's share weighs each judged text by its word count (up to
:data:`~analyzer.text_language.JUDGED_WORDS`); texts too short to judge ("ok", "Thanks!") do not count.

How a text's language is judged: :mod:`analyzer.text_language` (function words). Measured with the
English-only check this module had before (the English rule is unchanged but for texts another
language explains better) on the training mailboxes ``data/independent/train14``: the English share
is 0.0 for clients who write only in their own language, 0.3-0.6 for those who mix, and 0.9-1.0 for
English writers; on the bench's realistic mail every client is at 0.72 or more. The scores take
``read_share`` from the words the features judged already (:func:`analyzer.depth.features.read_shares`);
:func:`read_share` here gives the same from a messages frame alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.text_language import (JUDGE_BATCH, JUDGED_WORDS, MIN_WORDS, function_word_lists, judge_languages,
                                    judge_languages_at)

__all__ = ["JUDGED_WORDS", "MIN_WORDS", "JUDGE_BATCH", "READ_SHARE", "SIGNAL_LANGUAGES", "english_share",
           "client_words", "function_words", "judge_text", "judge_texts", "language_shares", "read_share"]

#: The languages the shipped signal pipeline reads: English, and the languages its router sends to
#: the second classifier (``language_router`` in ``models/signals/config.cfg``; a test holds them equal).
SIGNAL_LANGUAGES = ("en", "fr", "de", "es", "pt", "it", "nl")
#: Below this share of its words in a language signals are read in, the drivers say the client's
#: signals could not be read.
READ_SHARE = 0.5


def function_words() -> frozenset[str]:
    """The English function words (lower case, straight apostrophes)."""
    return function_word_lists()["en"]


def judge_texts(texts) -> tuple[np.ndarray, np.ndarray]:
    """For each text: the words judged (0 when too short) and whether it reads as English
    (:func:`analyzer.text_language.judge_languages`)."""
    words, lang = judge_languages(texts)
    return words, lang == "en"


def judge_text(text: str | None) -> tuple[int, bool]:
    """(words judged, whether the text reads as English) for one text (:func:`judge_texts`)."""
    words, english = judge_texts([text if isinstance(text, str) else None])
    return int(words[0]), bool(english[0])


def client_words(messages: pd.DataFrame, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the messages at ``positions`` (frame positions, in order): the words of the new text judged
    for language, those of them in a text read as English, and those in a text in one of
    :data:`SIGNAL_LANGUAGES` (:func:`analyzer.text_language.judge_languages`, one pass; int32, 0 for a
    text too short to judge). The one place a client's words are judged, for :func:`language_shares`
    and for the depth features (:func:`analyzer.depth.features.read_shares`)."""
    judged, lang = judge_languages_at(messages["new_text"], positions)
    judged = np.asarray(judged, dtype=np.int32)
    return (judged, np.where(lang == "en", judged, 0).astype(np.int32),
            np.where(np.isin(lang, SIGNAL_LANGUAGES), judged, 0).astype(np.int32))


def language_shares(messages: pd.DataFrame) -> pd.DataFrame:
    """Per client (sorted): ``english_share`` and ``read_share``, the shares of its own judged words
    (``from_client`` new text) in English and in one of :data:`SIGNAL_LANGUAGES`; NaN for a client
    with no text long enough to judge. ``messages`` is not modified."""
    own = np.flatnonzero(((messages["direction"] == "from_client") & messages["client"].notna()).to_numpy(dtype=bool))
    words, english, read = client_words(messages, own)
    frame = pd.DataFrame({"client": messages["client"].to_numpy()[own], "words": words.astype(float),
                          "english": english.astype(float), "read": read.astype(float)})
    sums = frame.groupby("client", sort=True)[["words", "english", "read"]].sum()
    judged = sums["words"].where(sums["words"] > 0)
    return pd.DataFrame({"english_share": sums["english"] / judged, "read_share": sums["read"] / judged})


def english_share(messages: pd.DataFrame) -> pd.Series:
    """Per client (sorted), the share of its own judged words in English (:func:`language_shares`)."""
    return language_shares(messages)["english_share"]


def read_share(messages: pd.DataFrame) -> pd.Series:
    """Per client (sorted), the share of its own judged words in a language signals are read in."""
    return language_shares(messages)["read_share"]
