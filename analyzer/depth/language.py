"""How much of each client's own mail is written in English, the one language signals are read in.

The signal detector reads English (docs/SIGNALS.md). A client who writes in Turkish, French or
Spanish gets no signal found, and its score then rests on behaviour alone: a deep client of few
words in its own language would sit at the bottom with nothing to say why. So the scores carry,
per client, the share of the client's own words that are in English (``english_share`` in
``scores.csv``), and the drivers say so when most are not (:mod:`analyzer.depth.drivers`).

How a text is judged: its first :data:`JUDGED_WORDS` words are matched against spaCy's English
stop-word list (function words: "the", "we", "it", "would", ...), shipped as data
(``data/english_function_words.json``) so that scoring does not import spaCy (1.7 s, 50 MiB). English prose has about half of
its words there; French, Spanish, Turkish, German or Korean text has few. A text of at least
:data:`MIN_WORDS` words is English when :data:`ENGLISH_SHARE` of them or more are such words; a
client's share weighs each judged text by its word count (up to :data:`JUDGED_WORDS`). Texts shorter
than :data:`MIN_WORDS` words ("ok", "Thanks!") are not judged. Measured on hand-written mail of six
agencies whose clients write in French, Turkish, Spanish, German, Korean and Swahili (the training
mailboxes ``data/independent/train14``), the share is 0.0 for clients who write only in their own
language, 0.4-0.6 for those who mix, and 0.9-1.0 for English writers; on the bench's realistic mail
(English with other-language lines) every client is at 0.76 or more.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

#: Words read from the start of each text (enough to tell its language; bounds the cost).
JUDGED_WORDS = 60
#: Texts with fewer words are not judged.
MIN_WORDS = 4
#: A judged text is English when at least this share of its words are English function words.
ENGLISH_SHARE = 0.15
#: Below this share of English words, the drivers say the client's signals could not be read.
READ_SHARE = 0.5
#: Characters read from the start of each text: enough for :data:`JUDGED_WORDS` words of any length.
_JUDGED_CHARS = JUDGED_WORDS * 20
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """The English function words (lower case, straight apostrophes)."""
    raw = resources.files("analyzer.depth").joinpath("data/english_function_words.json").read_text(encoding="utf-8")
    return frozenset(json.loads(raw)["words"])


def judge_text(text: str | None) -> tuple[int, bool]:
    """(words judged, whether the text reads as English); (0, False) for a text too short to judge."""
    if not isinstance(text, str):
        return 0, False
    words = _WORD.findall(text[:_JUDGED_CHARS])[:JUDGED_WORDS]
    if len(words) < MIN_WORDS:
        return 0, False
    known = function_words()
    hits = sum(w.lower().replace("’", "'") in known for w in words)
    return len(words), hits >= ENGLISH_SHARE * len(words)


def english_share(messages: pd.DataFrame) -> pd.Series:
    """Per client (sorted), the share of its own judged words (``from_client`` new text) in English;
    NaN for a client with no text long enough to judge. ``messages`` is not modified."""
    own = messages.loc[(messages["direction"] == "from_client") & messages["client"].notna(), ["client", "new_text"]]
    judged = [judge_text(t) for t in own["new_text"].tolist()]
    words = np.array([n for n, _ in judged], dtype=float)
    english = np.array([n if is_en else 0 for n, is_en in judged], dtype=float)
    frame = pd.DataFrame({"client": own["client"].to_numpy(), "words": words, "english": english})
    sums = frame.groupby("client", sort=True)[["words", "english"]].sum()
    return (sums["english"] / sums["words"].where(sums["words"] > 0)).rename("english_share")
