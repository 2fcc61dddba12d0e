"""Every file of the real third-party mail corpus goes through ingest (../shared/realmail)."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

import pytest

from analyzer.ingest.message import MESSAGE_COLUMNS, read_messages
from analyzer.ingest.pipeline import ingest, ingest_to_dir


@pytest.fixture(scope="module")
def result(realmail):
    return ingest([realmail], jobs=1)


@pytest.fixture(scope="module")
def frame(result):
    return result.messages


def _rows(frame, tail):
    return frame[frame["source"].str.endswith(tail)]


def test_counts_add_up_and_every_file_is_accounted_for(result, realmail):
    rep = result.report
    n_files = sum(len(files) for _, _, files in os.walk(realmail))
    assert rep["files"] == n_files
    assert rep["messages_seen"] == rep["parsed"] + rep["duplicates"] + rep["quarantined"]
    assert rep["parsed"] == len(result.messages) > 350
    assert rep["quarantined"] == len(rep["quarantine"])
    assert all(q["reason"] and q["source"] for q in rep["quarantine"])
    # a file either yields messages (parsed or duplicate) or has a quarantine row
    quarantined = {q["source"] for q in rep["quarantine"]}
    assert not quarantined & set(result.messages["source"])
    assert list(result.messages.columns) == list(MESSAGE_COLUMNS)


def test_mbox_files_split_like_their_documentation(result, frame):
    # 3GPP mboxes: 59 and 50 messages (bigbang README), of which 3 and 1 are byte-identical
    # re-posts (same Message-ID and content hash); pipermail archive: 164 messages, which
    # are the same 82 posts twice -> 82 parsed + 82 duplicates
    mimo = _rows(frame, "3GPP_TSG_RAN_WG4_NR-MIMO-OTA.mbox")
    assert len(mimo) == 56 and mimo["source_index"].max() == 57 and 15 not in set(mimo["source_index"])
    evs = _rows(frame, "3GPP_TSG_SA_WG4_EVS.mbox")
    assert len(evs) == 49 and evs["source_index"].max() == 48
    pipermail = _rows(frame, "2001-November.txt")
    assert len(pipermail) == 82 and pipermail["source_index"].max() < 164
    assert result.report["duplicates"] >= 82
    # pipermail asctime dates have no zone: recovered as UTC, with a defect
    assert pipermail["date"].notna().all()
    assert all(any(d.startswith("DateRecovered") for d in ds) for ds in pipermail["defects"])


def test_unquoted_from_line_in_body_stays_in_its_message(frame):
    rows = _rows(frame, "mailbox_01.mbox")
    assert len(rows) == 1  # mailbox.mbox would cut a bogus empty second message here
    body = rows.iloc[0]["body"]
    assert "Hello" in body and "From time to time" in body


def test_listserv_logs_split_cleanly_and_index_files_quarantined(result, frame):
    logs = frame[frame["source_format"] == "listserv"]
    assert len(logs) == 82  # the bigbang README counts ~82 messages in 24 LOG files
    assert logs["from_address"].str.contains("@").all()
    assert logs["date"].notna().sum() == 81  # LOG1703C #0 really has no Date header
    assert not logs["body"].str.contains("^={73}$", regex=True).any()
    dbnames = [q for q in result.report["quarantine"] if q["source"].endswith(".DBNAMES")]
    assert len(dbnames) == 2 and all("binary" in q["reason"] for q in dbnames)


def test_outlook_msg_keeps_subject_date_sender_body(frame):
    row = _rows(frame, "mail_outlook_1").iloc[0]
    assert row["source_format"] == "msg"
    assert row["subject"] == "Newsletter Prüfung Personalwesen / Prüfung Eröffnungsbilanz"
    assert row["date"] == datetime(2017, 9, 18, 10, 0, 18, tzinfo=timezone.utc)
    assert row["from_address"] == "nueblingv@w-vwa.de"
    assert row["message_id"] == "20170918100018.6AE0948009C@www.w-vwa.de"
    assert "Sehr geehrte Frau Gaiser-Schönenborn" in row["body"]
    assert "newsletter.png" in row["attachment_names"]
    assert row["attachment_sizes"][row["attachment_names"].index("newsletter.png")] == 100150


def test_outlook_non_mail_items_are_quarantined_with_their_kind(result):
    """ruby-msg's contacts and note are Outlook items but not mail: a quarantine row each, named."""
    reasons = {q["source"].rsplit("/", 1)[-1]: q["reason"] for q in result.report["quarantine"]
               if "/ruby-msg-pst/msg/" in q["source"]}
    assert reasons["contact-plain.msg"].startswith("not mail: contact")
    assert reasons["contact-unicode.msg"].startswith("not mail: contact")
    assert reasons["Swetlana Novikova.msg"].startswith("not mail: contact")
    assert reasons["note.msg"].startswith("not mail: note")
    assert not any(r.startswith("not mail") for r in reasons.values() if "qwerty" in r or "Blammo" in r)


