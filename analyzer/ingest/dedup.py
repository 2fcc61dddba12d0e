"""Dropping repeated messages while work units come in: :class:`Dedup`.

A message is a duplicate only when its Message-ID *and* its content match one seen before (or,
without an ID, its content). The same Message-ID on different content (a forged or reused ID, an
edited resend) is not a duplicate: that message is kept under the ID ``<id>#<content hash prefix>``
with a ``MessageIdConflict`` defect, and counted in ``conflicts``.

What is remembered is two sorted arrays of 64-bit keyed hashes (of the ID, and of the ID with the
content hash), 16 bytes a message. Sets of the strings themselves took about 300 bytes a message:
150 MiB of a 500k-message run's peak, held from the first unit to the last. Two different messages
share a 64-bit hash with a probability of about n^2 / 2^65 in a mailbox of n messages (3e-8 at a
million); such a message would be counted as a duplicate, never dropped silently.
"""

from __future__ import annotations

from hashlib import blake2b

import numpy as np
import pyarrow as pa

_EMPTY = np.empty(0, dtype=np.uint64)


def _hash(text: str) -> int:
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in ``sorted_values`` (ascending, unique)."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_values, values)
    return sorted_values[np.minimum(at, len(sorted_values) - 1)] == values


class Dedup:
    """Remembers the messages of the tables passed to :meth:`unique`, in order (see the module doc)."""

    def __init__(self) -> None:
        self._keys = _EMPTY  # hashes of the message keys (ID, or "#" + content hash) kept unrenamed
        self._pairs = _EMPTY  # hashes of (key, content hash prefix) of every kept message
        self.duplicates = 0
        self.conflicts = 0  # same Message-ID, different content: both kept

    def unique(self, table: pa.Table) -> pa.Table:
        """``table`` without the messages seen before (in earlier tables or earlier rows), IDs that
        conflict renamed (:func:`_rename_ids`)."""
        ids = table.column("message_id").to_pylist()
        digests = table.column("content_hash").to_pylist()
        keys = [mid if mid else "#" + digest for mid, digest in zip(ids, digests)]
        key_hash = np.fromiter((_hash(k) for k in keys), dtype=np.uint64, count=len(keys))
        pair_hash = np.fromiter((_hash(f"{k}\0{d[:16]}") for k, d in zip(keys, digests)),
                                dtype=np.uint64, count=len(keys))
        pair_before, key_before = _in_sorted(pair_hash, self._pairs), _in_sorted(key_hash, self._keys)
        new_pairs: set[int] = set()
        new_keys: set[int] = set()
        mask, renamed = np.ones(len(keys), dtype=bool), {}
        for i, mid in enumerate(ids):
            pair, key = int(pair_hash[i]), int(key_hash[i])
            if pair_before[i] or pair in new_pairs:
                self.duplicates += 1
                mask[i] = False
                continue
            new_pairs.add(pair)
            if mid and (key_before[i] or key in new_keys):
                self.conflicts += 1
                renamed[i] = f"{mid}#{digests[i][:12]}"
            else:
                new_keys.add(key)
        self._pairs = _merged(self._pairs, new_pairs)
        self._keys = _merged(self._keys, new_keys)
        if renamed:
            table = _rename_ids(table, renamed)
        return table.filter(pa.array(mask, type=pa.bool_()))


def _merged(sorted_values: np.ndarray, new: set[int]) -> np.ndarray:
    if not new:
        return sorted_values
    return np.union1d(sorted_values, np.fromiter(new, dtype=np.uint64, count=len(new)))


def _rename_ids(table: pa.Table, renamed: dict[int, str]) -> pa.Table:
    ids = table.column("message_id").to_pylist()
    defects = table.column("defects").to_pylist()
    for i, new in renamed.items():
        defects[i] = list(defects[i] or []) + [f"MessageIdConflict: Message-ID {ids[i]} was seen before "
                                                f"on different content; kept as {new}"]
        ids[i] = new
    table = table.set_column(table.schema.get_field_index("message_id"), table.schema.field("message_id"),
                             pa.array(ids, type=table.schema.field("message_id").type))
    return table.set_column(table.schema.get_field_index("defects"), table.schema.field("defects"),
                            pa.array(defects, type=table.schema.field("defects").type))
