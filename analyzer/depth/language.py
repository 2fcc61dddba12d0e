"""How much of each client's own mail is written in English, the one language signals are read in.

The signal detector reads English (docs/SIGNALS.md). A client who writes in Turkish, French or
Spanish gets no signal found, and its score then rests on behaviour alone: a deep client of few
words in its own language would sit at the bottom with nothing to say why. So the scores carry,
per client, the share of the client's own words that are in English (``english_share`` in
``scores.csv``), and the drivers say so when most are not (:mod:`analyzer.depth.drivers`).

How a text is judged: its first :data:`JUDGED_WORDS` words (whitespace-separated, punctuation
stripped) are matched against spaCy's English
stop-word list (function words: "the", "we", "it", "would", ...), shipped as data
(``data/english_function_words.json``) so that scoring does not import spaCy (1.7 s, 50 MiB). English prose has about half of
its words there; French, Spanish, Turkish, German or Korean text has few. A text of at least
:data:`MIN_WORDS` words is English when :data:`ENGLISH_SHARE` of them or more are such words; a
client's share weighs each judged text by its word count (up to :data:`JUDGED_WORDS`). Texts shorter
than :data:`MIN_WORDS` words ("ok", "Thanks!") are not judged. Measured on hand-written mail of six
agencies whose clients write in French, Turkish, Spanish, German, Korean and Swahili (the training
mailboxes ``data/independent/train14``), the share is 0.0 for clients who write only in their own
language, 0.3-0.6 for those who mix, and 0.9-1.0 for English writers; on the bench's realistic mail
(English with other-language lines) every client is at 0.72 or more. The whole 100k realistic mailbox takes
about 0.4 s (Arrow string kernels).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.ingest.message import column_array

#: Words read from the start of each text (enough to tell its language; bounds the cost).
JUDGED_WORDS = 40
#: Texts with fewer words are not judged.
MIN_WORDS = 4
#: A judged text is English when at least this share of its words are English function words.
ENGLISH_SHARE = 0.15
#: Below this share of English words, the drivers say the client's signals could not be read.
READ_SHARE = 0.5
#: Characters read from the start of each text: enough for :data:`JUDGED_WORDS` words.
_JUDGED_CHARS = JUDGED_WORDS * 8
#: Stripped from both ends of a whitespace-separated token before it is looked up.
_PUNCTUATION = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~“”‘«»…–—¡¿'"


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """The English function words (lower case, straight apostrophes)."""
    raw = resources.files("analyzer.depth").joinpath("data/english_function_words.json").read_text(encoding="utf-8")
    return frozenset(json.loads(raw)["words"])


@lru_cache(maxsize=1)
def _function_word_array() -> pa.Array:
    return pa.array(sorted(function_words()), type=pa.large_string())


#: Texts judged at once: Arrow's working copies (every text's first words, split and trimmed) then
#: stay the size of one batch, not of the mailbox (at 100k messages one pass over all texts
#: peaked at about 45 MiB).
JUDGE_BATCH = 16384


def judge_texts(texts) -> tuple[np.ndarray, np.ndarray]:
    """For each text (a string column or sequence; missing texts allowed): the words judged (0 when
    fewer than :data:`MIN_WORDS`) and whether it reads as English. Vectorised in Arrow: a word is a
    whitespace-separated token of letters (apostrophes allowed) once punctuation is stripped.
    Judged :data:`JUDGE_BATCH` texts at a time; a text's result does not depend on the others."""
    rows = texts.iloc if isinstance(texts, pd.Series) else texts
    n = len(texts)
    parts = [_judge_batch(rows[i:i + JUDGE_BATCH]) for i in range(0, n, JUDGE_BATCH)] or [_judge_batch([])]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _judge_batch(texts) -> tuple[np.ndarray, np.ndarray]:
    arr = column_array(texts, pa.large_string())
    n = len(arr)
    head = pc.utf8_lower(pc.utf8_slice_codeunits(pc.fill_null(arr, ""), 0, _JUDGED_CHARS))
    tokens = pc.list_slice(pc.utf8_split_whitespace(pc.replace_substring(head, "’", "'")), 0, JUDGED_WORDS)
    owner = pc.list_parent_indices(tokens).to_numpy()
    token = pc.utf8_trim(pc.list_flatten(tokens), _PUNCTUATION)
    is_word = pc.fill_null(pc.utf8_is_alpha(pc.replace_substring(token, "'", "")), False).to_numpy(zero_copy_only=False)
    hit = pc.is_in(token, value_set=_function_word_array()).to_numpy(zero_copy_only=False) & is_word
    words = np.bincount(owner[is_word], minlength=n)
    hits = np.bincount(owner[hit], minlength=n)
    judged = words >= MIN_WORDS
    return np.where(judged, words, 0), judged & (hits >= ENGLISH_SHARE * words)


def judge_text(text: str | None) -> tuple[int, bool]:
    """(words judged, whether the text reads as English) for one text (:func:`judge_texts`)."""
    words, english = judge_texts([text if isinstance(text, str) else None])
    return int(words[0]), bool(english[0])


def english_share(messages: pd.DataFrame) -> pd.Series:
    """Per client (sorted), the share of its own judged words (``from_client`` new text) in English;
    NaN for a client with no text long enough to judge. ``messages`` is not modified."""
    own = messages.loc[(messages["direction"] == "from_client") & messages["client"].notna(), ["client", "new_text"]]
    words, english = judge_texts(own["new_text"])
    frame = pd.DataFrame({"client": own["client"].to_numpy(), "words": words.astype(float),
                          "english": np.where(english, words, 0).astype(float)})
    sums = frame.groupby("client", sort=True)[["words", "english"]].sum()
    return (sums["english"] / sums["words"].where(sums["words"] > 0)).rename("english_share")
