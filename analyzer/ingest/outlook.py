"""Outlook ``.msg`` files -> :class:`analyzer.ingest.message.Message` via ``extract-msg``.

extract-msg reads the OLE2 compound file in pure Python (no external converter). Only mail
items become messages: contacts, notes, appointments, tasks and other non-mail Outlook items
(by their message class, :data:`NOT_MAIL`) are refused with "not mail: contact" and the like.
The item's transport headers (``PR_TRANSPORT_MESSAGE_HEADERS``), when Outlook kept them, are
the source for ids and addresses (same rules as RFC 822 mail); otherwise the MAPI properties
are used. An Exchange sender or recipient (an ``/O=.../CN=...`` address or a bare account
name) is resolved to its SMTP address where the item holds one (``PR_SENDER_SMTP_ADDRESS``,
``PR_SMTP_ADDRESS``); otherwise its address is left empty with a ``SenderUnresolved`` /
``RecipientUnresolved`` defect. Body: the plain body, or the HTML body converted to
text. Attachments are described by name, size and MIME type; they are never saved or
opened (no ``save()`` call anywhere).
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import logging
from datetime import timezone

from analyzer.errors import ParseError
from analyzer.ingest.message import Message
from analyzer.ingest.parse import address_fields, all_ids, auto_hint, complete, first_id, one_line

logging.getLogger("extract_msg").setLevel(logging.ERROR)

#: Outlook message classes that are not mail (matched on the class and its sub-classes).
NOT_MAIL: dict[str, str] = {
    "ipm.contact": "contact",
    "ipm.distlist": "contact group",
    "ipm.stickynote": "note",
    "ipm.appointment": "appointment",
    "ipm.task": "task",
    "ipm.taskrequest": "task",
    "ipm.activity": "journal entry",
    "ipm.document": "document",
}


def not_mail_kind(message_class: str | None) -> str | None:
    """What a non-mail Outlook item is ("contact", "note", ...), or None for mail (IPM.Note,
    IPM.Post, meeting requests, reports, and items with no class)."""
    cls = (message_class or "").replace("\x00", "").strip().lower()
    for prefix, kind in NOT_MAIL.items():
        if cls == prefix or cls.startswith(prefix + "."):
            return kind
    return None


def parse_msg(data: bytes, source: str, index: int | None = None) -> Message:
    """Parse the bytes of one Outlook .msg file. Raises ParseError for anything unreadable."""
    import extract_msg

    try:
        item = extract_msg.openMsg(data)
    except Exception as exc:  # corrupt OLE2 files raise many kinds of errors
        raise ParseError(f"not a readable Outlook item: {type(exc).__name__}: {exc}") from exc
    try:
        message_class = str(getattr(item, "classType", None) or "").replace("\x00", "").strip()
        kind = not_mail_kind(message_class)
        if kind is not None:
            raise ParseError(f"not mail: {kind} (Outlook item class {message_class})")
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
        if "@" in addr:  # an Exchange DN or a bare account name is not an address
            name = one_line(name).strip("'\" ")
            out.append(("" if name.lower() == addr else name, addr))
    return out


def _prop(obj, tag: str) -> str:
    """A string MAPI property (``tag`` as 4 hex digits) of an item or recipient, or ""."""
    try:
        value = obj.getStringStream(f"__substg1.0_{tag}")
    except Exception:  # a damaged stream is a missing property
        return ""
    return one_line(str(value).replace("\x00", "")).strip() if value else ""


def _transport_header(item):
    """The transport headers Outlook kept (``PR_TRANSPORT_MESSAGE_HEADERS``), or None.
    extract-msg's ``header`` makes up headers from MAPI properties when there are none."""
    raw = _prop(item, "007D") and item.getStringStream("__substg1.0_007D")
    if not raw:
        return None
    return email.parser.HeaderParser(policy=email.policy.compat32).parsestr(str(raw))


def _smtp(*candidates: str) -> str:
    for value in candidates:
        if value and "@" in value and not value.startswith("/"):
            return value.strip().lower()
    return ""


def _mapi_sender(item, defects: list[str]) -> list[tuple[str, str]]:
    name = _prop(item, "0C1A") or _prop(item, "0042")
    address = _smtp(_prop(item, "5D01"), _prop(item, "0C1F"), _prop(item, "5D02"), _prop(item, "0065"))
    if not address:
        raw = _prop(item, "0C1F") or _prop(item, "0065")
        if not (name or raw):
            return []
        defects.append(f"SenderUnresolved: no SMTP address for Outlook sender {(raw or name)[:80]!r}")
    return [("" if name.lower() == address else name, address)]


def _mapi_recipients(item, defects: list[str]) -> tuple[list, list]:
    to, cc = [], []
    for r in getattr(item, "recipients", None) or []:
        kind = getattr(r, "type", None)
        kind = int(getattr(kind, "value", kind) or 1)
        name = one_line(str(r.name or "")).strip("'\" ")
        address = _smtp(_prop(r, "39FE"), str(r.email or ""), _prop(r, "3003"))
        if not address:
            defects.append(f"RecipientUnresolved: no SMTP address for Outlook recipient {name[:80]!r}")
        elif kind == 1:
            to.append(("" if name.lower() == address else name, address))
        elif kind == 2:
            cc.append(("" if name.lower() == address else name, address))
    return to, cc


def _to_message(item, source: str, index: int | None) -> Message:
    header = _transport_header(item)

    def h(name: str) -> str:
        value = header.get(name) if header is not None else None
        return str(value) if value else ""

    defects: list[str] = []
    sender, to, cc = _addresses(h("From")), _addresses(h("To")), _addresses(h("Cc"))
    if not sender:
        sender = _mapi_sender(item, defects)
    if not (to or cc):
        to, cc = _mapi_recipients(item, defects)
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
