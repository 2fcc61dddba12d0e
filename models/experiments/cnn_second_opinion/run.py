"""Experiment (not shipped): does a from-scratch CNN text classifier, as a second opinion beside the
shipped signal pipeline, beat the TF-IDF baseline clearly on short snippets, and at what speed?

    .venv/bin/python models/experiments/cnn_second_opinion/run.py --out /tmp/cnn2 [--variants large]

1. Members: spaCy ``textcat_multilabel`` (``cnn.cfg``: TextCatEnsemble.v2, hashed embeddings, no
   vectors) trained with ``spacy train`` on the pipeline's own training rows (train + tune of
   :func:`training.signals.corpus.training_parts`, quotes stripped), one member per seed. spaCy's dev
   corpus is the development set (eval_independent.jsonl); it only feeds the training log, the
   member used is ``model-last``.
2. Second opinion: per text, the pipeline's highest window score per label rescaled so that its tuned
   threshold maps to 0.5, averaged with the members' mean probability; a label when that average is
   >= ``t``. ``t`` = 0.5 (the a-priori cut) and 0.45 (the best of 0.3..0.55 on the development set).
   This is a text-level approximation: the shipped combiner works per sentence window.
3. Report: macro F1 of pipeline, baseline and second opinion on the held-out split, the development set
   and the test set (eval_independent2.jsonl), with paired-bootstrap intervals; and each member's
   speed in tokens/second on one thread (``textcat.predict`` on the bench text).

Training takes about 5 minutes per member and variant on one core.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import spacy  # noqa: E402

from training.signals.baseline import TfidfBaseline  # noqa: E402
from training.signals.corpus import docbin, read_labelled, training_parts  # noqa: E402
from training.signals.snippet_sets import INDEPENDENT2_PATH, INDEPENDENT_PATH  # noqa: E402
from analyzer.signals.labels import LABELS  # noqa: E402
from training.signals.metrics import paired_bootstrap, prf_table  # noqa: E402
from analyzer.signals.pipeline import load_pipeline  # noqa: E402
from analyzer.signals.quoted import strip_quoted  # noqa: E402

HERE = Path(__file__).resolve().parent
MODEL = "components.textcat_multilabel.model"
#: variant -> (config overrides, [(seed, max_epochs)]) exactly as measured in RESULTS.md
VARIANTS = {
    "large": ({}, [(0, 12), (1, 15), (2, 15)]),
    "medium": ({f"{MODEL}.linear_model.length": 32768, f"{MODEL}.tok2vec.embed.width": 48,
                f"{MODEL}.tok2vec.encode.width": 48, f"{MODEL}.tok2vec.encode.depth": 3}, [(0, 12), (1, 12), (2, 12)]),
    "small": ({f"{MODEL}.linear_model.length": 32768, f"{MODEL}.tok2vec.embed.width": 32,
               f"{MODEL}.tok2vec.encode.width": 32, f"{MODEL}.tok2vec.encode.depth": 2}, [(0, 12), (1, 12), (2, 12)]),
}
CUTS = (0.5, 0.45)


def train_members(out: Path, variant: str) -> list[Path]:
    from spacy.cli.train import train as spacy_train

    overrides, runs = VARIANTS[variant]
    paths = []
    for seed, epochs in runs:
        dest = out / f"{variant}_seed{seed}"
        if not (dest / "model-last").is_dir():
            spacy_train(HERE / "cnn.cfg", dest, overrides={
                "paths.train": str(out / "train.spacy"), "paths.dev": str(out / "dev.spacy"),
                "system.seed": seed, "training.max_epochs": epochs, **overrides})
        paths.append(dest / "model-last")
    return paths


def rescale(score: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Pipeline window score -> [0, 1] with the label's tuned threshold at 0.5 (piecewise linear)."""
    return np.where(score < threshold, 0.5 * score / threshold, 0.5 + 0.5 * (score - threshold) / (1 - threshold))


def member_speed(member, texts: list[str]) -> float:
    docs = list(member.tokenizer.pipe(texts))
    textcat = member.get_pipe("textcat_multilabel")
    started = time.perf_counter()
    for i in range(0, len(docs), 256):
        textcat.predict(docs[i:i + 256])
    return sum(len(d) for d in docs) / (time.perf_counter() - started)


def _round(d: dict) -> dict:
    return {k: round(float(v), 4) for k, v in d.items()}


def evaluate(members: list, sets: dict[str, list[dict]], baseline: TfidfBaseline, nlp) -> dict:
    thr = np.array([nlp.get_pipe("signal_combiner").thresholds[lab] for lab in LABELS])
    out = {}
    for name, rows in sets.items():
        texts = [strip_quoted(r["text"]) for r in rows]
        gold = [r["labels"] for r in rows]
        base = baseline.predict([r["text"] for r in rows])
        docs = list(nlp.pipe(texts))
        pipe = [sorted({s.label_ for s in d.spans["signals"]}) for d in docs]
        pipe_score = rescale(np.array([[d.cats[lab] for lab in LABELS] for d in docs]), thr)
        cnn = np.mean([[[d.cats[lab] for lab in LABELS] for d in m.pipe(texts)] for m in members], axis=0)

        def macro(pred):
            return round(float(prf_table(gold, pred).set_index("label").loc["macro", "f1"]), 4)

        res = {"n": len(rows), "baseline": macro(base), "pipeline": macro(pipe),
               "pipeline_vs_baseline": _round(paired_bootstrap(gold, pipe, base))}
        for t in CUTS:
            both = [[lab for lab, v in zip(LABELS, row) if v >= t] for row in (pipe_score + cnn) / 2]
            res[f"second_opinion_t{t}"] = {"f1": macro(both), "vs_baseline": _round(paired_bootstrap(gold, both, base)),
                                           "vs_pipeline": _round(paired_bootstrap(gold, both, pipe))}
        out[name] = res
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="working folder for the members (large)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "signals")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    parts = training_parts()
    rows = parts["train"] + parts["tune"]
    blank = spacy.blank("en")
    docbin(blank, rows).to_disk(args.out / "train.spacy")
    docbin(blank, read_labelled(INDEPENDENT_PATH)).to_disk(args.out / "dev.spacy")
    sets = {"heldout": parts["heldout"], "development (eval_independent)": read_labelled(INDEPENDENT_PATH),
            "test (eval_independent2)": read_labelled(INDEPENDENT2_PATH)}
    baseline = TfidfBaseline().fit([r["text"] for r in rows], [r["labels"] for r in rows])
    nlp = load_pipeline(args.model)
    bench_texts = [strip_quoted(r["text"]) for r in read_labelled(INDEPENDENT_PATH)] * 4
    report = {}
    for variant in args.variants:
        members = [spacy.load(p) for p in train_members(args.out, variant)]
        report[variant] = {"tokens_per_second_per_member": [round(member_speed(m, bench_texts)) for m in members],
                           "one_member": evaluate(members[:1], sets, baseline, nlp),
                           "all_members": evaluate(members, sets, baseline, nlp)}
        print(json.dumps({variant: report[variant]}, indent=1), flush=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
