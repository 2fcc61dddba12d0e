"""The language router inside the signal pipeline (analyzer.signals.router): French, German, Spanish
and Portuguese docs are read by the routed classifier and combiner only, every other doc exactly as
by the pipeline without a router; the routed pipeline saves, loads and lends its components."""

from __future__ import annotations

import pandas as pd
import pytest
import spacy

from analyzer.signals.detect import detect_signals, signals_frame
from analyzer.signals.labels import LABELS
from analyzer.signals.pipeline import DEFAULT_MODEL, add_signal_components, signal_pipes
from analyzer.signals.router import LANGUAGE_KEY, ROUTE_KEY, judged_docs
from training.signals.route import add_language_route
from training.signals.thresholds import set_thresholds

ENGLISH = ["Could you give us your honest view on the pricing page before the board meets on Friday?",
           "We went with your suggestion on the onboarding emails and sign-ups are up a third.",
           "Ok, thanks!",
           "The invoice is attached, payment terms as usual."]
OTHER = ["Pourriez-vous nous donner votre avis sur la page des tarifs avant le conseil de vendredi ?",
         "Wir haben Ihre Empfehlung umgesetzt und die Preisseite komplett neu aufgebaut.",
         "¿Nos podrían dar su opinión sobre la página de precios antes del consejo del viernes?",
         "Vocês poderiam nos dar uma opinião sobre a página de preços antes da reunião do conselho?",
         "Potreste darci un parere sulla pagina dei prezzi prima del consiglio di venerdì?",
         "Kunnen jullie ons vóór de bestuursvergadering van vrijdag jullie mening geven over de prijspagina?"]
NOT_ROUTED = ["olur öyle, dert etme. fatura için sağol. değişmesin bir şey, aynen böyle devam",
              "Czy moglibyście przed piątkowym posiedzeniem zarządu ocenić naszą stronę z cennikiem?"]


def _english():
    """The shipped pipeline without its router and second pair."""
    nlp = spacy.load(DEFAULT_MODEL)
    for name in ("language_router", "signal_classifier_languages", "signal_combiner_languages"):
        if name in nlp.pipe_names:
            nlp.remove_pipe(name)
    return nlp


@pytest.fixture(scope="module")
def pipelines():
    """The shipped English pipeline, and the same with a second pair behind the router whose
    thresholds are all 1e-6: a routed doc then carries labels the English pair would never give it."""
    other = _english()
    set_thresholds(other, {lab: 1e-6 for lab in LABELS}, max_labels=len(LABELS))
    return _english(), add_language_route(_english(), other)


def test_the_router_marks_only_the_routed_languages():
    nlp = spacy.blank("en")
    nlp.add_pipe("language_router")  # the default: French, German, Spanish, Portuguese, Italian, Dutch
    docs = list(nlp.pipe(ENGLISH + OTHER + NOT_ROUTED, batch_size=3))
    assert [d.user_data.get(ROUTE_KEY) for d in docs] == [None] * 4 + ["languages"] * 6 + [None] * 2
    only_four = spacy.blank("en")
    only_four.add_pipe("language_router", config={"languages": ["fr", "de", "es", "pt"], "route": "languages"})
    docs = list(only_four.pipe(OTHER, batch_size=4))
    assert [d.user_data.get(ROUTE_KEY) for d in docs] == ["languages"] * 4 + [None] * 2


def test_docs_made_with_their_language_route_as_docs_judged_by_the_router(pipelines):
    texts = ENGLISH + OTHER + NOT_ROUTED
    nlp = spacy.blank("en")
    nlp.add_pipe("language_router")
    made = list(judged_docs(nlp, texts, batch_size=5))
    assert [d.text for d in made] == texts
    assert [d.user_data[LANGUAGE_KEY] for d in made] == ["en", "en", "", "en"] + ["fr", "de", "es", "pt", "it", "nl"] + ["tr", "pl"]
    routed = [d.user_data.get(ROUTE_KEY) for d in nlp.pipe(made)]
    assert routed == [d.user_data.get(ROUTE_KEY) for d in nlp.pipe(texts)] == [None] * 4 + ["languages"] * 6 + [None] * 2
    # the router trusts a language its caller judged: a doc made of English text but marked French is routed
    doc = nlp.make_doc(ENGLISH[0])
    doc.user_data[LANGUAGE_KEY] = "fr"
    assert nlp.get_pipe("language_router")(doc).user_data[ROUTE_KEY] == "languages"
    # and the detector's judged docs give the same signals as the texts piped as they are
    _, routed_nlp = pipelines
    key = routed_nlp.get_pipe("signal_combiner").spans_key
    plain = [sorted({s.label_ for s in d.spans[key]}) for d in routed_nlp.pipe(texts)]
    assert detect_signals(texts, model=routed_nlp) == plain
    assert any(plain[4:10]) and plain[4:10] != [[]] * 6


def test_routed_docs_take_the_second_pair_and_the_others_are_untouched(pipelines):
    english, routed = pipelines
    texts = [t for pair in zip(ENGLISH + NOT_ROUTED, OTHER) for t in pair]  # interleaved, 6 and 6
    plain, got = detect_signals(texts, model=english), detect_signals(texts, model=routed, batch_size=3)
    for text, a, b in zip(texts, plain, got):
        if text in OTHER:
            assert len(b) >= 3 and b != a, text  # the low thresholds of the second pair
        else:
            assert b == a, text


