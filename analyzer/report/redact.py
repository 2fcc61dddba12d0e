"""Masking of email addresses and phone numbers everywhere the report shows personal data
(``--redact``): quotes, client names, domains and the chart's legend."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# international or national numbers: at least 7 digits, separators allowed, optional +country / (area)
_PHONE = re.compile(r"(?<![\w])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d(?:[\s.-]?\d){6,13}(?![\w])")


def redact_text(text: str) -> str:
    """``text`` with email addresses replaced by ``[email]`` and phone numbers by ``[phone]``."""
    if not text:
        return text
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


def redacted_names(names) -> dict[str, str]:
    """Client name -> what the redacted report shows: the name with addresses and phone numbers
    masked; a name that was nothing but personal data becomes "client N" (kept distinct)."""
    out, n = {}, 0
    for name in names:
        masked = redact_text(str(name))
        if masked != str(name):
            n += 1
            rest = re.sub(r"\[(email|phone)\]", "", masked).strip(" ,;()<>-")
            masked = f"{rest} (client {n})" if rest else f"client {n}"
        out[name] = masked
    return out


def masked_client(names: dict[str, str], client) -> str:
    """What the redacted outputs show for ``client``: its entry in :func:`redacted_names`, else the
    name with addresses and phone numbers masked."""
    return names.get(client, redact_text(str(client)))
