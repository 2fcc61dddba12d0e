"""Labels the whole-mail rows do not teach (``training.signals.train --mail-skip-labels``, candidate N9):
each such label's regression and thresholds leave the mail rows out, every other label keeps them."""

from __future__ import annotations

import json

import numpy as np
import pytest
import spacy

from analyzer.signals.labels import LABELS
from analyzer.signals.pipeline import CLASSIFIER, DEFAULT_MODEL, _load
from analyzer.signals.quoted import strip_quoted
from training.signals.fit import fit_classifier
from training.signals.thresholds import tune_thresholds
from training.signals.train import label_rows


def _rows(dev_data_path, n):
    return [json.loads(line) for line in dev_data_path.read_text(encoding="utf-8").splitlines() if line.strip()][:n]


def _classifier(docs_texts):
    blank = spacy.blank("en")
    blank.add_pipe("sentencizer")
    docs = list(blank.pipe(strip_quoted(t) for t in docs_texts))
    return blank.add_pipe("signal_classifier", config={"rules_pipe": ""}), docs


def test_label_rows_leave_mail_rows_out_of_the_named_labels_only():
    nlp = _load(DEFAULT_MODEL)
    rows = [{"text": "a", "labels": []}, {"text": "b", "labels": ["help_request"], "source": "mail"},
            {"text": "c", "labels": [], "source": "extra"}]
    assert label_rows(nlp, rows) is None
    masks = label_rows(nlp, rows, ("help_request",))
    labels = nlp.get_pipe(CLASSIFIER).labels
    j = labels.index("help_request")
    assert masks.shape == (3, len(labels))
    assert masks[:, j].tolist() == [True, False, True]
    assert np.delete(masks, j, axis=1).all()  # every other label reads every row
    with pytest.raises(ValueError, match="unknown labels"):
        label_rows(nlp, rows, ("help",))


def test_a_label_fitted_without_some_rows_ignores_them(dev_data_path):
    """Rows left out of one label's regression (here: the same texts with that label flipped) change
    nothing for it; the other labels are fitted on every row."""
    rows = _rows(dev_data_path, 300)
    j = LABELS.index("help_request")
    y = np.array([[lab in r["labels"] for lab in LABELS] for r in rows], dtype=int)
    noise = y.copy()
    noise[:, j] = 1 - noise[:, j]  # the same texts, help_request flipped
    texts = [r["text"] for r in rows]
    clf_clean, docs = _classifier(texts)
    fit_classifier(clf_clean, docs, y, C=10.0, min_df=1)
    clf_masked, docs2 = _classifier(texts + texts)
    masks = np.ones((2 * len(rows), len(LABELS)), dtype=bool)
    masks[len(rows):, j] = False
    fit_classifier(clf_masked, docs2, np.vstack([y, noise]), C=10.0, min_df=1, label_rows=masks)
    clf_unmasked, docs3 = _classifier(texts + texts)
    fit_classifier(clf_unmasked, docs3, np.vstack([y, noise]), C=10.0, min_df=1)
    score = lambda clf, ds: np.array([r[2].max(axis=0) for r in clf.score_batch(ds)])  # noqa: E731
    clean, masked, unmasked = score(clf_clean, docs), score(clf_masked, docs2[:len(rows)]), score(clf_unmasked,
                                                                                                  docs3[:len(rows)])
    gold = y[:, j].astype(bool)
    gap = lambda s: s[gold, j].mean() - s[~gold, j].mean()  # noqa: E731
    assert gap(masked) > 0.3 and gap(clean) > 0.3  # help requests still score above the rest
    assert abs(gap(unmasked)) < 0.05  # the flipped copies cancel the label out when they count
    # the doubled vocabulary's idf differs, so the other labels are close to, not equal to, the clean fit
    k = LABELS.index("appreciation")
    assert np.corrcoef(masked[:, k], clean[:, k])[0, 1] > 0.95


