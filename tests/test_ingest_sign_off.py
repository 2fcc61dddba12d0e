"""A bare sign-off with the sender's own name is the signature's first line, not new text
(``analyzer.ingest.signature.split_own_name_sign_off``, candidate N, ``models/depth/CANDIDATE52.md``)."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from analyzer.ingest.parse import parse_message
from analyzer.ingest.reply import split_reply
from analyzer.ingest.signature import is_own_name, split_own_name_sign_off


def test_real_mail_signed_with_a_first_name(realmail: Path) -> None:
    """mail's fixture ends "Hope it works well!" and then "Mikel" (from Mikel Lindsaar)."""
    path = realmail / "mikel-mail" / "spec" / "fixtures" / "emails" / "plain_emails" / "basic_email.eml"
    msg = parse_message(path.read_bytes(), str(path))
    assert msg.from_name == "Mikel Lindsaar"
    assert msg.new_text.rstrip().endswith("Hope it works well!")
    assert msg.signature.splitlines()[0] == "Mikel"
    assert "Mikel" not in msg.new_text


SAID = ("Said Al Balushi", "said.balushi@albatinah.example")


@pytest.mark.parametrize("text, sender, new, signature", [
    ("Dear Baraka\n\nPrice is high.\n\nSaid", SAID, "Dear Baraka\n\nPrice is high.", "Said"),
    ("Price is high.\nSaid Al Balushi.", SAID, "Price is high.", "Said Al Balushi."),
    ("Price is high.\n\nSAB", SAID, "Price is high.", "SAB"),
    ("Price is high.\n\nS.A.B.", SAID, "Price is high.", "S.A.B."),
    ("ok gracias\nbyron", ("", "byron.andrade.m@gmail.com"), "ok gracias", "byron"),  # the address's name
    ("Sounds good!\n\n- Said -", SAID, "Sounds good!", "- Said -"),
])
def test_the_senders_name_moves_to_the_signature(text, sender, new, signature) -> None:
    assert split_own_name_sign_off(text, "", *sender) == (new, signature)


@pytest.mark.parametrize("text, sender", [
    ("Said", SAID),  # nothing but the name: kept as text
    ("\n\nSaid\n", SAID),
    ("We will see what he said", SAID),  # "said" inside a sentence
    ("Price is high.\nSaid yes already", SAID),  # the name and other words
    ("Price is high.\n\nMaria", SAID),  # another person's name
    ("Price is high.\n\nS", SAID),  # one letter is not initials
    ("Price is high.\n\nSaid", ("", "")),  # no name known
    ("", SAID),
    ("Price is high.\n\nSaid Said Said Said Said", SAID),  # too many words
])
def test_anything_else_stays_new_text(text, sender) -> None:
    assert split_own_name_sign_off(text, "sig", *sender) == (text, "sig")


def test_the_moved_name_opens_the_existing_signature() -> None:
    new, sig = split_own_name_sign_off("Thanks for the draft.\n\nMarios", "Marios Georgiades\nDirector",
                                       "Marios Georgiades", "mg@x.example")
    assert (new, sig) == ("Thanks for the draft.", "Marios\nMarios Georgiades\nDirector")


def test_names_with_accents_hyphens_and_particles() -> None:
    assert is_own_name("Marc-André", "Marc-André Desrochers")
    assert is_own_name("Íris", "Íris Hauksdóttir")
    assert is_own_name("van der Berg", "Hans van der Berg")
    assert not is_own_name("Thanks", "Hans van der Berg")


def test_real_mailing_list_mail_loses_no_line(realmail: Path) -> None:
    """On real list mail: every message's own lines are those of the reply split, in order; at most the
    last one moved, and only when it is the sender's name."""
    boxes = sorted((realmail / "bigbang" / "tests" / "data").rglob("*.mbox"))[:6]
    seen = moved = 0
    for box in boxes:
        for raw in mailbox.mbox(box):
            msg = parse_message(raw.as_bytes(), str(box))
            parts = split_reply(msg.body)
            seen += 1
            if msg.new_text == parts.new_text:
                assert msg.signature == parts.signature
                continue
            moved += 1
            name = msg.signature.splitlines()[0]
            assert is_own_name(name, msg.from_name, msg.from_address)
            assert parts.new_text.rstrip().splitlines()[-1].strip() == name
            assert msg.new_text == "\n".join(parts.new_text.rstrip().splitlines()[:-1]).rstrip()
    assert seen > 50 and moved < seen // 2
