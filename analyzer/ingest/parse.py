"""Raw RFC 822 bytes -> :class:`analyzer.ingest.message.Message`, through mail-parser.

mail-parser (:class:`LeanMailParser`, its parser without the summary dicts) does the MIME walk,
header decoding, address parsing, the date (UTC) and collects the parser's defects. On top of it:

* text parts whose declared charset failed are decoded again by
  :func:`analyzer.ingest.bodytext.decode_payload` (cp1252 for the latin family, charset
  supersets, charset-normalizer detection) and the fallback is recorded as a defect;
  all text then goes through :func:`analyzer.ingest.bodytext.clean_text` (C1 controls,
  mojibake repair with ftfy);
* HTML-only mail is converted to readable text (``body_from_html=True``);
* attachments are described by name, decoded size and content type; their contents are
  dropped at once and never opened;
* the body is split into new text / quoted history / signature by
  :func:`analyzer.ingest.reply.split_reply`;
* ``content_hash`` is the SHA-256 of normalised headers and body: sender, sorted
  recipients, date, subject and the whitespace-collapsed body, so the same message
  exported by two clients (different line endings, ``Status:`` headers, From_ lines)
  hashes the same.

Any failure on one message raises :class:`~analyzer.errors.ParseError`, which ingest
turns into a quarantine row.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import logging
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import mailparser

from analyzer.errors import ParseError
from analyzer.ingest import reply
from analyzer.ingest.bodytext import clean_text, decode_payload, html_to_text
from analyzer.ingest.message import Message
from analyzer.ingest.signature import split_own_name_sign_off
from analyzer.limits import MAX_BODY_CHARS, MAX_HEADER_CHARS, MAX_NEW_TEXT_CHARS

# mail-parser logs every unhandled part at WARNING; those facts are kept per message as
# defects instead of flooding stderr.
logging.getLogger("mailparser").setLevel(logging.ERROR)

_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
_CHARSET_DEFECT = re.compile(r"CharsetDecodeDefect: part (\d+), charset '([^']*)' failed; decoded with (utf-8 replacement characters|utf-8)")
_OBS_FROM = re.compile(rb"From[ \t]*:")
_WS = re.compile(r"\s+")
_MAX_DEFECT = 200
_AUTO_HEADERS = ("auto_submitted", "precedence", "x_autoreply", "x_autorespond")


class LeanMailParser(mailparser.MailParser):
    """mail-parser's parser without the two summary dicts its ``parse()`` ends with.

    ``mail`` and ``mail_partial`` hold every header and part once more, for mail-parser's JSON
    output; the analyzer reads the parsed properties (``text_plain``, ``from_``, ``date``,
    ``defects``, the headers...) and never those dicts, which cost about a sixth of mail-parser's
    time on agency mail. Everything else is mail-parser's own parse. Asking for the dicts raises
    NotImplementedError (an AttributeError would be answered by mail-parser as an absent header),
    so nothing reads an empty one by mistake. ``tests/test_lean_mailparser.py`` ingests the real
    mail corpus with this parser and with mail-parser's own, and requires the same messages."""

    def _make_mail(self, complete=True):
        return None

    @property
    def mail(self):
        raise NotImplementedError("LeanMailParser builds no summary dict; read the parsed properties")

    @property
    def mail_partial(self):
        raise NotImplementedError("LeanMailParser builds no summary dict; read the parsed properties")


def parse_message(data: bytes, source: str, index: int | None = None, fmt: str = "eml") -> Message:
    """Parse one raw message. Raises ParseError when it cannot be read as mail."""
    if data.startswith(b"From ") and not _OBS_FROM.match(data):  # an mbox From_ line kept in a file
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    data, header_defects = bound_headers(data)
    try:
        mp = LeanMailParser.from_bytes(data)
    except Exception as exc:  # mail-parser/stdlib on hostile input: one bad message, not a crash
        raise ParseError(f"mail-parser failed: {type(exc).__name__}: {exc}") from exc
    if mp.message is None or len(mp.message.keys()) == 0:
        raise ParseError("no header fields: not an RFC 822 message")
    try:
        msg = _from_parser(mp, data, source, index, fmt)
        if header_defects:
            msg.defects = header_defects + list(msg.defects)
        return msg
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(f"cannot build record: {type(exc).__name__}: {exc}") from exc


_HEADER_END = re.compile(rb"\r?\n\r?\n")


def bound_headers(data: bytes) -> tuple[bytes, list[str]]:
    """Cut every header field longer than :data:`~analyzer.limits.MAX_HEADER_CHARS` (decoding
    thousands of RFC 2047 words is quadratic), at a space so encoded words stay whole; returns the
    bytes and a ``HeaderTruncated`` defect per field cut. Cheap when the header block is small."""
    end = _HEADER_END.search(data)
    head_end = end.start() if end else len(data)
    if head_end <= MAX_HEADER_CHARS:
        return data, []
    head, rest = data[:head_end], data[head_end:]
    fields, defects = [], []
    for line in re.split(rb"\r?\n(?![ \t])", head):  # one logical (unfolded) field per item
        if len(line) > MAX_HEADER_CHARS:
            name = line.split(b":", 1)[0][:60].decode("ascii", "replace")
            cut = line.rfind(b" ", 0, MAX_HEADER_CHARS)
            defects.append(f"HeaderTruncated: {name} of {len(line)} characters cut at {MAX_HEADER_CHARS}")
            line = line[:cut if cut > 0 else MAX_HEADER_CHARS]
        fields.append(line)
    return b"\n".join(fields) + rest, defects


