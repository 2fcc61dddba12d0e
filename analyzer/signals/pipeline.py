"""Build and load the signal pipeline.

The shipped pipeline (``models/signals``, written by ``python -m training.signals.train`` from the
config ``models/signals.cfg``) is::

    spacy.blank("en") tokenizer -> sentencizer -> paragraph_breaks -> lemmatizer (lookup_lemmatizer; tables stored in the folder)
      -> language_router -> signal_rules -> signal_classifier -> signal_combiner
      -> signal_classifier_languages -> signal_combiner_languages

The router sends French, German, Spanish, Portuguese, Italian and Dutch text to the second classifier and combiner
(:mod:`analyzer.signals.router`); everything else takes the first pair, as in a pipeline without it.

:func:`load_pipeline` loads it (cached), or takes another installed spaCy pipeline (a package name
such as ``en_core_web_sm`` or a folder) and adds the signal components to it (sourced from the
shipped pipeline), so a user with a full English model can use its sentence boundaries and lemmas.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

import analyzer.signals.combine  # noqa: F401  (registers the "signal_combiner" factory)
import analyzer.signals.lemmatizer  # noqa: F401  (registers the "lookup_lemmatizer" factory)
import analyzer.signals.linear  # noqa: F401  (registers the "signal_classifier" factory)
import analyzer.signals.paragraphs  # noqa: F401  (registers the "paragraph_breaks" factory)
import analyzer.signals.router  # noqa: F401  (registers the "language_router" factory)
import analyzer.signals.rules  # noqa: F401  (registers the "signal_rules" factory)
import analyzer.signals.second_stage  # noqa: F401  (registers the "signal_second_stage" factory)
from analyzer.errors import ModelError
from analyzer.resources import shipped_model

log = logging.getLogger(__name__)

DEFAULT_MODEL = shipped_model("signals")
CLASSIFIER = "signal_classifier"
SENTENCE_PIPES = ("parser", "senter", "sentencizer")
#: Factories of the components that only exist to produce signals; the rest of a pipeline runs before them.
SIGNAL_FACTORIES = ("language_router", "signal_rules", "signal_classifier", "signal_combiner", "signal_second_stage")


def signal_pipes(nlp: Language) -> list[str]:
    """The names of ``nlp``'s signal components (:data:`SIGNAL_FACTORIES`), in pipeline order."""
    return [name for name in nlp.pipe_names if nlp.get_pipe_meta(name).factory in SIGNAL_FACTORIES]


def build_pipeline(config: Path | str) -> Language:
    """A fresh, untrained signal pipeline from the spaCy config (lemma tables and rule patterns
    loaded by ``nlp.initialize``: this needs spacy-lookups-data, the built pipeline does not)."""
    try:
        cfg = spacy.util.load_config(config)
        nlp = spacy.util.load_model_from_config(cfg, auto_fill=True, validate=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot build the signal pipeline from {config}: {exc}") from None
    nlp.initialize()
    return nlp


def is_signal_pipeline(nlp: Language) -> bool:
    return "signal_combiner" in nlp.pipe_names


def add_signal_components(nlp: Language, source: Language) -> Language:
    """Add sentence boundaries (if missing), a lemmatizer (if missing) and the signal components of
    the signal pipeline ``source`` (its router, rules, classifiers and combiners) to another pipeline
    ``nlp`` (in place)."""
    if not any(p in nlp.pipe_names for p in SENTENCE_PIPES):
        nlp.add_pipe("sentencizer", first=True)
        nlp.add_pipe("paragraph_breaks", after="sentencizer")
    if "lemmatizer" not in nlp.pipe_names and "trainable_lemmatizer" not in nlp.pipe_names:
        nlp.add_pipe("lemmatizer", source=source)
    for name in signal_pipes(source):
        if name in nlp.component_names:
            raise ModelError(f"the pipeline already has a component named {name!r}")
        cfg = dict(source.config["components"][name])
        component = nlp.add_pipe(cfg.pop("factory"), name=name, config=cfg)
        if hasattr(component, "from_bytes"):  # rebuilt on nlp's vocab, not shared with the source
            component.from_bytes(source.get_pipe(name).to_bytes())
    return nlp


def _load(name_or_path) -> Language:
    try:
        return spacy.load(name_or_path)
    except OSError as exc:
        raise ModelError(f"cannot load spaCy pipeline {str(name_or_path)!r}: {exc}") from None
    except (ValueError, KeyError) as exc:  # config/factory mismatches
        raise ModelError(f"spaCy pipeline {str(name_or_path)!r} is incompatible: {exc}") from None


@lru_cache(maxsize=4)
def _cached(key: str | None) -> Language:
    default = DEFAULT_MODEL
    if key is None:
        if not (default / "config.cfg").is_file():
            raise ModelError(f"no signal pipeline at {default}: run `make model`")
        return _load(default)
    nlp = _load(Path(key) if Path(key).exists() else key)
    if is_signal_pipeline(nlp):
        return nlp
    log.info("adding the signal components of %s to the pipeline %s", default, key)
    return add_signal_components(nlp, _cached(None))


def load_pipeline(path: str | Path | Language | None = None) -> Language:
    """The signal pipeline: ``models/signals`` by default; a folder or an installed package name of
    either a signal pipeline or any other spaCy pipeline (the signal components are then added).

    A :class:`~spacy.language.Language` that already is a signal pipeline is returned as is.
    Loaded pipelines are cached, so repeated calls are cheap; do not modify the returned object.
    """
    if isinstance(path, Language):
        return path if is_signal_pipeline(path) else add_signal_components(path, _cached(None))
    return _cached(None if path is None else str(Path(path).resolve() if Path(path).exists() else path))
