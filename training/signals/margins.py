"""The combiner's ``sentence_margins``, chosen on read snippet sets the detector never trained on.

    python -m training.signals.margins --model models/signals --out build/cand-V2

In a short text the classifier scores each sentence's *window*, the whole text, normalised over all
its words: one signal's sentence is diluted by a neighbouring signal's (praise beside acted-on
advice). ``sentence_margins`` (:mod:`analyzer.signals.combine`) lets a sentence whose own score
reaches the label's threshold plus a margin fire too. This module picks the margins:

1. :func:`sweep`: the detector's labels for every development text, once per candidate margin
   applied to every label at once (and once with no margin);
2. :func:`choose_margins`: per label, the margin with the best F1, kept only where it gains at least
   ``min_gain`` over no margin (labels interact only through the per-sentence label cap, so choosing
   each on its own column is what the combined setting does, up to that cap);
3. the pipeline saved with those margins in its config (:func:`write_with_margins`).

The development texts are the read independent sets 3 and up (:data:`~training.signals.snippet_sets.INDEPENDENT_ALL_READ_PATHS`)
less any the model trained on (its ``metrics.json``); never the blind set. The forty-second session's
candidate V2 (``models/depth/CANDIDATE73.md``) was chosen this way.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analyzer.errors import ModelError
from analyzer.signals.labels import LABELS

#: The routed languages' combiner (``training.signals.route``), whose thresholds ``--language-thresholds`` sets.
LANGUAGE_COMBINER = "signal_combiner_languages"
#: The margins tried (on top of each label's threshold); None is "no margin".
MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
#: A label keeps a margin only if it gains at least this much F1 over none on the development texts.
MIN_GAIN = 0.004


def development_paths(model_folder: Path) -> tuple[Path, ...]:
    """The read snippet sets 3 and up that the model in ``model_folder`` never trained on."""
    from training.signals.snippet_sets import INDEPENDENT2_PATH, INDEPENDENT_ALL_READ_PATHS, INDEPENDENT_PATH

    metrics = Path(model_folder) / "metrics.json"
    trained = set()
    if metrics.exists():
        trained = {Path(p).name for p in json.loads(metrics.read_text())["data"].get("independent") or []}
    old = {INDEPENDENT_PATH.name, INDEPENDENT2_PATH.name}
    return tuple(p for p in INDEPENDENT_ALL_READ_PATHS if p.name not in old | trained)


def sweep(nlp, texts: list[str], margins=MARGINS) -> dict:
    """{margin or None: each text's labels} with that margin for every label of the English combiner.
    Leaves the combiner's margins as they were."""
    from analyzer.signals.detect import detect_signals

    combiner = nlp.get_pipe("signal_combiner")
    kept = dict(combiner.sentence_margins)
    try:
        out = {}
        for m in (None, *margins):
            combiner.sentence_margins = {} if m is None else dict.fromkeys(LABELS, m)
            out[m] = detect_signals(texts, model=nlp)
        return out
    finally:
        combiner.sentence_margins = kept


def choose_margins(gold: list[list[str]], by_margin: dict, min_gain: float = MIN_GAIN) -> dict[str, float]:
    """Per label, the margin of ``by_margin`` ({margin or None: labels per text}) with the best F1,
    where it beats no margin (``by_margin[None]``) by at least ``min_gain``; ties go to the larger
    margin (the more cautious one)."""
    from training.signals.metrics import prf_table

    f1 = {m: prf_table(gold, pred).set_index("label")["f1"] for m, pred in by_margin.items()}
    chosen = {}
    for lab in LABELS:
        best = max((m for m in by_margin if m is not None), key=lambda m: (round(float(f1[m][lab]), 6), m))
        if float(f1[best][lab]) - float(f1[None][lab]) >= min_gain:
            chosen[lab] = float(best)
    return chosen


def write_with_margins(model: str | Path, margins: dict[str, float], out: Path, margin_words: int | None = None,
                       decisions: dict[str, dict[str, float]] | None = None,
                       language_thresholds: dict[str, float] | None = None,
                       courtesy_labels: list[str] | None = None) -> None:
    """A copy of the model folder ``model`` at ``out``, replacing what is there (its metrics and notes too: the evaluation reads
    the training rows from ``metrics.json``) with ``margins`` as its English combiner's
    ``sentence_margins``; ``margin_words``: its ``sentence_margin_words`` (None: as it is); ``decisions``:
    its ``thresholds`` and ``rule_floors`` (each a full label -> value map; None: as tuned);
    ``language_thresholds``: the routed languages' combiner's window thresholds (a full label -> value
    map; None: as tuned); ``courtesy_labels``: the labels its English combiner never puts on a bare courtesy
    sentence (None: as it is). Raises ``ModelError`` when the model has no language route to set."""
    import shutil

    from thinc.api import Config

    out = Path(out)
    staging = out.with_name(out.name + ".margins-tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(model, staging)
    cfg = Config().from_disk(staging / "config.cfg", interpolate=False)
    combiner = cfg["components"]["signal_combiner"]
    combiner["sentence_margins"] = {lab: float(m) for lab, m in margins.items()}
    if margin_words is not None:
        combiner["sentence_margin_words"] = int(margin_words)
    for key, values in (decisions or {}).items():
        combiner[key] = {lab: float(values[lab]) for lab in LABELS}
    if courtesy_labels is not None:
        combiner["courtesy_labels"] = list(courtesy_labels)
    if language_thresholds is not None:
        routed = cfg["components"].get(LANGUAGE_COMBINER)
        if routed is None:
            shutil.rmtree(staging)
            raise ModelError(f"{model}: no {LANGUAGE_COMBINER} to take --language-thresholds "
                             "(route the pipeline first: training.signals.route)")
        routed["thresholds"] = {lab: float(language_thresholds[lab]) for lab in LABELS}
    cfg.to_disk(staging / "config.cfg", interpolate=False)
    if out.exists():  # ``make model`` writes over the shipped folder
        shutil.rmtree(out)
    staging.rename(out)


def main(argv: list[str] | None = None) -> int:
    from analyzer.signals.pipeline import load_pipeline
    from training.signals.corpus import read_labelled
    from training.signals.metrics import macro_fbeta

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="models/signals")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--min-gain", type=float, default=MIN_GAIN)
    ap.add_argument("--margins", metavar="LABEL=M,...",
                    help="apply these margins as they are, with no sweep (``make model`` applies the shipped "
                         "ones: chosen on sets 3-23, the read sets of the time, a sweep now reads more)")
    ap.add_argument("--margin-words", type=int, default=None, metavar="N",
                    help="a sentence-margin hit needs a sentence of at least N words (the combiner's "
                         "sentence_margin_words; default: as the model has it)")
    ap.add_argument("--thresholds", metavar="LABEL=T,...", default=None,
                    help="the English combiner's window thresholds, every label (default: as tuned in training)")
    ap.add_argument("--rule-floors", metavar="LABEL=F,...", default=None,
                    help="the English combiner's rule floors, every label (default: as tuned in training)")
    ap.add_argument("--language-thresholds", metavar="LABEL=T,...", default=None,
                    help="the routed languages' combiner's window thresholds, every label (default: as "
                         "tuned in its training; make model pins the shipped ones, which the training "
                         "code of today tunes differently on flat curves)")
    ap.add_argument("--courtesy-labels", metavar="LABEL,...", default=None,
                    help="labels the English combiner never puts on a bare courtesy sentence ('Thank you.'; "
                         "default: as the model has it; an empty string clears them)")
    args = ap.parse_args(argv)
    if args.margin_words is not None and args.margin_words < 0:
        ap.error(f"--margin-words is 0 or more, not {args.margin_words}")
    if (args.thresholds or args.rule_floors or args.language_thresholds or args.courtesy_labels is not None) \
            and not args.margins:
        ap.error("--thresholds, --rule-floors, --language-thresholds and --courtesy-labels need --margins "
                 "(a sweep reads the model's own decisions)")
    courtesy = None
    if args.courtesy_labels is not None:
        courtesy = [lab.strip() for lab in args.courtesy_labels.split(",") if lab.strip()]
        if set(courtesy) - set(LABELS):
            ap.error(f"--courtesy-labels: unknown labels {sorted(set(courtesy) - set(LABELS))}")
    decisions = {}
    for key, given in (("thresholds", args.thresholds), ("rule_floors", args.rule_floors),
                       ("language_thresholds", args.language_thresholds)):
        if given is not None:
            try:
                values = _label_values(given)
            except ValueError:
                ap.error(f"--{key.replace('_', '-')}: expected LABEL=VALUE,..., got {given!r}")
            if set(values) != set(LABELS):
                ap.error(f"--{key.replace('_', '-')} must give every label once: "
                         f"missing {sorted(set(LABELS) - set(values))}, unknown {sorted(set(values) - set(LABELS))}")
            decisions[key] = values
    if args.margins:
        try:
            margins = _label_values(args.margins)
        except ValueError:
            ap.error(f"--margins: expected LABEL=MARGIN,..., got {args.margins!r}")
        unknown = sorted(set(margins) - set(LABELS))
        if unknown:
            ap.error(f"unknown labels {unknown}")
        languages = decisions.pop("language_thresholds", None)
        try:
            write_with_margins(args.model, margins, args.out, args.margin_words, decisions, languages, courtesy)
        except ModelError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    rows = [r for p in development_paths(Path(args.model)) for r in read_labelled(p)]
    texts, gold = [r["text"] for r in rows], [r["labels"] for r in rows]
    by_margin = sweep(load_pipeline(args.model), texts)
    for m, pred in by_margin.items():
        print(f"margin {m}: macro F1 {macro_fbeta(gold, pred):.4f}")
    margins = choose_margins(gold, by_margin, args.min_gain)
    print(f"{len(texts)} development texts; chosen: {margins}")
    write_with_margins(args.model, margins, args.out, args.margin_words, decisions)
    return 0


def _label_values(given: str) -> dict[str, float]:
    """``"a=0.1,b=0.2"`` -> ``{"a": 0.1, "b": 0.2}``."""
    return {lab.strip(): float(v) for lab, v in (item.split("=") for item in given.split(","))}


if __name__ == "__main__":
    raise SystemExit(main())
