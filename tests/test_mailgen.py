"""The synthetic mailbox generator (data/mailgen): determinism, mail validity, threads, designed
depth showing in behaviour, the committed demo, writers and the bulk stream."""

from __future__ import annotations

import hashlib
import json
import mailbox
import os
import random
import statistics
import subprocess
import sys
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mailgen import (
    generate_corpus,
    iter_bulk_messages,
    logistics_phrases,
    signal_phrases,
    write_bulk_mbox,
    write_config,
    write_eml_dir,
    write_maildir,
    write_mbox,
    write_mixed,
)
from mailgen.behaviour import Profile
from mailgen.cli import DEMO_DIR, build_demo, main
from mailgen.corpus import quarters
from mailgen.dither import Dither
from mailgen.template import Context, expand

from analyzer.config import load_config
from analyzer.signals.labels import LABELS

REQUIRED = ("From", "To", "Date", "Message-ID", "Subject")


@pytest.fixture(scope="module")
def small():
    return generate_corpus(11, n_clients=6, months=4)


@pytest.fixture(scope="module")
def big():
    return generate_corpus(5, n_clients=24, months=12, extras=False)


def _digest(corpus) -> str:
    h = hashlib.sha256()
    for raw in corpus.raw:
        h.update(raw)
    h.update(corpus.truth.to_csv(index=False).encode())
    return h.hexdigest()


def test_same_seed_same_bytes_also_across_processes(small):
    assert _digest(generate_corpus(11, n_clients=6, months=4)) == _digest(small)
    assert _digest(generate_corpus(12, n_clients=6, months=6)) != _digest(small)
    code = ("import sys; sys.path.insert(0, 'data'); import hashlib; from mailgen import generate_corpus; "
            "c = generate_corpus(11, n_clients=6, months=4); h = hashlib.sha256(); "
            "[h.update(r) for r in c.raw]; h.update(c.truth.to_csv(index=False).encode()); print(h.hexdigest())")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], env=env,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == _digest(small)


def test_every_message_parses_with_headers_and_body(small):
    parser = BytesParser(policy=default_policy)
    ids = set()
    kinds = {"html_only": 0, "alternative": 0, "attachment": 0, "list": 0, "auto": 0}
    dates = []
    for raw in small.raw:
        msg = parser.parsebytes(raw)
        for h in REQUIRED:
            assert msg[h], f"{h} missing in {raw[:200]!r}"
        assert not msg.defects
        assert msg["Message-ID"] not in ids
        ids.add(msg["Message-ID"])
        dates.append(parsedate_to_datetime(msg["Date"]))
        body = msg.get_body(("plain", "html"))
        assert body is not None and body.get_content().strip()
        if msg.get_content_type() == "text/html":
            kinds["html_only"] += 1
        if any(p.get_content_type() == "multipart/alternative" for p in msg.walk()):
            kinds["alternative"] += 1
        if any(True for _ in msg.iter_attachments()):
            kinds["attachment"] += 1
        if msg["List-Id"]:
            assert msg["Precedence"] == "bulk" and msg["List-Unsubscribe"]
            kinds["list"] += 1
        if msg["Auto-Submitted"] == "auto-replied":
            kinds["auto"] += 1
    assert all(v > 0 for k, v in kinds.items() if k != "auto"), kinds
    assert dates == sorted(dates), "messages are in date order"
    assert len({d.utcoffset() for d in dates}) >= 3, "senders in several time zones"
    assert len(small.messages) == len(small.raw) and small.messages[0]["Message-ID"] in ids


def test_threads_are_consistent(small):
    mt = small.message_truth
    by_id = {}
    for raw, (_, row) in zip(small.raw, mt.iterrows()):
        msg = BytesParser(policy=default_policy).parsebytes(raw, headersonly=True)
        parent = msg["In-Reply-To"]
        if parent:
            assert parent in by_id, "In-Reply-To points at an earlier message"
            prow, pdate = by_id[parent]
            assert prow["thread"] == row["thread"]
            assert parsedate_to_datetime(msg["Date"]) >= pdate
            assert msg["References"].split()[-1] == parent
            assert msg["Subject"].lower().startswith(("re:", "aw:", "automatic reply", "out of office"))
        by_id[msg["Message-ID"]] = (row, parsedate_to_datetime(msg["Date"]))
    replies = [r for r in small.raw if b"\nIn-Reply-To:" in r]
    assert len(replies) > len(small.raw) / 4
    quoted = sum(1 for r in replies if b"wrote:" in r or b"Original Message" in r or b"schrieb" in r
                 or b"________________________________" in r or b"a =C3=A9crit" in r or "a écrit".encode() in r)
    assert quoted > len(replies) / 2, "most replies carry quoted history"


