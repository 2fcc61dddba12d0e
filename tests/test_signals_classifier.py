"""The ``signal_classifier`` component: fast scoring equals the training-time feature matrix,
serialization round-trips without pickle, odd docs in a batch, fitting on real data."""

from __future__ import annotations

import json

import numpy as np
import pytest
import spacy
from sklearn.metrics import roc_auc_score

from analyzer.errors import ModelError
from training.signals.fit import fit_classifier, matrix, occurrences
from analyzer.signals.boilerplate import STARTERS, boilerplate_kind
from analyzer.signals.labels import LABELS
from analyzer.signals.linear import SCORES_KEY
from analyzer.signals.pipeline import CLASSIFIER, load_pipeline
from analyzer.signals.quoted import strip_quoted

MULTI = ("Hi Dana,\nSorry for the slow reply, it was a crazy week. The board loved the launch deck. "
         "Could you tell us how you would position the new tier? Also, heads-up: budgets may be cut in Q3. "
         "We need to cancel Friday's call. Thanks, Ann")


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def _reference(clf, doc, start, end):
    """Score of a token range from the training-time feature matrix (the definition)."""
    occ = occurrences(clf, doc, start, end)  # (keys, multipliers[, blocks]): passed to matrix as it is
    x = matrix([occ], clf.keys_, clf.idf_.astype("f8"), clf.unknown_value, clf.norm_blocks)
    if x.nnz == 0:
        return np.zeros(len(clf.labels))
    z = np.asarray(x @ clf.weights_.astype("f8")).ravel() + clf.bias_
    return 1.0 / (1.0 + np.exp(-z))


def _furniture(sent) -> bool:
    """What the classifier treats as furniture: a short sentence that may be one (first word a
    greeting or sign-off word, at most three tokens, or starting with whitespace) and is one."""
    maybe = len(sent) <= 16 and (sent[0].lower_ in STARTERS or len(sent) <= 3 or sent[0].is_space)
    return bool(maybe and boilerplate_kind(sent.text))


def test_fast_scores_equal_reference_matrix(nlp, dev_data_path):
    clf = nlp.get_pipe(CLASSIFIER)
    texts = [json.loads(line)["text"] for line in dev_data_path.read_text(encoding="utf-8").splitlines()[:40]]
    docs = list(nlp.pipe([MULTI] + [strip_quoted(t) for t in texts]))
    for doc in docs:
        ranges, sent, win, evidence = doc.user_data[SCORES_KEY]
        assert len(ranges) == len(list(doc.sents))
        n = len(ranges)
        for i, (a, b) in enumerate(ranges.tolist()):
            assert np.allclose(sent[i], _reference(clf, doc, a, b), atol=1e-5)
            lo, hi = ranges[max(0, i - clf.context), 0], ranges[min(n - 1, i + clf.context), 1]
            assert np.allclose(win[i], _reference(clf, doc, lo, hi), atol=1e-5)
            lo_k, hi_k = max(0, i - clf.context), min(n, i + clf.context + 1)
            assert (evidence[i] >= lo_k).all() and (evidence[i] < hi_k).all()
            # the best own score in the window, over the sentences that are not mail furniture
            plain = [j for j in range(lo_k, hi_k) if not _furniture(doc[ranges[j, 0]:ranges[j, 1]])]
            if plain:
                assert np.allclose(sent[evidence[i], np.arange(len(LABELS))], sent[plain].max(axis=0))
            else:
                assert (evidence[i] == i).all()
        assert np.allclose([doc.cats[lab] for lab in LABELS], np.maximum(win.max(axis=0), 0), atol=1e-6) or \
            doc.spans["signals"]


