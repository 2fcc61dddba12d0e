"""Threading Outlook items by their MAPI conversation index (``PR_CONVERSATION_INDEX``, 0x0071).

An item that starts a conversation has a 22-byte index (the *thread header*: a reserved byte, a
FILETIME and a GUID); each reply or forward appends a 5-byte child block to its parent's index.
So an index of ``22 + 5 k`` bytes names its parent (the first ``22 + 5 (k - 1)`` bytes) and
every ancestor up to the thread header.

Used only for .pst/.msg items that carry no threading ids of their own (no ``In-Reply-To`` or
``References`` in their transport headers, no ``PR_IN_REPLY_TO_ID``/``PR_INTERNET_REFERENCES``),
as Exchange-internal mail and drafts often do: each index becomes a stable synthetic id
``conv-<hex of the index>@outlook``. The item's ``references`` are its ancestors' ids (the thread
header first) and ``in_reply_to`` its parent's, so the replies of one conversation share a thread
in :mod:`analyzer.depth.threads`. A .pst item without an Internet Message-ID also gets its own
index's id as ``message_id`` (with a ``MessageIdFromConversationIndex`` defect), so its replies in
the same file find it as their parent. A lone .msg file keeps no id (its message_id stays empty,
as before), and a parent that has an Internet Message-ID is not joined to replies that only carry
the conversation index.
"""

from __future__ import annotations

THREAD_HEADER_BYTES = 22
CHILD_BLOCK_BYTES = 5


def conversation_id(index: bytes) -> str:
    return f"conv-{index.hex()}@outlook"


def is_valid(index: bytes | None) -> bool:
    return (isinstance(index, (bytes, bytearray)) and len(index) >= THREAD_HEADER_BYTES
            and (len(index) - THREAD_HEADER_BYTES) % CHILD_BLOCK_BYTES == 0)


def ancestors(index: bytes) -> list[str]:
    """Synthetic ids of every ancestor of the item with this index, the thread header first."""
    n_children = (len(index) - THREAD_HEADER_BYTES) // CHILD_BLOCK_BYTES
    return [conversation_id(bytes(index[: THREAD_HEADER_BYTES + CHILD_BLOCK_BYTES * k])) for k in range(n_children)]


def link(msg, index: bytes | None, own_id: bool = False):
    """Fill ``msg``'s threading fields from its conversation index when it has none (see module
    docstring); ``msg`` is returned (unchanged when the index is missing or malformed)."""
    if not is_valid(index) or msg.in_reply_to or msg.references:
        return msg
    index = bytes(index)
    refs = ancestors(index)
    if refs:
        msg.references = refs
        msg.in_reply_to = refs[-1]
    if own_id and not msg.message_id:
        msg.message_id = conversation_id(index)
        msg.defects = list(msg.defects) + [
            "MessageIdFromConversationIndex: no Internet Message-ID; id made from PR_CONVERSATION_INDEX"]
    return msg
