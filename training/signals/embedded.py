"""Labelled snippets set inside longer messages: how detection holds up in real-length mail.

The labelled sets are short snippets (one to four sentences), where a whole-text classifier and a
per-sentence detector see about the same thing. Real client mail is longer: a single apology or
referral sits among paragraphs of logistics. :func:`embed` builds that situation from labelled rows
and a pool of *background* messages: each row's text is inserted, as its own paragraph, at a
paragraph boundary of a background message drawn at random (seeded). The gold labels stay the
row's labels, so a detector is rewarded for finding the snippet's signals and penalised for firing
on the background.

Backgrounds used in :mod:`training.signals.evaluate` are the new text of real mailing-list
messages (../shared/realmail, evaluation only, never training or tuning data). They are technical
discussion that carries almost no relationship signal, so a hit that comes from the background
counts against both detectors alike.
"""

from __future__ import annotations

import random

from analyzer.signals.quoted import strip_quoted

#: Backgrounds shorter than this (in words) are skipped: they would not make the text longer.
MIN_BACKGROUND_WORDS = 40


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs (stripped, empty ones dropped); one paragraph per line when the
    text has no blank lines but several lines."""
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n")]
    parts = [p for p in parts if p]
    if len(parts) == 1 and "\n" in parts[0]:
        parts = [line.strip() for line in parts[0].split("\n") if line.strip()]
    return parts


def embed(rows: list[dict], backgrounds: list[str], seed: int = 13,
          min_words: int = MIN_BACKGROUND_WORDS) -> list[dict]:
    """New rows ``{"id", "text", "labels", "background"}``: each row's text inserted into a background
    message (index into the usable backgrounds) between two of its paragraphs (or at either end).
    The input rows are not modified. ValueError when no background has ``min_words`` words."""
    usable = [b for b in backgrounds if isinstance(b, str) and len(b.split()) >= min_words]
    if not usable:
        raise ValueError(f"no background message with at least {min_words} words")
    rng = random.Random(seed)
    out = []
    for row in rows:
        k = rng.randrange(len(usable))
        paras = paragraphs(usable[k])
        at = rng.randint(0, len(paras))
        snippet = strip_quoted(row["text"]).strip()  # a quoted block mid-message would swallow what follows
        text = "\n\n".join(paras[:at] + [snippet] + paras[at:])
        out.append({"id": f"{row['id']}@bg{k}", "text": text, "labels": list(row["labels"]), "background": k})
    return out
