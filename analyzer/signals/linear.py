"""``signal_classifier``: a linear multi-label classifier over hashed n-gram and rule features.

Features of a piece of text (a token range of a Doc), TF-IDF style:

- lower-cased word unigrams and bigrams, lemma unigrams (``LEMMA`` from the lookup lemmatizer),
- character n-grams (``char_ngrams``, default 2..5) of each lower-cased word padded with spaces
  (scikit-learn's ``char_wb``), so "cancelled"/"cancelling"/"cancellation" share evidence,
- one feature per rule label of ``signal_rules`` whose hit starts in the range (``rule:apology``,
  ``rule:not:apology`` for vetoes), scaled by ``rule_scale``,
- with ``pair_window`` = K >= 2 (off in the shipped config): ordered pairs of lower-cased words 2 to K
  tokens apart in one sentence, whatever the distance ("your ... good" in "your deck was good"), each
  counted at its second word: a range of whole sentences holds exactly the pairs of its sentences.

Every occurrence of a known feature ``k`` (one kept at training time) has the value ``idf[k]``; a
range's vector is divided by ``sqrt(sum of idf[k]**2 over its occurrences + unknown_value**2 * number
of occurrences of unknown features)``, and the score of label ``j`` is ``sigmoid(x . W[:, j] + b[j])``.
With ``norm_blocks`` (the shipped config) that norm is taken per block, as scikit-learn's
``FeatureUnion`` of a word and a char ``TfidfVectorizer`` does: words, lemmas, bigrams and rule hits
form one block, char n-grams the other, so the many char n-grams of a text do not drown its words
(measured on the training data's out-of-fold scores and the first independent set, see TRAINING.md).
With ``skip_space``, whitespace tokens (blank lines, indentation: spaCy keeps them as tokens) have no
features, and no bigram spans them.
``unknown_value`` > 0 lets words the model never saw *dilute* the evidence of the few it knows (with 0,
as in scikit-learn's TfidfVectorizer, a long technical sentence with two known words scores like those
two words alone, which made ordinary mail over-fire). Because the model is linear and the norm is a sum
over occurrences, a range's score comes from *sums over its tokens*: the work per token is one lookup
of a per-word-type vector (cached for the process) plus one bigram lookup; each sentence's sums are
added up once, and a window's from its sentences' (:class:`analyzer.signals.range_sums.SentenceSums`). That is what makes
whole-window scoring as cheap as per-sentence scoring; :func:`training.signals.fit`
builds the identical feature matrix for training (a test checks both give the same scores).

``pipe`` scores, for every doc of a batch at once, each sentence and each *window* (the sentence
with ``context`` sentences either side, i.e. the whole text for short messages; with
``paragraph_windows`` a window does not reach past the sentence's paragraph, as recorded by
:mod:`analyzer.signals.paragraphs`) and stores them as
``doc.user_data[SCORES_KEY] = (sentence token ranges (n, 2), sentence scores (n, L), window
scores (n, L), evidence sentence of each window (n, L))`` in the order of
:data:`~analyzer.signals.labels.LABELS` (the evidence sentence of a window and label is the window's
sentence with the highest own score); ``doc.cats`` gets the
highest window score per label. :mod:`analyzer.signals.combine` turns these into decisions.

Weights are plain ``.npy`` arrays plus ``cfg.json`` in the component's folder (no pickle).
"""

from __future__ import annotations

from itertools import islice, pairwise
from typing import Iterable, Iterator

import numpy as np
import pandas as pd
import srsly
from spacy.attrs import IS_SPACE, LEMMA, LOWER, SENT_START
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import ensure_path

