"""The blind relabelling of eval_independent9 (data/signals/relabel_independent9) and the agreement
figures training.signals.agreement computes from it."""

from __future__ import annotations

import pytest

from analyzer.signals.labels import LABELS
from training.signals.agreement import READERS, agreement_tables, authors_rows, read_relabels


@pytest.fixture(scope="module")
def relabels():
    return read_relabels()


def test_every_reader_labelled_the_same_360_texts_with_taxonomy_labels(relabels):
    ids = list(relabels[READERS[0]])
    assert len(ids) == len(set(ids)) == 360
    for name in READERS:
        assert list(relabels[name]) == ids, name
        assert all(set(labels) <= set(LABELS) for labels in relabels[name].values()), name
    rows = authors_rows(ids)  # every id is a text of the set
    assert [r["id"] for r in rows] == ids
    assert {r["id"][:3] for r in rows} == {"e9a", "e9b", "e9c"}


def test_agreement_tables_score_readers_and_models_against_the_authors():
    rows = [{"id": "1", "text": "t", "labels": ["referral"]}, {"id": "2", "text": "t", "labels": []},
            {"id": "3", "text": "t", "labels": ["complaint", "fee_pushback"]}]
    readers = {"labeller_a": {"1": ["referral"], "2": [], "3": ["complaint", "fee_pushback"]},
               "labeller_b": {"1": ["referral"], "2": ["apology"], "3": ["complaint"]}}
    res = agreement_tables(rows, readers, {"detector": [[], [], ["complaint"]]})
    s = res["summary"].set_index(["against", "who"])
    assert s.loc[("authors", "labeller_a"), "exact_sets"] == 1.0
    assert s.loc[("authors", "labeller_b"), "exact_sets"] == pytest.approx(1 / 3)
    assert s.loc[("authors", "detector"), "recall"] < s.loc[("authors", "labeller_a"), "recall"]
    assert ("labeller_a", "labeller_b") in s.index
    assert res["per_label"].loc["referral", "detector"] == 0.0
    assert res["bootstrap"]["detector"]["diff"] < 0
    assert (res["texts"], res["multi"], res["none"]) == (3, 1, 1)


def test_relabels_refuse_ids_the_set_does_not_hold():
    with pytest.raises(ValueError, match="not in the set"):
        authors_rows(["no-such-id"])


def test_the_reading_of_set_24_covers_it_but_the_nine_shifted_rows():
    from training.signals.agreement import RELABELS

    r = RELABELS["independent24"]
    readers = read_relabels(r.folder, r.readers)
    ids = list(readers["reader"])
    assert len(ids) == len(set(ids)) == 982
    assert all(set(labels) <= set(LABELS) for labels in readers["reader"].values())
    rows = authors_rows(ids, r.paths)
    assert [x["id"] for x in rows] == ids
    shifted = {f"e24b-{k:04d}" for k in range(161, 170)}
    assert not shifted & set(ids)


def test_a_report_on_a_set_the_detector_trained_on_says_it_is_in_sample():
    from training.signals.agreement import RELABELS, format_agreement

    rows = [{"id": "1", "text": "t", "labels": ["referral"]}, {"id": "2", "text": "t", "labels": []}]
    readers = {"labeller_a": {"1": ["referral"], "2": []}, "labeller_b": {"1": [], "2": []}}
    res = agreement_tables(rows, readers, {"detector": [["referral"], []]})
    assert "In-sample" not in format_agreement(res, "m", RELABELS["independent9"])
    assert "In-sample" in format_agreement({**res, "in_sample": True}, "m", RELABELS["independent9"])
