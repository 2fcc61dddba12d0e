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

from typing import Iterable, Iterator

import numpy as np
from spacy.attrs import IS_SPACE
from spacy.language import Language
from spacy.tokens import Doc

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
    def __init__(self, nlp: Language, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        if "\n\n" not in doc.text and "\n\r\n" not in doc.text:  # the common case: nothing to do
            return doc
        space = doc.to_array(IS_SPACE)  # only whitespace tokens are looked at in Python
        starts = []
        after = -1  # index of the first token after the current run of whitespace
        for i in np.flatnonzero(space).tolist():
            if i < after or doc[i].text.count("\n") < 2:
                continue
            j = i
            while j < len(doc) and space[j]:  # the blank line closes the sentence before it ...
                if j > 0 and doc[j].is_sent_start:
                    doc[j].is_sent_start = False
                j += 1
            after = j
            if j < len(doc):  # ... and the next word starts one
                doc[j].is_sent_start = True
                starts.append(j)
        if starts:
            doc.user_data[PARAGRAPHS_KEY] = tuple(starts)
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for doc in stream:
            yield self(doc)


@Language.factory("paragraph_breaks", requires=["token.is_sent_start"], assigns=["token.is_sent_start"])
def make_paragraph_breaks(nlp: Language, name: str) -> ParagraphBreaks:
    return ParagraphBreaks(nlp, name)
