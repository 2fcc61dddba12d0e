"""The ``folder`` column: where in the mailbox a message was exported from."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from analyzer.ingest.folders import mbox_folder, member_folder
from analyzer.ingest.message import MESSAGE_COLUMNS, MESSAGE_SCHEMA
from analyzer.ingest.pipeline import ingest, ingest_to_dir
from tests.test_ingest_pipeline import make, mbox


def _maildir(folder: Path, messages: list[bytes]) -> None:
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    for i, m in enumerate(messages):
        (folder / "cur" / f"{i}.host:2,S").write_bytes(m)


def test_folder_is_the_last_column_of_the_schema():
    assert MESSAGE_COLUMNS[-1] == "folder" and str(MESSAGE_SCHEMA.field("folder").type) == "string"


def test_mbox_folder_names():
    assert mbox_folder("Mail/Inbox.mbox") == "Mail/Inbox"
    assert mbox_folder("Takeout/Mail/All mail Including Spam and Trash.mbox") == \
        "Takeout/Mail/All mail Including Spam and Trash"
    assert mbox_folder("Inbox.mbox.gz") == "Inbox"
    assert mbox_folder("Inbox") == "Inbox"  # no extension: kept whole
    assert mbox_folder("Mail/.mbox") == "Mail/.mbox"  # nothing would be left
    assert member_folder("a/b/c.eml", "eml") == "a/b" and member_folder("c.eml", "msg") == ""


def test_folder_of_takeout_maildir_and_eml(tmp_path):
    src = tmp_path / "export"
    (src / "Takeout" / "Mail").mkdir(parents=True)
    (src / "Takeout" / "Mail" / "Inbox.mbox").write_bytes(mbox([make(i) for i in range(3)]))
    _maildir(src / "maildir", [make(10)])
    _maildir(src / "maildir" / ".Sent", [make(11)])
    _maildir(src / "maildir" / "Clients" / "Acme", [make(12)])
    (src / "loose").mkdir()
    (src / "loose" / "one.eml").write_bytes(make(20))
    (src / "top.eml").write_bytes(make(21))
    df = ingest([src], jobs=1).messages
    by_id = dict(zip(df["message_id"], df["folder"]))
    assert [by_id[f"msg{i}@client{i % 3}.com"] for i in range(3)] == ["Takeout/Mail/Inbox"] * 3
    assert by_id["msg10@client1.com"] == "maildir"
    assert by_id["msg11@client2.com"] == "maildir/.Sent"
    assert by_id["msg12@client0.com"] == "maildir/Clients/Acme"
    assert by_id["msg20@client2.com"] == "loose"
    assert by_id["msg21@client0.com"] == ""


def test_folder_relative_to_the_source_given(tmp_path):
    _maildir(tmp_path / "md", [make(1)])
    _maildir(tmp_path / "md" / ".Sent", [make(2)])
    df = ingest([tmp_path / "md"], jobs=1).messages
    assert dict(zip(df["message_id"], df["folder"])) == {"msg1@client1.com": "", "msg2@client2.com": ".Sent"}
    (tmp_path / "Inbox.mbox").write_bytes(mbox([make(3)]))
    df = ingest([tmp_path / "Inbox.mbox"], jobs=1).messages
    assert list(df["folder"]) == ["Inbox"]  # a SOURCE that is the mbox file: its own name


def test_folder_of_demo_and_pst_written_to_parquet(tmp_path, project_root, realmail):
    out = tmp_path / "out"
    ingest_to_dir([project_root / "data" / "demo" / "mail", realmail / "ruby-msg-pst"], out, jobs=1)
    table = pq.read_table(out / "messages.parquet")
    assert table.schema.names[-1] == "folder"
    df = table.to_pandas()
    folders = df.groupby("source_format")["folder"].agg(lambda s: sorted(set(s)))
    assert folders["mbox"] == ["mbox/archive"]
    assert folders["maildir"] == ["Maildir"]
    assert folders["msg"] == ["msg"]
    # the .pst fixtures are Japanese Outlook files: the folder path of the walk, readable
    assert folders["pst"] == ["/Outlook データ ファイルのトップ"]
    assert all(f.startswith("eml/") for f in folders["eml"])
