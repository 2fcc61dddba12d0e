"""Write corpora to disk: mbox, Maildir, .eml folders, a mixed layout, the TOML config and truth CSVs.

File names and ``From `` lines are derived from message dates and positions, never from the clock or
the process id, so the same seed writes byte-identical files (the committed demo can be regenerated
and compared).  mbox bodies use mboxrd escaping of ``From `` lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Union

from mailgen.corpus import Corpus, iter_bulk_specs
from mailgen.people import slug

_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)


_HEAD = BytesHeaderParser(policy=compat32)
Messages = Union["Corpus", Iterable[EmailMessage], Iterable[bytes]]


def message_bytes(msg: EmailMessage | bytes) -> bytes:
    data = msg if isinstance(msg, bytes) else msg.as_bytes()
    return data if data.endswith(b"\n") else data + b"\n"


def _header(msg: EmailMessage | bytes, name: str) -> str:
    if isinstance(msg, bytes):
        return str(_HEAD.parsebytes(msg[: msg.find(b"\n\n") + 1]).get(name, ""))
    return str(msg.get(name, ""))


def _date(msg: EmailMessage | bytes) -> datetime:
    return parsedate_to_datetime(_header(msg, "Date"))


def _from_line(msg: EmailMessage | bytes) -> bytes:
    addr = parseaddr(_header(msg, "From"))[1] or "MAILER-DAEMON"
    when = _date(msg).astimezone(UTC)
    return f"From {addr} {when:%a %b %d %H:%M:%S %Y}\n".encode()


def _append_mbox(fh, msg: EmailMessage | bytes) -> None:
    fh.write(_from_line(msg))
    fh.write(_FROM_LINE.sub(rb">\1", message_bytes(msg)))
    fh.write(b"\n")


def _items(corpus: Messages):
    return corpus.raw if isinstance(corpus, Corpus) else corpus


def write_mbox(corpus: Messages, path: str | Path) -> int:
    """Write messages to one mbox file; returns the number written."""
    msgs = _items(corpus)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "wb") as fh:
        for msg in msgs:
            _append_mbox(fh, msg)
            n += 1
    return n


def write_maildir(corpus: Messages, path: str | Path, unread: int = 3) -> int:
    """Write a Maildir (cur/, new/, tmp/); the last ``unread`` messages go to new/."""
    msgs = list(_items(corpus))
    root = Path(path)
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i, msg in enumerate(msgs):
        ts = int(_date(msg).timestamp())
        name = f"{ts}.M{i:06d}P0Q1.mailgen"
        target = root / "new" / name if i >= len(msgs) - unread else root / "cur" / f"{name}:2,S"
        target.write_bytes(message_bytes(msg))
    return len(msgs)


def write_eml_dir(corpus: Messages, path: str | Path) -> int:
    """One .eml file per message, named ``NNNN-YYYYMMDD-subject.eml``."""
    msgs = _items(corpus)
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    n = 0
    for i, msg in enumerate(msgs):
        when = _date(msg)
        name = f"{i:04d}-{when:%Y%m%d}-{slug(_header(msg, 'Subject'))[:40] or 'no-subject'}.eml"
        (root / name).write_bytes(message_bytes(msg))
        n += 1
    return n


def write_mixed(corpus: Corpus, directory: str | Path, duplicates: int = 6) -> dict:
    """Spread the corpus over formats like a real export and return a manifest.

    Clients go round-robin to ``mbox/archive.mbox``, ``Maildir/`` and ``eml/<client>/``; newsletters to
    the mbox, notifications and cold outreach to the Maildir, internal mail to ``eml/internal/``.
    ``duplicates`` messages of the mbox are also exported to ``eml/exported-twice/`` (same bytes), so
    ingestion must deduplicate them.
    """
    root = Path(directory)
    mt = corpus.message_truth
    group = {c.name: ("mbox", "maildir", "eml")[c.index % 3] for c in corpus.clients}
    by_format: dict[str, list[bytes]] = {"mbox": [], "maildir": [], "eml": []}
    eml_dirs: dict[str, list[bytes]] = {}
    for msg, client, category in zip(corpus.raw, mt["client"], mt["category"]):
        if client is not None and isinstance(client, str):
            fmt = group[client]
            if fmt == "eml":
                eml_dirs.setdefault(slug(client), []).append(msg)
            by_format[fmt].append(msg)
        elif category == "newsletter":
            by_format["mbox"].append(msg)
        elif category == "internal":
            eml_dirs.setdefault("internal", []).append(msg)
            by_format["eml"].append(msg)
        else:
            by_format["maildir"].append(msg)
    write_mbox(by_format["mbox"], root / "mbox" / "archive.mbox")
    write_maildir(by_format["maildir"], root / "Maildir")
    for name, msgs in sorted(eml_dirs.items()):
        write_eml_dir(msgs, root / "eml" / name)
    step = max(1, len(by_format["mbox"]) // max(1, duplicates))
    dups = by_format["mbox"][step // 2::step][:duplicates]
    if dups:
        write_eml_dir(dups, root / "eml" / "exported-twice")
    manifest = {
        "seed": corpus.seed,
        "messages_unique": len(corpus.raw),
        "files": {"mbox/archive.mbox": len(by_format["mbox"]), "Maildir": len(by_format["maildir"]),
                  "eml": len(by_format["eml"]) + len(dups)},
        "duplicates": len(dups),
        "duplicate_message_ids": [_header(m, "Message-ID") for m in dups],
        "messages_total": len(corpus.raw) + len(dups),
        "client_formats": group,
    }
    return manifest


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def write_config(corpus: Corpus | dict, path: str | Path) -> None:
    """The analyzer config (TOML): ``[agency] domains`` and ``[clients."Name"]`` domains/addresses."""
    cfg = corpus.config if isinstance(corpus, Corpus) else corpus
    lines = ["# Generated by data/generate_mailboxes.py - the demo's agency and clients.", "", "[agency]",
             f"domains = [{', '.join(_toml_str(d) for d in cfg['agency']['domains'])}]"]
    for name, spec in cfg["clients"].items():
        lines += ["", f"[clients.{_toml_str(name)}]"]
        for key in ("domains", "addresses"):
            if spec.get(key):
                lines.append(f"{key} = [{', '.join(_toml_str(v) for v in spec[key])}]")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_truth(corpus: Corpus, directory: str | Path, message_labels: bool = True) -> None:
    """``truth.csv`` (one row per client), ``nonclients.csv`` and optionally ``message_labels.csv``."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    corpus.truth.to_csv(root / "truth.csv", index=False, lineterminator="\n")
    corpus.nonclients.to_csv(root / "nonclients.csv", index=False, lineterminator="\n")
    if message_labels:
        corpus.message_truth.to_csv(root / "message_labels.csv", index=False, lineterminator="\n")


def write_bulk_mbox(path: str | Path, n_messages: int, seed: int = 0) -> int:
    """Stream ``n_messages`` generated messages into one mbox with bounded memory; returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "wb") as fh:
        for spec, raw in iter_bulk_specs(seed, n_messages):
            when = spec.date.astimezone(UTC)
            fh.write(f"From {spec.sender.address} {when:%a %b %d %H:%M:%S %Y}\n".encode())
            fh.write(_FROM_LINE.sub(rb">\1", raw) if b"From " in raw[1:] else raw)
            fh.write(b"\n")
            n += 1
    return n
