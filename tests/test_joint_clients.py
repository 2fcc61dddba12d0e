"""Client keys that write together become one client (analyzer/ingest/joint.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analyzer.ingest.joint import joint_clients, people_in_two_clients, person_key, surname, thread_roots
from training.depth.independent import ROOT, matched, read_truth, run_mailbox


def _edges(messages: list[list[str]]):
    """Participants per message as (org per address, rows, addrs), one address per key."""
    keys = sorted({k for m in messages for k in m})
    rows = np.array([i for i, m in enumerate(messages) for _ in m])
    addrs = np.array([keys.index(k) for m in messages for k in m])
    return keys, np.array(keys, dtype=object), rows, addrs, np.ones(len(messages), dtype=bool)


def test_keys_sharing_several_messages_join_and_a_prospect_copied_in_twice_does_not():
    msgs = ([["agency", "acme", "acquirer"]] * 5 + [["agency", "acquirer"]] * 4 + [["agency", "acme"]] * 20
            + [["agency", "acme", "prospect"]] * 3 + [["agency", "solo"]] * 6)
    keys, org, rows, addrs, usable = _edges(msgs)
    clients = [k for k in keys if k != "agency"]
    group = joint_clients(clients, org, rows, addrs, usable)
    assert group["acquirer"] == group["acme"] == "acme"  # 5 shared of the acquirer's 9: joined, named after acme
    assert group["prospect"] == "prospect"  # 3 shared messages: under the minimum of 4
    assert group["solo"] == "solo"


def test_automated_mail_does_not_join_keys():
    msgs = [["agency", "a", "b"]] * 6 + [["agency", "a"]] * 3 + [["agency", "b"]] * 3
    keys, org, rows, addrs, usable = _edges(msgs)
    usable[:6] = False  # the shared messages are auto-replies
    group = joint_clients(["a", "b"], org, rows, addrs, usable)
    assert group == {"a": "a", "b": "b"}


@pytest.mark.slow
def test_a_client_that_moves_to_its_acquirers_domain_stays_one_client(tmp_path):
    """train/leedsaccounts: Pennine Smiles is sold; the acquirer's people write from crestlinedental.com
    and copy Pennine's finance manager in. With no config they used to be two clients."""
    box = ROOT / "train" / "leedsaccounts"
    result = run_mailbox(box, tmp_path / "out")
    scores = result.scores.set_index("client")
    assert "Crestline Dental" not in scores.index
    row = scores.loc["Pennine Smiles"]
    assert set(row["domains"].split(";")) >= {"penninesmiles.co.uk", "crestlinedental.com"}
    truth = read_truth(box).set_index("client").loc["Pennine Smiles Dental Group"]
    assert row["n_messages"] == truth["n_messages"]


@pytest.mark.slow
@pytest.mark.parametrize(("mailbox", "client"), [
    # a couple who write together (the shared-messages join)
    ("train/edinlaw", "Baird family – Easter Coldstream Farm"),
    # Nathalie and Yannick Roux run a boat-tour business, each from their own gmail address, and answer
    # in the same threads (the household join); they used to be two clients
    ("train19/marseillemaritime", "Calanques Découverte"),
])
def test_a_client_on_two_free_mail_addresses_is_one_client_listing_both(tmp_path, mailbox, client):
    box = ROOT / mailbox
    result = run_mailbox(box, tmp_path / "out")
    m = matched(result.scores, read_truth(box))
    row = m[m["client"] == client].iloc[0]
    assert set(row["got_domains"].split(";")) == set(row["addresses"].split(";"))
    assert row["got_n_messages"] == row["n_messages"]


def test_a_person_writing_as_two_clients_is_pointed_out_not_joined():
    rows = ([("Jane Doe", "Hollis Ridge", "from_client")] * 3 + [("Doe, Jane", "Sable Basin", "from_client")] * 2
            + [("Bob Smith", "Hollis Ridge", "from_client")] * 4
            + [("Ann Lee", "Acme", "from_client")] * 2 + [("Ann Lee", "Zeta", "from_client")]  # once as Zeta: too few
            + [("Sam Ray", "Acme", "from_agency")] * 2 + [("Sam Ray", "Zeta", "from_agency")] * 2  # agency staff
            + [("Jane Doe (Sable)", None, "other")] * 3)
    frame = pd.DataFrame(rows, columns=["from_name", "client", "direction"])
    assert person_key("Doe, Jane") == person_key("Jane Doe (Sable Basin)") == "doe jane"
    assert person_key("Jane") == ""  # one word: too little to call a person
    assert people_in_two_clients(frame) == [{"person": "Jane Doe", "clients": ["Hollis Ridge", "Sable Basin"],
                                             "messages": 5}]
    assert people_in_two_clients(frame.iloc[:0]) == []


