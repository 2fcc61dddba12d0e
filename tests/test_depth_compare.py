"""training.depth.compare: two models' per-mailbox readings, merged from build metrics and evaluations."""

import json

import numpy as np
import pytest

from training.depth.compare import compare, merged, paired_bootstrap


def _metrics(path, boxes):
    per = {b: {"spearman": s, "clients": 10, "tiers_right": t, "two_tiers_off": o} for b, (s, t, o) in boxes.items()}
    path.write_text(json.dumps({"cv_leave_mailbox_out": {"per_independent_mailbox": per}}))
    return str(path)


def _evaluation(path, rows):
    path.write_text(json.dumps({"summary": {}, "per_mailbox": [
        {"split": sp, "mailbox": mb, "scored": 12, "spearman": s, "tier_accuracy": t, "two_tiers_off": o}
        for sp, mb, s, t, o in rows]}))
    return str(path)


def test_out_of_fold_and_unseen_readings_merge_by_split(tmp_path):
    m = _metrics(tmp_path / "m.json", {"train/a": (0.9, 7, 0), "train10/b": (0.8, 6, 1)})
    e = _evaluation(tmp_path / "e.json", [("generated", "seed1", 0.5, 0.5, 0), ("train", "a", 0.99, 1.0, 0),
                                          ("train10", "b", 0.7, 0.5, 2), ("train12", "c", 0.6, 0.25, 1),
                                          ("test-client-list", "d", 0.9, 0.5, 0)])
    got = merged([m, e + "@train10,train12"])
    # the in-sample reading of train/a is not taken; train10/b is replaced by the unseen reading
    assert got["train/a"]["spearman"] == 0.9
    assert got["train10/b"] == {"spearman": 0.7, "clients": 12, "tiers_right": 6, "two_tiers_off": 2}
    assert got["train12/c"]["tiers_right"] == 3
    assert "generated/seed1" not in got and len(got) == 3
    # unfiltered: every independent split's rows, not the generated ones nor test6 read with client lists
    assert set(merged([e])) == {"train/a", "train10/b", "train12/c"}


def test_paired_bootstrap_of_a_constant_shift_and_of_noise():
    a = np.linspace(0.7, 0.95, 40)
    assert paired_bootstrap(a, a) == (0.0, 0.0, 0.0)
    mean, lo, hi = paired_bootstrap(a, a + 0.01)
    assert mean == pytest.approx(0.01) and lo == pytest.approx(0.01) and hi == pytest.approx(0.01)
    rng = np.random.default_rng(3)
    mean, lo, hi = paired_bootstrap(a, a + rng.normal(0.0, 0.05, len(a)))
    assert lo < mean < hi and lo < 0 < hi


def test_compare_pools_tiers_and_refuses_different_mailboxes(tmp_path):
    a = merged([_metrics(tmp_path / "a.json", {"x/1": (0.9, 5, 1), "x/2": (0.8, 7, 0)})])
    b = merged([_metrics(tmp_path / "b.json", {"x/1": (0.92, 6, 0), "x/2": (0.83, 8, 0)})])
    got = compare(a, b, resamples=500)
    assert got["difference"] == pytest.approx(0.025) and got["b_better_mailboxes"] == 2
    assert (got["tiers_a"], got["tiers_b"], got["two_tiers_off_a"], got["two_tiers_off_b"]) == (0.6, 0.7, 1, 0)
    with pytest.raises(ValueError, match="different mailboxes"):
        compare(a, {"x/1": b["x/1"]})


def test_a_folder_reads_its_evaluation_and_bad_input_is_one_line_with_exit_2(tmp_path, capsys):
    from training.depth.compare import main

    for name, s in (("a", 0.8), ("b", 0.9)):
        (tmp_path / name).mkdir()
        _evaluation(tmp_path / name / "evaluation.json", [("train76", "x", s, 0.5, 0), ("train76", "y", s, 1.0, 0)])
    assert main(["--a", str(tmp_path / "a"), "--b", str(tmp_path / "b") + "@train76", "--resamples", "100"]) == 0
    assert json.loads(capsys.readouterr().out)["difference"] == pytest.approx(0.1)
    (tmp_path / "broken.json").write_text("{not json")
    for bad in (str(tmp_path / "missing.json"), str(tmp_path / "broken.json"), str(tmp_path)):
        assert main(["--a", bad, "--b", str(tmp_path / "b")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("training.depth.compare: error:") and err.count("\n") == 1