def _from_parser(mp, data: bytes, source: str, index: int | None, fmt: str) -> Message:
    defects: list[str] = []
    plain, html = list(mp.text_plain), list(mp.text_html)
    for entry in mp.defects:
        for where, items in entry.items():
            for item in items:
                m = _CHARSET_DEFECT.search(item)
                if m:
                    note = _redecode(mp, int(m.group(1)), m.group(2), m.group(3), plain, html)
                    defects.append(f"CharsetFallback: part {m.group(1)}: {note}")
                else:
                    defects.append(f"{item} ({where})"[:_MAX_DEFECT])
    if b"\n\n" not in data and b"\r\n\r\n" not in data:
        defects.append("NoBodySeparator: no blank line after the headers (truncated message?)")

    date = mp.date
    if date is None:
        date = _lenient_date(mp, defects)

    present = frozenset(k.lower() for k in mp.message.keys())
    sender = _addresses(mp.from_)
    to, cc = _addresses(mp.to), _addresses(mp.cc)
    reply_to = _addresses(mp.reply_to)
    attachments = [_describe_attachment(a) for a in mp.attachments]

    msg = Message(
        source=source,
        source_index=index,
        source_format=fmt,
        message_id=first_id(_header(mp, "message_id", present)),
        content_hash="",
        date=date,
        subject=one_line(_header(mp, "subject", present)),
        **address_fields(sender, to, cc, reply_to),
        in_reply_to=first_id(_header(mp, "in_reply_to", present)),
        references=all_ids(_header(mp, "references", present)),
        attachment_names=[a[0] for a in attachments],
        attachment_sizes=[a[1] for a in attachments],
        attachment_types=[a[2] for a in attachments],
        defects=defects,
        list_id=one_line(_header(mp, "list_id", present)),
        auto_submitted=auto_hint({h: _header(mp, h, present) for h in _AUTO_HEADERS}),
    )
    return complete(msg, plain, html)


def address_fields(sender: list[tuple[str, str]], to: list[tuple[str, str]], cc: list[tuple[str, str]],
                   reply_to: list[tuple[str, str]]) -> dict:
    """The address fields of a :class:`Message` from (name, address) pairs, as both the RFC 822 path
    and :mod:`analyzer.ingest.outlook` fill them (first sender, first Reply-To)."""
    return {"from_name": sender[0][0] if sender else "", "from_address": sender[0][1] if sender else "",
            "to_names": [n for n, _ in to], "to_addresses": [a for _, a in to],
            "cc_names": [n for n, _ in cc], "cc_addresses": [a for _, a in cc],
            "reply_to": reply_to[0][1] if reply_to else ""}


def complete(msg: Message, plain: list[str], html: list[str]) -> Message:
    """Fill body, reply parts and content_hash of a record whose headers are set.

    Shared by the RFC 822 path and :mod:`analyzer.ingest.outlook`. ``plain``/``html`` are
    the decoded text parts; the plain ones win, HTML is converted only when there are none.
    """
    defects = list(msg.defects)
    texts = [t for t in plain if t and t.strip()]
    from_html = False
    if texts:
        body = "\n\n".join(texts)
    else:
        pages = [t for t in html if t and t.strip()]
        body = "\n\n".join(html_to_text(p, defects) for p in pages)
        from_html = bool(pages)
    if len(body) > MAX_BODY_CHARS:
        defects.append(f"BodyTruncated: {len(body)} characters of text, the first {MAX_BODY_CHARS} kept")
        body = body[:MAX_BODY_CHARS]
    body, notes = clean_text(body.replace("\r\n", "\n").replace("\r", "\n"))
    defects.extend(f"TextRepair: {n}" for n in notes)
    subject, notes = clean_text(msg.subject)
    defects.extend(f"TextRepair: subject {n}" for n in notes)
    from_name, _ = clean_text(msg.from_name)
    try:
        parts = reply.split_reply(body)
        new_text, quoted, signature = parts.new_text, parts.quoted, parts.signature
        new_text, signature = split_own_name_sign_off(new_text, signature, from_name, msg.from_address)
    except Exception as exc:  # the splitter must never cost us the message
        new_text, quoted, signature = body, "", ""
        defects.append(f"ReplySplitFailed: {type(exc).__name__}: {exc}"[:_MAX_DEFECT])
    if len(new_text) > MAX_NEW_TEXT_CHARS:
        defects.append(f"TextTruncated: new text of {len(new_text)} characters, the first "
                       f"{MAX_NEW_TEXT_CHARS} kept for signal detection")
        new_text = new_text[:MAX_NEW_TEXT_CHARS]
    msg = replace(
        msg, subject=subject, from_name=from_name, body=body, body_from_html=from_html,
        new_text=new_text, quoted_text=quoted, signature=signature, defects=defects,
        to_names=[clean_text(n)[0] for n in msg.to_names], cc_names=[clean_text(n)[0] for n in msg.cc_names],
    )
    msg.content_hash = content_hash(msg)
    return msg


