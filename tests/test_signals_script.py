"""Sentences in a script the English detector cannot read carry no signal (analyzer/signals/script.py)."""

from __future__ import annotations

import pytest

from analyzer.ingest.parse import parse_message
from analyzer.signals.detect import detect_signals
from analyzer.signals.script import unreadable_script


@pytest.mark.parametrize("text,unreadable", [
    ("We loved the campaign, thank you!", False),
    ("Grüße aus Köln, the launch went brilliantly.", False),
    ("Zażółć gęślą jaźń, dziękujemy za pomoc.", False),  # Latin script: still read (as English)
    ("Телефон банка не отвечал, сайт висел.", True),
    ("감사합니다, 정말 최고예요!", True),
    ("ありがとうございました。", True),
    ("Thanks so much for the deck! Спасибо", False),  # mostly Latin letters
    ("12:30 — 14:00", False),  # no letters at all
])
def test_unreadable_script(text, unreadable):
    assert unreadable_script(text) is unreadable


def test_a_russian_newsletter_from_real_mail_gets_no_signal(realmail):
    """mail-parser's test corpus holds a Russian business newsletter (spamscope mail_test_1); before the
    script gate its Cyrillic sentences drew eleven forgiveness, apology and cancellation rows."""
    raw = (realmail / "spamscope-mail-parser" / "tests" / "mails" / "mail_test_1").read_bytes()
    text = parse_message(raw, "mail_test_1", None, "eml").new_text
    assert sum("\u0400" <= ch <= "\u04ff" for ch in text) > 5000
    cyrillic = [p for p in text.split("\n\n") if unreadable_script(p)]
    assert len(cyrillic) > 20
    assert detect_signals(cyrillic) == [[] for _ in cyrillic]


def test_english_beside_foreign_lines_is_still_read():
    texts = ["안녕하세요 팀장님,\nWe loved the new campaign, the whole board was impressed. Thank you!\n감사합니다"]
    assert "appreciation" in detect_signals(texts)[0]
