"""The detector's decision settings, tuned at training time (:mod:`training.signals.train`): per label a
window threshold, a sentence threshold and a rule floor (:func:`tune_thresholds`), chosen on the
out-of-fold evidence of the training rows (:func:`label_evidence`), and written into the combiner's
config (:func:`set_thresholds`).
"""

from __future__ import annotations

import numpy as np

from analyzer.signals.labels import LABELS
from analyzer.signals.linear import SCORES_KEY
from analyzer.signals.pipeline import CLASSIFIER
from analyzer.signals.quoted import strip_quoted


def set_thresholds(nlp, thresholds: dict[str, float], sentence_thresholds: dict[str, float] | None = None,
                   max_labels: int | None = None, long_margin: float | None = None,
                   rule_floors: dict[str, float] | None = None) -> None:
    """Replace the combiner by one with these decision settings (so they are part of the saved config);
    ``None`` keeps the current sentence thresholds / label cap / long-text margin / rule floors."""
    old = nlp.get_pipe("signal_combiner")
    sentence_thresholds = old.sentence_thresholds if sentence_thresholds is None else sentence_thresholds
    rule_floors = old.rule_floors if rule_floors is None else rule_floors
    cfg = {"model_pipe": old.model_pipe, "rules_pipe": old.rules_pipe, "spans_key": old.spans_key,
           "default_threshold": old.default_threshold,
           "thresholds": {lab: round(float(thresholds[lab]), 4) for lab in LABELS},
           "sentence_thresholds": {lab: round(float(sentence_thresholds.get(lab, 0.0)), 4) for lab in LABELS},
           "max_labels": old.max_labels if max_labels is None else int(max_labels),
           "long_margin": old.long_margin if long_margin is None else round(float(long_margin), 4),
           "long_sentences": old.long_sentences,
           "rule_floors": {lab: round(float(rule_floors.get(lab, 0.0)), 4) for lab in LABELS},
           "sentence_margins": dict(getattr(old, "sentence_margins", {})),
           "min_model_words": int(getattr(old, "min_model_words", 0)),
           "sentence_margin_words": int(getattr(old, "sentence_margin_words", 0)),
           "courtesy_labels": list(getattr(old, "courtesy_labels", ()))}
    nlp.remove_pipe("signal_combiner")
    nlp.add_pipe("signal_combiner", last=True, config=cfg)


def prepare(nlp, texts: list[str]) -> list:
    """Docs of the quote-stripped texts, run up to (not including) the classifier."""
    with nlp.select_pipes(disable=[CLASSIFIER, "signal_combiner"]):
        return list(nlp.pipe([strip_quoted(t) for t in texts], batch_size=256))


def label_evidence(nlp, docs: list) -> list[dict[str, tuple[bool, list[tuple[float, float]]]]]:
    """Per prepared doc and label: (the highest window score of a sentence where a positive rule fired,
    -1 when none fired; [(window score, own sentence score)] for every unvetoed evidence sentence), the
    window score being the highest of the windows pointing at it.

    Runs classifier and combiner with all thresholds at 0 and no label cap, so every candidate shows up."""
    old = nlp.get_pipe("signal_combiner")
    kept = (dict(old.thresholds), dict(old.sentence_thresholds), old.max_labels, old.long_margin, dict(old.rule_floors))
    set_thresholds(nlp, dict.fromkeys(LABELS, 0.0), dict.fromkeys(LABELS, 0.0), 0, 0.0, dict.fromkeys(LABELS, 0.0))
    index = {lab: j for j, lab in enumerate(LABELS)}
    try:
        out = []
        combiner = nlp.get_pipe("signal_combiner")
        rules = nlp.get_pipe("signal_rules") if "signal_rules" in nlp.pipe_names else None
        for doc in combiner.pipe(nlp.get_pipe(CLASSIFIER).pipe(docs)):
            ranges, sent = doc.user_data[SCORES_KEY][:2]
            row_of = {a: k for k, a in enumerate(ranges[:, 0].tolist())}
            ev = {lab: (-1.0, []) for lab in LABELS}
            for span in doc.spans["signals"]:
                rule, pairs = ev[span.label_]
                m = span._.signal_model_score
                k = row_of.get(span.start)
                if m is not None and k is not None:
                    pairs.append((m, float(sent[k, index[span.label_]])))
                rule_id = span._.signal_rule_id
                if rule_id and (rules is None or rules.decides(rule_id)):
                    rule = max(rule, 0.0 if m is None else m)
                ev[span.label_] = (rule, pairs)
            out.append(ev)
    finally:
        set_thresholds(nlp, *kept)
    return out


GRID = np.round(0.05 + 0.025 * np.arange(37), 3)
#: Window score a rule hit needs to count (0: every hit counts): rules fire on cue words whatever the
#: rest of the sentence says; a floor lets the model veto the hits it finds implausible.
RULE_FLOOR_GRID = np.array([0.0, 0.05, 0.1, 0.15, 0.2, 0.3])
SENTENCE_GRID = np.concatenate([[0.0], np.round(0.1 + 0.05 * np.arange(17), 3)])


