"""Outlook ``.pst``/``.ost`` files -> :class:`analyzer.ingest.message.Message`, with libpff
(``libpff-python``, bindings for the libpff C library, LGPL-3.0-or-later).

A personal-folder file is walked folder by folder and item by item, so memory holds one item at
a time whatever the file's size. Every mail item becomes a message: the transport headers Outlook
kept are the source for addresses and ids when present (same rules as RFC 822 mail), otherwise
the MAPI properties (sender and recipient SMTP addresses, ``PR_INTERNET_MESSAGE_ID``,
``PR_IN_REPLY_TO_ID``, ``PR_INTERNET_REFERENCES``, submit/delivery time). A message's ``source``
is the file and its ``source_index`` the item's position in the walk. Non-mail items (contacts,
notes, appointments, tasks) and unreadable items are quarantine rows naming the folder and index.
Attachments are described by name and size; their contents are never read. A small .pst is one
work unit (read by one worker, streamed); one holding more than :data:`PST_UNIT_ITEMS` items is cut
into :class:`PstUnit` slices of its folders, each opened by its own worker, numbered as one walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timezone

from analyzer.errors import ParseError
from analyzer.ingest.conversation import link
from analyzer.ingest.message import Message
from analyzer.ingest.outlook import (display_addresses, header_auto_hint, not_mail_kind, parse_transport_header,
                                     smtp_address)
from analyzer.ingest.parse import address_fields, all_ids, complete, first_id, one_line

PST_MAGIC = b"!BDN"

_CLASS, _SENDER_SMTP, _SENDER_ADDR, _SENDER_TYPE, _SENT_REP_ADDR = 0x001A, 0x5D01, 0x0C1F, 0x0C1E, 0x0065
_SENDER_NAME, _MESSAGE_ID, _IN_REPLY_TO, _REFERENCES = 0x0C1A, 0x1035, 0x1042, 0x1039
_R_NAME, _R_SMTP, _R_ADDR, _R_TYPE = 0x3001, 0x39FE, 0x3003, 0x0C15
_A_LONG_NAME, _A_NAME, _A_SIZE = 0x3707, 0x3704, 0x0E20
_CONVERSATION_INDEX = 0x0071  # binary; analyzer.ingest.conversation


@dataclass
class PstItem:
    """One item of a .pst as the walk meets it (lives only inside the worker that reads the file)."""

    source: str
    index: int
    folder: str
    item: object
    fmt: str = "pst"


#: A .pst holding more items than this is cut into units of at most this many items of one folder.
PST_UNIT_ITEMS = 2000


@dataclass(frozen=True)
class PstUnit:
    """Items ``[start, stop)`` of one folder of a .pst, read by one worker (which opens the file itself).

    ``folder_ids`` are the sub-folder positions leading from the root to the folder; ``first_index``
    is the walk index of item ``start``, so a split file numbers its items as a whole walk does.
    """

    path: str
    source: str
    folder_ids: tuple[int, ...]
    folder: str
    start: int
    stop: int
    first_index: int
    size: int = 0


def _open(path: str, source: str):
    """(pypff file, None) or (None, quarantine row)."""
    from analyzer.ingest.sources import quarantine_row

    try:
        import pypff
    except ImportError:  # pragma: no cover - a dependency of the package
        return None, quarantine_row(source, None, "Outlook .pst: libpff-python is not installed")
    pst = pypff.file()
    try:
        pst.open(path)
    except Exception as exc:  # a corrupt header or a file that is not a .pst
        return None, quarantine_row(source, None, f"not a readable Outlook .pst: {type(exc).__name__}: {exc}")
    return pst, None


def _folders(pst, source: str) -> Iterator[tuple | dict]:
    """Every folder in walk order (depth first, in folder order) as ``(folder, ids, path name, item
    count)``, or a quarantine row for a folder that cannot be listed."""
    from analyzer.ingest.sources import quarantine_row

    stack = [(pst.get_root_folder(), (), "")]
    while stack:
        folder, ids, path_name = stack.pop()
        try:
            n_items = folder.number_of_sub_messages
        except Exception as exc:
            yield quarantine_row(source, None, f"folder {path_name or '/'}: unreadable: {exc}")
            continue
        yield folder, ids, path_name or "/", n_items
        subs = []
        for j in range(folder.number_of_sub_folders):
            try:
                sub = folder.get_sub_folder(j)
                subs.append((sub, ids + (j,), f"{path_name}/{sub.name or ''}"))
            except Exception as exc:
                yield quarantine_row(source, None, f"folder {path_name or '/'} sub-folder {j}: unreadable: {exc}")
        stack.extend(reversed(subs))


def _items(folder, source: str, name: str, start: int, stop: int, first_index: int) -> Iterator[PstItem | dict]:
    from analyzer.ingest.sources import quarantine_row

    for i in range(start, stop):
        index = first_index + i - start
        try:
            item = folder.get_sub_message(i)
        except Exception as exc:
            yield quarantine_row(source, index, f"folder {name} item {i}: unreadable: {exc}")
        else:
            yield PstItem(source, index, name, item)


def iter_pst(path: str, source: str) -> Iterator[PstItem | dict]:
    """Every item of every folder, in walk order, or a quarantine row for what cannot be read."""
    pst, row = _open(path, source)
    if pst is None:
        yield row
        return
    index = 0
    try:
        for entry in _folders(pst, source):
            if isinstance(entry, dict):
                yield entry
                continue
            folder, _, name, n_items = entry
            yield from _items(folder, source, name, 0, n_items, index)
            index += n_items
    finally:
        pst.close()


def plan_pst(path: str, source: str, size: int, unit_items: int = PST_UNIT_ITEMS) -> tuple[list, list[dict]]:
    """Work units of one .pst: one unit when it holds at most ``unit_items`` items (or cannot be
    walked here: the worker then says why), else :class:`PstUnit` slices of its folders, plus the
    quarantine rows of folders that cannot be listed."""
    from analyzer.ingest.sources import FileBatch, FileEntry

    whole = [FileBatch((FileEntry(path, "pst", path, None),), size)], []
    pst, _ = _open(path, source)
    if pst is None:
        return whole
    try:
        entries = list(_folders(pst, source))
    except Exception:  # a walk that fails here fails the same way in the worker, which reports it
        return whole
    finally:
        pst.close()
    folders = [e for e in entries if not isinstance(e, dict)]
    total = sum(e[3] for e in folders)
    if total <= unit_items:
        return whole
    units, index, unit_items = [], 0, max(1, unit_items)
    for _, ids, name, n_items in folders:
        for start in range(0, n_items, unit_items):
            stop = min(n_items, start + unit_items)
            units.append(PstUnit(path, source, ids, name, start, stop, index + start,
                                 size * (stop - start) // max(total, 1)))
        index += n_items
    return units, [e for e in entries if isinstance(e, dict)]


def iter_pst_unit(unit: PstUnit) -> Iterator[PstItem | dict]:
    """The items of one :class:`PstUnit`; a folder that cannot be reached gives a row per item."""
    from analyzer.ingest.sources import quarantine_row

    pst, row = _open(unit.path, unit.source)
    if pst is None:
        for i in range(unit.start, unit.stop):
            yield quarantine_row(unit.source, unit.first_index + i - unit.start, f"folder {unit.folder} item {i}: "
                                 f"{row['reason']}")
        return
    try:
        folder = pst.get_root_folder()
        for j in unit.folder_ids:
            folder = folder.get_sub_folder(j)
    except Exception as exc:
        for i in range(unit.start, unit.stop):
            yield quarantine_row(unit.source, unit.first_index + i - unit.start,
                                 f"folder {unit.folder} item {i}: folder unreadable: {exc}")
        pst.close()
        return
    try:
        yield from _items(folder, unit.source, unit.folder, unit.start, unit.stop, unit.first_index)
    finally:
        pst.close()


def _props(record_sets) -> dict[int, object]:
    out: dict[int, object] = {}
    for rs in record_sets or []:
        for e in rs.entries:
            if e.entry_type in out:
                continue
            try:
                if e.value_type == 0x0102 and e.entry_type == _CONVERSATION_INDEX:
                    out[e.entry_type] = e.data
                elif e.value_type in (0x001E, 0x001F):
                    out[e.entry_type] = (e.data_as_string or "").replace("\x00", "")
                elif e.value_type in (0x0002, 0x0003, 0x0014):
                    out[e.entry_type] = e.data_as_integer
            except Exception:  # a damaged property is a missing one
                continue
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        for enc in ("utf-8", "cp1252"):
            try:
                return value.decode(enc)
            except UnicodeDecodeError:
                continue
        return value.decode("utf-8", "replace")
    return str(value)


def to_message(item: PstItem) -> Message:
    """The :class:`Message` of one .pst item; ParseError (quarantine) for non-mail or unreadable items."""
    m = item.item
    try:
        props = _props(m.record_sets)
    except Exception as exc:
        raise ParseError(f"folder {item.folder} item {item.index}: unreadable properties: {exc}") from exc
    kind = not_mail_kind(str(props.get(_CLASS, "")))
    if kind is not None:
        raise ParseError(f"not mail: {kind} (Outlook item class {props.get(_CLASS)}, folder {item.folder})")
    defects: list[str] = []
    h = parse_transport_header(_text(getattr(m, "transport_headers", None)))
    sender = display_addresses(h("From"))
    if not sender:
        name = _text(m.sender_name).replace("\x00", "").strip() or str(props.get(_SENDER_NAME, ""))
        address = smtp_address(props.get(_SENDER_SMTP), props.get(_SENDER_ADDR), props.get(_SENT_REP_ADDR))
        if not address and (name or props.get(_SENDER_ADDR)):
            defects.append(f"SenderUnresolved: no SMTP address for Outlook sender {(name or '')[:80]!r}")
        sender = [(name if name.lower() != address else "", address)] if (name or address) else []
    to, cc = display_addresses(h("To")), display_addresses(h("Cc"))
    if not (to or cc):
        to, cc = _recipients(m, defects)
    date = m.client_submit_time or m.delivery_time
    if date is None:
        defects.append("DateMissing: Outlook item has no submit/delivery time")
    else:
        date = date.replace(tzinfo=timezone.utc) if date.tzinfo is None else date.astimezone(timezone.utc)
    names, sizes = [], []
    for att in m.attachments:
        a = _props(att.record_sets)
        names.append(one_line(str(a.get(_A_LONG_NAME) or a.get(_A_NAME) or "")))
        try:
            sizes.append(int(att.size))
        except Exception:
            sizes.append(0)
    msg = Message(
        source=item.source, source_index=item.index, source_format="pst",
        message_id=first_id(h("Message-ID") or str(props.get(_MESSAGE_ID, "") or "")),
        content_hash="", date=date, subject=one_line(_text(m.subject) or h("Subject")),
        **address_fields(sender, to, cc, display_addresses(h("Reply-To"))),
        in_reply_to=first_id(h("In-Reply-To") or str(props.get(_IN_REPLY_TO, "") or "")),
        references=all_ids(h("References") or str(props.get(_REFERENCES, "") or "")),
        attachment_names=names, attachment_sizes=sizes, attachment_types=["application/octet-stream"] * len(names),
        defects=defects, list_id=one_line(h("List-Id")),
        auto_submitted=header_auto_hint(h),
    )
    plain, html = _text(m.plain_text_body), _text(m.html_body)
    if not (plain.strip() or html.strip()) and getattr(m, "rtf_body", None):
        msg.defects = msg.defects + ["BodyRtfOnly: the item's body is RTF only, not read"]
    return link(complete(msg, [plain], [html]), props.get(_CONVERSATION_INDEX), own_id=True)


def _recipients(m, defects: list[str]) -> tuple[list, list]:
    to, cc = [], []
    recips = getattr(m, "recipients", None)
    if recips is None:
        return to, cc
    for rs in recips.record_sets:
        p = _props([rs])
        name = one_line(str(p.get(_R_NAME, "") or "")).strip("'\" ")
        address = smtp_address(p.get(_R_SMTP), p.get(_R_ADDR))
        if not address:
            defects.append(f"RecipientUnresolved: no SMTP address for Outlook recipient {name[:80]!r}")
            continue
        pair = ("" if name.lower() == address else name, address)
        (cc if p.get(_R_TYPE) == 2 else to).append(pair) if p.get(_R_TYPE) in (1, 2, None) else None
    return to, cc
