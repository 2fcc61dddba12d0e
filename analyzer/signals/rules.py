"""``signal_rules``: high-precision cue patterns per signal label, marked as spans with the rule id.

Patterns are data, one JSONL file per label under ``analyzer/signals/patterns/<label>.jsonl``; each
line is one rule::

    {"id": "apology/sorry_for_delay", "label": "apology",
     "pattern": [{"LOWER": {"IN": ["sorry", "apologies"]}}, {"LOWER": "for"}, ...]}   # Matcher
    {"id": "forgiveness/no_harm_done", "label": "forgiveness", "phrase": "no harm done"}  # PhraseMatcher (LOWER)
    {"id": "apology/not_sympathy", "label": "apology", "veto": true, "phrase": "sorry to hear"}

Token patterns use ``LOWER`` and ``LEMMA`` (the pipeline's lookup lemmatizer runs before this
component); phrases are matched on ``LOWER``. A ``veto`` rule marks a well-known false friend of a
label ("sorry to hear" is sympathy, not an apology): the combiner then drops the model's guess for
that label in that sentence unless a positive rule for it fired too. ``weight`` (default 0.9) is
the score a rule hit gives its label.

Speed: each token pattern gets its own Matcher, run on a doc only when the doc passes the pattern's
gate (a necessary condition for a match, computed for a whole batch of docs from their LOWER/LEMMA
arrays; fixed-length literal patterns are matched from those arrays directly): see
:mod:`analyzer.signals.rule_gate`. The matches are exactly those of running every pattern on every doc.

The component writes ``doc.spans[spans_key]``: one span per hit, ``span.label_`` = the label
(``"not:<label>"`` for vetoes) and ``span.id_`` = the rule id. The patterns are serialized with the
pipeline (``to_disk``/``from_disk``/``to_bytes``/``from_bytes``), so a saved pipeline never needs
the source files again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import srsly
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, SpanGroup
from spacy.util import ensure_path, minibatch

from analyzer.errors import ModelError
from analyzer.signals.labels import LABELS
from analyzer.signals.rule_gate import PatternGate, spec_anchor

#: Where the shipped pattern files live (one ``<label>.jsonl`` per label).
PATTERNS_DIR = Path(__file__).resolve().parent / "patterns"
VETO_PREFIX = "not:"
DEFAULT_WEIGHT = 0.9


def read_pattern_files(directory: Path | str = PATTERNS_DIR) -> list[dict]:
    """All rules of ``directory/*.jsonl``, validated; raises ModelError naming the bad line."""
    rules: list[dict] = []
    directory = Path(directory)
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise ModelError(f"no pattern files (*.jsonl) in {directory}")
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rule = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ModelError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
            rules.append(validate_rule(rule, where=f"{path}:{lineno}"))
    return rules


def _spec_words(spec: dict) -> set[str] | None:
    """The literal words a token spec requires (LOWER/LEMMA equality or IN), None if unconstrained."""
    anchor = spec_anchor(spec)
    return anchor[1] if anchor else None


def anchor_words(pattern: list[dict]) -> list[set[str]]:
    """The word sets of a token pattern's required specs: a doc can only match when it contains a
    word of every set (as LOWER or LEMMA). Empty when the pattern has no literal required spec."""
    return [words for words in map(_spec_words, pattern) if words]


def validate_rule(rule: dict, where: str = "rule") -> dict:
    if not isinstance(rule, dict) or not isinstance(rule.get("id"), str):
        raise ModelError(f"{where}: a rule needs a string 'id'")
    if rule.get("label") not in LABELS:
        raise ModelError(f"{where}: unknown label {rule.get('label')!r}")
    if ("pattern" in rule) == ("phrase" in rule):
        raise ModelError(f"{where}: a rule needs exactly one of 'pattern' (token list) or 'phrase' (text)")
    if "pattern" in rule and not (isinstance(rule["pattern"], list) and rule["pattern"]):
        raise ModelError(f"{where}: 'pattern' must be a non-empty list of token specs")
    if "phrase" in rule and not (isinstance(rule["phrase"], str) and rule["phrase"].strip()):
        raise ModelError(f"{where}: 'phrase' must be non-empty text")
    if not isinstance(rule.get("decides", True), bool):
        raise ModelError(f"{where}: 'decides' must be true or false")
    return rule


class SignalRules:
    """Matcher + PhraseMatcher over per-label cue patterns (see the module docstring)."""

    def __init__(self, nlp: Language, name: str = "signal_rules", spans_key: str = "signal_rules"):
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.rules: list[dict] = []
        self._reset()

    def _reset(self) -> None:
        self.matcher = Matcher(self.nlp.vocab, validate=True)  # token patterns without an anchor
        self._gate = PatternGate()  # token patterns with an anchor: one Matcher each, run when gated in
        self.phrase_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._label_of: dict[int, str] = {}  # match key -> span label
        self._weight_of: dict[str, float] = {}
        self._explains_only: set[str] = set()

    # -- building -----------------------------------------------------------------------------
    def initialize(self, get_examples=None, *, nlp: Language | None = None,
                   patterns_dir: str | None = None) -> None:
        """Load the rules from ``patterns_dir`` (default: the shipped pattern files)."""
        self.clear()
        self.add_patterns(read_pattern_files(patterns_dir or PATTERNS_DIR))

    def clear(self) -> None:
        self.rules = []
        self._reset()

    def add_patterns(self, rules: Iterable[dict]) -> None:
        rules = [validate_rule(r) for r in rules]
        phrase_rules = [r for r in rules if "phrase" in r]
        # one batched make_doc over all phrases (PhraseMatcher wants Docs)
        phrase_docs = list(self.nlp.tokenizer.pipe([r["phrase"] for r in phrase_rules]))
        by_phrase_id: dict[str, list[Doc]] = {}
        for rule, pdoc in zip(phrase_rules, phrase_docs):
            by_phrase_id.setdefault(rule["id"], []).append(pdoc)
        for rule in rules:
            key = self.nlp.vocab.strings.add(rule["id"])
            span_label = (VETO_PREFIX if rule.get("veto") else "") + rule["label"]
            if self._label_of.get(key, span_label) != span_label:
                raise ModelError(f"rule id {rule['id']!r} is used for two labels")
            self._label_of[key] = span_label
            self.nlp.vocab.strings.add(span_label)
            self._weight_of[rule["id"]] = float(rule.get("weight", DEFAULT_WEIGHT))
            if rule.get("decides", True) is False:
                self._explains_only.add(rule["id"])
            if "pattern" in rule:
                matcher = Matcher(self.nlp.vocab, validate=True)  # this pattern alone, run when gated in
                try:
                    matcher.add(rule["id"], [rule["pattern"]])
                except Exception as exc:  # spaCy raises ValueError/MatchPatternError on bad specs
                    raise ModelError(f"rule {rule['id']!r}: invalid pattern ({exc})") from None
                if not self._gate.add(key, matcher, rule["pattern"], self.nlp.vocab.strings):
                    self.matcher.add(rule["id"], [rule["pattern"]])  # no anchor: runs on every doc
            self.rules.append(rule)
        for rule_id, pdocs in by_phrase_id.items():
            self.phrase_matcher.add(rule_id, pdocs)

    def weight(self, rule_id: str) -> float:
        return self._weight_of.get(rule_id, DEFAULT_WEIGHT)

    def decides(self, rule_id: str) -> bool:
        """False for a cue that only explains: its hit is a classifier feature and names the rule in a
        result the model found, but does not yield the label by itself (``"decides": false``)."""
        return rule_id not in self._explains_only

    # -- running ------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        self._annotate([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for docs in minibatch(stream, size=batch_size):
            self._annotate(docs)
            yield from docs

    def _annotate(self, docs: list[Doc]) -> None:
        gated = self._gate.matches(docs)
        strings = self.nlp.vocab.strings
        label_of = self._label_of
        for doc, extra in zip(docs, gated):
            matches = self.phrase_matcher(doc)
            if len(self.matcher):
                matches += self.matcher(doc)
            if extra:
                matches += extra
            seen: set[tuple[int, int, int]] = set()
            spans = []
            for match in matches:
                if match in seen:
                    continue
                seen.add(match)
                key, start, end = match
                spans.append(Span(doc, start, end, label=label_of[key], span_id=strings[key]))
            doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, spans=spans)

    # -- serialization ------------------------------------------------------------------------
    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return srsly.msgpack_dumps({"rules": self.rules})

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "SignalRules":
        self.clear()
        self.add_patterns(srsly.msgpack_loads(data)["rules"])
        return self

    def to_disk(self, path, *, exclude=tuple()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_jsonl(path / "patterns.jsonl", self.rules)

    def from_disk(self, path, *, exclude=tuple()) -> "SignalRules":
        path = ensure_path(path) / "patterns.jsonl"
        if not path.is_file():
            raise ModelError(f"signal_rules: missing {path}")
        self.clear()
        self.add_patterns(srsly.read_jsonl(path))
        return self


@Language.factory("signal_rules", default_config={"spans_key": "signal_rules"})
def make_signal_rules(nlp: Language, name: str, spans_key: str) -> SignalRules:
    return SignalRules(nlp, name=name, spans_key=spans_key)
