"""A large mailbox is scored a group of clients at a time (``analyzer.depth.groups``): the scores and
quarterly scores are exactly those of the whole mailbox scored at once, on hand-written agency
mailboxes cut into many small groups and on frames built so that a thread crosses two clients and
starts with internal mail. ``take_rows``, which cuts the groups out of a chunked frame, equals
``iloc``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from analyzer import analyze
from analyzer.config import load_config
from analyzer.depth.groups import client_groups, mailbox_as_of
from analyzer.depth.scores import client_periods, score_and_periods, score_clients
from analyzer.ingest.message import Message, frame_to_table, messages_frame, table_to_frame, take_rows

ROOT = Path(__file__).resolve().parents[1] / "data"
WHOLE = 10**12  # group_messages that never cuts


@pytest.fixture(scope="module", params=["independent/dev/ukstudio", "independent/train9/bangkoktravel"])
def run(request):
    folder = ROOT / request.param
    return analyze([folder / "mail"], load_config(folder / "analyzer.toml"), jobs=1)


def _counted(messages) -> np.ndarray:
    return (messages["client"].notna() & messages["direction"].isin(("from_client", "from_agency"))).to_numpy()


@pytest.mark.parametrize("size", [1, 25, 120])
def test_groups_score_as_the_whole_mailbox(run, size):
    messages, signals = run.message_meta, run.signals
    whole = score_and_periods(messages, signals, group_messages=WHOLE)
    assert_frame_equal(whole[0], run.scores, check_exact=True)  # the run scored it whole (a small mailbox)
    groups = client_groups(messages, size)
    assert groups is not None and len(groups) > 1
    parts = score_and_periods(messages, signals, group_messages=size)
    assert_frame_equal(parts[0], whole[0], check_exact=True)
    assert_frame_equal(parts[1], whole[1], check_exact=True)
    assert len(whole[0]) >= 8 and len(whole[1]) > len(whole[0])


def test_groups_hold_whole_clients_and_every_client_message_once(run):
    messages = run.message_meta
    groups = client_groups(messages, 40)
    rows = np.concatenate(groups)
    assert len(rows) == len(set(rows.tolist()))  # no message in two groups
    assert all((np.diff(g) > 0).all() for g in groups)  # frame order
    counted = np.flatnonzero(_counted(messages))
    assert set(counted.tolist()) <= set(rows.tolist())  # every client message scored
    clients = messages["client"].to_numpy()
    owner = {}
    for g, r in enumerate(groups):
        for c in set(clients[r].tolist()) - {None}:
            assert owner.setdefault(c, g) == g  # a client's mail is in one group
    sizes = [int(_counted(messages.iloc[g]).sum()) for g in groups]
    assert max(sizes) > 0 and sum(sizes) == len(counted)


def test_a_small_mailbox_is_not_cut(run):
    assert client_groups(run.message_meta) is None
    assert client_groups(run.message_meta, int(_counted(run.message_meta).sum())) is None


T0 = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)


def _msg(i, client, direction, frm, to, *, irt=None, refs=(), subject="Plan", days=0):
    return Message(source="t.mbox", source_index=i, source_format="mbox", message_id=f"<m{i}@x>",
                   content_hash=f"h{i}", date=T0 + timedelta(days=days, hours=i), subject=subject,
                   from_address=frm, to_addresses=[to], in_reply_to=irt, references=list(refs),
                   body="Thanks, that helps.", new_text="Thanks, that helps.", client=client,
                   client_domain=None if client is None else f"{client.lower()}.com", direction=direction)


def _crossing_frame():
    """Clients A and B share a thread that an internal mail starts; C writes alone; a thread with no
    client mail and a later undated-client-free message set the mailbox's last date."""
    ag, a, b, c = "pm@agency.com", "x@a.com", "y@b.com", "z@c.com"
    out = [_msg(0, None, "internal", ag, "boss@agency.com")]
    out.append(_msg(1, "A", "from_agency", ag, a, irt="<m0@x>", refs=["<m0@x>"]))
    out.append(_msg(2, "A", "from_client", a, ag, irt="<m1@x>", refs=["<m0@x>", "<m1@x>"], subject="Re: Plan"))
    out.append(_msg(3, "B", "from_client", b, ag, refs=["<m0@x>", "<m1@x>", "<m2@x>"], subject="Fwd: Plan"))
    i = 4
    for client, addr in (("A", a), ("B", b), ("C", c)):
        for q in range(6):  # a thread a quarter: agency asks, the client answers
            out.append(_msg(i, client, "from_agency", ag, addr, subject=f"{client} q{q}", days=40 * q))
            out.append(_msg(i + 1, client, "from_client", addr, ag, irt=f"<m{i}@x>", refs=[f"<m{i}@x>"],
                            subject=f"Re: {client} q{q}", days=40 * q + 1))
            i += 2
    out.append(_msg(i, None, "other", "news@letter.com", ag, subject="News", days=400))
    return messages_frame(out)


