"""Training rows from whole labelled mail (training.signals.mail_rows): the quote matching, the side
rule, and that data/signals/train_mail.jsonl is exactly what the labels and the mailboxes make."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.signals.corpus import MAIL_PATH, MAIL_QUOTES_PATH, training_parts
from training.signals.mail_rows import SOURCES, build, holds_quote, message_rows, paragraphs

MORE = Path(__file__).resolve().parents[1] / "data" / "signals" / "mail_labels_more"


def test_paragraphs_split_on_blank_lines():
    assert paragraphs("Hi Ana,\n\nFirst line\nsecond line.\n \n\nThanks\n") == ["Hi Ana,", "First line\nsecond line.",
                                                                            "Thanks"]
    assert paragraphs("") == []


def test_a_quote_is_found_despite_wrapping_and_typographic_quotes():
    para = "Could you take a look at the\nrenewal terms? We’d value your view before Friday."
    assert holds_quote(para, "We'd value your view before Friday.")
    assert holds_quote(para, "Could you take a look at the renewal terms?")
    assert not holds_quote(para, "Please cancel Thursday's call.")
    assert not holds_quote(para, "")


def test_a_labelled_message_gives_only_its_quoted_paragraphs():
    text = "Hi team,\n\nCould you advise on the pricing page? We are stuck.\n\nAlso, the invoice is too high for us.\n\nBest"
    rows, missed = message_rows(text, ["fee_pushback", "help_request"],
                                {"help_request": "Could you advise on the pricing page?",
                                 "fee_pushback": "the invoice is too high for us"})
    assert rows == [("Could you advise on the pricing page? We are stuck.", ["help_request"]),
                    ("Also, the invoice is too high for us.", ["fee_pushback"])]
    assert missed == 0
    rows, missed = message_rows(text, ["referral"], {"referral": "I passed your name to Dana at Acme."})
    assert rows == [] and missed == 1


def test_quote_rows_are_the_quotes_with_the_labels_of_the_quotes_they_hold():
    text = "Hi,\n\nWe went with your waitlist idea and it filled in a day, thank you so much. More soon.\n\nBest"
    quotes = {"advice_acted_on": "We went with your waitlist idea and it filled in a day",
              "appreciation": "We went with your waitlist idea and it filled in a day, thank you so much."}
    rows, missed = message_rows(text, ["advice_acted_on", "appreciation"], quotes, unit="quote")
    assert missed == 0
    assert sorted(rows) == [("We went with your waitlist idea and it filled in a day", ["advice_acted_on"]),
                            ("We went with your waitlist idea and it filled in a day, thank you so much.",
                             ["advice_acted_on", "appreciation"])]
    rows, missed = message_rows(text, ["referral"], {"referral": "Meet Dana, she needs a new agency."}, unit="quote")
    assert rows == [] and missed == 1


def test_an_unlabelled_message_gives_negatives_only_from_the_client_side():
    text = "Hi,\n\nThe files are on the shared drive under March.\n\nCheers"
    assert message_rows(text, [], {}) == ([("The files are on the shared drive under March.", [])], 0)
    assert message_rows(text, [], {}, negatives=False) == ([], 0)


def test_the_committed_rows_are_what_the_labels_and_mailboxes_make(tmp_path):
    out = tmp_path / "train_mail.jsonl"
    counts = build((MORE,), out)
    assert out.read_text(encoding="utf-8") == MAIL_PATH.read_text(encoding="utf-8")
    assert set(counts) == {p.stem for p in MORE.glob("*.jsonl")}
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 1000 and sum(bool(r["labels"]) for r in rows) > 900
    assert all(r["id"].startswith("mail:") for r in rows)


def test_the_committed_quote_rows_are_what_the_labels_and_mailboxes_make(tmp_path):
    out = tmp_path / "train_mail_quotes.jsonl"
    counts = build(SOURCES["quote"], out, unit="quote")  # short negatives by default (SHORT_NEGATIVES)
    assert len(counts) == sum(len(list(d.glob("*.jsonl"))) for d in SOURCES["quote"]) == 156
    assert out.read_text(encoding="utf-8") == MAIL_QUOTES_PATH.read_text(encoding="utf-8")


def test_mail_rows_join_the_training_rows_only_when_asked(dev_data_path):
    plain = training_parts(dev_path=dev_data_path)
    mail = training_parts(dev_path=dev_data_path, mail=True)
    seen = lambda parts: {r["id"] for k in ("train", "tune") for r in parts[k]}  # noqa: E731
    mail_ids = {json.loads(line)["id"] for line in MAIL_PATH.read_text(encoding="utf-8").splitlines()}
    assert not mail_ids & seen(plain)
    assert seen(mail) - seen(plain) == mail_ids
    assert [r["id"] for r in mail["heldout"]] == [r["id"] for r in plain["heldout"]]
    quotes = training_parts(dev_path=dev_data_path, mail="quote")
    quote_ids = {json.loads(line)["id"] for line in MAIL_QUOTES_PATH.read_text(encoding="utf-8").splitlines()}
    assert seen(quotes) - seen(plain) == quote_ids


def test_a_fold_detector_leaves_out_the_mail_rows_of_named_labels_folders(dev_data_path):
    """``train --mail-without``: the mail rows of the named folders' mailboxes are left out, every other
    row stays where it was (the fold detectors of the depth model's cross-fitted detections)."""
    from training.signals.corpus import labelled_mailboxes

    folders = ("mail_labels_more", "mail_labels_train31")
    names = labelled_mailboxes(folders)
    assert len(names) == 12 and "gdanskqa" in names
    full = training_parts(dev_path=dev_data_path, mail="quote")
    fold = training_parts(dev_path=dev_data_path, mail="quote", mail_without=names)
    for part in ("train", "tune", "heldout"):
        kept = [r for r in full[part] if r.get("source") != "mail" or r["id"].split(":")[1] not in names]
        assert [r["id"] for r in fold[part]] == [r["id"] for r in kept]
    assert len(fold["train"]) + len(fold["tune"]) < len(full["train"]) + len(full["tune"]) - 1000
    with pytest.raises(ValueError, match="not a labels folder"):
        labelled_mailboxes(("signals_dev",))


def test_short_negatives_make_bare_replies_rows_with_no_label_but_not_greetings():
    text = "Hi Anna,\n\nfine\n\nOk. Go.\n\nThe figures for March are in the shared folder now.\n\nBest,"
    plain, _ = message_rows(text, [], {}, unit="quote")
    short, _ = message_rows(text, [], {}, unit="quote", short_negatives=True)
    assert plain == [("The figures for March are in the shared folder now.", [])]
    assert short == [("fine", []), ("Ok. Go.", []), ("The figures for March are in the shared folder now.", [])]
    # a labelled message still gives only its quotes
    labelled, missed = message_rows(text, ["appreciation"], {"appreciation": "figures for March"}, unit="quote",
                                    short_negatives=True)
    assert labelled == [("figures for March", ["appreciation"])] and missed == 0
