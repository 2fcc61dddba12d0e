"""Train the signal pipeline: ``python -m analyzer.signals.train --out models/signals``.

1. Data (:mod:`analyzer.signals.corpus`): the dev set's recorded split (``data/signals/dev_split.json``)
   - ``train`` + most of ``data/signals/train_extra.jsonl`` -> fitting the classifier,
   - ``tune`` (+ ~15% of the extra data) -> per-label thresholds,
   - ``heldout`` -> never seen here except for the final report in ``metrics.json``.
   Quoted lines are stripped from every text first, as the detector only ever sees new text.
2. The pipeline is built from ``models/signals.cfg`` (:func:`~analyzer.signals.pipeline.build_pipeline`:
   lemma tables and rule patterns are loaded), ``signal_classifier`` is fitted on the train texts
   with the settings of the config's ``[signal_fit]`` (:func:`analyzer.signals.fit.fit_classifier`).
3. Per-label thresholds on the window score, tuned on ``tune`` with the rules in place, go into the
   combiner's config.
4. The pipeline -> ``OUT/`` with ``metrics.json`` and ``TRAINING.md`` (exact command, data, seed, split).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import spacy

from analyzer.errors import AnalyzerError
from analyzer.signals.corpus import DEV_PATH, EXTRA_PATH, PROJECT_ROOT, SEED, SPLIT_PATH, training_parts
from analyzer.signals.fit import fit_classifier, occurrences
from analyzer.signals.labels import LABELS
from analyzer.signals.metrics import best_threshold, prf_table
from analyzer.signals.pipeline import CLASSIFIER, CONFIG_PATH, build_pipeline
from analyzer.signals.quoted import strip_quoted

log = logging.getLogger(__name__)


def set_thresholds(nlp, thresholds: dict[str, float]) -> None:
    """Replace the combiner by one with ``thresholds`` (so they are part of the saved config)."""
    old = nlp.get_pipe("signal_combiner")
    cfg = {"model_pipe": old.model_pipe, "rules_pipe": old.rules_pipe, "spans_key": old.spans_key,
           "default_threshold": old.default_threshold,
           "thresholds": {lab: round(float(thresholds[lab]), 4) for lab in LABELS}}
    nlp.remove_pipe("signal_combiner")
    nlp.add_pipe("signal_combiner", last=True, config=cfg)


def prepare(nlp, texts: list[str]) -> list:
    """Docs of the quote-stripped texts, run up to (not including) the classifier."""
    with nlp.select_pipes(disable=[CLASSIFIER, "signal_combiner"]):
        return list(nlp.pipe([strip_quoted(t) for t in texts], batch_size=256))


def label_evidence(nlp, docs: list) -> list[dict[str, tuple[bool, float]]]:
    """Per prepared doc and label: (a positive rule fired, highest unvetoed window score).

    Runs classifier and combiner with all thresholds at 0, so every unvetoed window shows up."""
    kept = dict(nlp.get_pipe("signal_combiner").thresholds)
    set_thresholds(nlp, dict.fromkeys(LABELS, 0.0))
    try:
        out = []
        combiner = nlp.get_pipe("signal_combiner")
        for doc in combiner.pipe(nlp.get_pipe(CLASSIFIER).pipe(docs)):
            ev = {lab: (False, 0.0) for lab in LABELS}
            for span in doc.spans["signals"]:
                rule, best = ev[span.label_]
                m = span._.signal_model_score
                ev[span.label_] = (rule or bool(span._.signal_rule_id), max(best, m if m is not None else 0.0))
            out.append(ev)
    finally:
        set_thresholds(nlp, kept)
    return out


def tune_thresholds(evidence: list[dict], rows: list[dict]) -> dict[str, float]:
    return {lab: best_threshold([e[lab][1] for e in evidence], [e[lab][0] for e in evidence],
                                [lab in r["labels"] for r in rows]) for lab in LABELS}


def predict_labels(nlp, texts: list[str]) -> list[list[str]]:
    return [sorted({s.label_ for s in doc.spans["signals"]})
            for doc in nlp.pipe([strip_quoted(t) for t in texts], batch_size=256)]


def _targets(nlp, rows: list[dict]) -> np.ndarray:
    return np.array([[lab in r["labels"] for lab in nlp.get_pipe(CLASSIFIER).labels] for r in rows], dtype=int)


def cross_validated_evidence(nlp, docs: list, rows: list[dict], occ: list, folds: int, C: float, min_df: int,
                             seed: int) -> list[dict]:
    """Out-of-fold evidence for every row: each fold scored by a classifier fitted on the others."""
    order = np.random.default_rng(seed).permutation(len(rows))
    fold_of = np.empty(len(rows), dtype=int)
    fold_of[order] = np.arange(len(rows)) % folds
    y = _targets(nlp, rows)
    evidence: list = [None] * len(rows)
    clf = nlp.get_pipe(CLASSIFIER)
    for k in range(folds):
        fit_idx, held_idx = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
        fit_classifier(clf, [docs[i] for i in fit_idx], y[fit_idx], C=C, min_df=min_df, seed=seed,
                       occ=[occ[i] for i in fit_idx])
        for i, ev in zip(held_idx, label_evidence(nlp, [docs[i] for i in held_idx])):
            evidence[i] = ev
        log.info("fold %d/%d done", k + 1, folds)
    return evidence


def _table_dict(df) -> dict:
    return {r["label"]: {k: round(float(r[k]), 4) for k in ("precision", "recall", "f1")} | {"support": int(r["support"])}
            for r in df.to_dict("records")}


def train(out: Path, config: Path = CONFIG_PATH, seed: int | None = None) -> dict:
    """Build, fit, tune and write the pipeline to ``out``; returns the metrics written to metrics.json."""
    started = time.time()
    parts = training_parts()
    counts = {k: len(v) for k, v in parts.items()}
    log.info("data: %s", counts)
    nlp = build_pipeline(config)
    fit = dict(nlp.config.get("signal_fit", {}))
    seed = int(fit.get("seed", SEED) if seed is None else seed)
    C, min_df, folds = float(fit.get("C", 10.0)), int(fit.get("min_df", 2)), int(fit.get("folds", 5))
    rows = parts["train"] + parts["tune"]
    docs = prepare(nlp, [r["text"] for r in rows])
    occ = [occurrences(nlp.get_pipe(CLASSIFIER), d) for d in docs]
    evidence = cross_validated_evidence(nlp, docs, rows, occ, folds, C, min_df, seed)
    thresholds = tune_thresholds(evidence, rows)
    log.info("thresholds: %s", thresholds)
    fit_classifier(nlp.get_pipe(CLASSIFIER), docs, _targets(nlp, rows), C=C, min_df=min_df, seed=seed, occ=occ)
    oof_table = prf_table([r["labels"] for r in rows],
                          [sorted(lab for lab in LABELS if e[lab][0] or e[lab][1] >= thresholds[lab]) for e in evidence])
    set_thresholds(nlp, thresholds)
    held_table = prf_table([r["labels"] for r in parts["heldout"]],
                           predict_labels(nlp, [r["text"] for r in parts["heldout"]]))
    nlp.meta["name"] = "signals"
    nlp.meta["version"] = "2.0.0"
    nlp.meta["description"] = ("Relationship signals of SIGNALS.md: rules + linear classifier over word, lemma, "
                               "char n-gram and rule features, scored per sentence window (analyzer)")
    if out.exists():
        shutil.rmtree(out)
    nlp.to_disk(out)
    metrics = {
        "seed": seed, "fit": {"C": C, "min_df": min_df, "folds": folds},
        "n_features": int(len(nlp.get_pipe(CLASSIFIER).keys_)),
        "data": {"dev": str(DEV_PATH.relative_to(PROJECT_ROOT.parent)), "extra": str(EXTRA_PATH.relative_to(PROJECT_ROOT)),
                 "split": str(SPLIT_PATH.relative_to(PROJECT_ROOT)), "counts": counts},
        "thresholds": thresholds,
        "cross_validated": _table_dict(oof_table),
        "heldout": _table_dict(held_table),
        "train_seconds": round(time.time() - started, 1),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    (out / "TRAINING.md").write_text(_training_md(metrics, config), encoding="utf-8")
    return metrics


def _training_md(m: dict, config: Path) -> str:
    c = m["data"]["counts"]
    cfg = config.relative_to(PROJECT_ROOT) if config.is_relative_to(PROJECT_ROOT) else config
    return f"""# How models/signals was built

