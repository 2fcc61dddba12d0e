"""Working on a batch of docs at once, as the signal components do: their token attribute arrays laid
end to end (:func:`laid_end_to_end`) and their sentences (:func:`sentence_ranges`, :func:`token_mask`),
and batches cut to a token budget (:func:`token_bounded`).

Mail docs are short, so per-doc array calls cost more than the work itself; a component takes one
array for the whole batch and finds each doc's tokens through ``offsets``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from spacy.tokens import Doc


def laid_end_to_end(docs: list[Doc], attrs: list) -> tuple[np.ndarray, np.ndarray]:
    """(``doc.to_array(attrs)`` of every doc, concatenated: one row per token of the batch, uint64;
    ``offsets``: the first row of each doc, ``len(docs) + 1`` entries, so doc ``i`` is rows
    ``offsets[i]:offsets[i + 1]`` and an empty doc has none)."""
    lengths = np.array([len(d) for d in docs], dtype="i8")
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    arrays = [d.to_array(attrs) for d in docs if len(d)]
    if not arrays:
        return np.zeros((0, len(attrs)), dtype="uint64"), offsets
    return np.concatenate(arrays).reshape(-1, len(attrs)).astype("uint64", copy=False), offsets


def token_bounded(docs: list[Doc], max_tokens: int) -> Iterator[list[Doc]]:
    """Consecutive parts of ``docs`` of at most ``max_tokens`` tokens each (a longer doc alone)."""
    part: list[Doc] = []
    size = 0
    for doc in docs:
        if part and size + len(doc) > max_tokens:
            yield part
            part, size = [], 0
        part.append(doc)
        size += len(doc)
    if part:
        yield part


def sentence_ranges(arr: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sentences of docs laid end to end (``arr`` columns LOWER, LEMMA, SENT_START, IS_SPACE): their
    global token ranges and doc index (no per-doc loop)."""
    total = int(offsets[-1])
    is_start = arr[:, 2] == 1
    is_start[offsets[:-1][np.diff(offsets) > 0]] = True
    s_start = np.flatnonzero(is_start)
    doc_of = np.searchsorted(offsets, s_start, side="right") - 1
    s_end = np.append(s_start[1:], total)
    last_sent = np.append(doc_of[1:] != doc_of[:-1], True)
    s_end[last_sent] = offsets[1:][doc_of[last_sent]]
    return s_start, s_end, doc_of


def token_mask(chosen: np.ndarray, s_start: np.ndarray, s_end: np.ndarray, total: int) -> np.ndarray:
    """Token mask (``total`` tokens laid end to end) of the sentences marked in ``chosen``."""
    edges = np.zeros(total + 1, dtype=np.int64)
    np.add.at(edges, s_start[chosen], 1)
    np.add.at(edges, s_end[chosen], -1)
    return np.cumsum(edges[:-1]) > 0
