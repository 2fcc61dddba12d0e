"""The list-mail false alarms, span by span: they add up to the judged "flagged with no label" figure."""

from __future__ import annotations

import pytest

from analyzer.signals.labels import LABELS
from analyzer.signals.pipeline import load_pipeline
from training.signals.evaluate import realmail_labels, realmail_texts
from training.signals.listmail_errors import false_alarms, flagged_without_label, report
from training.signals.realmail_labels import ADJUDICATED_LABELS_PATH, agreement, gold_by_archive, read_labels


@pytest.fixture(scope="module")
def read(realmail):
    mail = realmail_texts(realmail / "bigbang" / "tests" / "data")
    return mail, gold_by_archive(mail, read_labels(ADJUDICATED_LABELS_PATH)), load_pipeline()


def test_the_false_alarms_add_up_to_the_agreement_figures(read):
    mail, gold, nlp = read
    alarms = false_alarms(nlp, mail, gold)
    rows = [agreement(name, gold[name], realmail_labels(nlp, msgs)) for name, msgs in mail.items()]
    assert flagged_without_label(alarms) == sum(r["flagged"] - r["both"] for r in rows) > 0
    assert set(alarms["label"]) <= set(LABELS)
    for r in alarms.itertuples(index=False):  # a span's label is never one its message carries
        assert r.label not in gold[r.archive][r.message] and r.sentence
    text = report(alarms)
    assert text.startswith(f"Messages flagged with no signal by the labels: {flagged_without_label(alarms)};")
    assert text.count("\n| ") == len(alarms) + 1


def test_a_message_labelled_with_what_the_detector_finds_raises_no_alarm(read):
    mail, _, nlp = read
    name = next(iter(mail))
    msgs = mail[name][:20]
    found = realmail_labels(nlp, msgs)
    assert false_alarms(nlp, {name: msgs}, {name: found}).empty