def _client_stats(corpus) -> pd.DataFrame:
    mt = corpus.message_truth[corpus.message_truth["category"] == "client"].copy()
    mt["date"] = pd.to_datetime(mt["date"])
    firsts = mt.drop_duplicates("thread")
    init = firsts.groupby("client")["thread_initiator"].apply(lambda s: (s == "client").mean())
    by_id = mt.set_index("message_id")
    lat = {}
    parser = BytesParser(policy=default_policy)
    for raw, (_, row) in zip(corpus.raw, corpus.message_truth.iterrows()):
        if row["category"] != "client" or row["side"] != "client":
            continue
        parent = parser.parsebytes(raw, headersonly=True)["In-Reply-To"]
        if parent and parent in by_id.index and by_id.loc[parent, "side"] == "agency":
            lat.setdefault(row["client"], []).append(
                pd.Timestamp(row["date"]) - by_id.loc[parent, "date"])
    labels = mt[mt["side"] == "client"].assign(labels=lambda f: f["labels"].fillna(""))
    rate = lambda lab: labels.groupby("client")["labels"].apply(lambda s: s.str.contains(lab).mean())
    writers = mt[mt["side"] == "client"].groupby("client")["sender"].nunique()
    t = corpus.truth.set_index("client")
    return pd.DataFrame({
        "depth": t["depth"], "init": init,
        "latency_h": pd.Series({k: statistics.median(v).total_seconds() / 3600 for k, v in lat.items()}),
        "help": rate("help_request|strategic"), "fee": rate("fee_pushback|supplier_label"), "writers": writers,
    })


def test_designed_depth_shows_in_behaviour(big):
    s = _client_stats(big)
    deep, shallow = s[s["depth"] >= 60], s[s["depth"] < 30]
    assert len(deep) >= 5 and len(shallow) >= 5
    assert deep["init"].mean() > shallow["init"].mean() + 0.1, "deep clients reach out more"
    assert deep["help"].mean() > shallow["help"].mean()
    assert deep["fee"].mean() < shallow["fee"].mean()
    assert deep["writers"].mean() > shallow["writers"].mean()
    assert s["depth"].corr(s["init"], method="spearman") > 0.4
    # strategic-but-slow is deep yet replies slowly: latency alone cannot give the depth
    assert s["depth"].corr(-s["latency_h"], method="spearman") < 0.95


def test_dither_tracks_its_rate_where_independent_draws_drift():
    """Error-feedback draws keep the running count within a couple of events of its expectation
    (a rate that changes over time included); plain independent draws (gain 0) wander further."""
    def worst_gap(gain: float) -> float:
        dz = Dither(random.Random(3), gain=gain)
        worst = 0.0
        for i in range(3000):
            dz.chance("p", 0.1 + 0.8 * i / 3000)
            dz.choice("kind", {"a": 1.0, "b": 2.0 + i / 1000, "c": 0.5})
            worst = max(worst, abs(dz.gap("p")), *(abs(dz.gap(f"kind:{k}")) for k in "abc"))
        return worst
    assert worst_gap(0.5) <= 3.0
    assert worst_gap(0.0) > 2 * worst_gap(0.5)
    dz = Dither(random.Random(4))
    counts = [dz.count("n", 2.4) for _ in range(400)]
    assert min(counts) >= 0 and abs(sum(counts) - 2.4 * 400) <= 3 and len(set(counts)) > 2  # jittered, not fixed
    with pytest.raises(ValueError):
        Dither(random.Random(1), gain=-1)


