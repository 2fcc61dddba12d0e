"""``models/depth/TRAINING.md``: how the shipped depth model was built, in words, from the build's
``metrics.json`` (:func:`training_md`; written by :func:`training.depth.build.build`)."""

from __future__ import annotations

from analyzer.depth.regressors import EVIDENCE_GBM
from training.depth.independent import TEST_SPLITS


def _tier_sentence(model: dict) -> str:
    if model.get("ordinal_tiers"):
        return ("Each client's tier is decided by one classifier per tier edge (logistic regressions with "
                "non-negative weights on the same evidence, `analyzer/depth/tiers.py`), and its score stays "
                "inside that tier.")
    return (f"The tier edges are placed on the raw prediction where the most out-of-fold client tiers come "
            f"out right (raw cuts {model.get('tier_cuts_raw')}); each score stays inside the tier its raw "
            f"prediction falls in.")


def _counts_sentence(model: dict) -> str:
    if not model.get("log_counts"):
        return ""
    return (" The evidence includes the log counts of the client's deeper and of its shallower signals, so a client "
            "with no signal at all sits at the bottom of the first instead of in the middle of the ratio.")


def _unread_sentence(model: dict) -> str:
    if model.get("unread_share") is None:
        return ""
    return (f" A client writing less than {model['unread_share']:g} of its own words in English (the one language "
            "signals are read in) has its label shares taken over the part of its mail that was read, so that "
            "signs found in a few English mails are not diluted by the mails nobody could read "
            "(models/depth/CANDIDATE19.md).")


def _praise_sentence(model: dict) -> str:
    if model.get("backed_praise") is None:
        return ""
    return _praise_cap_sentence(model) + (
        " The praise share is capped at (those signs + the allowance) / the client's mails, so no score falls "
        "when one more praise is found (models/depth/CANDIDATE50.md)." if model.get("praise_share") == "capped" else "")


def _praise_cap_sentence(model: dict) -> str:
    k = model["backed_praise"]
    how, rules = ("one praise for each", "CANDIDATE20.md, CANDIDATE33.md") if k == 0 else (f"plus {k}", "CANDIDATE20.md")
    if model.get("praise_backing", "deeper") == "substance":
        return (f" Praise counts only as far as the client's help requests, advice acted on, referrals, strategic "
                f"matters and early warnings back it, {how}; forgiveness backs none: warm words alone do not make "
                f"a relationship deep (models/depth/{rules}, CANDIDATE48.md).")
    return (f" Praise counts only as far as the client's other deeper signs back it, {how}: warm "
            f"words alone do not make a relationship deep (models/depth/{rules}).")


def _people_sentence(model: dict) -> str:
    people = list(model.get("people") or [])
    if not people:
        return ""
    names = {"n_client_people": "how many of the client's people write (log)",
             "max_seniority": "the most senior title among them"}
    what = " and ".join(names.get(p, p) for p in people)
    where = ("the client score's regressor alone reads them: the tiers and the quarterly course are "
             "decided without them (models/depth/CANDIDATE45.md)" if model.get("people_scope") == "score"
             else "the regressors and the tier classifiers read them (models/depth/CANDIDATE44.md)")
    return f" The evidence also holds {what}, both counted deeper; {where}."


def _quarterly_sentence(data: dict) -> str:
    splits = data.get("quarterly_splits")
    if not splits:
        return ""
    return (f" The quarterly regressor is fitted on the generated mailboxes and the hand-written splits "
            f"{', '.join(f'`{s}`' for s in splits)} only, the mail its trend calls were judged on; the client "
            "score and the tiers on all the rows below (candidate PTQ, models/depth/CANDIDATE47.md).")


def _regressor_sentence(model: dict) -> str:
    second = ""
    if model.get("period_regressor") not in (None, model.get("regressor", "ridge")):
        second = (f"; the quarterly scores' course comes from a second such model with the "
                  f"{'non-negative ridge' if model['period_regressor'] == 'ridge' else 'boosting'}, shifted per client "
                  "onto the client score (so the trend is that model's)")
    if model.get("regressor", "ridge") == "gbm":
        return ("gradient boosting constrained to rise with every evidence column (scikit-learn's "
                f"HistGradientBoostingRegressor, `monotonic_cst` +1 everywhere, {EVIDENCE_GBM}; "
                f"models/depth/CANDIDATE14.md says how it was chosen){second}")
    return "a ridge regression whose weights are all >= 0" + second


def _penalty_words(model: dict) -> str:
    return "" if model.get("regressor", "ridge") == "gbm" else f"ridge alpha {model['alpha']},"


def _weights_heading(model: dict) -> str:
    if model.get("regressor", "ridge") == "gbm":
        return ("How much each evidence column moves the raw prediction (mean absolute change, in score points "
                "before calibration, over the training clients when that column alone is set to its median):")
    return "Weights (score points per standard deviation of each evidence column, before calibration):"


