"""Evaluate the signal pipeline: ``python -m analyzer.signals.evaluate --model models/signals``.

Prints P/R/F1 per label and macro for the pipeline side by side with the TF-IDF baseline
(:mod:`analyzer.signals.baseline`), trained in this run on exactly the rows the pipeline was
trained and tuned on (dev ``train`` + ``tune`` + extra data), on

- the held-out part of the dev data (``heldout`` of ``data/signals/dev_split.json``), and
- ``data/signals/eval_independent.jsonl`` when present: independently written text, used only here.

and, for precision on ordinary mail, the share of *real mailing-list messages* that get any signal
(:func:`realmail_rates`): technical standards discussion among engineers (bigbang's 3GPP archives)
and a pipermail archive, which carry almost no relationship signals, so every hit there is a likely
false positive a user would have to read. These archives are read here and in tests only, never for
training or tuning.

Writes the tables to ``MODEL/evaluation.md``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import pandas as pd

from analyzer.errors import AnalyzerError
from analyzer.signals.baseline import TfidfBaseline
from analyzer.signals.corpus import INDEPENDENT_PATH, PROJECT_ROOT, read_labelled, training_parts
from analyzer.signals.metrics import prf_table
from analyzer.signals.pipeline import load_pipeline
from analyzer.signals.quoted import strip_quoted

log = logging.getLogger(__name__)

REALMAIL_DATA = PROJECT_ROOT.parent / "shared" / "realmail" / "bigbang" / "tests" / "data"
#: Real mailing-list archives (name -> path under REALMAIL_DATA) for the false-positive rate.
REALMAIL_SOURCES = {"3GPP_mbox": "3GPP_mbox", "3GPP (LISTSERV)": "3GPP", "pipermail 2001-November": "2001-November.txt"}


def realmail_rates(model=None, data: Path = REALMAIL_DATA) -> pd.DataFrame:
    """Per archive: messages with new text, how many get any signal, the share, the most labels on
    one message and on one sentence, and the count per label. Archives missing on disk are skipped."""
    from collections import Counter

    from analyzer.ingest.pipeline import ingest

    nlp = load_pipeline(model)
    rows = []
    for name, rel in REALMAIL_SOURCES.items():
        path = Path(data) / rel
        if not path.exists():
            continue
        texts = [t for t in ingest([str(path)], jobs=1).messages["new_text"].tolist() if isinstance(t, str) and t.strip()]
        with_signal, most, most_sentence, per_label = 0, 0, 0, Counter()
        for doc in nlp.pipe((strip_quoted(t) for t in texts), batch_size=256):
            spans = doc.spans["signals"]
            labels = {s.label_ for s in spans}
            with_signal += bool(labels)
            most = max(most, len(labels))
            most_sentence = max([most_sentence, *Counter(s.start for s in spans).values()])
            per_label.update(labels)
        rows.append({"source": name, "messages": len(texts), "with_signal": with_signal,
                     "share": with_signal / len(texts) if texts else 0.0, "max_labels_message": most,
                     "max_labels_sentence": most_sentence,
                     "labels": ", ".join(f"{lab} {n}" for lab, n in per_label.most_common())})
    return pd.DataFrame(rows)


def format_realmail(df: pd.DataFrame) -> str:
    lines = ["| archive | messages | with a signal | share | most labels / message | most labels / sentence | labels |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in df.to_dict("records"):
        lines.append(f"| {r['source']} | {r['messages']} | {r['with_signal']} | {r['share']:.1%} "
                     f"| {r['max_labels_message']} | {r['max_labels_sentence']} | {r['labels']} |")
    return "\n".join(lines)


def side_by_side(gold, pipeline_pred, baseline_pred) -> pd.DataFrame:
    p, b = prf_table(gold, pipeline_pred), prf_table(gold, baseline_pred)
    return pd.DataFrame({
        "label": p["label"], "support": p["support"],
        "P": p["precision"], "R": p["recall"], "F1": p["f1"],
        "base_P": b["precision"], "base_R": b["recall"], "base_F1": b["f1"],
    })


def format_table(df: pd.DataFrame) -> str:
    lines = ["| label | n | P | R | F1 | baseline P | baseline R | baseline F1 |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in df.to_dict("records"):
        name = f"**{r['label']}**" if r["label"] == "macro" else r["label"]
        lines.append(f"| {name} | {r['support']} | {r['P']:.3f} | {r['R']:.3f} | {r['F1']:.3f} "
                     f"| {r['base_P']:.3f} | {r['base_R']:.3f} | {r['base_F1']:.3f} |")
    return "\n".join(lines)


def evaluate(model: Path | str | None = None, independent: Path = INDEPENDENT_PATH) -> dict[str, pd.DataFrame]:
    """Tables per evaluation set name ("heldout", "independent")."""
    from analyzer.signals.detect import detect_signals

    nlp = load_pipeline(model)
    parts = training_parts()
    seen = parts["train"] + parts["tune"]
    baseline = TfidfBaseline().fit([r["text"] for r in seen], [r["labels"] for r in seen])
    sets = {"heldout": parts["heldout"]}
    if Path(independent).is_file():
        sets["independent"] = read_labelled(independent)
    tables = {}
    for name, rows in sets.items():
        texts, gold = [r["text"] for r in rows], [r["labels"] for r in rows]
        tables[name] = side_by_side(gold, detect_signals(texts, model=nlp), baseline.predict(texts))
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the signal pipeline against the TF-IDF baseline.")
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "signals")
    parser.add_argument("--independent", type=Path, default=INDEPENDENT_PATH)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.time()
    try:
        tables = evaluate(args.model, args.independent)
    except AnalyzerError as exc:
        print(f"analyzer.signals.evaluate: error: {exc}", file=sys.stderr)
        return 2
    titles = {"heldout": "Held-out dev split (25% of signals_dev.jsonl, never trained or tuned on)",
              "independent": f"Independently written set ({args.independent.name}, evaluation only)"}
    doc = ["# Signal detector evaluation", "",
           "Pipeline (rules + linear classifier scored per sentence window, union over the text) vs. TF-IDF word+char n-gram "
           "one-vs-rest logistic regression trained on the same rows in the same run.",
           "Command: `.venv/bin/python -m analyzer.signals.evaluate --model models/signals` (`make evaluate`).", ""]
    for name, table in tables.items():
        doc += [f"## {titles[name]}", "", format_table(table), ""]
    if "independent" not in tables:
        doc += [f"({args.independent} not present: no independent evaluation in this run.)", ""]
    real = realmail_rates(args.model)
    if len(real):
        doc += ["## Real mailing-list mail: share of messages with a signal", "",
                "New text (quotes stripped by ingest) of real technical mailing-list archives in ../shared/realmail "
                "(bigbang test data), which carry almost no relationship signals: lower is better. Read for "
                "evaluation only, never trained or tuned on.", "", format_realmail(real), ""]
    text = "\n".join(doc)
    print(text)
    out = Path(args.model) / "evaluation.md"
    if out.parent.is_dir():
        out.write_text(text, encoding="utf-8")
    log.info("evaluation took %.1fs", time.time() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
