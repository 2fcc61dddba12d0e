"""A large .pst cut into work units (folder slices) reads exactly as one walk of the whole file."""

from __future__ import annotations

import sys
import types

import pytest

from analyzer.ingest import pst as pst_mod
from analyzer.ingest.pipeline import ingest, parse_unit
from analyzer.ingest.pst import PstUnit
from analyzer.ingest.sources import FileBatch, plan_sources
from analyzer.ingest.units import iter_unit


class _Folder:
    def __init__(self, name, items=(), subs=(), bad_items=()):
        self.name, self._items, self._subs, self._bad = name, list(items), list(subs), set(bad_items)

    @property
    def number_of_sub_messages(self):
        return len(self._items)

    @property
    def number_of_sub_folders(self):
        return len(self._subs)

    def get_sub_message(self, i):
        if i in self._bad:
            raise OSError(f"libpff: unable to read item {i}")
        return self._items[i]

    def get_sub_folder(self, j):
        return self._subs[j]


def _tree():
    inbox = _Folder("Inbox", [f"in{i}" for i in range(7)], [_Folder("Acme", [f"acme{i}" for i in range(5)])],
                    bad_items={3})
    sent = _Folder("Sent Items", [f"sent{i}" for i in range(4)])
    top = _Folder("Top of Personal Folders", ["top0"], [inbox, _Folder("Empty"), sent])
    return _Folder("", [], [top, _Folder("Search Root")])


@pytest.fixture
def fake_pypff(monkeypatch, tmp_path):
    """A pypff stand-in holding a folder tree (libpff cannot write .pst files to build a big one)."""
    class File:
        def open(self, path):
            self.root = _tree()

        def get_root_folder(self):
            return self.root

        def close(self):
            pass

    monkeypatch.setitem(sys.modules, "pypff", types.SimpleNamespace(file=File))
    path = tmp_path / "big.pst"
    path.write_bytes(b"!BDN" + bytes(600))
    return path


def _walk(units):
    out = []
    for unit in units:
        for item in iter_unit(unit):
            out.append(item if isinstance(item, dict) else (item.source, item.index, item.folder, item.item))
    return out


def test_split_pst_numbers_items_as_one_walk(fake_pypff):
    whole = plan_sources([fake_pypff])
    assert len(whole.units) == 1 and isinstance(whole.units[0], FileBatch)
    split = plan_sources([fake_pypff], pst_items=2)
    assert all(isinstance(u, PstUnit) for u in split.units)
    # Top: 1 item; Inbox 7 -> 4 units; Acme 5 -> 3 units; Sent 4 -> 2 units
    assert len(split.units) == 1 + 4 + 3 + 2
    assert _walk(whole.units) == _walk(split.units)
    rows = [r for r in _walk(split.units) if isinstance(r, dict)]
    top = "/Top of Personal Folders"
    assert rows == [{"source": str(fake_pypff), "index": 4, "reason": f"folder {top}/Inbox item 3: unreadable: "
                     "libpff: unable to read item 3"}]
    items = [r for r in _walk(split.units) if not isinstance(r, dict)]
    assert [i[1] for i in items] == [i for i in range(17) if i != 4]
    assert items[0][2:] == (top, "top0") and items[-1][2:] == (f"{top}/Sent Items", "sent3")
    assert (f"{top}/Inbox/Acme", "acme0") in [i[2:] for i in items]


def test_split_is_the_default_above_the_unit_size(fake_pypff, monkeypatch):
    monkeypatch.setattr(pst_mod, "PST_UNIT_ITEMS", 5)
    units = plan_sources([fake_pypff]).units
    assert [(u.folder.rsplit("/", 1)[-1], u.start, u.stop, u.first_index) for u in units] == [
        ("Top of Personal Folders", 0, 1, 0), ("Inbox", 0, 5, 1), ("Inbox", 5, 7, 6), ("Acme", 0, 5, 8),
        ("Sent Items", 0, 4, 13)]


def test_unreachable_folder_in_a_worker_is_a_row_per_item(fake_pypff):
    unit = PstUnit(str(fake_pypff), str(fake_pypff), (0, 9), "/Top/Gone", 2, 5, 10)
    rows = list(iter_unit(unit))
    assert [r["index"] for r in rows] == [10, 11, 12] and all("folder unreadable" in r["reason"] for r in rows)
    res = parse_unit(unit)
    assert res.seen == 3 and res.table.num_rows == 0 and len(res.quarantine) == 3


def test_real_pst_split_into_tiny_units_reads_the_same(realmail, monkeypatch):
    src = realmail / "ruby-msg-pst"
    pst_files = sorted(src.glob("*.pst"))
    monkeypatch.setattr(pst_mod, "PST_UNIT_ITEMS", 10_000)
    whole = ingest(pst_files, jobs=1)
    monkeypatch.setattr(pst_mod, "PST_UNIT_ITEMS", 0)  # every folder with items is a unit of its own
    plan = plan_sources(pst_files)
    assert plan.units and all(isinstance(u, PstUnit) for u in plan.units)
    split = ingest(pst_files, jobs=2)
    assert whole.messages.equals(split.messages)
    assert whole.report["parsed"] == split.report["parsed"] == 3
    assert list(split.messages["source_index"]) == [0, 0, 0]
