"""Signals in whole agency mail: the detector and the baseline against hand labels, message by message.

    python -m training.signals.agency_mail [--model models/signals] [--out models/signals]

The snippet sets measure the detector on short texts; the product reads whole messages, with
greetings, logistics, signatures and quoted history around the one sentence that matters. Here the
gold is ``data/signals/mail_labels/<mailbox>.jsonl``: every message of a hand-written depth mailbox
(``data/independent/<split>/<mailbox>``) labelled by a helper who read only the taxonomy and the
mbox (``data/signals/BRIEF_mail_labels.md``), never the detector, its output, or the mailbox's design.
The detector never trained on these mailboxes (they were written for the depth model), so this is
independent of its training data.

Each mailbox is run as a user would with its client list (``analyzer.toml``, so attribution does not
blur the comparison); a message's predicted labels are those of its rows in the signals frame (which
keeps client labels in client mail and the agency's two labels in agency mail). The baseline (TF-IDF,
:mod:`training.signals.baseline`, trained on the detector's own training rows) reads each message's
whole new text, and its labels are kept by the same side rule. Compared on the messages whose side
the labeller and the run agree on (client or agency); the rest are counted and left out.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

import pandas as pd

from analyzer.signals.labels import AGENCY_LABELS, CLIENT_LABELS, LABELS
from training.signals.baseline import TfidfBaseline, same_data_baseline
from training.signals.corpus import DATA_DIR, PROJECT_ROOT, recipe_rows, training_parts
from training.signals.evaluate import format_table, multilabel_recall, side_by_side
from training.signals.metrics import paired_bootstrap

LABELS_DIR = DATA_DIR / "mail_labels"
#: Message-by-message labels of more depth mailboxes (nineteenth session: ``train17``'s six), by six
#: more helpers under the same brief. Written for the depth oracle (:mod:`training.depth.oracle`);
#: this evaluation does not compare the detector with them, so they can still serve as whole-mail
#: test data for a detector candidate.
MORE_LABELS_DIR = LABELS_DIR.parent / "mail_labels_more"
#: Message-by-message labels of ``train27``'s six mailboxes (twenty-eighth session), by six more helpers
#: under the same brief (test data). Read only with ``--labels``; read once in the thirtieth session by
#: candidate GW's rule (``models/depth/CANDIDATE39.md``), a development set since.
TRAIN27_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train27"
#: Two more whole-mail test sets, written in the twenty-ninth session: the labels of ``train29``'s and
#: ``train30``'s six depth mailboxes each (``--labels`` reads them); read once with ``train27``'s by GW's rule.
TRAIN29_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train29"
TRAIN30_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train30"
#: Two more whole-mail test sets, written in the thirtieth session: the labels of ``train31``'s and
#: ``train32``'s six depth mailboxes each (``--labels`` reads them); read once in the thirty-first
#: session by candidate GW0b's rule (``models/depth/CANDIDATE43.md``), development sets since.
TRAIN31_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train31"
TRAIN32_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train32"
#: Two more whole-mail test sets, written in the thirty-first session: the labels of ``train33``'s and
#: ``train34``'s six depth mailboxes each (``--labels`` reads them); read once in the thirty-third
#: session by candidate N's rule (``models/depth/CANDIDATE52.md``), development sets since.
TRAIN33_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train33"
TRAIN34_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train34"
#: The labels of ``train47``'s six depth mailboxes (thirty-third session), read once by candidate N2's rule
#: (``models/depth/CANDIDATE53.md``), a development set since.
TRAIN47_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train47"
#: The labels of ``train49``'s six depth mailboxes (thirty-fourth session), read once by candidate N3's rule
#: (``models/depth/CANDIDATE55.md``), a development set since.
TRAIN49_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train49"
#: The labels of ``train50``'s six depth mailboxes (thirty-fourth session), read once by candidate N4's rule
#: (``models/depth/CANDIDATE56.md``), a development set since.
TRAIN50_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train50"
#: The labels of ``train51``'s six depth mailboxes (written at the end of the thirty-fourth session): a
#: whole-mail test set, read once by candidate N5's rule (``models/depth/CANDIDATE58.md``).
TRAIN51_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train51"
#: The labels of ``train52``'s six depth mailboxes (written in the thirty-fifth session): a whole-mail
#: test set, read once (with ``train53``'s) by candidate N6's rule (``models/depth/CANDIDATE59.md``).
TRAIN52_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train52"
#: The labels of ``train53``'s six depth mailboxes (written at the end of the thirty-fifth session): read
#: once by candidate N6's rule, with ``train52``'s.
TRAIN53_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train53"
#: The labels of ``train54``'s six depth mailboxes (written in the thirty-sixth session): read once by
#: candidate N7's rule (``models/depth/CANDIDATE60.md``).
TRAIN54_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train54"
#: The labels of ``train55``'s six depth mailboxes (written at the end of the thirty-sixth session): read
#: once by candidate N8's rule (``models/depth/CANDIDATE61.md``).
TRAIN55_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train55"
#: The labels of ``train56``'s six depth mailboxes (written at the end of the thirty-sixth session): read
#: once by candidate N9's rule (``models/depth/CANDIDATE62.md``).
TRAIN56_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train56"
#: The labels of ``train57``'s six depth mailboxes (thirty-seventh session): read once by candidate N9's
#: rule (``models/depth/CANDIDATE62.md``).
TRAIN57_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train57"
#: The labels of ``train59``'s six depth mailboxes (end of the thirty-seventh session): read once by
#: candidate N10's rule (``models/depth/CANDIDATE64.md``).
TRAIN59_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train59"
#: The labels of ``train60``'s six depth mailboxes (thirty-eighth session): read once by candidate N11's
#: rule (``models/depth/CANDIDATE66.md``).
TRAIN60_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train60"
#: The labels of ``train61``'s six depth mailboxes (thirty-eighth session): read once by candidate N12's
#: rule (``models/depth/CANDIDATE67.md``, thirty-ninth session).
TRAIN61_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train61"
#: The labels of ``train62``'s six depth mailboxes (thirty-ninth session): a whole-mail test set no
#: detector has read.
TRAIN62_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train62"
#: The labels of ``train63``'s six depth mailboxes (thirty-ninth session): the whole-mail judge of
#: candidate N14 (``models/depth/CANDIDATE70.md``, forty-first session), read by its rule.
TRAIN63_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train63"
#: The labels of ``train64``'s six depth mailboxes (fortieth session): with ``train65``'s, the whole-mail
#: judge of candidate V2 (``models/depth/CANDIDATE73.md``, forty-second session), read by its rule.
TRAIN64_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train64"
#: The labels of ``train65``'s six depth mailboxes (forty-first session): read by V2's rule with ``train64``'s.
TRAIN65_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train65"
#: The labels of ``train66``'s six depth mailboxes (forty-first session): read by candidate V3's rule
#: (``models/depth/CANDIDATE75.md``, forty-sixth session); a development set since.
TRAIN66_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train66"
#: The labels of ``train67``'s six depth mailboxes (forty-second session): read by candidate V2c's rule
#: (``models/depth/CANDIDATE78.md``, forty-seventh session); a development set since.
TRAIN67_LABELS_DIR = LABELS_DIR.parent / "mail_labels_train67"


def labelled_mail_files() -> list[Path]:
    """Every message-by-message labels file: :data:`LABELS_DIR`'s, then :data:`MORE_LABELS_DIR`'s."""
    return sorted(LABELS_DIR.glob("*.jsonl")) + sorted(MORE_LABELS_DIR.glob("*.jsonl"))
#: Which labelled mailboxes are for development and which for testing. The detector's misses and false
#: alarms on the development ones were read in the tenth session; the test ones were only read in
#: aggregate and are never tuned on.
GROUPS = {"development": ("ukstudio", "sgdigital"), "test": ("krakowfintech", "hongkonghospitality")}
MAILBOXES = PROJECT_ROOT / "data" / "independent"
SIDES = {"client": "from_client", "agency": "from_agency"}
ALLOWED = {"from_client": CLIENT_LABELS, "from_agency": AGENCY_LABELS}


def read_mail_labels(path: Path) -> pd.DataFrame:
    """One row per labelled message: ``message_id`` (without angle brackets, as ingest stores it),
    ``side``, ``labels`` (sorted list). Raises
    ValueError on an unknown label or side, or a message labelled twice."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    df = pd.DataFrame(rows)
    df["message_id"] = df["message_id"].astype(str).str.strip().str.strip("<>").str.strip()  # as ingest stores it
    bad = {lb for labels in df["labels"] for lb in labels} - set(LABELS)
    if bad:
        raise ValueError(f"{path}: unknown label(s) {sorted(bad)}")
    if not df["side"].isin(["client", "agency", "other"]).all():
        raise ValueError(f"{path}: side must be client, agency or other")
    if df["message_id"].duplicated().any():
        raise ValueError(f"{path}: a message is labelled twice")
    return df.assign(labels=df["labels"].map(sorted))


