"""Training rows from whole labelled mail: its labelled quotes (or their paragraphs) and its plain paragraphs.

    python -m training.signals.mail_rows [--unit paragraph|quote] [--labels DIR ...] [--out F]

The snippet files teach the detector short texts written to show a label. The product reads whole
messages, where the signal is one paragraph among greetings, logistics and sign-offs. Here the gold is
a message-by-message labels file (``data/signals/mail_labels_more/<mailbox>.jsonl``: per message its
side, its labels and the quote that carries each, by a helper who read only the taxonomy and the
mbox). Each mailbox is run as a user would, with its client list; each message's new text (quotes
and signature stripped, as at detection time) is split into paragraphs, and:

- a paragraph that holds one or more of its message's quotes is a row with those quotes' labels
  (``--unit quote``: the quote itself is the row, when a paragraph holds it; written to
  ``train_mail_quotes.jsonl``);
- every paragraph of a client's message with no label is a row with no label (paragraphs of fewer
  than :data:`MIN_WORDS` words are left out; with ``short_negatives``, the quote rows' default
  (:data:`SHORT_NEGATIVES`, since candidate N9, ``models/depth/CANDIDATE62.md``), only those that are
  mail furniture, a greeting or a sign-off, so that a bare "fine" or "Ok. Go." is a row with no
  label). The agency's unlabelled paragraphs are left out:
  agency text can carry only ``apology`` and ``feedback_request`` (the brief), so its "no need to
  apologise" or its thanks are not negatives for the client labels;
- the other paragraphs of a labelled message are left out: the labeller gave one quote a label, and
  another paragraph may carry the same label again;
- paragraphs that do not read as English are left out (the detector reads English);
- messages whose side the labeller and the run disagree on, and ``other`` mail, are left out.

The rows are written as a JSON lines file beside the snippet files, with ids
``mail:<mailbox>:<n>:<paragraph>``; identical texts are kept once (their labels joined).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
from difflib import SequenceMatcher
from pathlib import Path

from analyzer.signals.boilerplate import furniture_kind
from analyzer.text_language import english_alone
from training.signals.agency_mail import MORE_LABELS_DIR, SIDES, mailbox_folder, read_mail_labels
from training.signals.corpus import MAIL_PATH, MAIL_QUOTES_PATH, mail_file

log = logging.getLogger(__name__)

#: Paragraphs of a message with no label shorter than this (in words) are not rows.
MIN_WORDS = 4
#: A quote is found in a paragraph when this share of the quote's characters (or of the paragraph's,
#: for a quote that spans paragraphs) is one common run of text.
MATCH_SHARE = 0.6

_SPACE = re.compile(r"\s+")
_PARAGRAPH = re.compile(r"\n\s*\n")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text.replace("’", "'").replace("“", '"').replace("”", '"')).strip().lower()


def paragraphs(text: str) -> list[str]:
    """The non-empty paragraphs of a text (a blank line ends one), each stripped."""
    return [p.strip() for p in _PARAGRAPH.split(text or "") if p.strip()]


def holds_quote(paragraph: str, quote: str) -> bool:
    """Whether the paragraph holds the quote (or, for a quote spanning paragraphs, a large part of it)."""
    p, q = _norm(paragraph), _norm(quote)
    if not p or not q:
        return False
    if q in p or (len(p) >= 20 and p in q):
        return True
    m = SequenceMatcher(None, p, q, autojunk=False).find_longest_match(0, len(p), 0, len(q))
    return m.size >= MATCH_SHARE * min(len(q), max(len(p), 1))


def message_rows(new_text: str, labels: list[str], quotes: dict[str, str], negatives: bool = True,
                 unit: str = "paragraph", short_negatives: bool = False) -> tuple[list[tuple[str, list[str]]], int]:
    """(text, labels) rows of one message, and how many of its labels no paragraph held.
    ``negatives``: a message with no label gives its paragraphs as rows with no label. ``unit``:
    ``"paragraph"``, a labelled row is the paragraph that holds a quote; ``"quote"``, it is the
    quote itself (only when a paragraph of the new text holds it), with its own labels and those of
    every other quote of the message it holds. ``short_negatives``: a paragraph shorter than
    :data:`MIN_WORDS` is left out only when it is mail furniture (else: always)."""
    paras = paragraphs(new_text)
    if short_negatives:  # a bare reply is a row too; a greeting or a sign-off never is
        paras = [p for p in paras if len(p.split()) >= MIN_WORDS or not furniture_kind(p)]
    if not labels:
        rows = paras if short_negatives else [p for p in paras if len(p.split()) >= MIN_WORDS]
        return ([(p, []) for p in rows] if negatives else []), 0
    found: dict[int, set[str]] = {}
    held: dict[str, set[str]] = {}
    missed = 0
    for label in labels:
        quote = quotes.get(label, "")
        hits = [i for i, p in enumerate(paras) if holds_quote(p, quote)]
        missed += not hits
        for i in hits:
            found.setdefault(i, set()).add(label)
        if hits:
            held.setdefault(_SPACE.sub(" ", quote).strip(), set()).add(label)
    if unit == "quote":
        merged = {q: set(labs) for q, labs in held.items()}
        for q, labs in merged.items():
            for other, other_labs in held.items():
                if other != q and _norm(other) in _norm(q):
                    labs |= other_labs
        return [(q, sorted(labs)) for q, labs in merged.items()], missed
    return [(paras[i], sorted(found[i])) for i in sorted(found)], missed


def reply_new_text(body) -> str:
    """The new text as the reply split alone gave it when the shipped detector's rows were made: before
    ingest moved a bare sign-off with the sender's name into the signature
    (``analyzer.ingest.signature.split_own_name_sign_off``, ``models/depth/CANDIDATE53.md``), and while a
    line opening with "confidential" still started a disclaimer whatever followed it and a name block
    above a disclaimer stayed new text (``legacy_disclaimers``, ``models/depth/CANDIDATE55.md``,
    ``CANDIDATE56.md``). The rows are still made from it, so the committed files stay what the recipe
    trains on."""
    from analyzer.ingest.reply import split_reply

    return split_reply(body if isinstance(body, str) else "", legacy_disclaimers=True).new_text


def mailbox_rows(name: str, labels_path: Path, work: Path, unit: str = "paragraph",
                 short_negatives: bool = False) -> tuple[list[dict], dict]:
    """Rows of one labelled mailbox, and counts of what was kept and left out."""
    from training.depth.independent import run_mailbox

    gold = read_mail_labels(labels_path)  # with each message's ``quotes``
    result = run_mailbox(mailbox_folder(name), work / name, client_list=True)
    msgs = result.messages[["message_id", "direction", "body"]].drop_duplicates("message_id")
    msgs = msgs.assign(new_text=[reply_new_text(b) for b in msgs["body"]])
    both = gold.merge(msgs, on="message_id", how="inner")
    agree = both[both["side"].map(SIDES) == both["direction"]]
    rows, missed = [], 0
    for n, m in enumerate(agree.itertuples(index=False)):
        made, miss = message_rows(m.new_text or "", list(m.labels), m.quotes if isinstance(m.quotes, dict) else {},
                                   negatives=m.direction == "from_client", unit=unit,
                                   short_negatives=short_negatives)
        missed += miss
        rows += [{"id": f"mail:{name}:{n}:{k}", "text": text, "labels": labs} for k, (text, labs) in enumerate(made)]
    words, english = english_alone([r["text"] for r in rows])
    kept = [r for r, e, w in zip(rows, english, words) if e or w == 0]
    counts = {"labelled": len(gold), "compared": len(agree), "rows": len(kept), "not_english": len(rows) - len(kept),
              "with_label": sum(bool(r["labels"]) for r in kept), "labels_not_found": missed}
    return kept, counts


#: ``train18``'s six mailboxes, labelled message by message in the twentieth session: the quote rows of
#: the candidates M3 and M4 (``--labels`` both folders), which did not ship, and of N6.
TRAIN18_LABELS_DIR = MORE_LABELS_DIR.parent / "mail_labels_train18"
#: The folders of message-by-message labels read before the thirty-sixth session's candidate N6 (each
#: judged a candidate, or was written as training mail): ``train17``'s (``mail_labels_more``) and those
#: of ``train18``, ``train27``, ``train29`` to ``train34``, ``train47`` and ``train49`` to ``train51``;
#: 78 mailboxes, N6's quote rows (``models/depth/CANDIDATE59.md``, not shipped).
READ_LABELS_DIRS = (MORE_LABELS_DIR,) + tuple(
    MORE_LABELS_DIR.parent / f"mail_labels_train{n}" for n in (18, 27, 29, 30, 31, 32, 33, 34, 47, 49, 50, 51))
#: Candidate N9's quote rows (``models/depth/CANDIDATE62.md``, shipped in the thirty-seventh session): every labels folder
#: read when it was trained, :data:`READ_LABELS_DIRS` and ``train52`` to ``train55``'s; 102 mailboxes.
#: Not ``mail_labels`` (the four development mailboxes of :mod:`training.signals.agency_mail`) and not
#: the later judge sets. Fixed, so that the committed rows rebuild as they are.
N9_LABELS_DIRS = READ_LABELS_DIRS + tuple(MORE_LABELS_DIR.parent / f"mail_labels_train{n}" for n in (52, 53, 54, 55))
#: The shipped detector's quote rows (candidate N10, ``models/depth/CANDIDATE64.md``, thirty-eighth
#: session): :data:`N9_LABELS_DIRS` and the labels of ``train56`` and ``train57``, read since N9's rule;
#: 114 mailboxes. Fixed, like N9's.
N10_LABELS_DIRS = N9_LABELS_DIRS + tuple(MORE_LABELS_DIR.parent / f"mail_labels_train{n}" for n in (56, 57))
#: The labelled training mail each kind of row is made from by default: the paragraph rows from
#: ``train17``'s six mailboxes (the twentieth session's candidate M, not shipped); the quote rows, which
#: the shipped detector trains on, from :data:`N10_LABELS_DIRS`, with short unlabelled replies as rows
#: with no label (:data:`SHORT_NEGATIVES`).
#: Candidate N13's quote rows (``models/depth/CANDIDATE69.md``, fortieth session): :data:`N10_LABELS_DIRS`
#: and the labels of ``train59`` to ``train61`` (read by the rules of N10 to N12) and of the depth training
#: mailboxes ``train45``, ``train46``, ``train48`` and ``train58`` (labelled as training mail in the
#: thirty-ninth session); 156 mailboxes.
N13_NEW_DIRS = tuple(MORE_LABELS_DIR.parent / f"mail_labels_train{n}" for n in (45, 46, 48, 58, 59, 60, 61))
N13_LABELS_DIRS = N10_LABELS_DIRS + N13_NEW_DIRS
SOURCES = {"paragraph": (MORE_LABELS_DIR,), "quote": N13_LABELS_DIRS}
#: Whether each kind of row takes short unlabelled client replies as rows with no label by default.
SHORT_NEGATIVES = {"paragraph": False, "quote": True}


def build(labels_dirs: tuple[Path, ...] = SOURCES["paragraph"], out: Path = MAIL_PATH, unit: str = "paragraph",
          short_negatives: bool | None = None) -> dict:
    """Write the rows of every labels file in ``labels_dirs`` to ``out`` (``unit`` and
    ``short_negatives`` as in :func:`message_rows`; None: :data:`SHORT_NEGATIVES` of the unit);
    returns counts per mailbox."""
    if short_negatives is None:
        short_negatives = SHORT_NEGATIVES[unit]
    files = [f for d in labels_dirs for f in sorted(Path(d).glob("*.jsonl"))]
    if not files:
        raise ValueError(f"no labels files in {', '.join(map(str, labels_dirs))}")
    by_text: dict[str, dict] = {}
    counts = {}
    with tempfile.TemporaryDirectory(prefix="mail-rows-") as tmp:
        for path in files:
            rows, counts[path.stem] = mailbox_rows(path.stem, path, Path(tmp), unit, short_negatives)
            for r in rows:
                if r["text"] in by_text:
                    by_text[r["text"]]["labels"] = sorted(set(by_text[r["text"]]["labels"]) | set(r["labels"]))
                else:
                    by_text[r["text"]] = r
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in by_text.values()), encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.signals.mail_rows", description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, action="append", default=None,
                    help="a folder of labels files (repeatable; default: SOURCES of the unit)")
    ap.add_argument("--unit", choices=("paragraph", "quote"), default="paragraph",
                    help="a labelled row is the paragraph holding a quote, or the quote itself")
    ap.add_argument("--short-negatives", action=argparse.BooleanOptionalAction, default=None,
                    help="unlabelled client paragraphs under MIN_WORDS words are rows too, unless greeting or sign-off "
                         "(default: SHORT_NEGATIVES of the unit)")
    ap.add_argument("--out", type=Path, default=None,
                    help=f"default: {MAIL_PATH.name} (paragraph), {MAIL_QUOTES_PATH.name} (quote)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    out = args.out or mail_file(args.unit)
    counts = build(tuple(args.labels or SOURCES[args.unit]), out, args.unit, args.short_negatives)
    print(json.dumps(counts, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
