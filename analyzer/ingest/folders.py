"""The ``folder`` column: which mailbox folder a message was exported from, as readable text.

=============================  ========================================================================
.pst / .ost                    the folder path of the walk, e.g. ``/Top of Personal Folders/Inbox``
Maildir                        the Maildir folder relative to the SOURCE (``.Sent``, ``Clients/Acme``);
                               ``""`` for a Maildir that is the SOURCE itself
mbox / LISTSERV log            the file's path relative to the SOURCE without its mailbox extension
                               (Takeout ``Mail/Inbox.mbox`` -> ``Mail/Inbox``); a SOURCE that is the
                               file itself gives its name (``Inbox``)
.eml / .msg                    the folder holding the file, relative to the SOURCE (``""`` at its top)
archive member (.zip, .tar)    the same rules applied to the member's path inside the archive
=============================  ========================================================================

Paths use ``/`` whatever the platform.
"""

from __future__ import annotations

import os

#: Extensions dropped from an mbox file's name to make its folder name (after a ``.gz``).
MAILBOX_EXTENSIONS = (".mbox", ".mbx", ".mbs", ".mail", ".txt", ".log")


def _posix(rel: str) -> str:
    rel = rel.replace(os.sep, "/") if os.sep != "/" else rel
    return "" if rel in (".", "") else rel


def mbox_folder(rel: str) -> str:
    """``Mail/Inbox.mbox`` -> ``Mail/Inbox`` (also ``.mbox.gz``); other names are kept whole."""
    name = rel.removesuffix(".gz") if rel.lower().endswith(".gz") else rel
    for ext in MAILBOX_EXTENSIONS:
        if name.lower().endswith(ext) and len(name) > len(ext) and name[-len(ext) - 1] != "/":
            return name[: -len(ext)]
    return name


def member_folder(member: str, fmt: str) -> str:
    """The folder of a file at relative path ``member`` (a path under the SOURCE or in an archive;
    ``./`` and leading ``/`` dropped). A message in a Maildir's ``cur/`` or ``new/`` belongs to the
    Maildir folder."""
    parts = [p for p in member.replace("\\", "/").split("/") if p not in ("", ".")]
    if fmt in ("mbox", "listserv", "mbox.gz"):
        return mbox_folder("/".join(parts))
    parent = parts[:-1]
    if parent and parent[-1] in ("cur", "new"):
        parent = parent[:-1]
    return "/".join(parent)


def file_folder(path, root, fmt: str) -> str:
    """The folder of a file found under SOURCE ``root`` (``root`` may be the file itself)."""
    path, root = os.path.abspath(os.fspath(path)), os.path.abspath(os.fspath(root))
    if path == root:  # the SOURCE is the file: an mbox is named after itself, a lone message has no folder
        return mbox_folder(os.path.basename(path)) if fmt in ("mbox", "listserv", "mbox.gz") else ""
    return member_folder(_posix(os.path.relpath(path, root)), fmt)


def maildir_folder(folder, root) -> str:
    """A Maildir folder relative to SOURCE ``root`` (``""`` when it is the SOURCE)."""
    return _posix(os.path.relpath(os.fspath(folder), os.fspath(root)))
