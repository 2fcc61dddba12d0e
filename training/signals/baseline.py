"""The plain baseline the pipeline must beat: TF-IDF word + character n-grams, one-vs-rest
logistic regression (scikit-learn), trained on the same rows in the same run (``evaluate``).

It sees the same quote-stripped text as the pipeline and predicts a label when its probability is
at least 0.5. ``class_weight="balanced"`` keeps rare labels from being ignored, which makes it a
fair (stronger) baseline rather than a strawman.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from analyzer.signals.labels import LABELS
from analyzer.signals.quoted import strip_quoted


class TfidfBaseline(BaseEstimator, ClassifierMixin):
    """Multi-label text classifier: texts -> sorted label lists."""

    def __init__(self, C: float = 10.0, threshold: float = 0.5, random_state: int = 13):
        self.C = C
        self.threshold = threshold
        self.random_state = random_state

    def fit(self, texts: list[str], labels: list[list[str]]) -> "TfidfBaseline":
        self.binarizer_ = MultiLabelBinarizer(classes=list(LABELS)).fit([])
        y = self.binarizer_.transform(labels)
        features = FeatureUnion([
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), lowercase=True, sublinear_tf=True, min_df=1)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True, sublinear_tf=True, min_df=2)),
        ])
        clf = OneVsRestClassifier(LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000,
                                                     random_state=self.random_state))
        self.pipeline_ = make_pipeline(features, clf).fit([strip_quoted(t) for t in texts], y)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.pipeline_.predict_proba([strip_quoted(t) for t in texts])

    def predict(self, texts: list[str]) -> list[list[str]]:
        proba = self.predict_proba(texts)
        return [[lab for lab, p in zip(self.binarizer_.classes_, row) if p >= self.threshold] for row in proba]


def same_data_baseline(parts: dict[str, list[dict]]) -> TfidfBaseline:
    """The baseline fitted on the rows the detector is trained on: ``train`` + ``tune`` of
    :func:`training.signals.corpus.training_parts`' result ``parts``."""
    seen = parts["train"] + parts["tune"]
    return TfidfBaseline().fit([r["text"] for r in seen], [r["labels"] for r in seen])


class RoutedBaseline:
    """Two baselines behind the same language routing as a routed pipeline
    (:mod:`analyzer.signals.router`): a text judged to be in one of ``languages`` (its quote-stripped
    text, as the router sees it) is read by ``other``, every other text by ``english``."""

    def __init__(self, english: TfidfBaseline, other: TfidfBaseline, languages):
        self.english = english
        self.other = other
        self.languages = tuple(languages)

    def routed(self, texts: list[str]) -> np.ndarray:
        from analyzer.text_language import judge_languages

        _, lang = judge_languages([strip_quoted(t) for t in texts])
        return np.isin(lang, self.languages)

    def predict(self, texts: list[str]) -> list[list[str]]:
        texts = list(texts)
        out: list[list[str]] = [[] for _ in texts]
        mask = self.routed(texts)
        for pick, model in ((~mask, self.english), (mask, self.other)):
            idx = np.flatnonzero(pick)
            if len(idx):
                for i, labels in zip(idx, model.predict([texts[i] for i in idx])):
                    out[i] = labels
        return out


def router_languages(nlp) -> tuple[str, ...]:
    """The languages a signal pipeline's ``language_router`` routes (none without a router)."""
    if "language_router" not in nlp.pipe_names:
        return ()
    return tuple(nlp.get_pipe("language_router").languages)
