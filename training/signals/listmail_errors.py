"""The detector's false alarms on real mailing-list mail, span by span, against a blind labelling.

    python -m training.signals.listmail_errors [--model M] [--labels adjudicated|first|second]

A false alarm is a span whose label the message does not carry by the labels
(:mod:`training.signals.realmail_labels`); on a message with no signal at all, every span is one. The
count of such messages is the list-mail figure candidates are judged by ("flagged with no label",
``models/depth/CANDIDATE84.md``), and the spans say what raised it: a new candidate's extra flags read
side by side with the shipped detector's. Evaluation only: the messages are third-party mail in
``../shared/realmail``; their sentences are printed, never written into the project.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from analyzer.signals.pipeline import load_pipeline
from training.signals.evaluate import REALMAIL_DATA, realmail_docs, realmail_texts
from training.signals.realmail_labels import (ADJUDICATED_LABELS_PATH, LABELS_PATH, SECOND_LABELS_PATH,
                                             gold_by_archive, read_labels)

LABELLINGS = {"adjudicated": ADJUDICATED_LABELS_PATH, "first": LABELS_PATH, "second": SECOND_LABELS_PATH}
COLUMNS = ["archive", "message", "message_has_signal", "label", "score", "sentence"]


def false_alarms(nlp, mail: dict[str, list[str]], gold: dict[str, list[list[str]]]) -> pd.DataFrame:
    """One row per span whose label its message does not carry by ``gold`` (archive -> labels per
    message, as :func:`~training.signals.realmail_labels.gold_by_archive` gives them)."""
    rows = []
    for name, msgs in mail.items():
        for i, doc in enumerate(realmail_docs(nlp, msgs)):
            labels = set(gold[name][i])
            for span in doc.spans["signals"]:
                if span.label_ not in labels:
                    rows.append((name, i, bool(labels), span.label_, span._.signal_score, " ".join(span.text.split())))
    return pd.DataFrame(rows, columns=COLUMNS)


def flagged_without_label(alarms: pd.DataFrame) -> int:
    """Messages flagged that carry no signal by the labels (the judged figure)."""
    clean = alarms[~alarms["message_has_signal"]]
    return int(clean[["archive", "message"]].drop_duplicates().shape[0])


def report(alarms: pd.DataFrame, width: int = 160) -> str:
    by_label = alarms["label"].value_counts()
    lines = [f"Messages flagged with no signal by the labels: {flagged_without_label(alarms)}; "
             f"spans whose label the message does not carry: {len(alarms)} "
             f"({', '.join(f'{lab} {n}' for lab, n in by_label.items())}).", "",
             "| archive | message | message has a signal | label | score | sentence |", "|---|---:|---|---|---:|---|"]
    for r in alarms.itertuples(index=False):
        text = r.sentence if len(r.sentence) <= width else r.sentence[:width - 1] + "…"
        lines.append(f"| {r.archive} | {r.message} | {'yes' if r.message_has_signal else 'no'} | {r.label} | "
                     f"{r.score:.2f} | {text.replace('|', '/')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.signals.listmail_errors", description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="signal pipeline folder (default: the shipped one)")
    parser.add_argument("--labels", choices=sorted(LABELLINGS), default="adjudicated")
    args = parser.parse_args(argv)
    mail = realmail_texts(REALMAIL_DATA)
    gold = gold_by_archive(mail, read_labels(LABELLINGS[args.labels]))
    sys.stdout.write(report(false_alarms(load_pipeline(args.model), mail, gold)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
