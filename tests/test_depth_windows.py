"""The batch window features (analyzer.depth.windows) equal the old per-window code
(tests/depth_window_reference.py) feature by feature, to the bit: on the demo run and on a
hand-made mailbox of edge cases (one message, only undated mail, empty windows, no agency mail,
undated messages among dated ones, apologies with and without forgiveness, senior people in cc,
quarters without mail)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.depth.features import _RECENT_NAMES, PLAIN_FACTS, ClientFeatures, MailFrames, plain_facts
from analyzer.depth.windows import feature_columns, window_table
from analyzer.signals.frame import empty_signals_frame
from depth_frames import T0, frame, msg, signals
from depth_window_reference import (reference_periods, reference_plain_facts, reference_transform,
                                    reference_window)

A, A2, C, CEO, CFO = "ann@agency.com", "bob@agency.com", "carl@acme.com", "dana@acme.com", "fred@acme.com"
CEO_SIG = "Dana Ortiz\nChief Executive Officer\nAcme Ltd"
CFO_SIG = "Fred Holm\nChief Financial Officer\nAcme Ltd"
DAY = 24


def _same(got: dict, want: dict, where) -> None:
    """Same keys in the same order, and every value equal (NaN equals NaN)."""
    assert list(got) == list(want), where
    for k, v in want.items():
        g = got[k]
        assert (np.isnan(v) and np.isnan(g)) if np.isnan(v) else g == v, (where, k, g, v)


def _check_windows(prep, windows: pd.DataFrame, half_life, cap, names=None) -> int:
    """window_table against reference_window, row by row; returns the number of values compared."""
    got = window_table(prep, windows, half_life, cap, names=names)
    assert list(got.columns) == feature_columns(names) and got.index.equals(windows.index)
    for i, (client, start, end) in enumerate(zip(windows["client"], windows["start"], windows["end"])):
        want = reference_window(prep, client, start, end, half_life, cap, names=names)
        _same(got.iloc[i].to_dict(), want, (client, start, end, half_life, cap))
    return got.size


def _windows(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["client", "start", "end"])


def _check_transforms(X) -> None:
    f = ClientFeatures().fit(None)
    pd.testing.assert_frame_equal(f.transform(X), reference_transform(X), check_exact=True)
    pd.testing.assert_frame_equal(f.transform_periods(X), reference_periods(X), check_exact=True)
    pd.testing.assert_frame_equal(plain_facts(X), reference_plain_facts(X), check_exact=True)
    flat = ClientFeatures(half_life_days=None, reply_cap_hours=float("inf")).fit(None)
    pd.testing.assert_frame_equal(flat.transform(X), reference_transform(X, None, float("inf")), check_exact=True)


@pytest.fixture
def edge_mailbox():
    """Acme: threads over three quarters, a silent quarter, undated mail among dated, a forgiven and
    an unforgiven apology, senior people writing and in cc. Solo: one message. Ghost: only undated
    mail. Mute: client mail only, no agency. Late: starts in the mailbox's last quarter."""
    ms = [
        msg("a1", 0, C, "from_client", subject="Positioning", to=[A]),
        msg("a2", 4, A, "from_agency", subject="Re: Positioning", reply_to="a1", cc=[CEO]),
        msg("a3", 34, C, "from_client", subject="RE: Positioning", reply_to="a2", refs=["a1", "a2"]),
        msg("a4", 50 * DAY, A, "from_agency", subject="Launch report", text="Sorry, the report is late."),
        msg("a5", 50 * DAY + 10, CEO, "from_client", subject="Re: Launch report", reply_to="a4",
            signature=CEO_SIG, text="No worries."),
        msg("a6", 60 * DAY, A2, "from_agency", subject="Budget", text="Apologies for the delay.", cc=[CFO, C]),
        msg("a7", 62 * DAY, CFO, "from_client", subject="Re: Budget", reply_to="a6", signature=CFO_SIG,
            text="Why is this invoice so high?"),
        msg("a8", None, C, "from_client", subject="Undated note", text="Thanks, great work."),
        msg("a9", None, A, "from_agency", subject="Undated update", cc=[CEO]),
        msg("a10", 70 * DAY, A, "from_agency", subject="Update 1"),
        msg("a11", 77 * DAY, A, "from_agency", subject="Update 2"),
        msg("a12", 91 * DAY, A, "from_agency", subject="Update 3"),
        msg("a13", 300 * DAY, C, "from_client", subject="Back again", text="Can you help with the plan?"),
        msg("a14", 301 * DAY, A, "from_agency", subject="Re: Back again", reply_to="a13"),
        msg("a15", 301 * DAY, C, "from_client", subject="Same second", cc=[CEO, CFO]),
        msg("s1", 20 * DAY, "sam@solo.com", "from_client", client="Solo", subject="Hello"),
        msg("g1", None, "gil@ghost.com", "from_client", client="Ghost", subject="Undated"),
        msg("g2", None, A, "from_agency", client="Ghost", subject="Re: Undated", reply_to="g1"),
        msg("m1", 10 * DAY, "max@mute.com", "from_client", client="Mute", subject="One"),
        msg("m2", 200 * DAY, "max@mute.com", "from_client", client="Mute", subject="Two", text="Thanks a lot."),
        msg("m3", 201 * DAY, "mia@mute.com", "from_client", client="Mute", subject="Re: Two", reply_to="m2"),
        msg("l1", 299 * DAY, "lou@late.com", "from_client", client="Late", subject="Hi"),
        msg("l2", 299 * DAY + 2, A, "from_agency", client="Late", subject="Re: Hi", reply_to="l1"),
        msg("x1", 305 * DAY, "news@list.com", "other", client=None, subject="Newsletter"),
    ]
    df = frame(ms)
    sig = signals([("a4", "apology", "Sorry, the report is late."), ("a5", "forgiveness", "No worries."),
                   ("a6", "apology", "Apologies for the delay."), ("a7", "fee_pushback", "Why is this invoice so high?"),
                   ("a8", "appreciation", "Thanks, great work."), ("a13", "help_request", "Can you help?"),
                   ("m2", "appreciation", "Thanks a lot."), ("a2", "help_request", "agency text: not a client signal")],
                  df)
    return MailFrames(df, sig)