def mailbox_folder(name: str) -> Path:
    """The depth mailbox a labels file belongs to (its name under any split of data/independent)."""
    found = sorted(p for p in MAILBOXES.glob(f"*/{name}") if (p / "mail").is_dir())
    if len(found) != 1:
        raise ValueError(f"labels file {name!r}: expected one mailbox data/independent/*/{name}, found {len(found)}")
    return found[0]


def compare_mailbox(name: str, gold: pd.DataFrame, work: Path, baseline: TfidfBaseline, model=None) -> dict:
    """Gold, pipeline and baseline label lists of one mailbox's comparable messages, and counts."""
    from training.depth.independent import run_mailbox

    result = run_mailbox(mailbox_folder(name), work / name, signals_model=model, client_list=True)
    msgs = result.message_meta[["message_id", "direction", "new_text"]].drop_duplicates("message_id")
    found = result.signals.groupby("message_id")["label"].agg(lambda s: sorted(set(s))).to_dict()
    both = gold.merge(msgs, on="message_id", how="inner")
    agree = both[both["side"].map(SIDES) == both["direction"]].reset_index(drop=True)
    base = baseline.predict(agree["new_text"].fillna("").tolist())
    keep = [sorted(set(b) & ALLOWED[d]) for b, d in zip(base, agree["direction"])]
    return {
        "gold": agree["labels"].tolist(),
        "pipeline": [found.get(m, []) for m in agree["message_id"]],
        "baseline": keep,
        "counts": {"labelled": len(gold), "in_run": len(both), "compared": len(agree),
                   "side_disagrees": int(len(both) - len(agree) - (both["side"] == "other").sum()),
                   "other": int((both["side"] == "other").sum())},
    }


