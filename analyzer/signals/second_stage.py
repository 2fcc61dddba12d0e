"""``signal_second_stage``: a second opinion on short texts that reads every label's scores at once.

The combiner (:mod:`analyzer.signals.combine`) decides each label alone, from that label's window
and sentence scores against its tuned thresholds. What one label's scores mean often depends on
another's: praise told with complaint words ("the driver was still waiting at 1 a.m. with cold
water"), fee words in a thank-you for over-delivering, a help request that is the second thing a
message does. This component looks at them together. For each short text (fewer sentences than
the combiner's ``long_sentences``: a snippet, a typical reply) it builds one feature row
(:func:`text_features`):

- per label, in the order of :data:`~analyzer.signals.labels.LABELS`: the highest window score, the
  highest sentence score, and whether the combiner found the label;
- the log counts of the text's sentences and tokens;
- with a **text model** (optional): its probability of each label for the whole text, a second view
  of the words that does not depend on the window and sentence scores (a scikit-learn pipeline fitted
  on the same training rows, e.g. TF-IDF of word n-grams and a one-vs-rest logistic regression;
  :func:`text_model_input` is what it reads);

and one gradient-boosting classifier per label (scikit-learn's ``HistGradientBoostingClassifier``,
fitted on out-of-fold scores of the detector's own training rows by
:mod:`training.signals.second_stage`) gives the probability of the label. A label is kept or added
when the probability reaches the label's threshold, and dropped otherwise:

- a dropped label's spans are removed;
- an added label goes on the text's sentence with the highest own score for it (mail furniture and
  unreadable script skipped, at most the combiner's ``max_labels`` labels per sentence), with score
  = the probability and the explanation ``"second stage 0.81 + model 0.42"``.

Long texts are left to the combiner as it decided: the stage was fitted on snippets, whose window is
the whole text, and a long message's windows are a different thing (the combiner's ``long_margin``).

The fitted classifiers (and the text model, in ``text_model.skops``) are stored with ``skops`` (no
pickle; types checked before loading, as for the depth model: :mod:`analyzer.depth.modelfile`) beside
a ``cfg.json`` with the thresholds.
"""

from __future__ import annotations

import zipfile
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup
from spacy.util import ensure_path

from analyzer.arrays import read_arrays
from analyzer.errors import ModelError
from analyzer.signals.combine import _INDEX as LABEL_INDEX
from analyzer.signals.combine import _KEY as RESULT_KEY
from analyzer.signals.combine import SignalCombiner
from analyzer.signals.labels import LABELS
from analyzer.signals.linear import SCORES_KEY
from analyzer.signals.quoted import strip_quoted
from analyzer.signals.router import on_route

#: Types the stage's skops file may name (beyond skops's primitives and numpy arrays).
TRUSTED_TYPES = (
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.preprocessing._label.LabelEncoder",
)
#: Types the text model's skops file may name besides those.
TEXT_MODEL_TYPES = (
    "sklearn.pipeline.Pipeline",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.multiclass._ConstantPredictor",  # a label no training row carries
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.preprocessing._label.LabelBinarizer",
)
MODELS_FILE = "models.skops"
TEXT_MODEL_FILE = "text_model.skops"
#: Docs judged in one go at least (see :meth:`SecondStage.pipe`).
MIN_BATCH = 4096
N_FEATURES = 3 * len(LABELS) + 2


def text_model_input(text: str) -> str:
    """What the text model reads of a text: the text without quoted lines (as the TF-IDF baseline of
    :mod:`training.signals.baseline` reads it)."""
    return strip_quoted(text)


def text_features(doc: Doc, spans_key: str = "signals") -> np.ndarray | None:
    """The stage's feature row of ``doc`` (see the module docstring), None without classifier scores."""
    scores = doc.user_data.get(SCORES_KEY)
    if scores is None or not len(scores[0]):
        return None
    ranges, sent, win = scores[0], scores[1], scores[2]
    found = np.zeros(len(LABELS))
    for span in doc.spans.get(spans_key, ()):
        j = LABEL_INDEX.get(span.label_)
        if j is not None:
            found[j] = 1.0
    return np.concatenate([win.max(axis=0), sent.max(axis=0), found, [np.log1p(len(ranges)), np.log1p(len(doc))]])


