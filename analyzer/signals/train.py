"""Train the signal pipeline: ``python -m analyzer.signals.train --out models/signals``.

1. Data (:mod:`analyzer.signals.corpus`): the dev set's recorded split (``data/signals/dev_split.json``)
   - ``train`` + most of ``data/signals/train_extra.jsonl`` -> train corpus,
   - ``tune`` (+ ~15% of the extra data) -> spaCy's dev corpus (model selection) and threshold tuning,
   - ``heldout`` -> never seen here except for the final report in ``metrics.json``.
   Quoted lines are stripped from every text first, as the detector only ever sees new text.
2. ``spacy train`` (in-process, :func:`spacy.cli.train.train`) with ``models/signals.cfg``.
3. Per-label thresholds on the model score, tuned on ``tune`` with the rules in place.
4. The best model + ``signal_rules`` + ``signal_combiner`` -> ``OUT/`` with ``metrics.json`` and
   ``TRAINING.md`` (exact command, data, seed, split).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

import spacy

from analyzer.errors import AnalyzerError, ModelError
from analyzer.signals.corpus import (DEV_PATH, EXTRA_PATH, PROJECT_ROOT, SEED, SPLIT_PATH, docbin,
                                     training_parts)
from analyzer.signals.labels import LABELS
from analyzer.signals.metrics import best_threshold, prf_table
from analyzer.signals.pipeline import TEXTCAT, assemble
from analyzer.signals.quoted import strip_quoted

log = logging.getLogger(__name__)

CONFIG_PATH = PROJECT_ROOT / "models" / "signals.cfg"


def label_evidence(nlp, texts: list[str]) -> list[dict[str, tuple[bool, float]]]:
    """Per text and label: (a positive rule fired, highest unvetoed model score over sentences).

    Run with a combiner whose thresholds are all 0, so every unvetoed sentence score shows up."""
    out = []
    for doc in nlp.pipe([strip_quoted(t) for t in texts], batch_size=256):
        ev = {lab: (False, 0.0) for lab in LABELS}
        for span in doc.spans["signals"]:
            rule, best = ev[span.label_]
            m = span._.signal_model_score
            ev[span.label_] = (rule or bool(span._.signal_rule_id), max(best, m if m is not None else 0.0))
        out.append(ev)
    return out


def tune_thresholds(nlp, rows: list[dict]) -> dict[str, float]:
    ev = label_evidence(nlp, [r["text"] for r in rows])
    return {lab: best_threshold([e[lab][1] for e in ev], [e[lab][0] for e in ev],
                                [lab in r["labels"] for r in rows]) for lab in LABELS}


def predict_labels(nlp, texts: list[str]) -> list[list[str]]:
    return [sorted({s.label_ for s in doc.spans["signals"]})
            for doc in nlp.pipe([strip_quoted(t) for t in texts], batch_size=256)]


def _table_dict(df) -> dict:
    return {r["label"]: {k: round(float(r[k]), 4) for k in ("precision", "recall", "f1")} | {"support": int(r["support"])}
            for r in df.to_dict("records")}


def train(out: Path, config: Path = CONFIG_PATH, seed: int = SEED, keep_work: bool = False) -> dict:
    """Train, tune and write the pipeline to ``out``; returns the metrics written to metrics.json."""
    from spacy.cli.train import train as spacy_train

    started = time.time()
    parts = training_parts()
    counts = {k: len(v) for k, v in parts.items()}
    log.info("data: %s", counts)
    work = Path(tempfile.mkdtemp(prefix="signals-train-"))
    try:
        blank = spacy.blank("en")
        docbin(blank, parts["train"]).to_disk(work / "train.spacy")
        docbin(blank, parts["tune"]).to_disk(work / "tune.spacy")
        spacy_train(config, work / "spacy", use_gpu=-1,
                    overrides={"paths.train": str(work / "train.spacy"), "paths.dev": str(work / "tune.spacy"),
                               "system.seed": seed})
        nlp = spacy.load(work / "spacy" / "model-best")
        assemble(nlp, thresholds=dict.fromkeys(LABELS, 0.0))
        thresholds = tune_thresholds(nlp, parts["tune"])
        log.info("thresholds: %s", thresholds)
        assemble(nlp, thresholds=thresholds)
        if TEXTCAT in nlp.pipe_names:
            raise ModelError("the classifier should be disabled in the assembled pipeline")
        tune_table = prf_table([r["labels"] for r in parts["tune"]], predict_labels(nlp, [r["text"] for r in parts["tune"]]))
        held_table = prf_table([r["labels"] for r in parts["heldout"]],
                               predict_labels(nlp, [r["text"] for r in parts["heldout"]]))
        nlp.meta["name"] = "signals"
        nlp.meta["version"] = "1.0.0"
        nlp.meta["description"] = "Relationship signals of SIGNALS.md: rules + sentence-level textcat (analyzer)"
        if out.exists():
            shutil.rmtree(out)
        nlp.to_disk(out)
    finally:
        if not keep_work:
            shutil.rmtree(work, ignore_errors=True)
    metrics = {
        "seed": seed,
        "data": {"dev": str(DEV_PATH.relative_to(PROJECT_ROOT.parent)), "extra": str(EXTRA_PATH.relative_to(PROJECT_ROOT)),
                 "split": str(SPLIT_PATH.relative_to(PROJECT_ROOT)), "counts": counts},
        "thresholds": thresholds,
        "tune": _table_dict(tune_table),
        "heldout": _table_dict(held_table),
        "train_seconds": round(time.time() - started, 1),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    (out / "TRAINING.md").write_text(_training_md(metrics, config), encoding="utf-8")
    return metrics


def _training_md(m: dict, config: Path) -> str:
    c = m["data"]["counts"]
    return f"""# How models/signals was built

Command (from the project root; `make model` runs the same):

    .venv/bin/python -m analyzer.signals.train --out models/signals --seed {m['seed']}

- spaCy {spacy.__version__}; config `{config.relative_to(PROJECT_ROOT) if config.is_relative_to(PROJECT_ROOT) else config}`
  (textcat_multilabel with the `analyzer.SignalBOW.v1` architecture), trained by `spacy train` in-process.
- Data: `{m['data']['dev']}` split by `{m['data']['split']}` (seed {SEED}, 25% held out, stratified by each
  example's rarest label; the split file is reused while it exists) plus `{m['data']['extra']}`.
  Examples: train {c['train']}, tune {c['tune']} (spaCy dev corpus + threshold tuning), held-out {c['heldout']}
  (never used for training or tuning). `data/signals/eval_independent.jsonl` is never read here.
- Quoted lines (`> ...`, below "On ... wrote:") are stripped before training, as at detection time.
- Thresholds per label (tuned on the tune slice, rules in place): {json.dumps(m['thresholds'])}
- Held-out macro F1: {m['heldout']['macro']['f1']:.3f}; tune macro F1: {m['tune']['macro']['f1']:.3f}.
  `make evaluate` compares with the TF-IDF baseline and writes `evaluation.md`.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the signal pipeline.")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "models" / "signals")
    parser.add_argument("--config", type=Path, default=CONFIG_PATH)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep-work", action="store_true", help="keep the spacy train output folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        metrics = train(args.out, config=args.config, seed=args.seed, keep_work=args.keep_work)
    except AnalyzerError as exc:
        print(f"analyzer.signals.train: error: {exc}", file=sys.stderr)
        return 2
    log.info("held-out macro F1 %.3f -> %s", metrics["heldout"]["macro"]["f1"], args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
