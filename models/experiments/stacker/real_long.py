"""Window rows of *real* long messages for a long-text second stage (experiment helper).

The labelled mail of ``train18``'s six depth mailboxes (``data/signals/mail_labels_train18``: per
message its side, labels and the quote carrying each, by helpers who read only the taxonomy and the
mbox) was never a training row of the shipped detector. Each mailbox is run with its client list;
each labelled message of four sentences or more is read by the shipped detector, and each of its
scoring windows becomes a row (``window_features``), with gold label j when the window's evidence
sentence for j holds the message's quote for j (``training.signals.mail_rows.holds_quote``).
Only client messages give rows (an agency message may carry only two labels; its other labels'
zeros would teach the stage to drop client labels, and the stage does not know the side).

    PYTHONPATH=. .venv/bin/python models/experiments/stacker/real_long.py --out /tmp/stacker/real_long.npz
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from oof_long import window_rows  # noqa: E402

from analyzer.limits import detectable  # noqa: E402
from analyzer.signals.detect import docs_for  # noqa: E402
from analyzer.signals.labels import LABELS  # noqa: E402
from analyzer.signals.linear import SCORES_KEY  # noqa: E402
from analyzer.signals.pipeline import load_pipeline  # noqa: E402
from analyzer.signals.quoted import strip_quoted  # noqa: E402
from training.signals.agency_mail import ALLOWED, SIDES, mailbox_folder, read_mail_labels  # noqa: E402
from training.signals.mail_rows import TRAIN18_LABELS_DIR, holds_quote  # noqa: E402


def main() -> None:
    from training.depth.independent import run_mailbox

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", default=None)
    ap.add_argument("--labels", type=Path, default=TRAIN18_LABELS_DIR)
    a = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    nlp = load_pipeline(a.model)
    long_sentences = nlp.get_pipe("signal_combiner").long_sentences
    X, G, B = [], [], []
    with tempfile.TemporaryDirectory() as work:
        for path in sorted(a.labels.glob("*.jsonl")):
            name = path.stem
            gold = read_mail_labels(path)
            res = run_mailbox(mailbox_folder(name), Path(work) / name, client_list=True)
            msgs = res.message_meta[["message_id", "direction", "new_text"]].drop_duplicates("message_id")
            both = gold.merge(msgs, on="message_id", how="inner")
            both = both[(both["side"].map(SIDES) == both["direction"]) & (both["direction"] == "from_client")]
            texts = [detectable(strip_quoted(t or "")) for t in both["new_text"]]
            n_long = 0
            for m, doc in zip(both.itertuples(index=False), nlp.pipe(docs_for(nlp, texts), batch_size=64)):
                scores = doc.user_data.get(SCORES_KEY)
                if scores is None or len(scores[0]) < long_sentences:
                    continue
                allowed = ALLOWED[m.direction]
                ranges, evidence = scores[0], scores[3]
                sents = [doc[a0:b0].text for a0, b0 in ranges.tolist()]
                quotes = m.quotes if isinstance(m.quotes, dict) else {}
                holds = np.zeros((len(sents), len(LABELS)), dtype=bool)
                for j, lab in enumerate(LABELS):
                    if lab in m.labels and lab in allowed and quotes.get(lab):
                        holds[:, j] = [holds_quote(s, quotes[lab]) for s in sents]
                cols = np.arange(len(LABELS))[None, :]
                X.append(window_rows(doc))
                G.append(holds[evidence, cols].astype(int))
                B.extend([name] * len(sents))
                n_long += 1
            print(name, "long labelled messages", n_long, flush=True)
    np.savez(a.out, X=np.vstack(X), gold=np.vstack(G), box=np.array(B))


if __name__ == "__main__":
    main()
