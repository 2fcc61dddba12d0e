"""A name block right above a legal disclaimer is signature, not new text
(``analyzer.ingest.signature.signature_start``, candidate N4, ``models/depth/CANDIDATE56.md``)."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from analyzer.depth.seniority import seniority_level
from analyzer.ingest.parse import parse_message
from analyzer.ingest.reply import split_reply

DISCLAIMER = ("This e-mail may contain confidential information. If you received it by mistake, please delete it "
              "and notify the sender.")

ABOVE = [
    # a paragraph of its own above the disclaimer
    ("Hi Siri,\n\nThanks, we will review both this week.\n\nIngrid Solbakken\nPartner / Managing Director\n"
     "Brattøra Partners AS\n+47 73 60 41 12\n\n" + DISCLAIMER,
     "Hi Siri,\n\nThanks, we will review both this week.", "Ingrid Solbakken\nPartner"),
    # in the disclaimer's own paragraph
    ("Files attached.\n\nJane Doe\nHead of Marketing\nNorthwind Ltd\n" + DISCLAIMER,
     "Files attached.", "Jane Doe\nHead of Marketing"),
    # opened by a valediction, and a disclaimer long enough that the valediction alone was not a start
    ("Files attached.\n\nKind regards,\nMark Hughes\nHead of Procurement\n\n" + "\n".join([DISCLAIMER] * 12),
     "Files attached.", "Kind regards,\nMark Hughes"),
]


@pytest.mark.parametrize("body, new, signature", ABOVE)
def test_a_name_block_above_a_disclaimer_is_signature(body, new, signature) -> None:
    parts = split_reply(body)
    assert parts.new_text == new
    assert parts.signature.startswith(signature)
    assert parts.signature.rstrip().endswith("notify the sender.")
    legacy = split_reply(body, legacy_disclaimers=True)  # as the committed training rows were made
    assert legacy.signature.startswith("This e-mail") and signature.split("\n")[0] in legacy.new_text


KEPT = [
    # prose above the disclaimer stays new text
    "We met the board today and they agreed.\nPlease call me.\n\n" + DISCLAIMER,
    # a short paragraph that is not a name block
    "Files attached.\n\nThe board meets Friday\nand wants the deck\n\n" + DISCLAIMER,
    # a message that is only a name block and a disclaimer keeps its text
    "Jane Doe\nHead of Marketing\n\n" + DISCLAIMER,
]


@pytest.mark.parametrize("body", KEPT)
def test_text_above_a_disclaimer_that_is_no_name_block_stays(body) -> None:
    parts = split_reply(body)
    assert parts.signature.startswith("This e-mail")
    assert parts == split_reply(body, legacy_disclaimers=True)


def test_the_title_above_a_disclaimer_now_reads_as_seniority() -> None:
    parts = split_reply(ABOVE[0][0])
    assert seniority_level(parts.signature, "Ingrid Solbakken", parts.new_text) == 3
    legacy = split_reply(ABOVE[0][0], legacy_disclaimers=True)
    assert seniority_level(legacy.signature, "Ingrid Solbakken", legacy.new_text) == 0


def test_real_list_mail_loses_no_line_and_moves_only_name_blocks(realmail: Path) -> None:
    """On real list mail (3GPP's has "CONFIDENTIALITY MESSAGE" footers, below signatures that already
    start higher up): no line changes side except by the new-text/signature boundary moving up, and
    only in a few messages (none, when this was written)."""
    seen = moved = 0
    for box in sorted((realmail / "bigbang" / "tests" / "data").rglob("*.mbox"))[:8]:
        for raw in mailbox.mbox(box):
            msg = parse_message(raw.as_bytes(), str(box))
            now, before = split_reply(msg.body), split_reply(msg.body, legacy_disclaimers=True)
            seen += 1
            assert now.quoted == before.quoted
            if now == before:
                continue
            moved += 1
            assert before.new_text.startswith(now.new_text.rstrip())
            assert len(now.new_text) < len(before.new_text)
            assert now.signature.rstrip().endswith(before.signature.rstrip()[-40:])
    assert seen > 50 and moved < seen // 4
