""".zip / .tar / .tgz archives as SOURCEs: read member by member, never extracted, bad members quarantined."""

from __future__ import annotations

import io
import json
import os
import resource
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from analyzer import limits
from analyzer.ingest.archives import ArchiveUnit
from analyzer.ingest.pipeline import ingest, ingest_to_dir
from analyzer.ingest.sources import plan_sources
from tests.test_ingest_pipeline import make, mbox

MIB = 1 << 20


def _zip_tree(root: Path, dest: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                zf.write(p, prefix + p.relative_to(root).as_posix())
    return dest


def _tgz_tree(root: Path, dest: Path) -> Path:
    with tarfile.open(dest, "w:gz") as tf:
        tf.add(root, arcname=".")
    return dest


def _keys(df):
    return sorted(zip(df["message_id"].fillna(""), df["subject"], df["content_hash"]))


def _adds_up(report: dict) -> None:
    assert report["messages_seen"] == report["parsed"] + report["duplicates"] + report["quarantined"]


def _tar_add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))


@pytest.fixture(scope="module")
def demo_plain(project_root):
    return ingest([project_root / "data" / "demo" / "mail"], jobs=1)


@pytest.mark.parametrize("kind", ["zip", "tgz"])
def test_demo_mailbox_archived_reads_as_unpacked(tmp_path, project_root, demo_plain, kind):
    demo = project_root / "data" / "demo" / "mail"
    archive = _zip_tree(demo, tmp_path / "demo.zip") if kind == "zip" else _tgz_tree(demo, tmp_path / "demo.tgz")
    out = tmp_path / "out"
    report = ingest_to_dir([archive], out, jobs=2)
    saved = json.loads((out / "ingest_report.json").read_text())
    assert saved == json.loads(json.dumps(report))
    _adds_up(report)
    assert report["formats"] == {kind: 1}
    assert (report["parsed"], report["duplicates"], report["quarantined"]) == (
        demo_plain.report["parsed"], demo_plain.report["duplicates"], demo_plain.report["quarantined"])
    df = ingest([archive], jobs=1).messages
    assert _keys(df) == _keys(demo_plain.messages)
    assert df["source"].str.startswith(f"{archive}:").all()
    assert set(df["source_format"]) == {"eml", "mbox"}  # the Maildir entries are .eml members
    plain_folders = dict(zip(demo_plain.messages["content_hash"], demo_plain.messages["folder"]))
    assert dict(zip(df["content_hash"], df["folder"])) == plain_folders  # same folders as unpacked


def test_takeout_zip_of_real_mbox_and_eml(tmp_path, realmail):
    """A Takeout-shaped zip of real mail (cpython's test mbox, talon's .eml files) and a non-mail file."""
    zpath = tmp_path / "takeout.zip"
    talon = sorted((realmail / "talon").rglob("*.eml"))[:10]
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(realmail / "cpython-test-email" / "mailbox_01.mbox", "Takeout/Mail/Inbox.mbox")
        for p in talon:
            zf.write(p, f"Takeout/eml/{p.name}")
        zf.writestr("Takeout/archive_browser.html", "<html><body>Takeout</body></html>")
        zf.writestr("../../etc/evil.eml", make(1))  # only a name: nothing is written anywhere
        zf.writestr("Takeout/empty/", b"")
    unpacked = ingest([realmail / "cpython-test-email" / "mailbox_01.mbox", *talon], jobs=1)
    res = ingest([zpath], jobs=1)
    _adds_up(res.report)
    df = res.messages
    assert _keys(df[df["message_id"] != "msg1@client1.com"]) == _keys(unpacked.messages)
    inbox = df[df["source"] == f"{zpath}:Takeout/Mail/Inbox.mbox"]
    assert list(inbox["source_index"]) == list(range(len(inbox))) and len(inbox) >= 1
    assert set(inbox["folder"]) == {"Takeout/Mail/Inbox"}
    evil = df[df["message_id"] == "msg1@client1.com"].iloc[0]
    assert evil["source"] == f"{zpath}:../../etc/evil.eml" and evil["folder"] == "../../etc"
    rows = {q["source"]: q["reason"] for q in res.report["quarantine"]}
    assert rows[f"{zpath}:Takeout/archive_browser.html"].startswith("not mail")
    assert not (tmp_path.parent / "etc").exists()