def test_the_routed_pipeline_saves_and_loads(pipelines, tmp_path):
    _, routed = pipelines
    routed.to_disk(tmp_path / "routed")
    again = spacy.load(tmp_path / "routed")
    assert again.pipe_names == routed.pipe_names
    assert again.get_pipe("signal_combiner_languages").route == "languages"
    texts = ENGLISH + OTHER + NOT_ROUTED
    assert detect_signals(texts, model=again) == detect_signals(texts, model=routed)


def test_the_signals_frame_reads_routed_messages(pipelines):
    english, routed = pipelines
    messages = pd.DataFrame({"message_id": [f"<m{i}@x>" for i in range(4)], "content_hash": list("abcd"),
                             "client": ["C"] * 4, "direction": ["from_client"] * 4,
                             "date": pd.to_datetime(["2026-01-0%d" % (i + 1) for i in range(4)], utc=True),
                             "new_text": [ENGLISH[0], OTHER[0], NOT_ROUTED[0], OTHER[2]]})
    plain, got = signals_frame(messages, nlp=english), signals_frame(messages, nlp=routed)
    assert {"<m1@x>", "<m3@x>"} <= set(got["message_id"])
    keep = ~got["message_id"].isin(["<m1@x>", "<m3@x>"])
    pd.testing.assert_frame_equal(got[keep].reset_index(drop=True),
                                  plain[~plain["message_id"].isin(["<m1@x>", "<m3@x>"])].reset_index(drop=True))
    routed_rows = got[~keep]
    assert (routed_rows["start_char"] >= 0).all() and routed_rows["explanation"].str.len().gt(0).all()


def test_another_pipeline_borrows_the_router_and_both_pairs(pipelines):
    _, routed = pipelines
    nlp = add_signal_components(spacy.blank("en"), routed)
    assert signal_pipes(nlp) == signal_pipes(routed)
    assert signal_pipes(routed) == ["language_router", "signal_rules", "signal_classifier", "signal_combiner",
                                    "signal_classifier_languages", "signal_combiner_languages"]
    texts = ENGLISH + OTHER
    assert detect_signals(texts, model=nlp) == detect_signals(texts, model=routed)


def test_a_pipeline_routes_once(pipelines):
    from analyzer.errors import ModelError

    _, routed = pipelines
    with pytest.raises(ModelError):
        add_language_route(routed, routed)


def test_the_scores_name_the_languages_the_shipped_pipeline_reads():
    """analyzer.depth.language.SIGNAL_LANGUAGES (read_share, the drivers' caveat) is English plus
    what the shipped router routes: scoring reads it without loading spaCy, so a test holds them equal."""
    from analyzer.depth.language import SIGNAL_LANGUAGES
    from analyzer.signals.pipeline import load_pipeline

    nlp = load_pipeline()
    assert ("en",) + tuple(nlp.get_pipe("language_router").languages) == SIGNAL_LANGUAGES


def test_the_shipped_pipeline_reads_the_four_languages():
    texts = ["Merci encore pour votre conseil sur la refonte : nous l'avons appliqué et les ventes ont augmenté.",
             "Wir müssen den Termin morgen leider kurzfristig absagen, es tut mir leid.",
             "Could you give us your honest view on the pricing page before the board meets on Friday?"]
    got = detect_signals(texts)
    assert "advice_acted_on" in got[0] and "cancellation" in got[1] and "help_request" in got[2]


def test_route_writes_a_routed_pipeline_and_keeps_the_history(tmp_path):
    import json

    from training.signals.route import route

    english, other = tmp_path / "english", tmp_path / "other"
    _english().to_disk(english)
    (english / "TRAINING.md").write_text("# English\n", encoding="utf-8")
    low = _english()
    set_thresholds(low, {lab: 1e-6 for lab in LABELS}, max_labels=len(LABELS))
    low.to_disk(other)
    (other / "metrics.json").write_text(json.dumps({"heldout": {"macro": {"f1": 0.5}},
                                                    "thresholds": {lab: 1e-6 for lab in LABELS}}), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "HISTORY.md").write_text("# what came before\n", encoding="utf-8")
    (out / "stale.md").write_text("old report\n", encoding="utf-8")
    route(english, other, out)
    assert (out / "HISTORY.md").read_text(encoding="utf-8") == "# what came before\n"
    assert not (out / "stale.md").exists()
    assert "## The language route" in (out / "TRAINING.md").read_text(encoding="utf-8")
    nlp = spacy.load(out)
    assert nlp.get_pipe("language_router").languages == ("fr", "de", "es", "pt", "it", "nl")
    got = detect_signals(OTHER + ENGLISH[:1], model=nlp)
    assert all(len(labels) >= 3 for labels in got[:6]) and got[6] == detect_signals(ENGLISH[:1], model=english)[0]
    punct = json.loads((out / "sentencizer.json").read_text(encoding="utf-8"))["punct_chars"]
    assert punct == sorted(punct) and set(punct) == set(_english().get_pipe("sentencizer").punct_chars)


def test_the_shipped_sentencizer_lists_its_punctuation_in_order():
    """``training.signals.route.sort_sentencizer``: spaCy writes the set of sentence-ending characters in
    the set's order, which changed with every rebuild; train and route write it sorted, the same set."""
    import json

    punct = json.loads((DEFAULT_MODEL / "sentencizer.json").read_text(encoding="utf-8"))["punct_chars"]
    assert punct == sorted(punct) and len(punct) == len(set(punct)) > 100
