"""Client groups: a large mailbox is scored a group of clients at a time (issue 15: memory).

Scoring's working tables (threads, reply events, label presence, windows) are per message, so scored
whole they grow with the mailbox: on 500k realistic messages they rose about 360 MiB over the frame.
A client's scores depend only on the messages of its own threads and on the mailbox's last date, so
:func:`client_groups` cuts the mailbox into groups of whole threads, each holding whole clients, and
:func:`analyzer.depth.scores.score_and_periods` scores one group at a time with that last date.

What a group holds: every client linked to another by a thread (a thread with both clients' mail)
is in the same group, and so is every message of those clients' threads, whoever wrote it (internal
mail, unattributed replies): a thread's first message and the parent of every reply are then the
same as in the whole mailbox. Messages in threads with no client mail count for no client and are
in no group. The result is the same as scoring the whole mailbox at once (tested).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analyzer.depth.threads import thread_parts
from analyzer.depth.windows import SIDES

#: Client messages a scoring group holds at most (unless one client's threads hold more): a mailbox
#: with no more client mail than this is scored whole, as before.
GROUP_MESSAGES = 65_536

#: The columns of the messages frame scoring reads (threads, features, seniority, language, the score
#: table): a group carries only these. A stage that reads another column fails on a group at once
#: (``tests/test_depth_groups.py`` scores real mailboxes in groups), so add it here.
SCORING_COLUMNS = ("message_id", "content_hash", "in_reply_to", "references", "subject", "date", "from_name",
                   "from_address", "to_addresses", "cc_addresses", "signature", "new_text", "client",
                   "client_domain", "direction")


def client_mail(messages: pd.DataFrame) -> pd.Series:
    """Whether each message is client mail as scoring counts it: a client's, written by one side."""
    return messages["client"].notna() & messages["direction"].isin(SIDES)


def mailbox_as_of(messages: pd.DataFrame) -> pd.Timestamp:
    """The mailbox's last date (every message's, whoever wrote it), or 1970-01-01 when none is dated:
    the end of every client's window and quarters."""
    dates = pd.to_datetime(messages["date"], utc=True)
    return dates.max() if dates.notna().any() else pd.Timestamp("1970-01-01", tz="UTC")


def client_groups(messages: pd.DataFrame, max_messages: int = GROUP_MESSAGES) -> list[np.ndarray] | None:
    """Frame positions (ascending) of each group of clients to score together, or None when the
    mailbox holds no more than ``max_messages`` client messages (score it whole).

    Groups are whole connected parts of the client-thread graph (a client joins the threads its mail
    is in), packed in order of each part's first message until adding the next part would pass
    ``max_messages`` client messages; a part larger than that is a group of its own. The threads are
    :func:`~analyzer.depth.threads.thread_parts` (ids as 64-bit hashes: half the memory of the exact
    thread codes over the whole mailbox, 500k bulk messages +170 -> +78 MiB); two ids hashing alike
    can only join two parts into one group, which scores them as the whole mailbox would."""
    counted = client_mail(messages).to_numpy()
    if int(counted.sum()) <= max_messages:
        return None
    codes, _ = pd.factorize(messages["client"])  # -1: no client
    _, thread = np.unique(thread_parts(messages), return_inverse=True)
    n_clients, n_threads = int(codes.max()) + 1, int(thread.max()) + 1
    has = codes >= 0
    # clients are nodes 0..n_clients-1, threads follow: a message of a client links the two
    graph = coo_matrix((np.ones(int(has.sum()), dtype=np.int8), (codes[has], n_clients + thread[has])),
                       shape=(n_clients + n_threads, n_clients + n_threads))
    _, part = connected_components(graph, directed=True, connection="weak")
    of_message = part[n_clients + thread]  # each message's part, through its thread
    client_part = np.zeros(part.max() + 1, dtype=bool)
    client_part[part[:n_clients]] = True
    keep = client_part[of_message]  # threads with client mail
    rows = np.flatnonzero(keep)
    if not len(rows):
        return None
    of_row = of_message[rows]
    # parts in order of their first message; each part's client messages
    order, first = np.unique(of_row, return_index=True)
    sizes = np.bincount(of_message[counted], minlength=len(client_part))[order]
    by_first = np.argsort(first, kind="stable")
    group_of_part = np.full(len(client_part), -1, dtype=np.int64)
    group, filled = 0, 0
    for p, size in zip(order[by_first], sizes[by_first]):
        if filled and filled + size > max_messages:
            group, filled = group + 1, 0
        group_of_part[p] = group
        filled += size
    group_of_row = group_of_part[of_row]
    by_group = np.argsort(group_of_row, kind="stable")  # frame order within a group
    bounds = np.flatnonzero(np.diff(group_of_row[by_group])) + 1
    return [np.sort(rows[part_rows]) for part_rows in np.split(by_group, bounds)]
