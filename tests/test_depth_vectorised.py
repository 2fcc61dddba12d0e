"""The vectorised scoring helpers give what the per-client loops they replaced gave, on a real run
(the demo mailbox) and on hand-made edge cases (NaN scores, one quarter, more than six quarters)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.depth.features import ClientFeatures, MailFrames, plain_facts
from analyzer.depth.scores import _domains
from analyzer.depth.trend import score_slopes, score_trajectory


def _demo(demo_run_dir):
    from analyzer.ingest.message import read_messages

    messages = read_messages(demo_run_dir / "messages.parquet")
    signals = pd.read_parquet(demo_run_dir / "signals.parquet")
    return messages, signals


def test_score_slopes_equal_the_per_client_trajectory():
    rng = np.random.default_rng(7)
    rows = []
    for c, n in (("a", 1), ("b", 2), ("c", 6), ("d", 9), ("e", 4)):
        for q in range(n):
            rows.append({"client": c, "period": f"{2024 + q // 4}Q{q % 4 + 1}", "score": float(rng.uniform(0, 100)),
                         "n_messages": int(rng.integers(0, 8))})
    p = pd.DataFrame(rows).sample(frac=1, random_state=1).set_index(["client", "period"])  # shuffled
    p.loc[("e", "2024Q2"), "score"] = np.nan
    got = score_slopes(p)
    for client, g in p.groupby(level="client"):
        want = score_trajectory(g.sort_index(level="period"))["score_slope"]
        assert got[client] == pytest.approx(want, abs=1e-9), client
    assert got["a"] == 0.0 and score_slopes(p.iloc[:0]).empty


def test_domains_and_plain_facts_equal_the_old_loops(demo_run_dir):
    messages, signals = _demo(demo_run_dir)
    m = messages[messages["client"].notna() & messages["direction"].isin(("from_client", "from_agency"))]

    def one(g):  # the groupby-apply this replaced
        doms = set(g["client_domain"].dropna().astype(str))
        sender = g.loc[g["direction"] == "from_client", "from_address"].dropna().astype(str)
        if not {d for d in doms if "@" in d}:
            doms |= {a.rsplit("@", 1)[1] for a in sender if "@" in a}
        return ";".join(sorted(d for d in doms if d))

    want = m.groupby("client", sort=True)[["client_domain", "direction", "from_address"]].apply(one)
    got = _domains(m).reindex(want.index).fillna("")
    assert got.tolist() == want.tolist()
    assert any("@" in d for d in got)  # the demo's free-mail clients are keyed by address

    X = MailFrames(messages, signals)
    full = ClientFeatures(half_life_days=None, reply_cap_hours=float("inf")).fit(None).transform(X)
    facts = plain_facts(X)
    cols = ["client_reply_hours", "agency_reply_hours", "client_start_share", "longest_silence_days",
            "n_client_people", "max_seniority"]
    pd.testing.assert_frame_equal(facts[cols].astype(float), full[cols], check_names=False)


def test_restricted_windows_give_the_full_windows_values(demo_run_dir):
    """``recent_`` windows and plain_facts compute only the features they need; each one equals the
    same feature of the full window, to the bit, for whole-mailbox windows and single quarters
    (for the batch code and for the per-window reference it replaced)."""
    from analyzer.depth.windows import window_table
    from analyzer.depth.features import _RECENT_NAMES, PLAIN_FACTS, _first_dates
    from depth_window_reference import reference_window as _window

    messages, signals = _demo(demo_run_dir)
    prep = MailFrames(messages, signals).prepared()
    firsts = _first_dates(prep).dropna()
    assert len(firsts) >= 5
    checked = 0
    for client, first in firsts.items():
        q = prep.as_of - pd.Timedelta(days=91)
        for start, end, half_life, cap in ((first, prep.as_of, None, float("inf")), (max(first, q), prep.as_of, None, 240.0),
                                           (first, prep.as_of, 90.0, 240.0)):
            full = _window(prep, client, start, end, half_life, cap)
            for names in (_RECENT_NAMES, frozenset(PLAIN_FACTS)):
                part = _window(prep, client, start, end, half_life, cap, names=names)
                assert set(names) <= set(part) < set(full)
                for k in names:
                    assert part[k] == full[k] or (np.isnan(part[k]) and np.isnan(full[k])), (client, k)
                    checked += 1
    windows = pd.DataFrame({"client": firsts.index, "start": firsts.to_numpy(), "end": prep.as_of})
    for half_life, cap in ((None, float("inf")), (90.0, 240.0)):
        full = window_table(prep, windows, half_life, cap)
        for names in (_RECENT_NAMES, frozenset(PLAIN_FACTS)):
            part = window_table(prep, windows, half_life, cap, names=names)
            assert set(names) <= set(part.columns) < set(full.columns)
            pd.testing.assert_frame_equal(part, full[part.columns], check_exact=True)
    assert checked > 100


def test_seniority_line_by_line_equals_the_title_lines_definition(demo_run_dir):
    """``seniority_level`` reads a signature line by line through a cache; the level must be the
    documented one: the best title line of ``title_lines`` and the display name."""
    from analyzer.depth.seniority import line_level, seniority_level, title_lines

    messages, _ = _demo(demo_run_dir)
    rows = messages.loc[messages["direction"] == "from_client", ["signature", "from_name"]]
    cases = list(zip(rows["signature"].tolist(), rows["from_name"].tolist()))
    cases += [  # valedictions do not count among the first six lines; contact lines do, as level 0
        ("Best,\nThanks,\nA\nB\nC\nD\nE\nChief Executive Officer", None),
        ("A\nB\nC\nD\nE\nF\nChief Executive Officer", None),
        ("Jo Roe\n+44 20 7946 0000\nDirector of Sales", ""),
        ("  \n\nJo Roe\n  Head of Brand  \n", "Jo Roe (CEO)"),
        ("Jo Roe\n" + "Director " * 12, None),
    ]
    assert sum(bool(isinstance(s, str) and s.strip()) for s, _ in cases) > 20
    for signature, name in cases:
        if not isinstance(signature, str) or not signature.strip():
            continue
        want = max([line_level(ln) for ln in title_lines(signature)] + ([line_level(name)] if name else []))
        assert seniority_level(signature, name) == want, signature
