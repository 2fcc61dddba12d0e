"""``signal_combiner``: per sentence, the labels with a score and an explanation.

For every sentence of a Doc it reads

- the rule hits of ``signal_rules`` (``doc.spans[rules_key]``) inside the sentence, and
- the scores of the trained ``textcat_multilabel`` component for the *sentence* (the component is
  kept disabled in the pipeline; the combiner calls its model on sentence spans, batched over all
  sentences of all docs in :meth:`pipe`, see :mod:`analyzer.signals.features`),

and decides per label: a positive rule hit always yields the label (score = max(rule weight, model
score)); otherwise the label is yielded when the model score reaches the label's threshold (tuned
on the tune slice at training time) and no veto rule for it ("sorry to hear" for ``apology``)
fired in the sentence.

Results:

- ``doc.spans[spans_key]`` (default ``"signals"``): one span per (sentence, label), ``span.label_``
  = label, ``span.id_`` = the rule id or "";
- span extensions ``span._.signal_score``, ``._.signal_model_score``, ``._.signal_rule_id``,
  ``._.signal_explanation`` (getters over ``doc.user_data``, keyed by offsets *and* label, because
  plain span extensions are keyed by offsets only and one sentence can carry several labels);
- ``doc.cats``: per label, the highest combined score over the doc's sentences (0 if none).
"""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator

import numpy as np
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from analyzer.errors import ModelError
from analyzer.signals.labels import LABELS
from analyzer.signals.rules import VETO_PREFIX

_KEY = "analyzer.signal"


def _info(span: Span):
    return span.doc.user_data.get((_KEY, span.start_char, span.end_char, span.label_))


def _getter(index: int, default):
    def get(span: Span):
        info = _info(span)
        return default if info is None else info[index]
    return get


for _i, (_name, _default) in enumerate([("signal_score", None), ("signal_model_score", None),
                                        ("signal_rule_id", ""), ("signal_explanation", "")]):
    if not Span.has_extension(_name):
        Span.set_extension(_name, getter=_getter(_i, _default))


def explanation(rule_id: str, model_score: float | None) -> str:
    """One-line trace: ``"rule apology/my_bad + model 0.93"``, ``"model 0.71"``, ``"rule x"``."""
    parts = []
    if rule_id:
        parts.append(f"rule {rule_id}")
    if model_score is not None and not np.isnan(model_score):
        parts.append(f"model {model_score:.2f}")
    return " + ".join(parts)


class SignalCombiner:
    """Rules + sentence-level model scores -> labelled sentence spans (see the module docstring)."""

    def __init__(self, nlp: Language, name: str, model_pipe: str, rules_pipe: str, spans_key: str,
                 thresholds: dict[str, float], default_threshold: float):
        self.nlp = nlp
        self.name = name
        self.model_pipe = model_pipe
        self.rules_pipe = rules_pipe
        self.spans_key = spans_key
        self.thresholds = {lab: float(thresholds.get(lab, default_threshold)) for lab in LABELS}
        self.default_threshold = float(default_threshold)

    # -- helpers ------------------------------------------------------------------------------
    def _component(self, name: str):
        if name and name in self.nlp.component_names:
            return self.nlp.get_pipe(name)
        return None

    def _model_scores(self, ranges: list[tuple]) -> tuple[np.ndarray | None, list[str]]:
        textcat = self._component(self.model_pipe)
        if textcat is None or not ranges:
            return None, []
        labels = list(textcat.labels)
        if not textcat.model.has_dim("nO") or textcat.model.get_dim("nO") != len(labels):
            raise ModelError(f"component {self.model_pipe!r} is not trained (no output layer)")
        return np.asarray(textcat.model.predict(ranges), dtype="f"), labels

    @staticmethod
    def sentence_ranges(doc: Doc) -> list[tuple[int, int]]:
        """(start, end) token offsets of the doc's non-empty sentences (the whole doc without boundaries)."""
        n = len(doc)
        if not n:
            return []
        if not doc.has_annotation("SENT_START"):
            return [(0, n)]
        starts = np.flatnonzero(doc.to_array(SENT_START) == 1).tolist()
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
        return list(zip(starts, starts[1:] + [n]))

    # -- running ------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        stream = iter(stream)
        while True:
            docs = list(islice(stream, batch_size))
            if not docs:
                return
            ranges = [self.sentence_ranges(doc) for doc in docs]
            scores, labels = self._model_scores([(doc, a, b) for doc, rs in zip(docs, ranges) for a, b in rs])
            if scores is not None:
                order = [labels.index(lab) if lab in labels else -1 for lab in LABELS]
                known = np.array([i >= 0 for i in order])
                scores = np.where(known, scores[:, [max(i, 0) for i in order]], np.nan)  # columns in LABELS order
                thresholds = np.array([self.thresholds[lab] for lab in LABELS], dtype="f")
                with np.errstate(invalid="ignore"):
                    passed = scores >= thresholds
            row = 0
            for doc, rs in zip(docs, ranges):
                n = len(rs)
                self._annotate(doc, rs, None if scores is None else scores[row:row + n],
                               None if scores is None else passed[row:row + n])
                row += n
                yield doc

    def _annotate(self, doc: Doc, ranges: list[tuple[int, int]], scores, passed) -> None:
        rules = self._component(self.rules_pipe)
        rule_spans = list(doc.spans[rules.spans_key]) if rules is not None and rules.spans_key in doc.spans else []
        cats = dict.fromkeys(LABELS, 0.0)
        out: list[Span] = []
        for k, (start, end) in enumerate(ranges):
            hits: dict[str, str] = {}
            vetoed: set[str] = set()
            for rs in rule_spans:
                if rs.start >= start and rs.end <= end:
                    if rs.label_.startswith(VETO_PREFIX):
                        vetoed.add(rs.label_[len(VETO_PREFIX):])
                    elif rs.label_ not in hits:
                        hits[rs.label_] = rs.id_
            candidates = set(hits)
            if passed is not None:
                candidates.update(LABELS[j] for j in np.flatnonzero(passed[k]).tolist())
            if not candidates:
                continue
            for lab in sorted(candidates, key=LABELS.index):
                m = float(scores[k, LABELS.index(lab)]) if scores is not None else float("nan")
                rule_id = hits.get(lab, "")
                if rule_id:
                    score = max(rules.weight(rule_id), 0.0 if np.isnan(m) else m)
                elif lab not in vetoed:
                    score = m
                else:
                    continue
                span = Span(doc, start, end, label=lab, span_id=rule_id)
                doc.user_data[(_KEY, span.start_char, span.end_char, lab)] = (
                    score, None if np.isnan(m) else m, rule_id, explanation(rule_id, m))
                out.append(span)
                cats[lab] = max(cats[lab], score)
        doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, spans=out)
        doc.cats = cats


@Language.factory(
    "signal_combiner",
    default_config={"model_pipe": "textcat_multilabel", "rules_pipe": "signal_rules", "spans_key": "signals",
                    "thresholds": {}, "default_threshold": 0.5},
)
def make_signal_combiner(nlp: Language, name: str, model_pipe: str, rules_pipe: str, spans_key: str,
                         thresholds: dict, default_threshold: float) -> SignalCombiner:
    return SignalCombiner(nlp, name, model_pipe, rules_pipe, spans_key, thresholds, default_threshold)
