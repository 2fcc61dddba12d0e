"""Fit the second stage (:mod:`analyzer.signals.second_stage`) of a trained signal pipeline.

    python -m training.signals.second_stage --model DIR --out OUT [--mail quote] [--seed 13] [--text-model word]

The stage learns from what the detector does on text it has not seen: the English classifier of
``DIR`` is refitted ``folds`` times on the recipe's own training rows (the rows
:func:`training.signals.corpus.training_parts` gives for the same options the pipeline was trained
with, so ``--mail`` must match its recipe), each time without one fold, and scores the held fold
with ``DIR``'s decision settings. Those out-of-fold feature rows (:func:`text_features`) and the
gold labels fit one ``HistGradientBoostingClassifier`` per label (with ``--text-model word``, each row
also holds the probabilities of a word TF-IDF model, :func:`word_text_model`, fitted on the other
folds' rows as well, and refitted on every row for the stage to ship); each label's threshold is the one
with the best F-beta (the recipe's beta) on probabilities cross-validated once more over those rows.
No evaluation set is read. The pipeline is written to ``OUT`` with the stage after its English
combiner, and ``OUT/second_stage.json`` records the fit.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import spacy
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from analyzer.errors import AnalyzerError
from analyzer.signals.labels import LABELS
from analyzer.signals.pipeline import CLASSIFIER, build_pipeline
from analyzer.signals.second_stage import N_FEATURES, text_features, text_model_input
from training.signals.corpus import CONFIG_PATH, training_parts
from training.signals.fit import fit_classifier, occurrences
from training.signals.metrics import macro_f1_counts
from training.signals.thresholds import prepare, set_thresholds
from training.signals.train import _targets, fold_assignment, sample_weights

log = logging.getLogger("training.signals.second_stage")

#: The classifiers' settings: shallow trees, slow learning, large leaves (about 8k rows, few positives
#: per label); not tuned on any evaluation set.
PARAMS = {"max_depth": 3, "max_iter": 150, "learning_rate": 0.05, "min_samples_leaf": 20, "l2_regularization": 1.0}
THRESHOLD_GRID = np.round(np.arange(0.2, 0.81, 0.025), 3)
STAGE = "signal_second_stage"
#: Files of the trained pipeline's folder that spaCy's ``to_disk`` does not write, copied to ``--out``.
KEPT_FILES = ("metrics.json", "TRAINING.md")
ENGLISH_COMBINER = "signal_combiner"


#: The text models ``--text-model`` may name.
TEXT_MODELS = ("word",)


def word_text_model(seed: int = 13):
    """TF-IDF of word unigrams and bigrams (seen in at least two training texts) and a one-vs-rest
    logistic regression: the word half of the TF-IDF baseline (:mod:`training.signals.baseline`), as
    the second stage's text model (``models/depth/CANDIDATE39.md`` says how it was chosen)."""
    return make_pipeline(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), lowercase=True, sublinear_tf=True, min_df=2),
        OneVsRestClassifier(LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=seed)))


def fit_text_model(texts: list[str], gold: np.ndarray, seed: int):
    """:func:`word_text_model` fitted on ``texts`` (as :func:`text_model_input` reads them) and their
    gold label matrix."""
    return word_text_model(seed).fit([text_model_input(t) for t in texts], gold)


