"""How far apart careful readers are on a blind snippet set: ``python -m training.signals.agreement``.

Issue 12 asks for macro F1 >= 0.90 on independently written snippets. Whether that is within reach
depends on how well the set's labels can be recovered from its texts at all: if two careful readers
who never saw the labels disagree with the authors as often as the detector does, the target is
above what the labels allow. So a sample of ``eval_independent9`` (120 texts from each of its three
files) was labelled again, blind, by two helpers who read only ``docs/SIGNALS.md`` and the texts
(``data/signals/relabel_independent9/``: their brief, their labels); later every text of
``eval_independent24`` by one more reader each file (``data/signals/relabel_independent24/``, forty-fourth
session). This module puts the readers beside the detector and the TF-IDF baseline on exactly those
texts (``--set``, one of :data:`RELABELS`):

- each reader against the authors' labels, and the readers against each other;
- the detector and the baseline (trained on the detector's own rows, :func:`recipe_rows`) against
  the authors' labels, with the per-label F1 of each.

Writes ``MODEL/agreement.md`` for set 9 and ``MODEL/agreement24.md`` for set 24 (``--model``, default
``models/signals``).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from training.signals.baseline import same_data_baseline
from training.signals.corpus import DATA_DIR, PROJECT_ROOT, read_labelled, recipe_rows, training_parts
from training.signals.snippet_sets import INDEPENDENT9_PATHS, INDEPENDENT24_PATHS
from training.signals.evaluate import untrained_sets
from training.signals.metrics import paired_bootstrap, prf_table

RELABEL_DIR = DATA_DIR / "relabel_independent9"
READERS = ("labeller_a", "labeller_b")


@dataclass(frozen=True)
class Relabel:
    """A blind second reading of a snippet set: its name (``--set``), its folder, the set's files, the
    readers' file names (``<reader>.jsonl``), what was read, and the report it gives."""

    name: str
    folder: Path
    paths: tuple
    readers: tuple
    describes: str
    report: str


RELABELS = {
    r.name: r for r in (
        Relabel("independent9", RELABEL_DIR, INDEPENDENT9_PATHS, READERS,
                "`eval_independent9` (120 from each file)", "agreement.md"),
        Relabel("independent24", DATA_DIR / "relabel_independent24", INDEPENDENT24_PATHS, ("reader",),
                "`eval_independent24` (every text but nine, see its README)", "agreement24.md"),
    )
}