def test_thresholds_of_a_skipped_label_are_tuned_without_mail_rows():
    lab = "help_request"
    ev = lambda w: {l: (-1.0, [(w if l == lab else 0.0, 0.0)]) for l in LABELS}  # noqa: E731,E741
    rows = [{"labels": [lab]}, {"labels": [lab]}, {"labels": []}, {"labels": []}]
    evidence = [ev(0.9), ev(0.8), ev(0.2), ev(0.1)]
    # mail rows that would pull the threshold up: unlabelled texts scoring 0.85
    mail = [{"labels": [], "source": "mail"}] * 6
    evidence_all = evidence + [ev(0.85)] * 6
    alone = tune_thresholds(evidence, rows)[0][lab]
    skipped = tune_thresholds(evidence_all, rows + mail, mail_skip_labels=(lab,))[0][lab]
    counted = tune_thresholds(evidence_all, rows + mail)[0][lab]
    assert skipped == alone and alone <= 0.8
    assert counted > 0.85


def test_narrowed_money_rows_count_for_the_money_labels_only():
    from training.signals.train import MONEY_LABELS, narrow_rows

    nlp = _load(DEFAULT_MODEL)
    labels = nlp.get_pipe(CLASSIFIER).labels
    rows = [{"text": "a", "labels": [], "source": "extra"},
            {"text": "b", "labels": ["appreciation"], "source": "money"},
            {"text": "c", "labels": [], "source": "money"},
            {"text": "d", "labels": ["help_request"], "source": "mail"}]
    narrowed = narrow_rows(rows, MONEY_LABELS)
    assert [r.get("counts_for") for r in narrowed] == [None, ["complaint", "fee_pushback"],
                                                       ["complaint", "fee_pushback"], None]
    assert "counts_for" not in rows[1]  # the caller's rows are not changed
    masks = label_rows(nlp, narrowed, ("help_request",))
    for i, r in enumerate(narrowed):
        for j, lab in enumerate(labels):
            expected = (lab in r["counts_for"]) if "counts_for" in r else not (r["source"] == "mail" and lab == "help_request")
            assert masks[i, j] == expected, (i, lab)
    assert label_rows(nlp, narrowed).sum() == len(labels) * 2 + 2 + 2  # no skipped labels: only the narrowing


def test_thresholds_leave_out_the_rows_that_do_not_count_for_a_label():
    """A narrowed row (``counts_for``) tunes only its labels' thresholds: unlabelled rows scoring high for
    appreciation pull its threshold up when they count, and leave it where the others put it when not."""
    lab = "appreciation"
    ev = lambda w: {l: (-1.0, [(w if l == lab else 0.0, 0.0)]) for l in LABELS}  # noqa: E731,E741
    rows = [{"labels": [lab]}, {"labels": [lab]}, {"labels": []}, {"labels": []}]
    evidence = [ev(0.9), ev(0.8), ev(0.2), ev(0.1)]
    noise = [{"labels": []}, {"labels": []}, {"labels": []}]
    alone, _, _ = tune_thresholds(evidence, rows, sentence=False, rule_floor=False)
    counted, _, _ = tune_thresholds(evidence + [ev(0.85)] * 3, rows + noise, sentence=False, rule_floor=False)
    narrow = [r | {"counts_for": ["complaint", "fee_pushback"]} for r in noise]
    left_out, _, _ = tune_thresholds(evidence + [ev(0.85)] * 3, rows + narrow, sentence=False, rule_floor=False)
    assert counted[lab] > alone[lab]
    assert left_out[lab] == alone[lab]


def test_money_rows_are_read_as_their_own_source():
    from training.signals.corpus import MONEY_PATHS, training_parts

    parts = training_parts(money=True)
    money = [r for r in parts["train"] + parts["tune"] if r.get("source") == "money"]
    assert len(money) == sum(1 for p in MONEY_PATHS for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
    assert not any(r.get("source") == "money" for part in training_parts().values() for r in part)