from analyzer.arrays import load_npy
from analyzer.errors import ModelError
from analyzer.signals.batches import laid_end_to_end, sentence_ranges, token_bounded, token_mask
from analyzer.signals.boilerplate import COURTESY_STARTERS, STARTERS, furniture_mask
from analyzer.signals.hashing import bigram_keys, pair_keys, rule_key
from analyzer.signals.labels import LABELS
from analyzer.signals.paragraphs import paragraph_bounds
from analyzer.signals.range_sums import SentenceSums, silence_tokens
from analyzer.signals.router import on_route
from analyzer.signals.type_table import WordTypeTable

SCORES_KEY = "analyzer.signal_scores"
#: Tokens scored in one go at most: the per-token sums hold several floats per token and label, so a
#: batch of long messages is scored in parts (about 100 MB of arrays); a batch of short ones at once.
MAX_BATCH_TOKENS = 200_000


class SignalClassifier:
    """Linear classifier over hashed features (see the module docstring); fitted by
    :func:`training.signals.fit.fit_classifier`."""

    def __init__(self, nlp: Language, name: str, rules_pipe: str, char_ngrams: tuple[int, int],
                 rule_scale: float, context: int, labels: Iterable[str] = LABELS, unknown_value: float = 0.0,
                 norm_blocks: bool = False, paragraph_windows: bool = False, skip_space: bool = False,
                 silent_furniture: bool = False, route: str | None = None, pair_window: int = 0):
        self.nlp = nlp
        self.name = name
        self.rules_pipe = rules_pipe
        self.char_ngrams = (int(char_ngrams[0]), int(char_ngrams[1]))
        self.rule_scale = float(rule_scale)
        self.context = int(context)
        self.unknown_value = float(unknown_value)
        self.norm_blocks = bool(norm_blocks)
        self.paragraph_windows = bool(paragraph_windows)
        self.skip_space = bool(skip_space)
        self.silent_furniture = bool(silent_furniture)
        self.pair_window = int(pair_window)
        self.route = route  # reads only the docs the language router sent on this route (analyzer.signals.router)
        self.labels = tuple(labels)
        self.set_weights(np.zeros(0, dtype="uint64"), np.zeros((0, len(self.labels)), dtype="f"),
                         np.zeros(0, dtype="f"), np.zeros(len(self.labels), dtype="f"))

    # -- weights ------------------------------------------------------------------------------
    @property
    def is_trained(self) -> bool:
        return len(self.keys_) > 0

    def set_weights(self, keys: np.ndarray, weights: np.ndarray, idf: np.ndarray, bias: np.ndarray) -> None:
        """Install learned state: sorted feature ``keys`` (uint64), ``weights`` (n_keys, n_labels),
        ``idf`` (n_keys,), ``bias`` (n_labels,)."""
        keys = np.asarray(keys, dtype="uint64")
        order = np.argsort(keys, kind="stable")
        self.keys_ = keys[order]
        # stored as float16 on disk: quantize here too, so a pipeline scores the same before and after saving
        self.weights_ = np.asarray(weights, dtype="f2")[order].astype("f")
        self.idf_ = np.asarray(idf, dtype="f2")[order].astype("f")
        self.bias_ = np.asarray(bias, dtype="f")
        if self.weights_.shape != (len(self.keys_), len(self.labels)) or self.idf_.shape != self.keys_.shape \
                or self.bias_.shape != (len(self.labels),):
            raise ModelError(f"{self.name}: inconsistent weight shapes")
        if len(self.keys_) > 1 and not (np.diff(self.keys_) > 0).all():
            raise ModelError(f"{self.name}: duplicate feature keys")
        # value * weight (float32) and value**2 per feature, and the hash lookup of feature keys: made
        # on first use (:meth:`_find`), so that a classifier no doc reaches (the language route's, on
        # English mail) holds only its weights. (Computing value * weight only for the rows looked up
        # saved memory but cost 4-5% of detection speed.)
        self._iw = self._i2 = self._key_index = None
        self._types = WordTypeTable(len(self.labels), self.char_ngrams, self.norm_blocks, self._feature_sums)
        self._rule_cache: dict[str, tuple[np.ndarray, float]] = {}

    def _find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row of each key in ``keys_`` and whether it is a known feature."""
        if not len(self.keys_):
            return np.zeros(len(keys), dtype="i8"), np.zeros(len(keys), dtype=bool)
        if self._key_index is None:
            # the float32 product, kept in float32 (half the memory of the float64 table it was:
            # rows added into float64 sums are widened exactly, so the sums are the same)
            self._iw = self.idf_[:, None] * self.weights_
            self._i2 = self.idf_.astype("f8") ** 2
            self._key_index = pd.Index(self.keys_)
        idx = self._key_index.get_indexer(keys)
        found = idx >= 0
        idx[~found] = 0
        return idx, found

    def _feature_sums(self, keys: np.ndarray, segments: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Per segment 0..n-1: sum of value*weight and of value**2 over the known ``keys``
        (``segments`` None: key i is segment i alone)."""
        idx, found = self._find(keys)
        v = np.zeros((n, len(self.labels)))
        s = np.zeros(n)
        if segments is None:  # one key per segment: a plain (and much faster) scatter, same sums
            at = np.flatnonzero(found)
            v[at] += self._iw[idx[at]]
            s[at] += self._i2[idx[at]]
            segments = np.arange(n)
        elif found.any():  # per label a bincount: the same sums in the same order as np.add.at, many times faster
            at, rows = segments[found], self._iw[idx[found]]
            for j in range(v.shape[1]):
                v[:, j] = np.bincount(at, weights=rows[:, j], minlength=n)
            s[:] = np.bincount(at, weights=self._i2[idx[found]], minlength=n)
        if self.unknown_value and not found.all():
            s += self.unknown_value ** 2 * np.bincount(segments[~found], minlength=n)
        return v, s

    def _add_pairs(self, lower: np.ndarray, sentence: np.ndarray, dropped: np.ndarray, tv: np.ndarray,
                   ts: np.ndarray) -> None:
        """Add each word pair's features (module doc: ``pair_window``) to the word-block sums of its
        second token, in place; ``sentence``: each token's sentence, ``dropped``: tokens with no features."""
        for k in range(2, self.pair_window + 1):
            if len(lower) <= k:
                break
            at = np.flatnonzero((sentence[:-k] == sentence[k:]) & ~dropped[:-k] & ~dropped[k:])
            if len(at):
                v, s = self._feature_sums(pair_keys(lower[at], lower[at + k]), None, len(at))
                tv[at + k] += v
                ts[at + k] += s

    def _rule_vector(self, span_label: str) -> tuple[np.ndarray, float]:
        got = self._rule_cache.get(span_label)
        if got is None:
            idx, found = self._find(np.array([rule_key(span_label)], dtype="uint64"))
            if found[0]:
                got = (self.rule_scale * self._iw[idx[0]].astype("f8"), float(self.rule_scale ** 2 * self._i2[idx[0]]))
            else:
                got = (np.zeros(len(self.labels)), float((self.rule_scale * self.unknown_value) ** 2))
            self._rule_cache[span_label] = got
        return got

    # -- scoring ------------------------------------------------------------------------------
    def score_batch(self, docs: list[Doc]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per doc: (sentence token ranges, sentence scores, window scores, evidence sentences); see the
        module docstring."""
        if not self.is_trained:
            raise ModelError(f"component {self.name!r} is not trained")
        n_labels = len(self.labels)
        arr, offsets = laid_end_to_end(docs, [LOWER, LEMMA, SENT_START, IS_SPACE])
        lengths = np.diff(offsets)
        total = int(offsets[-1])
        empty = (np.zeros((0, 2), dtype="i8"), np.zeros((0, n_labels), dtype="f"), np.zeros((0, n_labels), dtype="f"),
                 np.zeros((0, n_labels), dtype="i8"))
        if not total:
            return [empty for _ in docs]
        lower = arr[:, 0].copy()  # contiguous columns for the hash lookups
        lemma = arr[:, 1].copy()
        tv, ts, tcv, tcs = self._types.vectors(lower, lemma, docs[0].vocab.strings)
        # bigram i joins tokens i and i + 1; the last token of each doc (of the batch too) starts none
        bv, bs = self._feature_sums(bigram_keys(lower, np.append(lower[1:], lower[:1])), None, total)
        last = offsets[1:][lengths > 0] - 1
        bv[last] = 0.0
        bs[last] = 0.0
        if self.skip_space:  # whitespace tokens (blank lines, indentation) carry no features
            space = arr[:, 3] == 1
            if space.any():
                silence_tokens(space, tv, ts, tcv, tcs, bv, bs)
        s_start, s_end, doc_of = sentence_ranges(arr, offsets)
        k = np.arange(len(s_start))
        first_sent = np.concatenate([[0], np.flatnonzero(doc_of[1:] != doc_of[:-1]) + 1])
        doc_first = first_sent[np.searchsorted(first_sent, k, side="right") - 1]
        doc_last = np.append(first_sent[1:] - 1, len(s_start) - 1)[np.searchsorted(first_sent, k, side="right") - 1]
        first, last = doc_first, doc_last
        if self.paragraph_windows:  # windows (and their evidence sentence) stay inside the paragraph
            first, last = paragraph_bounds(docs, offsets, s_start, doc_first, doc_last)
        # mail furniture ("Thank you!", "Best, Jo"): never a window's evidence while the window has
        # another; with ``silent_furniture`` its words count in no score at all, so it neither carries
        # a label nor lends one to its neighbours
        furniture = self._furniture(docs, arr, offsets, s_start, s_end, doc_of)
        quiet = token_mask(furniture, s_start, s_end, total) if self.silent_furniture and furniture.any() else None
        rules_key = self.rules_spans_key()
        for doc, off in zip(docs, offsets[:-1].tolist()):
            rules = doc.spans.get(rules_key) if rules_key and doc.spans else None
            if rules:
                for span in rules:
                    v, s = self._rule_vector(span.label_)
                    tv[off + span.start] += v
                    ts[off + span.start] += s
        if quiet is not None:  # after the rule hits, which land on tokens too
            silence_tokens(quiet, tv, ts, tcv, tcs, bv, bs)
        if self.pair_window >= 2:
            dropped = np.zeros(total, dtype=bool) if quiet is None else quiet.copy()
            if self.skip_space:
                dropped |= arr[:, 3] == 1
            self._add_pairs(lower, np.repeat(np.arange(len(s_start)), s_end - s_start), dropped, tv, ts)
        sums = SentenceSums(s_start, s_end, tv, ts, bv, bs, tcv, tcs)
        sent_scores = self._range_scores(*sums.sentences())
        win_scores = self._range_scores(*sums.windows(np.maximum(k - self.context, first),
                                                      np.minimum(k + self.context, last)))
        # evidence sentence of each window and label: the window's sentence with the highest own score
        choice = np.where(furniture[:, None], -np.inf, sent_scores)
        best = np.repeat(k[:, None], n_labels, axis=1)
        best_score = choice.copy()
        for off in [o for c in range(1, self.context + 1) for o in (-c, c)]:
            other = k + off
            ok = (other >= first) & (other <= last)
            other = np.where(ok, other, k)
            better = ok[:, None] & (choice[other] > best_score)
            best = np.where(better, other[:, None], best)
            best_score = np.where(better, choice[other], best_score)
        out: list = []
        # slice per doc (sentences are grouped by doc, in order)
        bounds = np.searchsorted(doc_of, np.arange(len(docs) + 1)).tolist()
        local = np.stack([s_start, s_end], axis=1) - offsets[doc_of][:, None]  # token ranges within the doc
        best -= doc_first[:, None]  # evidence sentence within the doc
        for a, b in pairwise(bounds):
            out.append((local[a:b], sent_scores[a:b], win_scores[a:b], best[a:b]) if a < b else empty)
        return out

    def _starter_keys(self, strings) -> np.ndarray:
        """Hashes of the lower-cased first words of greeting lines and sign-offs, and of bare courtesy
        with ``silent_furniture`` (cached)."""
        cached = getattr(self, "_starters", None)  # (silent_furniture, keys): follows the setting
        if cached is None or cached[0] != self.silent_furniture:
            words = STARTERS | COURTESY_STARTERS if self.silent_furniture else STARTERS
            cached = self._starters = (self.silent_furniture,
                                       np.array(sorted(strings.add(w) for w in words), dtype=np.uint64))
        return cached[1]

    def _furniture(self, docs, arr, offsets, s_start, s_end, doc_of) -> np.ndarray:
        """Per sentence: True for mail furniture (:mod:`analyzer.signals.boilerplate`; bare courtesy too
        with ``silent_furniture``). Only short sentences that start like furniture are read."""
        n_tok = s_end - s_start
        maybe = (n_tok <= 16) & (np.isin(arr[s_start, 0], self._starter_keys(docs[0].vocab.strings))
                                 | (n_tok <= 3) | (arr[s_start, 3] == 1))
        return furniture_mask(docs, offsets, s_start, s_end, doc_of, np.flatnonzero(maybe),
                              courtesy=self.silent_furniture)

    def quiet_tokens(self, doc: Doc) -> np.ndarray:
        """Per token of ``doc``: True where ``silent_furniture`` takes the token's features out of every
        score (the tokens of its furniture sentences). The training features (``training.signals.fit``)
        leave out the same tokens."""
        if not self.silent_furniture or not len(doc):
            return np.zeros(len(doc), dtype=bool)
        arr, offsets = laid_end_to_end([doc], [LOWER, LEMMA, SENT_START, IS_SPACE])
        s_start, s_end, doc_of = sentence_ranges(arr, offsets)
        return token_mask(self._furniture([doc], arr, offsets, s_start, s_end, doc_of), s_start, s_end, len(doc))

    def _range_scores(self, v, s, cv=None, cs=None) -> np.ndarray:
        """Label probabilities of ranges from their feature sums: ``v`` (n, L) and ``s`` (n,) of the
        word block, ``cv``/``cs`` of the char n-gram block with ``norm_blocks`` (else None)."""
        z, known = _normalised(v, s)
        if cv is not None:  # the char n-gram block, normalised on its own
            zc, known_c = _normalised(cv, cs)
            z += zc
            known |= known_c
        z += self.bias_
        p = 1.0 / (1.0 + np.exp(-z))
        p[~known] = 0.0
        return p.astype("f")

    def rules_spans_key(self) -> str | None:
        """``doc.spans`` key of the rule hits (None: no rule component in the pipeline)."""
        if not self.rules_pipe or self.rules_pipe not in self.nlp.component_names:
            return None
        return getattr(self.nlp.get_pipe(self.rules_pipe), "spans_key", self.rules_pipe)

    # -- running ------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        stream = iter(stream)
        while True:
            batch = list(islice(stream, batch_size))
            if not batch:
                return
            docs = on_route(batch, self.route)
            results = [r for part in token_bounded(docs, MAX_BATCH_TOKENS) for r in self.score_batch(part)]
            # highest window score per label and doc, for the whole batch at once
            wins = [scores[2] for scores in results if len(scores[2])]
            if wins:
                starts = np.cumsum([0] + [len(w) for w in wins[:-1]])
                maxima = iter(np.maximum.reduceat(np.concatenate(wins), starts, axis=0).tolist())
            zeros = [0.0] * len(self.labels)
            for doc, scores in zip(docs, results):
                doc.user_data[SCORES_KEY] = scores
                doc.cats = dict(zip(self.labels, next(maxima) if len(scores[2]) else zeros))
            yield from batch

    # -- serialization ------------------------------------------------------------------------
    def _cfg(self) -> dict:
        # the norm and window settings travel with the weights: the weights mean nothing without them
        return {"labels": list(self.labels), "n_features": int(len(self.keys_)),
                "norm_blocks": self.norm_blocks, "paragraph_windows": self.paragraph_windows,
                "skip_space": self.skip_space, "silent_furniture": self.silent_furniture}

    def _restore_cfg(self, cfg: dict) -> None:
        self.labels = tuple(cfg["labels"])
        self.norm_blocks = bool(cfg.get("norm_blocks", False))  # absent in files written before these options
        self.paragraph_windows = bool(cfg.get("paragraph_windows", False))
        self.skip_space = bool(cfg.get("skip_space", False))
        self.silent_furniture = bool(cfg.get("silent_furniture", False))

    def to_disk(self, path, *, exclude=tuple()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg.json", self._cfg())
        np.save(path / "keys.npy", self.keys_, allow_pickle=False)
        np.save(path / "weights.npy", self.weights_.astype("f2"), allow_pickle=False)
        np.save(path / "idf.npy", self.idf_.astype("f2"), allow_pickle=False)
        np.save(path / "bias.npy", self.bias_, allow_pickle=False)

    def from_disk(self, path, *, exclude=tuple()) -> "SignalClassifier":
        path = ensure_path(path)
        try:
            cfg = srsly.read_json(path / "cfg.json")
            arrays = [load_npy(path / f"{n}.npy") for n in ("keys", "weights", "idf", "bias")]
        except (OSError, ValueError) as exc:
            raise ModelError(f"{self.name}: cannot read weights from {path}: {exc}") from None
        self._restore_cfg(cfg)
        self.set_weights(*arrays)
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return srsly.msgpack_dumps({"cfg": self._cfg(), "keys": self.keys_.tobytes(),
                                    "weights": self.weights_.astype("f2").tobytes(),
                                    "idf": self.idf_.astype("f2").tobytes(), "bias": self.bias_.tobytes()})

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "SignalClassifier":
        msg = srsly.msgpack_loads(data)
        self._restore_cfg(msg["cfg"])
        n = len(self.labels)
        self.set_weights(np.frombuffer(msg["keys"], dtype="uint64"),
                         np.frombuffer(msg["weights"], dtype="f2").reshape(-1, n),
                         np.frombuffer(msg["idf"], dtype="f2"), np.frombuffer(msg["bias"], dtype="f"))
        return self


def _normalised(v: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A block's evidence ``v / sqrt(s)`` per range, and which ranges have any: a range with no known
    feature (no sum of squares, or no weight) has no evidence either way (0)."""
    known = (s > 1e-12) & (v != 0.0).any(axis=1)
    return np.where(known[:, None], v / np.sqrt(np.where(known, s, 1.0))[:, None], 0.0), known


@Language.factory(
    "signal_classifier", assigns=["doc.cats"],
    default_config={"rules_pipe": "signal_rules", "char_ngrams": [2, 5], "rule_scale": 1.0, "context": 1,
                    "unknown_value": 0.0, "norm_blocks": False, "paragraph_windows": False, "skip_space": False,
                    "silent_furniture": False, "route": None, "pair_window": 0},
)
def make_signal_classifier(nlp: Language, name: str, rules_pipe: str, char_ngrams: list[int],
                           rule_scale: float, context: int, unknown_value: float,
                           norm_blocks: bool, paragraph_windows: bool, skip_space: bool,
                           silent_furniture: bool, route: str | None, pair_window: int) -> SignalClassifier:
    return SignalClassifier(nlp, name, rules_pipe, tuple(char_ngrams), rule_scale, context,
                            unknown_value=unknown_value, norm_blocks=norm_blocks,
                            paragraph_windows=paragraph_windows, skip_space=skip_space,
                            silent_furniture=silent_furniture, route=route, pair_window=pair_window)
