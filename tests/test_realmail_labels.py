"""The blind labels of the real mailing-list mail: well formed, one per message the evaluation reads,
and the agreement figures they give."""

from __future__ import annotations

import pytest

from analyzer.errors import InputError
from training.signals.realmail_labels import (ADJUDICATED_LABELS_PATH, LABELS_PATH, SECOND_LABELS_PATH, agreement,
                                             gold_by_archive, read_labels)


@pytest.mark.parametrize("path", [LABELS_PATH, SECOND_LABELS_PATH, ADJUDICATED_LABELS_PATH],
                         ids=["first", "second", "adjudicated"])
def test_labels_cover_exactly_the_messages_the_evaluation_reads(realmail, path):
    from training.signals.evaluate import realmail_texts

    texts = realmail_texts(realmail / "bigbang" / "tests" / "data")
    gold = gold_by_archive(texts, read_labels(path))
    assert {k: len(v) for k, v in gold.items()} == {k: len(v) for k, v in texts.items()}
    assert sum(len(v) for v in gold.values()) == 258
    # the labeller found signals in every archive: the premise that this mail carries almost none is measured
    assert all(any(labels for labels in v) for v in gold.values())


def test_bad_label_files_are_refused(tmp_path):
    bad = tmp_path / "l.jsonl"
    bad.write_text('{"id": "a#0", "labels": ["praise"]}\n', encoding="utf-8")
    with pytest.raises(InputError, match="unknown label"):
        read_labels(bad)
    bad.write_text('{"id": "a#0"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="not an"):
        read_labels(bad)
    with pytest.raises(InputError, match="cover 1 messages"):
        gold_by_archive({"a": ["x", "y"]}, {"a#0": []})


def test_agreement_counts_messages_and_label_pairs():
    gold = [["apology"], [], ["help_request", "complaint"], []]
    pred = [["apology"], ["appreciation"], ["complaint"], []]
    r = agreement("x", gold, pred)
    assert (r["labelled"], r["flagged"], r["both"]) == (2, 3, 2)
    assert r["message_precision"] == pytest.approx(2 / 3) and r["message_recall"] == 1.0
    assert r["label_precision"] == pytest.approx(2 / 3) and r["label_recall"] == pytest.approx(2 / 3)