def content_hash(msg: Message) -> str:
    """SHA-256 of sender, sorted recipients, date, subject and whitespace-collapsed body."""
    date = msg.date.isoformat() if msg.date is not None else ""
    parts = [
        msg.from_address,
        ",".join(sorted(msg.to_addresses)),
        ",".join(sorted(msg.cc_addresses)),
        date,
        " ".join(msg.subject.split()),
        " ".join(msg.body.split()),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()


def _redecode(mp, part_index: int, charset: str, how: str, plain: list[str], html: list[str]) -> str:
    """Decode a text part again after mail-parser's utf-8 fallback; swap it in place."""
    parts = list(mp.message.walk())
    if part_index >= len(parts):
        return f"declared {charset!r} failed; kept mail-parser's {how}"
    part = parts[part_index]
    payload = part.get_payload(decode=True) or b""
    theirs = payload.decode("utf-8", "replace")
    ours, note = decode_payload(payload, charset)
    for texts in (plain, html):
        for i, t in enumerate(texts):
            if t == theirs:
                texts[i] = ours
    return note or f"declared {charset!r} failed; decoded as {charset}"


def _lenient_date(mp, defects: list[str]) -> datetime | None:
    """Second chance for a Date mail-parser rejected (asctime dates of pipermail archives)."""
    raw = mp.message.get("Date")
    if not raw:
        defects.append("DateMissing: no Date header")
        return None
    raw = str(raw)
    parsed = email.utils.parsedate_tz(raw)
    if parsed is None:
        return None
    try:
        offset = parsed[9]
        naive = datetime(*parsed[:6])
        if offset is None:
            defects.append(f"DateRecovered: {one_line(raw)[:60]!r} has no zone, read as UTC")
            offset = 0
        else:
            defects.append(f"DateRecovered: {one_line(raw)[:60]!r} read leniently")
        return (naive - timedelta(seconds=offset)).replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, TypeError):
        return None


def _describe_attachment(att: dict) -> tuple[str, int, str]:
    payload = att.get("payload") or ""
    if att.get("binary"):  # base64 text, possibly with line breaks: size without decoding
        b64 = "".join(payload.split())
        size = len(b64) * 3 // 4 - b64[-2:].count("=")
        if len(b64) % 4:
            size = len(base64.b64decode(b64 + "=" * (-len(b64) % 4), validate=False))
    else:
        size = len(str(payload).encode("utf-8", "surrogatepass"))
    name = one_line(att.get("filename") or att.get("safe_filename") or "")
    return clean_text(name)[0], int(size), str(att.get("mail_content_type") or "application/octet-stream").lower()


def _header(mp, name: str, present: frozenset[str] | None = None) -> str:
    if present is not None and name.replace("_", "-") not in present:
        return ""  # skip mail-parser's dynamic lookup for absent headers (hot path)
    value = getattr(mp, name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def _addresses(pairs) -> list[tuple[str, str]]:
    out = []
    for name, addr in pairs or []:
        addr = (addr or "").strip().strip("<>").lower()
        if not addr:
            continue
        name = one_line(name or "").strip("'\" ")
        out.append(("" if name.lower() == addr else name, addr))
    return out


def one_line(value: str) -> str:
    """A header value on one line, surrounding quotes of mailing-list exports kept as is."""
    return _WS.sub(" ", value or "").strip()


def first_id(value: str | None) -> str | None:
    """The first message id in a header value, without angle brackets (None if empty)."""
    ids = all_ids(value)
    return ids[0] if ids else None


def all_ids(value: str | None) -> list[str]:
    """Message ids of a References/In-Reply-To value, in order, without angle brackets."""
    if not value:
        return []
    ids = _ANGLE_ID.findall(value)
    if ids:
        return ids
    # some exports drop the brackets ("message-id: abc@host")
    return [t.strip("<>,;") for t in value.split() if "@" in t]


def auto_hint(values: dict[str, str]) -> str:
    """Auto-Submitted / Precedence / X-Autoreply -> "auto-replied", "bulk", "list", ... or ""."""
    auto = values.get("auto_submitted", "").strip().lower()
    if auto and auto != "no":
        return auto.split(";")[0].strip()
    if values.get("x_autoreply") or values.get("x_autorespond"):
        return "auto-replied"
    prec = values.get("precedence", "").strip().lower()
    return prec if prec in ("bulk", "list", "junk", "auto_reply") else ""
