"""The language router: sends text in French, German, Spanish, Portuguese, Italian or Dutch to its own classifier.

One linear model over shared features could not learn the snippets written in those languages
without moving on English mail (``data/signals/README_train_languages.md``: its thresholds dropped
and ordinary English list mail drew 60% more false alarms). So the shipped pipeline keeps the English
classifier exactly as it is and adds a second one, trained on the language rows alone, behind this
router::

    ... -> lemmatizer -> language_router -> signal_rules -> signal_classifier -> signal_combiner
                                                          -> signal_classifier_languages -> signal_combiner_languages

The router judges each doc's language (:func:`analyzer.text_language.judge_languages`, batched; or
reads it from ``doc.user_data[LANGUAGE_KEY]``, set by :func:`judged_docs` from the text itself) and
marks a doc written in one of its ``languages`` with its ``route`` (``doc.user_data[ROUTE_KEY]``).
Each classifier and combiner has a ``route`` too and reads only the docs marked with it; a doc with
no mark (English, too short to judge, or another language) takes the components whose route is
``null``, as in a pipeline without a router. A doc is read by exactly one classifier and one combiner.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from spacy.language import Language
from spacy.tokens import Doc

from analyzer.text_language import judge_languages

#: ``doc.user_data`` key of a doc's route (absent: the default route).
ROUTE_KEY = "analyzer.signal_route"
#: ``doc.user_data`` key of the language judged from the text a doc was made of (:func:`judged_docs`).
LANGUAGE_KEY = "analyzer.text_language"


def judged_docs(nlp: Language, texts: Iterable[str], batch_size: int = 1024) -> Iterator[Doc]:
    """``nlp.make_doc`` of each text, carrying the language :func:`judge_languages` gives the text.

    For callers that hold the texts (:mod:`analyzer.signals.detect`): the router then reads the
    language from the doc instead of judging ``doc.text``, which spaCy rebuilds from the tokens, about
    25 microseconds a doc, two thirds of the router's time on agency mail. The same judgement (a doc's
    text is the text it was made of), so the same routes."""
    texts = iter(texts)
    while batch := list(islice(texts, batch_size)):
        _, lang = judge_languages(batch)
        for text, code in zip(batch, lang.tolist()):
            doc = nlp.make_doc(text)
            doc.user_data[LANGUAGE_KEY] = code
            yield doc


def on_route(docs: list[Doc], route: str | None) -> list[Doc]:
    """The docs of ``docs`` a component with ``route`` reads, in order."""
    return [doc for doc in docs if doc.user_data.get(ROUTE_KEY) == route]


class LanguageRouter:
    """Marks docs written in one of ``languages`` with ``route`` (see the module docstring)."""

    def __init__(self, nlp: Language, name: str, languages: Iterable[str], route: str):
        self.nlp = nlp
        self.name = name
        self.languages = tuple(languages)
        self.route = route

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 1024) -> Iterator[Doc]:
        stream = iter(stream)
        while True:
            docs = list(islice(stream, batch_size))
            if not docs:
                return
            unjudged = [doc for doc in docs if LANGUAGE_KEY not in doc.user_data]
            if unjudged:
                _, lang = judge_languages([doc.text for doc in unjudged])
                for doc, code in zip(unjudged, lang.tolist()):
                    doc.user_data[LANGUAGE_KEY] = code
            for doc in docs:
                if doc.user_data[LANGUAGE_KEY] in self.languages:
                    doc.user_data[ROUTE_KEY] = self.route
                else:
                    doc.user_data.pop(ROUTE_KEY, None)
                yield doc


@Language.factory("language_router", default_config={"languages": ["fr", "de", "es", "pt", "it", "nl"],
                                                     "route": "languages"})
def make_language_router(nlp: Language, name: str, languages: list[str], route: str) -> LanguageRouter:
    return LanguageRouter(nlp, name, languages, route)