def training_md(m: dict) -> str:
    cv = m["cv_leave_mailbox_out"]
    w = "\n".join(f"| `{k}` | {v:+.3f} |" for k, v in m["model"]["weights_per_sd"].items())
    t = cv["trend"]
    return f"""# The depth model: how it was built

Rebuild: `make model`, which fits this model on the detections of the shipped detector (`models/signals`:
the routed pipeline that learns from the whole labelled mail of 156 mailboxes at a fixed long-text margin,
help requests from the snippets alone; candidates N9, N10 and N13, `models/depth/CANDIDATE62.md`,
`CANDIDATE64.md`, `CANDIDATE69.md`; and from the read independent snippet sets 1 to 26 since V4,
`CANDIDATE80.md` to `CANDIDATE83.md`), **cross-fitted** (candidate PTP, `CANDIDATE63.md`): the training
splits whose labelled mail that detector learnt from are read by a fold detector trained without their
mailboxes' rows (`python -m training.signals.train --out build/signals-fold-a --mail quote
--mail-skip-labels help_request --long-margin 0.075 --independent 1-26 --mail-without
mail_labels_more,mail_labels_train18,mail_labels_train27,mail_labels_train29,mail_labels_train30` for
`train17`, `train18`, `train27`, `train29` and `train30`; `--mail-without
mail_labels_train31,mail_labels_train32,mail_labels_train33,mail_labels_train34` for `train31` to
`train34`; since PTR, `CANDIDATE65.md`, which fits on the 102 mailboxes of `train43` to `train59` too,
fold C without `mail_labels_train47` and `train49` to `train52` for those splits and fold D without
`train53` to `train57`'s for those; since PTS, `CANDIDATE68.md`, `train60` and `train61` too; since N13,
`train62` too, read by the shipped detector, which did not learn from its labelled mail, and fold E
without the labels of `train45`, `train46`, `train48` and `train58` to `train61` for those splits; the
Makefile's `FOLD_A` to `FOLD_E`; each routed like the shipped one), so no training mailbox's detections
are in sample; then
`python -m training.depth.build --out models/depth --signals-model models/signals --split-signals-model
SPLIT=build/signals-fold-a-routed ... --generated-weights 0.3 --priors 8 --period-priors 16 --bands 2.25
--period-targets level`, the grid fixed where candidates PT to PTM were judged (the trend band 2 until
PTZd, `CANDIDATE83.md`: 2.25, which called more steady clients steady leave-mailbox-out on the training
mail, 4,174 of 4,427 against 4,081, for 852 of 871 movers against 855). Until PTP the model was
fitted on a detector trained without whole-mail rows and read the shipped detector's detections
unchanged: refitted on them directly it ranked worse on unread mail, because the labelled training
mailboxes' features were then in sample for the detector (`CANDIDATE23.md`, `CANDIDATE24.md`).
The language route joined the fit in the twenty-second session (`CANDIDATE29.md`). Evaluation:
`make evaluate` (`models/depth/evaluation.md`).

Kind `taxonomy`: the oriented evidence of `analyzer/depth/evidence.py` (higher is always deeper),
median-imputed and standardised, then {_regressor_sentence(m['model'])}, calibrated to
0-100 (isotonic, on out-of-fold predictions).{_counts_sentence(m['model'])}{_unread_sentence(m['model'])}{_praise_sentence(m['model'])}{_people_sentence(m['model'])} {_tier_sentence(m['model'])} Chosen parameters: {_penalty_words(m['model'])}
label-share shrinkage {m['model']['prior_messages']:g} client mails, quarterly shrinkage
{m['model']['period_prior']:g} messages toward the client's {m['model'].get('period_target', 'level')}, trend dead band {m['model']['trend_band']:g} points a quarter.{_quarterly_sentence(m['data'])}

Rows available: {m['data']['n_client_rows']} client rows and {m['data']['n_period_rows']} client x quarter rows, from
the hand-written independent training and development mailboxes
{', '.join(m['data']['independent_train'] + m['data']['independent_dev'])} (weight {m['data']['dev_weight']:g} per client)
and {len(m['data']['generated_seeds'])} generated mailboxes (a third each with client behaviour tied to depth,
unrelated to it, or misleading; weight {m['data']['generated_weight']:g} per client, chosen by cross-validation,
0 meaning unused). The blind test mailboxes ({', '.join(f'`data/independent/{t}`' for t in TEST_SPLITS)}) were never read.

{_weights_heading(m['model'])}

| evidence | weight |
|---|---|
{w}

Leave-mailbox-out cross-validation on that mix (these are *not* quality figures: the generated
mailboxes come from the project's own generator and the dev mailboxes were tuned on; the quality
figures are the test mailboxes' in evaluation.md):

- mean Spearman per independent mailbox {cv['mean_spearman_independent']}: {cv['spearman_per_independent_mailbox']}
- mean Spearman per mailbox, generated included {cv['mean_spearman_per_mailbox']}; by behaviour: {cv['spearman_by_behaviour']}
- MAE {cv['mae_client']}, tier accuracy {cv['tier_accuracy']}
- trends: {t['moving_right']}/{t['moving']} moving and {t['steady_right']}/{t['steady']} steady clients right
"""