def test_silent_furniture_scores_equal_reference_and_silence_bare_courtesy():
    """With ``silent_furniture`` (not shipped), the words of furniture sentences, bare courtesy
    included, count in no score: the fast scores still equal the training-time features, which leave
    out the same tokens; a bare "Thank you so much!!" scores nothing, carries no label and lends none
    to the logistics line before it."""
    from analyzer.signals.pipeline import DEFAULT_MODEL, _load

    nlp = _load(DEFAULT_MODEL)  # a private copy: the flag is switched on it only
    clf = nlp.get_pipe(CLASSIFIER)
    clf.silent_furniture = True
    texts = ["Sending all three through ShareFile now.\nThank you so much!!", MULTI,
             "Perfect!! The launch went really well and the board loved the deck. Thanks, Ann"]
    for doc in nlp.pipe(texts):
        quiet = clf.quiet_tokens(doc)
        ranges, sent, win, _ = doc.user_data[SCORES_KEY]
        n = len(ranges)
        for i, (a, b) in enumerate(ranges.tolist()):
            assert np.allclose(sent[i], _reference(clf, doc, a, b), atol=1e-5)
            lo, hi = ranges[max(0, i - clf.context), 0], ranges[min(n - 1, i + clf.context), 1]
            assert np.allclose(win[i], _reference(clf, doc, lo, hi), atol=1e-5)
            if quiet[a:b].all():
                assert not sent[i].any()
        assert not any("Thank you so much" in s.text or s.text.strip() == "Perfect!!" for s in doc.spans["signals"])
    first = nlp(texts[0])
    assert quiet_lines(clf, first) == ["Thank you so much!!"]
    assert not list(first.spans["signals"])


def quiet_lines(clf, doc) -> list[str]:
    q = clf.quiet_tokens(doc)
    return [s.text.strip() for s in doc.sents if q[s.start:s.end].all()]


def test_evidence_sentence_is_one_row_per_sentence_and_label(nlp):
    doc = nlp(MULTI)
    keys = [(s.start, s.label_) for s in doc.spans["signals"]]
    assert len(keys) == len(set(keys))
    by_label = {s.label_: s.text for s in doc.spans["signals"]}
    assert "slow reply" in by_label.get("apology", "")
    assert "cancel" in by_label.get("cancellation", "")


def test_round_trip_disk_and_bytes_without_pickle(nlp, tmp_path):
    clf = nlp.get_pipe(CLASSIFIER)
    clf.to_disk(tmp_path / "clf")
    files = sorted(p.name for p in (tmp_path / "clf").iterdir())
    assert files == ["bias.npy", "cfg.json", "idf.npy", "keys.npy", "weights.npy"]
    for name in files:
        if name.endswith(".npy"):
            np.load(tmp_path / "clf" / name, allow_pickle=False)  # plain arrays, no pickled objects
    with nlp.select_pipes(enable=["sentencizer", "lemmatizer"]):  # no rule spans: same input for both
        docs = list(nlp.pipe([MULTI, "We can't pay that much for a video."]))
    expected = clf.score_batch(docs)
    fresh = spacy.blank("en")
    for restored in (fresh.add_pipe("signal_classifier", name="a").from_disk(tmp_path / "clf"),
                     fresh.add_pipe("signal_classifier", name="b").from_bytes(clf.to_bytes())):
        assert restored.labels == clf.labels and np.array_equal(restored.keys_, clf.keys_)
        for got, want in zip(restored.score_batch(docs), expected):
            assert np.array_equal(got[0], want[0]) and np.allclose(got[2], want[2], atol=1e-6)


def test_round_trip_scores_identical(nlp, tmp_path):
    nlp.to_disk(tmp_path / "model")
    again = spacy.load(tmp_path / "model")
    texts = [MULTI, "No worries at all, these things happen.", "Our IT vendor will reset the VPN tonight."]
    for a, b in zip(nlp.pipe(texts), again.pipe(texts)):
        assert np.array_equal(a.user_data[SCORES_KEY][2], b.user_data[SCORES_KEY][2])
        assert [(s.start, s.label_) for s in a.spans["signals"]] == [(s.start, s.label_) for s in b.spans["signals"]]


def test_odd_docs_in_one_batch(nlp):
    texts = ["", "   \n\n ", "Ok.", "?!", MULTI, "", "Thanks!"]
    docs = list(nlp.pipe(texts, batch_size=3))
    assert [d.text for d in docs] == texts
    for d in docs:
        assert set(d.cats) == set(LABELS)
        ranges, sent, win, evidence = d.user_data[SCORES_KEY]
        assert sent.shape == win.shape == evidence.shape == (len(ranges), len(LABELS))
    assert not docs[0].spans["signals"] and not docs[2].spans["signals"]


def test_untrained_component_is_a_clear_error():
    blank = spacy.blank("en")
    clf = blank.add_pipe("signal_classifier")
    with pytest.raises(ModelError, match="not trained"):
        clf(blank("hello there"))
    with pytest.raises(ModelError, match="cannot read"):
        clf.from_disk("/nonexistent/folder")


