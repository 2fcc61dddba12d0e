"""Every hand-written independent mailbox is well formed: a truth row per client whose tier follows
its depth and whose quarterly depths end at it, a client list the analyzer loads, and an mbox whose
every message has the headers the briefs asked for. (Data checks only: no model is run here.)"""

from __future__ import annotations

import mailbox

import pytest

from analyzer.config import load_config
from analyzer.depth.schema import tier_of
from training.depth.independent import (SPLITS, TEST_SPLITS, TRAIN_SPLITS, UNREAD_SPLITS, WAITING_SPLITS, mailboxes,
                                        read_truth)

HEADER = ["client", "domains", "addresses", "depth", "tier", "trend", "depth_by_quarter", "quarters",
          "n_messages", "design"]
BOXES = [box for split in SPLITS for box in mailboxes(split)]


def test_each_split_is_trained_on_test_waiting_or_unread_and_only_one():
    groups = [set(TRAIN_SPLITS), set(TEST_SPLITS), set(WAITING_SPLITS), set(UNREAD_SPLITS)]
    assert sum(len(g) for g in groups) == len(set.union(*groups))
    assert set.union(*groups) == set(SPLITS)
    assert len(BOXES) >= 90


@pytest.mark.parametrize("box", BOXES, ids=lambda b: f"{b.parent.name}/{b.name}")
def test_mailbox_truth_and_client_list(box):
    truth = read_truth(box)
    assert list(truth.columns) == HEADER
    assert truth["client"].is_unique and len(truth) >= 4
    for row in truth.itertuples():
        assert 0 <= row.depth <= 100 and row.tier == tier_of(row.depth), row.client
        assert row.trend in ("deepening", "cooling", "steady"), row.client
        by_quarter = [float(v) for v in str(row.depth_by_quarter).split(";")]
        assert len(by_quarter) == len(str(row.quarters).split(";")) and by_quarter[-1] == row.depth, row.client
        assert bool(row.domains) or bool(row.addresses), row.client
    config = load_config(box / "analyzer.toml")
    # a client list may name more clients than the truth scores (train/warsawdata leaves two
    # Polish-language clients out of it), never fewer
    assert set(truth["client"]) <= {c.name for c in config.clients}


NEWEST = ("train10", "train11", "train12", "train13", "train14", "train15", "train16", "train17", "train18",
          "train19", "train20", "train21", "train22", "train23", "train24", "train25", "train26", "train27", "train28",
          "train29", "train30", "train31", "train32", "train33", "train34", "train35", "train36", "train52", "train53", "train54", "train55", "train56", "train57", "train58", "train59", "train60", "train61", "train62", "train63", "train64", "train65", "train66", "train67", "train68", "train69", "train70", "train71", "train72", "train73", "train74", "train75", "train76", "train77", "train78", "train79", "train80", "train81", "train82", "train83")


def test_every_waiting_judge_set_is_named_in_the_evaluation_table():
    from training.depth.evaluate import WAITING_JUDGES

    assert set(WAITING_JUDGES) == set(WAITING_SPLITS)


def test_make_evaluate_leaves_an_unread_judge_set_out(monkeypatch):
    import training.depth.evaluate as evaluate
    from training.depth.evaluate import default_splits

    read = set(default_splits())
    assert not read & set(UNREAD_SPLITS)
    assert set(TEST_SPLITS) | set(TRAIN_SPLITS) | set(WAITING_SPLITS) <= read
    monkeypatch.setattr(evaluate, "UNREAD_SPLITS", ("train20",))  # a judge set waiting for its rule
    assert "train20" not in default_splits() and "train19" in default_splits()


@pytest.mark.parametrize("box", [b for b in BOXES if b.parent.name in NEWEST], ids=lambda b: b.name)
def test_newest_mailboxes_parse_with_ids_dates_and_senders(box):
    (path,) = sorted((box / "mail").glob("*.mbox"))
    messages = list(mailbox.mbox(path))
    ids = [m["Message-ID"] for m in messages]
    assert all(ids) and all(m["Date"] and m["From"] for m in messages)
    assert len(set(ids)) == len(ids)
    known = set(ids)
    # a long In-Reply-To may be folded onto a second line (RFC 5322 2.2.3); unfolded, it names a message
    assert all(" ".join(m["In-Reply-To"].split()) in known for m in messages if m["In-Reply-To"])


def test_every_labels_file_names_one_mailbox():
    # a labels file names its mailbox by folder name alone (training.signals.agency_mail.mailbox_folder)
    from training.signals.agency_mail import LABELS_DIR, mailbox_folder

    files = sorted(LABELS_DIR.parent.glob("mail_labels*/*.jsonl"))
    assert len(files) >= 90
    for f in files:
        assert (mailbox_folder(f.stem) / "mail").is_dir(), f
