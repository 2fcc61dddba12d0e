"""Signal detection speed: words/second on ~1M words of email text, one core, next to the bare
``spacy.blank("en")`` tokenizer on the same text in the same run (the floor).

Text: the new text (quoted lines stripped) of every message in the bigbang mboxes of
../shared/realmail plus the dev snippets, repeated to ``--words`` words. Detection is timed as
``analyzer.signals.detect`` runs it: quote stripping + ``nlp.pipe`` of the shipped pipeline
(models/signals) inside ``frozen_heap()`` (the loaded pipeline kept out of the garbage collector's
scans while the batch runs, as ``detect_signals``/``signals_frame`` do). The floor is the bare
tokenizer's ``pipe``, as is.

    .venv/bin/python bench/bench_signals.py [--words 1000000] [--model models/signals]

Targets (issue 3): >= 100,000 words/s and within 4x of the tokenizer.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from analyzer.signals.detect import frozen_heap  # noqa: E402
from analyzer.signals.pipeline import load_pipeline  # noqa: E402
from analyzer.signals.quoted import strip_quoted  # noqa: E402

REALMAIL = ROOT.parent / "shared" / "realmail"
DEV = ROOT.parent / "shared" / "data" / "signals_dev.jsonl"


def _plain_body(msg) -> str:
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""


def corpus(target_words: int) -> list[str]:
    texts = []
    for path in sorted((REALMAIL / "bigbang").rglob("*.mbox")):
        for msg in mailbox.mbox(str(path)):
            text = strip_quoted(_plain_body(msg))
            if text:
                texts.append(text)
    texts += [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    words = sum(len(t.split()) for t in texts)
    reps = max(1, -(-target_words // max(words, 1)))
    return texts * reps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--model", default=None)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    texts = corpus(args.words)
    n_words = sum(len(t.split()) for t in texts)
    tokenizer = spacy.blank("en")
    nlp = load_pipeline(args.model)
    list(nlp.pipe(texts[:200]))  # warm caches

    t0 = time.perf_counter()
    for _ in tokenizer.pipe(texts, batch_size=args.batch_size):
        pass
    t_tok = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_signals = 0
    with frozen_heap():  # as detect_signals / signals_frame run nlp.pipe
        for doc in nlp.pipe((strip_quoted(t) for t in texts), batch_size=args.batch_size):
            n_signals += len(doc.spans["signals"])
    t_nlp = time.perf_counter() - t0

    result = {
        "texts": len(texts), "words": n_words,
        "tokenizer_words_per_s": round(n_words / t_tok), "detection_words_per_s": round(n_words / t_nlp),
        "ratio_detection_vs_tokenizer": round(t_nlp / t_tok, 2), "signals_found": n_signals,
        "pipeline": nlp.pipe_names,
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