def refitted_folds(model: Path, seed: int, mail: bool | str = False) -> Iterator[tuple]:
    """The recipe's English classifier refitted without each fold in turn: yields ``(nlp, rows, docs,
    held)`` per fold, ``nlp`` holding that fold's classifier and ``model``'s decision settings, ``rows``
    the recipe's training rows, ``docs`` their prepared docs, ``held`` the fold's row indices."""
    settings = spacy.load(model).get_pipe(ENGLISH_COMBINER)
    parts = training_parts(mail=mail)
    rows = parts["train"] + parts["tune"]
    nlp = build_pipeline(CONFIG_PATH)
    set_thresholds(nlp, settings.thresholds, settings.sentence_thresholds, settings.max_labels,
                   settings.long_margin, settings.rule_floors)
    fit = dict(nlp.config.get("signal_fit", {}))
    C, min_df, folds = float(fit.get("C", 10.0)), int(fit.get("min_df", 2)), int(fit.get("folds", 5))
    docs = prepare(nlp, [r["text"] for r in rows])
    clf = nlp.get_pipe(CLASSIFIER)
    occ = [occurrences(clf, d) for d in docs]
    weights = sample_weights(rows, float(fit.get("neutral_weight", 1.0)), float(fit.get("independent_weight", 1.0)))
    y = _targets(nlp, rows)
    fold_of = fold_assignment(rows, folds, seed)
    for k in range(folds):
        fit_idx, held_idx = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
        fit_classifier(clf, [docs[i] for i in fit_idx], y[fit_idx], C=C, min_df=min_df, seed=seed,
                       occ=[occ[i] for i in fit_idx], sample_weight=None if weights is None else weights[fit_idx])
        yield nlp, rows, docs, held_idx
        log.info("fold %d/%d scored", k + 1, folds)


def oof_features(model: Path, seed: int, mail: bool | str = False,
                 text_model: str | None = None) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """(feature rows, gold label matrix, the rows) of the recipe's training rows, each scored out of
    fold; with ``text_model``, each feature row ends with that model's out-of-fold probabilities."""
    X = rows = gold = None
    extra = len(LABELS) if text_model else 0
    for nlp, rows, docs, held in refitted_folds(model, seed, mail):
        if X is None:
            X = np.zeros((len(rows), N_FEATURES + extra))
            gold = np.array([[lab in r["labels"] for lab in LABELS] for r in rows], dtype=int)
        scored = nlp.get_pipe(ENGLISH_COMBINER).pipe(nlp.get_pipe(CLASSIFIER).pipe([docs[i] for i in held]))
        for i, doc in zip(held, scored):
            row = text_features(doc)
            X[i, :N_FEATURES] = 0.0 if row is None else row
        if text_model:
            fit_idx = np.setdiff1d(np.arange(len(rows)), held)
            tm = fit_text_model([rows[i]["text"] for i in fit_idx], gold[fit_idx], seed)
            X[held, N_FEATURES:] = tm.predict_proba([text_model_input(rows[i]["text"]) for i in held])
    return X, gold, rows


def fit_stage(X: np.ndarray, gold: np.ndarray, beta: float, seed: int,
              params: dict | None = None) -> tuple[list, list[float], dict]:
    """(one fitted classifier per label, thresholds, per-label record); ``params``: the classifiers'
    settings (default :data:`PARAMS`)."""
    models, thresholds, record = [], [], {}
    for j, lab in enumerate(LABELS):
        y = gold[:, j]
        est = HistGradientBoostingClassifier(**(PARAMS if params is None else params), random_state=seed)
        cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        p = cross_val_predict(est, X, y, cv=cv, method="predict_proba")[:, 1]
        by_grid = macro_f1_counts(y.astype(bool)[:, None], (p[None, :] >= THRESHOLD_GRID[:, None])[:, :, None], beta)
        scores = dict(zip(THRESHOLD_GRID.tolist(), by_grid.tolist()))
        t = max(scores, key=lambda v: (scores[v], -abs(v - 0.5)))
        models.append(est.fit(X, y))
        thresholds.append(t)
        record[lab] = {"threshold": t, "fbeta_cross_validated": round(scores[t], 4), "positives": int(y.sum())}
        log.info("%s: threshold %.3f, F-beta %.4f", lab, t, scores[t])
    return models, thresholds, record


def attach(nlp, models: list, thresholds: list[float], text_model=None) -> None:
    """Put the fitted stage into ``nlp`` right after its English combiner (replacing one already there)."""
    if STAGE in nlp.pipe_names:
        nlp.remove_pipe(STAGE)
    stage = nlp.add_pipe(STAGE, after=ENGLISH_COMBINER)
    stage.set_models(models, thresholds, text_model)


