"""The message-by-message signal labels of depth mailboxes (``data/signals/mail_labels*``): well formed,
one line per message of their mailbox, and read by ``training.signals.agency_mail`` as it says."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox

import pytest

from analyzer.signals.labels import AGENCY_LABELS, LABELS
from training.signals.agency_mail import (LABELS_DIR, TRAIN27_LABELS_DIR, any_signal, labelled_mail_files,
                                          mailbox_folder, read_mail_labels)

#: Every labels file: the oracle's and the whole-mail test's (``data/signals/mail_labels``),
#: ``train17``'s (``mail_labels_more``) and every ``mail_labels_trainNN`` folder, whether it was written
#: as a whole-mail test set or as detector training labels.
FILES = sorted({*labelled_mail_files(), *LABELS_DIR.parent.glob("mail_labels_more/*.jsonl"),
                *LABELS_DIR.parent.glob("mail_labels_train*/*.jsonl")})


def _mbox_ids(folder) -> list[str]:
    box = mailbox.mbox(folder / "mail" / "mailbox.mbox", factory=lambda f: email.message_from_binary_file(
        f, policy=email.policy.compat32))
    return [str(m["Message-ID"]).strip().strip("<>").strip() for m in box]


def test_the_four_mailboxes_are_labelled():
    assert {p.stem for p in FILES} >= {"ukstudio", "sgdigital", "krakowfintech", "hongkonghospitality"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_message_of_the_mailbox_once_with_valid_labels(path):
    labels = read_mail_labels(path)
    ids = _mbox_ids(mailbox_folder(path.stem))
    assert sorted(labels["message_id"]) == sorted(ids)
    for row in labels.itertuples():
        if row.side == "agency":
            assert set(row.labels) <= AGENCY_LABELS, row.message_id
        if row.side == "other":
            assert row.labels == [], row.message_id
    assert 0.05 < (labels["labels"].map(len) > 0).mean() < 0.9  # signals are there, and so are plain messages


def test_bad_labels_files_are_refused(tmp_path):
    good = {"message_id": "<a@x>", "from": "a@x", "side": "client", "labels": ["referral"], "quotes": {}}
    path = tmp_path / "box.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(good | {"message_id": "b@x"}) + "\n")
    assert read_mail_labels(path)["message_id"].tolist() == ["a@x", "b@x"]  # angle brackets dropped
    for bad, words in [({"labels": ["gratitude"]}, "unknown label"), ({"side": "vendor"}, "side"),
                       ({"message_id": "a@x"}, "twice")]:
        path.write_text(json.dumps(good) + "\n" + json.dumps(good | {"message_id": "b@x"} | bad) + "\n")
        with pytest.raises(ValueError, match=words):
            read_mail_labels(path)


def test_any_signal_counts_messages():
    gold = [["referral"], [], ["apology", "complaint"], []]
    pred = [["appreciation"], ["complaint"], [], []]
    assert any_signal(gold, pred) == {"messages_with_signal": 2, "flagged": 2, "both": 1,
                                      "precision": 0.5, "recall": 0.5}
    assert set(LABELS) > AGENCY_LABELS


@pytest.mark.slow
def test_a_labelled_mailbox_is_compared_message_by_message(tmp_path):
    """One mailbox through the real run: the messages both sides agree on are compared, the detector's
    and the baseline's labels are those the writing side can carry."""
    from training.signals.agency_mail import compare_mailbox
    from training.signals.baseline import same_data_baseline
    from training.signals.corpus import training_parts

    baseline = same_data_baseline(training_parts())
    path = LABELS_DIR / "ukstudio.jsonl"
    res = compare_mailbox("ukstudio", read_mail_labels(path), tmp_path, baseline)
    c = res["counts"]
    assert c["compared"] >= 0.8 * (c["labelled"] - c["other"])
    assert len(res["gold"]) == len(res["pipeline"]) == len(res["baseline"]) == c["compared"]
    assert any(res["gold"]) and any(res["pipeline"]) and any(res["baseline"])
    for pred in res["pipeline"] + res["baseline"]:
        assert set(pred) <= set(LABELS)


def test_the_report_names_the_labels_it_compared_with(tmp_path):
    from training.signals.agency_mail import _shown

    assert _shown(LABELS_DIR) == "data/signals/mail_labels"
    assert _shown(TRAIN27_LABELS_DIR) == "data/signals/mail_labels_train27"
    assert _shown(tmp_path) == str(tmp_path)  # outside the project: as given
