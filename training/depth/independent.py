"""The independent mailboxes (``data/independent/<split>/<name>/``): runs and metrics.

Each mailbox was written by hand by a helper who never saw the generator, the features or the
model (see each folder's README). ``train/`` and ``dev/`` may be trained and tuned on, and so may
``retired-test/``, ``retired-test2/`` and ``retired-test3/``: the first three blind test sets, read
with several models over four sessions and retired into training in the fifth, and
``retired-test4/`` and ``retired-test5/``, retired in the seventh (:data:`TRAIN_SPLITS`).
``test6/`` to ``test12/`` (:data:`TEST_SPLITS`) are never used
for anything but the final figures. ``train8/`` (eight training mailboxes of the eighth session) and
``train9/`` (six of the tenth, with a long tail of purely transactional and sparse clients) joined
:data:`TRAIN_SPLITS` with the tenth session's rebuild (``data/independent/train9/RULE.md``).
``train10/`` (six of the thirteenth: quiet warmth, sparse clients that change), ``train11/`` (six of
the fifteenth: courtesy that is not depth, depths near the tier edges) and ``train12/`` (six of the
sixteenth: mailboxes as agencies have them) joined :data:`TRAIN_SPLITS` with the sixteenth session's
rebuild (``models/depth/CANDIDATE16.md``, candidate K). ``train13/`` (six more of the sixteenth,
written to judge that rebuild) joined with the seventeenth session's rebuild (``models/depth/CANDIDATE17.md``,
candidate L); ``train14/`` (six of the seventeenth: the long tail, clients writing partly in their own
language, written to judge L), ``train15/`` (six more from that brief, which judged candidate M) and
``train16/`` (six of the eighteenth: words and substance, which judged candidate N) joined with the
eighteenth session's rebuild (``models/depth/CANDIDATE20.md``, candidate O); ``train17/`` (six more from
the ``train16`` brief, written to judge O) joined with the nineteenth session's (candidate P,
``models/depth/CANDIDATE21.md``); ``train18/`` to ``train28/`` (66 mailboxes of the nineteenth to
twenty-ninth sessions, each written to judge a candidate, ``CANDIDATE21.md`` to ``CANDIDATE34.md``)
joined with the twenty-ninth session's candidate T3 (``models/depth/CANDIDATE35.md``); ``train29/`` and
``train30/`` (twelve of the twenty-ninth) with the thirtieth session's candidate T4 (``CANDIDATE38.md``);
``train31/`` to ``train35/`` (30 of the thirtieth, which judged T4, GW, GW0, T5 and T5b), ``train36/``
(six more, written at the end of the thirtieth, which judged the thirty-first session's GW0b) and
``train37/`` to ``train40/`` (24 of the thirty-first, which judged PS, PT and PT9) joined with the
thirty-second session's candidate PTQ (``CANDIDATE47.md``), which kept the quarterly course fitted on the
mail before them (:data:`QUARTERLY_SPLITS`); ``train41/`` (six more, written at the end of the
thirty-first, which judged PTQ) and ``train42/`` (six of the thirty-second, which judged PTF) joined with
PTF2 (``CANDIDATE49.md``); ``train43/`` and ``train44/`` (twelve more of the thirty-second, which judged
PTF2 and PTM) wait (:data:`WAITING_SPLITS`), and so do ``train45/`` (six more, written at the end
of the thirty-second, which judged the thirty-third session's PTM2) and ``train46/`` (six of the
thirty-third, which judged its candidate N), ``train47/`` (six more of the thirty-third, which judged
N2) and ``train48/`` (six more, which judged PTN), and ``train49/`` (six of the thirty-fourth, which
judged its ingest candidate N3) and ``train50/`` (six more, which judged N4), and ``train51/`` (six
more, which judged PTO), and ``train52/`` (six of the thirty-fifth, which judged its detector candidate
N5), and ``train53/`` (six more, written at the end of the thirty-fifth session, which judged the
thirty-sixth session's detector candidate N6, with ``train52``'s and its own message labels);
and ``train54/`` (six of the thirty-sixth session, which judged N7, with its message labels);
and ``train55/`` (six more, written at the end of the thirty-sixth session, which judged N8, with its
message labels); and ``train56/`` (six more, written at the end of the thirty-sixth session) and
``train57/`` (six of the thirty-seventh session), which judged N9 together, with their message labels;
and ``train58/`` (six more of the thirty-seventh session), which judged the depth model PTP;
and ``train59/`` (six more, written at the end of the thirty-seventh session), which judged the
thirty-eighth session's N10 with its message labels. ``train43/`` to ``train59/`` (102 mailboxes)
joined :data:`TRAIN_SPLITS` with the thirty-eighth session's PTR (``models/depth/CANDIDATE65.md``),
judged by ``train60/`` (six of the thirty-eighth session), which waits now (its message labels judged
the detector candidate N11, ``CANDIDATE66.md``), and by ``train61/`` (six more of the thirty-eighth
session), which waits too (with its message labels it judged the thirty-ninth session's N12,
``CANDIDATE67.md``). Both joined :data:`TRAIN_SPLITS` with the thirty-ninth session's PTS
(``CANDIDATE68.md``), judged by ``train62/`` (six of the thirty-ninth session), which joined with the
fortieth session's detector candidate N13 (``CANDIDATE69.md``; its message labels judged N13's detector),
judged by ``train63/`` (six more of the thirty-ninth session), which waits now (its message labels are
unread); ``train64/`` (six of the fortieth session, with its message labels) is unread
(:data:`UNREAD_SPLITS`).
:func:`run_mailbox` runs the analysis with no config (as a user would); :func:`matched` pairs each scored client with its ``truth.csv`` row by domains or
addresses; :func:`mailbox_metrics` gives the figures ``make evaluate`` reports for a scorer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from analyzer.depth.schema import TIERS, tier_of

ROOT = Path(__file__).resolve().parents[2] / "data" / "independent"
SPLITS = ("train", "dev", "retired-test", "retired-test2", "retired-test3", "retired-test4", "retired-test5",
          "test6", "test7", "test8", "test9", "test10", "test11", "test12", "train8", "train9", "train10",
          "train11", "train12", "train13", "train14", "train15", "train16",
          "train17", "train18", "train19", "train20", "train21", "train22", "train23", "train24", "train25",
          "train26", "train27", "train28", "train29", "train30", "train31", "train32", "train33", "train34", "train35", "train36", "train37", "train38", "train39", "train40", "train41", "train42", "train43", "train44", "train45", "train46", "train47", "train48", "train49", "train50", "train51", "train52", "train53", "train54", "train55", "train56", "train57", "train58", "train59", "train60", "train61", "train62", "train63", "train64", "train65", "train66", "train67", "train68", "train69", "train70", "train71", "train72", "train73", "train74", "train75", "train76", "train77", "train78", "train79", "train80", "train81", "train82", "train83")
#: The hand-written mailboxes the quarterly course is fitted on (``training.depth.build``'s
#: ``--quarterly-splits`` default): T4's and PT's training mail. Candidate PTQ
#: (``models/depth/CANDIDATE47.md``, thirty-second session) fitted the client score and tiers on more
#: mail and kept this quarterly course, whose trend calls were judged.
QUARTERLY_SPLITS = ("train", "dev", "retired-test", "retired-test2", "retired-test3", "retired-test4", "retired-test5",
                    "train8", "train9", "train10", "train11", "train12", "train13", "train14", "train15", "train16",
                    "train17", "train18", "train19", "train20", "train21", "train22", "train23", "train24", "train25",
                    "train26", "train27", "train28", "train29", "train30")
#: What the depth model is fitted and tuned on (the build reads these and no others): since PTQ,
#: :data:`QUARTERLY_SPLITS` and the judge sets ``train31`` to ``train40``; since PTF2
#: (``models/depth/CANDIDATE49.md``) ``train41`` and ``train42`` too.
TRAIN_SPLITS = QUARTERLY_SPLITS + ("train31", "train32", "train33", "train34", "train35", "train36", "train37",
                                   "train38", "train39", "train40", "train41", "train42",
                                   # since PTR (CANDIDATE65.md, thirty-eighth session): the 102 mailboxes that waited
                                   "train43", "train44", "train45", "train46", "train47", "train48", "train49",
                                   "train50", "train51", "train52", "train53", "train54", "train55", "train56",
                                   "train57", "train58", "train59",
                                   # since PTS (CANDIDATE68.md, thirty-ninth session): the two that waited
                                   "train60", "train61",
                                   # since N13 (CANDIDATE69.md, fortieth session): the one that waited
                                   "train62",
                                   # since PTY (CANDIDATE79.md, forty-seventh session): the seven that waited
                                   "train63", "train64", "train65", "train66", "train67", "train68", "train69",
                                   # since PTZd (CANDIDATE83.md, forty-ninth session): the five that waited
                                   "train70", "train71", "train72", "train73", "train74",
                                   # since PTZe (CANDIDATE86.md, fifty-first session): the one that waited
                                   "train75",
                                   # since PTZf (CANDIDATE87.md, fifty-second session): the one that waited
                                   "train76",
                                   # since PTZg (CANDIDATE88.md, fifty-second session): the one that waited
                                   "train77",
                                   # since PTZh (CANDIDATE89.md, fifty-third session)
                                   "train78",
                                   # since PTZk (CANDIDATE91.md, fifty-third session)
                                   "train79")
#: Training mailboxes not trained on yet: judge sets that have judged a candidate and wait. ``train18``
#: to ``train28`` (nineteenth to twenty-ninth sessions; their candidates are ``CANDIDATE21.md`` to
#: ``CANDIDATE34.md``) waited here until candidate T3 (``models/depth/CANDIDATE35.md``) joined them to
#: the training mailboxes; ``train29`` and ``train30`` (twenty-ninth session, which judged T3 and T3g0)
#: until candidate T4 (``CANDIDATE38.md``, thirtieth session). ``train31`` (thirtieth session: three
#: mailboxes from the long-tail brief, three from the general brief) judged T4, which shipped, and waits;
#: so do ``train32`` to ``train35`` (the same briefs), which judged candidates GW, GW0, T5 and T5b
#: (``CANDIDATE39.md`` to ``CANDIDATE42.md``), which did not ship; ``train36`` (written at the end of the
#: thirtieth session) judged GW0b (``CANDIDATE43.md``, thirty-first session), which did not ship either;
#: ``train37`` and ``train38`` (thirty-first session) judged PS (``CANDIDATE44.md``), which did not ship, and
#: ``train39`` (the same session) judged PT (``CANDIDATE45.md``), which shipped, and ``train40`` judged PT9
#: (``CANDIDATE46.md``), which did not. All ten joined the training mail with candidate PTQ
#: (``CANDIDATE47.md``, thirty-second session), judged by ``train41``, which waits now; so does
#: ``train42`` (thirty-second session), which judged PTF (``CANDIDATE48.md``), which shipped. Both
#: joined the training mail with PTF2 (``CANDIDATE49.md``), judged by ``train43``, which waits now; so does
#: ``train44`` (thirty-second session), which judged PTM (``CANDIDATE50.md``), which shipped, and
#: ``train45`` (thirty-second session), which judged PTM2 (``CANDIDATE51.md``, thirty-third), which did not,
#: ``train46`` (thirty-third session), which judged candidate N (``CANDIDATE52.md``), which did not, and
#: ``train47`` (thirty-third session), which judged N2 (``CANDIDATE53.md``), which shipped, and ``train48``
#: (thirty-third session), which judged PTN (``CANDIDATE54.md``), which shipped, and ``train49``
#: (thirty-fourth session), which judged N3 (``CANDIDATE55.md``), which shipped, ``train50`` (the same
#: session), which judged N4 (``CANDIDATE56.md``), which shipped, and ``train51`` (the same session),
#: which judged PTO (``CANDIDATE57.md``), which shipped, and ``train52`` (thirty-fifth session), which
#: judged N5 (``CANDIDATE58.md``), which shipped, and ``train53`` (end of the thirty-fifth session), which
#: judged the thirty-sixth session's N6 (``CANDIDATE59.md``), which did not, and ``train54`` (thirty-sixth
#: session), which judged N7 (``CANDIDATE60.md``), which shipped, and ``train55`` (the same session), which
#: judged N8 (``CANDIDATE61.md``), which did not, and ``train56`` (end of the thirty-sixth session) and
#: ``train57`` (thirty-seventh session), which judged N9 together (``CANDIDATE62.md``), which shipped, and
#: ``train58`` (the same session), which judged PTP (``CANDIDATE63.md``), which shipped, and ``train59``
#: (end of the thirty-seventh session), which judged N10 (``CANDIDATE64.md``, thirty-eighth session).
#: All seventeen joined the training mail with PTR (``CANDIDATE65.md``, thirty-eighth session), judged by
#: ``train60``, which waited with ``train61`` (thirty-eighth session), which judged the thirty-ninth
#: session's N12 (``CANDIDATE67.md``), which did not ship. Both joined the training mail with PTS
#: (``CANDIDATE68.md``, thirty-ninth session), judged by ``train62``, whose message labels judged the
#: fortieth session's detector candidate N13 (``CANDIDATE69.md``), which shipped with a depth model fitted
#: on ``train62`` too, judged by ``train63``, which waits now (its message labels judged the forty-first
#: session's N14, ``CANDIDATE70.md``, which did not ship), with ``train64`` (fortieth session), which judged
#: N14's depth model, and ``train65`` (forty-first session), which judged PTT (``CANDIDATE72.md``), which did
#: not ship, ``train66`` (forty-first session), which judged PTU (``CANDIDATE74.md``, forty-second
#: session), which did not ship, and ``train67`` (forty-second session), which judged the pair V3 + PTV
#: (``CANDIDATE76.md``, forty-sixth session), which did not ship, ``train68`` (forty-seventh session), which
#: judged the pair V3 + PTW (``CANDIDATE77.md``), which did not ship, and ``train69`` (the same session),
#: which judged the detector V2c's depth guard (``CANDIDATE78.md``), which shipped. All seven joined the
#: training mail with PTY (``CANDIDATE79.md``, forty-seventh session), judged by ``train70``, which waits.
#: ``train71`` and ``train72`` (forty-eighth session) judged the pair V4 + PTZ (``CANDIDATE80.md``), which
#: did not ship (steady trends); they wait with ``train70``. ``train73`` (the same session) judged the pair
#: V4 + PTZc (``CANDIDATE81.md``, forty-ninth session), and ``train74`` (written in the forty-ninth) the
#: same pair under ``CANDIDATE82.md``'s rule; neither pair shipped. All five joined the training mail with
#: PTZd (``CANDIDATE83.md``, forty-ninth session), judged by ``train75``, which joined the training mail
#: with PTZe (``CANDIDATE86.md``, fifty-first session), judged by ``train76``, which joined the training
#: mail with PTZf (``CANDIDATE87.md``, fifty-second session), judged by ``train77``, which joined the
#: training mail with PTZg (``CANDIDATE88.md``, the same session), judged by ``train78``, which joined
#: the training mail with PTZh (``CANDIDATE89.md``, fifty-third session), judged by ``train79``, which
#: joined the training mail with PTZk (``CANDIDATE91.md``, the same session), judged by ``train81``.
#: ``train80`` judged PTZj (``CANDIDATE90.md``, the same session: the household join). Both wait.
WAITING_SPLITS = ("train80", "train81")
#: Judge sets written and not read yet: no model reads them (``make evaluate`` leaves them out) until
#: the rule of the candidate they judge is committed (``data/independent/README.md``). ``train54`` was
#: read by candidate N7's rule (``models/depth/CANDIDATE60.md``), ``train55`` by N8's
#: (``CANDIDATE61.md``), ``train56`` and ``train57`` by N9's (``CANDIDATE62.md``), ``train58`` by PTP's
#: (``CANDIDATE63.md``), ``train59`` (six more, written at the end of the thirty-seventh session, with its
#: labels) by N10's (``CANDIDATE64.md``); ``train60`` (six of the thirty-eighth session, with its labels
#: ``data/signals/mail_labels_train60/``) was read by PTR's rule (``CANDIDATE65.md``) and N11's, and ``train61`` (six more
#: of the thirty-eighth session, with its labels) for the next candidate's: N11's rule
#: (``CANDIDATE66.md``) named it, but failed before it was needed; N12's rule (``CANDIDATE67.md``,
#: thirty-ninth session) read it. ``train62`` (six of the thirty-ninth session) was read by PTS's rule
#: (``CANDIDATE68.md``) for depth only: its labels ``data/signals/mail_labels_train62/`` stay unread for
#: the next detector candidate, and N13's rule (``CANDIDATE69.md``, fortieth session) read them.
#: ``train63`` (six more of the thirty-ninth session) was read by N13's rule for depth only: its labels
#: ``data/signals/mail_labels_train63/`` stay unread. ``train64`` (six of the fortieth session, with its
#: labels ``data/signals/mail_labels_train64/``) was read by N14's rule (``CANDIDATE70.md``, forty-first
#: session) for depth only: its labels stay unread for the next detector candidate. ``train65`` (six of the
#: forty-first session, with its labels ``data/signals/mail_labels_train65/``) was read by PTT's rule
#: (``CANDIDATE72.md``) for depth only: its labels stay unread. ``train66`` (six more of the forty-first
#: session, with its labels ``data/signals/mail_labels_train66/``) was read by PTU's rule
#: (``CANDIDATE74.md``, forty-second session) for depth only, and its labels by V3's
#: (``CANDIDATE75.md``, forty-sixth session). ``train67`` (six of the forty-second session, with its labels
#: ``data/signals/mail_labels_train67/``) was read by the rule of the pair V3 + PTV (``CANDIDATE76.md``,
#: forty-sixth session) for depth only: its labels stay unread. ``train68`` (six of the forty-seventh
#: session, no message labels) was read by the rule of the pair V3 + PTW (``CANDIDATE77.md``, forty-seventh
#: session), which did not ship. ``train69`` (six more of the forty-seventh session, no message labels) was
#: read by the depth guard of candidate V2c (``CANDIDATE78.md``), which shipped; it joined the training mail
#: with ``train63`` to ``train68`` in PTY (``CANDIDATE79.md``), judged by ``train70`` (six more of the
#: forty-seventh session, no message labels), which waits now. ``train71`` and ``train72`` (twelve of the
#: forty-eighth session, no message labels) were read by the rule of the pair V4 + PTZ (``CANDIDATE80.md``),
#: which did not ship; they wait. ``train73`` (six more of the forty-eighth session, no message labels)
#: was read by the rule of the pair V4 + PTZc (``CANDIDATE81.md``, forty-ninth session); it waits.
#: ``train74`` (five of the forty-ninth session, no message labels) was read by the same pair's second
#: rule (``CANDIDATE82.md``); it waits. ``train75`` (six more of the forty-ninth session, no message
#: labels) was read by the rule of the pair V4 + PTZd (``CANDIDATE83.md``), which shipped; it joined the
#: training mail with PTZe. ``train76`` (six more of the forty-ninth session, no message labels) was read by
#: the rule of PTZe (``CANDIDATE86.md``, fifty-first session), which shipped; it joined the training mail
#: with PTZf. ``train77`` (five of the fiftieth session, no message labels) was read by the rule of PTZf
#: (``CANDIDATE87.md``, fifty-second session), which shipped; it joined the training mail with PTZg.
#: ``train78`` (five of the fifty-first session, no message labels) was read by the rule of PTZg
#: (``CANDIDATE88.md``, fifty-second session), which shipped; it joined the training mail with PTZh.
#: ``train79`` (five of the fifty-second session, no message labels) was read by the rule of PTZh
#: (``CANDIDATE89.md``, fifty-third session), which shipped; it joined the training mail with PTZk.
#: ``train80`` (five more of the fifty-second session, no message labels) was read by the rule of PTZj
#: (``CANDIDATE90.md``), which shipped; it waits. ``train81`` (five of the fifty-third session, no
#: message labels) was read by the rule of PTZk (``CANDIDATE91.md``), which shipped; it waits.
#: ``train82`` (five more of the fifty-third session, no message labels) waits unread for the next
#: candidate's rule, and ``train83`` (five more of the same session) for the one after it.
UNREAD_SPLITS: tuple[str, ...] = ("train82", "train83")
#: Blind test sets: read only to report, never trained or tuned on.
TEST_SPLITS = ("test6", "test7", "test8", "test9", "test10", "test11", "test12")
POSITIVE = ("help_request", "advice_acted_on", "referral", "forgiveness", "strategic_involvement",
            "early_warning", "appreciation")
NEGATIVE = ("fee_pushback", "supplier_label", "complaint", "cancellation")


def mailboxes(split: str) -> list[Path]:
    """The mailbox folders of a split (one of :data:`SPLITS`), sorted by name."""
    folder = ROOT / split
    return sorted(p for p in folder.iterdir() if (p / "truth.csv").is_file()) if folder.is_dir() else []


def read_truth(box: Path) -> pd.DataFrame:
    t = pd.read_csv(box / "truth.csv", dtype={"domains": str, "addresses": str}, keep_default_na=False)
    t["depth"] = t["depth"].astype(float)
    return t


def run_mailbox(box: Path, out: Path, model_path=None, signals_model=None, client_list: bool = False):
    """``analyzer run box/mail --out out`` (no config) through the Python API; returns the result.

    With no config the tool finds the clients by itself: a client that writes from two domains or
    two free-mail addresses becomes two clients, and the truth row is matched with the first of
    them. ``client_list=True`` runs with ``--config box/analyzer.toml`` instead.
    """
    from analyzer.analysis import run_to_dir

    config = box / "analyzer.toml" if client_list else None
    return run_to_dir([box / "mail"], out, config=config, jobs=1, model_path=model_path,
                      signals_model=signals_model, use_cache=True)


def truth_keys(row) -> list[str]:
    """A ``truth.csv`` row's client keys, lower-cased: its mail domains, then its addresses."""
    return [k.strip().lower() for k in (row["domains"] + ";" + row["addresses"]).split(";") if k.strip()]


