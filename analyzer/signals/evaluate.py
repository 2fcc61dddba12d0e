"""Evaluate the signal pipeline: ``python -m analyzer.signals.evaluate --model models/signals``.

Prints P/R/F1 per label and macro for the pipeline side by side with the TF-IDF baseline
(:mod:`analyzer.signals.baseline`), trained in this run on exactly the rows the pipeline was
trained and tuned on (dev ``train`` + ``tune`` + extra data), on

- the held-out part of the dev data (``heldout`` of ``data/signals/dev_split.json``), and
- ``data/signals/eval_independent.jsonl`` when present: independently written text, used only here.

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

log = logging.getLogger(__name__)


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
    text = "\n".join(doc)
    print(text)
    out = Path(args.model) / "evaluation.md"
    if out.parent.is_dir():
        out.write_text(text, encoding="utf-8")
    log.info("evaluation took %.1fs", time.time() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
