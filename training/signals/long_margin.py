"""The long-text margin of the combiner, tuned at training time without any real mail.

The per-label thresholds are tuned on snippets, where a scoring window is the whole text. A long
message offers a window per sentence, so ordinary sentences get many more chances to cross a
snippet threshold, and precision drops (measured on snippets set inside real mailing-list messages,
:mod:`training.signals.embedded`, evaluation only). The combiner therefore asks windows of a long
text (``long_sentences`` sentences or more) for ``long_margin`` more than the threshold.

The margin is tuned here on *training* data only: inside the cross-validation of
:mod:`training.signals.train`, each held-out fold's labelled snippets are set as a paragraph inside a
background made of that fold's neutral prose rows (``data/signals/neutral_extra.jsonl``), so the
classifier scoring them saw neither the snippet nor the background. The margin that maximises
macro F-beta on these out-of-fold long texts, with the snippet thresholds fixed, is kept; with a
``tolerance``, the largest margin within that much of the best (candidate N11,
``models/depth/CANDIDATE66.md``): the curve is flat near its top, and where two margins read the same
on these texts the larger one flags fewer ordinary sentences of long real mail.
"""

from __future__ import annotations

import random

import numpy as np

from training.signals.embedded import embed
from analyzer.signals.labels import LABELS
from training.signals.metrics import macro_fbeta

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


def decide(evidence: list[dict], thresholds: dict[str, float], sentence_thresholds: dict[str, float],
           rule_floors: dict[str, float] | None = None, is_long: list[bool] | None = None,
           margin: float = 0.0) -> list[list[str]]:
    """Labels per text from its evidence (as made by :func:`training.signals.thresholds.label_evidence`) under
    the combiner's decision settings, no label cap: a rule hit counts where its window score reaches the
    label's rule floor; a window counts when it reaches the threshold (plus ``margin``, at most 0.99, in
    the texts flagged in ``is_long``) and its evidence sentence the sentence threshold."""
    floors = rule_floors or dict.fromkeys(LABELS, 0.0)
    long_limit = {lab: min(thresholds[lab] + margin, 0.99) for lab in LABELS}
    out = []
    for i, ev in enumerate(evidence):
        limit = long_limit if is_long is not None and is_long[i] else thresholds
        out.append(sorted(lab for lab in LABELS if 0 <= floors[lab] <= ev[lab][0] or any(
            w >= limit[lab] and o >= sentence_thresholds[lab] for w, o in ev[lab][1])))
    return out


def tune_long_margin(evidence: list[dict], gold: list[list[str]], is_long: list[bool], thresholds: dict[str, float],
                     sentence_thresholds: dict[str, float], rule_floors: dict[str, float],
                     beta: float = 1.0, tolerance: float = 0.0,
                     fixed: float | None = None) -> tuple[float, dict[float, float]]:
    """(the margin of :data:`MARGIN_GRID` with the best macro F-beta, the smallest on ties, or with a
    ``tolerance`` the largest whose F-beta is at most that much below the best, or ``fixed`` whatever the
    curve says; F-beta per margin, ``fixed`` included).

    The curve is read on snippets set among neutral prose, and it is flat near its top: three trainings
    in a row chose 0.175, 0.075 and 0.15, and whole labelled agency mail lost recall with every step up
    (``models/depth/CANDIDATE67.md``). A ``fixed`` margin takes that choice out of the training's noise."""
    if fixed is not None and fixed < 0:
        raise ValueError(f"a long-text margin is 0 or more, not {fixed}")
    grid = sorted({float(m) for m in MARGIN_GRID} | ({float(fixed)} if fixed is not None else set()))
    scores = {m: round(macro_fbeta(gold, decide(evidence, thresholds, sentence_thresholds, rule_floors,
                                                 is_long, m), beta), 4)
              for m in grid}
    if fixed is not None:
        return float(fixed), scores
    best = max(scores, key=lambda m: (scores[m], -m))
    if tolerance > 0:
        best = max(m for m, f in scores.items() if f >= scores[best] - tolerance - 1e-9)
    return best, scores
