"""PLACEHOLDER (being replaced): split a plain-text body into new text, quoted history and signature."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReplyParts:
    new_text: str
    quoted: str
    signature: str


def split_reply(body: str) -> ReplyParts:
    return ReplyParts(new_text=body, quoted="", signature="")