def matched(scores: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """truth rows with the scored client's row beside them (``scored`` False where none matched)."""
    keys = {}
    for i, row in scores.iterrows():
        for k in str(row.get("domains", "") or "").split(";"):
            if k:
                keys[k.strip().lower()] = i
        keys[str(row["client"]).strip().lower()] = i
    rows = []
    for _, t in truth.iterrows():
        ids = [keys.get(k) for k in truth_keys(t)]
        ids = [i for i in ids if i is not None]
        rows.append(scores.loc[ids[0]] if ids else pd.Series(dtype=object))
    m = pd.DataFrame(rows).reset_index(drop=True).add_prefix("got_")
    out = pd.concat([truth.reset_index(drop=True), m], axis=1)
    out["scored"] = m.notna().any(axis=1).to_numpy()
    return out


def signal_tally(scores: pd.DataFrame) -> pd.Series:
    """The plain baseline of issue 11: positive client signals minus negative ones (sig_* counts)."""
    pos = sum(scores.get(f"sig_{lb}", 0) for lb in POSITIVE)
    neg = sum(scores.get(f"sig_{lb}", 0) for lb in NEGATIVE)
    return pd.Series(np.asarray(pos, dtype=float) - np.asarray(neg, dtype=float), index=scores.index)


def matched_with_tally(scores: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """:func:`matched` of a run's scores.csv, with the plain signal tally (:func:`signal_tally`) that
    :func:`mailbox_metrics` reads beside the score."""
    return matched(scores.assign(tally=signal_tally), truth)


def _rho(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def mailbox_metrics(m: pd.DataFrame) -> dict:
    """Figures for one matched mailbox (:func:`matched` of a run's scores.csv)."""
    s = m[m["scored"]]
    tiers_true = s["depth"].map(tier_of)
    tiers_got = s["got_depth_score"].astype(float).map(tier_of)
    off = (tiers_true.map(TIERS.index) - tiers_got.map(TIERS.index)).abs()
    moving = s["trend"] != "steady"
    res = {
        "clients": int(len(m)), "scored": int(len(s)),
        "spearman": _rho(s["depth"], s["got_depth_score"]),
        "spearman_volume": _rho(s["depth"], s["got_n_messages"]),
        "spearman_tally": _rho(s["depth"], s["got_tally"]),
        "mae": float(np.mean(np.abs(s["depth"] - s["got_depth_score"].astype(float)))),
        "tier_accuracy": float(np.mean(tiers_true == tiers_got)),
        "two_tiers_off": int((off >= 2).sum()),
        "moving_right": int((s.loc[moving, "trend"] == s.loc[moving, "got_trend"]).sum()),
        "moving": int(moving.sum()),
        "steady_right": int((s.loc[~moving, "got_trend"] == "steady").sum()),
        "steady": int((~moving).sum()),
    }
    if "got_top_drivers" in s:
        own = np.array([_names_text_signal(str(d)) for d in s["got_top_drivers"]], dtype=bool)
        res["drivers_with_text_signal"] = int(own.sum())
        # a driver can name only a signal the detector found: the clients with at least one deeper or
        # shallower signal of their own, and how many of them have one named
        has = _own_signals(s) > 0
        res["with_own_signal"] = int(has.sum())
        res["drivers_when_own_signal"] = int((own & has).sum())
    return res


def _own_signals(s: pd.DataFrame) -> np.ndarray:
    """Per client: how many of its own deeper or shallower signals the run found (``got_sig_*``)."""
    cols = [f"got_sig_{lb}" for lb in POSITIVE + NEGATIVE if f"got_sig_{lb}" in s]
    return s[cols].fillna(0).to_numpy(dtype=float).sum(axis=1) if cols else np.zeros(len(s))


def _names_text_signal(drivers: str) -> bool:
    from analyzer.depth.drivers import TEXT_DRIVER_MARK

    return TEXT_DRIVER_MARK in drivers


def evaluate_split(split: str, workdir: Path, model_path=None, client_list: bool = False,
                   signals_model=None) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Run every mailbox of ``split``; one metrics row per mailbox and the matched frames."""
    rows, frames = [], []
    for box in mailboxes(split):
        out = workdir / split / (f"{box.name}-client-list" if client_list else box.name)
        result = run_mailbox(box, out, model_path=model_path, signals_model=signals_model, client_list=client_list)
        m = matched_with_tally(result.scores, read_truth(box))
        rows.append({"split": split, "mailbox": box.name, **mailbox_metrics(m)})
        frames.append(m.assign(mailbox=box.name))
    return pd.DataFrame(rows), frames