def any_signal(gold, pred) -> dict:
    """Message level: of the messages with a gold label, how many got any label, and the reverse."""
    g = [bool(x) for x in gold]
    p = [bool(x) for x in pred]
    tp = sum(a and b for a, b in zip(g, p))
    return {"messages_with_signal": sum(g), "flagged": sum(p), "both": tp,
            "precision": tp / max(1, sum(p)), "recall": tp / max(1, sum(g))}


def _summary(gold, pipeline, baseline) -> dict:
    """Macro precision, recall and F1 of both, and the paired bootstrap of their F1 difference."""
    t = side_by_side(gold, pipeline, baseline)
    m = t[t["label"] == "macro"].iloc[0]
    return {"messages": len(gold), "P": float(m["P"]), "R": float(m["R"]), "F1": float(m["F1"]),
            "base_F1": float(m["base_F1"]), "bootstrap": paired_bootstrap(gold, pipeline, baseline)}


def evaluate(model=None, labels_dir: Path = LABELS_DIR, **recipe) -> dict:
    """The detector (``model``, default the shipped one) and the baseline (trained on the rows of
    :func:`training_parts` with the options ``recipe``, as :func:`~training.signals.corpus.recipe_rows`
    reads them from a model) on every labels file of ``labels_dir``."""
    files = sorted(labels_dir.glob("*.jsonl"))
    if not files:
        raise ValueError(f"no labels files in {labels_dir}")
    baseline = same_data_baseline(training_parts(**recipe))
    pooled = {"gold": [], "pipeline": [], "baseline": []}
    by_group = {g: {"gold": [], "pipeline": [], "baseline": []} for g in GROUPS}
    per_box = {}
    with tempfile.TemporaryDirectory(prefix="mail-labels-") as tmp:
        for path in files:
            res = compare_mailbox(path.stem, read_mail_labels(path), Path(tmp), baseline, model)
            per_box[path.stem] = res["counts"] | {
                "bootstrap": paired_bootstrap(res["gold"], res["pipeline"], res["baseline"])}
            for k in pooled:
                pooled[k] += res[k]
                for g, names in GROUPS.items():
                    if path.stem in names:
                        by_group[g][k] += res[k]
    g, p, b = pooled["gold"], pooled["pipeline"], pooled["baseline"]
    groups = {name: _summary(v["gold"], v["pipeline"], v["baseline"]) for name, v in by_group.items() if v["gold"]}
    return {"labels_dir": _shown(labels_dir), "mailboxes": per_box, "groups": groups,
            "table": side_by_side(g, p, b), "bootstrap": paired_bootstrap(g, p, b),
            "multilabel": multilabel_recall(g, p, b), "any_pipeline": any_signal(g, p), "any_baseline": any_signal(g, b)}


