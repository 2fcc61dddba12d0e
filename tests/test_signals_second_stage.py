"""The detector's second stage (analyzer.signals.second_stage): on short texts it keeps, adds and
drops the combiner's labels by its classifiers' probabilities, puts an added label on the best
sentence that may carry it, leaves long texts alone, and saves and loads its classifiers without
pickle. Built on ``spacy.blank("en")`` with scores set by hand, so every decision is known."""

from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest
import spacy
from sklearn.ensemble import HistGradientBoostingClassifier
from spacy.tokens import Span, SpanGroup

import analyzer.signals.pipeline  # noqa: F401  (registers the signal factories)
from analyzer.errors import ModelError
from analyzer.signals.combine import _KEY as RESULT_KEY
from analyzer.signals.labels import LABELS
from analyzer.signals.linear import SCORES_KEY
from analyzer.signals.second_stage import MODELS_FILE, N_FEATURES, SecondStage, text_features

J = {lab: j for j, lab in enumerate(LABELS)}


class Fixed:
    """A stand-in classifier: the same probability for every row."""

    def __init__(self, p: float):
        self.p = p

    def predict_proba(self, rows):
        return np.column_stack([np.full(len(rows), 1 - self.p), np.full(len(rows), self.p)])


def _nlp(max_labels: int = 3):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("paragraph_breaks")  # a blank line ends a sentence, as in the shipped pipeline
    nlp.add_pipe("signal_combiner", config={"max_labels": max_labels, "long_sentences": 4})
    nlp.add_pipe("signal_second_stage")
    return nlp


def _stage(nlp, probs: dict[str, float], threshold: float = 0.5) -> SecondStage:
    stage = nlp.get_pipe("signal_second_stage")
    stage.set_models([Fixed(probs.get(lab, 0.0)) for lab in LABELS], [threshold] * len(LABELS))
    return stage


def _doc(nlp, text: str, own: dict[str, list[float]], found: list[tuple[int, str]] = ()):
    """A doc of ``text`` (sentences split by the sentencizer) with hand-set scores: per label the
    sentences' own scores (window scores: their maximum), and spans of ``found`` (sentence, label) as
    the combiner would have left them."""
    doc = nlp.get_pipe("paragraph_breaks")(nlp.get_pipe("sentencizer")(nlp.make_doc(text)))
    sents = list(doc.sents)
    ranges = np.array([[s.start, s.end] for s in sents], dtype="i8")
    sent = np.zeros((len(sents), len(LABELS)), dtype="f4")
    for lab, values in own.items():
        sent[:, J[lab]] = values
    win = np.repeat(sent.max(axis=0, keepdims=True), len(sents), axis=0)
    doc.user_data[SCORES_KEY] = (ranges, sent, win, np.argmax(sent, axis=0)[None, :].repeat(len(sents), 0))
    spans = []
    for k, lab in found:
        span = Span(doc, int(ranges[k, 0]), int(ranges[k, 1]), label=lab)
        doc.user_data[(RESULT_KEY, span.start_char, span.end_char, lab)] = (0.7, 0.7, "", "model 0.70")
        spans.append(span)
    doc.spans["signals"] = SpanGroup(doc, name="signals", spans=spans)
    doc.cats = dict.fromkeys(LABELS, 0.0)
    return doc


def _labels(doc) -> list[tuple[str, str]]:
    return [(s.text, s.label_) for s in doc.spans["signals"]]


def test_features_are_window_and_sentence_maxima_the_verdicts_and_the_sizes():
    nlp = _nlp()
    doc = _doc(nlp, "Sorry for the slow reply. The workshop was brilliant.",
               {"apology": [0.8, 0.1], "appreciation": [0.05, 0.6]}, found=[(0, "apology")])
    row = text_features(doc)
    L = len(LABELS)
    assert row.shape == (N_FEATURES,)
    assert row[J["apology"]] == pytest.approx(0.8) and row[J["appreciation"]] == pytest.approx(0.6)
    assert row[L + J["appreciation"]] == pytest.approx(0.6)
    assert row[2 * L:3 * L].tolist() == [1.0 if lab == "apology" else 0.0 for lab in LABELS]
    assert row[3 * L] == pytest.approx(np.log1p(2)) and row[3 * L + 1] == pytest.approx(np.log1p(len(doc)))
    assert text_features(nlp.make_doc("no scores")) is None


