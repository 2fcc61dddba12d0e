"""``signal_combiner``: per sentence, the labels with a score and an explanation.

Inputs per Doc:

- the rule hits of ``signal_rules`` (``doc.spans[<its spans_key>]``), and
- the scores of ``signal_classifier`` (:mod:`analyzer.signals.linear`, in ``doc.user_data``): for
  each sentence its own score and the score of its *window* (the sentence with its neighbours; for
  a short message, the whole text, which is what the classifier was trained on).

Decision per label:

- a positive rule hit in a sentence yields the label on that sentence (score = max(rule weight,
  window score)), provided the sentence's window score reaches the label's ``rule_floors`` entry
  (0 = every hit counts; tuned at training time: a cue word in a sentence the model finds implausible
  for the label is then left out);
- a window whose score reaches the label's threshold (tuned at training time, see
  :mod:`training.signals.train`) yields the label on its *evidence sentence*: the sentence of the
  window with the highest own score for the label, provided that sentence's own score also reaches
  the label's ``sentence_thresholds`` entry (0 = no such condition). Users read the evidence
  sentence by sentence, so a sentence that says nothing on its own does not carry a label because
  its neighbours lean that way. Several windows pointing at the same sentence give one result, so
  a signal is one row per (sentence, label), not one per window;
- in a *long* text (at least ``long_sentences`` sentences, so a window is only part of it) a window
  must reach the label's threshold plus ``long_margin``: the thresholds are tuned on snippets, where the
  window is the whole text; a long message offers many windows, so many more chances for ordinary
  sentences to cross a snippet threshold (``long_margin`` is tuned at training time on snippets set
  inside longer neutral text, see :mod:`training.signals.train`; 0 = off);
- with ``sentence_margins`` (label -> margin; six labels in the shipped config, candidate V2), in a text of two or more
  sentences a sentence whose *own* score for such a label reaches the threshold plus the margin (plus
  ``long_margin`` in a long text) yields the label too, even where its window stays under the
  threshold: a window's score is normalised over all its words, so one signal's sentence is diluted by
  a neighbouring signal's (praise beside acted-on advice); with ``sentence_margin_words`` (0 = off)
  such a sentence needs at least that many words (alphabetic tokens): a very short sentence's own
  score is an extrapolation ("NIP without change." read as appreciation at 0.99);
- at most ``max_labels`` labels per sentence (0 = no cap): the ones furthest above their threshold
  (rule hits first). Ordinary long sentences that drift over several thresholds at once are far
  more often noise than a sentence that truly carries four signals;
- a rule marked ``"decides": false`` (a cue measured imprecise on the training data) yields nothing by
  itself; when the model finds the label on that sentence, the result names the rule too;
- a veto rule for the label ("sorry to hear" for ``apology``) in the evidence sentence drops a
  model-only result;
- with ``min_model_words`` (0 = off), a text whose sentences that may carry a label (not furniture)
  hold fewer words than that takes labels from rules only: the classifier never trained on such bare
  replies ("fine", "Ok. Go.", "No."), and its scores on them are extrapolations (on the read
  whole-mail labels, 33 of 37 model-only labels on client mail of three words or fewer were wrong:
  ``models/depth/CANDIDATE60.md``);
- with ``courtesy_labels`` (none by default), a sentence that is bare courtesy ("Thank you.", "Thanks a
  lot!", "Perfect!!": :data:`analyzer.signals.boilerplate.COURTESY`) carries none of those labels
  (SIGNALS.md: '"Thanks!" alone is not appreciation');
- a sentence that is mail furniture (a greeting line, a sign-off, a legal disclaimer, signature
  art: :mod:`analyzer.signals.boilerplate`) carries no label (``skip_boilerplate``, on by default),
  nor does a sentence written mostly in a non-Latin script, which the English detector cannot read
  (:mod:`analyzer.signals.script`).

Results:

- ``doc.spans[spans_key]`` (default ``"signals"``): one span per (sentence, label), ``span.label_``
  = label, ``span.id_`` = the rule id or "";
- span extensions ``span._.signal_score``, ``._.signal_model_score``, ``._.signal_rule_id``,
  ``._.signal_explanation`` (getters over ``doc.user_data``, keyed by offsets *and* label, because
  plain span extensions are keyed by offsets only and one sentence can carry several labels);
- ``doc.cats``: per label, the highest combined score over the doc's results, else the highest
  window score of the model (below the threshold), 0 without a model.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import islice
from math import isnan
from typing import Iterable, Iterator

import numpy as np
from spacy.attrs import IS_ALPHA
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from analyzer.errors import ModelError
from analyzer.signals.boilerplate import furniture_kind
from analyzer.signals.labels import LABELS
from analyzer.signals.linear import SCORES_KEY
from analyzer.signals.router import on_route
from analyzer.signals.rules import VETO_PREFIX
from analyzer.signals.script import unreadable_script

_KEY = "analyzer.signal"
_INDEX = {lab: j for j, lab in enumerate(LABELS)}
_NAN = float("nan")
#: ``min_model_words``: a text of this many words or more is never short, whatever its furniture.
SHORT_TEXT_WORDS = 40


def _words_before(doc: Doc) -> np.ndarray:
    """Alphabetic tokens before each token, and in all (``len(doc) + 1`` entries), read as an array (no
    Token objects): ``words[b] - words[a]`` is the count in ``doc[a:b]``."""
    return np.concatenate([[0], np.cumsum(doc.to_array(IS_ALPHA), dtype=np.int64)])


def _info(span: Span):
    return span.doc.user_data.get((_KEY, span.start_char, span.end_char, span.label_))


def _getter(index: int, default):
    def get(span: Span):
        info = _info(span)
        return default if info is None else info[index]
    return get


for _i, (_name, _default) in enumerate([("signal_score", None), ("signal_model_score", None),
                                        ("signal_rule_id", ""), ("signal_explanation", "")]):
    if not Span.has_extension(_name):
        Span.set_extension(_name, getter=_getter(_i, _default))


def explanation(rule_id: str, model_score: float | None) -> str:
    """One-line trace: ``"rule apology/my_bad + model 0.93"``, ``"model 0.71"``, ``"rule x"``."""
    parts = []
    if rule_id:
        parts.append(f"rule {rule_id}")
    if model_score is not None and not isnan(model_score):
        parts.append(f"model {model_score:.2f}")
    return " + ".join(parts)


class SignalCombiner:
    """Rules + window/sentence model scores -> labelled sentence spans (see the module docstring)."""

    def __init__(self, nlp: Language, name: str, model_pipe: str, rules_pipe: str, spans_key: str,
                 thresholds: dict[str, float], default_threshold: float,
                 sentence_thresholds: dict[str, float] | None = None, max_labels: int = 0,
                 long_margin: float = 0.0, long_sentences: int = 4, rule_floors: dict[str, float] | None = None,
                 skip_boilerplate: bool = True, route: str | None = None,
                 sentence_margins: dict[str, float] | None = None, min_model_words: int = 0,
                 sentence_margin_words: int = 0, courtesy_labels: Iterable[str] = ()):
        self.nlp = nlp
        self.name = name
        self.model_pipe = model_pipe
        self.rules_pipe = rules_pipe
        self.spans_key = spans_key
        self.thresholds = {lab: float(thresholds.get(lab, default_threshold)) for lab in LABELS}
        self.default_threshold = float(default_threshold)
        self._thr = np.array([self.thresholds[lab] for lab in LABELS], dtype="f")
        sentence_thresholds = sentence_thresholds or {}
        self.sentence_thresholds = {lab: float(sentence_thresholds.get(lab, 0.0)) for lab in LABELS}
        self._sthr = np.array([self.sentence_thresholds[lab] for lab in LABELS], dtype="f")
        self.max_labels = int(max_labels)
        self.long_margin = float(long_margin)
        self.long_sentences = int(long_sentences)
        rule_floors = rule_floors or {}
        self.rule_floors = {lab: float(rule_floors.get(lab, 0.0)) for lab in LABELS}
        self._rfloor = [self.rule_floors[lab] for lab in LABELS]
        self.skip_boilerplate = bool(skip_boilerplate)
        self.route = route  # reads only the docs the language router sent on this route (analyzer.signals.router)
        unknown = sorted(set(sentence_margins or {}) - set(_INDEX))
        if unknown:
            raise ModelError(f"{name}: sentence_margins names unknown labels {unknown}")
        self.sentence_margins = {lab: float(m) for lab, m in (sentence_margins or {}).items()}
        self.min_model_words = int(min_model_words)
        self.sentence_margin_words = int(sentence_margin_words)
        unknown = sorted(set(courtesy_labels) - set(_INDEX))
        if unknown:
            raise ModelError(f"{name}: courtesy_labels names unknown labels {unknown}")
        self.courtesy_labels = sorted(set(courtesy_labels), key=_INDEX.get)
        self._courtesy_idx = frozenset(_INDEX[lab] for lab in self.courtesy_labels)

    def _rules(self):
        if self.rules_pipe and self.rules_pipe in self.nlp.component_names:
            return self.nlp.get_pipe(self.rules_pipe)
        return None

    def _courtesy(self) -> bool:
        """Whether bare courtesy counts as furniture: as the classifier reads it (``silent_furniture``)."""
        if self.model_pipe and self.model_pipe in self.nlp.component_names:
            return bool(getattr(self.nlp.get_pipe(self.model_pipe), "silent_furniture", False))
        return False

    def may_carry_label(self, sentence: str, courtesy: bool = False) -> bool:
        """Whether a sentence may carry a label: not mail furniture (when skipped) nor written mostly
        in a script the detector cannot read. ``courtesy``: as :meth:`_courtesy` says."""
        return not (unreadable_script(sentence) or (self.skip_boilerplate and furniture_kind(sentence, courtesy)))

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        rules, courtesy = self._rules(), self._courtesy()  # looked up once, as the pipeline is fixed
        stream = iter(stream)
        while True:
            batch = list(islice(stream, batch_size))
            if not batch:
                return
            self._annotate_batch(on_route(batch, self.route), rules, courtesy)
            yield from batch

    def _annotate_batch(self, docs: list[Doc], rules, courtesy: bool = False) -> None:
        """The threshold tests, cats and model hits of a whole batch in a few array operations (the
        per-doc numpy calls used to dominate), then :meth:`_annotate` per doc on plain lists."""
        scored = []  # (position in docs, score tuple) of docs with at least one sentence
        for i, doc in enumerate(docs):
            scores = doc.user_data.get(SCORES_KEY)
            if scores is not None and len(scores[0]):
                scored.append((i, scores))
        per_doc: dict[int, tuple] = {}
        if scored:
            rows = np.array([0] + [len(sc[0]) for _, sc in scored], dtype="i8").cumsum()
            win = np.concatenate([sc[2] for _, sc in scored]) if len(scored) > 1 else scored[0][1][2]
            if self.long_margin:
                n_sent = np.diff(rows)
                long_row = np.repeat(n_sent >= self.long_sentences, n_sent)
                thr = np.where(long_row[:, None], np.minimum(self._thr + self.long_margin, 0.99), self._thr)
                passed = win >= thr
            else:
                passed = win >= self._thr
            evidence = np.concatenate([sc[3] for _, sc in scored]) if len(scored) > 1 else scored[0][1][3]
            if self._sthr.any():
                sent = np.concatenate([sc[1] for _, sc in scored]) if len(scored) > 1 else scored[0][1][1]
                shift = np.repeat(rows[:-1], np.diff(rows))[:, None]
                passed &= np.take_along_axis(sent, evidence + shift, axis=0) >= self._sthr
            cats = np.maximum.reduceat(win, rows[:-1], axis=0).astype("f8").tolist()
            ks, js = np.nonzero(passed)
            hits = list(zip(evidence[ks, js].tolist(), js.tolist(), win[ks, js].tolist()))
            if self.sentence_margins:
                ks, hits = self._with_sentence_hits(scored, rows, ks, hits, docs)
            cut = np.searchsorted(ks, rows).tolist()  # hits of doc n: cut[n]:cut[n + 1] (ks is sorted)
            for n, (i, sc) in enumerate(scored):
                per_doc[i] = (sc[0], sc[2], hits[cut[n]:cut[n + 1]], cats[n])
        zeros = [0.0] * len(LABELS)
        for i, doc in enumerate(docs):
            got = per_doc.get(i)
            if got is None:
                self._annotate(doc, rules, None, None, None, list(zeros), courtesy)
            else:
                self._annotate(doc, rules, *got, courtesy)

    def _with_sentence_hits(self, scored, rows, ks, hits, docs):
        """``sentence_margins``: in a text of two or more sentences, a sentence whose *own* score for
        a label listed there reaches the label's threshold plus its margin (plus ``long_margin`` in a
        long text) is a hit too, on itself, with its own score. A window's score is normalised over
        all of its features, so a sentence that carries one signal scores lower inside a window
        shared with another signal's sentence than alone: praise beside acted-on advice, say.
        With ``sentence_margin_words``, a sentence of fewer words is no such hit.
        Returns the rows of all hits, sorted, and the hits in the same order."""
        sent = np.concatenate([sc[1] for _, sc in scored]) if len(scored) > 1 else scored[0][1][1]
        n_sent = np.diff(rows)
        margin = np.full(len(LABELS), np.inf)
        for lab, m in self.sentence_margins.items():
            margin[_INDEX[lab]] = m
        thr = np.repeat((self._thr + margin)[None, :], len(sent), axis=0)
        if self.long_margin:
            thr[np.repeat(n_sent >= self.long_sentences, n_sent)] += self.long_margin
        # a label with no margin never fires here (its threshold stays infinite: capping every
        # threshold at 0.99 made any sentence scoring 0.99 a hit for every label)
        extra = np.repeat(n_sent >= 2, n_sent)[:, None] & (sent >= np.where(np.isfinite(thr), np.minimum(thr, 0.99), np.inf))
        sk, sj = np.nonzero(extra)
        if not len(sk):
            return ks, hits
        local = (sk - np.repeat(rows[:-1], n_sent)[sk]).tolist()  # sentence within its doc
        if self.sentence_margin_words:
            long_enough = self._words_at_least(docs, scored, np.searchsorted(rows, sk, side="right") - 1, local)
            sk, sj = sk[long_enough], sj[long_enough]
            local = [k for k, ok in zip(local, long_enough.tolist()) if ok]
            if not len(sk):
                return ks, hits
        every = hits + list(zip(local, sj.tolist(), sent[sk, sj].tolist()))
        all_ks = np.concatenate([ks, sk])
        order = np.argsort(all_ks, kind="stable")
        return all_ks[order], [every[i] for i in order.tolist()]

    def _words_at_least(self, docs: list[Doc], scored, doc_of: np.ndarray, local: list) -> np.ndarray:
        """For each (scored doc, sentence within it): whether the sentence holds at least
        ``sentence_margin_words`` alphabetic tokens (read as arrays, no Token objects)."""
        alpha: dict[int, np.ndarray] = {}
        out = np.zeros(len(local), dtype=bool)
        for m, (n, k) in enumerate(zip(doc_of.tolist(), local)):
            i, sc = scored[n]
            if n not in alpha:
                alpha[n] = _words_before(docs[i])
            a, b = (int(x) for x in sc[0][k][:2])
            out[m] = alpha[n][b] - alpha[n][a] >= self.sentence_margin_words
        return out

    def _annotate(self, doc: Doc, rules, ranges, win, hits, cats: list, courtesy: bool = False) -> None:
        """``hits``: (evidence sentence, label index, window score) of the windows over threshold,
        None without classifier scores; ``cats``: the doc's highest window score per label;
        ``courtesy``: bare courtesy is furniture too (:meth:`_courtesy`)."""
        rule_spans = doc.spans.get(rules.spans_key) if rules is not None and doc.spans else None
        if not rule_spans and not hits:
            doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key)
            doc.cats = dict(zip(LABELS, cats))
            return
        if hits is None:  # rules only (no classifier): one range per sentence
            starts = [s.start for s in doc.sents] if doc.has_annotation("SENT_START") else [0]
            ranges = np.array(list(zip(starts, starts[1:] + [len(doc)])), dtype="i8").reshape(-1, 2)
            win = None
        bounds = ranges.tolist()
        starts = [a for a, _ in bounds]
        # (sentence, label) -> [score, model score, rule id, decided by a rule]
        found: dict[tuple[int, int], list] = {}
        vetoed: set[tuple[int, int]] = set()
        cues: dict[tuple[int, int], str] = {}  # hits of rules that only explain
        for span in rule_spans or ():
            k = bisect_right(starts, span.start) - 1
            label = span.label_
            if label.startswith(VETO_PREFIX):
                j = _INDEX.get(label[len(VETO_PREFIX):])
                if j is not None:
                    vetoed.add((k, j))
                continue
            j = _INDEX.get(label)
            if j is None or (k, j) in found:
                continue
            if not rules.decides(span.id_):
                cues.setdefault((k, j), span.id_)
                continue
            m = float(win[k, j]) if win is not None else _NAN
            if m < self._rfloor[j]:  # (False for NaN: without a classifier every hit counts)
                continue
            found[(k, j)] = [max(rules.weight(span.id_), 0.0 if isnan(m) else m), m, span.id_, True]
        if hits and self.min_model_words and self._too_short(doc, bounds, courtesy):
            hits = ()
        for e, j, score in hits or ():
            got = found.get((e, j))
            if got is None:
                if (e, j) not in vetoed:
                    found[(e, j)] = [score, score, cues.get((e, j), ""), False]
            elif isnan(got[1]) or score > got[1]:
                got[1] = score
                got[0] = max(got[0], score)
        if found:  # mail furniture (when skipped) and sentences in a script the detector cannot read
            texts = {k: doc[bounds[k][0]:bounds[k][1]].text for k in {k for k, _ in found}}
            unread = {k for k, t in texts.items() if not self.may_carry_label(t, courtesy)}
            found = {key: val for key, val in found.items() if key[0] not in unread}
            if self._courtesy_idx:  # bare courtesy carries none of the courtesy labels
                bare = {k for k, t in texts.items() if furniture_kind(t, courtesy=True) == "courtesy"}
                found = {key: val for key, val in found.items()
                         if not (key[0] in bare and key[1] in self._courtesy_idx)}
        if self.max_labels > 0 and len(found) > self.max_labels:
            found = self._cap(found)
        out = []
        user_data = doc.user_data
        for (k, j), (score, m, rule_id, _) in sorted(found.items()):
            lab = LABELS[j]
            span = Span(doc, bounds[k][0], bounds[k][1], label=lab, span_id=rule_id)
            user_data[(_KEY, span.start_char, span.end_char, lab)] = (
                score, None if isnan(m) else m, rule_id, explanation(rule_id, m))
            out.append(span)
            cats[j] = max(cats[j], score)
        doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, spans=out)
        doc.cats = dict(zip(LABELS, cats))

    def _too_short(self, doc: Doc, bounds: list, courtesy: bool) -> bool:
        """Whether the text's sentences that may carry a label hold fewer than ``min_model_words``
        words (alphabetic tokens). Furniture is looked for only in texts of fewer than
        :data:`SHORT_TEXT_WORDS` words: a longer one is never that short."""
        words = _words_before(doc)
        total = int(words[-1])
        if total < self.min_model_words:
            return True
        if total >= SHORT_TEXT_WORDS:
            return False
        kept = sum(int(words[b] - words[a]) for a, b in bounds if self.may_carry_label(doc[a:b].text, courtesy))
        return kept < self.min_model_words

    def _cap(self, found: dict) -> dict:
        """At most ``max_labels`` labels per sentence: rule hits first, then by score / threshold."""
        per: dict[int, list] = {}
        thr = self._thr.tolist()
        for (k, j), (score, m, rule_id, by_rule) in found.items():
            per.setdefault(k, []).append((by_rule, score / max(thr[j], 1e-6), j))
        keep = set()
        for k, items in per.items():
            items.sort(reverse=True)
            keep.update((k, j) for _, _, j in items[:self.max_labels])
        return {key: val for key, val in found.items() if key in keep}


@Language.factory(
    "signal_combiner",
    default_config={"model_pipe": "signal_classifier", "rules_pipe": "signal_rules", "spans_key": "signals",
                    "thresholds": {}, "default_threshold": 0.5, "sentence_thresholds": {}, "max_labels": 0,
                    "long_margin": 0.0, "long_sentences": 4, "rule_floors": {}, "skip_boilerplate": True,
                    "route": None, "sentence_margins": {}, "min_model_words": 0, "sentence_margin_words": 0,
                    "courtesy_labels": []},
)
def make_signal_combiner(nlp: Language, name: str, model_pipe: str, rules_pipe: str, spans_key: str,
                         thresholds: dict, default_threshold: float, sentence_thresholds: dict,
                         max_labels: int, long_margin: float, long_sentences: int,
                         rule_floors: dict, skip_boilerplate: bool, route: str | None,
                         sentence_margins: dict, min_model_words: int, sentence_margin_words: int,
                         courtesy_labels: list) -> SignalCombiner:
    return SignalCombiner(nlp, name, model_pipe, rules_pipe, spans_key, thresholds, default_threshold,
                          sentence_thresholds, max_labels, long_margin, long_sentences, rule_floors,
                          skip_boilerplate, route, sentence_margins, min_model_words, sentence_margin_words,
                          courtesy_labels)
