"""Signal detection speed: words/second on ~1M words of email text, one core, next to the bare
``spacy.blank("en")`` tokenizer on the same text in the same run (the floor).

Text (no repetition): what senders newly wrote, as ingest extracts it (``new_text``: quoted history
and signatures removed), of every message of ../shared/realmail that ingest parses (real
mailing-list and test-suite mail, about 35k words), then generated agency mail
(``data/mailgen`` bulk messages, seed 7: client and agency mail with signals at their designed
rates) up to ``--words``. Each text is seen once, as in a batch over an export: the floor
tokenizer starts cold, and the pipeline is warmed on 200 texts only. Detection is timed as
``analyzer.signals.detect`` runs it: quote stripping + ``nlp.pipe`` of the shipped pipeline
(models/signals) inside ``frozen_heap()`` (the loaded pipeline kept out of the garbage
collector's scans while the batch runs, as ``detect_signals``/``signals_frame`` do). The floor is
the bare tokenizer's ``pipe``, as is. Timings on a shared virtual machine vary by about 5% from
run to run.

    .venv/bin/python bench/bench_signals.py [--words 1000000] [--model models/signals] [--text realistic]

``--text realistic`` times the new text of client and agency mail of the realistic bench mailbox
instead (``bench/realistic_mail.py``, the mbox ``bench_run.py --mail realistic --messages 16000``
uses, written when missing): hand-written paragraphs recombined, up to ``--words``, as ingest
extracts them (quoted history and signatures removed).

Targets (issue 3): >= 100,000 words/s and within 4x of the tokenizer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "data"))

import spacy  # noqa: E402
from mailgen.corpus import iter_bulk_raw  # noqa: E402

from analyzer.errors import ParseError  # noqa: E402
from analyzer.ingest.parse import parse_message  # noqa: E402
from analyzer.ingest.pipeline import ingest  # noqa: E402
from analyzer.parallel import DETECT_BATCH_SIZE  # noqa: E402
from analyzer.signals.detect import docs_for, frozen_heap  # noqa: E402
from analyzer.signals.pipeline import load_pipeline  # noqa: E402
from analyzer.signals.quoted import strip_quoted  # noqa: E402

REALMAIL = ROOT.parent / "shared" / "realmail"
BULK_SEED = 7


def corpus(target_words: int) -> tuple[list[str], dict]:
    """New texts of the real mail, then of generated agency mail until ``target_words`` words;
    and where the words came from."""
    real = [t for t in ingest([REALMAIL], jobs=1).messages["new_text"].tolist() if t.strip()]
    real_words = words = sum(len(t.split()) for t in real)
    generated: list[str] = []
    for i, raw in enumerate(iter_bulk_raw(BULK_SEED, 10 ** 7)):
        if words >= target_words:
            break
        try:
            text = parse_message(raw, "bulk", i).new_text
        except ParseError:
            continue
        if text.strip():
            generated.append(text)
            words += len(text.split())
    source = {"real_texts": len(real), "real_words": real_words,
              "generated_texts": len(generated), "generated_words": words - real_words}
    return real + generated, source


def realistic_corpus(target_words: int, messages: int = 16000) -> tuple[list[str], dict]:
    """New texts of the realistic bench mailbox's client and agency mail, up to ``target_words``."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_run import _mbox

    path = _mbox(messages, 0, "realistic")
    frame = ingest([path], jobs=1).messages
    texts, words = [], 0
    for text in frame.loc[frame["direction"].isin(("from_client", "from_agency")), "new_text"]:
        if words >= target_words:
            break
        if isinstance(text, str) and text.strip():
            texts.append(text)
            words += len(text.split())
    return texts, {"realistic_texts": len(texts), "realistic_source": str(path.relative_to(ROOT))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--model", default=None)
    parser.add_argument("--text", choices=("mail", "realistic"), default="mail",
                        help="mail: real list mail + generated agency mail (default); realistic: the realistic bench mailbox")
    parser.add_argument("--batch-size", type=int, default=None, help="docs per batch (default: the detection workers' analyzer.parallel.DETECT_BATCH_SIZE)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    texts, source = realistic_corpus(args.words) if args.text == "realistic" else corpus(args.words)
    n_words = sum(len(t.split()) for t in texts)
    tokenizer = spacy.blank("en")
    nlp = load_pipeline(args.model)
    list(nlp.pipe(texts[:200]))  # warm caches
    batch_size = args.batch_size or DETECT_BATCH_SIZE

    t0 = time.perf_counter()
    for _ in tokenizer.pipe(texts, batch_size=batch_size):
        pass
    t_tok = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_signals = 0
    with frozen_heap():  # as detect_signals / signals_frame run nlp.pipe
        for doc in nlp.pipe(docs_for(nlp, (strip_quoted(t) for t in texts)), batch_size=batch_size):
            n_signals += len(doc.spans["signals"])
    t_nlp = time.perf_counter() - t0

    result = {
        "texts": len(texts), "words": n_words, **source,
        "tokenizer_words_per_s": round(n_words / t_tok), "detection_words_per_s": round(n_words / t_nlp),
        "ratio_detection_vs_tokenizer": round(t_nlp / t_tok, 2), "signals_found": n_signals,
        "batch_size": batch_size, "pipeline": nlp.pipe_names,
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
