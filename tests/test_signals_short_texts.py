"""Bare replies: a text whose readable sentences hold fewer than ``min_model_words`` words takes
labels from rules only (``analyzer/signals/combine.py``, ``models/depth/CANDIDATE60.md``)."""

from __future__ import annotations

import pytest
import spacy

from analyzer.signals.combine import SHORT_TEXT_WORDS
from analyzer.signals.labels import LABELS
from analyzer.signals.pipeline import DEFAULT_MODEL
from training.signals.thresholds import set_thresholds


@pytest.fixture(scope="module")
def eager():
    """A private copy of the shipped pipeline whose classifier finds every label on every window:
    what the condition keeps out is then all that stands between a text and model labels."""
    nlp = spacy.load(DEFAULT_MODEL)
    set_thresholds(nlp, dict.fromkeys(LABELS, 0.0), rule_floors=dict.fromkeys(LABELS, 0.0), long_margin=0.0)
    return nlp


def found(nlp, text: str) -> list[tuple[str, str]]:
    doc = nlp(text)
    return sorted((s.label_, s.id_) for s in doc.spans["signals"])


@pytest.mark.parametrize("text", ["fine", "No.", "Ok. Go.", "B.", "Thank you.",
                                  "Hi Anna,\n\nfine by me\n\nBest,\nBob",  # greeting and sign-off are not words read
                                  "Dear Ms Brandt,\n\nGood, go ahead.\n\nKind regards,\nJohann Weber"])
def test_a_bare_reply_gets_no_label_from_the_classifier(eager, text):
    combiner = eager.get_pipe("signal_combiner")
    combiner.min_model_words = 0
    assert found(eager, text)  # every label passes its (zero) threshold
    combiner.min_model_words = 4
    assert found(eager, text) == []


def test_four_words_are_read_and_rule_hits_count_in_any_text(eager):
    combiner = eager.get_pipe("signal_combiner")
    combiner.min_model_words = 4
    assert found(eager, "Fine, go with option B.")  # four words ("B." is no word): read
    assert found(eager, "No harm done.") == [("forgiveness", "forgiveness/no_harm")]
    assert found(eager, "Any discount?") == [("fee_pushback", "fee_pushback/any_discount")]


def test_a_long_text_is_never_short_whatever_its_furniture(eager):
    combiner = eager.get_pipe("signal_combiner")
    combiner.min_model_words = 4
    sign_off = "Kind regards,\n" + " ".join(["Name"] * SHORT_TEXT_WORDS)
    assert found(eager, "fine\n\n" + sign_off)


def test_the_shipped_pipeline_reads_bare_replies_by_rules_only():
    from analyzer.signals.pipeline import load_pipeline

    nlp = load_pipeline()
    assert nlp.get_pipe("signal_combiner").min_model_words == 4
    assert nlp.get_pipe("signal_combiner_languages").min_model_words == 4
    for text in ("No.", "fine", "Ok. Go.", "Thank you.", "Sí.", "Não."):
        doc = nlp(text)
        assert list(doc.spans["signals"]) == [], text


def test_the_training_config_keeps_the_condition():
    nlp = spacy.blank("en")  # the combiner's factory is registered by the import of analyzer.signals.combine
    combiner = nlp.add_pipe("signal_combiner", config={"min_model_words": 4})
    set_thresholds(nlp, dict.fromkeys(LABELS, 0.5))
    assert nlp.get_pipe("signal_combiner").min_model_words == 4 and combiner is not nlp.get_pipe("signal_combiner")


def test_the_word_count_read_as_an_array_decides_as_token_by_token(eager):
    """``_too_short`` counts alphabetic tokens from ``doc.to_array`` (no Token objects); on real list
    mail, the labelled snippets and edge texts it decides exactly as the token-by-token count did."""
    import json
    from pathlib import Path

    from analyzer.ingest.pipeline import ingest

    combiner = eager.get_pipe("signal_combiner")

    def reference(doc, bounds, courtesy):  # the count as it was written before
        words = [t.is_alpha for t in doc]
        total = sum(words)
        if total < combiner.min_model_words:
            return True
        if total >= SHORT_TEXT_WORDS:
            return False
        kept = sum(sum(words[a:b]) for a, b in bounds if combiner.may_carry_label(doc[a:b].text, courtesy))
        return kept < combiner.min_model_words

    realmail = Path(__file__).resolve().parents[2] / "shared" / "realmail" / "bigbang" / "tests" / "data" / "3GPP"
    texts = ["", " ", "fine", "Ok. Go.", "Hi Anna,\n\nfine by me\n\nBest,\nBob", "123 456 !!!", "Thank you so much, Jo."]
    texts += [json.loads(line)["text"] for line in
              (Path(__file__).resolve().parents[1] / "data" / "signals" / "eval_independent.jsonl").read_text().splitlines()[:300]]
    if realmail.exists():
        texts += [t for t in ingest([str(realmail)], jobs=1).messages["new_text"] if isinstance(t, str)][:200]
    decided = 0
    for min_words in (1, 4, 12):
        combiner.min_model_words = min_words
        for text in texts:
            doc = eager(text)
            bounds = [(s.start, s.end) for s in doc.sents]
            for courtesy in (False, True):
                assert combiner._too_short(doc, bounds, courtesy) == reference(doc, bounds, courtesy), text
                decided += 1
    combiner.min_model_words = 4
    assert decided > 2000
