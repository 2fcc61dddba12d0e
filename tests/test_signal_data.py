"""The signal data files are well formed, and the evaluation set stays apart from training data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analyzer.signals.labels import LABELS

DATA = Path(__file__).resolve().parents[1] / "data" / "signals"


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


@pytest.mark.parametrize("name,min_rows", [
    ("train_extra.jsonl", 500), ("train_boundary.jsonl", 500), ("eval_independent.jsonl", 500),
    ("eval_independent2.jsonl", 500), ("train_paraphrase_a.jsonl", 250), ("train_paraphrase_b.jsonl", 250),
    ("eval_independent3_a.jsonl", 180), ("eval_independent3_b.jsonl", 180),
    ("train_register_a.jsonl", 200), ("train_register_b.jsonl", 200), ("train_register_c.jsonl", 200),
    ("train_register_d.jsonl", 150), ("eval_independent4_a.jsonl", 180), ("eval_independent4_b.jsonl", 180),
    ("train_families_a.jsonl", 250), ("train_families_b.jsonl", 250), ("train_mixed_a.jsonl", 250),
    ("train_mixed_b.jsonl", 250), ("train_mixed_c.jsonl", 250), ("eval_independent5_a.jsonl", 250),
    ("eval_independent5_b.jsonl", 250), ("eval_independent5_c.jsonl", 200),
    ("train_peer_a.jsonl", 250), ("train_peer_b.jsonl", 250), ("eval_independent6_a.jsonl", 250),
    ("eval_independent6_b.jsonl", 250), ("eval_independent6_c.jsonl", 250), ("train_flip_a.jsonl", 200), ("train_flip_b.jsonl", 200),
    ("eval_independent7_a.jsonl", 200), ("eval_independent7_b.jsonl", 200), ("eval_independent7_c.jsonl", 200),
    ("eval_independent8_a.jsonl", 200), ("eval_independent8_b.jsonl", 200), ("eval_independent8_c.jsonl", 200),
    ("eval_independent9_a.jsonl", 250), ("eval_independent9_b.jsonl", 250), ("eval_independent9_c.jsonl", 250),
    ("eval_independent10_a.jsonl", 250), ("eval_independent10_b.jsonl", 250), ("eval_independent10_c.jsonl", 250),
    ("eval_independent11_a.jsonl", 250), ("eval_independent11_b.jsonl", 250), ("eval_independent11_c.jsonl", 250),
    ("eval_independent12_a.jsonl", 250), ("eval_independent12_b.jsonl", 250), ("eval_independent12_c.jsonl", 250),
    ("eval_independent13_a.jsonl", 250), ("eval_independent13_b.jsonl", 250), ("eval_independent13_c.jsonl", 250),
    ("eval_independent14_a.jsonl", 250), ("eval_independent14_b.jsonl", 250), ("eval_independent14_c.jsonl", 250),
    ("eval_independent15_a.jsonl", 250), ("eval_independent15_b.jsonl", 250), ("eval_independent15_c.jsonl", 250),
    ("eval_independent16_a.jsonl", 250), ("eval_independent16_b.jsonl", 250), ("eval_independent16_c.jsonl", 250),
    ("eval_independent17_a.jsonl", 250), ("eval_independent17_b.jsonl", 250), ("eval_independent17_c.jsonl", 250),
    ("eval_independent18_a.jsonl", 250), ("eval_independent18_b.jsonl", 250), ("eval_independent18_c.jsonl", 250),
    ("eval_independent19_a.jsonl", 250), ("eval_independent19_b.jsonl", 250), ("eval_independent19_c.jsonl", 250),
    ("eval_independent20_a.jsonl", 250), ("eval_independent20_b.jsonl", 250), ("eval_independent20_c.jsonl", 250),
    ("eval_independent21_a.jsonl", 250), ("eval_independent21_b.jsonl", 250), ("eval_independent21_c.jsonl", 250),
    ("eval_independent22_a.jsonl", 250), ("eval_independent22_b.jsonl", 250), ("eval_independent22_c.jsonl", 250),
    ("eval_independent23_a.jsonl", 250), ("eval_independent23_b.jsonl", 250), ("eval_independent23_c.jsonl", 250),
    ("eval_independent24_a.jsonl", 250), ("eval_independent24_b.jsonl", 250), ("eval_independent24_c.jsonl", 250),
    ("eval_independent25_a.jsonl", 250), ("eval_independent25_b.jsonl", 250), ("eval_independent25_c.jsonl", 250),
    ("eval_independent26_a.jsonl", 250), ("eval_independent26_b.jsonl", 250), ("eval_independent26_c.jsonl", 250),
    ("eval_independent27_a.jsonl", 250), ("eval_independent27_b.jsonl", 250), ("eval_independent27_c.jsonl", 250),
    ("eval_independent28_a.jsonl", 250), ("eval_independent28_b.jsonl", 250), ("eval_independent28_c.jsonl", 250),
    ("eval_independent29_a.jsonl", 250), ("eval_independent29_b.jsonl", 250), ("eval_independent29_c.jsonl", 250),
    ("eval_independent30_a.jsonl", 250), ("eval_independent30_b.jsonl", 250), ("eval_independent30_c.jsonl", 250),
    ("eval_independent31_a.jsonl", 250), ("eval_independent31_b.jsonl", 250), ("eval_independent31_c.jsonl", 250),
    ("eval_independent32_a.jsonl", 250), ("eval_independent32_b.jsonl", 250), ("eval_independent32_c.jsonl", 250),
    ("train_lang_fr.jsonl", 250), ("train_lang_de.jsonl", 250), ("train_lang_es.jsonl", 250),
    ("train_lang_pt.jsonl", 250), ("eval_lang_fr.jsonl", 200), ("eval_lang_de.jsonl", 200),
    ("eval_lang_es.jsonl", 200), ("eval_lang_pt.jsonl", 200), ("eval_lang2_fr.jsonl", 200),
    ("eval_lang2_de.jsonl", 200), ("eval_lang2_es.jsonl", 200), ("eval_lang2_pt.jsonl", 200),
    ("train_lang_it.jsonl", 250), ("train_lang_nl.jsonl", 250), ("eval_lang3_it.jsonl", 200),
    ("eval_lang3_nl.jsonl", 200)])
def test_file_is_well_formed(name, min_rows):
    rows = _load(DATA / name)
    assert len(rows) > min_rows
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert set(r) == {"id", "text", "labels"}, r["id"]
        assert r["text"].strip(), r["id"]
        assert r["labels"] == sorted(set(r["labels"])), r["id"]
        assert set(r["labels"]) <= set(LABELS), r["id"]
    present = {label for r in rows for label in r["labels"]}
    assert present == set(LABELS)
    assert sum(1 for r in rows if not r["labels"]) / len(rows) > 0.15  # negatives are there


TRAINING_FILES = ["train_extra.jsonl", "train_boundary.jsonl", "neutral_extra.jsonl", "neutral_mail.jsonl",
                  "train_paraphrase_a.jsonl", "train_paraphrase_b.jsonl", "train_register_a.jsonl",
                  "train_register_b.jsonl", "train_register_c.jsonl", "train_register_d.jsonl",
                  "train_families_a.jsonl", "train_families_b.jsonl", "train_mixed_a.jsonl", "train_mixed_b.jsonl",
                  "train_mixed_c.jsonl", "train_peer_a.jsonl", "train_peer_b.jsonl", "train_flip_a.jsonl",
                  "train_flip_b.jsonl", "train_courtesy_a.jsonl", "train_courtesy_b.jsonl", "train_mail.jsonl",
                  "train_lang_fr.jsonl", "train_lang_de.jsonl", "train_lang_es.jsonl", "train_lang_pt.jsonl",
                  "train_lang_it.jsonl", "train_lang_nl.jsonl"]


@pytest.mark.parametrize("name", ["train_courtesy_a.jsonl", "train_courtesy_b.jsonl"])
def test_courtesy_files_are_well_formed(name):
    """Focused files (``BRIEF_courtesy.md``): not every label, but courtesy negatives and appreciation."""
    rows = _load(DATA / name)
    assert len(rows) > 120
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == {"id", "text", "labels"} and r["text"].strip(), r["id"]
        assert r["labels"] == sorted(set(r["labels"])) and set(r["labels"]) <= set(LABELS), r["id"]
    assert sum(1 for r in rows if not r["labels"]) > 40
    assert sum(1 for r in rows if "appreciation" in r["labels"]) > 40


@pytest.mark.parametrize("name", ["eval_independent.jsonl", "eval_independent2.jsonl", "eval_independent3_a.jsonl",
                                  "eval_independent3_b.jsonl", "eval_independent4_a.jsonl", "eval_independent4_b.jsonl",
                                  "eval_independent5_a.jsonl", "eval_independent5_b.jsonl", "eval_independent5_c.jsonl",
                                  "eval_independent6_a.jsonl", "eval_independent6_b.jsonl", "eval_independent6_c.jsonl",
                                  "eval_independent7_a.jsonl", "eval_independent7_b.jsonl", "eval_independent7_c.jsonl",
                                  "eval_independent8_a.jsonl", "eval_independent8_b.jsonl", "eval_independent8_c.jsonl",
                                  "eval_independent9_a.jsonl", "eval_independent9_b.jsonl", "eval_independent9_c.jsonl",
                                  "eval_independent10_a.jsonl", "eval_independent10_b.jsonl",
                                  "eval_independent10_c.jsonl", "eval_independent11_a.jsonl",
                                  "eval_independent11_b.jsonl", "eval_independent11_c.jsonl",
                                  "eval_independent12_a.jsonl", "eval_independent12_b.jsonl",
                                  "eval_independent12_c.jsonl", "eval_independent13_a.jsonl",
                                  "eval_independent13_b.jsonl", "eval_independent13_c.jsonl", "eval_independent14_a.jsonl",
                                  "eval_independent14_b.jsonl", "eval_independent14_c.jsonl",
                                  "eval_independent15_a.jsonl", "eval_independent15_b.jsonl",
                                  "eval_independent15_c.jsonl", "eval_independent16_a.jsonl",
                                  "eval_independent16_b.jsonl", "eval_independent16_c.jsonl",
                                  "eval_independent17_a.jsonl", "eval_independent17_b.jsonl",
                                  "eval_independent17_c.jsonl", "eval_independent18_a.jsonl",
                                  "eval_independent18_b.jsonl", "eval_independent18_c.jsonl",
                                  "eval_independent19_a.jsonl", "eval_independent19_b.jsonl",
                                  "eval_independent19_c.jsonl", "eval_independent20_a.jsonl",
                                  "eval_independent20_b.jsonl", "eval_independent20_c.jsonl",
                                  "eval_independent21_a.jsonl", "eval_independent21_b.jsonl",
                                  "eval_independent21_c.jsonl", "eval_independent22_a.jsonl",
                                  "eval_independent22_b.jsonl", "eval_independent22_c.jsonl", "eval_independent23_a.jsonl",
                                  "eval_independent23_b.jsonl", "eval_independent23_c.jsonl", "eval_independent24_a.jsonl",
                                  "eval_independent24_b.jsonl", "eval_independent24_c.jsonl", "eval_independent25_a.jsonl",
                                  "eval_independent25_b.jsonl", "eval_independent25_c.jsonl", "eval_independent26_a.jsonl",
                                  "eval_independent26_b.jsonl", "eval_independent26_c.jsonl", "eval_independent27_a.jsonl",
                                  "eval_independent27_b.jsonl", "eval_independent27_c.jsonl", "eval_independent28_a.jsonl",
                                  "eval_independent28_b.jsonl", "eval_independent28_c.jsonl", "eval_independent29_a.jsonl",
                                  "eval_independent29_b.jsonl", "eval_independent29_c.jsonl", "eval_independent30_a.jsonl",
                                  "eval_independent30_b.jsonl", "eval_independent30_c.jsonl", "eval_independent31_a.jsonl",
                                  "eval_independent31_b.jsonl", "eval_independent31_c.jsonl", "eval_independent32_a.jsonl",
                                  "eval_independent32_b.jsonl", "eval_independent32_c.jsonl", "eval_lang_fr.jsonl", "eval_lang_de.jsonl", "eval_lang_es.jsonl", "eval_lang_pt.jsonl",
                                  "eval_lang2_fr.jsonl", "eval_lang2_de.jsonl", "eval_lang2_es.jsonl",
                                  "eval_lang2_pt.jsonl", "eval_lang3_it.jsonl", "eval_lang3_nl.jsonl"])
def test_evaluation_set_does_not_overlap_training_data(dev_data_path, name):
    train = {_norm(r["text"]) for r in _load(dev_data_path)}
    for training in TRAINING_FILES:
        if (DATA / training).is_file():
            train |= {_norm(r["text"]) for r in _load(DATA / training)}
    evaluation = [_norm(r["text"]) for r in _load(DATA / name)]
    leaked = [t for t in evaluation if t in train]
    # a few stock lines (disclaimers, "please consider the environment") may coincide; content may not
    assert len(leaked) <= 5, leaked


def test_flip_rows_join_the_training_rows_only_when_asked(dev_data_path):
    from training.signals.corpus import FLIP_PATHS, training_parts

    assert {p.name for p in FLIP_PATHS} == {"train_flip_a.jsonl", "train_flip_b.jsonl"}
    plain = training_parts(dev_path=dev_data_path)
    flip = training_parts(dev_path=dev_data_path, flip=True)
    flip_texts = {r["text"] for p in FLIP_PATHS for r in _load(p)}
    seen = lambda parts: [r["text"] for k in ("train", "tune") for r in parts[k]]  # noqa: E731
    assert not flip_texts & set(seen(plain))
    assert flip_texts <= set(seen(flip))
    assert len(seen(flip)) - len(seen(plain)) == sum(len(_load(p)) for p in FLIP_PATHS)
    assert [r["id"] for r in flip["heldout"]] == [r["id"] for r in plain["heldout"]]  # held-out untouched


def test_language_rows_join_the_training_rows_only_when_asked(dev_data_path):
    from training.signals.corpus import LANGUAGE_EVAL3_PATHS, LANGUAGE_EVAL_PATHS, LANGUAGE_PATHS, training_parts

    plain = training_parts(dev_path=dev_data_path)
    lang = training_parts(dev_path=dev_data_path, languages=True)
    rows = [r for k in ("train", "tune") for r in lang[k] if r.get("source") == "language"]
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for p in LANGUAGE_PATHS for r in _load(p))
    assert not any(r.get("source") == "language" for k in ("train", "tune") for r in plain[k])
    assert [r["id"] for r in lang["heldout"]] == [r["id"] for r in plain["heldout"]]
    # the blind rows in the same languages are not training rows: four of 1,066 coincide with a training
    # row, three stock lines ("Merci, bien reçu.") and one stock phrase of praise
    blind = {_norm(r["text"]) for p in LANGUAGE_EVAL_PATHS + LANGUAGE_EVAL3_PATHS for r in _load(p)}
    assert len(blind & {_norm(r["text"]) for r in rows}) <= 5


def test_language_rows_can_be_limited_to_some_languages(dev_data_path):
    """``language_codes`` (``train --language-codes``): the depth model is fitted on a route of four
    languages while the shipped detector reads six (Makefile)."""
    from training.signals.corpus import LANGUAGE_PATHS, LANGUAGES, training_parts

    four = training_parts(dev_path=dev_data_path, only_languages=True, language_codes=("fr", "de", "es", "pt"))
    six = training_parts(dev_path=dev_data_path, only_languages=True)
    ids = lambda parts: {r["id"] for k in ("train", "tune") for r in parts[k]}  # noqa: E731
    by_language = {k: {r["id"] for r in _load(p)} for k, p in zip(LANGUAGES, LANGUAGE_PATHS)}
    assert ids(four) == set().union(*(by_language[k] for k in ("fr", "de", "es", "pt")))
    assert ids(six) == set().union(*by_language.values()) and ids(six) > ids(four)


def test_mixed_pair_rows_join_two_label_sets_into_one_paragraph():
    """``mixed_pairs`` rows: two labelled English snippets of the training rows with different label
    sets, joined into one paragraph and labelled with both; the same rows for the same seed; never a
    whole-mail, language or unlabelled row."""
    from training.signals.corpus import mixed_pair_rows, training_parts

    rows = training_parts(mail="quote")["train"]
    pairs = mixed_pair_rows(rows, 200)
    assert len(pairs) == 200 and pairs == mixed_pair_rows(rows, 200) and pairs != mixed_pair_rows(rows, 200, seed=14)
    by_id = {r["id"]: r for r in rows}
    for p in pairs:
        a, b = (by_id[i] for i in p["pair_of"])
        assert set(a["labels"]) != set(b["labels"]) and a["labels"] and b["labels"]
        assert p["labels"] == sorted(set(a["labels"]) | set(b["labels"])) and p["source"] == "pair"
        assert a.get("source") not in ("mail", "language") and b.get("source") not in ("mail", "language")
        assert "\n" not in p["text"]
    same = [{"id": f"s{i}", "text": "Thanks!", "labels": ["appreciation"]} for i in range(3)]
    assert mixed_pair_rows(same, 5) == []  # one label set only: nothing to join, and no endless draw
