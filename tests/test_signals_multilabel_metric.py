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


def test_a_model_trained_on_read_snippet_sets_is_not_read_on_them():
    from training.signals.snippet_sets import INDEPENDENT_ALL_READ_PATHS, INDEPENDENT_READ_PATHS
    from training.signals.evaluate import untrained_sets
    from training.signals.sets import BLIND_SETS, INDEPENDENT_SETS

    keep, skipped = untrained_sets(INDEPENDENT_SETS + BLIND_SETS, "all")
    english = [e[0] for e in INDEPENDENT_SETS if e[0].startswith(("independent", "test"))]
    assert skipped == english  # every read English set is a training set of such a model
    assert {e[0] for e in BLIND_SETS} <= {e[0] for e in keep}  # the blind set and the language sets are not
    assert any(e[0].startswith("language") for e in keep)
    keep, skipped = untrained_sets(INDEPENDENT_SETS, False)
    assert len(keep) == len(INDEPENDENT_SETS) and not skipped
    keep, skipped = untrained_sets(INDEPENDENT_SETS, "d")  # candidate D's sets 1 to 11 only
    assert 0 < len(skipped) < len(INDEPENDENT_SETS)
    assert {p.resolve() for e in keep for p in (e[1] if isinstance(e[1], tuple) else (e[1],))}.isdisjoint(
        {p.resolve() for p in INDEPENDENT_READ_PATHS})
    assert len(INDEPENDENT_ALL_READ_PATHS) > len(INDEPENDENT_READ_PATHS)


def test_the_pooled_sets_read_since_v4_are_read_for_v4_and_left_out_once_any_of_them_is_trained_on():
    from training.signals.evaluate import untrained_sets
    from training.signals.sets import INDEPENDENT_SETS, named_sets

    (pooled,) = named_sets("independent27-31")
    singles = named_sets("independent27,independent28,independent29,independent30,independent31")
    assert pooled[1] == tuple(p for e in singles for p in e[1])  # the five sets, nothing else
    assert "independent27-31" in [e[0] for e in untrained_sets(INDEPENDENT_SETS, "1-26")[0]]  # V4's recipe
    keep, skipped = untrained_sets(INDEPENDENT_SETS, "all")  # trained on sets 27 to 31 among others
    assert "independent27-31" in skipped
