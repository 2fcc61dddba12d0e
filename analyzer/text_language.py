"""Which language a text is written in, told by its function words.

Used twice: the signal pipeline routes French, German, Spanish, Portuguese, Italian and Dutch text to
the classifier trained on those languages (:mod:`analyzer.signals.router`), and the scores say how much of each
client's own mail is in a language signals are read in (:mod:`analyzer.depth.language`).

How a text is judged: its first :data:`JUDGED_WORDS` words (whitespace-separated, punctuation
stripped, letters and apostrophes only) are matched against the function-word list of each language
(spaCy's stop-word lists, shipped as data in ``data/function_words.json`` by ``python -m
training.function_words``, so that judging never imports spaCy). A text of fewer than
:data:`MIN_WORDS` words ("ok", "Obrigado, recebido.") is not judged (language ``""``). Otherwise it is
English when at least :data:`SHARE` of its words are English function words and no other language
has a larger share (English prose has about half of its words in the list); else it is the language
with the largest share, if that share reaches :data:`SHARE`; else it is unknown (``"?"``). The other
Latin-script languages are listed as well, so that Catalan, Italian or Romanian text is not taken for
Spanish or Portuguese.

Measured on development data only (the blind language set ``eval_lang_*``, read before, and the
English blind snippet sets 3-9): 1,056 of 1,066 French, German, Spanish and Portuguese snippets are
given one of those four languages (the others are two-word notes or a Portuguese line taken for
Catalan); 3 of 6,965 English snippets are (two of them open in another language); none of the 258
real mailing-list messages is. On the Italian and Dutch training rows (written later), 338 of 343 and
347 of 352 snippets are given their language. 100k texts are judged in about a second (Arrow string
kernels, one hash lookup per word for all languages at once).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.ingest.message import column_array, take_rows

#: Words read from the start of each text (enough to tell its language; bounds the cost).
JUDGED_WORDS = 40
#: Texts with fewer words are not judged.
MIN_WORDS = 4
#: A judged text is in a language when at least this share of its words are that language's function words.
SHARE = 0.15
#: The language of a text too short to judge, and of one no list explains.
NOT_JUDGED, UNKNOWN = "", "?"
#: Characters read from the start of each text: enough for :data:`JUDGED_WORDS` words.
_JUDGED_CHARS = JUDGED_WORDS * 8
#: Stripped from both ends of a whitespace-separated token before it is looked up.
_PUNCTUATION = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~“”‘«»…–—¡¿'"
#: Texts judged at once: Arrow's working copies (every text's first words, split and trimmed) then
#: stay the size of one batch, not of the mailbox.
JUDGE_BATCH = 16384


@lru_cache(maxsize=1)
def function_word_lists() -> dict[str, frozenset[str]]:
    """Language code -> its function words (lower case, straight apostrophes); English first."""
    raw = resources.files("analyzer").joinpath("data/function_words.json").read_text(encoding="utf-8")
    return {code: frozenset(words) for code, words in json.loads(raw)["languages"].items()}


def languages() -> tuple[str, ...]:
    """The languages a text can be judged to be in (English first)."""
    return tuple(function_word_lists())


@lru_cache(maxsize=1)
def _membership() -> tuple[pa.Array, np.ndarray]:
    """Every listed word once, and which languages list it (words x languages, bool)."""
    lists = function_word_lists()
    vocab = sorted(set().union(*lists.values()))
    index = {w: i for i, w in enumerate(vocab)}
    member = np.zeros((len(vocab), len(lists)), dtype=bool)
    for j, words in enumerate(lists.values()):
        member[[index[w] for w in words], j] = True
    return pa.array(vocab, type=pa.large_string()), member


def judge_languages(texts) -> tuple[np.ndarray, np.ndarray]:
    """For each text (a string column or sequence; missing texts allowed): the words judged (0 when
    fewer than :data:`MIN_WORDS`) and its language code (:data:`NOT_JUDGED` when not judged,
    :data:`UNKNOWN` when judged but no list explains it). Judged :data:`JUDGE_BATCH` texts at a
    time; a text's result does not depend on the others."""
    return _batched(texts, _judge_batch)