def read_relabels(folder: Path = RELABEL_DIR, readers: tuple = READERS) -> dict[str, dict[str, list[str]]]:
    """``{reader: {text id: labels}}`` of every ``<reader>.jsonl`` in ``folder``, in ``readers`` order."""
    out = {}
    for name in readers:
        rows = [json.loads(line) for line in (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]
        out[name] = {r["id"]: sorted(r["labels"]) for r in rows}
    return out


def authors_rows(ids, paths=INDEPENDENT9_PATHS) -> list[dict]:
    """The authors' rows (``id``, ``text``, ``labels``) of ``ids``, in that order."""
    by_id = {r["id"]: r for p in paths for r in read_labelled(p)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} relabelled ids are not in the set, e.g. {missing[:3]}")
    return [by_id[i] for i in ids]


def _compared(against: str, who: str, truth: list[list[str]], pred: list[list[str]]) -> tuple[dict, pd.Series]:
    """The macro row of ``who``'s labels against ``against``'s, and its F1 per label."""
    t = prf_table(truth, pred).set_index("label")
    return ({"against": against, "who": who, "precision": t.loc["macro", "precision"],
             "recall": t.loc["macro", "recall"], "macro_f1": t.loc["macro", "f1"],
             "exact_sets": sum(set(p) == set(g) for p, g in zip(pred, truth)) / len(truth)}, t["f1"])


def agreement_tables(rows: list[dict], readers: dict[str, dict[str, list[str]]], predicted: dict[str, list[list[str]]]) -> dict:
    """Macro figures (``summary``) and per-label F1 (``per_label``) of every reader and every model in
    ``predicted`` against the authors' labels of ``rows``, the readers against each other, and each
    model against the first reader's pairing (``bootstrap``: model minus reader A, paired)."""
    gold = [r["labels"] for r in rows]
    ids = [r["id"] for r in rows]
    labelled = {name: [labels[i] for i in ids] for name, labels in readers.items()}
    everyone = {**labelled, **predicted}
    authors = {name: _compared("authors", name, gold, pred) for name, pred in everyone.items()}
    names = list(labelled)
    pairs = [_compared(a, b, labelled[a], labelled[b]) for i, a in enumerate(names) for b in names[i + 1:]]
    summary = [r for r, _ in authors.values()] + [r for r, _ in pairs]
    per_label = {name: f1 for name, (_, f1) in authors.items()}
    first = labelled[names[0]]
    boot = {name: paired_bootstrap(gold, pred, first) for name, pred in predicted.items()}
    return {"summary": pd.DataFrame(summary), "per_label": pd.DataFrame(per_label), "bootstrap": boot,
            "texts": len(rows), "multi": sum(len(g) >= 2 for g in gold), "none": sum(not g for g in gold)}


def format_agreement(res: dict, model: str, relabel: Relabel = RELABELS["independent9"]) -> str:
    s = res["summary"].copy()
    for c in ("precision", "recall", "macro_f1", "exact_sets"):
        s[c] = s[c].map(lambda v: f"{v:.3f}")
    lines = ["# Careful readers against the detector on a blind snippet sample", "",
             f"Command: `python -m training.signals.agreement --model {model} --set {relabel.name}`. Data: "
             f"{res['texts']} texts of {relabel.describes} ({res['none']} with no label, {res['multi']} with two "
             f"or more), labelled again, blind, by helpers who read only `docs/SIGNALS.md` and the texts "
             f"(`{relabel.folder.relative_to(PROJECT_ROOT)}/`). `exact_sets`: share of texts whose whole label set "
             "matches.", "",
             "| against | who | precision | recall | macro F1 | exact sets |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.against} | {r.who} | {r.precision} | {r.recall} | **{r.macro_f1}** | {r.exact_sets} |"
              for r in s.itertuples()]
    if res.get("in_sample"):
        lines += ["", "**In-sample:** this detector, and the baseline trained on its rows, trained on these texts "
                  "(its `metrics.json` `data.independent` names the set), so their rows say how well they fit "
                  "their own training texts, not how they read unseen text. The readers' rows are unaffected."]
    lines += ["", f"Macro F1 of each model minus {relabel.readers[0]}'s, both against the authors (paired bootstrap, 95%):", ""]
    lines += [f"- {name}: {b['diff']:+.3f} ({b['low']:+.3f} .. {b['high']:+.3f})" for name, b in res["bootstrap"].items()]
    per = res["per_label"]
    lines += ["", "F1 per label against the authors:", "", "| label | " + " | ".join(per.columns) + " |",
              "|---|" + "---|" * len(per.columns)]
    lines += [f"| {label} | " + " | ".join(f"{v:.2f}" for v in row) + " |" for label, row in per.iterrows()]
    return "\n".join(lines) + "\n"


def evaluate(model: Path | str | None = None, relabel: Relabel = RELABELS["independent9"]) -> dict:
    from analyzer.signals.detect import detect_signals
    from analyzer.signals.pipeline import load_pipeline

    readers = read_relabels(relabel.folder, relabel.readers)
    rows = authors_rows(list(readers[relabel.readers[0]]), relabel.paths)
    texts = [r["text"] for r in rows]
    recipe = recipe_rows(model)
    baseline = same_data_baseline(training_parts(**recipe))
    predicted = {"detector": detect_signals(texts, model=load_pipeline(model)), "baseline": baseline.predict(texts)}
    _, in_sample = untrained_sets(((relabel.name, relabel.paths, relabel.describes),), recipe.get("independent", False))
    return {**agreement_tables(rows, readers, predicted), "in_sample": bool(in_sample)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.signals.agreement", description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "signals")
    ap.add_argument("--set", choices=sorted(RELABELS), default="independent9", help="which relabelled set")
    args = ap.parse_args(argv)
    relabel = RELABELS[args.set]
    text = format_agreement(evaluate(args.model, relabel), args.model.relative_to(PROJECT_ROOT) if args.model.is_absolute()
                            and args.model.is_relative_to(PROJECT_ROOT) else args.model, relabel)
    (args.model / relabel.report).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
