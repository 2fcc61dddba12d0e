"""Which language a text is in (analyzer.text_language): English, the four languages the signal
pipeline routes, their neighbours, short and missing texts, and batches."""

from __future__ import annotations

import numpy as np
import pytest

import analyzer.text_language as text_language
from analyzer.text_language import NOT_JUDGED, UNKNOWN, judge_language, judge_languages, languages


@pytest.mark.parametrize("text, code", [
    ("Could you give us your view on the pricing page before the board meets on Friday?", "en"),
    ("Pourriez-vous nous donner votre avis sur la page des tarifs avant le conseil de vendredi ?", "fr"),
    ("Wir haben Ihre Empfehlung umgesetzt und die Preisseite komplett neu aufgebaut.", "de"),
    ("¿Nos podrían dar su opinión sobre la página de precios antes del consejo del viernes?", "es"),
    ("Vocês poderiam nos dar uma opinião sobre a página de preços antes da reunião do conselho?", "pt"),
    ("Potreste darci un parere sulla pagina dei prezzi prima del consiglio di venerdì?", "it"),
    ("Podríeu donar-nos la vostra opinió sobre la pàgina de preus abans del consell de divendres?", "ca"),
    ("olur öyle, dert etme. fatura için sağol. değişmesin bir şey, aynen böyle devam", "tr"),
])
def test_languages_are_told_apart(text, code):
    words, lang = judge_language(text)
    assert words >= 4 and lang == code


@pytest.mark.parametrize("text", [None, np.nan, "", "ok", "Obrigado, recebido.", "👍 👍", "12 345 678"])
def test_short_or_missing_texts_are_not_judged(text):
    assert judge_language(text) == (0, NOT_JUDGED)


def test_text_no_list_explains_is_unknown():
    assert judge_language("Zgodnie z umową przesyłam fakturę końcową za kampanię jesienną")[1] not in {"en", "fr", "de", "es", "pt"}
    assert judge_language("qwzx vbnm plkj hgfd trew")[1] == UNKNOWN


def test_english_comes_first_and_the_lists_are_shipped_data():
    codes = languages()
    assert codes[0] == "en" and {"fr", "de", "es", "pt", "it", "ca", "tr"} <= set(codes)
    assert {"the", "we", "would"} <= text_language.function_word_lists()["en"]


def test_a_text_is_judged_alike_whatever_the_batch(monkeypatch):
    texts = ["Could you give us your view on the pricing page?", None, "Wir haben Ihre Empfehlung umgesetzt, danke.",
             "ok", "Nous avons suivi votre conseil et le lancement s'est très bien passé."] * 5
    whole = judge_languages(texts)
    for batch in (1, 3, 7):
        monkeypatch.setattr(text_language, "JUDGE_BATCH", batch)
        got = judge_languages(texts)
        np.testing.assert_array_equal(got[0], whole[0])
        assert got[1].tolist() == whole[1].tolist()
    assert [len(a) for a in judge_languages([])] == [0, 0]
