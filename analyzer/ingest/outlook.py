"""Outlook ``.msg`` files -> :class:`analyzer.ingest.message.Message` via ``extract-msg``.

extract-msg reads the OLE2 compound file in pure Python (no external converter). The
item's transport headers, when Outlook kept them, are the source for ids and addresses
(same rules as RFC 822 mail); otherwise the MAPI properties (sender, To/CC display
strings, subject, date) are used. Body: the plain body, or the HTML body converted to
text. Attachments are described by name, size and MIME type; they are never saved or
opened (no ``save()`` call anywhere).
"""

from __future__ import annotations

import email.utils
import logging
from datetime import timezone

from analyzer.errors import ParseError
from analyzer.ingest.message import Message
from analyzer.ingest.parse import address_fields, all_ids, auto_hint, complete, first_id, one_line

logging.getLogger("extract_msg").setLevel(logging.ERROR)


def parse_msg(data: bytes, source: str, index: int | None = None) -> Message:
    """Parse the bytes of one Outlook .msg file. Raises ParseError for anything unreadable."""
    import extract_msg

    try:
        item = extract_msg.openMsg(data)
    except Exception as exc:  # corrupt OLE2 files raise many kinds of errors
        raise ParseError(f"not a readable Outlook item: {type(exc).__name__}: {exc}") from exc
    try:
        if not hasattr(item, "body") or not hasattr(item, "sender"):
            raise ParseError(f"Outlook item is not an email ({type(item).__name__})")
        return _to_message(item, source, index)
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(f"cannot read Outlook item: {type(exc).__name__}: {exc}") from exc
    finally:
        item.close()


def _addresses(value: str | None) -> list[tuple[str, str]]:
    if not value:
        return []
    # MAPI display strings separate recipients with ";"
    pairs = email.utils.getaddresses([str(value).replace(";", ",")])
    out = []
    for name, addr in pairs:
        addr = addr.strip().lower()
        if addr:
            name = one_line(name).strip("'\" ")
            out.append(("" if name.lower() == addr else name, addr))
    return out


def _to_message(item, source: str, index: int | None) -> Message:
    header = item.header  # email.message.Message of the transport headers, may be empty

    def h(name: str) -> str:
        value = header.get(name) if header is not None else None
        return str(value) if value else ""

    defects: list[str] = []
    sender = _addresses(h("From") or item.sender)
    to = _addresses(h("To") or item.to)
    cc = _addresses(h("Cc") or item.cc)
    reply_to = _addresses(h("Reply-To"))
    date = item.date
    if date is None:
        defects.append("DateMissing: Outlook item has no delivery/submit time")
    elif date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
        defects.append("DateRecovered: Outlook time without zone, read as UTC")
    else:
        date = date.astimezone(timezone.utc)

    names, sizes, types = [], [], []
    for att in item.attachments:
        names.append(one_line(att.longFilename or att.shortFilename or getattr(att, "displayName", "") or ""))
        payload = att.data
        sizes.append(len(payload) if isinstance(payload, (bytes, bytearray)) else 0)
        types.append(str(getattr(att, "mimetype", None) or "application/octet-stream").lower())

    html = item.htmlBody
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    msg = Message(
        source=source,
        source_index=index,
        source_format="msg",
        message_id=first_id(h("Message-ID") or item.messageId),
        content_hash="",
        date=date,
        subject=one_line(item.subject or h("Subject")),
        **address_fields(sender, to, cc, reply_to),
        in_reply_to=first_id(h("In-Reply-To") or item.inReplyTo),
        references=all_ids(h("References")),
        attachment_names=names,
        attachment_sizes=sizes,
        attachment_types=types,
        defects=defects,
        list_id=one_line(h("List-Id")),
        auto_submitted=auto_hint({"auto_submitted": h("Auto-Submitted"), "precedence": h("Precedence"),
                                  "x_autoreply": h("X-Autoreply"), "x_autorespond": h("X-Autorespond")}),
    )
    return complete(msg, [item.body or ""], [html or ""])
