"""Threshold tuning on a smoothed F-beta curve (``training.signals.train --threshold-smoothing``): the
threshold steps back from a cliff in the out-of-fold curve instead of sitting on its edge."""
import numpy as np
import pytest

from analyzer.signals.labels import LABELS
from training.signals.thresholds import GRID, smoothed, tune_label, tune_thresholds

LAB = "complaint"


def _ev(w: float) -> dict:
    return {lab: (-1.0, [(w if lab == LAB else 0.0, 0.0)]) for lab in LABELS}


def test_smoothing_averages_over_the_neighbours_that_exist():
    f = np.array([[0.0, 0.0, 1.0, 0.0, 0.0]])
    assert smoothed(f, 0) is f
    np.testing.assert_allclose(smoothed(f, 1), [[0.0, 1 / 3, 1 / 3, 1 / 3, 0.0]])
    np.testing.assert_allclose(smoothed(np.ones((2, 3, 7)), 2), np.ones((2, 3, 7)))  # the ends are not pulled down
    np.testing.assert_allclose(smoothed(np.array([1.0, 0.0, 0.0]), 5), [1 / 3] * 3)


def test_a_smoothed_curve_steps_back_from_the_cliff():
    """Five positives score 0.6 and one negative 0.575: the raw curve peaks at 0.6, on the edge past
    which every positive is lost; averaged over two steps either side it is highest at 0.55, where the
    negative is let in (F1 10/11) but a slightly lower score of a positive still counts."""
    evidence = [_ev(0.6)] * 5 + [_ev(0.575)]
    gold = np.array([True] * 5 + [False])
    raw = tune_label(evidence, gold, LAB, sentence=False, rule_floor=False)
    smooth = tune_label(evidence, gold, LAB, sentence=False, rule_floor=False, smooth=2)
    assert raw[0] == pytest.approx(0.6) and raw[3] == pytest.approx(1.0)
    assert smooth[0] == pytest.approx(0.55)
    assert smooth[3] == pytest.approx(10 / 11, abs=1e-6)  # the unsmoothed F-beta at the chosen threshold
    assert 0.55 in GRID.tolist()


def test_tune_thresholds_passes_the_smoothing_on_and_leaves_it_off_by_default():
    evidence = [_ev(0.6)] * 5 + [_ev(0.575)]
    rows = [{"labels": [LAB]}] * 5 + [{"labels": []}]
    off = tune_thresholds(evidence, rows, sentence=False, rule_floor=False)[0]
    on = tune_thresholds(evidence, rows, sentence=False, rule_floor=False, smooth=2)[0]
    assert off[LAB] == pytest.approx(0.6) and on[LAB] == pytest.approx(0.55)


def test_the_command_line_refuses_a_negative_smoothing(capsys):
    from training.signals.train import main
    with pytest.raises(SystemExit) as exc:
        main(["--threshold-smoothing", "-1", "--out", "/nonexistent"])
    assert exc.value.code == 2
    assert "--threshold-smoothing is 0 or more" in capsys.readouterr().err
