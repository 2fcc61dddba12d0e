"""Masking of email addresses and phone numbers in quoted evidence (``--redact``)."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# international or national numbers: at least 7 digits, separators allowed, optional +country / (area)
_PHONE = re.compile(r"(?<![\w])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d(?:[\s.-]?\d){6,13}(?![\w])")


def redact_text(text: str) -> str:
    """``text`` with email addresses replaced by ``[email]`` and phone numbers by ``[phone]``."""
    if not text:
        return text
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))