def test_a_label_the_stage_rejects_is_dropped_and_one_it_finds_is_added_on_the_best_sentence():
    nlp = _nlp()
    _stage(nlp, {"appreciation": 0.9, "apology": 0.2})
    doc = _doc(nlp, "Sorry for the slow reply. The workshop was brilliant.",
               {"apology": [0.8, 0.1], "appreciation": [0.05, 0.6]}, found=[(0, "apology")])
    doc = nlp.get_pipe("signal_second_stage")(doc)
    assert _labels(doc) == [("The workshop was brilliant.", "appreciation")]
    keys = [k for k in doc.user_data if isinstance(k, tuple) and k[0] == RESULT_KEY]
    assert [k[3] for k in keys] == ["appreciation"]  # the dropped apology's record is gone too
    span = doc.spans["signals"][0]
    assert span._.signal_score == pytest.approx(0.9)
    assert span._.signal_explanation == "second stage 0.90 + model 0.60"
    assert doc.cats["appreciation"] == pytest.approx(0.9)


def test_labels_the_stage_confirms_stay_as_the_combiner_left_them():
    nlp = _nlp()
    _stage(nlp, {"apology": 0.5})  # exactly at the threshold: kept
    doc = _doc(nlp, "Sorry for the slow reply. The files are attached.", {"apology": [0.8, 0.1]},
               found=[(0, "apology")])
    doc = nlp.get_pipe("signal_second_stage")(doc)
    assert _labels(doc) == [("Sorry for the slow reply.", "apology")]
    assert doc.spans["signals"][0]._.signal_explanation == "model 0.70"


def test_an_added_label_skips_a_greeting_line_and_a_full_sentence():
    nlp = _nlp(max_labels=1)
    _stage(nlp, {"appreciation": 0.9, "complaint": 0.9})
    doc = _doc(nlp, "Hi Anna,\n\nThat went down very well. Send the invoice.",
               {"appreciation": [0.9, 0.5, 0.3], "complaint": [0.0, 0.2, 0.1]}, found=[(1, "complaint")])
    doc = nlp.get_pipe("signal_second_stage")(doc)
    # the greeting has the highest own score but is mail furniture; the next best sentence already
    # carries one label (the cap), so the label goes to the third
    assert _labels(doc) == [("That went down very well.", "complaint"), ("Send the invoice.", "appreciation")]


def test_long_texts_are_left_to_the_combiner():
    nlp = _nlp()
    _stage(nlp, {"referral": 0.99})
    text = "We met on Monday. The plan is fine. The files are attached. Payment is due in May."
    doc = _doc(nlp, text, {"apology": [0.9, 0, 0, 0]}, found=[(0, "apology")])
    assert len(list(doc.sents)) == 4
    doc = nlp.get_pipe("signal_second_stage")(doc)
    assert _labels(doc) == [("We met on Monday.", "apology")]


def test_a_stage_without_classifiers_refuses_to_run():
    nlp = _nlp()
    with pytest.raises(ModelError):
        list(nlp.get_pipe("signal_second_stage").pipe([nlp.make_doc("x")]))
    with pytest.raises(ModelError):
        nlp.get_pipe("signal_second_stage").set_models([Fixed(0.5)], [0.5])


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.random((300, N_FEATURES))
    models = [HistGradientBoostingClassifier(max_iter=5, max_depth=2).fit(X, (X[:, j] > 0.5).astype(int))
              for j in range(len(LABELS))]
    return X, models


def test_the_classifiers_save_and_load_without_pickle(tmp_path, fitted):
    X, models = fitted
    nlp = _nlp()
    stage = nlp.get_pipe("signal_second_stage")
    stage.set_models(models, np.linspace(0.3, 0.6, len(LABELS)))
    stage.to_disk(tmp_path / "stage")
    assert zipfile.is_zipfile(tmp_path / "stage" / MODELS_FILE)
    again = _nlp().get_pipe("signal_second_stage").from_disk(tmp_path / "stage")
    assert np.array_equal(again.probabilities(X), stage.probabilities(X))
    assert np.allclose(again.thresholds_, stage.thresholds_)
    copied = _nlp().get_pipe("signal_second_stage").from_bytes(stage.to_bytes())
    assert np.array_equal(copied.probabilities(X), stage.probabilities(X))


