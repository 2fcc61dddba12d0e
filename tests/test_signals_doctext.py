"""``range_text`` is ``doc[start:end].text`` for every token range of real text: mail with quoted lines,
runs of spaces and newlines, non-Latin script, and the empty doc."""

from __future__ import annotations

import json

import spacy

from analyzer.signals.doctext import range_text


def test_range_text_is_the_span_text_for_every_range(dev_data_path):
    nlp = spacy.blank("en")
    texts = [json.loads(line)["text"] for line in dev_data_path.read_text(encoding="utf-8").splitlines()[:60]]
    texts += ["", "   ", "Hi all,\n\n  thanks!!  \n> quoted\n\nBest,\nJo  ", "Спасибо за помощь. 谢谢 ", "a\tb\r\nc"]
    checked = 0
    for doc in nlp.pipe(texts):
        n = len(doc)
        for start in range(0, n + 1, max(1, n // 12)):
            for end in range(start, n + 1):
                assert range_text(doc, start, end) == doc[start:end].text, (doc.text, start, end)
                checked += 1
    assert checked > 5000