def test_each_quarter_realises_its_designed_depth():
    """Who starts a client's depth-driven threads (all but invoices and status updates), quarter by
    quarter, stays within two threads of designed share x threads, so a deepening client's mail
    shows the rise and a cooling client's the fall (issue 4: the trend label must be true of the data)."""
    gaps, moving = [], []
    for seed in range(31, 37):
        c = generate_corpus(seed, n_clients=12, months=12, extras=False)
        mt = c.message_truth
        starts = mt[~mt["thread"].duplicated() & ~mt["kind"].isin(["invoice", "status_update"])]
        qs = quarters(c.start, c.end)
        q_of = {d: next(q for q, a, b in qs if a.isoformat() <= d <= b.isoformat()) for d in starts["date"].str[:10]}
        starts = starts.assign(q=starts["date"].str[:10].map(q_of), by_client=starts["thread_initiator"] == "client")
        for _, t in c.truth.iterrows():
            designed = dict(zip(t["quarters"].split(";"), t["depth_by_quarter"].split(";")))
            shares = []
            for q, g in starts[starts["client"] == t["client"]].groupby("q"):
                p = Profile("typical", 0, 0, "steady", 1.0).p_client_initiates(float(designed[q]) / 100)
                gaps.append(abs(g["by_client"].sum() - p * len(g)))
                shares.append(g["by_client"].mean())
            if t["trend"] != "steady":
                # the slope in the designed direction, in share points per quarter; a flat series
                # ([0.6, 0.5, 0.5, 0.6]) has slope 0 up to float noise of either sign
                slope = float(np.polyfit(np.arange(len(shares)), shares, 1)[0])
                moving.append(slope if t["trend"] == "deepening" else -slope)
    assert len(gaps) > 200 and len(moving) >= 10
    assert max(gaps) <= 2.0 and float(np.mean(gaps)) < 0.65
    # no moving client's thread starts go against its design by more than noise, and most move with it
    against = [m for m in moving if m < -0.02]
    assert not against, f"{len(against)} of {len(moving)} moving clients contradict their designed trend: {against}"
    assert sum(m > 0.02 for m in moving) >= 0.7 * len(moving)


def test_truth_and_config_are_complete(small, tmp_path):
    t = small.truth
    assert list(t.columns[:8]) == ["client", "domains", "addresses", "depth", "tier", "trend", "archetype",
                                   "depth_by_quarter"]
    assert t["depth"].between(0, 100).all()
    assert set(t["tier"]) <= {"shallow", "developing", "solid", "deep"}
    assert set(t["trend"]) <= {"steady", "deepening", "cooling"}
    used = {lab for labs in small.message_truth["labels"].fillna("") for lab in labs.split(";") if lab}
    assert used <= set(LABELS) and len(used) >= 8
    gmail = t[t["domains"] == ""]
    assert len(gmail) == 1 and gmail["addresses"].str.contains("@gmail.com").all()
    assert t["domains"].str.contains(";").any(), "one client on two domains"
    write_config(small, tmp_path / "a.toml")
    cfg = load_config(tmp_path / "a.toml")
    assert cfg.agency_domains == ("brightside.studio",)
    assert sorted(c.name for c in cfg.clients) == sorted(t["client"])
    nonclient = set(small.nonclients["address"])
    for c in cfg.clients:
        assert not (set(c.addresses) & nonclient)
    for kind in ("newsletter", "notification", "staff", "cold_outreach"):
        assert kind in set(small.nonclients["kind"])


def test_phrase_banks_expand_and_do_not_copy_dev_data(dev_data_path):
    import random
    dev = {json.loads(line)["text"].strip().lower() for line in dev_data_path.read_text().splitlines() if line}
    ctx = Context(random.Random(0), {"name": "Sam", "project": "the rebrand", "deliverable": "the deck",
                                     "agency": "Brightside", "company": "Acme"})
    banks = [v for m in (signal_phrases, logistics_phrases)
             for k, v in vars(m).items() if k.isupper() and isinstance(v, dict)]
    n = 0
    for bank in banks:
        for templates in bank.values():
            for tpl in templates:
                for _ in range(3):
                    out = expand(tpl, ctx)
                    assert "{" not in out and "[" not in out
                    assert out.strip().lower() not in dev
                    n += 1
    assert n > 900


