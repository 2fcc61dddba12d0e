"""The evaluation's multi-label figure counts a text only when every one of its labels is found."""

from training.signals.evaluate import _multilabel_line, multilabel_recall


def test_multilabel_recall_counts_only_complete_texts():
    gold = [["appreciation", "referral"], ["apology"], ["complaint", "fee_pushback"], []]
    pred = [["appreciation", "referral", "apology"], ["apology"], ["complaint"], []]
    base = [["referral"], [], ["complaint", "fee_pushback"], ["apology"]]
    m = multilabel_recall(gold, pred, base)
    assert m == {"texts": 2, "pipeline_all": 1, "baseline_all": 1}
    assert "in 1 (50%)" in _multilabel_line(m)
    assert _multilabel_line({"texts": 0, "pipeline_all": 0, "baseline_all": 0}) == ""
