"""The routing of training.signals.routed: text the function-word check reads as English (or cannot
judge) goes to the English pipeline, other text to the other one."""

from __future__ import annotations

from training.signals.routed import detect_routed, english_mask


def test_english_and_short_texts_stay_english_other_languages_are_routed():
    texts = ["Could you give us your view on the pricing page before the board meets on Friday?",
             "Ok, thanks!",
             "Pourriez-vous nous donner votre avis sur la page des tarifs avant le conseil de vendredi ?",
             "Wir haben Ihre Empfehlung umgesetzt und die Preisseite komplett neu aufgebaut.",
             "¿Nos podrían dar su opinión sobre la página de precios antes del consejo del viernes?"]
    assert english_mask(texts).tolist() == [True, True, False, False, False]


def test_each_text_is_read_by_the_pipeline_its_language_routes_it_to(monkeypatch):
    import analyzer.signals.detect as detect

    seen = {}

    def fake_detect(texts, model=None, batch_size=None):
        seen.setdefault(model, []).extend(texts)
        return [[model] for _ in texts]

    monkeypatch.setattr(detect, "detect_signals", fake_detect)
    texts = ["We acted on your advice and the launch went very well indeed.",
             "Nous avons suivi votre conseil et le lancement s'est très bien passé."]
    assert detect_routed(texts, "en", "other") == [["en"], ["other"]]
    assert seen == {"en": texts[:1], "other": texts[1:]}