def test_loading_refuses_other_labels_untrusted_types_and_pickles(tmp_path, fitted):
    from fractions import Fraction

    from analyzer.depth.modelfile import skops_io

    _, models = fitted
    stage = _nlp().get_pipe("signal_second_stage")
    stage.set_models(models, [0.5] * len(LABELS))
    stage.to_disk(tmp_path / "ok")
    cfg = (tmp_path / "ok" / "cfg.json").read_text().replace('"apology"', '"excuse"')
    (tmp_path / "ok" / "cfg.json").write_text(cfg)
    with pytest.raises(ModelError, match="other labels"):
        _nlp().get_pipe("signal_second_stage").from_disk(tmp_path / "ok")
    stage.to_disk(tmp_path / "odd")
    (tmp_path / "odd" / MODELS_FILE).write_bytes(skops_io().dumps([Fraction(1, 3)] * len(LABELS)))
    with pytest.raises(ModelError, match="cannot load"):
        _nlp().get_pipe("signal_second_stage").from_disk(tmp_path / "odd")
    (tmp_path / "odd" / MODELS_FILE).write_bytes(pickle.dumps(models))
    with pytest.raises(ModelError, match="cannot load"):
        _nlp().get_pipe("signal_second_stage").from_disk(tmp_path / "odd")
    (tmp_path / "odd" / MODELS_FILE).unlink()
    with pytest.raises(ModelError, match="cannot read"):
        _nlp().get_pipe("signal_second_stage").from_disk(tmp_path / "odd")


def test_fitting_gives_one_classifier_and_one_grid_threshold_per_label():
    from training.signals.second_stage import THRESHOLD_GRID, fit_stage

    rng = np.random.default_rng(1)
    X = rng.random((240, N_FEATURES))
    gold = (X[:, :len(LABELS)] > 0.6).astype(int)
    models, thresholds, record = fit_stage(X, gold, beta=0.8, seed=13, params={"max_iter": 10, "max_depth": 2})
    assert len(models) == len(thresholds) == len(LABELS) and set(record) == set(LABELS)
    assert all(t in THRESHOLD_GRID for t in thresholds)
    stage = _nlp().get_pipe("signal_second_stage")
    stage.set_models(models, thresholds)
    decided = stage.probabilities(X) >= np.asarray(thresholds)[None, :]
    assert (decided == gold.astype(bool)).mean() > 0.9  # each label is a plain cut on its own column


def test_the_evaluation_reads_a_blind_set_only_when_named():
    from analyzer.errors import AnalyzerError
    from training.signals.sets import BLIND_SETS, INDEPENDENT_SETS, named_sets

    read = {name for name, _, _ in INDEPENDENT_SETS}
    assert {"independent13", "independent14", "independent15", "independent16", "independent17",
            "independent18", "independent19", "independent20", "independent21", "independent22", "independent23",
            "independent24", "independent25", "independent26", "independent27",
            "independent28", "independent29", "independent30", "independent31"} <= read  # set 31: CANDIDATE85.md
    assert "independent32" not in read
    assert [e[0] for e in named_sets("independent32")] == ["independent32"] == [e[0] for e in BLIND_SETS]
    assert [e[0] for e in named_sets("independent30, independent31")] == ["independent30", "independent31"]
    with pytest.raises(AnalyzerError, match="unknown"):
        named_sets("independent99")


def test_another_pipeline_borrowing_the_signal_components_gets_the_stage_too(fitted):
    from analyzer.signals.pipeline import DEFAULT_MODEL, add_signal_components
    from training.signals.second_stage import attach

    X, models = fitted
    source = spacy.load(DEFAULT_MODEL)
    attach(source, models, [0.5] * len(LABELS))
    assert source.pipe_names.index("signal_second_stage") == source.pipe_names.index("signal_combiner") + 1
    target = add_signal_components(spacy.blank("en"), source)
    borrowed = target.get_pipe("signal_second_stage")
    assert np.array_equal(borrowed.probabilities(X), source.get_pipe("signal_second_stage").probabilities(X))
    doc = target("Thanks so much for sorting the venue, the team loved it.")
    assert "signals" in doc.spans  # the borrowed pipeline runs end to end with the stage in place


class ByWord:
    """A stand-in text model: probability 0.9 for ``label`` when ``word`` is in the text, else 0.1."""

    def __init__(self, word: str, label: str):
        self.word, self.label = word, label

    def predict_proba(self, texts):
        out = np.full((len(texts), len(LABELS)), 0.1)
        out[[self.word in t for t in texts], J[self.label]] = 0.9
        return out


class ReadsColumn:
    """A stand-in classifier that says yes when one column of the feature row is above 0.5."""

    def __init__(self, column: int):
        self.column = column

    def predict_proba(self, rows):
        p = (np.asarray(rows)[:, self.column] > 0.5).astype(float)
        return np.column_stack([1 - p, p])


