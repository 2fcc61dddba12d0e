"""Evaluate the signal pipeline: ``python -m training.signals.evaluate --model models/signals``.

Prints P/R/F1 per label and macro for the pipeline side by side with the TF-IDF baseline
(:mod:`training.signals.baseline`), trained in this run on exactly the rows the pipeline was
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
import json
import logging
import sys
import time
from pathlib import Path

import pandas as pd

from analyzer.errors import AnalyzerError
from training.signals.baseline import RoutedBaseline, TfidfBaseline, router_languages, same_data_baseline
from training.signals.corpus import PROJECT_ROOT, read_labelled, recipe_rows, training_parts
from training.signals.snippet_sets import independent_paths
from training.signals.embedded import embed
from training.signals.metrics import paired_bootstrap, prf_table
from training.signals.sets import BLIND_SETS, INDEPENDENT_SETS, named_sets
from training.signals.realmail_labels import (LABELS_PATH, SECOND_LABELS_PATH, agreement, format_agreement,
                                             gold_by_archive, read_labels)
from analyzer.signals.pipeline import load_pipeline
from analyzer.limits import detectable
from analyzer.signals.quoted import strip_quoted

log = logging.getLogger(__name__)

REALMAIL_DATA = PROJECT_ROOT.parent / "shared" / "realmail" / "bigbang" / "tests" / "data"
#: Real mailing-list archives (name -> path under REALMAIL_DATA) for the false-positive rate.
REALMAIL_SOURCES = {"3GPP_mbox": "3GPP_mbox", "3GPP (LISTSERV)": "3GPP", "pipermail 2001-November": "2001-November.txt"}


def realmail_texts(data: Path = REALMAIL_DATA) -> dict[str, list[str]]:
    """Per archive of :data:`REALMAIL_SOURCES` present under ``data``: the new text of its messages (ingested)."""
    from analyzer.ingest.pipeline import ingest

    out = {}
    for name, rel in REALMAIL_SOURCES.items():
        path = Path(data) / rel
        if path.exists():
            out[name] = [t for t in ingest([str(path)], jobs=1).messages["new_text"].tolist()
                         if isinstance(t, str) and t.strip()]
    return out


def _rate_row(name: str, label_sets: list[set], most_sentence: int | None) -> dict:
    from collections import Counter

    per_label = Counter(lab for labels in label_sets for lab in labels)
    with_signal = sum(1 for labels in label_sets if labels)
    return {"source": name, "messages": len(label_sets), "with_signal": with_signal,
            "share": with_signal / len(label_sets) if label_sets else 0.0,
            "max_labels_message": max((len(s) for s in label_sets), default=0),
            "max_labels_sentence": most_sentence,
            "labels": ", ".join(f"{lab} {n}" for lab, n in per_label.most_common())}


def realmail_rates(model=None, data: Path = REALMAIL_DATA, texts: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Per archive: messages with new text, how many get any signal, the share, the most labels on
    one message and on one sentence, and the count per label. Archives missing on disk are skipped."""
    from collections import Counter

    nlp = load_pipeline(model)
    rows = []
    for name, msgs in (realmail_texts(data) if texts is None else texts).items():
        label_sets, most_sentence = [], 0
        for doc in realmail_docs(nlp, msgs):
            spans = doc.spans["signals"]
            label_sets.append({s.label_ for s in spans})
            most_sentence = max([most_sentence, *Counter(s.start for s in spans).values()])
        rows.append(_rate_row(name, label_sets, most_sentence))
    return pd.DataFrame(rows)


def realmail_docs(nlp, msgs: list[str]):
    """The pipeline's docs of real messages, fed as analyzer.signals.detect feeds it (quotes
    stripped; detectable: a long URL's tail blanked)."""
    return nlp.pipe((detectable(strip_quoted(t)) for t in msgs), batch_size=256)