def test_outlook_exchange_sender_resolved_or_left_empty_with_a_defect(frame):
    post = _rows(frame, "ruby-msg-pst/msg/test_Blammo.msg").iloc[0]
    assert post["from_address"] == "triplenickel@mapi32.net"  # PR_SENDER_EMAIL_ADDRESS of type SMTP
    assert post["from_name"] == "TripleNickel"
    # unsent drafts sharing one Message-ID: qwerty_3 is qwerty_1 again (a duplicate), qwerty_2 has
    # other content (custom properties) and is kept under a conflict ID. Recipient "asdf" has no
    # address, so it is left out with a defect
    drafts = frame[frame["source"].str.contains("ruby-msg-pst/msg/qwerty_")].sort_values("source")
    assert len(drafts) == 2
    assert any(d.startswith("MessageIdConflict") for d in drafts.iloc[1]["defects"])
    row = drafts.iloc[0]
    assert row["subject"] == "qwerty" and row["to_addresses"] == [] and row["from_address"] == ""
    assert any(d.startswith("RecipientUnresolved") for d in row["defects"])
    assert "Charles Lowe" in row["body"]


def test_outlook_pst_items_become_messages(frame):
    """ruby-msg's three real .pst files (no transport headers: everything from MAPI properties)."""
    pst = frame[frame["source_format"] == "pst"].set_index(frame.loc[frame["source_format"] == "pst", "source"]
                                                           .str.rsplit("/", n=1).str[-1])
    assert set(pst.index) == {"200 recipients.pst", "attachAndInline.pst", "msgInMsg.pst"}
    many = pst.loc["200 recipients.pst"]
    assert many["subject"] == "200 recipients" and len(many["to_addresses"]) == 200
    assert many["to_addresses"][0] == "xmailuser1@xmailserver.test"
    assert many["date"] == datetime(2021, 11, 23, 0, 24, 9, 274000, tzinfo=timezone.utc)
    att = pst.loc["attachAndInline.pst"]
    assert att["attachment_names"] == ["attach.png", "image001.png"] and att["attachment_sizes"] == [1558, 809]
    assert pst.loc["msgInMsg.pst", "body"].startswith("I have attachments!")


def test_unknown_charset_decoded_with_a_defect(frame):
    row = _rows(frame, "plain_emails/raw_email10.eml").iloc[0]  # charset=x-unknown
    assert row["body"].strip()
    assert any(d.startswith("CharsetFallback") and "x-unknown" in d for d in row["defects"])


def test_broken_charsets_fall_back_and_are_recorded(frame):
    gb = _rows(frame, "mails/mail_test_9").iloc[0]
    assert any("gb18030" in d for d in gb["defects"])
    assert re.search(r"[\u4e00-\u9fff]", gb["body"])  # Chinese text came through


def test_broken_dates_are_none_with_defects(frame):
    row = _rows(frame, "error_emails/bad_date_header.eml").iloc[0]
    assert any(d.startswith("DateHeaderDefect") for d in row["defects"])
    assert result_has_no_naive_dates(frame)


def result_has_no_naive_dates(frame) -> bool:
    return str(frame["date"].dtype) == "datetime64[us, UTC]"


def test_html_only_mail_becomes_readable_text(frame):
    html = frame[frame["body_from_html"]]
    assert len(html) >= 5
    for body in html["body"]:
        assert not re.search(r"</?(p|div|br|html|body|table|span)\b", body, re.I)
    # only the mail whose HTML is a lone <img> has no text
    assert (html["body"].str.len() == 0).sum() == 1


def test_attachments_described_not_kept(frame):
    row = _rows(frame, "attachment_emails/attachment_pdf.eml").iloc[0]
    assert row["attachment_names"] == ["broken.pdf"]
    assert row["attachment_sizes"] == [1026]  # = len(stdlib get_payload(decode=True))
    assert row["attachment_types"] == ["application/pdf"]
    assert "%PDF" not in row["body"]


def test_header_decoding_and_addresses(frame):
    utf8 = _rows(frame, "rfc6532/utf8_headers.eml").iloc[0]
    assert not utf8["subject"].isascii()
    for col in ("from_address",):
        vals = frame[col][frame[col] != ""]
        assert (vals == vals.str.lower()).all() and vals.str.contains("@").all()
    ids = frame["message_id"].dropna()
    assert not ids.str.startswith("<").any() and not ids.str.endswith(">").any()


def test_written_outputs_round_trip(realmail, tmp_path):
    sub = realmail / "bigbang" / "tests" / "data" / "3GPP_mbox"
    report = ingest_to_dir([sub], tmp_path, jobs=1)
    df = read_messages(tmp_path / "messages.parquet")
    assert len(df) == report["parsed"] == 105
    assert report["messages_seen"] == 109 and report["duplicates"] == 4
    assert (tmp_path / "ingest_report.json").read_text().startswith("{")
