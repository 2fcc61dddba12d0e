"""What would perfect detection buy the depth score? An oracle reading of the labelled depth mailboxes.

    python -m training.depth.oracle [--model FILE] [--work DIR] [--out models/depth]

Hand-written depth mailboxes were labelled message by message by helpers who read only the taxonomy
and the mbox (``data/signals/mail_labels/``: four, tenth session; ``mail_labels_more/``: ``train17``'s
six, nineteenth session; :mod:`training.signals.agency_mail`). Each is
run as a user would (no client list), then every client is scored twice with the same depth model:
from the detector's signals (what the product does) and from the gold labels in place of the
detector's (one signal row per labelled message and label, on the side the label belongs to). The
plain signal tally is read both ways too. Written to ``oracle.md`` and ``oracle.json``.

Read with care: the depth model is fitted on these mailboxes' *detected* features (they are training
mailboxes), and on mail with the detector's recall; the gold labels hold about a quarter more signs,
so its input moves away from what it was fitted on. The out-of-fold figure of the detected reading
(``metrics.json``, leave one mailbox out) is given beside them for that reason.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

from analyzer.depth.modelfile import load_depth_model
from analyzer.depth.scores import score_and_periods
from analyzer.signals.frame import SIGNAL_COLUMNS
from training.depth.independent import mailbox_metrics, matched_with_tally, read_truth, run_mailbox
from training.signals.agency_mail import ALLOWED, SIDES, labelled_mail_files, mailbox_folder, read_mail_labels


def gold_signals(gold: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    """A signals frame (SIGNAL_COLUMNS) from message-level gold labels: one row per labelled client
    message and label, kept only where the labeller's side is the run's direction and the label
    belongs to that side (as the detector's rows are counted)."""
    g = gold.merge(messages[["message_id", "client", "direction", "date"]], on="message_id", how="inner")
    g = g[g["client"].notna() & (g["side"].map(SIDES) == g["direction"])]
    g = g.explode("labels").dropna(subset=["labels"])
    g = g[pd.Series([lb in ALLOWED[d] for lb, d in zip(g["labels"], g["direction"])], index=g.index, dtype=bool)]
    return pd.DataFrame({
        "message_id": g["message_id"], "client": g["client"], "direction": g["direction"], "date": g["date"],
        "sentence_index": 0, "start_char": 0, "end_char": 0, "text": "(gold label)", "label": g["labels"],
        "score": 1.0, "model_score": 1.0, "rule_id": "", "explanation": "gold label",
    })[list(SIGNAL_COLUMNS)].reset_index(drop=True)


def read_mailbox(name: str, gold: pd.DataFrame, work: Path, model, model_path=None) -> dict:
    """One labelled mailbox read from the detector's signals and from the gold labels."""
    box = mailbox_folder(name)
    result = run_mailbox(box, work / name, model_path=model_path)
    truth = read_truth(box)
    signals = gold_signals(gold, result.message_meta)
    scores, _ = score_and_periods(result.message_meta, signals, model=model)
    detected = mailbox_metrics(matched_with_tally(result.scores, truth))
    oracle = mailbox_metrics(matched_with_tally(scores, truth))
    keys = ("spearman", "spearman_tally", "tier_accuracy", "mae")
    return {"mailbox": f"{box.parent.name}/{name}", "clients": detected["scored"],
            "signal_rows_detected": int(len(result.signals)), "signal_rows_gold": int(len(signals)),
            **{f"detected_{k}": detected[k] for k in keys}, **{f"gold_{k}": oracle[k] for k in keys}}


def report_md(rows: pd.DataFrame, oof: dict, command: str) -> str:
    lines = ["# What perfect detection would buy the depth score (oracle reading)", "",
             f"Command: `{command}`. Training mailboxes labelled message by message "
             "(`data/signals/mail_labels/` and `mail_labels_more/`); each client scored with the shipped depth model from the detector's "
             "signals and from the gold labels. In-sample for the detected reading (the model is fitted on these "
             "mailboxes); the out-of-fold Spearman of the detected reading is from `metrics.json`.", "",
             "Signal rows: the detector's are sentences (several in one message can carry the same label), "
             "the gold ones message x label.", "",
             "| mailbox | clients | signal rows detected / gold | Spearman detected (out of fold) | Spearman gold | "
             "tally detected | tally gold | tiers detected / gold | MAE detected / gold |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows.to_dict("records"):
        lines.append(f"| {r['mailbox']} | {r['clients']} | {r['signal_rows_detected']} / {r['signal_rows_gold']} | "
                     f"{r['detected_spearman']:.3f} ({oof.get(r['mailbox'], float('nan')):.3f}) | "
                     f"{r['gold_spearman']:.3f} | {r['detected_spearman_tally']:.3f} | {r['gold_spearman_tally']:.3f} | "
                     f"{r['detected_tier_accuracy']:.2f} / {r['gold_tier_accuracy']:.2f} | "
                     f"{r['detected_mae']:.1f} / {r['gold_mae']:.1f} |")
    mean = rows.drop(columns="mailbox").mean()
    oof_mean = sum(oof.get(m, float("nan")) for m in rows["mailbox"]) / len(rows)
    lines.append(f"| **mean** | {mean['clients']:.1f} | {mean['signal_rows_detected']:.0f} / "
                 f"{mean['signal_rows_gold']:.0f} | **{mean['detected_spearman']:.3f}** ({oof_mean:.3f}) | "
                 f"**{mean['gold_spearman']:.3f}** | {mean['detected_spearman_tally']:.3f} | "
                 f"{mean['gold_spearman_tally']:.3f} | {mean['detected_tier_accuracy']:.2f} / "
                 f"{mean['gold_tier_accuracy']:.2f} | {mean['detected_mae']:.1f} / {mean['gold_mae']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.depth.oracle", description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="depth model file (default: the shipped one)")
    ap.add_argument("--work", type=Path, default=None, help="keep the runs here (default: a temporary folder)")
    ap.add_argument("--out", type=Path, default=Path("models/depth"))
    args = ap.parse_args(argv)
    model = load_depth_model(args.model)
    metrics = Path(__file__).resolve().parents[2] / "models" / "depth" / "metrics.json"
    oof = {} if args.model else json.loads(metrics.read_text())["cv_leave_mailbox_out"]["spearman_per_independent_mailbox"]
    with tempfile.TemporaryDirectory(prefix="depth-oracle-") as tmp:
        work = args.work or Path(tmp)
        rows = pd.DataFrame([read_mailbox(f.stem, read_mail_labels(f), work, model, args.model)
                             for f in labelled_mail_files()])
    command = "python -m training.depth.oracle" + (f" --model {args.model}" if args.model else "")
    report = report_md(rows, oof, command)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "oracle.json").write_text(json.dumps({"per_mailbox": rows.to_dict("records"),
                                                      "out_of_fold": {m: oof[m] for m in rows["mailbox"] if m in oof}},
                                                     indent=2, default=float) + "\n", encoding="utf-8")
    (args.out / "oracle.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