Command (from the project root; `make model` runs the same):

    .venv/bin/python -m analyzer.signals.train --out models/signals --seed {m['seed']}

- spaCy {spacy.__version__}; config `{cfg}`: sentencizer, lookup lemmatizer, `signal_rules`,
  `signal_classifier` (linear model over hashed word 1-2-grams, lemmas, char_wb 2-5-grams and rule hits;
  {m['n_features']} features; weights as .npy in `signal_classifier/`), `signal_combiner`.
- Fitting: one scikit-learn LogisticRegression per label, C={m['fit']['C']}, class_weight="balanced",
  features seen in >= {m['fit']['min_df']} texts, on train + tune ({c['train']} + {c['tune']} texts).
- Thresholds per label: tuned on {m['fit']['folds']}-fold out-of-fold scores of train + tune (rules in place):
  {json.dumps(m['thresholds'])}
- Data: `{m['data']['dev']}` split by `{m['data']['split']}` (seed {SEED}, 25% held out, stratified by each
  example's rarest label; the split file is reused while it exists) plus `{m['data']['extra']}`.
  Held-out: {c['heldout']} texts, never used for fitting or tuning. `data/signals/eval_independent.jsonl` is
  never read here.
- Quoted lines (`> ...`, below "On ... wrote:") are stripped before training, as at detection time.
- Held-out macro F1: {m['heldout']['macro']['f1']:.3f}; cross-validated (out-of-fold) macro F1 on train + tune:
  {m['cross_validated']['macro']['f1']:.3f}. `make evaluate` compares with the TF-IDF baseline and writes
  `evaluation.md`.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the signal pipeline.")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "models" / "signals")
    parser.add_argument("--config", type=Path, default=CONFIG_PATH)
    parser.add_argument("--seed", type=int, default=None, help="overrides [signal_fit] seed of the config")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        metrics = train(args.out, config=args.config, seed=args.seed)
    except AnalyzerError as exc:
        print(f"analyzer.signals.train: error: {exc}", file=sys.stderr)
        return 2
    log.info("held-out macro F1 %.3f -> %s", metrics["heldout"]["macro"]["f1"], args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
