"""Precision on real mail: ordinary mailing-list messages (bigbang's 3GPP standards archives and a
pipermail archive in ../shared/realmail) carry almost no relationship signals, so the share of
messages that get one is a false-positive rate users would feel. The ceilings are measured values of
the shipped model (models/signals/evaluation.md) with a little headroom; they can fail on a retrain."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from analyzer.signals.detect import signals_frame
from training.signals.evaluate import REALMAIL_SOURCES, realmail_rates
from analyzer.signals.labels import LABELS
from analyzer.signals.linear import SCORES_KEY
from analyzer.signals.pipeline import load_pipeline

#: archive -> highest acceptable share of messages with any signal (measured, see evaluation.md)
#: before the neutral data and the precision-weighted thresholds: 44.9%, 59.3%, 62.0% (up to 10 labels a message);
#: before paragraph-bounded windows, the long-text margin and neutral_mail.jsonl: 18.4%, 37.0%, 50.6%;
#: then 16.3%, 21.0%, 17.7%; with the paraphrase training data (train_paraphrase_*.jsonl: recall on
#: paraphrase +0.035 macro F1 on the independent test snippets) 21.4%, 22.2%, 20.3%, mostly "no worries"-style
#: forgiveness and peer questions read as help requests (the TF-IDF baseline: 3.1%, 9.9%, 21.5%);
#: with mail furniture (greetings, sign-offs, disclaimers, signature art, status lines) never labelled
#: (analyzer.signals.boilerplate): 13.3%, 21.0%, 19.0%; with the register training data
#: (train_register_*.jsonl): 14.3%, 19.8%, 19.0%; with N7: 11.2%, 18.5%, 17.7%; with N9 (whole labelled
#: mail of 102 mailboxes, models/depth/CANDIDATE62.md): 11.2%, 23.5%, 16.5%, the LISTSERV ceiling raised
#: from 0.23 to 0.25 with it (19 of 81 messages; 8 of them carry a signal by the blind labels, as before);
#: with N10 (114 mailboxes, models/depth/CANDIDATE64.md), whose training picked a long-text margin of
#: 0.075 on a flat curve (N9: 0.175): 19.4%, 30.9%, 22.8%. Candidate N11 kept 0.175 (15.3%, 22.2%,
#: 17.7%) and lost 0.022 macro F1 on unread agency mail (CANDIDATE66.md), so N10 stayed and the ceilings
#: were raised to its shares with a little headroom. With V2 (N13 with sentence margins for six labels,
#: models/depth/CANDIDATE73.md): 18.4%, 32.1%, 25.3% (N13: 16.3%, 32.1%, 24.1%; messages flagged that the
#: adjudicated blind labels give no signal 37 -> 39), the pipermail ceiling raised from 0.25 to 0.27.
#: With V4 (trained on the read snippet sets too, models/depth/CANDIDATE83.md): 12.2%, 24.7%, 32.9%
#: (V2c: 17.3%, 32.1%, 25.3%); pipermail's flags rose 20 -> 26 of 79 with its message-level precision
#: against the blind labels level (0.37 -> 0.38) and recall up (0.25 -> 0.36), the adjudicated flags with
#: no label fell 38 -> 31. So the two 3GPP ceilings come down and pipermail's goes up to 0.35.
CEILINGS = {"3GPP_mbox": 0.16, "3GPP (LISTSERV)": 0.28, "pipermail 2001-November": 0.35}
#: measured 4, 4, 5 (the combiner caps labels per *sentence* at 3; a long message can carry more)
MAX_LABELS_PER_MESSAGE = 5


@pytest.fixture(scope="module")
def rates(realmail):
    return realmail_rates(data=realmail / "bigbang" / "tests" / "data").set_index("source")


def test_every_archive_is_read(rates):
    assert set(rates.index) == set(REALMAIL_SOURCES)
    assert (rates["messages"] > 50).all()


@pytest.mark.parametrize("source", sorted(CEILINGS))
def test_few_real_messages_get_a_signal(rates, source):
    row = rates.loc[source]
    assert row["share"] <= CEILINGS[source], f"{source}: {row['with_signal']}/{row['messages']} messages ({row['labels']})"


def test_no_message_gets_many_labels(rates):
    assert (rates["max_labels_message"] <= MAX_LABELS_PER_MESSAGE).all(), rates[["max_labels_message", "labels"]]


def test_label_cap_and_sentence_thresholds_hold_per_sentence(realmail):
    """Every labelled sentence respects the combiner's cap, and every model-only result has an evidence
    sentence whose own score reaches the label's sentence threshold."""
    from analyzer.ingest.pipeline import ingest

    nlp = load_pipeline()
    combiner = nlp.get_pipe("signal_combiner")
    messages = ingest([str(realmail / "bigbang" / "tests" / "data" / "3GPP_mbox")], jobs=1).messages
    frame = signals_frame(messages)
    if combiner.max_labels:
        per_sentence = Counter(zip(frame["message_id"], frame["sentence_index"]))
        assert max(per_sentence.values(), default=0) <= combiner.max_labels
    index = {lab: j for j, lab in enumerate(LABELS)}
    checked = 0
    for doc in nlp.pipe(t for t in messages["new_text"].tolist() if isinstance(t, str) and t.strip()):
        ranges, sent = doc.user_data[SCORES_KEY][:2]
        for span in doc.spans["signals"]:
            if span._.signal_rule_id:
                continue
            k = int(np.flatnonzero(ranges[:, 0] == span.start)[0])
            assert sent[k, index[span.label_]] >= combiner.sentence_thresholds[span.label_] - 1e-6
            checked += 1
    assert checked or frame.empty or (frame["rule_id"] != "").all()


def test_cap_limits_labels_on_a_dense_sentence():
    """A sentence written to carry many signals at once keeps at most ``max_labels`` of them."""
    nlp = load_pipeline()
    cap = nlp.get_pipe("signal_combiner").max_labels
    if not cap:
        pytest.skip("the shipped combiner has no label cap")
    doc = nlp("Sorry for the late invoice, but honestly your fees are too high, the last drafts were poor, "
              "we need to cancel Friday and budgets may be cut, so what would you advise?")
    per_sentence = Counter(s.start for s in doc.spans["signals"])
    assert per_sentence and max(per_sentence.values()) <= cap


def test_neutral_training_data_is_well_formed_and_apart_from_evaluation(dev_data_path):
    """data/signals/neutral_extra.jsonl: valid rows, mostly negatives, and nothing close to a text of
    the held-out dev split or the independent set (token Jaccard >= 0.6)."""
    import json
    import re

    from training.signals.corpus import NEUTRAL_PATH, SPLIT_PATH, read_labelled
    from training.signals.snippet_sets import INDEPENDENT_PATH

    rows = read_labelled(NEUTRAL_PATH)
    assert len(rows) >= 400
    assert sum(not r["labels"] for r in rows) / len(rows) > 0.9

    def tokens(text):
        return frozenset(re.findall(r"\w+", text.lower()))

    held = set(json.loads(SPLIT_PATH.read_text(encoding="utf-8"))["heldout"])
    others = [tokens(r["text"]) for r in read_labelled(dev_data_path) if r["id"] in held]
    others += [tokens(r["text"]) for r in read_labelled(INDEPENDENT_PATH)]
    for r in rows:
        a = tokens(r["text"])
        close = [b for b in others if len(a & b) / max(len(a | b), 1) >= 0.6]
        assert not close, r["text"]
