"""A development reading of a routed detector: English text to one pipeline, other text to another.

    python -m training.signals.routed --english models/signals --other build/XX

The language rows taught one shared model to read French, German, Spanish and Portuguese, but moved
it on English list mail (candidates ML and ML2, ``data/signals/README_train_languages.md``). Routing
keeps English exactly as it is: a text that the function-word check of
:mod:`analyzer.depth.language` reads as English (or that is too short to judge) goes to the English
pipeline, any other text to a pipeline trained on the language rows alone (``training.signals.train
--only-languages``). This module measures that design on the development sets only: the English
blind sets 3-9 (read many times), ``eval_lang_*`` (read by three detectors: a development set now)
and the blind-labelled real list mail. It does not read ``eval_lang2_*``, which is kept for the rule
of a routed candidate. Nothing here is in the runtime path: ``analyzer`` has no router yet.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from analyzer.depth.language import judge_texts
from training.signals.corpus import read_labelled
from training.signals.evaluate import INDEPENDENT_SETS, realmail_labels, realmail_texts
from training.signals.metrics import macro_fbeta
from training.signals.realmail_labels import LABELS_PATH, agreement, gold_by_archive, read_labels

#: The English blind sets 3-9 and the language set read by three detectors (the evaluation's own paths).
DEV_SETS = {name: paths for name, paths, _ in INDEPENDENT_SETS
            if name in {f"independent{k}" for k in range(3, 10)} | {"languages"}}


def english_mask(texts: list[str]) -> np.ndarray:
    """True for a text read as English or too short to judge (it then goes where it always went)."""
    judged, english = judge_texts(list(texts))
    return (judged == 0) | english


def detect_routed(texts: list[str], english_nlp, other_nlp, mail: bool = False) -> list[list[str]]:
    """Sorted labels per text, each text read by the pipeline its language routes it to (``mail``:
    whole messages, read as :func:`training.signals.evaluate.realmail_labels` reads them)."""
    from analyzer.signals.detect import detect_signals

    read = realmail_labels if mail else (lambda nlp, ts: detect_signals(ts, model=nlp))
    mask = english_mask(texts)
    out: list[list[str]] = [[] for _ in texts]
    for pick, nlp in ((mask, english_nlp), (~mask, other_nlp)):
        idx = np.flatnonzero(pick)
        if len(idx):
            for i, labels in zip(idx, read(nlp, [texts[i] for i in idx])):
                out[i] = labels
    return out


def reading(english: Path, other: Path) -> dict:
    from analyzer.signals.detect import detect_signals
    from analyzer.signals.pipeline import load_pipeline

    en, xx = load_pipeline(english), load_pipeline(other)
    res: dict = {"sets": {}, "routed_to_other": {}}
    for name, paths in DEV_SETS.items():
        rows = [r for p in paths for r in read_labelled(p)]
        texts, gold = [r["text"] for r in rows], [r["labels"] for r in rows]
        res["sets"][name] = {"english_only": macro_fbeta(gold, detect_signals(texts, model=en)),
                             "routed": macro_fbeta(gold, detect_routed(texts, en, xx))}
        res["routed_to_other"][name] = int((~english_mask(texts)).sum())
    mail = realmail_texts()
    gold = gold_by_archive(mail, read_labels(LABELS_PATH))
    flagged = {}
    for kind in ("english_only", "routed"):
        rows = []
        for name, msgs in mail.items():
            pred = realmail_labels(en, msgs) if kind == "english_only" else detect_routed(msgs, en, xx, mail=True)
            rows.append(agreement(name, gold[name], pred))
        flagged[kind] = sum(r["flagged"] - r["both"] for r in rows)
    res["realmail_flagged_without_signal"] = flagged
    res["realmail_routed_to_other"] = int(sum((~english_mask(m)).sum() for m in mail.values()))
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.signals.routed", description=__doc__.splitlines()[0])
    ap.add_argument("--english", type=Path, required=True)
    ap.add_argument("--other", type=Path, required=True)
    args = ap.parse_args(argv)
    print(json.dumps(reading(args.english, args.other), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
