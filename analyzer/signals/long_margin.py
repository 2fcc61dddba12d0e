"""The long-text margin of the combiner, tuned at training time without any real mail.

The per-label thresholds are tuned on snippets, where a scoring window is the whole text. A long
message offers a window per sentence, so ordinary sentences get many more chances to cross a
snippet threshold, and precision drops (measured on snippets set inside real mailing-list messages,
:mod:`analyzer.signals.embedded`, evaluation only). The combiner therefore asks windows of a long
text (``long_sentences`` sentences or more) for ``long_margin`` more than the threshold.

The margin is tuned here on *training* data only: inside the cross-validation of
:mod:`analyzer.signals.train`, each held-out fold's labelled snippets are set as a paragraph inside a
background made of that fold's neutral prose rows (``data/signals/neutral_extra.jsonl``), so the
classifier scoring them saw neither the snippet nor the background. The margin that maximises
macro F-beta on these out-of-fold long texts, with the snippet thresholds fixed, is kept.
"""

from __future__ import annotations

import random

import numpy as np

from analyzer.signals.embedded import embed
from analyzer.signals.labels import LABELS

MARGIN_GRID = np.round(0.025 * np.arange(17), 3)  # 0 .. 0.4
#: Neutral rows per synthetic background message.
PER_BACKGROUND = 5


def long_texts(rows: list[dict], idx, seed: int, per_background: int = PER_BACKGROUND) -> list[dict]:
    """The rows among ``rows[idx]`` other than the signal-free neutral prose, each set inside a
    background of ``per_background`` signal-free neutral rows drawn from the same ``idx`` (none when
    there are no such rows). neutral_extra.jsonl also holds a few labelled rows: those are snippets."""
    chosen = [rows[i] for i in idx]
    is_background = [r.get("source") == "neutral" and not r["labels"] for r in chosen]
    neutral = [r["text"].strip() for r, bg in zip(chosen, is_background) if bg]
    snippets = [r for r, bg in zip(chosen, is_background) if not bg]
    if not neutral or not snippets:
        return []
    rng = random.Random(seed)
    k = min(per_background, len(neutral))
    backgrounds = ["\n\n".join(rng.sample(neutral, k)) for _ in range(len(snippets))]
    return embed(snippets, backgrounds, seed=seed, min_words=1)


def decide_long(evidence: list[dict], is_long: list[bool], thresholds: dict[str, float],
                sentence_thresholds: dict[str, float], rule_floors: dict[str, float], margin: float) -> list[list[str]]:
    """Labels per text under the thresholds and rule floors, windows of long texts needing ``margin`` more
    (evidence as made by :func:`analyzer.signals.train.label_evidence`)."""
    out = []
    for ev, long_ in zip(evidence, is_long):
        add = margin if long_ else 0.0
        out.append(sorted(lab for lab in LABELS if 0 <= rule_floors[lab] <= ev[lab][0] or any(
            w >= min(thresholds[lab] + add, 0.99) and o >= sentence_thresholds[lab] for w, o in ev[lab][1])))
    return out


def macro_fbeta(gold: list[list[str]], pred: list[list[str]], beta: float) -> float:
    b2, scores = beta ** 2, []
    for lab in LABELS:
        tp = sum(1 for g, p in zip(gold, pred) if lab in g and lab in p)
        fp = sum(1 for g, p in zip(gold, pred) if lab not in g and lab in p)
        fn = sum(1 for g, p in zip(gold, pred) if lab in g and lab not in p)
        scores.append((1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp) if tp else 0.0)
    return float(np.mean(scores))


def tune_long_margin(evidence: list[dict], gold: list[list[str]], is_long: list[bool], thresholds: dict[str, float],
                     sentence_thresholds: dict[str, float], rule_floors: dict[str, float],
                     beta: float = 1.0) -> tuple[float, dict[float, float]]:
    """(the margin of :data:`MARGIN_GRID` with the best macro F-beta, the smallest on ties; F-beta per margin)."""
    scores = {float(m): round(macro_fbeta(gold, decide_long(evidence, is_long, thresholds, sentence_thresholds,
                                                            rule_floors, m), beta), 4)
              for m in MARGIN_GRID}
    best = max(scores, key=lambda m: (scores[m], -m))
    return best, scores