def _shown(path: Path) -> str:
    """``path`` relative to the project when it is inside it (as the report names it)."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def report_md(res: dict, command: str) -> str:
    b = res["bootstrap"]
    t = res["table"]
    present = t[(t["label"] == "macro") | (t["support"] > 0)]
    lines = ["# Signals in whole agency mail", "", f"Command: `{command}`", "",
             "Every message of hand-written depth mailboxes, labelled by helpers who read only the taxonomy and the "
             f"mbox (`{res.get('labels_dir', 'data/signals/mail_labels')}/`, brief `data/signals/BRIEF_mail_labels.md`). The detector never "
             "trained on these mailboxes. Pipeline: the run's signals frame per message; baseline: TF-IDF on each "
             "message's whole new text, trained on the detector's training rows; both keep only the labels the "
             "writing side can carry. Macro F1 over the labels that occur (a label absent from the gold is left "
             "out of the table's macro row below).", "",
             "| mailbox | labelled | compared | other | side disagrees | pipeline - baseline macro F1 (interval) |",
             "|---|---:|---:|---:|---:|---|"]
    for name, r in res["mailboxes"].items():
        bb = r["bootstrap"]
        lines.append(f"| {name} | {r['labelled']} | {r['compared']} | {r['other']} | {r['side_disagrees']} | "
                     f"{bb['diff']:+.3f} ({bb['low']:+.3f} .. {bb['high']:+.3f}) |")
    if res.get("groups"):
        lines += ["", "| group | mailboxes | messages | pipeline P / R / F1 | baseline F1 | difference (interval) |",
                  "|---|---|---:|---|---:|---|"]
        for name, r in res["groups"].items():
            bb = r["bootstrap"]
            lines.append(f"| {name} | {', '.join(GROUPS[name])} | {r['messages']} | {r['P']:.3f} / {r['R']:.3f} / "
                         f"{r['F1']:.3f} | {r['base_F1']:.3f} | {bb['diff']:+.3f} ({bb['low']:+.3f} .. {bb['high']:+.3f}) |")
        lines += ["", "The development mailboxes' misses and false alarms were read in the tenth session; the test "
                  "mailboxes only in aggregate. Nothing was tuned on either."]
    macro = present[present["label"] != "macro"][["P", "R", "F1", "base_P", "base_R", "base_F1"]].mean()
    lines += ["", "Pooled:", "", format_table(t), "",
              f"Macro over the {int((present['label'] != 'macro').sum())} labels that occur: pipeline P "
              f"{macro['P']:.3f} R {macro['R']:.3f} F1 **{macro['F1']:.3f}**; baseline P {macro['base_P']:.3f} "
              f"R {macro['base_R']:.3f} F1 **{macro['base_F1']:.3f}**.", "",
              f"Macro F1 (all 13 labels) pipeline - baseline: {b['diff']:+.3f} (95% paired-bootstrap interval "
              f"{b['low']:+.3f} .. {b['high']:+.3f}).", ""]
    m = res["multilabel"]
    if m["texts"]:
        lines += [f"Messages with two or more labels: {m['texts']}; all found by the pipeline in {m['pipeline_all']}, "
                  f"by the baseline in {m['baseline_all']}.", ""]
    for who in ("pipeline", "baseline"):
        a = res[f"any_{who}"]
        lines.append(f"Any signal, message level, {who}: {a['flagged']} messages flagged, {a['messages_with_signal']} "
                     f"carry one; precision {a['precision']:.3f}, recall {a['recall']:.3f}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.signals.agency_mail", description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="signal pipeline folder (default: the shipped one)")
    ap.add_argument("--mail", nargs="?", const="paragraph", choices=("paragraph", "quote"), default=None,
                    help="train the baseline on the whole-mail rows too, as `training.signals.train --mail` "
                             "does (default: the rows the model's metrics.json names)")
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "models" / "signals")
    ap.add_argument("--labels", type=Path, default=LABELS_DIR,
                    help="folder of labels files to compare with (default: the four mailboxes of data/signals/mail_labels)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    recipe = recipe_rows(args.model)
    res = evaluate(args.model, args.labels, **recipe | {"mail": args.mail or recipe["mail"]})
    command = ("python -m training.signals.agency_mail" + (f" --model {args.model}" if args.model else "")
               + (f" --mail {args.mail}" if args.mail else "")  # without it: the model's own rows
               + (f" --labels {_shown(args.labels)}" if Path(args.labels).resolve() != LABELS_DIR.resolve() else ""))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "agency_mail.md").write_text(report_md(res, command), encoding="utf-8")
    (args.out / "agency_mail.json").write_text(json.dumps(
        {k: (v.to_dict("records") if isinstance(v, pd.DataFrame) else v) for k, v in res.items()}, indent=2,
        default=float) + "\n", encoding="utf-8")
    print(report_md(res, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
