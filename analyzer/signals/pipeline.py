"""Build and load the signal pipeline.

The shipped pipeline (``models/signals``, written by ``python -m analyzer.signals.train``) is::

    spacy.blank("en") tokenizer -> sentencizer -> lemmatizer (lookup_lemmatizer; tables stored in the folder)
      -> signal_rules -> [textcat_multilabel, disabled: scored per sentence by the combiner]
      -> signal_combiner

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
import analyzer.signals.features  # noqa: F401  (registers "analyzer.SignalBOW.v1")
import analyzer.signals.lemmatizer  # noqa: F401  (registers the "lookup_lemmatizer" factory)
import analyzer.signals.rules  # noqa: F401  (registers the "signal_rules" factory)
from analyzer.errors import ModelError
from analyzer.signals.corpus import PROJECT_ROOT

log = logging.getLogger(__name__)

DEFAULT_MODEL = PROJECT_ROOT / "models" / "signals"
TEXTCAT = "textcat_multilabel"
SENTENCE_PIPES = ("parser", "senter", "sentencizer")


def assemble(trained: Language, thresholds: dict[str, float], patterns_dir: Path | None = None) -> Language:
    """Complete a trained sentencizer+lemmatizer+textcat pipeline with rules and the combiner (in place)."""
    if TEXTCAT not in trained.component_names:
        raise ModelError(f"the trained pipeline has no {TEXTCAT!r} component")
    for name in ("signal_rules", "signal_combiner"):
        if name in trained.component_names:
            trained.remove_pipe(name)
    rules = trained.add_pipe("signal_rules", before=TEXTCAT if TEXTCAT in trained.pipe_names else None)
    rules.initialize(patterns_dir=str(patterns_dir) if patterns_dir else None)
    trained.add_pipe("signal_combiner", last=True,
                     config={"model_pipe": TEXTCAT, "thresholds": {k: round(float(v), 4) for k, v in thresholds.items()}})
    if TEXTCAT in trained.pipe_names:
        trained.disable_pipe(TEXTCAT)  # the combiner scores sentences with its model
    return trained


def is_signal_pipeline(nlp: Language) -> bool:
    return "signal_combiner" in nlp.pipe_names


def add_signal_components(nlp: Language, source: Language) -> Language:
    """Add sentence boundaries (if missing), a lemmatizer (if missing), the rules, the classifier
    and the combiner of the signal pipeline ``source`` to another pipeline ``nlp`` (in place)."""
    if not any(p in nlp.pipe_names for p in SENTENCE_PIPES):
        nlp.add_pipe("sentencizer", first=True)
    if "lemmatizer" not in nlp.pipe_names and "trainable_lemmatizer" not in nlp.pipe_names:
        nlp.add_pipe("lemmatizer", source=source)
    rules = nlp.add_pipe("signal_rules", name="signal_rules")
    rules.from_bytes(source.get_pipe("signal_rules").to_bytes())
    src_comb = source.get_pipe("signal_combiner")
    textcat_name = "signal_textcat" if TEXTCAT in nlp.component_names else TEXTCAT
    nlp.add_pipe(src_comb.model_pipe, name=textcat_name, source=source)
    nlp.add_pipe("signal_combiner", config={"model_pipe": textcat_name, "thresholds": src_comb.thresholds,
                                            "default_threshold": src_comb.default_threshold})
    nlp.disable_pipe(textcat_name)
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
