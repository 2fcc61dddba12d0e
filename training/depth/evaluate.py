"""Evaluate the depth model: ``python -m training.depth.evaluate`` (``make evaluate``).

Three kinds of data, side by side, each with two plain baselines (message volume, and the plain
tally of the taxonomy's signs on the detector's own findings: positive client signals minus
negative ones, from ``scores.csv``'s ``sig_*`` columns):

- **generated held-out**: mailboxes from ``data/mailgen`` with seeds the build never uses
  (:data:`EVAL_SEEDS`, a third each with behaviour tied to depth, unrelated, misleading). The
  project's own generator: not a quality figure;
- **independent train** and **dev**: ``data/independent/train`` and ``dev``, written apart but
  trained and tuned on: not quality figures; likewise ``retired-test``, ``retired-test2`` and
  ``retired-test3``, the first three blind test sets, retired into training in the fifth session,
  and ``retired-test4`` and ``retired-test5``, retired in the seventh;
- **independent test**: ``data/independent/test6`` to ``test12`` (blind sets written later by other
  helpers, from a brief that also asks for depths near the tier edges), written apart and never
  tuned on: the quality figures, per set and pooled (``all-tests``). Every mailbox is read with no
  config, as on a user's first run (a client that writes from two domains or two free-mail
  addresses is then split in two); the first test set is read a second time with its authors'
  client lists (``analyzer.toml``: ``test-client-list``), as a user who names the clients would.

Per data set: Spearman (mean and worst mailbox), tier accuracy, clients two tiers off, MAE, trends
(moving and steady clients right), and how many clients' top drivers name one of their own text
signals. Writes ``models/depth/evaluation.md`` and ``evaluation.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

from analyzer.depth.modelfile import load_depth_model
from analyzer.depth.scores import score_and_periods
from training.depth.independent import SPLITS, TEST_SPLITS, UNREAD_SPLITS, evaluate_split, mailbox_metrics, signal_tally
from training.depth.labelled import generate_and_ingest

log = logging.getLogger(__name__)

EVAL_SEEDS: tuple[int, ...] = tuple(range(301, 307))
BEHAVIOURS = ("tied", "unrelated", "misleading")


def generated_split(model, workdir: Path, seeds=EVAL_SEEDS) -> pd.DataFrame:
    from analyzer.signals.pipeline import load_pipeline

    nlp = load_pipeline()
    rows = []
    for seed in seeds:
        behaviour = BEHAVIOURS[seed % 3]
        messages, signals, truth = generate_and_ingest(seed, 12, 12, workdir, nlp=nlp, behaviour=behaviour)
        scores, _ = score_and_periods(messages, signals, model=model)
        scores = scores.assign(tally=signal_tally(scores)).set_index("client")
        t = truth.set_index("client")[["depth", "trend"]]
        got = scores.reindex(t.index).add_prefix("got_")
        m = pd.concat([t, got], axis=1).reset_index()
        m["scored"] = got["got_depth_score"].notna().to_numpy()
        rows.append({"split": "generated", "mailbox": f"seed{seed} ({behaviour})", **mailbox_metrics(m)})
    return pd.DataFrame(rows)


def summary(df: pd.DataFrame) -> dict:
    s = lambda c: float(df[c].mean())  # noqa: E731
    n = df["scored"].sum()
    return {
        "mailboxes": int(len(df)), "clients": int(df["clients"].sum()), "scored": int(n),
        "spearman_mean": round(s("spearman"), 3), "spearman_worst": round(float(df["spearman"].min()), 3),
        "volume_spearman_mean": round(s("spearman_volume"), 3), "tally_spearman_mean": round(s("spearman_tally"), 3),
        "tally_spearman_worst": round(float(df["spearman_tally"].min()), 3),
        "tier_accuracy": round(float((df["tier_accuracy"] * df["scored"]).sum() / n), 3),
        "two_tiers_off": int(df["two_tiers_off"].sum()),
        "mae": round(float((df["mae"] * df["scored"]).sum() / n), 2),
        "moving_right": f"{int(df['moving_right'].sum())}/{int(df['moving'].sum())}",
        "steady_right": f"{int(df['steady_right'].sum())}/{int(df['steady'].sum())}",
        "drivers_with_own_text_signal": f"{int(df['drivers_with_text_signal'].sum())}/{int(n)}",
        "drivers_when_own_signal": (f"{int(df['drivers_when_own_signal'].sum())}/{int(df['with_own_signal'].sum())}"
                                    if "with_own_signal" in df else ""),
    }


#: The judge sets that waited and are trained on since: the session that wrote each, the candidate it
#: judged, that candidate's rule file number (``models/depth/CANDIDATE<n>.md``), whether it shipped, and the
#: candidate that joined it to the training mail (PTR, ``CANDIDATE65.md``, thirty-eighth session; PTS,
#: ``CANDIDATE68.md``, thirty-ninth).
JOINED_JUDGES = {
    "train43": ("thirty-second", "PTF2", 49, True, "PTR, CANDIDATE65.md"),
    "train44": ("thirty-second", "PTM", 50, True, "PTR, CANDIDATE65.md"),
    "train45": ("thirty-second", "PTM2", 51, False, "PTR, CANDIDATE65.md"),
    "train46": ("thirty-third", "N", 52, False, "PTR, CANDIDATE65.md"),
    "train47": ("thirty-third", "N2", 53, True, "PTR, CANDIDATE65.md"),
    "train48": ("thirty-third", "PTN", 54, True, "PTR, CANDIDATE65.md"),
    "train49": ("thirty-fourth", "N3", 55, True, "PTR, CANDIDATE65.md"),
    "train50": ("thirty-fourth", "N4", 56, True, "PTR, CANDIDATE65.md"),
    "train51": ("thirty-fourth", "PTO", 57, True, "PTR, CANDIDATE65.md"),
    "train52": ("thirty-fifth", "N5", 58, True, "PTR, CANDIDATE65.md"),
    "train53": ("thirty-fifth", "N6", 59, False, "PTR, CANDIDATE65.md"),
    "train54": ("thirty-sixth", "N7", 60, True, "PTR, CANDIDATE65.md"),
    "train55": ("thirty-sixth", "N8", 61, False, "PTR, CANDIDATE65.md"),
    "train56": ("thirty-sixth", "N9", 62, True, "PTR, CANDIDATE65.md"),
    "train57": ("thirty-seventh", "N9", 62, True, "PTR, CANDIDATE65.md"),
    "train58": ("thirty-seventh", "PTP", 63, True, "PTR, CANDIDATE65.md"),
    "train59": ("thirty-seventh", "N10", 64, True, "PTR, CANDIDATE65.md"),
    "train60": ("thirty-eighth", "PTR", 65, True, "PTS, CANDIDATE68.md"),
    "train61": ("thirty-eighth", "N12", 67, False, "PTS, CANDIDATE68.md"),
    "train62": ("thirty-ninth", "PTS", 68, True, "N13, CANDIDATE69.md"),
    "train63": ("thirty-ninth", "N13", 69, True, "PTY, CANDIDATE79.md"),
    "train64": ("fortieth", "N14", 70, False, "PTY, CANDIDATE79.md"),
    "train65": ("forty-first", "PTT", 72, False, "PTY, CANDIDATE79.md"),
    "train66": ("forty-first", "PTU", 74, False, "PTY, CANDIDATE79.md"),
    "train67": ("forty-second", "the pair V3 + PTV", 76, False, "PTY, CANDIDATE79.md"),
    "train68": ("forty-seventh", "the pair V3 + PTW", 77, False, "PTY, CANDIDATE79.md"),
    "train69": ("forty-seventh", "the detector V2c (depth guard)", 78, True, "PTY, CANDIDATE79.md"),
    "train70": ("forty-seventh", "PTY", 79, True, "PTZd, CANDIDATE83.md"),
    "train71": ("forty-eighth", "the pair V4 + PTZ", 80, False, "PTZd, CANDIDATE83.md"),
    "train72": ("forty-eighth", "the pair V4 + PTZ", 80, False, "PTZd, CANDIDATE83.md"),
    "train73": ("forty-ninth", "the pair V4 + PTZc", 81, False, "PTZd, CANDIDATE83.md"),
    "train74": ("forty-ninth", "the pair V4 + PTZc", 82, False, "PTZd, CANDIDATE83.md"),
    "train75": ("forty-ninth", "the pair V4 + PTZd", 83, True, "PTZe, CANDIDATE86.md"),
    "train76": ("forty-ninth", "PTZe", 86, True, "PTZf, CANDIDATE87.md"),
    "train77": ("fiftieth", "PTZf", 87, True, "PTZg, CANDIDATE88.md"),
    "train78": ("fifty-first", "PTZg", 88, True, "PTZh, CANDIDATE89.md"),
    "train79": ("fifty-second", "PTZh", 89, True, "PTZk, CANDIDATE91.md"),
}
#: The judge sets that wait (not trained on), as :data:`JOINED_JUDGES` without the last element.
WAITING_JUDGES = {
    "train80": ("fifty-second", "PTZj", 90, True),
    "train81": ("fifty-third", "PTZk", 91, True),
}


def _waiting_judge(split: str, session: str, candidate: str, rule: int, shipped: bool,
                   trained_since: str = "") -> str:
    """The evaluation table's name of a judge set that waits (:data:`WAITING_JUDGES`) or that waited and
    is trained on since ``trained_since`` (:data:`JOINED_JUDGES`)."""
    status = f"trained on since {trained_since}" if trained_since else "not trained on"
    return (f"independent {split} (training mailboxes of the {session} session, the long-tail and the general "
            f"brief, which judged candidate {candidate}, CANDIDATE{rule}.md ({'shipped' if shipped else 'not shipped'}); "
            f"{status})")


def evaluation_md(res: dict, per_box: pd.DataFrame, command: str) -> str:
    names = {"generated": "generated held-out (own generator: not a quality figure)",
             "train": "independent train (trained on: not a quality figure)",
             "dev": "independent dev (tuned on: not a quality figure)",
             "retired-test": "independent retired-test (first blind set, read over four sessions, now trained on)",
             "retired-test2": "independent retired-test2 (second blind set, now trained on)",
             "retired-test3": "independent retired-test3 (third blind set, now trained on)",
             "retired-test4": "independent retired-test4 (blind in sessions four to six, now trained on)",
             "retired-test5": "independent retired-test5 (blind in sessions five and six, now trained on)",
             "test6": ("independent **test6** (blind, never tuned on; written late in the fifth session, "
                       "first read with its final model)"),
             "test7": "independent **test7** (blind, never tuned on; written in the sixth session)",
             "test8": ("independent **test8** (blind, never tuned on; written in the sixth session after the "
                       "ordinal-tier rule was fixed)"),
             "test9": ("independent **test9** (blind, never tuned on; written in the seventh session before the "
                       "rebuild on 51 mailboxes)"),
             "test10": ("independent **test10** (blind, never tuned on; written in the tenth session, first read "
                        "with the model before that session's rebuild, then with the rebuild)"),
             "test11": ("independent **test11** (blind, never tuned on; written at the end of the tenth session "
                        "with a long tail of transactional and sparse clients, after that session's rebuild)"),
             "test12": ("independent **test12** (blind, never tuned on; written in the eleventh session and "
                        "first read with the model shipped in the tenth)"),
             "train8": "independent train8 (training mailboxes of the eighth session; trained on since the tenth)",
             "train9": ("independent train9 (training mailboxes of the tenth session, with a long tail of purely "
                        "transactional and sparse clients; trained on)"),
             "train10": ("independent train10 (training mailboxes of the thirteenth session: quiet warmth, sparse "
                         "clients that change, transactional tails; trained on since the sixteenth)"),
             "train11": ("independent train11 (training mailboxes of the fifteenth session: courtesy that is not "
                         "depth, depths near the tier edges; trained on since the sixteenth)"),
             "train12": ("independent train12 (training mailboxes of the sixteenth session, written to judge a "
                         "candidate: mailboxes as agencies have them; trained on since the sixteenth)"),
             "train13": ("independent train13 (training mailboxes of the sixteenth session, the train12 brief, "
                         "written to judge the sixteenth session's rebuild; trained on since the seventeenth)"),
             "train14": ("independent train14 (training mailboxes of the seventeenth session: the long tail, clients "
                         "writing partly in their own language; written to judge that session's rebuild (L); trained on since the eighteenth)"),
             "train15": ("independent train15 (training mailboxes of the seventeenth session, the train14 brief, "
                         "which judged candidate M; trained on since the eighteenth)"),
             "train16": ("independent train16 (training mailboxes of the eighteenth session: words and substance, "
                         "which judged candidate N; trained on since the eighteenth)"),
             "train17": ("independent train17 (training mailboxes of the eighteenth session, the train16 brief, "
                         "written to judge candidate O; trained on since the nineteenth)"),
             "train18": ("independent train18 (training mailboxes of the nineteenth session, the train13 brief, "
                         "written to judge candidate P; trained on since the twenty-ninth)"),
             "train19": ("independent train19 (training mailboxes of the nineteenth session, the general brief, "
                         "which judged the twentieth session's candidate R; trained on since the twenty-ninth)"),
             "train20": ("independent train20 (training mailboxes of the twentieth session, the general brief, "
                         "which judged candidate S (shipped); trained on since the twenty-ninth)"),
             "train21": ("independent train21 (training mailboxes of the twenty-first session, the general brief, "
                         "which judged candidate T (not shipped); trained on since the twenty-ninth)"),
             "train22": ("independent train22 (training mailboxes of the twenty-first session, the general brief, "
                         "which judged candidate U (not shipped); trained on since the twenty-ninth)"),
             "train23": ("independent train23 (training mailboxes of the twenty-first session with clients writing in "
                         "French, German, Spanish or Portuguese, which judged the twenty-second session's candidate W "
                         "(shipped: the routed detector); trained on since the twenty-ninth)"),
             "train24": ("independent train24 (training mailboxes of the twenty-second session, the train23 brief, "
                         "which judged candidate X, CANDIDATE29.md (shipped); trained on since the twenty-ninth)"),
             "train25": ("independent train25 (training mailboxes of the twenty-second session with clients writing in "
                         "Italian or Dutch, which judged candidate W2, CANDIDATE30.md; trained on since the twenty-ninth)"),
             "train26": ("independent train26 (training mailboxes of the twenty-seventh session, the long-tail and the "
                         "general brief, which with train28 judged candidate O0w, CANDIDATE34.md (not shipped); trained "
                         "on since the twenty-ninth)"),
             "train27": ("independent train27 (training mailboxes of the twenty-eighth session, the general and the "
                         "long-tail brief, which judged candidate H2, CANDIDATE32.md (not shipped); trained on since the twenty-ninth)"),
             "train28": ("independent train28 (training mailboxes of the twenty-ninth session, the general and the "
                         "long-tail brief, which with train26 judged candidate O0w, CANDIDATE34.md (not shipped); trained "
                         "on since the twenty-ninth)"),
             "train29": ("independent train29 (training mailboxes of the twenty-ninth session, the long-tail and the "
                         "general brief, which judged candidate T3, CANDIDATE35.md (shipped); trained on since the thirtieth)"),
             "train30": ("independent train30 (training mailboxes of the twenty-ninth session, the long-tail and the "
                         "general brief, which judged candidate T3g0, CANDIDATE36.md (not shipped); trained on since the thirtieth)"),
             "train31": ("independent train31 (training mailboxes of the thirtieth session, the long-tail and the "
                         "general brief, which judged candidate T4, CANDIDATE38.md (shipped); trained on since PTQ, CANDIDATE47.md)"),
             "train32": ("independent train32 (training mailboxes of the thirtieth session, the long-tail and the "
                         "general brief, which judged candidate GW, CANDIDATE39.md (not shipped); trained on since PTQ, CANDIDATE47.md)"),
             "train33": ("independent train33 (training mailboxes of the thirtieth session, the long-tail and the "
                         "general brief, which judged candidate GW0, CANDIDATE40.md (not shipped); trained on since PTQ, CANDIDATE47.md)"),
             "train34": ("independent train34 (training mailboxes of the thirtieth session, the long-tail and the "
                         "general brief, which judged candidate T5, CANDIDATE41.md (not shipped); trained on since PTQ, CANDIDATE47.md)"),
             "train35": ("independent train35 (training mailboxes of the thirtieth session, the long-tail and the "
                         "general brief, which judged candidate T5b, CANDIDATE42.md (not shipped); trained on since PTQ, CANDIDATE47.md)"),
             "train36": ("independent train36 (training mailboxes of the thirtieth session, the long-tail and the "
                         "general brief, which judged the thirty-first session's candidate GW0b, CANDIDATE43.md (not "
                         "shipped); trained on since PTQ, CANDIDATE47.md)"),
             "train37": ("independent train37 (training mailboxes of the thirty-first session, the long-tail and the "
                         "general brief, which with train38 judged candidate PS, CANDIDATE44.md (not shipped); trained on "
                         "since PTQ, CANDIDATE47.md)"),
             "train38": ("independent train38 (training mailboxes of the thirty-first session, the long-tail and the "
                         "general brief, which with train37 judged candidate PS, CANDIDATE44.md (not shipped); trained on "
                         "since PTQ, CANDIDATE47.md)"),
             "train39": ("independent train39 (training mailboxes of the thirty-first session, the long-tail and the "
                         "general brief, which judged candidate PT, CANDIDATE45.md (shipped); trained on since PTQ, CANDIDATE47.md)"),
             "train40": ("independent train40 (training mailboxes of the thirty-first session, the long-tail and the "
                         "general brief, which judged candidate PT9, CANDIDATE46.md (not shipped); trained on since PTQ, CANDIDATE47.md)"),
             "train41": ("independent train41 (training mailboxes of the thirty-first session, the long-tail and the "
                         "general brief, which judged candidate PTQ, CANDIDATE47.md (shipped); trained on since PTF2, "
                         "CANDIDATE49.md)"),
             "train42": ("independent train42 (training mailboxes of the thirty-second session, the long-tail and the "
                         "general brief, which judged candidate PTF, CANDIDATE48.md (shipped); trained on since PTF2, "
                         "CANDIDATE49.md)"),
             **{split: _waiting_judge(split, *judged) for split, judged in WAITING_JUDGES.items()},
             **{split: _waiting_judge(split, *judged) for split, judged in JOINED_JUDGES.items()},
             "all-tests": "independent **test6 to test12** pooled (never tuned on)",
             "test-client-list": "independent test6, with each mailbox's client list (`analyzer.toml`)"}
    lines = ["# Depth model evaluation", "", f"Command: `{command}`", "",
             "| data | mailboxes / clients | Spearman mean (worst) | message volume | signal tally (worst) | "
             "tiers right | two tiers off | MAE | moving trends right | steady called steady | drivers name an own signal "
             "(all clients; clients with one found) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for k, r in res.items():
        lines.append(f"| {names.get(k, f'independent {k}')} | {r['mailboxes']} / {r['scored']} | **{r['spearman_mean']}** ({r['spearman_worst']}) | "
                     f"{r['volume_spearman_mean']} | {r['tally_spearman_mean']} ({r['tally_spearman_worst']}) | "
                     f"{r['tier_accuracy']} | {r['two_tiers_off']} | {r['mae']} | {r['moving_right']} | "
                     f"{r['steady_right']} | {r['drivers_with_own_text_signal']}; {r['drivers_when_own_signal']} |")
    cols = ["split", "mailbox", "scored", "spearman", "spearman_volume", "spearman_tally", "tier_accuracy",
            "mae", "moving_right", "moving", "steady_right", "steady"]
    lines += ["", "Per mailbox:", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in per_box.iterrows():
        lines.append("| " + " | ".join(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |")
    lines.append("")
    return "\n".join(lines)


def default_splits() -> tuple[str, ...]:
    """What ``make evaluate`` reads: the generated held-out mailboxes, every independent split but the
    unread judge sets (:data:`~training.depth.independent.UNREAD_SPLITS`, read only when named), and
    ``test6`` again with its client lists."""
    return ("generated",) + tuple(s for s in SPLITS if s not in UNREAD_SPLITS) + ("test-client-list",)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.depth.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="depth model file (default: the shipped one)")
    ap.add_argument("--out", type=Path, default=Path("models/depth"))
    ap.add_argument("--work", type=Path, default=None, help="keep the runs here (default: a temporary folder)")
    ap.add_argument("--splits", default=",".join(default_splits()))
    ap.add_argument("--signals-model", type=Path, default=None,
                    help="signal pipeline of the independent mailboxes' runs (default: the shipped one)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    model = load_depth_model(args.model)
    splits = args.splits.split(",")
    with tempfile.TemporaryDirectory(prefix="depth-eval-") as tmp, threadpool_limits(1):
        work = args.work or Path(tmp)
        parts = []
        if "generated" in splits:
            parts.append(generated_split(model, work / "generated"))
        for split in SPLITS:
            if split in splits:
                parts.append(evaluate_split(split, work, model_path=args.model, signals_model=args.signals_model)[0])
        if "test-client-list" in splits:
            parts.append(evaluate_split(TEST_SPLITS[0], work, model_path=args.model, client_list=True,
                                        signals_model=args.signals_model)[0]
                         .assign(split="test-client-list"))
    per_box = pd.concat(parts, ignore_index=True)
    res = {k: summary(g) for k, g in per_box.groupby("split", sort=False)}
    pooled = per_box[per_box["split"].isin(TEST_SPLITS)]
    if pooled["split"].nunique() == len(TEST_SPLITS):
        res["all-tests"] = summary(pooled)
    command = "python -m training.depth.evaluate" + (f" --model {args.model}" if args.model else "")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "evaluation.json").write_text(json.dumps({"summary": res, "per_mailbox": per_box.to_dict("records")},
                                                         indent=2, default=float) + "\n", encoding="utf-8")
    (args.out / "evaluation.md").write_text(evaluation_md(res, per_box, command), encoding="utf-8")
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
