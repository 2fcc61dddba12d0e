"""A client's news opened by "Confidential" is new text; a legal disclaimer is still signature
(``analyzer.ingest.signature.signature_start``, candidate N3, ``models/depth/CANDIDATE55.md``)."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from analyzer.ingest.parse import parse_message
from analyzer.ingest.reply import split_reply

NEWS = [
    # opened by a line of its own, news below
    ("Katarzyna,\n\nConfidential, please keep it to you and Michał for now.\n\nWe are in advanced talks with a "
     "Nordic bank that wants to buy a majority of Nemunas Pay. Nothing is signed.\n\nBest,\nTomas",
     "We are in advanced talks with a Nordic bank", "Best,\nTomas"),
    # the news on the same line
    ("Daniel,\n\nConfidential. We plan own sales office in Dubai in 2027. Need your view: how many people, "
     "local or send from Indonesia.\n\nCan we call next week?",
     "Need your view", ""),
    ("Nino,\n\nConfidentially: I am leaving at the end of January. I accepted an offer in Tbilisi.",
     "I am leaving at the end of January", ""),
    # a lone heading over news
    ("Hi both,\n\nCONFIDENTIAL\n\nThe county will tender our contract area for 2027. Board meets 4 December "
     "and I want you there.\n\nThanks,\nAnna",
     "The county will tender our contract area", "Thanks,\nAnna"),
    # news whose own words include "email": not a disclaimer word
    ("Tess,\n\nConfidential, please don't forward this email. Two of our schools will re-bid the canteen "
     "concession in April.", "will re-bid the canteen", ""),
]


@pytest.mark.parametrize("body, kept, signature", NEWS)
def test_news_opened_by_confidential_stays_new_text(body, kept, signature) -> None:
    parts = split_reply(body)
    assert kept in parts.new_text
    assert parts.signature == signature
    # as before the change (the committed detector training rows are made this way), it went whole
    legacy = split_reply(body, legacy_disclaimers=True)
    assert kept not in legacy.new_text and kept in legacy.signature


DISCLAIMERS = [
    ("The files are attached.\n\nConfidential: the information in this email is intended only for the "
     "named recipient. If you received it in error please notify the sender.", "Confidential: the information"),
    ("The files are attached.\n\nBest regards,\nJane\n\nCONFIDENTIAL\n\nThis message is meant for the "
     "addressee only.", "Best regards,"),
    ("The files are attached.\n\nCONFIDENTIAL\n\nPrivileged and confidential. Do not forward.", "CONFIDENTIAL"),
    ("The files are attached.\n\nConfidentiality notice: do not share.", "Confidentiality notice"),
    ("The files are attached.\n\n" + "CONFIDENTIALITY: this e-mail and its attachments may be legally privileged "
     "and are meant for their addressee; any unauthorised use is prohibited. " * 4, "CONFIDENTIALITY:"),
]


@pytest.mark.parametrize("body, opens", DISCLAIMERS)
def test_legal_disclaimers_are_still_signature(body, opens) -> None:
    parts = split_reply(body)
    assert parts.new_text == "The files are attached."
    assert parts.signature.startswith(opens)
    assert split_reply(body, legacy_disclaimers=True) == parts


def test_real_list_mail_with_a_confidentiality_footer(realmail: Path) -> None:
    """3GPP list mail ends in "CONFIDENTIALITY MESSAGE / This email message is confidential and is intended
    for the exclusive use of the addressee...": still signature, and no message of the box splits
    otherwise than before the change."""
    box = realmail / "bigbang" / "tests" / "data" / "3GPP_mbox" / "3GPP_TSG_SA_WG4_EVS.mbox"
    footers = 0
    for raw in mailbox.mbox(box):
        msg = parse_message(raw.as_bytes(), str(box))
        parts = split_reply(msg.body)
        assert parts == split_reply(msg.body, legacy_disclaimers=True)
        if "CONFIDENTIALITY MESSAGE" in parts.signature:
            footers += 1
            assert "CONFIDENTIALITY MESSAGE" not in parts.new_text
    assert footers >= 3


def test_real_mail_corpus_splits_as_before_unless_a_line_opens_with_confidential(realmail: Path) -> None:
    """Across the real list mail, a message splits differently only where an own line opens with
    "confidential" (there is none such in it, so nothing changes)."""
    seen = 0
    for box in sorted((realmail / "bigbang" / "tests" / "data").rglob("*.mbox"))[:8]:
        for raw in mailbox.mbox(box):
            msg = parse_message(raw.as_bytes(), str(box))
            now, before = split_reply(msg.body), split_reply(msg.body, legacy_disclaimers=True)
            seen += 1
            if now != before:
                assert any(line.strip().lower().lstrip("*-_ >").startswith("confidential")
                           for line in before.signature.splitlines()[:1])
    assert seen > 50