def _household(messages: list[tuple[str, str, list[str], str]]):
    """(sender key, From name, recipient keys, thread root) per message, as joint_clients reads them; a key
    is an address (free mail: its own organisation key) or a company's domain, one address per key."""
    keys = sorted({k for s, _, r, _ in messages for k in [s, *r]})
    rows = np.array([i for i, (s, _, r, _) in enumerate(messages) for _ in [s, *r]])
    addrs = np.array([keys.index(k) for s, _, r, _ in messages for k in [s, *r]])
    sent = np.array([j == 0 for s, _, r, _ in messages for j in range(1 + len(r))])
    names = np.array([n for _, n, _, _ in messages], dtype=object)
    roots, _ = pd.factorize(pd.Series([t for *_, t in messages]))
    return keys, np.array(keys, dtype=object), rows, addrs, np.ones(len(messages), dtype=bool), sent, names, roots


def test_free_mail_partners_who_share_a_surname_and_a_thread_are_one_client():
    ag = "studio.example"
    msgs = ([("ana.t@gmail.com", "Ana Teixeira", [ag], "t1"), (ag, "Staff", ["ana.t@gmail.com"], "t1"),
             ("jose.teixeira@hotmail.com", "José Teixeira", [ag], "t1")]  # her husband answers in her thread
            + [("ana.t@gmail.com", "Ana Teixeira", [ag], f"a{i}") for i in range(5)]
            + [("jose.teixeira@hotmail.com", "José Teixeira", [ag], f"j{i}") for i in range(3)]
            # the same surname, never in a thread of the Teixeiras: another family, another client
            + [("rui.teixeira@gmail.com", "Rui Teixeira", [ag], "r1"), (ag, "Staff", ["rui.teixeira@gmail.com"], "r1")]
            # a company domain sharing surname and thread is never joined (a relative's firm, referred)
            + [("teixeira-obras.example", "Pedro Teixeira", [ag, "ana.t@gmail.com"], "t1")] * 2
            # the same name on two addresses, never in one thread: two people, as far as the mail tells
            + [("rocio.almada@gmail.com", "Rocío Almada", [ag], "x1"), ("kallpa.textiles@gmail.com", "Almada, Rocío", [ag], "x2")])
    keys, org, rows, addrs, usable, sent, names, roots = _household(msgs)
    clients = [k for k in keys if k != ag]
    group = joint_clients(clients, org, rows, addrs, usable, sent=sent, from_names=names, threads=roots.__getitem__)
    assert group["jose.teixeira@hotmail.com"] == group["ana.t@gmail.com"] == "ana.t@gmail.com"  # more messages
    assert group["rui.teixeira@gmail.com"] == "rui.teixeira@gmail.com"
    assert group["teixeira-obras.example"] == "teixeira-obras.example"
    assert group["kallpa.textiles@gmail.com"] == "kallpa.textiles@gmail.com"
    # without the threads and names, only writing together joins (as before)
    plain = joint_clients(clients, org, rows, addrs, usable)
    assert plain["jose.teixeira@hotmail.com"] == "jose.teixeira@hotmail.com"
    # automated mail is not read: the shared thread was an auto-reply's
    usable[2] = False
    group = joint_clients(clients, org, rows, addrs, usable, sent=sent, from_names=names, threads=roots.__getitem__)
    assert group["jose.teixeira@hotmail.com"] == "jose.teixeira@hotmail.com"


def test_surname_and_thread_roots():
    assert surname("Doe, Jane") == surname("Jane Doe, CFO") == surname("Jane Doe (Sable Basin)") == "doe"
    assert surname("Zeynep Öztürk") == "öztürk"
    assert surname("Jane") == surname("Jane Li") == surname("") == ""  # too little to be a family name
    frame = pd.DataFrame({"message_id": ["a@x", "b@x", "c@x", "d@x", None],
                          "in_reply_to": [None, "a@x", "b@x", "", None],
                          "references": [[], ["a@x"], ["a@x", "b@x"], [], []]})
    roots = thread_roots(frame)
    assert roots[0] == roots[1] == roots[2] != roots[3]
    assert roots[4] == -1
    picked = thread_roots(frame, np.array([2, 0, 3]))  # some rows, in the order asked
    assert picked[0] == picked[1] != picked[2]
    assert list(thread_roots(frame.drop(columns="references"))) == [-1] * 5
    # Arrow-backed columns in several chunks, as a run's frame holds them (one per work unit)
    chunked = pd.DataFrame({c: pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array(
        [pa.array(frame[c].iloc[:2], type=t, from_pandas=True), pa.array(frame[c].iloc[2:], type=t, from_pandas=True)])))
        for c, t in (("message_id", pa.large_string()), ("in_reply_to", pa.large_string()),
                     ("references", pa.list_(pa.large_string())))})
    assert list(thread_roots(chunked)) == list(roots)
    assert list(thread_roots(chunked, np.array([2, 0, 3]))) == list(picked)
