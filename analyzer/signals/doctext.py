"""The text of a token range, as ``doc[start:end].text`` gives it, cut from ``doc.text`` directly.

``Span.text`` joins the text of each of its tokens, one ``Token`` object per word: on realistic agency
mail that made about 4% of signal detection's time in the components that read sentences as text
(the combiner's furniture check, the classifier's furniture mask, the frame's sentence column).
A doc's text is its tokens' texts and trailing spaces laid end to end, so the range's text is the
slice from its first token's start to its last token's end (``tests/test_signals_doctext.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the main process of a run reads mail furniture (boilerplate.py) without importing spaCy
    from spacy.tokens import Doc


def range_text(doc: Doc, start: int, end: int) -> str:
    """``doc[start:end].text`` for ``0 <= start <= end <= len(doc)``."""
    if end <= start:
        return ""
    last = doc[end - 1]
    return doc.text[doc[start].idx:last.idx + len(last)]
