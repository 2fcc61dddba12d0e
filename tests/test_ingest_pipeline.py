"""The ingest pipeline on generated mailboxes: dedup, range splitting, parallel == serial, formats, charsets."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from analyzer.ingest.parse import parse_message
from analyzer.ingest.pipeline import ingest
from analyzer.ingest.sources import RangeUnit, plan_sources
from analyzer.ingest.units import iter_unit

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


def make(i: int, *, mid: bool = True, html: bool = False, linesep: str = "\n") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Client {i % 3} <person{i % 3}@client{i % 3}.com>"
    msg["To"] = "Account Lead <lead@agency.com>"
    msg["Subject"] = f"Re: campaign {i}"
    msg["Date"] = format_datetime(T0 + timedelta(hours=i))
    if mid:
        msg["Message-ID"] = f"<msg{i}@client{i % 3}.com>"
        if i:
            msg["In-Reply-To"] = f"<msg{i - 1}@client{(i - 1) % 3}.com>"
    text = f"Thanks, the numbers for week {i} look right.\n\nFrom the team\n\n> earlier note {i}\n> more\n"
    if html:
        msg.set_content(f"<html><body><p>Hi,</p><p>numbers {i} ok.</p>"
                        f"<blockquote><p>quoted {i}</p></blockquote></body></html>", subtype="html")
    else:
        msg.set_content(text)
    return msg.as_bytes(policy=msg.policy.clone(linesep=linesep))


def mbox(messages: list[bytes]) -> bytes:
    out = []
    for i, m in enumerate(messages):
        body = m.replace(b"\nFrom ", b"\n>From ")
        out.append(b"From sender@x Mon Mar  4 10:00:%02d 2024\n" % (i % 60) + body + b"\n")
    return b"".join(out)


def test_same_message_in_mbox_and_eml_counts_once(tmp_path):
    msgs = [make(i) for i in range(5)]
    (tmp_path / "a.mbox").write_bytes(mbox(msgs))
    (tmp_path / "b.eml").write_bytes(make(2, linesep="\r\n"))
    res = ingest([tmp_path], jobs=1)
    rep = res.report
    assert (rep["messages_seen"], rep["parsed"], rep["duplicates"], rep["quarantined"]) == (6, 5, 1, 0)
    assert set(res.messages["source_format"]) == {"mbox"}  # first seen (a.mbox sorts before b.eml) wins


def test_missing_message_id_dedups_by_content_hash(tmp_path):
    one = make(7, mid=False)
    with_status = one.replace(b"Subject:", b"Status: RO\nX-Mozilla-Status: 0001\nSubject:", 1)
    (tmp_path / "a.mbox").write_bytes(mbox([one, make(8, mid=False)]))
    (tmp_path / "b.eml").write_bytes(with_status.replace(b"\n", b"\r\n"))
    res = ingest([tmp_path], jobs=1)
    assert res.report["duplicates"] == 1 and res.report["parsed"] == 2
    assert res.messages["message_id"].isna().all()
    assert res.messages["content_hash"].str.len().eq(64).all()


def test_mbox_byte_ranges_give_the_serial_result(tmp_path):
    msgs = [make(i, html=i % 4 == 0) for i in range(60)]
    (tmp_path / "big.mbox").write_bytes(mbox(msgs))
    plan = plan_sources([tmp_path], chunk_bytes=4000)
    assert len(plan.units) > 5 and all(isinstance(u, RangeUnit) for u in plan.units)
    indexes = [r.index for u in plan.units for r in iter_unit(u)]
    assert indexes == list(range(60))
    whole = ingest([tmp_path], jobs=1)
    split = ingest([tmp_path], jobs=1, chunk_bytes=4000)
    parallel = ingest([tmp_path], jobs=2, chunk_bytes=4000)
    pd.testing.assert_frame_equal(whole.messages, split.messages)
    pd.testing.assert_frame_equal(whole.messages, parallel.messages)
    assert whole.report == split.report | {"work_units": 1, "mbox_ranges": 1}
    assert whole.messages["source_index"].tolist() == list(range(60))


def test_spilling_parts_to_disk_changes_nothing(tmp_path):
    (tmp_path / "m.mbox").write_bytes(mbox([make(i) for i in range(30)]))
    a = ingest([tmp_path], jobs=1, chunk_bytes=3000)
    b = ingest([tmp_path], jobs=1, chunk_bytes=3000, spill_bytes=1)
    pd.testing.assert_frame_equal(a.messages, b.messages)


def test_maildir_and_mixed_folders(tmp_path):
    md = tmp_path / "mail" / "Inbox"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1700000000.1.host:2,S").write_bytes(make(1))
    (md / "new" / "1700000001.2.host").write_bytes(make(2))
    (md / "tmp" / "1700000002.3.host").write_bytes(make(3))  # still being delivered: skipped
    (md / "new" / "1700000003.4.host").write_bytes(b"\x00\x01binary")
    (tmp_path / "mail" / "old.mbox").write_bytes(mbox([make(4), make(5)]))
    res = ingest([tmp_path / "mail"], jobs=1)
    df = res.messages
    assert sorted(df["subject"]) == ["Re: campaign 1", "Re: campaign 2", "Re: campaign 4", "Re: campaign 5"]
    maildir = df[df["source_format"] == "maildir"]
    assert set(maildir["source"]) == {str(md)} and sorted(maildir["source_index"]) == [0, 1]
    assert res.report["quarantine"][0]["index"] == 2 and "binary" in res.report["quarantine"][0]["reason"]
    assert res.report["formats"] == {"maildir": 3, "mbox": 1}


def test_mbox_from_lines_in_bodies(tmp_path):
    body = make(1).replace(b"look right.", b"look right.\n\nFrom now on we send weekly.\nFrom 10:30 to 11")
    (tmp_path / "m.mbox").write_bytes(mbox([body, make(2)]))
    df = ingest([tmp_path], jobs=1).messages
    assert len(df) == 2
    assert "From now on we send weekly." in df.iloc[0]["body"]  # >From unescaped (mboxrd)


def test_record_fields(tmp_path):
    m = parse_message(make(3), "x.eml")
    assert m.message_id == "msg3@client0.com" and m.in_reply_to == "msg2@client2.com"
    assert m.from_name == "Client 0" and m.from_address == "person0@client0.com"
    assert m.to_addresses == ["lead@agency.com"] and m.to_names == ["Account Lead"]
    assert m.date == T0 + timedelta(hours=3) and m.date.utcoffset() == timedelta(0)
    assert m.subject == "Re: campaign 3" and not m.body_from_html


def test_html_only_mail_quotes_blockquotes(tmp_path):
    m = parse_message(make(4, html=True), "x.eml")
    assert m.body_from_html
    assert "Hi,\n\nnumbers 4 ok." in m.body
    assert "> quoted 4" in m.body and "<" not in m.body


@pytest.mark.parametrize("charset,payload,expected,defect", [
    ("iso-8859-1", "caf\xe9 \x93quoted\x94 \x96 done".encode("latin-1"), "café “quoted” – done", "cp1252"),
    ("x-made-up", "Grüße aus Köln".encode("utf-8"), "Grüße aus Köln", "x-made-up"),
    ("us-ascii", "na\xefve".encode("cp1252"), "naïve", "cp1252"),
    ("utf-8", "SchÃ¶ne GrÃ¼ÃŸe".encode("utf-8"), "Schöne Grüße", "ftfy"),
])
def test_charset_fallbacks(charset, payload, expected, defect):
    raw = (b"From: a@b.com\nSubject: t\nDate: Mon, 6 May 2024 10:00:00 +0000\n"
           b"Content-Type: text/plain; charset=" + charset.encode() + b"\nContent-Transfer-Encoding: 8bit\n\n" + payload)
    m = parse_message(raw, "x.eml")
    assert m.body.strip() == expected
    assert any(defect in d for d in m.defects), m.defects


def test_a_few_mb_mbox_is_parsed_on_every_worker_with_the_same_result(tmp_path, monkeypatch):
    """Ranges are cut per worker for mailboxes under 8 MB a worker, and the result does not depend
    on it (scaled down: the smallest range is 16 KB here instead of 1 MB)."""
    import sys

    import analyzer.ingest.sources as sources

    monkeypatch.setattr(sources, "MIN_CHUNK_BYTES", 16 * 1024)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
    from mailgen import generate_corpus, write_mbox

    from analyzer.ingest.sources import plan_sources

    corpus = generate_corpus(seed=5, n_clients=4, months=6, extras=False)
    box = tmp_path / "box.mbox"
    write_mbox(corpus, box)
    assert box.stat().st_size > 8 * 16 * 1024
    assert len(plan_sources([box]).units) == 1
    assert len(plan_sources([box], workers=2).units) >= sources.RANGES_PER_WORKER * 2 - 1  # cut on message starts
    one, two = ingest([box], jobs=1), ingest([box], jobs=2)
    pd.testing.assert_frame_equal(one.messages.drop(columns=["source_index"]),
                                  two.messages.drop(columns=["source_index"]))
    assert list(one.messages["source_index"]) == list(two.messages["source_index"])
    assert one.report["parsed"] == two.report["parsed"]


def test_the_report_counts_html_only_mail_from_the_frame(tmp_path):
    """ingest_report counts HTML-only mail on the messages frame (the Arrow table it was built from is
    freed before attribution), in the in-process ingest and in the batch run alike."""
    from analyzer.analysis import analyze

    box = tmp_path / "box.mbox"
    box.write_bytes(mbox([make(i, html=(i % 3 == 0)) for i in range(9)]))
    result = ingest([str(box)], jobs=1)
    assert result.report["html_only"] == 3 == int(result.messages["body_from_html"].sum())
    config = {"agency": {"domains": ["agency.com"]},
              "clients": {f"Client {k}": {"domains": [f"client{k}.com"]} for k in range(3)}}
    batch = analyze([str(box)], config=config, jobs=1)
    assert batch.ingest_report["html_only"] == 3
