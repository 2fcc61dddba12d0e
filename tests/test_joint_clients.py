"""Client keys that write together become one client (analyzer/ingest/joint.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.ingest.joint import joint_clients, people_in_two_clients, person_key
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
def test_a_couple_on_two_free_mail_addresses_is_one_client_listing_both(tmp_path):
    box = ROOT / "train" / "edinlaw"
    result = run_mailbox(box, tmp_path / "out")
    m = matched(result.scores, read_truth(box))
    baird = m[m["client"] == "Baird family – Easter Coldstream Farm"].iloc[0]
    assert set(baird["got_domains"].split(";")) == set(baird["addresses"].split(";"))
    assert baird["got_n_messages"] == baird["n_messages"]


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
