"""The shortcuts taken in reply splitting and signature finding give the same results as the
straightforward definitions they replace (kept here as references), on real mail and on
adversarial text.

* ``split_reply`` strips each line once and reads a line as quoted when its stripped text
  starts with ``>`` (the old ``^\\s*>`` regex per line);
* the separator and attribution-start patterns are each tried as one alternation regex
  (the old ``any(p.match(...) for p in patterns)``);
* ``_attribution_end`` joins the lines only when one ends with a colon;
* ``_join_all`` builds the new, quoted and signature texts in one pass (the old ``_join`` ran
  once per label);
* ``signature_start`` only looks at the last own lines that could start a signature.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

from analyzer.ingest import reply, signature
from analyzer.ingest.reply import NEW, QUOTED, SIGNATURE, split_reply
from analyzer.ingest.signature import TAIL_LIMITS, signature_start

_OLD_QUOTE_LINE = re.compile(r"^\s*>")
#: Unicode whitespace of every kind str.split()/str.strip() and the regex \s know about.
_WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def _real_bodies(realmail: Path) -> list[str]:
    """Text of the real corpus in mail-sized pieces (as many shapes of line as possible)."""
    out = []
    for path in sorted(realmail.rglob("*")):
        if path.is_file() and path.suffix not in (".gz", ".pst", ".msg", ".zip"):
            text = path.read_bytes()[:300_000].decode("utf-8", "replace")
            out.extend(text[i:i + 6000] for i in range(0, len(text), 6000))
    return out


@pytest.fixture(scope="module")
def bodies(realmail) -> list[str]:
    got = _real_bodies(realmail)
    assert len(got) > 300
    return got


def _lines(body: str) -> list[str]:
    return body.replace("\r\n", "\n").replace("\r", "\n").split("\n")


# --- references: the code as it was ---------------------------------------------------------

def _old_join(lines: list[str], labels: list[int], wanted: int) -> str:
    runs: list[list[str]] = []
    pending: list[str] = []
    last_label = None
    for line, label in zip(lines, labels):
        if not line.strip():
            pending.append(line)
            continue
        if label == wanted:
            if last_label == wanted and runs:
                runs[-1].extend(pending)
                runs[-1].append(line)
            else:
                runs.append([line])
        pending = []
        last_label = label
    return "\n\n".join("\n".join(run).strip() for run in runs).strip()


def _old_attribution_end(lines: list[str], i: int, pats) -> int | None:
    first = lines[i].strip()
    if not any(start.match(first) for start, _ in pats.attributions):
        return None
    joined = ""
    for j in range(i, min(i + reply.MAX_ATTRIBUTION_LINES, len(lines))):
        part = lines[j].strip()
        if not part or len(part) > reply.MAX_HEADER_LINE or (j > i and _OLD_QUOTE_LINE.match(part)):
            return None
        joined = f"{joined} {part}" if joined else part
        if not part.endswith(":"):
            continue
        tail = joined[-reply.ATTRIBUTION_TAIL:]
        for start, end in pats.attributions:
            if start.match(first) and end.search(tail):
                return j
    return None


def _old_signature_start(lines, own) -> int | None:
    pats = signature._patterns()
    n = len(own)
    for k in range(n):
        line = lines[own[k]].strip()
        kind = signature._kind(line, k, pats)
        if kind is not None and n - k - 1 <= TAIL_LIMITS[kind]:
            return k
        if kind is None and k >= 1 and n - k <= TAIL_LIMITS["name_block"] and not lines[own[k] - 1].strip():
            block = [lines[i].strip() for i in own[k:]]
            if all(own[j + 1] == own[j] + 1 for j in range(k, n - 1)) and signature._is_name_block(block, pats):
                return k
    return None


# --- the checks ----------------------------------------------------------------------------

def test_strip_and_regex_agree_on_what_whitespace_is():
    # str.strip() and the regex \s must agree for `stripped.startswith(">")` == `^\s*>`
    assert _WHITESPACE == "".join(re.findall(r"\s", "".join(map(chr, range(sys.maxunicode + 1)))))
    for ch in _WHITESPACE + "\x1c\x1d\x1e\x1f\x85\xa0\u2003\u2028\u3000x":
        for line in (f"{ch}> quoted", f"{ch}{ch}>", f"{ch}", f"{ch}a > b", f">{ch}"):
            assert line.strip().startswith(">") == bool(_OLD_QUOTE_LINE.match(line)), repr(line)


def test_quote_flags_combined_patterns_and_attribution_ends_match_the_old_code(bodies):
    pats = reply._compiled()
    separators = [re.compile(s, re.IGNORECASE) for s in signature.load_patterns()["separators"]]
    extra = ["On Mon, 1 Jan 2024, Bob <b@x.org>\nwrote:\n> hi", "Le 3 mars, Anne a écrit :\n> x",
             "Am 02.04.2012 schrieb Max Muster <m@x.de>:", "-----Original Message-----", "---- Forwarded message ----",
             "Begin forwarded message:", "\u3000> fullwidth-space quote", "\x1c> odd space", "On\u2003x wrote:",
             "Anfang der weitergeleiteten Nachricht :", "--Ursprüngliche Nachricht--", "Op 1 jan. schreef Jan:"]
    checked = 0
    for body in bodies + extra:
        lines = _lines(body)
        stripped = [line.strip() for line in lines]
        for i, line in enumerate(lines):
            assert stripped[i].startswith(">") == bool(_OLD_QUOTE_LINE.match(line))
            text = stripped[i]
            if not text:
                continue
            assert bool(pats.separator.match(text)) == any(s.match(text) for s in separators)
            assert bool(pats.attribution_start.match(text)) == any(s.match(text) for s, _ in pats.attributions)
            assert reply._attribution_end(stripped, i, pats) == _old_attribution_end(lines, i, pats)
            checked += 1
    assert checked > 10_000


def test_one_pass_join_matches_three_passes(bodies):
    rnd = random.Random(7)
    for body in bodies[:400] + ["a\n\n \n b\n\t\nc", "\n\n", "x", "> q\n\nnew\n\n-- \nsig\n\n> q2\n \n"]:
        lines = _lines(body)
        stripped = [line.strip() for line in lines]
        for labels in ([rnd.choice((NEW, QUOTED, SIGNATURE)) for _ in lines],
                       [rnd.choice((NEW, NEW, NEW, QUOTED)) for _ in lines], [QUOTED] * len(lines)):
            want = tuple(_old_join(lines, labels, w) for w in (NEW, QUOTED, SIGNATURE))
            assert reply._join_all(lines, stripped, labels) == want


def test_signature_start_looks_only_at_the_lines_that_can_start_one(bodies):
    for body in bodies:
        lines = _lines(body)
        own = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith(">")]
        assert signature_start(lines, own) == _old_signature_start(lines, own)
    # a long mail whose delimiter sits exactly at, and just beyond, the longest allowed tail
    longest = max(TAIL_LIMITS.values())
    for after in (longest - 1, longest, longest + 1, longest + 2):
        lines = [f"line {i} of the text." for i in range(60)] + ["-- "] + [f"Contact {i}" for i in range(after)]
        own = list(range(len(lines)))
        assert signature_start(lines, own) == _old_signature_start(lines, own)
        assert (signature_start(lines, own) is not None) == (after <= TAIL_LIMITS["delimiter"])


def test_split_reply_on_bodies_with_unicode_whitespace_before_the_quote_marks():
    body = "Hi,\n\nsee below.\n\nOn Mon, Bob wrote:\n\u3000> quoted one\n\xa0> quoted two\n\x1c>three\n\nThanks,\nAnn"
    parts = split_reply(body)
    assert parts.quoted.splitlines()[0] == "On Mon, Bob wrote:"
    assert "quoted two" in parts.quoted and "three" in parts.quoted and "quoted" not in parts.new_text