def judge_languages_at(texts: pd.Series, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`judge_languages` of ``texts.iloc[positions]``, taken :data:`JUDGE_BATCH` at a time, so
    that the selection is never copied whole (at 100k messages the client texts alone are tens of MB)."""
    return _batched(np.asarray(positions, dtype=np.int64), lambda chunk: _judge_batch(take_rows(texts, chunk)))


def english_alone(texts) -> tuple[np.ndarray, np.ndarray]:
    """For each text: the words judged (0 when too short) and whether at least :data:`SHARE` of them
    are English function words, whatever other languages explain: the check before the other
    languages were listed, which the whole-mail training rows were kept by
    (``training.signals.mail_rows``), kept so that those rows still rebuild as committed."""
    return _batched(texts, _english_batch)


def _batched(texts, judge) -> tuple[np.ndarray, np.ndarray]:
    rows = texts.iloc if isinstance(texts, pd.Series) else texts
    n = len(texts)
    parts = [judge(rows[i:i + JUDGE_BATCH]) for i in range(0, n, JUDGE_BATCH)] or [judge([])]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _english_batch(texts) -> tuple[np.ndarray, np.ndarray]:
    words, counts = _counts(texts)
    judged = words >= MIN_WORDS
    return np.where(judged, words, 0), judged & (counts[:, 0] >= SHARE * words)


def _judge_batch(texts) -> tuple[np.ndarray, np.ndarray]:
    words, counts = _counts(texts)
    n = len(words)
    codes = np.array(languages(), dtype=object)
    best = 1 + counts[:, 1:].argmax(axis=1)  # the best language other than English
    best_count = counts[np.arange(n), best]
    need = SHARE * words
    english = (counts[:, 0] >= need) & (counts[:, 0] >= best_count)
    lang = np.where(english, "en", np.where(best_count >= need, codes[best], UNKNOWN)).astype(object)
    judged = words >= MIN_WORDS
    lang[~judged] = NOT_JUDGED
    return np.where(judged, words, 0), lang


def _counts(texts) -> tuple[np.ndarray, np.ndarray]:
    """Per text: its words, and how many of them each language lists (texts x languages)."""
    arr = column_array(texts, pa.large_string())
    n = len(arr)
    head = pc.utf8_lower(pc.utf8_slice_codeunits(pc.fill_null(arr, ""), 0, _JUDGED_CHARS))
    tokens = pc.list_slice(pc.utf8_split_whitespace(pc.replace_substring(head, "’", "'")), 0, JUDGED_WORDS)
    owner = pc.list_parent_indices(tokens).to_numpy()
    token = pc.utf8_trim(pc.list_flatten(tokens), _PUNCTUATION)
    is_word = pc.fill_null(pc.utf8_is_alpha(pc.replace_substring(token, "'", "")), False).to_numpy(zero_copy_only=False)
    vocab, member = _membership()
    at = pc.fill_null(pc.index_in(token, value_set=vocab), -1).to_numpy(zero_copy_only=False)
    hit = is_word & (at >= 0)
    words = np.bincount(owner[is_word], minlength=n)
    n_lang = member.shape[1]
    rows, langs = np.nonzero(member[at[hit]])  # one (hit word, language listing it) pair each
    counts = np.bincount(owner[hit][rows] * n_lang + langs, minlength=n * n_lang).reshape(n, n_lang)
    return words, counts


def judge_language(text: str | None) -> tuple[int, str]:
    """(words judged, language code) for one text (:func:`judge_languages`)."""
    words, lang = judge_languages([text if isinstance(text, str) else None])
    return int(words[0]), str(lang[0])
