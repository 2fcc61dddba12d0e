"""Outlook conversation index (PR_CONVERSATION_INDEX) -> threading ids when an item has none."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from analyzer.depth.threads import thread_table
from analyzer.ingest.conversation import ancestors, conversation_id, is_valid, link
from analyzer.ingest.message import Message, messages_frame
from analyzer.ingest.outlook import parse_msg

ROOT = bytes([1]) + bytes.fromhex("d7e0006cb178") + bytes(range(15))  # 22 bytes: the thread header
CHILD = ROOT + b"\x00\x00\x10\x20\x01"
GRANDCHILD = CHILD + b"\x00\x00\x20\x30\x02"


def _msg(i: int, **kw) -> Message:
    base = dict(source="box.pst", source_index=i, source_format="pst", message_id=None, content_hash=f"h{i}",
                date=datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(hours=i), subject="Budget",
                from_address=f"p{i}@x.com")
    base.update(kw)
    return Message(**base)


def test_index_shapes():
    assert len(ROOT) == 22 and is_valid(ROOT) and is_valid(CHILD) and is_valid(GRANDCHILD)
    assert not is_valid(None) and not is_valid(ROOT[:21]) and not is_valid(CHILD[:-1]) and not is_valid("x" * 22)
    assert ancestors(ROOT) == []
    assert ancestors(GRANDCHILD) == [conversation_id(ROOT), conversation_id(CHILD)]
    assert conversation_id(ROOT) == f"conv-{ROOT.hex()}@outlook"


def test_link_fills_only_missing_threading():
    reply = link(_msg(2), GRANDCHILD)
    assert reply.references == [conversation_id(ROOT), conversation_id(CHILD)]
    assert reply.in_reply_to == conversation_id(CHILD) and reply.message_id is None  # a .msg keeps no id
    pst_reply = link(_msg(2), GRANDCHILD, own_id=True)
    assert pst_reply.message_id == conversation_id(GRANDCHILD)
    assert pst_reply.defects[-1].startswith("MessageIdFromConversationIndex")
    root = link(_msg(0), ROOT, own_id=True)
    assert root.references == [] and root.in_reply_to is None and root.message_id == conversation_id(ROOT)
    real = link(_msg(3, message_id="a@b", in_reply_to="z@b"), GRANDCHILD, own_id=True)
    assert (real.message_id, real.in_reply_to, real.references) == ("a@b", "z@b", [])  # headers win
    assert link(_msg(4), b"\x01\x02") .references == []  # malformed index: unchanged


def test_pst_items_thread_through_the_conversation_index():
    msgs = [link(_msg(0, direction="from_agency"), ROOT, own_id=True),
            link(_msg(1, subject="RE: Budget", direction="from_client"), CHILD, own_id=True),
            link(_msg(2, subject="RE: Budget", direction="from_agency"), GRANDCHILD, own_id=True),
            _msg(3, subject="Other", message_id="other@x")]
    frame = messages_frame(msgs)
    threads = thread_table(frame)
    assert threads["thread_id"].iloc[:3].nunique() == 1 and threads["thread_id"].iloc[3] != threads["thread_id"].iloc[0]
    parents = [p if isinstance(p, str) else None for p in threads["parent_key"].iloc[:3]]
    assert parents == [None, conversation_id(ROOT), conversation_id(CHILD)]
    assert bool(threads["is_root"].iloc[0]) and not threads["is_root"].iloc[1:3].any()


def test_real_fixtures(realmail):
    import pypff

    from analyzer.ingest.pipeline import ingest

    df = ingest([realmail / "ruby-msg-pst"], jobs=1).messages
    pst = df[df["source_format"] == "pst"]
    for _, row in pst.iterrows():
        f = pypff.file()
        f.open(str(realmail / "ruby-msg-pst" / row["source"].rsplit("/", 1)[-1]))
        item = f.get_root_folder().get_sub_folder(1).get_sub_message(0)
        index = next(e.data for rs in item.record_sets for e in rs.entries if e.entry_type == 0x0071)
        f.close()
        assert len(index) == 22  # the fixtures start their conversations: no parent
        assert row["message_id"] == conversation_id(index) and list(row["references"]) == []
    blammo = parse_msg((realmail / "ruby-msg-pst" / "msg" / "test_Blammo.msg").read_bytes(), "b.msg")
    assert blammo.message_id is None and blammo.references == [] and blammo.in_reply_to is None
    assert pd.Series(pst["defects"].map(lambda d: any("MessageIdFromConversationIndex" in x for x in d))).all()
