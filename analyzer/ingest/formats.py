"""What a file is, from its first bytes: mbox, LISTSERV log, .eml, Outlook .msg or .pst, or not
mail (the table is in :mod:`analyzer.ingest.sources`), and the line patterns the mbox and LISTSERV
splitter (:mod:`analyzer.ingest.mboxsplit`) shares with the sniffing."""

from __future__ import annotations

import re

#: How many bytes of a file are read to decide its format.
SNIFF_BYTES = 8192

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LISTSERV_SEP = b"=" * 73
HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]{1,76}:")
_KNOWN_HEADERS = {
    b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"return-path",
    b"mime-version", b"content-type", b"delivered-to", b"reply-to", b"sender", b"in-reply-to",
    b"references", b"x-mailer", b"content-transfer-encoding", b"x-original-to", b"envelope-to",
}
#: A later "From " line separates messages only if it carries a time and a weekday or year.
FROM_LINE = re.compile(
    rb"^From \S.*\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
FROM_DATEISH = re.compile(rb"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b|\b(?:19|20)\d{2}\b")
_OBS_FROM_FIELD = re.compile(rb"From[ \t]*:")  # RFC 822 obsolete "From  : x", a field, not a From_ line
MBOXRD_ESCAPE = re.compile(rb"^>(>*From )", re.MULTILINE)


def _is_header_block(head: bytes) -> bool:
    """True when ``head`` opens with RFC 822 header fields, at least one of them well known.

    The run of header lines may end early at a broken line (real mail has folded headers
    that lost their indentation); what matters is that the file *opens* with fields.
    """
    known = False
    n = 0
    for line in head.splitlines()[:200]:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            if n == 0:
                return False
            continue
        m = HEADER_LINE.match(line)
        if not m:
            break
        n += 1
        name = line[: m.end() - 1].lower()
        known = known or name in _KNOWN_HEADERS or name.startswith(b"x-")
    return n > 0 and known


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def from_utf16(data: bytes) -> bytes:
    """A message saved as UTF-16 with a byte-order mark (as some Windows tools write .eml files),
    re-encoded as UTF-8 bytes; anything else unchanged."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", "replace").encode("utf-8")
    return data


def sniff(head: bytes) -> tuple[str | None, str]:
    """Format of a file from its first bytes: ``(fmt, "")`` or ``(None, reason)``."""
    if not head:
        return None, "empty file"
    if head.startswith(_UTF16_BOMS):
        head = from_utf16(head[: len(head) - len(head) % 2])
    if head.startswith(OLE2_MAGIC):
        return "msg", ""
    if head.startswith(b"!BDN"):  # Outlook personal folders (.pst/.ost)
        return "pst", ""
    stripped = head.lstrip(b"\r\n")
    if stripped.startswith(b"From ") and not _OBS_FROM_FIELD.match(stripped):
        return "mbox", ""
    first, _, rest = stripped.partition(b"\n")
    if first.rstrip(b"\r") == LISTSERV_SEP and HEADER_LINE.match(rest):
        return "listserv", ""
    if b"\x00" in head:
        return None, "not mail: binary content"
    if _is_header_block(stripped):
        return "eml", ""
    return None, "not mail: no mbox From_ line, no RFC 822 header block, not an Outlook .msg"
