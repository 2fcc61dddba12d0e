"""``paragraph_breaks``: a blank line ends a sentence.

spaCy's ``sentencizer`` splits on sentence-final punctuation only. Email is full of units that end
without it: the greeting line ("Hi Dana,"), a bullet, a question typed on a phone with no question
mark, the sign-off. Without a break, such a line is glued to the first sentence of the next
paragraph, and the evidence a user reads is two unrelated pieces of text. After the sentencizer,
this component starts a sentence at the first non-space token after a blank line (a whitespace
token holding two or more line breaks), and records those paragraph starts in ``doc.user_data``. Single line breaks are left alone: mailing-list and plain
text mail is hard-wrapped at ~72 characters, so a single newline is usually mid-sentence.
"""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator

import numpy as np
from spacy.attrs import IS_SPACE, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from analyzer.signals.batches import laid_end_to_end

#: ``doc.user_data`` key: token indices where a paragraph (other than the first) starts; absent when
#: the doc is one paragraph. :mod:`analyzer.signals.linear` keeps scoring windows inside paragraphs.
PARAGRAPHS_KEY = "analyzer.paragraph_starts"


def paragraph_bounds(docs, offsets, s_start, doc_first, doc_last) -> tuple[np.ndarray, np.ndarray]:
    """For the sentences of a batch of docs laid end to end (``offsets``: each doc's first token;
    ``s_start``: each sentence's first token; ``doc_first``/``doc_last``: each sentence's doc's first and
    last sentence), per sentence: the first and last sentence of its paragraph (paragraph starts as recorded by
    ``paragraph_breaks`` in ``doc.user_data``; a doc without that record is one paragraph)."""
    total = int(offsets[-1])
    begins_at = np.zeros(total + 1, dtype=bool)
    for doc, off in zip(docs, offsets[:-1].tolist()):
        starts = doc.user_data.get(PARAGRAPHS_KEY)
        if starts:
            begins_at[np.asarray(starts, dtype="i8") + off] = True
    k = np.arange(len(s_start))
    begins = begins_at[s_start] | (k == doc_first)
    first = np.maximum.accumulate(np.where(begins, k, 0))
    ends = np.append(begins[1:], True) | (k == doc_last)
    last = np.minimum.accumulate(np.where(ends, k, len(k))[::-1])[::-1]
    return first, last


class ParagraphBreaks:
    """Works on a whole batch at once (:mod:`analyzer.signals.batches`); a doc whose sentence starts
    change gets them back in one array write (cheaper than setting tokens one by one)."""

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self._blank: dict[int, bool] = {}  # whitespace token ORTH -> holds a blank line (>= 2 line breaks)

    def _blank_lines(self, orth: np.ndarray, space: np.ndarray, strings) -> np.ndarray:
        """Mask of the whitespace tokens that hold a blank line (looked up per ORTH, cached)."""
        kinds, inverse = np.unique(orth[space], return_inverse=True)
        known = self._blank
        for key in kinds.tolist():
            if key not in known:
                known[key] = strings[key].count("\n") >= 2
        blank = np.zeros(len(orth), dtype=bool)
        blank[space] = np.array([known[k] for k in kinds.tolist()], dtype=bool)[inverse]
        return blank

    def __call__(self, doc: Doc) -> Doc:
        self._annotate([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        stream = iter(stream)
        while docs := list(islice(stream, batch_size)):
            self._annotate(docs)
            yield from docs

    def _annotate(self, docs: list[Doc]) -> None:
        """For each blank-line token: every whitespace token from it up to the next word starts no
        sentence, and that word starts a sentence and a paragraph."""
        arr, offsets = laid_end_to_end(docs, [ORTH, IS_SPACE, SENT_START])
        total = len(arr)
        space = arr[:, 1] == 1
        if not space.any():  # the common case: nothing to do
            return
        blank = self._blank_lines(arr[:, 0], space, docs[0].vocab.strings)
        if not blank.any():
            return
        lengths = np.diff(offsets)
        doc_of = np.repeat(np.arange(len(docs)), lengths)  # the doc of each token
        first = np.zeros(total, dtype=bool)
        first[offsets[:-1][lengths > 0]] = True
        run = np.cumsum(~space | first)  # a whitespace run's tokens share an id; runs end at doc starts
        covered = space & (np.maximum.accumulate(np.where(blank, run, -1)) == run)
        covered &= ~first  # a doc's first token keeps its sentence start
        next_word = np.minimum.accumulate(np.where(space, total, np.arange(total))[::-1])[::-1]
        starts = np.unique(next_word[blank & (next_word < offsets[1:][doc_of])])
        sent = arr[:, 2].view("i8").copy()
        sent[covered] = -1
        sent[starts] = 1
        for d in np.unique(doc_of[sent != arr[:, 2].view("i8")]).tolist():
            a, b = int(offsets[d]), int(offsets[d + 1])
            docs[d].from_array([SENT_START], sent[a:b].astype("uint64").reshape(-1, 1))
        paragraph_starts: dict[int, list[int]] = {}
        for i, d in zip(starts.tolist(), doc_of[starts].tolist()):
            paragraph_starts.setdefault(d, []).append(i - int(offsets[d]))
        for d, local in paragraph_starts.items():
            docs[d].user_data[PARAGRAPHS_KEY] = tuple(local)


@Language.factory("paragraph_breaks", requires=["token.is_sent_start"], assigns=["token.is_sent_start"])
def make_paragraph_breaks(nlp: Language, name: str) -> ParagraphBreaks:
    return ParagraphBreaks(nlp, name)
