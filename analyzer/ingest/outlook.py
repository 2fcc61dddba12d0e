"""Outlook ``.msg`` files -> :class:`analyzer.ingest.message.Message`.

The OLE2 compound file is read with olefile (BSD) and its MAPI properties with
:mod:`analyzer.ingest.msgfile`, in pure Python (no external converter). Only mail
items become messages: contacts, notes, appointments, tasks and other non-mail Outlook items
(by their message class, :data:`NOT_MAIL`) are refused with "not mail: contact" and the like.
The item's transport headers (``PR_TRANSPORT_MESSAGE_HEADERS``), when Outlook kept them, are
the source for ids and addresses (same rules as RFC 822 mail); otherwise the MAPI properties
are used. An Exchange sender or recipient (an ``/O=.../CN=...`` address or a bare account
name) is resolved to its SMTP address where the item holds one (``PR_SENDER_SMTP_ADDRESS``,
``PR_SMTP_ADDRESS``); otherwise its address is left empty with a ``SenderUnresolved`` /
``RecipientUnresolved`` defect. Body: the plain body, or the HTML body converted to
text. Attachments are described by name, size and MIME type; they are never saved or
opened (their data streams are sized, never read).
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
from datetime import timezone

from analyzer.errors import ParseError
from analyzer.ingest.message import Message
from analyzer.ingest.parse import address_fields, all_ids, auto_hint, complete, first_id, one_line


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
    from analyzer.ingest.msgfile import MapiObject, open_msg

    try:
        ole = open_msg(data)
    except Exception as exc:  # corrupt OLE2 files raise many kinds of errors
        raise ParseError(f"not a readable Outlook item: {type(exc).__name__}: {exc}") from exc
    try:
        item = MapiObject(ole)
        message_class = item.string(0x001A).strip()
        kind = not_mail_kind(message_class)
        if kind is not None:
            raise ParseError(f"not mail: {kind} (Outlook item class {message_class})")
        return _to_message(item, source, index)
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(f"cannot read Outlook item: {type(exc).__name__}: {exc}") from exc
    finally:
        ole.close()


def display_addresses(value: str | None) -> list[tuple[str, str]]:
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


def _transport_header(item):
    """The transport headers Outlook kept (``PR_TRANSPORT_MESSAGE_HEADERS``), or None."""
    return parse_transport_header(item.string(0x007D))


def parse_transport_header(raw: str):
    """Transport headers kept by Outlook (a .msg or .pst item) as a header lookup: ``h(name)``
    gives the field as text, "" when absent or when there are no headers."""
    header = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(raw) if raw and raw.strip() else None

    def h(name: str) -> str:
        value = header.get(name) if header is not None else None
        return str(value) if value else ""
    return h


def header_auto_hint(h) -> str:
    """:func:`~analyzer.ingest.parse.auto_hint` from a transport-header lookup."""
    return auto_hint({"auto_submitted": h("Auto-Submitted"), "precedence": h("Precedence"),
                      "x_autoreply": h("X-Autoreply"), "x_autorespond": h("X-Autorespond")})


def smtp_address(*candidates) -> str:
    """The first candidate that is an SMTP address (not an Exchange DN or an account name), lower-cased."""
    for value in candidates:
        value = str(value or "").strip()
        if "@" in value and not value.startswith("/"):
            return value.lower()
    return ""


def _mapi_sender(item, defects: list[str]) -> list[tuple[str, str]]:
    name = one_line(item.string(0x0C1A) or item.string(0x0042)).strip()
    address = smtp_address(item.string(0x5D01), item.string(0x0C1F), item.string(0x5D02), item.string(0x0065))
    if not address:
        raw = one_line(item.string(0x0C1F) or item.string(0x0065)).strip()
        if not (name or raw):
            return []
        defects.append(f"SenderUnresolved: no SMTP address for Outlook sender {(raw or name)[:80]!r}")
    return [("" if name.lower() == address else name, address)]


def _mapi_recipients(item, defects: list[str]) -> tuple[list, list]:
    to, cc = [], []
    for r in item.children("recip"):
        kind = r.integer(0x0C15) or 1
        name = one_line(r.string(0x3001)).strip("'\" ")
        address = smtp_address(r.string(0x39FE), r.string(0x3003))
        if not address:
            defects.append(f"RecipientUnresolved: no SMTP address for Outlook recipient {name[:80]!r}")
        elif kind == 1:
            to.append(("" if name.lower() == address else name, address))
        elif kind == 2:
            cc.append(("" if name.lower() == address else name, address))
    return to, cc


def _to_message(item, source: str, index: int | None) -> Message:
    h = _transport_header(item)
    defects: list[str] = []
    sender, to, cc = display_addresses(h("From")), display_addresses(h("To")), display_addresses(h("Cc"))
    if not sender:
        sender = _mapi_sender(item, defects)
    if not (to or cc):
        to, cc = _mapi_recipients(item, defects)
    reply_to = display_addresses(h("Reply-To"))
    date = item.time(0x0039) or item.time(0x0E06)  # client submit time, else delivery time
    if date is None and h("Date"):
        try:
            date = email.utils.parsedate_to_datetime(h("Date")).astimezone(timezone.utc)
        except (TypeError, ValueError):
            date = None
    if date is None:
        defects.append("DateMissing: Outlook item has no delivery/submit time")

    names, sizes, types = [], [], []
    for att in item.children("attach"):
        names.append(one_line(att.string(0x3707) or att.string(0x3704) or att.string(0x3001)))
        size = att.binary_size(0x3701)
        sizes.append(int(size) if size is not None else int(att.integer(0x0E20) or 0))
        types.append((att.string(0x370E) or "application/octet-stream").lower())

    html = item.binary(0x1013)
    html = html.decode("utf-8", "replace") if html is not None else item.string(0x1013)
    msg = Message(
        source=source,
        source_index=index,
        source_format="msg",
        message_id=first_id(h("Message-ID") or item.string(0x1035)),
        content_hash="",
        date=date,
        subject=one_line(item.string(0x0037) or h("Subject")),
        **address_fields(sender, to, cc, reply_to),
        in_reply_to=first_id(h("In-Reply-To") or item.string(0x1042)),
        references=all_ids(h("References") or item.string(0x1039)),
        attachment_names=names,
        attachment_sizes=sizes,
        attachment_types=types,
        defects=defects,
        list_id=one_line(h("List-Id")),
        auto_submitted=header_auto_hint(h),
    )
    from analyzer.ingest.conversation import link

    return link(complete(msg, [item.string(0x1000)], [html or ""]), item.binary(0x0071))
