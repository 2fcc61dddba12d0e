"""Depth features on small hand-built threads: threading, reply times, initiation, silences,
seniority from signatures, forgiveness after an apology."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analyzer.depth.features import FEATURE_NAMES, ClientFeatures, MailFrames
from analyzer.depth.seniority import line_level, people_seniority, seniority_level
from analyzer.depth.threads import normalise_subject, reply_events, thread_starts, thread_table
from analyzer.signals.frame import empty_signals_frame
from depth_frames import frame, msg, signals

A, C, CEO = "ann@agency.com", "carl@acme.com", "dana@acme.com"


@pytest.fixture
def mailbox():
    """Two threads linked by headers, one linked only by subject, one agency apology forgiven."""
    ms = [
        msg("m1", 0, C, "from_client", subject="Positioning", to=[A]),
        msg("m2", 4, A, "from_agency", subject="Re: Positioning", reply_to="m1", cc=[CEO]),
        msg("m3", 4 + 30, C, "from_client", subject="RE: Positioning", reply_to="m2", refs=["m1", "m2"]),
        msg("m4", 24 * 50, A, "from_agency", subject="Launch report", text="Sorry, the report is late."),
        msg("m5", 24 * 50 + 10, CEO, "from_client", subject="AW: Launch report",  # no headers: subject fallback
            signature="Dana Ortiz\nChief Executive Officer\nAcme Ltd | +44 20 7946 0000", text="No worries."),
        msg("m6", 24 * 80, C, "from_client", subject="Invoice", text="Why is this invoice so high?"),
        msg("x1", 24 * 81, "news@list.com", "other", client=None, subject="Newsletter"),
    ]
    df = frame(ms)
    sig = signals([("m4", "apology", "Sorry, the report is late."), ("m5", "forgiveness", "No worries."),
                   ("m6", "fee_pushback", "Why is this invoice so high?"),
                   ("m2", "help_request", "misattributed: agency text never counts as a client signal")], df)
    return df, sig


def test_subject_normalisation_strips_prefixes_in_many_languages():
    assert normalise_subject("RE: Fwd: AW: WG:  The  Plan") == ("the plan", True)
    assert normalise_subject("[EXT] Re[2]: Budget") == ("budget", True)
    assert normalise_subject("Weekly update") == ("weekly update", False)


def test_threads_from_headers_and_subject_fallback(mailbox):
    df, _ = mailbox
    t = thread_table(df).set_index("key")
    assert t.loc["m1", "thread_id"] == t.loc["m2", "thread_id"] == t.loc["m3", "thread_id"]
    assert t.loc["m5", "thread_id"] == t.loc["m4", "thread_id"]  # "AW:" reply without headers
    assert t.loc["m5", "parent_key"] == "m4"
    assert t.loc["m6", "thread_id"] not in {t.loc["m1", "thread_id"], t.loc["m4", "thread_id"]}
    assert t.loc["m1", "is_root"] and not t.loc["m3", "is_root"]


def test_replies_to_a_parent_outside_the_mailbox_share_its_thread_named_after_the_first_message():
    df = frame([msg("r2", 5, C, "from_client", subject="Re: Scope", reply_to="gone", refs=["gone"]),
                msg("r1", 0, A, "from_agency", subject="Re: Scope", reply_to="gone", refs=["gone"]),
                msg("r3", 9, A, "from_agency", subject="Re: Scope", reply_to="r2", refs=["gone", "r2"]),
                msg("s1", 12, C, "from_client", subject="Other")])
    t = thread_table(df).set_index("key")
    assert set(t.loc[["r1", "r2", "r3"], "thread_id"]) == {"r2"}  # first in frame order, not in date order
    assert pd.isna(t.loc["r1", "parent_key"]) and t.loc["r3", "parent_key"] == "r2"
    assert t.loc["s1", "thread_id"] == "s1"


def test_recurring_subject_without_prefix_starts_new_threads():
    df = frame([msg("w1", 0, A, "from_agency", subject="Weekly update"),
                msg("w2", 24 * 7, A, "from_agency", subject="Weekly update")])
    t = thread_table(df)
    assert t["thread_id"].nunique() == 2


def test_reply_events_hours_and_sides(mailbox):
    df, _ = mailbox
    ev = reply_events(df).set_index("key")
    assert ev.loc["m2", "hours"] == pytest.approx(4.0)
    assert ev.loc["m3", "hours"] == pytest.approx(30.0)
    assert ev.loc["m5", "hours"] == pytest.approx(10.0)
    assert ev.loc["m3", "direction"] == "from_client" and ev.loc["m3", "parent_direction"] == "from_agency"
    assert "m6" not in ev.index  # no parent


def test_reply_before_parent_gives_no_hours():
    df = frame([msg("p", 10, A, "from_agency"), msg("r", 5, C, "from_client", reply_to="p", subject="Re: Plan")])
    assert math.isnan(reply_events(df)["hours"].iloc[0])


def test_thread_starters(mailbox):
    df, _ = mailbox
    st = thread_starts(df)
    st = st[st["client"] == "Acme"].set_index("thread_id")
    assert sorted(st["started_by"]) == ["from_agency", "from_client", "from_client"]
    orphan = frame([msg("o", 0, C, "from_client", reply_to="outside-id", subject="Re: Old")])
    assert thread_starts(orphan)["started_by"].iloc[0] == "unknown"


@pytest.mark.parametrize("signature, level", [
    ("Dana Ortiz\nChief Executive Officer\nAcme Ltd", 3),
    ("Best regards,\nMia Chen\nCo-Founder & CTO | Brightlane", 3),
    ("Tom Berg\nVice President, Marketing\ntom@acme.com", 2),
    ("Lena Vogt\nHead of Brand & Communications\nwww.acme.de", 2),
    ("Sam Patel\nSenior Director, Digital", 2),
    ("Kim Lee\nMarketing Manager\n+1 (555) 201-3344", 1),
    ("Ola Nowak\nExecutive Assistant to the CEO", 0),
    ("Bo Lind\nGraphic Designer\nAcme Partners LLP", 0),
    ("", 0),
])
def test_seniority_from_signature_blocks(signature, level):
    assert seniority_level(signature) == level


def test_seniority_word_boundaries_and_display_names():
    assert line_level("Directorate of Parks") == 0  # not "director"
    assert line_level("Leadership programme") == 0  # not "lead"
    assert seniority_level("", display_name="Jane Roe (CEO)") == 3
    body = "Thanks for this.\n\nBest,\nJo Smith\nDirector of Sales\nAcme"
    assert seniority_level("", new_text=body) == 2  # no signature found: lines after the valediction
    nan = float("nan")
    assert seniority_level(nan, display_name=nan, new_text=nan) == 0  # missing values from a frame
    assert seniority_level(nan, display_name="Jane Roe (CEO)", new_text=body) == 3


def test_people_seniority_per_client_address(mailbox):
    df, _ = mailbox
    people = people_seniority(df).set_index("address")
    assert people.loc[CEO, "level"] == 3 and people.loc[C, "level"] == 0
    assert set(people["client"]) == {"Acme"}


def test_people_seniority_reads_signatures_in_chunks_with_the_same_result(mailbox, monkeypatch):
    import analyzer.depth.seniority as seniority

    df, _ = mailbox
    whole = people_seniority(df)
    monkeypatch.setattr(seniority, "CHUNK_ROWS", 1)  # one client message at a time
    pd.testing.assert_frame_equal(people_seniority(df), whole)


def test_client_features_on_hand_built_mailbox(mailbox):
    df, sig = mailbox
    before = df.copy(deep=True)
    cf = ClientFeatures(half_life_days=None).fit(MailFrames(df, sig))
    F = cf.transform(MailFrames(df, sig))
    pd.testing.assert_frame_equal(df, before)  # input untouched
    assert list(F.columns) == list(FEATURE_NAMES) == list(cf.get_feature_names_out())
    assert list(F.index) == ["Acme"]  # the newsletter belongs to no client
    f = F.loc["Acme"]
    assert f["n_messages"] == 6
    assert f["client_start_share"] == pytest.approx(2 / 3)
    assert f["client_reply_hours"] == pytest.approx(10.0)  # median of 30 h and 10 h: the lower middle
    assert f["agency_reply_hours"] == pytest.approx(4.0)
    assert f["longest_silence_days"] == pytest.approx(50 - 34 / 24, abs=0.01)
    assert f["n_client_people"] == 2 and f["max_seniority"] == 3 and f["n_senior_people"] == 1
    assert f["senior_cc_share"] == pytest.approx(1 / 6)
    assert f["client_fee_pushback_count"] == 1 and f["client_help_request_count"] == 0
    assert f["forgiven_apology_share"] == 1.0
    assert f["agency_apology_rate"] == pytest.approx(1 / 2)


def test_unforgiven_apology_and_no_reply_cap():
    df = frame([msg("a", 0, A, "from_agency", text="Sorry, our mistake."),
                msg("b", 24 * 3, C, "from_client", subject="Other")])
    sig = signals([("a", "apology", "Sorry, our mistake.")], df)
    f = ClientFeatures(reply_cap_hours=200).fit(None).transform(MailFrames(df, sig)).loc["Acme"]
    assert f["forgiven_apology_share"] == 0.0
    assert f["client_reply_hours"] == 200 and f["client_reply_rate"] == 0.0


def test_recent_messages_weigh_more():
    old = [msg(f"o{i}", 24 * i, C, "from_client", subject=f"Old {i}") for i in range(5)]
    new = [msg(f"n{i}", 24 * (300 + i), C, "from_client", subject=f"New {i}") for i in range(5)]
    df = frame(old + new)
    sig = signals([(f"o{i}", "complaint", "This is not good.") for i in range(5)], df)
    flat = ClientFeatures(half_life_days=None).fit(None).transform(MailFrames(df, sig)).loc["Acme"]
    decayed = ClientFeatures(half_life_days=60).fit(None).transform(MailFrames(df, sig)).loc["Acme"]
    assert flat["client_complaint_rate"] == pytest.approx(0.5)
    assert decayed["client_complaint_rate"] < 0.05  # last year's complaints fade
    assert decayed["client_complaint_count"] == 5  # counts stay raw


def test_periods_are_calendar_quarters_including_silent_ones():
    df = frame([msg("q1", 0, C, "from_client"), msg("q3", 24 * 200, A, "from_agency", subject="Later")])
    P = ClientFeatures().fit(None).transform_periods(MailFrames(df, empty_signals_frame()))
    assert list(P.index) == [("Acme", "2025Q1"), ("Acme", "2025Q2"), ("Acme", "2025Q3")]
    assert list(P["n_messages"]) == [1, 0, 1]


def test_transform_rejects_a_bare_frame(mailbox):
    df, _ = mailbox
    with pytest.raises(TypeError, match="MailFrames"):
        ClientFeatures().fit(None).transform(df)


def test_subject_fallback_joins_only_the_same_participants():
    """Without reply headers, a "Re:" joins the latest earlier message of the same subject *and* the
    same participants: the same client, or (unattributed) the same set of addresses, in any order."""
    X, Y = "x@other.org", "y@other.org"
    df = frame([
        msg("a1", 0, C, "from_client", subject="Budget"),
        msg("b1", 1, "bob@beta.com", "from_client", client="Beta", subject="Budget"),
        msg("a2", 2, A, "from_agency", subject="Re: Budget"),                     # Acme: joins a1
        msg("b2", 3, A, "from_agency", client="Beta", subject="Re: Budget"),      # Beta: joins b1
        msg("u1", 4, X, None, client=None, subject="Notes", to=[Y]),
        msg("u2", 5, Y, None, client=None, subject="Re: Notes", to=[X]),          # same two people: joins u1
        msg("u3", 6, X, None, client=None, subject="Re: Notes", to=["z@else.org"]),  # other people: alone
    ])
    t = thread_table(df).set_index("key")
    assert t.loc["a2", "thread_id"] == "a1" and t.loc["b2", "thread_id"] == "b1"
    assert t.loc["u2", "thread_id"] == "u1" and t.loc["u3", "thread_id"] == "u3"
    assert t.loc["a2", "parent_key"] == "a1" and t.loc["u2", "parent_key"] == "u1"