def test_a_text_model_adds_one_probability_per_label_that_the_classifiers_read():
    nlp = _nlp()
    stage = nlp.get_pipe("signal_second_stage")
    text_columns = [ReadsColumn(N_FEATURES + j) for j in range(len(LABELS))]
    stage.set_models(text_columns, [0.5] * len(LABELS), ByWord("invoice", "fee_pushback"))
    assert stage.n_features == N_FEATURES + len(LABELS)
    doc = _doc(nlp, "That invoice is far more than we agreed.", {}, found=[(0, "complaint")])
    rows = stage.feature_rows([doc], [text_features(doc)])
    assert rows.shape == (1, N_FEATURES + len(LABELS)) and rows[0, N_FEATURES + J["fee_pushback"]] == 0.9
    stage(doc)
    assert _labels(doc) == [("That invoice is far more than we agreed.", "fee_pushback")]
    other = _doc(nlp, "Thanks, all received.", {}, found=[(0, "complaint")])
    stage(other)
    assert _labels(other) == []  # the text model says nothing here, so the classifiers drop the label


@pytest.mark.filterwarnings("ignore:Label not:UserWarning")  # most labels have no row in this tiny fit
def test_a_stage_with_a_text_model_saves_and_loads_it_without_pickle(tmp_path, fitted):
    from training.signals.second_stage import fit_text_model

    texts = ["the invoice is too high for this", "could you help us with the launch plan",
             "thanks, the deck was superb", "we have to cancel tomorrow's call"] * 6
    gold = np.zeros((len(texts), len(LABELS)), dtype=int)
    for i, lab in enumerate(["fee_pushback", "help_request", "appreciation", "cancellation"] * 6):
        gold[i, J[lab]] = 1
    text_model = fit_text_model(texts, gold, seed=13)
    rng = np.random.default_rng(2)
    X = rng.random((200, N_FEATURES + len(LABELS)))
    models = [HistGradientBoostingClassifier(max_iter=5, max_depth=2).fit(X, (X[:, N_FEATURES + j] > 0.5).astype(int))
              for j in range(len(LABELS))]
    nlp = _nlp()
    stage = nlp.get_pipe("signal_second_stage")
    stage.set_models(models, [0.5] * len(LABELS), text_model)
    docs = [_doc(nlp, t, {}) for t in ("The invoice is too high.", "Could you help us plan the launch?")]
    rows = [text_features(d) for d in docs]
    before = stage.probabilities(stage.feature_rows(docs, rows))
    stage.to_disk(tmp_path / "stage")
    assert zipfile.is_zipfile(tmp_path / "stage" / "text_model.skops")
    again = _nlp().get_pipe("signal_second_stage").from_disk(tmp_path / "stage")
    assert np.array_equal(again.probabilities(again.feature_rows(docs, rows)), before)
    copied = _nlp().get_pipe("signal_second_stage").from_bytes(stage.to_bytes())
    assert np.array_equal(copied.probabilities(copied.feature_rows(docs, rows)), before)
    (tmp_path / "stage" / "text_model.skops").unlink()  # the stage was fitted with it: it may not run without
    with pytest.raises(ModelError, match="text model is missing"):
        _nlp().get_pipe("signal_second_stage").from_disk(tmp_path / "stage")
    plain = _nlp().get_pipe("signal_second_stage")
    plain.set_models(fitted[1], [0.5] * len(LABELS))
    plain.to_disk(tmp_path / "plain")  # a stage without a text model writes no such file
    assert not (tmp_path / "plain" / "text_model.skops").exists()
    assert _nlp().get_pipe("signal_second_stage").from_disk(tmp_path / "plain").text_model_ is None


def test_the_stage_note_keeps_the_pipelines_training_md(tmp_path):
    """The second stage's section is appended to the pipeline's TRAINING.md (or replaces an older one);
    the recipe above it stays, with or without a text model."""
    from training.signals.second_stage import _note_in_training_md

    md = tmp_path / "TRAINING.md"
    md.write_text("# How models/signals was built\n\nThe recipe.\n", encoding="utf-8")
    summary = {"model": "m", "seed": 13, "mail": "quote", "text_model": "word", "rows": 10, "beta": 0.8,
               "params": {}, "labels": {"referral": {"threshold": 0.5, "fbeta_cross_validated": 0.9, "positives": 3}}}
    _note_in_training_md(md, summary)
    _note_in_training_md(md, summary)  # a second build replaces the section
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# How models/signals was built\n\nThe recipe.\n\n## Second stage")
    assert text.count("## Second stage") == 1
    assert "--seed 13 --mail quote --text-model word`" in text and "word TF-IDF model" in text
