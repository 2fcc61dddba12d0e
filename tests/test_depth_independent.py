"""The shipped depth model on an independent *development* mailbox (hand-written apart from the
project; tuned on, so this guards behaviour, it is not the quality figure: see models/depth/evaluation.md)."""

from __future__ import annotations

import re

import pytest

from training.depth.independent import ROOT, mailbox_metrics, matched_with_tally, read_truth, run_mailbox

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ukstudio(tmp_path_factory):
    box = ROOT / "dev" / "ukstudio"
    result = run_mailbox(box, tmp_path_factory.mktemp("ukstudio"))
    return matched_with_tally(result.scores, read_truth(box)), result


def test_every_client_found_and_ranked_ahead_of_volume(ukstudio):
    m, _ = ukstudio
    r = mailbox_metrics(m)
    assert r["scored"] == r["clients"] == 10
    assert r["spearman"] >= 0.85 and r["spearman"] > r["spearman_volume"] + 0.3
    assert r["two_tiers_off"] == 0


def test_drivers_lead_with_the_clients_own_signals_and_link_to_evidence(ukstudio):
    m, result = ukstudio
    labels = set(result.evidence["label"])
    for drivers, client in zip(m["got_top_drivers"], m["got_client"]):
        tags = re.findall(r"\[(\w+)\]", drivers)
        assert tags, (client, drivers)
        # a signal comes first ("+ praised the work 7 times, latest ... [appreciation]", perhaps followed by
        # how many times it counts: ", counted 5 times: as far as what the client brings backs it")
        assert re.match(r"[+-] [^;]*\[\w+\]", drivers.split("; ")[0]), (client, drivers)
        assert set(tags) <= labels  # each names an evidence.csv label
        ev = result.evidence[(result.evidence["client"] == client)]
        assert set(tags) <= set(ev["label"]), (client, tags)
    assert not any("agency replies" in d for d in m["got_top_drivers"])  # the agency is no client merit


def test_drivers_figure_counts_clients_with_an_own_signal_apart(ukstudio):
    m, _ = ukstudio
    r = mailbox_metrics(m)
    assert r["drivers_when_own_signal"] == r["drivers_with_text_signal"] == r["with_own_signal"] == 10
    # a client whose only signals are an apology and the agency's feedback request has none to name
    quiet = m.head(2).copy()
    for c in [c for c in quiet.columns if c.startswith("got_sig_")]:
        quiet[c] = 0
    quiet["got_sig_apology"] = 2
    quiet["got_top_drivers"] = ["+ client starts 60% of threads", "no relationship signal in the client's mail yet"]
    q = mailbox_metrics(quiet)
    assert (q["with_own_signal"], q["drivers_when_own_signal"], q["drivers_with_text_signal"]) == (0, 0, 0)


def test_the_mailbox_client_list_makes_a_client_on_two_addresses_one(tmp_path):
    """With no config a sole trader who writes from two free-mail addresses is two clients; with the
    mailbox's own client list (``make evaluate``'s ``test-client-list`` row) it is one, with all its mail."""
    box = ROOT / "dev" / "saasgrowth"
    truth = read_truth(box).set_index("client").loc["Rigsby Analytics"]
    addresses = truth["addresses"].split(";")
    assert len(addresses) == 2
    plain = run_mailbox(box, tmp_path / "plain").messages
    listed = run_mailbox(box, tmp_path / "listed", client_list=True).messages
    from_them = lambda m: m[m["from_address"].str.lower().isin(addresses)]  # noqa: E731
    assert from_them(plain)["client"].nunique() == 2
    assert set(from_them(listed)["client"]) == {"Rigsby Analytics"}
