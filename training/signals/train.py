"""Train the signal pipeline: ``python -m training.signals.train --out models/signals``.

1. Data (:mod:`training.signals.corpus`): the dev set's recorded split (``data/signals/dev_split.json``)
   - ``train`` + ``tune`` + the extra, boundary and neutral data -> fitting the classifier and (out of
     fold) the decision settings,
   - ``heldout`` -> never seen here except for the final report in ``metrics.json``.
   Quoted lines are stripped from every text first, as the detector only ever sees new text.
2. The pipeline is built from ``models/signals.cfg`` (:func:`~analyzer.signals.pipeline.build_pipeline`:
   lemma tables and rule patterns are loaded), ``signal_classifier`` is fitted on the train texts
   with the settings of the config's ``[signal_fit]`` (:func:`training.signals.fit.fit_classifier`).
3. Decision settings, from 5-fold out-of-fold scores of train + tune with the rules in place, go
   into the combiner's config: per label a window threshold (and optionally a sentence threshold)
   and a rule floor; then one long-text margin, tuned on the folds' snippets set among neutral
   prose (:mod:`training.signals.long_margin`).
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
from training.signals.corpus import (CONFIG_PATH, BOUNDARY_PATH, DEV_PATH, EXTRA_PATH, NEUTRAL_MAIL_PATH, NEUTRAL_PATH,
                                    COURTESY_PATHS, FLIP_PATHS, MONEY_PATHS, LANGUAGE_PATHS, LANGUAGES, PROJECT_ROOT, SEED,
                                    SPLIT_PATH, labelled_mailboxes, mail_file, mail_kind, training_parts)
from training.signals.snippet_sets import independent_option, independent_paths
from training.signals.fit import fit_classifier, occurrences
from training.signals.long_margin import decide, long_texts, tune_long_margin
from training.signals.metrics import prf_table
from training.signals.route import sort_sentencizer
from training.signals.thresholds import (counts_for, label_evidence, predict_labels, prepare, set_thresholds,
                                        tune_thresholds)
from analyzer.signals.pipeline import CLASSIFIER, build_pipeline

log = logging.getLogger(__name__)


def _targets(nlp, rows: list[dict]) -> np.ndarray:
    return np.array([[lab in r["labels"] for lab in nlp.get_pipe(CLASSIFIER).labels] for r in rows], dtype=int)


def sample_weights(rows: list[dict], neutral_weight: float, independent_weight: float = 1.0) -> np.ndarray | None:
    """Per row: ``neutral_weight`` for the neutral prose of neutral_extra.jsonl, ``independent_weight``
    for the rows of the read independent snippet sets (``--independent``), else 1 (None: all 1)."""
    if neutral_weight == 1.0 and independent_weight == 1.0:
        return None
    by_source = {"neutral": neutral_weight, "independent": independent_weight}
    return np.array([by_source.get(r.get("source"), 1.0) for r in rows])


def fold_assignment(rows: list[dict], folds: int, seed: int, mail_apart: bool = False) -> np.ndarray:
    """Each row's fold, dealt from one draw over all rows. ``mail_apart``: the rows other than
    whole-mail rows (``source: "mail"``) are dealt out as if there were no mail rows (so adding them
    leaves every other row's fold as it was), and the mail rows on their own, from a second draw.
    Rows that count for some labels only (``counts_for``, :func:`label_rows`) are always dealt on their
    own, from a third draw, so adding them too leaves every other row's fold as it was."""
    is_narrow = np.array(["counts_for" in r for r in rows], dtype=bool)
    is_mail = np.array([mail_apart and r.get("source") == "mail" for r in rows], dtype=bool) & ~is_narrow
    fold_of = np.empty(len(rows), dtype=int)
    for group, draw in ((np.flatnonzero(~is_mail & ~is_narrow), seed), (np.flatnonzero(is_mail), seed + 100_003),
                        (np.flatnonzero(is_narrow), seed + 200_003)):
        order = np.random.default_rng(draw).permutation(len(group))
        fold_of[group[order]] = np.arange(len(group)) % folds
    return fold_of


def label_rows(nlp, rows: list[dict], mail_skip_labels: tuple[str, ...] = ()) -> np.ndarray | None:
    """(rows, labels) booleans: the rows each label's regression is fitted on. The whole-mail rows
    (``source: "mail"``) are left out of the labels of ``mail_skip_labels``, and a row with a
    ``counts_for`` list counts only for those labels (None: every row counts for every label).
    Candidate N9 (``models/depth/CANDIDATE62.md``): labellers disagree on whether a
    routine work order ("Need 6 posts by 30 April") is a help request, so the mail rows teach it
    to flag work orders; its help requests are learnt from the snippets alone. ``counts_for``: the
    money rows of ``--money-narrow`` (:func:`narrow_rows`)."""
    narrow = any("counts_for" in r for r in rows)
    if not mail_skip_labels and not narrow:
        return None
    labels = nlp.get_pipe(CLASSIFIER).labels
    unknown = set(mail_skip_labels) - set(labels)
    if unknown:
        raise ValueError(f"unknown labels in mail_skip_labels: {sorted(unknown)}")
    return np.array([[counts_for(r, lab, mail_skip_labels) for lab in labels] for r in rows], dtype=bool)


#: The labels the money rows were written for (``data/signals/BRIEF_money.md``): with
#: ``--money-narrow`` they count only in these labels' regressions and thresholds.
MONEY_LABELS = ("complaint", "fee_pushback")


def narrow_rows(rows: list[dict], labels: tuple[str, ...]) -> list[dict]:
    """The money rows made to count only for ``labels`` (``counts_for``): in those labels' regressions
    (:func:`label_rows`) and threshold tuning (:func:`training.signals.thresholds.tune_thresholds`),
    and dealt into folds on their own (:func:`fold_assignment`).

    A row added for two labels is also a negative for every other label, and moved their weights and
    tuned thresholds as much as it helped its own two (candidate M, forty-fifth session,
    ``models/signals/HISTORY.md``); narrowed, it teaches only the labels it was written for. (Counting
    them for the other labels each carries too read worse: candidate MO, forty-sixth session.)"""
    return [r | {"counts_for": sorted(labels)} if r.get("source") == "money" else r for r in rows]


def cross_validated_evidence(nlp, docs: list, rows: list[dict], occ: list, folds: int, C: float, min_df: int,
                             seed: int, weights: np.ndarray | None = None, fold_extra=None,
                             mail_apart: bool = False, mail_skip_labels: tuple[str, ...] = ()
                             ) -> tuple[list[dict], list[dict]]:
    """Out-of-fold evidence for every row: each fold scored by a classifier fitted on the others.

    ``fold_extra(held_idx) -> docs``: more docs made from a fold's held rows only (the long texts of
    :mod:`training.signals.long_margin`), scored by that fold's classifier; their evidence is returned
    second, in the order made."""
    fold_of = fold_assignment(rows, folds, seed, mail_apart)
    y = _targets(nlp, rows)
    masks = label_rows(nlp, rows, mail_skip_labels)
    evidence: list = [None] * len(rows)
    extra: list = []
    clf = nlp.get_pipe(CLASSIFIER)
    for k in range(folds):
        fit_idx, held_idx = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
        fit_classifier(clf, [docs[i] for i in fit_idx], y[fit_idx], C=C, min_df=min_df, seed=seed,
                       occ=[occ[i] for i in fit_idx], sample_weight=None if weights is None else weights[fit_idx],
                       label_rows=None if masks is None else masks[fit_idx])
        for i, ev in zip(held_idx, label_evidence(nlp, [docs[i] for i in held_idx])):
            evidence[i] = ev
        if fold_extra is not None:
            extra += label_evidence(nlp, fold_extra(held_idx))
        log.info("fold %d/%d done", k + 1, folds)
    return evidence, extra


def pooled_evidence(nlp, docs: list, rows: list[dict], occ: list, folds: int, C: float, min_df: int, seed: int,
                    repeats: int = 1, weights: np.ndarray | None = None,
                    fold_extra=None, mail_apart: bool = False,
                    mail_skip_labels: tuple[str, ...] = ()) -> tuple[list[dict], list[dict], list[dict]]:
    """:func:`cross_validated_evidence` of ``repeats`` fold draws (seeds ``seed``, ``seed + 1``, ...), laid
    end to end, with the rows they belong to (``rows`` once per draw): what the thresholds are tuned on.
    One draw's folds move the blind sets by about 0.01 macro F1 (``data/signals/README_eval_independent8.md``).
    ``fold_extra(held_idx, draw_seed)``: as in :func:`cross_validated_evidence`, told the draw's seed."""
    evidence, extra, tuned_rows = [], [], []
    for draw_seed in range(seed, seed + repeats):
        more = None if fold_extra is None else (lambda held, s=draw_seed: fold_extra(held, s))
        ev, ex = cross_validated_evidence(nlp, docs, rows, occ, folds, C, min_df, draw_seed, weights, more,
                                          mail_apart, mail_skip_labels)
        evidence, extra, tuned_rows = evidence + ev, extra + ex, tuned_rows + rows
    return evidence, extra, tuned_rows


def _table_dict(df) -> dict:
    return {r["label"]: {k: round(float(r[k]), 4) for k in ("precision", "recall", "f1")} | {"support": int(r["support"])}
            for r in df.to_dict("records")}


def train(out: Path, config: Path = CONFIG_PATH, seed: int | None = None, flip: bool = False,
          courtesy: bool = False, money: bool = False, money_narrow: bool = False,
          repeats: int | None = None, mail: bool | str = False, tune_on_mail: bool = True, languages: bool = False, tune_on_languages: bool = True,
          only_languages: bool = False, language_codes: tuple[str, ...] = LANGUAGES, mixed_pairs: int = 0,
          independent: bool | str = False, tune_on_independent: bool = True,
          mail_skip_labels: tuple[str, ...] = (), mail_without: tuple[str, ...] = (),
          margin_tolerance: float = 0.0, long_margin: float | None = None,
          threshold_smoothing: int = 0) -> dict:
    """Build, fit, tune and write the pipeline to ``out``; returns the metrics written to metrics.json.
    ``flip``: train on the sign-flip rows too (:data:`training.signals.corpus.FLIP_PATHS`); ``courtesy``:
    on the courtesy rows too (:data:`training.signals.corpus.COURTESY_PATHS`), with the classifier's
    ``silent_furniture`` on (bare courtesy and all mail furniture count in no score); ``money``: on the
    money rows too (:data:`training.signals.corpus.MONEY_PATHS`); ``money_narrow``: those rows count
    only for :data:`MONEY_LABELS` (:func:`narrow_rows`); ``mail``: on the
    whole-mail rows too (:func:`training.signals.corpus.mail_file`);
    ``tune_on_mail=False``: the mail rows join every weight fit, but the thresholds, rule floors and
    long-text margin are tuned on the other rows only, as without them; ``languages``: on the snippets
    written in other languages too (:data:`training.signals.corpus.LANGUAGE_PATHS`);
    ``tune_on_languages=False``: those rows join every weight fit, but the thresholds, rule floors and
    long-text margin are tuned without them; ``only_languages``: on the language rows alone (a
    classifier for text that is not English); ``mixed_pairs``: that many rows joining two labelled
    snippets (:func:`training.signals.corpus.mixed_pair_rows`); ``independent``: on read independent
    snippet sets too (:func:`training.signals.snippet_sets.independent_paths`: True or "d", sets 1 to 11; "all",
    every read set);
    ``tune_on_independent=False``: those rows join every weight fit, but the thresholds, rule floors and
    long-text margin are tuned without them; ``mail_skip_labels``: labels whose regressions and
    thresholds leave the whole-mail rows out (:func:`label_rows`); ``mail_without``: labels folders
    under ``data/signals`` whose mailboxes' mail rows are left out (a fold detector, whose detections
    of those mailboxes are out of sample: ``training.depth.build --split-signals-model``);
    ``margin_tolerance``: the long-text margin is the largest within that much macro F-beta of the best
    (:func:`training.signals.long_margin.tune_long_margin`); ``long_margin``: that margin, whatever the
    tuning curve says (None: tuned); ``threshold_smoothing``: each threshold maximises the out-of-fold
    F-beta curve averaged over that many grid steps either side (0: the raw curve;
    :func:`training.signals.thresholds.tune_label`)."""
    started = time.time()
    parts = training_parts(flip=flip, courtesy=courtesy, money=money, mail=mail, languages=languages, only_languages=only_languages,
                           language_codes=language_codes, mixed_pairs=mixed_pairs, independent=independent,
                           mail_without=labelled_mailboxes(mail_without))
    counts = {k: len(v) for k, v in parts.items()}
    log.info("data: %s", counts)
    nlp = build_pipeline(config)
    if courtesy:
        nlp.get_pipe(CLASSIFIER).silent_furniture = True  # saved with the weights (cfg.json)
    fit = dict(nlp.config.get("signal_fit", {}))
    if repeats is not None:
        fit["repeats"] = repeats
    seed = int(fit.get("seed", SEED) if seed is None else seed)
    C, min_df, folds = float(fit.get("C", 10.0)), int(fit.get("min_df", 2)), int(fit.get("folds", 5))
    rows = parts["train"] + parts["tune"]
    if money_narrow:
        rows = narrow_rows(rows, MONEY_LABELS)
    docs = prepare(nlp, [r["text"] for r in rows])
    occ = [occurrences(nlp.get_pipe(CLASSIFIER), d) for d in docs]
    beta, sentence = float(fit.get("beta", 1.0)), bool(fit.get("sentence_thresholds", True))
    weights = sample_weights(rows, float(fit.get("neutral_weight", 1.0)), float(fit.get("independent_weight", 1.0)))
    long_rows: list[dict] = []
    long_flags: list[bool] = []
    long_sentences = nlp.get_pipe("signal_combiner").long_sentences
    repeats = int(fit.get("repeats", 1))

    tuned = np.array([(tune_on_mail or r.get("source") != "mail") and (tune_on_languages or r.get("source") != "language")
                      and (tune_on_independent or r.get("source") != "independent") for r in rows], dtype=bool)

    def fold_long_texts(held_idx, draw_seed):
        made = long_texts(rows, [i for i in held_idx if tuned[i]], draw_seed)
        long_rows.extend(made)
        long_docs = prepare(nlp, [r["text"] for r in made])
        long_flags.extend(sum(1 for _ in d.sents) >= long_sentences for d in long_docs)
        return long_docs

    tune_long = bool(fit.get("long_margin", True))
    evidence, long_evidence, tuned_rows = pooled_evidence(nlp, docs, rows, occ, folds, C, min_df, seed, repeats,
                                                          weights, fold_long_texts if tune_long else None,
                                                          mail_apart=not tune_on_mail, mail_skip_labels=mail_skip_labels)
    keep = np.tile(tuned, len(tuned_rows) // len(rows))
    evidence = [e for e, k in zip(evidence, keep) if k]
    tuned_rows = [r for r, k in zip(tuned_rows, keep) if k]
    thresholds, sentence_thresholds, rule_floors = tune_thresholds(evidence, tuned_rows, beta, sentence,
                                                                   bool(fit.get("rule_floors", True)), mail_skip_labels,
                                                                   threshold_smoothing)
    log.info("thresholds: %s; sentence thresholds: %s; rule floors: %s", thresholds, sentence_thresholds, rule_floors)
    margin, margin_scores = (0.0 if long_margin is None else float(long_margin)), {}
    if long_rows:
        margin, margin_scores = tune_long_margin(long_evidence, [r["labels"] for r in long_rows], long_flags,
                                                 thresholds, sentence_thresholds, rule_floors, beta,
                                                 margin_tolerance, fixed=long_margin)
        log.info("long-text margin %.3f (F-beta per margin: %s)", margin, margin_scores)
    fit_classifier(nlp.get_pipe(CLASSIFIER), docs, _targets(nlp, rows), C=C, min_df=min_df, seed=seed, occ=occ,
                   sample_weight=weights, label_rows=label_rows(nlp, rows, mail_skip_labels))
    oof_table = prf_table([r["labels"] for r in tuned_rows], decide(evidence, thresholds, sentence_thresholds, rule_floors))
    set_thresholds(nlp, thresholds, sentence_thresholds, long_margin=margin, rule_floors=rule_floors)
    held_table = prf_table([r["labels"] for r in parts["heldout"]],
                           predict_labels(nlp, [r["text"] for r in parts["heldout"]]))
    nlp.meta["name"] = "signals"
    nlp.meta["version"] = "2.0.0"
    nlp.meta["description"] = ("Relationship signals of docs/SIGNALS.md: rules + linear classifier over word, lemma, "
                               "char n-gram and rule features, scored per sentence window (analyzer)")
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)  # spaCy makes only the last folder (make model's build/)
    nlp.to_disk(out)
    sort_sentencizer(out)
    metrics = {
        "seed": seed, "fit": {"C": C, "min_df": min_df, "folds": folds, "repeats": repeats},
        "n_features": int(len(nlp.get_pipe(CLASSIFIER).keys_)),
        "data": {"dev": str(DEV_PATH.relative_to(PROJECT_ROOT.parent)), "extra": str(EXTRA_PATH.relative_to(PROJECT_ROOT)),
                 "neutral": str(NEUTRAL_PATH.relative_to(PROJECT_ROOT)) if NEUTRAL_PATH.is_file() else None,
                 "neutral_mail": str(NEUTRAL_MAIL_PATH.relative_to(PROJECT_ROOT)) if NEUTRAL_MAIL_PATH.is_file() else None,
                 "boundary": str(BOUNDARY_PATH.relative_to(PROJECT_ROOT)) if BOUNDARY_PATH.is_file() else None,
                 "split": str(SPLIT_PATH.relative_to(PROJECT_ROOT)), "counts": counts,
                 "flip": [str(p.relative_to(PROJECT_ROOT)) for p in FLIP_PATHS] if flip else [],
                 "courtesy": [str(p.relative_to(PROJECT_ROOT)) for p in COURTESY_PATHS] if courtesy else [],
                 "money": [str(p.relative_to(PROJECT_ROOT)) for p in MONEY_PATHS] if money else [],
                 "money_narrow": bool(money_narrow) if money else None,
                 "mail": str(mail_file(mail).relative_to(PROJECT_ROOT)) if mail else None, "tune_on_mail": bool(tune_on_mail) if mail else None,
                 "mail_skip_labels": list(mail_skip_labels) if mail else [],
                 "mail_without": list(mail_without) if mail else [],
                 "languages": [str(p.relative_to(PROJECT_ROOT)) for k, p in zip(LANGUAGES, LANGUAGE_PATHS)
                               if k in language_codes] if languages else [],
                 "tune_on_languages": bool(tune_on_languages) if languages else None,
                 "only_languages": bool(only_languages),
                 "language_codes": list(language_codes) if languages or only_languages else [],
                 "mixed_pairs": int(mixed_pairs),
                 "independent": [str(p.relative_to(PROJECT_ROOT)) for p in independent_paths(independent)],
                 "tune_on_independent": bool(tune_on_independent) if independent else None},
        "decision": {"long_margin": margin, "long_margin_fbeta": {str(m): f for m, f in margin_scores.items()},
                     "long_margin_tolerance": margin_tolerance, "long_margin_fixed": long_margin,
                     "long_texts": len(long_rows), "long_sentences": long_sentences, "neutral_weight": float(fit.get("neutral_weight", 1.0)), "independent_weight": float(fit.get("independent_weight", 1.0)), "beta": beta, "sentence_thresholds": sentence, "threshold_smoothing": threshold_smoothing, "max_labels": nlp.get_pipe("signal_combiner").max_labels,
                     "min_model_words": nlp.get_pipe("signal_combiner").min_model_words,
                     "unknown_value": nlp.get_pipe(CLASSIFIER).unknown_value},
        "thresholds": thresholds,
        "sentence_thresholds": sentence_thresholds,
        "rule_floors": rule_floors,
        "cross_validated": _table_dict(oof_table),
        "heldout": _table_dict(held_table),
        "train_seconds": round(time.time() - started, 1),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    (out / "TRAINING.md").write_text(_training_md(metrics, config), encoding="utf-8")
    return metrics


def _flip_md(m: dict) -> str:
    flip = m["data"].get("flip") or []
    return (" and the sign-flip snippets " + ", ".join(f"`{p}`" for p in flip) + " (see data/signals/README_train_flip.md)"
            if flip else "") + (
        f" and the rows of whole labelled agency mail `{m['data']['mail']}` (made by training.signals.mail_rows)"
        if m["data"].get("mail") else "") + (
        " and the snippets written in other languages " + ", ".join(f"`{p}`" for p in m["data"]["languages"])
        + " (see data/signals/README_train_languages.md)" if m["data"].get("languages") else "")


def _training_md(m: dict, config: Path) -> str:
    c = m["data"]["counts"]
    cfg = config.relative_to(PROJECT_ROOT) if config.is_relative_to(PROJECT_ROOT) else config
    return f"""# How models/signals was built

Command (from the project root; `make model` runs the same):

    .venv/bin/python -m training.signals.train --out models/signals --seed {m['seed']}{' --flip' if m['data'].get('flip') else ''}{' --courtesy' if m['data'].get('courtesy') else ''}{' --money' if m['data'].get('money') else ''}{' --money-narrow' if m['data'].get('money_narrow') else ''}{f" --mail {mail_kind(m['data']['mail'])}" if m['data'].get('mail') else ''}{' --mail-weights-only' if m['data'].get('tune_on_mail') is False else ''}{f" --mail-skip-labels {','.join(m['data']['mail_skip_labels'])}" if m['data'].get('mail_skip_labels') else ''}{f" --mail-without {','.join(m['data']['mail_without'])}" if m['data'].get('mail_without') else ''}{' --languages' if m['data'].get('languages') else ''}{' --languages-weights-only' if m['data'].get('tune_on_languages') is False else ''}{independent_option(m['data'].get('independent'))}{' --independent-weights-only' if m['data'].get('tune_on_independent') is False else ''}{' --only-languages' if m['data'].get('only_languages') else ''}{f" --language-codes {','.join(m['data']['language_codes'])}" if m['data'].get('language_codes') and tuple(m['data']['language_codes']) != LANGUAGES else ''}{f" --repeats {m['fit']['repeats']}" if m['fit'].get('repeats', 1) > 1 else ''}{f" --margin-tolerance {m['decision']['long_margin_tolerance']}" if m['decision'].get('long_margin_tolerance') else ''}{f" --long-margin {m['decision']['long_margin_fixed']}" if m['decision'].get('long_margin_fixed') is not None else ''}{f" --threshold-smoothing {m['decision']['threshold_smoothing']}" if m['decision'].get('threshold_smoothing') else ''}

- spaCy {spacy.__version__}; config `{cfg}`: sentencizer, `paragraph_breaks` (a blank line ends a sentence),
  lookup lemmatizer, `signal_rules`, `signal_classifier` (linear model over hashed word 1-2-grams, lemmas,
  char_wb 2-5-grams and rule hits, normalised as two blocks, words and char n-grams, like a FeatureUnion of
  two TfidfVectorizers; scoring windows stay inside a paragraph; {m['n_features']} features; weights as
  .npy in `signal_classifier/`), `signal_combiner`.
- Fitting: one scikit-learn LogisticRegression per label, C={m['fit']['C']}, class_weight="balanced",
  features seen in >= {m['fit']['min_df']} texts, on train + tune ({c['train']} + {c['tune']} texts); value of an unknown
  feature's occurrence in the vector norm: {m['decision']['unknown_value']} (0 = ignored); weight of the neutral prose rows:
  {m['decision']['neutral_weight']}.
- Decision (tuned on {m['fit']['folds']}-fold out-of-fold scores of train + tune, rules in place, maximising F-beta with
  beta = {m['decision']['beta']}; beta < 1 weighs precision more): a label is found on a sentence when a rule fires there, or
  when a window's score reaches the label's threshold and its evidence sentence's own score reaches the
  label's sentence threshold (tuned: {m['decision']['sentence_thresholds']}; 0 = no condition); at most
  {m['decision']['max_labels']} labels per sentence (0 = no cap). A rule hit counts when its sentence's window
  score reaches the label's rule floor (tuned with the thresholds; 0 = every hit counts). In a text of
  {m['decision']['long_sentences']} or more sentences a window needs the threshold + {m['decision']['long_margin']} (the long-text margin,
  tuned on {m['decision']['long_texts']} out-of-fold long texts: snippets set among neutral prose rows of the same fold,
  training/signals/long_margin.py; F-beta per margin: {json.dumps(m['decision']['long_margin_fbeta'])}).
  Window thresholds: {json.dumps(m['thresholds'])}
  Sentence thresholds: {json.dumps(m['sentence_thresholds'])}
  Rule floors: {json.dumps(m['rule_floors'])}
  A text whose sentences that may carry a label (not mail furniture) hold fewer than
  {m['decision'].get('min_model_words', 0)} words takes labels from rules only (`min_model_words`; 0 = off;
  models/depth/CANDIDATE60.md).
- Data: `{m['data']['dev']}` split by `{m['data']['split']}` (seed {SEED}, 25% held out, stratified by each
  example's rarest label; the split file is reused while it exists) plus `{m['data']['extra']}` and
  `{m['data']['boundary']}` (snippets at the labels' boundaries, see data/signals/README_train_boundary.md) and
  `{m['data']['neutral']}` (ordinary business/technical prose, see data/signals/README_neutral_extra.md)
  and `{m['data']['neutral_mail']}` (mail-length ordinary prose, see data/signals/README_neutral_mail.md)
  and the hand-written paraphrase and register snippets `data/signals/train_paraphrase_*.jsonl` and
  `data/signals/train_register_*.jsonl` (see their READMEs){_flip_md(m)}.
  Held-out: {c['heldout']} texts, never used for fitting or tuning. `data/signals/eval_independent*.jsonl` and
  `../shared/realmail` are never read here.
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
    parser.add_argument("--repeats", type=int, default=None,
                        help="overrides [signal_fit] repeats: fold draws whose pooled evidence picks the thresholds")
    parser.add_argument("--flip", action="store_true",
                        help="also train on the sign-flip rows (data/signals/train_flip_*.jsonl)")
    parser.add_argument("--courtesy", action="store_true",
                        help="also train on the courtesy rows (data/signals/train_courtesy_*.jsonl), furniture silent")
    parser.add_argument("--money", action="store_true",
                        help="also train on the money rows (data/signals/train_money_*.jsonl)")
    parser.add_argument("--money-narrow", action="store_true",
                        help="with --money: those rows count only for fee_pushback and complaint (their regressions "
                             "and thresholds), and are dealt into folds on their own")
    parser.add_argument("--mail", nargs="?", const="paragraph", choices=("paragraph", "quote"), default=None,
                        help="also train on rows of whole labelled agency mail: paragraphs "
                             "(data/signals/train_mail.jsonl), or with `quote` the quotes (train_mail_quotes.jsonl)")
    parser.add_argument("--languages", action="store_true",
                        help="also train on the snippets written in other languages (data/signals/train_lang_*.jsonl)")
    parser.add_argument("--only-languages", action="store_true",
                        help="train on the language rows alone: a classifier for text that is not English")
    parser.add_argument("--language-codes", default=None,
                        help="with --languages or --only-languages: which languages' rows, comma-separated "
                             "(default: all of training.signals.corpus.LANGUAGES)")
    parser.add_argument("--mixed-pairs", type=int, default=0, metavar="N",
                        help="also train on N rows that each join two labelled snippets with both label sets")
    parser.add_argument("--independent", nargs="?", const="d", default=False, choices=("d", "all", "1-26"),
                        help="also train on read independent snippet sets: 'd' (the default when given bare) "
                             "eval_independent 1 to 11, as candidate D did; 'all' every set read so far (1 to 31); "
                             "'1-26' the sets V4 trained on (forty-eighth session)")
    parser.add_argument("--independent-weights-only", action="store_true",
                        help="with --independent: those rows fit the weights; thresholds and margins are tuned without them")
    parser.add_argument("--languages-weights-only", action="store_true",
                        help="with --languages: those rows fit the weights; thresholds and margins are tuned without them")
    parser.add_argument("--mail-weights-only", action="store_true",
                        help="with --mail: the mail rows fit the weights; thresholds and margins are tuned without them")
    parser.add_argument("--mail-skip-labels", default="",
                        help="with --mail: labels (comma-separated) whose regressions and thresholds leave the mail "
                             "rows out (candidate N9: help_request)")
    parser.add_argument("--mail-without", default="",
                        help="with --mail: labels folders under data/signals (comma-separated) whose mailboxes' mail rows "
                             "are left out: a fold detector for cross-fitted depth training (candidate PTP)")
    parser.add_argument("--margin-tolerance", type=float, default=0.0,
                        help="the long-text margin is the largest within this much macro F-beta of the best "
                             "(default 0: the best, the smallest on ties; candidate N11)")
    parser.add_argument("--long-margin", type=float, default=None,
                        help="this long-text margin, whatever the tuning curve says (default: tuned; the curve is "
                             "flat near its top, models/depth/CANDIDATE67.md)")
    parser.add_argument("--threshold-smoothing", type=int, default=0, metavar="K",
                        help="each threshold maximises the out-of-fold F-beta curve averaged over K grid steps "
                             "(0.025 each) either side: the middle of a flat top rather than its noisiest peak "
                             "(default 0: the raw curve)")
    args = parser.parse_args(argv)
    if args.threshold_smoothing < 0:
        parser.error(f"--threshold-smoothing is 0 or more, not {args.threshold_smoothing}")
    if args.long_margin is not None and args.long_margin < 0:
        parser.error(f"--long-margin is 0 or more, not {args.long_margin}")
    if args.money_narrow and not args.money:
        parser.error("--money-narrow needs --money")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        metrics = train(args.out, config=args.config, seed=args.seed, flip=args.flip, courtesy=args.courtesy, money=args.money,
                        money_narrow=args.money_narrow,
                        repeats=args.repeats, mail=args.mail, tune_on_mail=not args.mail_weights_only,
                        mail_skip_labels=tuple(x for x in args.mail_skip_labels.split(",") if x),
                        mail_without=tuple(x for x in args.mail_without.split(",") if x),
                        languages=args.languages, tune_on_languages=not args.languages_weights_only,
                        only_languages=args.only_languages,
                        language_codes=tuple(args.language_codes.split(",")) if args.language_codes else LANGUAGES,
                        mixed_pairs=args.mixed_pairs, independent=args.independent,
                        tune_on_independent=not args.independent_weights_only,
                        margin_tolerance=args.margin_tolerance, long_margin=args.long_margin,
                        threshold_smoothing=args.threshold_smoothing)
    except AnalyzerError as exc:
        print(f"training.signals.train: error: {exc}", file=sys.stderr)
        return 2
    log.info("held-out macro F1 %.3f -> %s", metrics["heldout"]["macro"]["f1"], args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