def test_zip_bomb_is_a_quarantine_row_fast_and_small(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ok.eml", make(1))
        with zf.open("Mail/zeros.mbox", "w") as fh:
            block = bytes(MIB)
            for _ in range(200):
                fh.write(block)
    assert bomb.stat().st_size < 1 * MIB
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    res = ingest([bomb], jobs=1)
    assert time.perf_counter() - t0 < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 100 * 1024  # KiB: far below 200 MB
    _adds_up(res.report)
    assert res.report["parsed"] == 1
    (row,) = res.report["quarantine"]
    assert row["source"] == f"{bomb}:Mail/zeros.mbox" and "compression bomb" in row["reason"]


def test_tgz_bomb_stops_at_the_archive_limit(tmp_path):
    class Zeros(io.RawIOBase):
        def __init__(self, n):
            self.left = n

        def readable(self):
            return True

        def readinto(self, b):
            n = min(len(b), self.left)
            b[:n] = bytes(n)
            self.left -= n
            return n

    bomb = tmp_path / "bomb.tar.gz"
    with tarfile.open(bomb, "w:gz") as tf:
        _tar_add(tf, "first.eml", make(1))
        info = tarfile.TarInfo("zeros.mbox")
        info.size = 200 * MIB
        tf.addfile(info, io.BufferedReader(Zeros(info.size)))
    res = ingest([bomb], jobs=1)
    _adds_up(res.report)
    assert res.report["parsed"] == 1
    first, rest = res.report["quarantine"]
    assert first == {"source": f"{bomb}:zeros.mbox", "index": None, "reason": "not mail: binary content"}
    # skipping the member expands the stream past max(16 MiB, 200 x the archive): the rest is not read
    assert rest["source"] == str(bomb) and "compression bomb" in rest["reason"]
    assert "members after 'zeros.mbox' not read" in rest["reason"]


def test_corrupt_and_truncated_archives(tmp_path, project_root):
    demo = project_root / "data" / "demo" / "mail" / "eml" / "exported-twice"
    good = _zip_tree(demo, tmp_path / "good.zip")
    data = good.read_bytes()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "cut.zip").write_bytes(data[: len(data) // 2])  # no central directory
    broken = bytearray(data)
    at = data.index(b"PK\x03\x04", 10) - 200  # inside the first member's compressed data
    broken[at:at + 50] = b"\xff" * 50
    (tmp_path / "src" / "damaged.zip").write_bytes(bytes(broken))
    tgz = _tgz_tree(demo, tmp_path / "good.tgz").read_bytes()
    (tmp_path / "src" / "cut.tgz").write_bytes(tgz[: len(tgz) // 2])
    alone = ingest([tmp_path / "src" / "damaged.zip"], jobs=1).report
    assert alone["messages_seen"] == 6 and alone["quarantined"] >= 1  # every member: a message or a row
    res = ingest([tmp_path / "src"], jobs=1)
    _adds_up(res.report)
    rows = res.report["quarantine"]
    cut_zip = [q for q in rows if q["source"].endswith("cut.zip")]
    assert len(cut_zip) == 1 and "unreadable zip archive" in cut_zip[0]["reason"]
    damaged = [q for q in rows if "damaged.zip:" in q["source"]]
    assert damaged and all("unreadable archive member" in q["reason"] for q in damaged)
    cut_tgz = [q for q in rows if "cut.tgz" in q["source"]]
    assert len(cut_tgz) == 1 and ("truncated" in cut_tgz[0]["reason"] or "unreadable" in cut_tgz[0]["reason"])
    assert 0 < len(res.messages[res.messages["source"].str.contains("cut.tgz:")]) < 6


def test_tar_links_devices_nested_and_pst_members(tmp_path, realmail):
    tpath = tmp_path / "odd.tar"
    with tarfile.open(tpath, "w") as tf:
        _tar_add(tf, "a.eml", make(1))
        link = tarfile.TarInfo("link.eml")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
        hard = tarfile.TarInfo("hard.eml")
        hard.type, hard.linkname = tarfile.LNKTYPE, "a.eml"
        tf.addfile(hard)
        dev = tarfile.TarInfo("zero")
        dev.type, dev.devmajor, dev.devminor = tarfile.CHRTYPE, 1, 5
        tf.addfile(dev)
        fifo = tarfile.TarInfo("pipe")
        fifo.type = tarfile.FIFOTYPE
        tf.addfile(fifo)
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as zf:
            zf.writestr("x.eml", make(2))
        _tar_add(tf, "nested.zip", inner.getvalue())
        _tar_add(tf, "box.pst", (realmail / "ruby-msg-pst" / "msgInMsg.pst").read_bytes())
        _tar_add(tf, "z.mbox", mbox([make(3), make(4)]))
    res = ingest([tpath], jobs=1)
    _adds_up(res.report)
    assert sorted(res.messages["message_id"]) == ["msg1@client1.com", "msg3@client0.com", "msg4@client1.com"]
    rows = {q["source"].split(":", 1)[1]: q["reason"] for q in res.report["quarantine"]}
    assert rows["link.eml"].startswith("symbolic link inside the archive")
    assert rows["hard.eml"].startswith("hard link")
    assert "device or FIFO" in rows["zero"] and "device or FIFO" in rows["pipe"]
    assert rows["nested.zip"].startswith("nested archive or compressed file (zip)")
    assert rows["box.pst"].startswith("Outlook .pst inside an archive")
    assert len(rows) == 6


def test_encrypted_member_and_member_count_limit(tmp_path, monkeypatch):
    zpath = tmp_path / "locked.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("secret.eml", make(1))
        for i in range(2, 7):
            zf.writestr(f"m{i}.eml", make(i))
    # zipfile cannot encrypt: set the "encrypted" flag bit of the first member, which is what readers see
    data = bytearray(zpath.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[6] |= 1
    data[central + 8] |= 1
    zpath.write_bytes(bytes(data))
    monkeypatch.setattr(limits, "MAX_ARCHIVE_MEMBERS", 4)
    res = ingest([zpath], jobs=1)
    _adds_up(res.report)
    assert len(res.messages) == 3  # members 2..4; secret.eml is the first of the four counted
    rows = res.report["quarantine"]
    assert rows[0] == {"source": f"{zpath}:secret.eml", "index": None, "reason": "encrypted zip member: not read"}
    assert "more than 4 members" in rows[1]["reason"] and "2 more entries" in rows[1]["reason"]


def test_large_zip_is_several_units_in_member_order(tmp_path):
    zpath = tmp_path / "many.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(40):
            zf.writestr(f"mail/{i:03d}.eml", make(i))
    plan = plan_sources([zpath], batch_files=8)
    assert len(plan.units) == 5 and all(isinstance(u, ArchiveUnit) for u in plan.units)
    serial, parallel = ingest([zpath], jobs=1), ingest([zpath], jobs=3)
    assert serial.messages.equals(parallel.messages)
    assert list(serial.messages["source"]) == [f"{zpath}:mail/{i:03d}.eml" for i in range(40)]
    assert list(os.listdir(tmp_path)) == ["many.zip"]  # nothing extracted


def test_empty_zip_is_a_row(tmp_path):
    zpath = tmp_path / "empty.zip"
    with zipfile.ZipFile(zpath, "w"):
        pass
    plan = plan_sources([zpath])
    assert plan.units == [] and plan.quarantine[0]["reason"] == "empty archive: no members"