def smoothed(f: np.ndarray, half_width: int) -> np.ndarray:
    """``f`` averaged along its last axis (the window-threshold grid) over ``half_width`` grid steps either
    side, each point over the neighbours that exist (so the ends are not pulled toward 0)."""
    if half_width <= 0:
        return f
    n = f.shape[-1]
    out = np.empty_like(f, dtype=float)
    for b in range(n):
        lo, hi = max(0, b - half_width), min(n, b + half_width + 1)
        out[..., b] = f[..., lo:hi].mean(axis=-1)
    return out


def tune_label(evidence: list[dict], gold: np.ndarray, label: str, beta: float = 1.0,
               sentence: bool = True, rule_floor: bool = True, smooth: int = 0) -> tuple[float, float, float, float]:
    """(window threshold, sentence threshold, rule floor, F-beta) maximising F-beta over the evidence of
    ``label``: a text is positive when a rule fired in a sentence whose window score is >= the rule
    floor, or some evidence sentence has window score >= t and own score >= s. Ties go to the lower rule
    floor, then the window threshold nearest 0.5, then the higher sentence threshold. With ``smooth``
    > 0 the choice maximises the F-beta curve averaged over that many window-threshold steps either side
    (:func:`smoothed`): the middle of a plateau rather than its noisiest peak, so that retrains on much
    the same rows choose much the same thresholds. The F-beta returned is the unsmoothed one there."""
    rule_m = np.array([e[label][0] for e in evidence])
    floors = RULE_FLOOR_GRID if rule_floor else RULE_FLOOR_GRID[:1]
    s_grid = SENTENCE_GRID if sentence else SENTENCE_GRID[:1]
    best_win = np.zeros((len(evidence), len(s_grid)))  # per text and s: best window score with own >= s
    for i, e in enumerate(evidence):
        for w, own in e[label][1]:
            ok = own >= s_grid
            best_win[i, ok] = np.maximum(best_win[i, ok], w)
    rule = (rule_m[:, None] >= 0) & (rule_m[:, None] >= floors[None, :])  # (texts, floors)
    pred = rule[:, :, None, None] | (best_win[:, None, :, None] >= GRID[None, None, None, :])
    g = gold.astype(bool)[:, None, None, None]
    tp = (pred & g).sum(axis=0)
    fp = (pred & ~g).sum(axis=0)
    fn = (~pred & g).sum(axis=0)
    b2 = beta ** 2
    f = np.where(tp > 0, (1 + b2) * tp / np.maximum((1 + b2) * tp + b2 * fn + fp, 1), 0.0)
    chosen = np.round(smoothed(f, smooth), 6)
    *_, r, a, b = max(((chosen[r, a, b], -floors[r], -abs(GRID[b] - 0.5), s_grid[a], r, a, b)
                       for r in range(len(floors)) for a in range(len(s_grid)) for b in range(len(GRID))))
    return float(GRID[b]), float(s_grid[a]), float(floors[r]), float(round(f[r, a, b], 6))


def counts_for(row: dict, label: str, mail_skip_labels: tuple[str, ...] = ()) -> bool:
    """Whether a training row counts for ``label``, in its regression and its thresholds: not a whole-mail
    row (``source: "mail"``) when the label is in ``mail_skip_labels``, and, for a row with a
    ``counts_for`` list (``training.signals.train.narrow_rows``), only for the labels it names."""
    return (not (label in mail_skip_labels and row.get("source") == "mail")
            and ("counts_for" not in row or label in row["counts_for"]))


def tune_thresholds(evidence: list[dict], rows: list[dict], beta: float = 1.0, sentence: bool = True,
                    rule_floor: bool = True, mail_skip_labels: tuple[str, ...] = (), smooth: int = 0
                    ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Window thresholds, sentence thresholds and rule floors per label (see :func:`tune_label`); the
    labels of ``mail_skip_labels`` are tuned without the whole-mail rows (``source: "mail"``), and
    each label without the rows whose ``counts_for`` list leaves it out (as its regression is
    fitted: ``training.signals.train.label_rows``); ``smooth``: see :func:`tune_label`."""
    win, own, floor = {}, {}, {}
    narrow = any("counts_for" in r for r in rows)
    for lab in LABELS:
        ev, rs = evidence, rows
        if lab in mail_skip_labels or narrow:
            keep = [i for i, r in enumerate(rows) if counts_for(r, lab, mail_skip_labels)]
            ev, rs = [evidence[i] for i in keep], [rows[i] for i in keep]
        gold = np.array([lab in r["labels"] for r in rs])
        win[lab], own[lab], floor[lab], _ = tune_label(ev, gold, lab, beta, sentence, rule_floor, smooth)
    return win, own, floor


def predict_labels(nlp, texts: list[str]) -> list[list[str]]:
    return [sorted({s.label_ for s in doc.spans["signals"]})
            for doc in nlp.pipe([strip_quoted(t) for t in texts], batch_size=256)]
