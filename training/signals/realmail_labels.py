"""Real mailing-list mail labelled blind: how often its messages carry a signal, and how well the
detector and the baseline agree with the labels.

``data/signals/realmail_labels/bigbang.jsonl`` holds one ``{"id", "labels"}`` line per message of the
three bigbang archives of :data:`training.signals.evaluate.REALMAIL_SOURCES`, in the order
:func:`~training.signals.evaluate.realmail_texts` reads them (id ``"<archive>#<index>"``). A helper
labelled them in the twelfth session from the taxonomy alone, reading each message's new text, never
the detector's output, with any writer allowed any label (there is no agency or client on a mailing
list). Only ids and labels are kept here: the texts are third-party mail and stay in
``../shared/realmail``.

The issue's target for this mail was an any-signal share of at most 8%, on the premise that it carries
almost no relationship signals. The labels measure that premise, and they turn the share into a
precision and a recall.
"""

from __future__ import annotations

import json
from pathlib import Path

from analyzer.errors import InputError
from analyzer.signals.labels import LABELS
from training.signals.corpus import DATA_DIR

LABELS_PATH = DATA_DIR / "realmail_labels" / "bigbang.jsonl"
#: A second blind labelling of the same messages (forty-first session), by another helper who read only
#: the taxonomy and the messages' new text as the detector reads it (quotes stripped), never the first
#: labelling or any detector output. First read by candidate N15's rule (``models/depth/CANDIDATE71.md``);
#: ``make evaluate`` reports the detector's agreement with it beside the first.
SECOND_LABELS_PATH = DATA_DIR / "realmail_labels" / "bigbang_second.jsonl"
#: The same messages adjudicated by a third helper (forty-first session), who read the taxonomy, each
#: message's new text and both labellings above (never a detector's output) and decided every message's
#: labels by the taxonomy, with a note where it departs. The list-mail judge of detector candidates since
#: (messages flagged with no label, e.g. ``models/depth/CANDIDATE84.md``); ``training.signals.listmail_errors``
#: lists the spans behind that figure.
ADJUDICATED_LABELS_PATH = DATA_DIR / "realmail_labels" / "bigbang_adjudicated.jsonl"


def read_labels(path: Path = LABELS_PATH) -> dict[str, list[str]]:
    """id -> sorted labels; InputError for a malformed file or an unknown label."""
    out: dict[str, list[str]] = {}
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rid, labels = row["id"], row["labels"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{n}: not an {{id, labels}} line ({exc})") from None
        if rid in out or not set(labels) <= set(LABELS):
            raise InputError(f"{path}:{n}: repeated id or unknown label: {rid}")
        out[rid] = sorted(set(labels))
    return out


def gold_by_archive(texts: dict[str, list[str]], labels: dict[str, list[str]]) -> dict[str, list[list[str]]]:
    """The labels of every message of ``texts`` (archive -> new texts), in order; InputError when the
    labels do not cover exactly those messages (the ingest changed what it reads)."""
    ids = [f"{name}#{i}" for name, msgs in texts.items() for i in range(len(msgs))]
    if set(ids) != set(labels):
        raise InputError(f"the real-mail labels cover {len(labels)} messages, the archives have {len(ids)}")
    return {name: [labels[f"{name}#{i}"] for i in range(len(msgs))] for name, msgs in texts.items()}


def agreement(name: str, gold: list[list[str]], pred: list[list[str]]) -> dict:
    """Messages, how many carry a signal by the labels and by the prediction, both; message-level
    precision and recall of "has a signal"; label-level precision and recall (message x label pairs)."""
    g_any = [bool(g) for g in gold]
    p_any = [bool(p) for p in pred]
    both = sum(a and b for a, b in zip(g_any, p_any))
    pairs_g = {(i, lab) for i, g in enumerate(gold) for lab in g}
    pairs_p = {(i, lab) for i, p in enumerate(pred) for lab in p}
    hit = len(pairs_g & pairs_p)
    return {"source": name, "messages": len(gold), "labelled": sum(g_any), "flagged": sum(p_any), "both": both,
            "message_precision": both / sum(p_any) if any(p_any) else float("nan"),
            "message_recall": both / sum(g_any) if any(g_any) else float("nan"),
            "label_precision": hit / len(pairs_p) if pairs_p else float("nan"),
            "label_recall": hit / len(pairs_g) if pairs_g else float("nan")}


def format_agreement(rows: list[dict]) -> str:
    lines = ["| archive | messages | with a signal by the labels | flagged | both | precision (messages) | "
             "recall (messages) | precision (labels) | recall (labels) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['source']} | {r['messages']} | {r['labelled']} ({r['labelled'] / r['messages']:.0%}) | "
                     f"{r['flagged']} | {r['both']} | {r['message_precision']:.2f} | {r['message_recall']:.2f} | "
                     f"{r['label_precision']:.2f} | {r['label_recall']:.2f} |")
    return "\n".join(lines)
