"""Batch code paths of the signal components give exactly the results of their plain per-doc
definitions, on real mail and the dev data: the rule gate (``rule_gate``), the vectorised lookup
lemmatizer, ``frozen_heap`` around ``nlp.pipe``, and the classifier's token-bounded batches."""

from __future__ import annotations

import gc
import json
import mailbox

import numpy as np
import pytest
import spacy
from spacy.attrs import LEMMA, LOWER

import analyzer.signals.lemmatizer  # (registers the factory)
import analyzer.signals.linear as linear
import analyzer.signals.rules  # noqa: F401  (registers the factory)
from analyzer.signals.detect import detect_signals, frozen_heap
from analyzer.signals.linear import SCORES_KEY
from analyzer.signals.pipeline import load_pipeline
from analyzer.signals.quoted import strip_quoted
from analyzer.signals.rule_gate import _width

#: Patterns with every operator the gate reasons about (on top of the shipped ones).
EXTRA_RULES = [
    {"id": "complaint/x_plus", "label": "complaint", "pattern": [{"LOWER": "very", "OP": "+"}, {"LEMMA": "late"}]},
    {"id": "complaint/x_not", "label": "complaint", "pattern": [{"LOWER": "the"}, {"LOWER": "meeting", "OP": "!"}]},
    {"id": "complaint/x_count", "label": "complaint",
     "pattern": [{"LEMMA": "be"}, {"LOWER": {"IN": ["not", "never"]}, "OP": "{1,2}"}, {"OP": "{0,2}"},
                 {"LOWER": {"IN": ["happy", "ok", "good"]}}]},
    {"id": "complaint/x_star", "label": "complaint", "pattern": [{"LOWER": "please"}, {"OP": "*"}, {"LOWER": "asap"}]},
    {"id": "complaint/x_anchorless", "label": "complaint", "pattern": [{"IS_PUNCT": True}, {"IS_PUNCT": True}]},
    {"id": "appreciation/x_literal", "label": "appreciation", "pattern": [{"LEMMA": "thank"}, {"LOWER": "you"}]},
    {"id": "appreciation/x_literal_rep", "label": "appreciation", "pattern": [{"LOWER": "very"}, {"LOWER": "very"}]},
]


