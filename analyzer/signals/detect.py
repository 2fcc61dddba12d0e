"""Signal detection on texts and on the messages frame.

- :func:`detect_signals` - labels per free text (``analyzer.detect_signals``): quoted lines are
  stripped first (docs/SIGNALS.md: they carry no label), a text's labels are the union over its sentences.
- :func:`signals_frame` - the messages frame from ingest -> the signals frame
  (:data:`~analyzer.signals.frame.SIGNAL_COLUMNS`): one row per (message, sentence, label) found in
  the message's ``new_text`` (never its quoted history), batched through ``nlp.pipe``.

Both run ``nlp.pipe`` inside :func:`frozen_heap`: the loaded pipeline (vocab, tables, weights: some
90k Python objects) is moved out of the cyclic garbage collector's sight for the duration, so the
collections that ``nlp.pipe``'s many short-lived objects trigger do not re-scan it each time (about
8% of detection time on the first bench text, labelled snippets repeated; not re-measured on the
mail text that ``bench/bench_signals.py`` uses now).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import numpy as np
import pandas as pd

from analyzer.errors import InputError
from analyzer.limits import detectable
from analyzer.memory import frozen_heap
from analyzer.signals.frame import SIGNAL_COLUMNS, by_side, empty_signals_frame
from analyzer.signals.linear import SCORES_KEY
from analyzer.signals.pipeline import load_pipeline
from analyzer.signals.quoted import strip_quoted

SPANS_KEY = "signals"


def _spans_key(nlp) -> str:
    return nlp.get_pipe("signal_combiner").spans_key if "signal_combiner" in nlp.pipe_names else SPANS_KEY


def docs_for(nlp, texts: Iterable[str]):
    """What ``nlp.pipe`` reads: the texts, or, for a pipeline with a language router, docs that carry
    their judged language already (:func:`analyzer.signals.router.judged_docs`)."""
    from analyzer.signals.router import LanguageRouter, judged_docs

    if any(isinstance(component, LanguageRouter) for _, component in nlp.pipeline):
        return judged_docs(nlp, texts)
    return texts


def detect_signals(texts: Iterable[str], model=None, batch_size: int | None = None) -> list[list[str]]:
    """Sorted labels (from docs/SIGNALS.md) for each text; ``model``: see :func:`load_pipeline`; ``batch_size``:
    docs per batch (None: the pipeline's configured ``[nlp] batch_size``)."""
    if isinstance(texts, (str, bytes)):
        raise InputError("detect_signals expects a list of texts, not a single string")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InputError(f"text {i} is {type(t).__name__}, not str")
    nlp = load_pipeline(model)
    key = _spans_key(nlp)
    with frozen_heap():
        return [sorted({s.label_ for s in doc.spans[key]})
                for doc in nlp.pipe(docs_for(nlp, (detectable(strip_quoted(t)) for t in texts)), batch_size=batch_size)]


def _sentence_offset(new_text: str, sentence: str, cursor: int) -> int:
    """Start of ``sentence`` in the original new_text (quote stripping only removes whole lines)."""
    at = new_text.find(sentence, cursor)
    if at < 0:  # a sentence that spanned a removed quote block: anchor on its first line
        at = new_text.find(sentence.split("\n", 1)[0], cursor)
    return at


def _sentence_numbers(doc) -> dict[int, int]:
    """First token of each sentence -> its number: from the sentence ranges the signal classifier
    stored while scoring (the same sentences as ``doc.sents``), else by walking ``doc.sents``."""
    scores = doc.user_data.get(SCORES_KEY)
    if scores is not None:
        return {start: k for k, start in enumerate(scores[0][:, 0].tolist())}
    return {s.start: k for k, s in enumerate(doc.sents)}


def signals_frame(messages: pd.DataFrame, nlp=None, batch_size: int | None = None) -> pd.DataFrame:
    """The signals frame for ``messages`` (not modified). ``nlp``: a pipeline, path or None (default)."""
    missing = {"new_text", "content_hash"} - set(messages.columns)
    if missing:
        raise InputError(f"the messages frame lacks column(s) {sorted(missing)}")
    if messages.empty:
        return empty_signals_frame()
    nlp = load_pipeline(nlp)
    key = _spans_key(nlp)
    new_texts = ["" if not isinstance(t, str) else t for t in messages["new_text"].tolist()]
    ids = messages["message_id"].tolist() if "message_id" in messages else [None] * len(messages)
    hashes = messages["content_hash"].tolist()
    clients = messages["client"].tolist() if "client" in messages else [None] * len(messages)
    directions = messages["direction"].tolist() if "direction" in messages else ["other"] * len(messages)
    dates = messages["date"].tolist() if "date" in messages else [pd.NaT] * len(messages)
    rows = []
    fed: deque[str] = deque()  # the texts nlp.pipe has read and not yet returned as docs, in order

    def feeding():
        for t in new_texts:
            fed.append(detectable(strip_quoted(t)))
            yield fed[-1]

    docs = nlp.pipe(docs_for(nlp, feeding()), batch_size=batch_size)
    with frozen_heap():
        for i, doc in enumerate(docs):
            text = fed.popleft()  # doc.text, which spaCy would join again from a Token object per word
            spans = doc.spans[key]
            if not len(spans):
                continue
            mid = ids[i] if isinstance(ids[i], str) and ids[i] else hashes[i]
            sent_index = _sentence_numbers(doc)
            cursor, offsets = 0, {}
            for span in sorted(spans, key=lambda s: (s.start, s.label_)):
                sentence = text[span.start_char:span.end_char]  # span.text
                if span.start not in offsets:
                    at = _sentence_offset(new_texts[i], sentence, cursor)
                    offsets[span.start] = at
                    cursor = max(cursor, at) if at >= 0 else cursor
                start = offsets[span.start]
                model_score = span._.signal_model_score
                rows.append((mid, clients[i], directions[i], dates[i], sent_index.get(span.start, -1),
                             start, start + len(sentence) if start >= 0 else -1, sentence, span.label_,
                             float(span._.signal_score), np.nan if model_score is None else float(model_score),
                             span._.signal_rule_id or "", span._.signal_explanation))
    if not rows:
        return empty_signals_frame()
    df = pd.DataFrame.from_records(rows, columns=list(SIGNAL_COLUMNS))
    df["date"] = pd.to_datetime(df["date"], utc=True)
    for col in ("sentence_index", "start_char", "end_char"):
        df[col] = df[col].astype("int64")
    return by_side(df)