def test_a_thread_that_crosses_clients_keeps_them_in_one_group():
    messages = _crossing_frame()
    groups = client_groups(messages, 1)
    clients = messages["client"].to_numpy()
    with_a = next(g for g in groups if "A" in set(clients[g].tolist()))
    assert "B" in set(clients[with_a].tolist()) and 0 in with_a  # the internal mail that starts their thread
    assert not any("C" in set(clients[g].tolist()) for g in groups if g is with_a)
    assert len(messages) - 1 not in np.concatenate(groups)  # the newsletter counts for no client
    assert mailbox_as_of(messages) == messages["date"].max()  # ... but its date ends every window
    for size in (1, 3):
        assert_frame_equal(score_clients(messages, None) if size == 1 else score_and_periods(messages, None)[0],
                           score_and_periods(messages, None, group_messages=size)[0], check_exact=True)
        assert_frame_equal(client_periods(messages, None), score_and_periods(messages, None, group_messages=size)[1],
                           check_exact=True)


@pytest.fixture(scope="module")
def chunked(run):
    table = frame_to_table(run.messages)
    n, k = table.num_rows, 7
    frame = table_to_frame(pa.concat_tables([table.slice(i * n // k, (i + 1) * n // k - i * n // k) for i in range(k)]))
    assert frame["new_text"].array._pa_array.num_chunks == k
    return frame


def test_take_rows_equals_iloc_on_a_chunked_frame(chunked):
    rng = np.random.default_rng(3)
    n = len(chunked)
    for pos in (np.arange(0), np.arange(n), np.sort(rng.choice(n, n // 3, replace=False)),
                rng.choice(n, 50, replace=False), np.array([n - 1, 0, n // 2, n // 2])):
        assert_frame_equal(take_rows(chunked, pos), chunked.iloc[pos], check_exact=True)
        for col in ("new_text", "references", "date"):
            assert_series_equal(take_rows(chunked[col], pos), chunked[col].iloc[pos], check_exact=True)


def test_thread_parts_hold_whole_threads_and_part_only_where_threads_are_linked(run):
    """``thread_parts`` (hashed ids, for grouping) puts every message of a thread in one part, and on
    real mail its parts are exactly the threads of ``thread_codes`` (no two ids hash alike there)."""
    from analyzer.depth.threads import thread_codes, thread_parts

    messages = run.message_meta
    parts, threads = thread_parts(messages), thread_codes(messages).thread
    assert len(parts) == len(messages)
    by_thread = {}
    for t, p in zip(threads.tolist(), parts.tolist()):
        assert by_thread.setdefault(t, p) == p  # a thread never spans two parts
    assert len(set(parts.tolist())) == len(set(threads.tolist())) > 10  # and no two threads share one


def test_participant_codes_batch_by_batch_equal_the_codes_of_one_pass(run, monkeypatch):
    """Unattributed messages' address sets are written out a batch at a time: equal codes exactly
    where the plain definition (``tests/thread_oracle.py``) writes the same participants, also with
    batches of three."""
    import pandas as pd

    import analyzer.depth.threads as threads
    from thread_oracle import reference_participants

    messages = run.message_meta
    written = reference_participants(messages)
    assert sum(w.startswith("people ") for w in written) > 10  # unattributed messages are there
    expected, _ = pd.factorize(pd.Series(written, dtype=object))  # one code per distinct participants
    for batch in (threads.PEOPLE_BATCH, 3):
        monkeypatch.setattr(threads, "PEOPLE_BATCH", batch)
        codes, _ = pd.factorize(threads._participant_keys(messages))
        assert np.array_equal(codes, expected)