def test_edge_mailbox_transforms_equal_the_reference(edge_mailbox):
    _check_transforms(edge_mailbox)
    F = ClientFeatures().fit(None).transform(edge_mailbox)
    assert F.loc["Solo", "n_messages"] == 1 and F.loc["Ghost", "n_messages"] == 2  # undated count, weighted
    assert F.loc["Acme", "forgiven_apology_share"] not in (0.0, 1.0)  # one forgiven, one not
    assert np.isnan(F.loc["Mute", "forgiven_apology_share"]) and F.loc["Mute", "agency_apology_rate"] == 0.0
    assert F.loc["Acme", "n_senior_people"] == 2 and F.loc["Acme", "senior_cc_share"] > 0
    P = ClientFeatures().fit(None).transform_periods(edge_mailbox)
    assert (P.loc["Acme", "n_messages"] == 0).any()  # a silent quarter is kept
    assert "Ghost" not in P.index.get_level_values("client")


@pytest.mark.parametrize("keep", [("Ghost",), ("Mute", "Solo"), ("Late", "Ghost")])
def test_small_mailboxes_equal_the_reference(edge_mailbox, keep):
    """Mailboxes of a few edge clients: nothing dated at all, no agency mail and nobody senior in cc,
    without signals."""
    df = edge_mailbox.messages[edge_mailbox.messages["client"].isin(keep)].reset_index(drop=True)
    for sig in (edge_mailbox.signals[edge_mailbox.signals["client"].isin(keep)], empty_signals_frame()):
        _check_transforms(MailFrames(df, sig.reset_index(drop=True)))


def test_edge_windows_equal_the_reference(edge_mailbox):
    """Hand-picked windows: empty ones, one instant, a client without mail, every client's whole span."""
    prep = edge_mailbox.prepared()
    t = pd.Timestamp(T0)
    rows = [("Acme", t, prep.as_of), ("Acme", t + pd.Timedelta(days=100), t + pd.Timedelta(days=200)),  # empty
            ("Acme", t + pd.Timedelta(days=301), t + pd.Timedelta(days=301)),  # one instant, two messages
            ("Acme", t + pd.Timedelta(days=49), t + pd.Timedelta(days=95)), ("Nobody", t, prep.as_of),
            ("Solo", t + pd.Timedelta(days=20), t + pd.Timedelta(days=20)), ("Ghost", prep.as_of, prep.as_of),
            ("Mute", t, prep.as_of), ("Late", t + pd.Timedelta(days=290), prep.as_of),
            ("Acme", t + pd.Timedelta(days=5), t - pd.Timedelta(days=5))]  # end before start
    windows = _windows(rows)
    for half_life, cap in ((90.0, 240.0), (None, 240.0), (None, float("inf")), (30.0, 1.0)):
        for names in (None, _RECENT_NAMES, frozenset(PLAIN_FACTS), frozenset({"agency_update_cv"})):
            assert _check_windows(prep, windows, half_life, cap, names) > 0


def test_demo_run_equals_the_reference(demo_run_dir):
    from analyzer.ingest.message import read_messages

    messages = read_messages(demo_run_dir / "messages.parquet")
    X = MailFrames(messages, pd.read_parquet(demo_run_dir / "signals.parquet"))
    _check_transforms(X)
    prep = X.prepared()
    firsts = prep.msgs.groupby("client", sort=True)["date"].min().dropna()
    assert len(firsts) >= 5
    rng = np.random.default_rng(5)
    rows = []
    for client, first in firsts.items():  # random sub-windows, some empty, some one day long
        span = (prep.as_of - first).total_seconds()
        for a, b in rng.uniform(0, 1, (4, 2)):
            lo, hi = sorted((a, b))
            rows.append((client, first + pd.Timedelta(seconds=lo * span), first + pd.Timedelta(seconds=hi * span)))
        rows.append((client, first, first + pd.Timedelta(days=1)))
    windows = _windows(rows)
    checked = sum(_check_windows(prep, windows, half_life, cap, names)
                  for half_life, cap in ((90.0, 240.0), (None, 240.0))
                  for names in (None, _RECENT_NAMES))
    assert checked > 1000


def test_the_comparison_can_fail(edge_mailbox):
    """A changed value, a NaN for a number, or a missing key is caught."""
    prep = edge_mailbox.prepared()
    want = reference_window(prep, "Acme", pd.Timestamp(T0), prep.as_of, 90.0, 240.0)
    for change in ({"client_msg_share": want["client_msg_share"] * (1 + 1e-15)}, {"n_messages": float("nan")}):
        with pytest.raises(AssertionError):
            _same({**want, **change}, want, "changed")
    with pytest.raises(AssertionError):
        _same({k: v for k, v in want.items() if k != "recency_days"}, want, "missing")
    got = ClientFeatures().fit(None).transform(edge_mailbox)
    got.loc["Acme", "agency_update_cv"] += 1e-12
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(got, reference_transform(edge_mailbox), check_exact=True)
