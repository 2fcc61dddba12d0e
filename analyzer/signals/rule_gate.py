"""Batch gating of the token patterns of ``signal_rules``: which pattern can match which doc.

spaCy's Matcher builds a Python Token object per token and pattern state, so running every token
pattern on every doc costs more than the rest of the rule component. :class:`PatternGate` holds one
Matcher per token pattern and runs it on a doc only when the doc passes the pattern's gate, a
*necessary* condition for a match (so the matches are exactly those of running every Matcher on
every doc):

1. every required literal spec (``LOWER``/``LEMMA`` equality or ``IN``, no ``OP`` or ``+``) matches
   some token of the doc in that very attribute; other specs with words (``!``, counted ops) need
   one of their words in the doc as ``LOWER`` or ``LEMMA`` (the historic anchor test, kept as is);
2. the required literal specs occur *in order, at distances the pattern allows*: between two of them
   lie specs that consume a known minimum and maximum number of tokens (``?`` 0-1, ``{0,3}`` 0-3, a
   plain spec 1), so spec ``b`` must sit ``min..max`` tokens after spec ``a``.

Both tests are computed for a whole batch of docs at once from their ``LOWER``/``LEMMA`` arrays (one
sorted word table per attribute and a word x condition matrix, then sorted position arrays).
Fixed-length patterns made only of literal specs (``[{"LEMMA": {"IN": [...]}}]``, ``[{"LOWER": "too"},
{"LOWER": {"IN": [...]}}]``) need no Matcher at all: test 2 with exact distances *is* their match,
reported by start as the Matcher reports them. A doc without lemma annotation takes the plain path
(every Matcher whose words occur in the doc, as LOWER or LEMMA), as before the gate existed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from spacy.attrs import LEMMA, LOWER
from spacy.matcher import Matcher
from spacy.tokens import Doc

COLUMN = {"LOWER": 0, "LEMMA": 1}  # column of an attribute in ``doc.to_array([LOWER, LEMMA])``
_UNBOUNDED = 1 << 30
_COUNT = re.compile(r"^\{(\d*)(,?)(\d*)\}$")

Match = tuple[int, int, int]


def spec_anchor(spec: dict) -> tuple[str, set[str]] | None:
    """(attribute, literal words) a token spec requires (LOWER/LEMMA equality or IN), None if unconstrained."""
    if spec.get("OP") in ("?", "*") or (isinstance(spec.get("OP"), str) and spec["OP"].startswith("{0")):
        return None
    for attr in COLUMN:
        value = spec.get(attr)
        if isinstance(value, str):
            return attr, {value}
        if isinstance(value, dict) and isinstance(value.get("IN"), list):
            return attr, {str(v) for v in value["IN"]}
    return None


def _width(spec: dict) -> tuple[int, int]:
    """Fewest and most tokens a spec consumes."""
    op = spec.get("OP")
    if op in (None, "!"):
        return 1, 1
    fixed = {"?": (0, 1), "*": (0, _UNBOUNDED), "+": (1, _UNBOUNDED)}
    if op in fixed:
        return fixed[op]
    got = _COUNT.match(op) if isinstance(op, str) else None
    if not got:
        return 0, _UNBOUNDED  # unknown: no distance constraint (the Matcher rejects it anyway)
    lo, comma, hi = got.groups()
    lo_n = int(lo or 0)
    return lo_n, (int(hi) if hi else (_UNBOUNDED if comma else lo_n))


def _is_literal(spec: dict) -> bool:
    """A spec that is exactly one LOWER/LEMMA equality or IN test (no OP, nothing else)."""
    if len(spec) != 1 or next(iter(spec)) not in COLUMN:
        return False
    value = next(iter(spec.values()))
    return isinstance(value, str) or (isinstance(value, dict) and list(value) == ["IN"]
                                      and isinstance(value["IN"], list) and all(isinstance(v, str) for v in value["IN"]))


@dataclass
class GatedPattern:
    key: int  # match key (hash of the rule id)
    matcher: Matcher  # a Matcher holding only this pattern
    conditions: list[int]  # test 1: every condition must hold somewhere in the doc
    chain: list[tuple[int, int, int]]  # test 2: (condition, min, max distance from the previous link)
    anchors: list[frozenset[int]]  # word hashes of each anchor spec (either attribute): the plain-path gate
    literal: bool  # the chain is the whole pattern at exact distances: matched from the arrays
    reach: int  # most tokens a match spans (>= any doc when unbounded): the Matcher runs near chain ends only


@dataclass
class PatternGate:
    """The gated token patterns of a rule component and their word tables."""

    patterns: list[GatedPattern] = field(default_factory=list)
    conditions: dict[tuple[tuple[int, ...], frozenset[int]], int] = field(default_factory=dict)
    _tables: list[tuple[pd.Index, np.ndarray, np.ndarray]] | None = None
    _either: bool = False  # some condition tests both columns

    def add(self, key: int, matcher: Matcher, pattern: list[dict], strings) -> bool:
        """Gate ``pattern`` (already added to ``matcher``, or to be); False if it has no anchor (the
        caller then runs it on every doc)."""
        anchors = [(spec, anchor) for spec in pattern if (anchor := spec_anchor(spec)) and anchor[1]]
        if not anchors:
            return False
        conditions, chain, gap = [], [], (0, 0)
        for spec in pattern:
            anchor = spec_anchor(spec)
            lo, hi = _width(spec)
            if anchor and anchor[1]:
                precise = spec.get("OP") in (None, "+")
                cols = (COLUMN[anchor[0]],) if precise else (0, 1)
                cond = (cols, frozenset(strings.add(w) for w in anchor[1]))
                self._either |= len(cols) > 1
                index = self.conditions.setdefault(cond, len(self.conditions))
                conditions.append(index)
                if precise:
                    chain.append((index, gap[0], gap[1]))
                    gap = (0, 0)
            gap = (gap[0] + lo, min(gap[1] + hi, _UNBOUNDED))
        literal = len(chain) == len(pattern) and all(map(_is_literal, pattern))
        words = [frozenset(strings.add(w) for w in anchor[1]) for _, anchor in anchors]
        reach = min(sum(_width(spec)[1] for spec in pattern), _UNBOUNDED)
        self.patterns.append(GatedPattern(key, matcher, conditions, chain, words, literal, reach))
        self._tables = None
        return True

    def _word_tables(self) -> list[tuple[pd.Index, np.ndarray, np.ndarray]]:
        """Per column: a hash index of the word hashes and, per word, its conditions (CSR: ``ptr``, ``conds``)."""
        if self._tables is None:
            self._tables = []
            for col in (0, 1):
                by_word: dict[int, list[int]] = {}
                for (cols, words), c in self.conditions.items():
                    if col in cols:
                        for w in words:
                            by_word.setdefault(w, []).append(c)
                words = sorted(by_word)
                ptr = np.cumsum([0] + [len(by_word[w]) for w in words])
                conds = np.array([c for w in words for c in sorted(by_word[w])], dtype="i8")
                self._tables.append((pd.Index(np.array(words, dtype="uint64")), ptr, conds))
        return self._tables

    def _condition_positions(self, arr: np.ndarray) -> list[np.ndarray]:
        """Per condition, the sorted rows of a [LOWER, LEMMA] array (tokens) that meet it."""
        n = len(arr)
        found = []
        for col, (index, ptr, conds) in enumerate(self._word_tables()):
            if len(index):
                word = index.get_indexer(arr[:, col])
                hit = np.flatnonzero(word >= 0)
                word = word[hit]
                count = ptr[word + 1] - ptr[word]
                first = np.repeat(ptr[word] - (np.cumsum(count) - count), count)
                found.append(conds[first + np.arange(len(first))] * n + np.repeat(hit, count))
        key = np.sort(np.concatenate(found))  # by condition, then position
        if self._either and len(key):  # a token can meet an "LOWER or LEMMA" condition twice
            key = key[np.r_[True, key[1:] != key[:-1]]]
        return np.split(key % n, np.searchsorted(key, np.arange(1, len(self.conditions)) * n))

    @staticmethod
    def _chain_ends(chain: list[tuple[int, int, int]], where: list[np.ndarray]) -> np.ndarray:
        """Global token positions where the last link of ``chain`` can sit (test 2)."""
        ends = where[chain[0][0]]
        for cond, lo, hi in chain[1:]:
            if not len(ends):
                break
            cand = where[cond]
            # the latest earlier link at distance >= lo, and it must be at distance <= hi
            i = np.searchsorted(ends, cand - lo, side="right") - 1
            ok = i >= 0
            ok[ok] = cand[ok] - ends[i[ok]] <= hi
            ends = cand[ok]
        return ends

    def matches(self, docs: list[Doc]) -> list[list[Match]]:
        """Per doc, the matches of the gated patterns, pattern by pattern in the order they were added."""
        out: list[list[Match]] = [[] for _ in docs]
        live = [i for i, doc in enumerate(docs) if len(doc)]
        if not self.patterns or not live:
            return out
        arrays = [docs[i].to_array([LOWER, LEMMA]) for i in live]
        arr = np.concatenate(arrays) if len(arrays) > 1 else arrays[0]
        lengths = [len(a) for a in arrays]
        starts = np.cumsum([0] + lengths[:-1])
        ends_of = starts + lengths
        where = self._condition_positions(arr)
        loose = sorted({c for p in self.patterns for c in p.conditions if c not in {k for k, _, _ in p.chain}})
        has = {}  # doc-level presence of the conditions outside any chain (test 1)
        for c in loose:
            has[c] = np.zeros(len(live), dtype=bool)
            has[c][np.searchsorted(starts, where[c], side="right") - 1] = True
        todo: dict[int, list] = {}  # live doc -> [(pattern, its matches or the token range to match)]
        for pattern in self.patterns:
            if pattern.chain:
                ends = self._chain_ends(pattern.chain, where)
                if not len(ends):
                    continue
                end_doc = np.searchsorted(starts, ends, side="right") - 1
            else:  # the whole doc
                end_doc = np.arange(len(live))
                ends = starts.copy()
            chained = {k for k, _, _ in pattern.chain}
            for c in pattern.conditions:
                if c not in chained:
                    keep = has[c][end_doc]
                    ends, end_doc = ends[keep], end_doc[keep]
            if not len(ends):
                continue
            if not pattern.literal:  # run the Matcher on the part of the doc a match can lie in
                reach = pattern.reach if pattern.chain else _UNBOUNDED
                first = np.flatnonzero(np.r_[True, end_doc[1:] != end_doc[:-1]])
                last = np.r_[first[1:], len(end_doc)] - 1
                lo = np.maximum(ends[first] - reach, starts[end_doc[first]]) - starts[end_doc[first]]
                hi = np.minimum(ends[last] + reach, ends_of[end_doc[last]]) - starts[end_doc[first]]
                for d, a, b in zip(end_doc[first].tolist(), lo.tolist(), hi.tolist()):
                    todo.setdefault(d, []).append((pattern, (a, b)))
                continue
            n = len(pattern.chain)  # a literal chain end is a match end; the match must start in its doc
            inside = ends - (n - 1) >= starts[end_doc]
            found: dict[int, list] = {}
            for d, e in zip(end_doc[inside].tolist(), (ends - starts[end_doc])[inside].tolist()):
                found.setdefault(d, []).append((pattern.key, e - n + 1, e + 1))
            for d, got in found.items():
                todo.setdefault(d, []).append((pattern, got))  # a list: the matches themselves
        lemmatized = np.logical_or.reduceat(arr[:, 1] != 0, starts).tolist()
        for d, i in enumerate(live):
            if not lemmatized[d]:
                out[i] = self._plain_matches(docs[i], arrays[d])
                continue
            for pattern, found in todo.get(d, ()):
                if isinstance(found, tuple):
                    a, b = found
                    found = [(key, a + s, a + e) for key, s, e in pattern.matcher(docs[i][a:b])]
                out[i] += found
        return out

    def _plain_matches(self, doc: Doc, arr: np.ndarray) -> list[Match]:
        """The gated matches of one doc without the batch gate: every Matcher whose anchor words all
        occur in the doc (as LOWER or LEMMA), in order."""
        present = set(arr.ravel().tolist())
        found: list[Match] = []
        for pattern in self.patterns:
            if all(not words.isdisjoint(present) for words in pattern.anchors):
                found += pattern.matcher(doc)
        return found
