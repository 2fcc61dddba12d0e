"""Write the function-word lists that tell languages apart (``analyzer/data/function_words.json``).

    python -m training.function_words

The lists are spaCy's stop-word lists (MIT licence) of every Latin-script language spaCy has one
for, lower-cased, with typographic apostrophes made straight. :mod:`analyzer.text_language` matches
the first words of a text against them: English and the languages the signal pipeline reads are
told from each other and from their neighbours (Catalan, Italian, Romanian, Dutch, Turkish, ...),
which are listed so that a text in one of them is not taken for Spanish or Portuguese. The file is
data shipped with the package, so that judging a text's language never imports spaCy.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import spacy

OUT = Path(__file__).resolve().parents[1] / "analyzer" / "data" / "function_words.json"
#: Latin-script languages with a spaCy stop-word list (English first).
LANGUAGES = ("en", "fr", "de", "es", "pt", "af", "az", "ca", "cs", "da", "et", "eu", "fi", "ga", "hr", "hu",
             "id", "is", "it", "la", "lb", "lt", "lv", "ms", "nb", "nl", "pl", "ro", "sk", "sl", "sq", "sv",
             "tl", "tr", "vi", "yo")


def word_lists() -> dict[str, list[str]]:
    out = {}
    for code in LANGUAGES:
        words = importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS
        out[code] = sorted({w.lower().replace("\u2019", "'") for w in words if w.strip()})
    return out


def main() -> int:
    data = {"source": f"spaCy {spacy.__version__} spacy/lang/<code>/stop_words.py (MIT licence, Copyright (C) "
                      "2016-2024 ExplosionAI GmbH), lower-cased, typographic apostrophes made straight",
            "use": "function words per language: analyzer/text_language.py judges a text's language by them",
            "languages": word_lists()}
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
