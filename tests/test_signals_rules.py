"""The rule component: pattern files, matching, vetoes and serialization with the pipeline."""

from __future__ import annotations

import json

import pytest
import spacy

import analyzer.signals.rules  # noqa: F401  (registers the factory)
from analyzer.errors import ModelError
from analyzer.signals.labels import LABELS
from analyzer.signals.quoted import strip_quoted
from analyzer.signals.rules import PATTERNS_DIR, read_pattern_files


@pytest.fixture(scope="module")
def rules_nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("signal_rules")
    nlp.initialize()  # spacy-lookups-data at build time; the rules load the shipped pattern files
    return nlp


def _hits(nlp, text):
    doc = nlp(text)
    return {(s.label_, s.id_) for s in doc.spans["signal_rules"]}


def test_every_label_has_a_pattern_file_with_unique_ids():
    rules = read_pattern_files()
    assert {p.stem for p in PATTERNS_DIR.glob("*.jsonl")} == set(LABELS)
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert all(r["id"].split("/")[0] == r["label"] for r in rules)


@pytest.mark.parametrize("text,label,rule", [
    ("Apologies for the delay with the drawings.", "apology", "apology/sorry_for_fault"),
    ("That's on us, we'll fix it today.", "apology", "apology/that_s_on_us"),
    ("No harm done, the client never noticed.", "forgiveness", "forgiveness/no_harm_done"),
    ("I've passed your details to the head of marketing at Brixton Foods.", "referral", "referral/passed_your_details"),
    ("All suppliers must register in the vendor portal by Friday.", "supplier_label", "supplier_label/all_suppliers"),
    ("We cancelled the shoot.", "cancellation", "cancellation/cancelled"),  # LOWER form
    ("We have to postpone the workshop.", "cancellation", "cancellation/cancel"),  # LEMMA of postpone
])
def test_cue_spans_carry_label_and_rule_id(rules_nlp, text, label, rule):
    assert (label, rule) in _hits(rules_nlp, text)


def test_veto_marks_sympathy_not_apology(rules_nlp):
    hits = _hits(rules_nlp, "So sorry to hear about your father.")
    assert ("not:apology", "apology/not_sorry_to_hear") in hits
    assert not any(label == "apology" for label, _ in hits)


def test_serialization_round_trip(rules_nlp, tmp_path):
    text = "Sorry for the confusion. Great job on the launch, and I've recommended you to Sam at Hale."
    doc = rules_nlp(text)
    before = [(s.start, s.end, s.label_, s.id_) for s in doc.spans["signal_rules"]]
    assert len(before) >= 3
    rules_nlp.to_disk(tmp_path / "p")
    stored = [json.loads(line) for line in (tmp_path / "p" / "signal_rules" / "patterns.jsonl").read_text().splitlines()]
    assert len(stored) == len(rules_nlp.get_pipe("signal_rules").rules)
    loaded = spacy.load(tmp_path / "p")
    doc2 = loaded(text)
    assert [(s.start, s.end, s.label_, s.id_) for s in doc2.spans["signal_rules"]] == before
    blank = spacy.blank("en").add_pipe("signal_rules")
    blank.from_bytes(rules_nlp.get_pipe("signal_rules").to_bytes())
    assert len(blank.rules) == len(stored)


def test_bad_pattern_files_name_the_line(tmp_path):
    (tmp_path / "apology.jsonl").write_text('{"id": "apology/a", "label": "apology", "phrase": "my bad"}\n{oops\n')
    with pytest.raises(ModelError, match=r"apology.jsonl:2"):
        read_pattern_files(tmp_path)
    (tmp_path / "apology.jsonl").write_text('{"id": "x", "label": "nonsense", "phrase": "my bad"}\n')
    with pytest.raises(ModelError, match="unknown label"):
        read_pattern_files(tmp_path)
    nlp = spacy.blank("en")
    rules = nlp.add_pipe("signal_rules")
    with pytest.raises(ModelError, match="invalid pattern"):
        rules.add_patterns([{"id": "apology/bad", "label": "apology", "pattern": [{"NOT_AN_ATTR": "x"}]}])


@pytest.mark.parametrize("text,expected", [
    ("No harm done!\n\nOn Mon 3 Jun, Priya wrote:\n> Apologies, I copied the wrong client.", "No harm done!"),
    ("On 3 May, Kate wrote:\n> We missed the cut-off, sorry.\n\nAll good Kate.", "All good Kate."),
    ("Forget it.\n\n-----Original Message-----\nI can only apologise.", "Forget it."),
    ("Thanks\n\nFrom: Bob <b@example.com>\nSent: Monday\nTo: Ann\n\nold text", "Thanks"),
    ("From: our side, all fine.", "From: our side, all fine."),
    ("", ""),
])
def test_strip_quoted(text, expected):
    assert strip_quoted(text) == expected


def test_cues_that_only_explain_survive_serialization(rules_nlp, tmp_path):
    """Rules measured imprecise on the training data carry ``"decides": false``; the flag is data and
    travels with the pipeline."""
    component = rules_nlp.get_pipe("signal_rules")
    explain_only = [r["id"] for r in component.rules if r.get("decides") is False]
    assert "cancellation/cancel" in explain_only and not component.decides("cancellation/cancel")
    assert component.decides("apology/i_am_sorry")
    blank = spacy.blank("en").add_pipe("signal_rules")
    blank.from_bytes(component.to_bytes())
    assert [r for r in explain_only if blank.decides(r)] == []
    with pytest.raises(ModelError, match="decides"):
        blank.add_patterns([{"id": "apology/x", "label": "apology", "phrase": "my bad", "decides": "no"}])


def test_explain_only_cue_needs_the_model_and_then_names_the_rule():
    from analyzer.signals.pipeline import DEFAULT_MODEL
    from training.signals.thresholds import set_thresholds

    nlp = spacy.load(DEFAULT_MODEL)  # private copy: thresholds change below
    thresholds = dict(nlp.get_pipe("signal_combiner").thresholds)
    text = "We have to cancel Friday's workshop, the CEO is travelling."

    def cancellation(t):
        doc = nlp(t)
        return [(s._.signal_rule_id, s._.signal_explanation) for s in doc.spans["signals"] if s.label_ == "cancellation"]

    set_thresholds(nlp, thresholds, rule_floors=dict.fromkeys(LABELS, 0.0))
    found = cancellation(text)
    assert found and found[0][0] == "cancellation/cancel" and "model" in found[0][1]  # model found it, rule named
    set_thresholds(nlp, dict.fromkeys(LABELS, 2.0), rule_floors=dict.fromkeys(LABELS, 0.0))
    assert cancellation(text) == []  # the cue alone does not decide
    doc = nlp("I'm so sorry for the mix-up.")
    assert any(s.label_ == "apology" for s in doc.spans["signals"])  # a deciding rule does
