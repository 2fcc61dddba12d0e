"""The vectorised thread table (integer codes over Arrow), and the reply events and thread starts
computed on its codes, equal the plain-Python references (``tests/thread_oracle.py``) row by row: on real mailing-list threads, on hand-written agency
mailboxes, on the generated demo mailbox, and on random frames built to hit every edge (duplicate
keys, missing and empty ids, self-references, unknown parents, undated mail, unattributed mail,
subject fallback)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from analyzer.config import load_config
from analyzer.depth.threads import message_keys, reply_events, thread_starts, thread_table
from analyzer.ingest.message import Message, messages_frame
from analyzer.ingest.pipeline import ingest
from thread_oracle import reference_reply_events, reference_thread_starts, reference_thread_table

ROOT = Path(__file__).resolve().parents[1]


def _plain(df: pd.DataFrame) -> dict[str, list]:
    """Each column as a list, missing values as None (the two tables differ in dtype, not value)."""
    return {c: [None if pd.isna(v) else v for v in df[c].astype(object)] for c in df.columns}


def _same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns) and len(got) == len(want)
    hours = {"hours"} & set(got.columns)  # NaN != NaN: compared apart
    a, b = _plain(got.drop(columns=list(hours))), _plain(want.drop(columns=list(hours)))
    assert a == b
    for c in hours:
        assert got[c].to_numpy(dtype=float).tolist() == pytest.approx(want[c].to_numpy(dtype=float).tolist(), nan_ok=True)


def _assert_same(messages: pd.DataFrame) -> pd.DataFrame:
    got, want = thread_table(messages), reference_thread_table(messages)
    assert list(got.columns) == list(want.columns) and got.index.equals(want.index)
    assert _plain(got) == _plain(want)
    _same_rows(reply_events(messages), reference_reply_events(messages))
    _same_rows(thread_starts(messages), reference_thread_starts(messages))
    return got


def test_real_mailing_list_threads(realmail):
    boxes = sorted((realmail / "bigbang" / "tests" / "data").rglob("*.mbox"))
    assert boxes
    messages = ingest(boxes, jobs=1).messages
    t = _assert_same(messages)
    assert len(messages) > 40 and t["thread_id"].nunique() < len(messages)  # real replies join threads
    assert t["parent_key"].notna().any()


@pytest.mark.parametrize("box", ["demo", "independent/dev/ukstudio", "independent/dev/sgdigital"])
def test_agency_mailboxes(box):
    folder = ROOT / "data" / box
    messages = ingest([folder / "mail"], load_config(folder / "analyzer.toml"), jobs=1).messages
    t = _assert_same(messages)
    assert t["is_root"].any() and t["parent_key"].notna().sum() > len(messages) // 3


T0 = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)


def _random_frame(seed: int, n: int = 400) -> pd.DataFrame:
    rng = random.Random(seed)
    ids = [f"id{i}@x" for i in range(n)]
    subjects = ["Plan", "Re: Plan", "RE:  plan", "AW: Budget", "Budget", "Fwd: Budget", "", "[EXT] Re: Q3",
                "Q3", "Re: Re: Q3"]
    people = ["a@agency.com", "b@acme.com", "c@acme.com", "d@other.org", "e@other.org"]
    out = []
    for i in range(n):
        mid = rng.choice([ids[i], ids[i], ids[i], "", None, ids[rng.randrange(n)]])  # missing, empty, duplicate
        def link():  # mostly a recent message, sometimes an unknown id, an empty one, or itself
            return rng.choice([ids[rng.randrange(max(0, i - 30), i + 1)], ids[rng.randrange(n)], "gone@x", "",
                               ids[i], mid or ""])
        irt = rng.choice([None, None, "", link()])
        refs = [link() for _ in range(rng.choice([0, 0, 1, 2, 4]))]
        client = rng.choice(["Acme", "Other", None])
        out.append(Message(
            source="r.mbox", source_index=i, source_format="mbox", message_id=mid,
            content_hash=f"h{i % (n - 7)}",  # some content hashes repeat too
            date=None if rng.random() < 0.05 else T0 + timedelta(hours=rng.randrange(2000)),
            subject=rng.choice(subjects), from_address=rng.choice(people), to_addresses=rng.sample(people, 2),
            cc_addresses=rng.sample(people, rng.choice([0, 1])), in_reply_to=irt, references=refs,
            body="x", new_text="x", client=client, client_domain=None,
            direction=None if client is None else rng.choice(["from_client", "from_agency"]),
        ))
    return messages_frame(out)


@pytest.mark.parametrize("seed", range(6))
def test_random_frames_with_every_edge(seed):
    messages = _random_frame(seed)
    t = _assert_same(messages)
    assert t["thread_id"].nunique() > 1


def test_empty_frame():
    messages = messages_frame([])
    assert len(_assert_same(messages)) == 0


def test_a_missing_subject_reads_as_an_empty_one():
    """(The reference never met one: ingest gives every message a subject, "" when it has none.)"""
    messages = _random_frame(1, n=60)
    blank = messages.assign(subject="")
    missing = messages.assign(subject=pd.Series([None] * len(messages), dtype="str", index=messages.index))
    assert _plain(thread_table(missing)) == _plain(thread_table(blank))


def test_message_keys_fall_back_to_the_content_hash():
    messages = _random_frame(0, n=50)
    keys = message_keys(messages)
    mid = messages["message_id"]
    has = mid.notna() & (mid != "")
    assert (keys[has] == mid[has]).all() and (keys[~has] == messages.loc[~has, "content_hash"]).all()
    assert not keys.isna().any()