def build(model: Path, out: Path, seed: int = 13, mail: bool | str = False, text_model: str | None = None) -> dict:
    if text_model is not None and text_model not in TEXT_MODELS:
        raise AnalyzerError(f"unknown text model {text_model!r}; known: {', '.join(TEXT_MODELS)}")
    started = time.time()
    X, gold, rows = oof_features(model, seed, mail, text_model)
    nlp = spacy.load(model)
    beta = float(nlp.config.get("signal_fit", {}).get("beta", 1.0))
    models, thresholds, record = fit_stage(X, gold, beta, seed)
    fitted_text = fit_text_model([r["text"] for r in rows], gold, seed) if text_model else None
    if out.resolve() != model.resolve():
        shutil.rmtree(out, ignore_errors=True)
    attach(nlp, models, thresholds, fitted_text)
    nlp.to_disk(out)
    for name in KEPT_FILES:  # what spaCy does not write: the recipe (the baselines read its rows from metrics.json)
        if (model / name).is_file() and out.resolve() != model.resolve():
            shutil.copy2(model / name, out / name)
    summary = {"model": str(model), "seed": seed, "mail": mail, "text_model": text_model, "rows": int(len(X)), "beta": beta,
               "params": PARAMS, "labels": record, "seconds": round(time.time() - started, 1)}
    (out / "second_stage.json").write_text(json.dumps(summary, indent=1) + "\n")
    _note_in_training_md(out / "TRAINING.md", summary)
    return summary


def _note_in_training_md(path: Path, summary: dict) -> None:
    """Append (or replace) the second stage's section of the pipeline's TRAINING.md."""
    head = "## Second stage"
    text = path.read_text(encoding="utf-8") if path.is_file() else "# How this signal pipeline was built\n"
    text = text.split(f"\n{head}")[0].rstrip("\n")
    mail = f" --mail {summary['mail']}" if summary["mail"] else ""
    text_flag = f" --text-model {summary['text_model']}" if summary.get("text_model") else ""
    text_rows = ("; each row also holds the out-of-fold probabilities of a word TF-IDF model (unigrams and "
                 "bigrams seen in two texts or more, one-vs-rest logistic regression), refitted on every row "
                 "and shipped inside the stage") if summary.get("text_model") else ""
    rows = "\n".join(f"| {lab} | {r['threshold']} | {r['fbeta_cross_validated']} | {r['positives']} |"
                     for lab, r in summary["labels"].items())
    text += f"""

{head}

`python -m training.signals.second_stage --model {summary['model']} --out <this folder> --seed {summary['seed']}{mail}{text_flag}`
(`analyzer/signals/second_stage.py`): one scikit-learn HistGradientBoostingClassifier per label
({json.dumps(summary['params'])}) over every label's window and sentence scores and verdicts of a
short text, fitted on out-of-fold scores of the English classifier's {summary['rows']} training rows
(five refits){text_rows}; each label's threshold maximises F-beta (beta = {summary['beta']}) on probabilities
cross-validated once more over those rows. It judges texts shorter than the English combiner's
`long_sentences`; longer texts keep the combiner's decision.

| label | threshold | F-beta (cross-validated, training rows) | positive rows |
|---|---:|---:|---:|
{rows}
"""
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="a trained signal pipeline folder")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--mail", choices=["quote", "paragraph"], default=None,
                    help="the whole-mail rows the pipeline's recipe trained on (as training.signals.train --mail)")
    ap.add_argument("--text-model", choices=TEXT_MODELS, default=None,
                    help="also read a text model's probabilities (word: word TF-IDF n-grams, logistic regression)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        summary = build(args.model, args.out, args.seed, args.mail or False, args.text_model)
    except AnalyzerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({k: v for k, v in summary.items() if k != "labels"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