def test_demo_on_disk_matches_regeneration(tmp_path):
    build_demo(tmp_path)
    for name in ("truth.csv", "nonclients.csv", "analyzer.toml", "manifest.json", "message_labels.csv"):
        assert (DEMO_DIR / name).read_bytes() == (tmp_path / name).read_bytes(), name
    on_disk = sorted(p.relative_to(DEMO_DIR / "mail") for p in (DEMO_DIR / "mail").rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path / "mail") for p in (tmp_path / "mail").rglob("*") if p.is_file())
    assert on_disk == fresh
    for rel in on_disk[:: max(1, len(on_disk) // 40)]:
        assert (DEMO_DIR / "mail" / rel).read_bytes() == (tmp_path / "mail" / rel).read_bytes(), rel


def test_demo_has_what_the_issue_asks_for():
    manifest = json.loads((DEMO_DIR / "manifest.json").read_text())
    assert 300 <= manifest["messages_unique"] <= 1500 and manifest["clients"] >= 8
    assert sum(manifest["files"].values()) == manifest["messages_total"]
    size = sum(p.stat().st_size for p in DEMO_DIR.rglob("*") if p.is_file())
    assert size < 5_000_000
    mbox = mailbox.mbox(DEMO_DIR / "mail" / "mbox" / "archive.mbox", create=False)
    maildir = mailbox.Maildir(DEMO_DIR / "mail" / "Maildir", create=False)
    emls = sorted((DEMO_DIR / "mail" / "eml").rglob("*.eml"))
    assert (len(mbox), len(maildir), len(emls)) == (manifest["files"]["mbox/archive.mbox"],
                                                    manifest["files"]["Maildir"], manifest["files"]["eml"])
    raws = [m.as_bytes() for m in mbox] + [m.as_bytes() for m in maildir] + [p.read_bytes() for p in emls]
    blob = b"\n".join(raws)
    for needle in (b"schrieb", b"List-Id:", b"Auto-Submitted: auto-generated", b"Auto-Submitted: auto-replied",
                   b"Content-Type: text/html", b"Content-Disposition: attachment", b"@gmail.com",
                   b"northwind.com", b"northwind.co.uk", b"-----Original Message-----"):
        assert needle in blob, needle
    parser = BytesParser(policy=default_policy)
    assert any(parser.parsebytes(r).get_content_type() == "text/html" for r in raws), "an HTML-only message"
    ids = [parser.parsebytes(r, headersonly=True)["Message-ID"] for r in raws]
    assert len(ids) - len(set(ids)) == manifest["duplicates"] > 0
    cfg = load_config(DEMO_DIR / "analyzer.toml")
    truth = pd.read_csv(DEMO_DIR / "truth.csv", keep_default_na=False)
    assert sorted(c.name for c in cfg.clients) == sorted(truth["client"])
    assert truth["tier"].nunique() == 4 and truth["trend"].nunique() == 3


def test_writers_round_trip(small, tmp_path):
    n = len(small.raw)
    assert write_mbox(small, tmp_path / "a.mbox") == n
    assert len(mailbox.mbox(tmp_path / "a.mbox", create=False)) == n
    assert write_maildir(small, tmp_path / "md") == n
    assert len(mailbox.Maildir(tmp_path / "md", create=False)) == n
    assert write_eml_dir(small, tmp_path / "eml") == n
    assert len(list((tmp_path / "eml").glob("*.eml"))) == n
    manifest = write_mixed(small, tmp_path / "mixed")
    assert sum(manifest["files"].values()) == manifest["messages_total"] == n + manifest["duplicates"]


def test_bulk_writes_n_messages(tmp_path):
    assert write_bulk_mbox(tmp_path / "bulk.mbox", 350, seed=3) == 350
    box = mailbox.mbox(tmp_path / "bulk.mbox", create=False)
    ids = [m["Message-ID"] for m in box]
    assert len(ids) == 350 and len(set(ids)) == 350
    msgs = list(iter_bulk_messages(3, 40))
    assert len(msgs) == 40 and all(m["Message-ID"] for m in msgs)
    assert msgs[0]["Message-ID"] == ids[0]


def test_cli(tmp_path, capsys):
    assert main(["--seed", "2", "--clients", "3", "--months", "3", "--out", str(tmp_path / "o"),
                 "--format", "mbox"]) == 0
    assert (tmp_path / "o" / "mail" / "mailbox.mbox").is_file()
    assert (tmp_path / "o" / "truth.csv").is_file() and (tmp_path / "o" / "analyzer.toml").is_file()
    with pytest.raises(SystemExit):
        main(["--seed", "2", "--clients", "3", "--months", "3", "--out", str(tmp_path / "o")])
    with pytest.raises(SystemExit) as exc:
        main(["--clients", "0", "--out", str(tmp_path / "p")])
    assert exc.value.code == 2