def realmail_labels(nlp, msgs: list[str]) -> list[list[str]]:
    """Sorted labels per real message, read as :func:`realmail_docs` feeds them."""
    return [sorted({s.label_ for s in d.spans["signals"]}) for d in realmail_docs(nlp, msgs)]


def baseline_realmail_rates(baseline: TfidfBaseline, texts: dict[str, list[str]]) -> pd.DataFrame:
    """The same table for the baseline (whole message text; it has no sentences)."""
    return pd.DataFrame([_rate_row(name, [set(p) for p in baseline.predict(msgs)], None)
                         for name, msgs in texts.items()])


def format_realmail(df: pd.DataFrame) -> str:
    lines = ["| archive | messages | with a signal | share | most labels / message | most labels / sentence | labels |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in df.to_dict("records"):
        sentence = "-" if r["max_labels_sentence"] is None or pd.isna(r["max_labels_sentence"]) else int(r["max_labels_sentence"])
        lines.append(f"| {r['source']} | {r['messages']} | {r['with_signal']} | {r['share']:.1%} "
                     f"| {r['max_labels_message']} | {sentence} | {r['labels']} |")
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


def untrained_sets(sets: tuple, independent) -> tuple[tuple, list[str]]:
    """``sets`` (entries ``(name, paths, title)``) split into those a model trained with ``independent``
    (its ``metrics.json`` ``data.independent``, as :func:`~training.signals.corpus.recipe_rows` reads it)
    did not train on, and the names of those it did: a figure on its own training rows is in-sample. A
    pooled entry (several sets) is left out when the model trained on any of them."""
    trained = {Path(p).resolve() for p in independent_paths(independent)}
    keep, skipped = [], []
    for entry in sets:
        paths = entry[1] if isinstance(entry[1], tuple) else (entry[1],)
        (skipped.append(entry[0]) if trained & {Path(p).resolve() for p in paths} else keep.append(entry))
    return tuple(keep), skipped


def evaluate(model: Path | str | None = None, sets: tuple = INDEPENDENT_SETS, realmail: Path | None = REALMAIL_DATA,
             **recipe) -> dict:
    """``{"tables": {set: side-by-side table}, "bootstrap": {set: paired bootstrap of the macro F1
    difference}, "realmail": pipeline table, "realmail_baseline": baseline table}``. The baseline is
    trained on the rows of :func:`training_parts` with the options ``recipe`` (as
    :func:`~training.signals.corpus.recipe_rows` reads them from a model: ``flip=True``, the rows of the
    twelfth session's candidate; ``courtesy=True``, the fifteenth session's; ``mail=True``, the
    twentieth's; none: the plain rows)."""
    from analyzer.signals.detect import detect_signals

    nlp = load_pipeline(model)
    parts = training_parts(**recipe)
    baseline = same_data_baseline(parts)
    routed = router_languages(nlp)
    if routed:  # a routed pipeline: so is the baseline, its second half trained on the language rows alone
        baseline = RoutedBaseline(baseline, same_data_baseline(training_parts(only_languages=True)), routed)
    named = {"heldout": parts["heldout"]}
    sets, trained_on = untrained_sets(sets, recipe.get("independent", False))
    out: dict = {"tables": {}, "bootstrap": {}, "multilabel": {}, "trained_on": trained_on}
    for name, paths, _ in sets:
        paths = paths if isinstance(paths, tuple) else (paths,)
        rows = [r for p in paths if Path(p).is_file() for r in read_labelled(p)]
        if rows:
            named[name] = rows
    mail = realmail_texts(realmail) if realmail is not None else {}
    backgrounds = [t for texts in mail.values() for t in texts]
    if backgrounds:
        for name in list(named):
            named[f"{name}+mail"] = embed(named[name], backgrounds)
    for name, rows in named.items():
        texts, gold = [r["text"] for r in rows], [r["labels"] for r in rows]
        pred, base = detect_signals(texts, model=nlp), baseline.predict(texts)
        out["tables"][name] = side_by_side(gold, pred, base)
        out["bootstrap"][name] = paired_bootstrap(gold, pred, base)
        out["multilabel"][name] = multilabel_recall(gold, pred, base)
    if mail:
        out["realmail"] = realmail_rates(nlp, texts=mail)
        out["realmail_baseline"] = baseline_realmail_rates(baseline, mail)
        if LABELS_PATH.is_file():
            gold = gold_by_archive(mail, read_labels(LABELS_PATH))
            out["realmail_labelled"] = [
                agreement(name, gold[name], realmail_labels(nlp, msgs))
                for name, msgs in mail.items()]
            out["realmail_labelled_baseline"] = [agreement(name, gold[name], baseline.predict(msgs))
                                                 for name, msgs in mail.items()]
        if SECOND_LABELS_PATH.is_file():
            second = gold_by_archive(mail, read_labels(SECOND_LABELS_PATH))
            out["realmail_second"] = [agreement(name, second[name], realmail_labels(nlp, msgs))
                                      for name, msgs in mail.items()]
    return out


def multilabel_recall(gold, pred, base) -> dict:
    """Texts with two or more labels, and how many of them get all their labels, by each model."""
    multi = [i for i, g in enumerate(gold) if len(g) >= 2]
    return {"texts": len(multi),
            "pipeline_all": sum(set(gold[i]) <= set(pred[i]) for i in multi),
            "baseline_all": sum(set(gold[i]) <= set(base[i]) for i in multi)}


def _multilabel_line(m: dict) -> str:
    if not m or not m["texts"]:
        return ""
    n = m["texts"]
    return (f"Texts with two or more labels: {n}; all their labels found by the pipeline in {m['pipeline_all']} "
            f"({m['pipeline_all'] / n:.0%}), by the baseline in {m['baseline_all']} ({m['baseline_all'] / n:.0%}).")


def _bootstrap_line(b: dict) -> str:
    verdict = "clearly better" if b["low"] > 0 else ("clearly worse" if b["high"] < 0 else "not clearly different")
    return (f"Macro F1 pipeline - baseline: {b['diff']:+.3f} (95% paired-bootstrap interval {b['low']:+.3f} .. "
            f"{b['high']:+.3f}; baseline at least as good in {b['p_not_better']:.1%} of 2,000 resamples): {verdict}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the signal pipeline against the TF-IDF baseline.")
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "signals")
    parser.add_argument("--flip", action="store_true",
                        help="train the baseline on the sign-flip rows too, as `training.signals.train --flip` does")
    parser.add_argument("--courtesy", action="store_true",
                        help="train the baseline on the courtesy rows too, as `training.signals.train --courtesy` does")
    parser.add_argument("--mail", nargs="?", const="paragraph", choices=("paragraph", "quote"), default=None,
                        help="train the baseline on the whole-mail rows too, as `training.signals.train --mail` "
                             "does (default: the rows the model's metrics.json names)")
    parser.add_argument("--out", type=Path, default=None, help="where evaluation.md/.json go (default: --model)")
    parser.add_argument("--sets", default=None,
                        help="comma-separated set names to read instead of every development set and the real mail; "
                             "the only way to read a blind set (" + ", ".join(n for n, _, _ in BLIND_SETS) + ")")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.time()
    try:
        rows = recipe_rows(args.model)  # the baseline reads the rows the pipeline was trained on
        chosen = {} if args.sets is None else {"sets": named_sets(args.sets), "realmail": None}
        result = evaluate(args.model, **chosen, **rows | {"flip": args.flip or rows["flip"],
                                                "courtesy": args.courtesy or rows["courtesy"],
                                                "mail": args.mail or rows["mail"]})
    except AnalyzerError as exc:
        print(f"training.signals.evaluate: error: {exc}", file=sys.stderr)
        return 2
    titles = {"heldout": "Held-out dev split (25% of signals_dev.jsonl, never trained or tuned on)"}
    titles.update({name: title for name, _, title in INDEPENDENT_SETS + BLIND_SETS})
    titles.update({f"{name}+mail": f"{title}: each snippet set as a paragraph inside a real mailing-list message "
                   f"(training.signals.embedded; backgrounds from ../shared/realmail, evaluation only)"
                   for name, title in list(titles.items())})
    doc = ["# Signal detector evaluation", "",
           "Pipeline (rules + linear classifier scored per sentence window, union over the text) vs. TF-IDF word+char n-gram "
           "one-vs-rest logistic regression trained on the same rows in the same run.",
           "Command: `.venv/bin/python -m training.signals.evaluate --model models/signals` (`make evaluate`).", ""]
    if result.get("trained_on"):
        doc += [f"Not read: {len(result['trained_on'])} development snippet sets "
                f"({', '.join(result['trained_on'])}) are this model's training rows (`metrics.json` "
                "`data.independent`), so a figure on them would be in-sample.", ""]
    for name, table in result["tables"].items():
        doc += [f"## {titles[name]}", "", format_table(table), "", _bootstrap_line(result["bootstrap"][name]), ""]
        if _multilabel_line(result["multilabel"].get(name, {})):
            doc += [_multilabel_line(result["multilabel"][name]), ""]
    if len(result.get("realmail", ())):
        doc += ["## Real mailing-list mail: share of messages with a signal", "",
                "New text (quotes stripped by ingest) of real technical mailing-list archives in ../shared/realmail "
                "(bigbang test data). The issue that asked for this share assumed such mail carries almost no "
                "relationship signals; the blind labels in the next section find one in 13-35% of its messages, so "
                "the share alone does not say which flags are wrong. Read for evaluation only, never trained or "
                "tuned on.", "", "Pipeline:", "", format_realmail(result["realmail"]), "",
                "Baseline (same messages):", "", format_realmail(result["realmail_baseline"]), ""]
    if result.get("realmail_labelled"):
        doc += ["## The same real mail, labelled blind", "",
                "Every message labelled from the taxonomy by a helper who never saw the detector's output "
                "(`data/signals/realmail_labels/bigbang.jsonl`, `training.signals.realmail_labels`; any writer may "
                "carry any label). Evaluation only.", "", "Pipeline:", "", format_agreement(result["realmail_labelled"]), "",
                "Baseline:", "", format_agreement(result["realmail_labelled_baseline"]), ""]
    if result.get("realmail_second"):
        doc += ["Pipeline, against a second blind labelling by another helper (`bigbang_second.jsonl`, forty-first "
                "session; read first by candidate N15's rule, models/depth/CANDIDATE71.md):", "",
                format_agreement(result["realmail_second"]), ""]
    text = "\n".join(doc)
    print(text)
    out = Path(args.out or args.model)
    if args.out:
        out.mkdir(parents=True, exist_ok=True)
    if out.is_dir():
        (out / "evaluation.md").write_text(text, encoding="utf-8")
        summary = {name: {"pipeline_macro_f1": round(float(t["F1"].iloc[-1]), 4),
                          "baseline_macro_f1": round(float(t["base_F1"].iloc[-1]), 4),
                          "pipeline_min_label_f1": round(float(t["F1"].iloc[:-1].min()), 4),
                          "bootstrap": {k: round(v, 4) for k, v in result["bootstrap"][name].items()},
                          "multilabel": result["multilabel"].get(name, {})}
                   for name, t in result["tables"].items()}
        if result.get("trained_on"):
            summary["trained_on"] = result["trained_on"]
        for key in ("realmail", "realmail_baseline"):
            if key in result:
                summary[key] = {r["source"]: round(r["share"], 4) for r in result[key].to_dict("records")}
        for key in ("realmail_labelled", "realmail_labelled_baseline"):
            if key in result:
                summary[key] = {r["source"]: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()
                                              if k != "source"} for r in result[key]}
        (out / "evaluation.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    log.info("evaluation took %.1fs", time.time() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