class SecondStage:
    """Per-label classifiers over :func:`text_features` that keep, add or drop the combiner's labels
    on short texts (see the module docstring). Fitted by :mod:`training.signals.second_stage`."""

    def __init__(self, nlp: Language, name: str, combiner: str, spans_key: str):
        self.nlp = nlp
        self.name = name
        self.combiner = combiner
        self.spans_key = spans_key
        self.models_: list | None = None
        self.thresholds_: np.ndarray | None = None
        self.text_model_ = None

    def set_models(self, models: list, thresholds, text_model=None) -> None:
        """One classifier and one threshold per label; ``text_model``: a fitted scikit-learn estimator
        whose ``predict_proba`` of a list of texts (:func:`text_model_input`) gives one column per
        label, appended to each feature row (None: the stage reads the scores alone)."""
        thresholds = np.asarray(thresholds, dtype="f8")
        if len(models) != len(LABELS) or thresholds.shape != (len(LABELS),):
            raise ModelError(f"{self.name}: needs one classifier and one threshold per label ({len(LABELS)})")
        self.models_, self.thresholds_, self.text_model_ = list(models), thresholds, text_model

    @property
    def n_features(self) -> int:
        """Columns of a feature row: :data:`N_FEATURES`, plus one per label with a text model."""
        return N_FEATURES + (len(LABELS) if self.text_model_ is not None else 0)

    def feature_rows(self, docs: list[Doc], rows: list[np.ndarray]) -> np.ndarray:
        """``rows`` (:func:`text_features` of ``docs``) stacked, with the text model's probabilities of
        each doc's text appended when the stage has one."""
        X = np.vstack(rows)
        if self.text_model_ is None:
            return X
        texts = [text_model_input(doc.text) for doc in docs]
        return np.hstack([X, np.asarray(self.text_model_.predict_proba(texts), dtype="f8")])

    def _combiner(self) -> SignalCombiner:
        return self.nlp.get_pipe(self.combiner)

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        if self.models_ is None:
            raise ModelError(f"{self.name} has no fitted classifiers")
        combiner = self._combiner()
        stream = iter(stream)
        while True:
            # each classifier call costs about 1 ms whatever the rows (a Python call per tree), so
            # the stage judges many docs at once: a few MB of docs held, the order kept
            batch = list(islice(stream, max(batch_size, MIN_BATCH)))
            if not batch:
                return
            self._judge(on_route(batch, combiner.route), combiner)
            yield from batch

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """(n, labels) probabilities of the labels for feature rows ``rows``."""
        return np.column_stack([m.predict_proba(rows)[:, 1] for m in self.models_])

    def _judge(self, docs: list[Doc], combiner: SignalCombiner) -> None:
        judged, rows = [], []
        for doc in docs:
            scores = doc.user_data.get(SCORES_KEY)
            if scores is not None and 0 < len(scores[0]) < combiner.long_sentences:
                judged.append(doc)
                rows.append(text_features(doc, self.spans_key))
        if not judged:
            return
        probs = self.probabilities(self.feature_rows(judged, rows))
        keep = probs >= self.thresholds_[None, :]
        courtesy = combiner._courtesy()
        for doc, row, decided, p in zip(judged, rows, keep.tolist(), probs.tolist()):
            self._apply(doc, row[2 * len(LABELS):3 * len(LABELS)] > 0, decided, p, combiner, courtesy)

    def _apply(self, doc: Doc, found, decided: list[bool], p: list[float], combiner: SignalCombiner,
               courtesy: bool) -> None:
        drop = {LABELS[j] for j in range(len(LABELS)) if found[j] and not decided[j]}
        add = [j for j in range(len(LABELS)) if decided[j] and not found[j]]
        if not drop and not add:
            return
        spans = []
        for s in doc.spans.get(self.spans_key, ()):
            if s.label_ in drop:
                doc.user_data.pop((RESULT_KEY, s.start_char, s.end_char, s.label_), None)
            else:
                spans.append(s)
        ranges, sent, win = doc.user_data[SCORES_KEY][:3]
        bounds = ranges.tolist()
        per_sentence: dict[int, int] = {}
        starts = {a: k for k, (a, _) in enumerate(bounds)}
        for s in spans:
            k = starts.get(s.start)
            if k is not None:
                per_sentence[k] = per_sentence.get(k, 0) + 1
        cats = dict(doc.cats)
        for j in add:
            k = self._evidence_sentence(doc, bounds, sent[:, j], per_sentence, combiner, courtesy)
            if k is None:
                continue
            lab, m = LABELS[j], float(win[k, j])
            span = Span(doc, bounds[k][0], bounds[k][1], label=lab, span_id="")
            doc.user_data[(RESULT_KEY, span.start_char, span.end_char, lab)] = (
                p[j], m, "", f"second stage {p[j]:.2f} + model {m:.2f}")
            spans.append(span)
            per_sentence[k] = per_sentence.get(k, 0) + 1
            cats[lab] = max(cats.get(lab, 0.0), p[j])
        spans.sort(key=lambda s: (s.start, LABEL_INDEX[s.label_]))
        doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, spans=spans)
        doc.cats = cats

    @staticmethod
    def _evidence_sentence(doc: Doc, bounds, own: np.ndarray, per_sentence: dict, combiner: SignalCombiner,
                           courtesy: bool) -> int | None:
        """The sentence with the highest own score for the label that may carry one more label."""
        cap = combiner.max_labels
        for k in np.argsort(-own, kind="stable").tolist():
            if cap > 0 and per_sentence.get(k, 0) >= cap:
                continue
            if combiner.may_carry_label(doc[bounds[k][0]:bounds[k][1]].text, courtesy):
                return k
        return None

    # -- serialization ------------------------------------------------------------------------
    def _cfg(self) -> dict:
        return {"labels": list(LABELS), "n_features": self.n_features, "text_model": self.text_model_ is not None,
                "thresholds": [round(float(t), 4) for t in self.thresholds_]}

    def _models_bytes(self) -> bytes:
        from analyzer.depth.modelfile import skops_io

        return skops_io().dumps(self.models_, compression=zipfile.ZIP_DEFLATED)

    def _text_model_bytes(self) -> bytes | None:
        from analyzer.depth.modelfile import skops_io

        if self.text_model_ is None:
            return None
        return skops_io().dumps(self.text_model_, compression=zipfile.ZIP_DEFLATED)

    def _restore(self, cfg: dict, data: bytes, text_data: bytes | None = None) -> "SecondStage":
        from analyzer.depth.modelfile import skops_io

        with_text = bool(cfg.get("text_model", False))
        expected = N_FEATURES + (len(LABELS) if with_text else 0)
        if cfg.get("labels") != list(LABELS) or cfg.get("n_features") != expected:
            raise ModelError(f"{self.name}: fitted on other labels or features than this analyzer computes; retrain it")
        if with_text and text_data is None:
            raise ModelError(f"{self.name}: its text model is missing ({TEXT_MODEL_FILE})")
        sio = skops_io()
        try:
            models = read_arrays(lambda: sio.loads(data, trusted=list(TRUSTED_TYPES)))
            text_model = None if not with_text else read_arrays(
                lambda: sio.loads(text_data, trusted=list(TRUSTED_TYPES + TEXT_MODEL_TYPES)))
        except Exception as exc:  # skops refuses untrusted types and malformed files with various errors
            raise ModelError(f"{self.name}: cannot load its classifiers: {exc}") from None
        self.set_models(models, cfg["thresholds"], text_model)
        return self

    def to_disk(self, path, *, exclude=tuple()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg.json", self._cfg())
        (path / MODELS_FILE).write_bytes(self._models_bytes())
        text = self._text_model_bytes()
        if text is not None:
            (path / TEXT_MODEL_FILE).write_bytes(text)

    def from_disk(self, path, *, exclude=tuple()) -> "SecondStage":
        path = ensure_path(path)
        try:
            cfg, data = srsly.read_json(path / "cfg.json"), Path(path / MODELS_FILE).read_bytes()
            text_path = Path(path / TEXT_MODEL_FILE)
            text_data = text_path.read_bytes() if text_path.is_file() else None
        except (OSError, ValueError) as exc:
            raise ModelError(f"{self.name}: cannot read {path}: {exc}") from None
        return self._restore(cfg, data, text_data)

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return srsly.msgpack_dumps({"cfg": self._cfg(), "models": self._models_bytes(),
                                    "text_model": self._text_model_bytes()})

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "SecondStage":
        msg = srsly.msgpack_loads(data)
        return self._restore(msg["cfg"], msg["models"], msg.get("text_model"))


@Language.factory("signal_second_stage", default_config={"combiner": "signal_combiner", "spans_key": "signals"})
def make_second_stage(nlp: Language, name: str, combiner: str, spans_key: str) -> SecondStage:
    return SecondStage(nlp, name, combiner, spans_key)
