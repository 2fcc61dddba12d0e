"""The careful readers' judgements of test mailboxes (data/independent/readers) and how
training.depth.readers scores them beside the model."""

from __future__ import annotations

import pandas as pd
import pytest

from training.depth.independent import ROOT, SPLITS, read_truth
from training.depth.readers import compare, read_judgement, readings


def test_every_reading_judges_every_client_of_a_test_mailbox():
    found = readings()
    assert len(found) >= 2
    for split, box, path in found:
        assert split in SPLITS
        m = read_judgement(path, read_truth(ROOT / split / box))
        assert m["got_depth_score"].notna().all() and m["got_trend"].notna().all()


def test_readers_are_scored_like_the_model(tmp_path):
    box = tmp_path / "test6" / "toy"
    box.mkdir(parents=True)
    truth = pd.DataFrame({"client": list("abcd"), "domains": ["a.x", "b.x", "c.x", "d.x"], "addresses": [""] * 4,
                          "depth": [90, 60, 30, 10], "trend": ["steady", "deepening", "steady", "steady"]})
    judged = pd.DataFrame({"client": list("dcba"), "depth": [12, 35, 80, 70], "tier": ["shallow", "developing", "deep", "solid"],
                           "trend": ["steady", "steady", "steady", "steady"], "depth_by_quarter": [""] * 4, "reason": [""] * 4})
    judged.to_csv(box / "judgement.csv", index=False)
    m = read_judgement(box / "judgement.csv", truth)
    assert list(m["got_depth_score"]) == [70.0, 80.0, 35.0, 12.0]  # matched by name, in the truth's order
    evaluation = tmp_path / "evaluation.json"
    evaluation.write_text('{"per_mailbox": [{"split": "test6", "mailbox": "toy", "spearman": 1.0, "tier_accuracy": 1.0}]}')
    (box / "truth.csv").write_text(truth.to_csv(index=False))
    df = compare(folder=tmp_path, evaluation=evaluation, root=tmp_path)
    r = df.iloc[0]
    assert r["spearman"] == pytest.approx(0.8)  # a and b swapped
    assert r["tier_accuracy"] == pytest.approx(0.5) and r["two_tiers_off"] == 0
    assert (r["moving_right"], r["moving"]) == (0, 1)
    assert r["model_spearman"] == 1.0


def test_a_judgement_missing_a_client_is_refused(tmp_path):
    truth = pd.DataFrame({"client": ["a", "b"], "domains": ["a.x", "b.x"], "addresses": ["", ""], "depth": [50, 20],
                          "trend": ["steady", "steady"]})
    pd.DataFrame({"client": ["a"], "depth": [50], "tier": ["solid"], "trend": ["steady"]}).to_csv(tmp_path / "j.csv", index=False)
    with pytest.raises(ValueError, match="no judgement for"):
        read_judgement(tmp_path / "j.csv", truth)
