"""Put a classifier for other languages behind the language router of a signal pipeline.

    python -m training.signals.train --out build/signals-languages --only-languages
    python -m training.signals.route --english models/signals --languages build/signals-languages --out models/signals

The English pipeline keeps every component and setting it has; this adds, from the pipeline trained
on the language rows alone, its classifier and its combiner (with its own thresholds) under new
names, and the router that sends the docs in its languages (French, German, Spanish, Portuguese,
Italian, Dutch) to them
(:mod:`analyzer.signals.router`). Text in those languages is read by the second pair only; all other
text exactly as before. ``make model`` runs both steps.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

from spacy.language import Language

from analyzer.errors import AnalyzerError, ModelError
from analyzer.signals.pipeline import CLASSIFIER, load_pipeline
from training.signals.corpus import LANGUAGES

log = logging.getLogger(__name__)

#: The route's name; the languages routed are those the second pipeline is trained on (corpus.LANGUAGES).
ROUTE = "languages"


def add_language_route(nlp: Language, other: Language, languages=LANGUAGES, route: str = ROUTE) -> Language:
    # languages: those ``other`` was trained on
    """Add to ``nlp`` (in place) a ``language_router`` before its rules, and ``other``'s classifier and
    combiner as ``signal_classifier_<route>`` and ``signal_combiner_<route>``, reading ``route`` only."""
    if "language_router" in nlp.pipe_names:
        raise ModelError("the pipeline already routes languages")
    nlp.add_pipe("language_router", before="signal_rules", config={"languages": list(languages), "route": route})
    classifier, combiner = f"{CLASSIFIER}_{route}", f"signal_combiner_{route}"
    cfg = {k: v for k, v in other.config["components"][CLASSIFIER].items() if k != "factory"}
    nlp.add_pipe("signal_classifier", name=classifier, config={**cfg, "route": route})
    nlp.get_pipe(classifier).from_bytes(other.get_pipe(CLASSIFIER).to_bytes())
    cfg = {k: v for k, v in other.config["components"]["signal_combiner"].items() if k != "factory"}
    nlp.add_pipe("signal_combiner", name=combiner, config={**cfg, "model_pipe": classifier, "route": route})
    return nlp


def sort_sentencizer(folder: Path) -> None:
    """Write the saved pipeline's ``sentencizer.json`` with its punctuation characters in order.

    spaCy keeps them as a set and writes them in the set's order, which changes from one process to
    the next (string hashing), so every rebuild rewrote the file with the same characters shuffled."""
    import srsly

    path = folder / "sentencizer.json"
    if path.is_file():
        cfg = srsly.read_json(path)
        cfg["punct_chars"] = sorted(cfg.get("punct_chars", []))
        srsly.write_json(path, cfg)


def route(english: Path, languages: Path, out: Path) -> None:
    """Write ``english`` with ``languages``' classifier behind the router to ``out`` (which may be
    ``english`` itself: the files are written to a temporary folder first). The router sends the
    languages that pipeline was trained on (its ``metrics.json``; all of ``LANGUAGES`` when it
    does not say)."""
    metrics = json.loads((languages / "metrics.json").read_text(encoding="utf-8"))
    codes = tuple(metrics.get("data", {}).get("language_codes") or LANGUAGES)
    nlp = add_language_route(load_pipeline(english), load_pipeline(languages), languages=codes)
    nlp.meta["languages_route"] = {"languages": list(codes), "from": languages.name,
                                   "heldout_macro_f1_english_rows": metrics["heldout"]["macro"]["f1"],
                                   "thresholds": metrics["thresholds"]}
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        staged = Path(tmp) / "pipeline"
        nlp.to_disk(staged)
        sort_sentencizer(staged)
        for name in sorted(p.name for p in english.iterdir() if p.is_file()):  # TRAINING.md, metrics.json, reports
            if not (staged / name).exists():
                shutil.copy2(english / name, staged / name)
        with (staged / "TRAINING.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## The language route\n\nThen `python -m training.signals.route --languages {languages}` "
                     f"put the classifier and combiner of `{languages}` (trained with `--only-languages` on "
                     "data/signals/train_lang_*.jsonl alone; see its TRAINING.md) behind a `language_router`: "
                     f"text in {', '.join(codes)} is read by them, all other text as above. Their window "
                     f"thresholds: {json.dumps(metrics['thresholds'])}\n")
        kept = out / "HISTORY.md"  # hand-written, not made by training: kept when out is rebuilt
        if kept.is_file() and not (staged / kept.name).exists():
            shutil.copy2(kept, staged / kept.name)
        if out.exists():
            shutil.rmtree(out)
        staged.rename(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Route other languages to their own classifier.")
    parser.add_argument("--english", type=Path, required=True, help="the signal pipeline (English)")
    parser.add_argument("--languages", type=Path, required=True, help="a pipeline trained with --only-languages")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        route(args.english.resolve(), args.languages.resolve(), args.out.resolve())
    except AnalyzerError as exc:
        print(f"training.signals.route: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
