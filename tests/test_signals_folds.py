"""How training rows are dealt into cross-validation folds (training.signals.train.fold_assignment), and
which rows a trained pipeline's baseline is trained on (training.signals.corpus.recipe_rows)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from training.signals.corpus import recipe_rows
from training.signals.train import fold_assignment


def _rows(n_snippets: int, n_mail: int) -> list[dict]:
    return ([{"id": f"s{i}", "source": "extra"} for i in range(n_snippets)]
            + [{"id": f"m{i}", "source": "mail"} for i in range(n_mail)])


def test_one_draw_over_all_rows_is_the_plain_permutation():
    rows = _rows(40, 9)
    order = np.random.default_rng(13).permutation(len(rows))
    expected = np.empty(len(rows), dtype=int)
    expected[order] = np.arange(len(rows)) % 5
    assert np.array_equal(fold_assignment(rows, 5, 13), expected)


def test_mail_apart_leaves_every_other_row_in_its_fold():
    plain = fold_assignment(_rows(40, 0), 5, 13)
    with_mail = fold_assignment(_rows(40, 9), 5, 13, mail_apart=True)
    assert np.array_equal(with_mail[:40], plain)
    assert sorted(np.bincount(with_mail[40:], minlength=5)) == [1, 2, 2, 2, 2]  # the mail rows dealt evenly
    assert not np.array_equal(fold_assignment(_rows(40, 9), 5, 13)[:40], plain)  # one draw moves them


def test_recipe_rows_read_from_the_model_metrics(tmp_path):
    assert recipe_rows(tmp_path) == {"flip": False, "courtesy": False, "money": False, "mail": False, "languages": False,
                                     "mixed_pairs": 0, "independent": False}  # no metrics.json
    (tmp_path / "metrics.json").write_text(json.dumps({"data": {"flip": ["data/signals/train_flip_a.jsonl"],
                                                                "courtesy": [],
                                                                "mail": "data/signals/train_mail_quotes.jsonl"}}))
    assert recipe_rows(tmp_path) == {"flip": True, "courtesy": False, "money": False, "mail": "quote", "languages": False,
                                     "mixed_pairs": 0, "independent": False}
    (tmp_path / "metrics.json").write_text(json.dumps({"data": {"money": ["data/signals/train_money_a.jsonl"]}}))
    assert recipe_rows(tmp_path)["money"] is True
    (tmp_path / "metrics.json").write_text(json.dumps({"data": {"mail": "data/signals/train_mail.jsonl"}}))
    assert recipe_rows(tmp_path)["mail"] == "paragraph"
    (tmp_path / "metrics.json").write_text(json.dumps({"data": {"languages": ["data/signals/train_lang_fr.jsonl"]}}))
    assert recipe_rows(tmp_path)["languages"] is True
    (tmp_path / "metrics.json").write_text(json.dumps({"data": {"mixed_pairs": 1000}}))
    assert recipe_rows(tmp_path)["mixed_pairs"] == 1000
    (tmp_path / "metrics.json").write_text(json.dumps({"data": {"independent": ["data/signals/eval_independent.jsonl"]}}))
    assert recipe_rows(tmp_path)["independent"] is True


def test_independent_rows_are_every_read_set_and_never_the_blind_one():
    """``training_parts(independent=True)`` adds the independent snippet sets read so far, each row
    once, split between train and tune by its id; the sets read later, and the blind one, are not among them."""
    from training.signals.corpus import read_labelled, training_parts
    from training.signals.snippet_sets import INDEPENDENT_READ_PATHS

    assert not any(p.name.startswith(("eval_independent12", "eval_independent13", "eval_independent14", "eval_independent15",
                                      "eval_independent16", "eval_independent17", "eval_independent18",
                                      "eval_independent19", "eval_independent20",
                                      "eval_independent21", "eval_independent22",
                                      "eval_independent23", "eval_independent24", "eval_independent25",
                                      "eval_independent26"))
                for p in INDEPENDENT_READ_PATHS)
    plain, more = training_parts(), training_parts(independent=True)
    added = [r for part in ("train", "tune") for r in more[part] if r.get("source") == "independent"]
    assert len(added) == sum(len(read_labelled(p)) for p in INDEPENDENT_READ_PATHS) > 8000
    assert len({r["id"] for r in added}) == len(added)
    assert len(more["train"]) + len(more["tune"]) == len(plain["train"]) + len(plain["tune"]) + len(added)
    assert 0.1 < sum(r.get("source") == "independent" for r in more["tune"]) / len(added) < 0.2
    assert more["heldout"] == plain["heldout"]


def test_sample_weights_by_source():
    from training.signals.train import sample_weights

    rows = [{"source": "neutral"}, {"source": "independent"}, {"source": "extra"}, {}]
    assert sample_weights(rows, 1.0) is None and sample_weights(rows, 1.0, 1.0) is None
    assert sample_weights(rows, 2.0).tolist() == [2.0, 1.0, 1.0, 1.0]
    assert sample_weights(rows, 1.0, 0.5).tolist() == [1.0, 0.5, 1.0, 1.0]


def test_every_read_snippet_set_as_training_rows_never_the_blind_one():
    """``--independent all`` trains on every read English snippet set, D's eleven and the ones read since;
    never the blind set, and the recorded paths give the option back for TRAINING.md."""
    from training.signals.corpus import training_parts
    from training.signals.snippet_sets import (INDEPENDENT_ALL_READ_PATHS, INDEPENDENT_READ_PATHS, independent_option,
                                               independent_paths)
    from training.signals.sets import BLIND_SETS, INDEPENDENT_SETS

    read_english = {p.name for name, paths, _ in INDEPENDENT_SETS if name.startswith("independent")
                    for p in (paths if isinstance(paths, tuple) else (paths,))}
    assert {p.name for p in INDEPENDENT_ALL_READ_PATHS} == read_english
    assert set(INDEPENDENT_READ_PATHS) < set(INDEPENDENT_ALL_READ_PATHS)
    assert not set(INDEPENDENT_ALL_READ_PATHS) & {p for _, paths, _ in BLIND_SETS for p in paths}
    assert independent_paths(False) == () and independent_paths(True) == independent_paths("d") == INDEPENDENT_READ_PATHS
    assert independent_paths("all") == INDEPENDENT_ALL_READ_PATHS
    with pytest.raises(ValueError, match="independent"):
        independent_paths("some")
    assert independent_option([str(p) for p in INDEPENDENT_ALL_READ_PATHS]) == " --independent all"
    assert independent_option([str(p) for p in INDEPENDENT_READ_PATHS]) == " --independent"
    assert independent_option([]) == ""
    added = [r for part in ("train", "tune") for r in training_parts(independent="all")[part]
             if r.get("source") == "independent"]
    assert len(added) > 20000 and len({r["id"] for r in added}) == len(added)


def test_a_pipeline_trained_on_every_read_set_has_its_baseline_trained_on_them_too(tmp_path):
    from training.signals.corpus import recipe_rows
    from training.signals.snippet_sets import INDEPENDENT_ALL_READ_PATHS, INDEPENDENT_READ_PATHS

    for paths, expected in ((INDEPENDENT_ALL_READ_PATHS, "all"), (INDEPENDENT_READ_PATHS, True), ((), False)):
        (tmp_path / "metrics.json").write_text(json.dumps({"data": {"independent": [str(p) for p in paths]}}))
        assert recipe_rows(tmp_path)["independent"] == expected


def test_a_model_trained_on_every_set_read_then_keeps_its_sets_after_another_is_read(tmp_path):
    """"all" grows when a blind set is read: a model recorded with the sets read before then has its
    baseline trained on exactly those sets, not on D's eleven or on today's "all"."""
    from training.signals.corpus import PROJECT_ROOT, recipe_rows
    from training.signals.snippet_sets import (INDEPENDENT23_PATHS, INDEPENDENT_ALL_READ_PATHS, independent_option,
                                               independent_paths)

    before = [p for p in INDEPENDENT_ALL_READ_PATHS if p not in INDEPENDENT23_PATHS]
    recorded = [str(p.relative_to(PROJECT_ROOT)) for p in before]
    (tmp_path / "metrics.json").write_text(json.dumps({"data": {"independent": recorded}}))
    kind = recipe_rows(tmp_path)["independent"]
    assert independent_paths(kind) == tuple(before)
    with pytest.raises(ValueError, match="neither"):
        independent_option(recorded)


def test_v4s_snippet_sets_one_to_26_have_an_option_of_their_own_that_make_model_can_give():
    """V4 (forty-eighth session) trained on sets 1 to 26, before sets 27 to 30 were read: ``--independent
    1-26`` rebuilds its rows, and the sets V4's metrics.json records give that option back."""
    from training.signals.corpus import PROJECT_ROOT
    from training.signals.snippet_sets import (INDEPENDENT26_PATHS, INDEPENDENT27_PATHS, INDEPENDENT28_PATHS,
                                               INDEPENDENT29_PATHS, INDEPENDENT30_PATHS, INDEPENDENT31_PATHS,
                                               INDEPENDENT_ALL_READ_PATHS, INDEPENDENT_V4_PATHS, independent_option,
                                               independent_paths)

    assert independent_paths("1-26") == INDEPENDENT_V4_PATHS
    assert set(INDEPENDENT26_PATHS) <= set(INDEPENDENT_V4_PATHS) < set(INDEPENDENT_ALL_READ_PATHS)
    later = INDEPENDENT27_PATHS + INDEPENDENT28_PATHS + INDEPENDENT29_PATHS + INDEPENDENT30_PATHS + INDEPENDENT31_PATHS
    assert not set(INDEPENDENT_V4_PATHS) & set(later)
    assert len(INDEPENDENT_V4_PATHS) == len(INDEPENDENT_ALL_READ_PATHS) - len(later)
    recorded = [str(p.relative_to(PROJECT_ROOT)) for p in INDEPENDENT_V4_PATHS]
    assert independent_option(recorded) == " --independent 1-26"


def test_rows_that_count_for_some_labels_are_dealt_apart_and_leave_every_other_row_in_its_fold():
    narrow = [{"id": f"n{i}", "source": "money", "counts_for": ["fee_pushback"]} for i in range(7)]
    plain = fold_assignment(_rows(40, 9), 5, 13)
    with_narrow = fold_assignment(_rows(40, 9) + narrow, 5, 13)
    assert np.array_equal(with_narrow[:49], plain)
    assert sorted(np.bincount(with_narrow[49:], minlength=5)) == [1, 1, 1, 2, 2]
    apart = fold_assignment(_rows(40, 9), 5, 13, mail_apart=True)
    assert np.array_equal(fold_assignment(_rows(40, 9) + narrow, 5, 13, mail_apart=True)[:49], apart)
