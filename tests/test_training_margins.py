"""training.signals.margins: how the combiner's sentence margins are chosen."""

import json

from training.signals.margins import choose_margins, development_paths


def test_a_label_keeps_the_margin_that_gains_enough_and_others_keep_none():
    gold = [["appreciation"], ["appreciation"], [], ["complaint"], []]
    by_margin = {
        None: [[], ["appreciation"], [], ["complaint"], []],            # appreciation F1 0.667, complaint 1.0
        0.1: [["appreciation"], ["appreciation"], ["appreciation"], ["complaint"], ["complaint"]],  # 0.8; 0.667
        0.2: [["appreciation"], ["appreciation"], [], ["complaint"], []],  # 1.0; 1.0
        0.3: [["appreciation"], ["appreciation"], [], ["complaint"], []],  # the same: the tie goes to 0.3
    }
    assert choose_margins(gold, by_margin) == {"appreciation": 0.3}
    assert choose_margins(gold, by_margin, min_gain=0.5) == {}  # +0.333 is not enough there


def test_development_sets_leave_out_what_the_model_trained_on_and_the_blind_set(tmp_path):
    from training.signals.corpus import INDEPENDENT3_PATHS, INDEPENDENT24_PATHS, INDEPENDENT_PATH

    every = development_paths(tmp_path)  # no metrics.json: nothing trained on
    assert INDEPENDENT3_PATHS[0] in every and INDEPENDENT_PATH not in every
    assert not set(INDEPENDENT24_PATHS) & set(every)
    (tmp_path / "metrics.json").write_text(json.dumps({"data": {"independent": [str(INDEPENDENT3_PATHS[0])]}}))
    assert development_paths(tmp_path) == tuple(p for p in every if p != INDEPENDENT3_PATHS[0])