def _texts(realmail, dev_data_path) -> list[str]:
    texts = [json.loads(line)["text"] for line in dev_data_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted((realmail / "bigbang").rglob("*.mbox"))[:3]:
        for msg in mailbox.mbox(str(path)):
            for part in msg.walk():
                if part.get_content_type() == "text/plain":
                    body = (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
                    texts.append(strip_quoted(body))
                    break
    return texts + ["", "   ", "Thank you very very much.", "He is not not happy. Please, send it asap.", "It was very very late again."]


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lookup_lemmatizer", name="lemmatizer")
    rules = nlp.add_pipe("signal_rules")
    nlp.initialize()  # lemma tables from spacy-lookups-data, the shipped pattern files
    rules.add_patterns(EXTRA_RULES)
    return nlp


def _plain_rule_hits(rules, doc) -> list[tuple[int, int, int]]:
    """The definition: phrases, anchorless patterns, then each gated pattern's own Matcher whenever
    the doc contains a word of each of its anchor sets (as LOWER or LEMMA)."""
    present = set(doc.to_array([LOWER, LEMMA]).ravel().tolist())
    matches = rules.phrase_matcher(doc) + (rules.matcher(doc) if len(rules.matcher) else [])
    for pattern in rules._gate.patterns:
        if len(doc) and all(not words.isdisjoint(present) for words in pattern.anchors):
            matches += pattern.matcher(doc)
    return list(dict.fromkeys(matches))


@pytest.mark.parametrize("batch_size", [1, 64])
def test_gated_rules_equal_plain_matching(nlp, realmail, dev_data_path, batch_size):
    texts = _texts(realmail, dev_data_path)
    rules = nlp.get_pipe("signal_rules")
    with nlp.select_pipes(disable=["signal_rules"]):
        docs = list(nlp.pipe(texts))
    strings = nlp.vocab.strings
    expected = [[(strings[k], s, e) for k, s, e in _plain_rule_hits(rules, doc)] for doc in docs]
    got = [[(s.id_, s.start, s.end) for s in doc.spans["signal_rules"]] for doc in rules.pipe(docs, batch_size=batch_size)]
    assert got == expected
    fired = {rule_id for hits in got for rule_id, _, _ in hits}
    assert {"complaint/x_plus", "complaint/x_count", "complaint/x_star", "appreciation/x_literal",
            "appreciation/x_literal_rep", "complaint/x_anchorless"} <= fired  # the odd operators really ran
    assert sum(map(len, got)) > 100


def test_doc_without_lemmas_takes_the_plain_path(nlp):
    rules = nlp.get_pipe("signal_rules")
    doc = nlp.make_doc("We had to postpone it, sorry for the delay.")
    expected = [(nlp.vocab.strings[k], s, e) for k, s, e in _plain_rule_hits(rules, doc)]
    assert [(s.id_, s.start, s.end) for s in rules(doc).spans["signal_rules"]] == expected
    assert ("apology/sorry_for_fault", 6, 10) in expected
    late = nlp.make_doc("It was very very late.")  # a LEMMA pattern's Matcher runs: spaCy's error, as before
    with pytest.raises(ValueError, match="lemmatizer"):
        _plain_rule_hits(rules, late)
    with pytest.raises(ValueError, match="lemmatizer"):
        rules(late)


def test_operator_widths():
    assert [_width(s) for s in ({}, {"OP": "?"}, {"OP": "{0,3}"}, {"OP": "{2}"}, {"OP": "{1,}"}, {"OP": "+"},
                                {"OP": "!"}, {"OP": "{,4}"})] == \
        [(1, 1), (0, 1), (0, 3), (2, 2), (1, 1 << 30), (1, 1 << 30), (1, 1), (0, 4)]


def test_batched_lemmas_equal_spacys_lookup_lemmatizer(nlp, realmail, dev_data_path):
    texts = _texts(realmail, dev_data_path)
    reference = spacy.blank("en")
    reference.add_pipe("lemmatizer", config={"mode": "lookup"})
    reference.initialize()
    expected = [[t.lemma_ for t in doc] for doc in reference.pipe(texts)]
    with nlp.select_pipes(enable=["lemmatizer"]):
        assert [[t.lemma_ for t in doc] for doc in nlp.pipe(texts, batch_size=50)] == expected
        assert [[t.lemma_ for t in nlp(text)] for text in texts[:30]] == expected[:30]
    # lemmas set before the lemmatizer are kept (overwrite=False), per token
    lemmatizer = nlp.get_pipe("lemmatizer")
    doc = nlp.make_doc("She was running late")
    doc[1].lemma_ = "WAS"
    expected = [t.lemma_ for t in reference("She was running late")]
    assert expected[1] != "WAS" and expected[2] == "run"
    assert [t.lemma_ for t in lemmatizer(doc)] == expected[:1] + ["WAS"] + expected[2:]


def test_frozen_heap_freezes_only_inside_and_respects_an_outer_freeze():
    assert gc.get_freeze_count() == 0
    with frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        outer = gc.get_freeze_count()
        with frozen_heap():
            pass
        # not unfrozen (that would leave 0) nor frozen again (that would add the objects made since);
        # a frozen object freed meanwhile (another thread dropping its last reference) leaves the count
        count = gc.get_freeze_count()
        assert 0 < count <= outer and count > outer - 1000
    finally:
        gc.unfreeze()
    with pytest.raises(KeyError), frozen_heap():
        raise KeyError("x")
    assert gc.get_freeze_count() == 0  # unfrozen on errors too


def test_detect_signals_unchanged_by_frozen_heap():
    texts = ["Sorry for the delay with the drawings.", "Great job on the launch!", "Budget is 10k."]
    nlp = load_pipeline()
    plain = [sorted({s.label_ for s in doc.spans["signals"]}) for doc in nlp.pipe(texts)]
    assert detect_signals(texts) == plain
    assert gc.get_freeze_count() == 0


def test_classifier_scores_do_not_depend_on_batching(realmail, dev_data_path, monkeypatch):
    """Whole batches, batches cut at a small token budget (long mails alone) and single docs give the
    same window scores, cats and signals."""
    texts = _texts(realmail, dev_data_path)[-400:]
    nlp = load_pipeline()

    def run(batch_size):
        return [(d.user_data.get(SCORES_KEY), d.cats, sorted((s.start, s.label_) for s in d.spans["signals"]))
                for d in nlp.pipe(texts, batch_size=batch_size)]

    whole = run(1024)
    monkeypatch.setattr(linear, "MAX_BATCH_TOKENS", 300)
    assert max(len(d) for d in nlp.tokenizer.pipe(texts)) > 300  # some docs go alone
    for got in (run(1024), run(1)):
        for (s_a, cats_a, sig_a), (s_b, cats_b, sig_b) in zip(whole, got):
            assert sig_a == sig_b
            assert cats_a == pytest.approx(cats_b, abs=1e-5)
            if s_a is not None:
                for x, y in zip(s_a, s_b):
                    np.testing.assert_allclose(x, y, atol=1e-5)
    assert [len(p) for p in linear.token_bounded(list(nlp.tokenizer.pipe(["a b c", "d e", "f g h i"])), 5)] == [2, 1]