def test_fit_learns_from_real_rows(nlp, dev_data_path):
    rows = [json.loads(line) for line in dev_data_path.read_text(encoding="utf-8").splitlines() if line.strip()][:400]
    blank = spacy.blank("en")
    blank.add_pipe("sentencizer")
    docs = list(blank.pipe(strip_quoted(r["text"]) for r in rows))
    clf = blank.add_pipe("signal_classifier", config={"rules_pipe": ""})
    y = np.array([[lab in r["labels"] for lab in LABELS] for r in rows], dtype=int)
    fit_classifier(clf, docs[:300], y[:300], C=10.0, min_df=1)
    scores = np.array([r[2].max(axis=0) for r in clf.score_batch(docs[300:])])
    gold = y[300:].astype(bool)
    # on unseen rows, a label's texts rank above the others (chance: AUC 0.5)
    aucs = [roc_auc_score(gold[:, j], scores[:, j]) for j in range(len(LABELS)) if 0 < gold[:, j].sum() < len(gold)]
    assert len(aucs) >= 10 and np.mean(aucs) > 0.85, aucs


@pytest.mark.parametrize("norm_blocks, skip_space, pair_window",
                         [(False, False, 0), (True, False, 0), (True, True, 0), (True, True, 4), (False, False, 3)])
def test_both_norms_score_as_their_reference(dev_data_path, norm_blocks, skip_space, pair_window):
    """A classifier fitted with one norm over all features or one per block (words vs char n-grams),
    with or without word pairs, scores sentences and windows at run time exactly as the training-time
    matrix defines them."""
    rows = [json.loads(line) for line in dev_data_path.read_text(encoding="utf-8").splitlines() if line.strip()][:200]
    blank = spacy.blank("en")
    blank.add_pipe("sentencizer")
    docs = list(blank.pipe([MULTI, "Hi Ann,\n\n  Thanks!\n\n\nBest"] + [strip_quoted(r["text"]) for r in rows]))
    clf = blank.add_pipe("signal_classifier", config={"rules_pipe": "", "norm_blocks": norm_blocks,
                                                      "skip_space": skip_space, "pair_window": pair_window})
    y = np.array([[lab in r["labels"] for lab in LABELS] for r in rows], dtype=int)
    fit_classifier(clf, docs[2:], y, C=10.0, min_df=1)
    assert clf.norm_blocks is norm_blocks and clf.skip_space is skip_space and clf.pair_window == pair_window
    if pair_window:  # word pairs are features the model learnt (min_df=1: every pair of a training text)
        from analyzer.signals.hashing import pair_keys

        lower = docs[2].to_array("LOWER").astype("uint64")
        assert np.isin(pair_keys(lower[:-2], lower[2:]), clf.keys_).any()
    for doc, (ranges, sent, win, _) in zip(docs[:30], clf.score_batch(docs[:30])):
        for (a, b), own in zip(ranges.tolist(), sent):
            np.testing.assert_allclose(own, _reference(clf, doc, a, b), atol=2e-5)
        if len(ranges) <= 3:  # with one sentence of context, the middle window is the whole text
            np.testing.assert_allclose(win[len(ranges) // 2], _reference(clf, doc, 0, len(doc)), atol=2e-5)


def test_a_docs_scores_do_not_depend_on_its_batch(nlp, dev_data_path, monkeypatch):
    """Each sentence and window is summed from its own tokens (analyzer.signals.range_sums), so a doc
    scores bit for bit the same alone, after other docs in one batch, and after the word-type table
    has been emptied (analyzer.signals.type_table: bounded memory)."""
    import analyzer.signals.type_table as type_table

    clf = nlp.get_pipe(CLASSIFIER)
    texts = [json.loads(line)["text"] for line in dev_data_path.read_text(encoding="utf-8").splitlines()[:60]]
    texts.append(MULTI)
    with nlp.select_pipes(disable=[n for n in nlp.pipe_names if n.startswith("signal_combiner")
                                   or n == CLASSIFIER or n.endswith("_languages")]):
        docs = list(nlp.pipe([strip_quoted(t) for t in texts]))
    together = clf.score_batch(docs)
    monkeypatch.setattr(type_table, "TYPE_CACHE_MAX", 50)  # the table starts afresh on nearly every doc
    clf._types.reset()
    for doc, batch_scores in zip(docs, together):
        alone = clf.score_batch([doc])[0]
        assert len(alone[0]) == len(batch_scores[0]) > 0
        for got, want in zip(alone, batch_scores):
            assert np.array_equal(got, want)
    assert len(clf._types) <= 50 + max(len(d) for d in docs)
