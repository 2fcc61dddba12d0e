"""The independent snippet sets: their files, and which of them a detector trains on.

Each set was written by helpers who saw no project data, as an evaluation set, and stays blind until a
candidate's rule reads it (:mod:`training.signals.sets` says which are read and which are blind). Read sets
may then become training text: :func:`independent_paths` maps ``training.signals.train --independent`` to the
sets it trains on, and :func:`independent_kind` / :func:`independent_option` read that back from a model's
``metrics.json``. ``training_parts`` (:mod:`training.signals.corpus`) is the one reader of these files for
training.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data" / "signals"

#: The first independently written sets (one author each; development sets since the first sessions).
INDEPENDENT_PATH = DATA_DIR / "eval_independent.jsonl"
INDEPENDENT2_PATH = DATA_DIR / "eval_independent2.jsonl"
#: The third independent set (two authors, written apart from everything else): the test set.
INDEPENDENT3_PATHS = (DATA_DIR / "eval_independent3_a.jsonl", DATA_DIR / "eval_independent3_b.jsonl")
#: The fourth independent set, written blind to all the above by two more authors: a test set too.
INDEPENDENT4_PATHS = (DATA_DIR / "eval_independent4_a.jsonl", DATA_DIR / "eval_independent4_b.jsonl")
#: The fifth independent set, three more authors blind to everything above (seventh session): the test set.
INDEPENDENT5_PATHS = tuple(DATA_DIR / f"eval_independent5_{k}.jsonl" for k in "abc")
#: The sixth independent set, three more authors blind to everything above (eighth session): the test set.
INDEPENDENT6_PATHS = tuple(DATA_DIR / f"eval_independent6_{k}.jsonl" for k in "abc")
#: The seventh independent set, three more authors blind to everything above (twelfth session): the test set.
INDEPENDENT7_PATHS = tuple(DATA_DIR / f"eval_independent7_{k}.jsonl" for k in "abc")
#: The eighth independent set, three more authors blind to everything above (thirteenth session): the
#: test set, read once with the shipped detector and the fourteenth session's candidate
#: (data/signals/README_eval_independent8.md).
INDEPENDENT8_PATHS = tuple(DATA_DIR / f"eval_independent8_{k}.jsonl" for k in "abc")
#: The ninth independent set, three more authors blind to everything above (nineteenth session): the
#: blind test set, first read in the twentieth session (data/signals/README_eval_independent9.md).
INDEPENDENT9_PATHS = tuple(DATA_DIR / f"eval_independent9_{k}.jsonl" for k in "abc")
#: The tenth independent set, three more authors blind to everything above (twenty-fourth session):
#: the blind test set, first read in the twenty-fifth session (data/signals/README_eval_independent10.md).
INDEPENDENT10_PATHS = tuple(DATA_DIR / f"eval_independent10_{k}.jsonl" for k in "abc")
#: The eleventh independent set, three more authors blind to everything above (twenty-fifth session):
#: first read in the twenty-sixth session (data/signals/README_eval_independent11.md).
INDEPENDENT11_PATHS = tuple(DATA_DIR / f"eval_independent11_{k}.jsonl" for k in "abc")
#: The twelfth independent set (twenty-sixth session): first read in the twenty-sixth session
#: (data/signals/README_eval_independent12.md).
INDEPENDENT12_PATHS = tuple(DATA_DIR / f"eval_independent12_{k}.jsonl" for k in "abc")
#: The thirteenth independent set (twenty-sixth session): first read in the thirtieth session with the
#: shipped detector and candidate G1 (data/signals/README_eval_independent13.md); a development set since.
INDEPENDENT13_PATHS = tuple(DATA_DIR / f"eval_independent13_{k}.jsonl" for k in "abc")
#: The fourteenth independent set (thirtieth session): first read that session by candidate GW's rule
#: (data/signals/README_eval_independent14.md); a development set since.
INDEPENDENT14_PATHS = tuple(DATA_DIR / f"eval_independent14_{k}.jsonl" for k in "abc")
#: The fifteenth independent set (thirtieth session): first read in the thirty-first session by
#: candidate GW0b's rule (models/depth/CANDIDATE43.md); a development set since.
INDEPENDENT15_PATHS = tuple(DATA_DIR / f"eval_independent15_{k}.jsonl" for k in "abc")
#: The sixteenth independent set (thirty-first session): first read in the thirty-second session with
#: the shipped detector alone (data/signals/README_eval_independent16.md); a development set since.
INDEPENDENT16_PATHS = tuple(DATA_DIR / f"eval_independent16_{k}.jsonl" for k in "abc")
#: The seventeenth independent set (thirty-second session): first read in the thirty-sixth session by
#: candidate N7's rule (models/depth/CANDIDATE60.md); a development set since.
INDEPENDENT17_PATHS = tuple(DATA_DIR / f"eval_independent17_{k}.jsonl" for k in "abc")
#: The eighteenth independent set (thirty-sixth session): first read in the thirty-seventh session by
#: candidate N9's rule (models/depth/CANDIDATE62.md); a development set since.
INDEPENDENT18_PATHS = tuple(DATA_DIR / f"eval_independent18_{k}.jsonl" for k in "abc")
#: The nineteenth independent set (thirty-seventh session): first read in the thirty-eighth session by
#: candidate N10's rule (models/depth/CANDIDATE64.md); a development set since.
INDEPENDENT19_PATHS = tuple(DATA_DIR / f"eval_independent19_{k}.jsonl" for k in "abc")
#: The twentieth independent set (thirty-eighth session): first read in the same session by candidate
#: N11's rule (models/depth/CANDIDATE66.md); a development set since.
INDEPENDENT20_PATHS = tuple(DATA_DIR / f"eval_independent20_{k}.jsonl" for k in "abc")
#: The twenty-first independent set (thirty-eighth session): first read in the thirty-ninth session by
#: candidate N12's rule (models/depth/CANDIDATE67.md); a development set since.
INDEPENDENT21_PATHS = tuple(DATA_DIR / f"eval_independent21_{k}.jsonl" for k in "abc")
#: The twenty-second independent set (thirty-ninth session): first read in the fortieth session by
#: candidate N13's rule (models/depth/CANDIDATE69.md); a development set since.
INDEPENDENT22_PATHS = tuple(DATA_DIR / f"eval_independent22_{k}.jsonl" for k in "abc")
#: The twenty-third independent set (fortieth session): first read in the forty-first session by
#: candidate N14's rule (models/depth/CANDIDATE70.md); a development set since.
INDEPENDENT23_PATHS = tuple(DATA_DIR / f"eval_independent23_{k}.jsonl" for k in "abc")
#: The twenty-fourth independent set (forty-first session): first read in the forty-second session by
#: candidate V2's rule (models/depth/CANDIDATE73.md); a development set since.
INDEPENDENT24_PATHS = tuple(DATA_DIR / f"eval_independent24_{k}.jsonl" for k in "abc")
#: The twenty-fifth independent set (forty-second session): first read in the forty-sixth session by
#: candidate V3's rule (models/depth/CANDIDATE75.md); a development set since.
INDEPENDENT25_PATHS = tuple(DATA_DIR / f"eval_independent25_{k}.jsonl" for k in "abc")
#: The twenty-sixth independent set (forty-sixth session, data/signals/README_eval_independent26.md): first
#: read in the forty-seventh session by candidate V2c's rule (models/depth/CANDIDATE78.md); a development set since.
INDEPENDENT26_PATHS = tuple(DATA_DIR / f"eval_independent26_{k}.jsonl" for k in "abc")
#: The twenty-seventh independent set (forty-seventh session, data/signals/README_eval_independent27.md): first
#: read in the forty-eighth session by the rule of the pair V4 + PTZ (models/depth/CANDIDATE80.md); a
#: development set since.
INDEPENDENT27_PATHS = tuple(DATA_DIR / f"eval_independent27_{k}.jsonl" for k in "abc")
#: The twenty-eighth independent set (forty-eighth session, data/signals/README_eval_independent28.md): first
#: read in the forty-ninth session by the rule of the pair V4 + PTZc (models/depth/CANDIDATE81.md); a
#: development set since.
INDEPENDENT28_PATHS = tuple(DATA_DIR / f"eval_independent28_{k}.jsonl" for k in "abc")
#: The twenty-ninth independent set (forty-ninth session, data/signals/README_eval_independent29.md): first
#: read in the same session by the rule of the pair V4 + PTZc's second judging (models/depth/CANDIDATE82.md);
#: a development set since.
INDEPENDENT29_PATHS = tuple(DATA_DIR / f"eval_independent29_{k}.jsonl" for k in "abc")
#: The thirtieth independent set (forty-ninth session, data/signals/README_eval_independent30.md): first
#: read in the fiftieth session by the rule of the pair V5 + PTZe (models/depth/CANDIDATE84.md); a
#: development set since.
INDEPENDENT30_PATHS = tuple(DATA_DIR / f"eval_independent30_{k}.jsonl" for k in "abc")
#: The thirty-first independent set (fiftieth session, data/signals/README_eval_independent31.md): first
#: read in the fifty-first session by the rule of candidate V6 (models/depth/CANDIDATE85.md); a
#: development set since.
INDEPENDENT31_PATHS = tuple(DATA_DIR / f"eval_independent31_{k}.jsonl" for k in "abc")
#: The thirty-second independent set (fifty-first session): blind, the next detector candidate's
#: (data/signals/README_eval_independent32.md); read only when ``--sets`` names it.
INDEPENDENT32_PATHS = tuple(DATA_DIR / f"eval_independent32_{k}.jsonl" for k in "abc")

#: The independent English snippet sets read before the twenty-sixth session's candidate D (sets 1 to
#: 11): written as evaluation sets, each blind until its first read, development sets since.
#: ``training_parts(independent=True)`` trains on them (as ``source: "independent"``). Fixed, so that D's
#: rows rebuild as they were; a blind set is never among them.
INDEPENDENT_READ_PATHS = (INDEPENDENT_PATH, INDEPENDENT2_PATH, *INDEPENDENT3_PATHS, *INDEPENDENT4_PATHS,
                          *INDEPENDENT5_PATHS, *INDEPENDENT6_PATHS, *INDEPENDENT7_PATHS, *INDEPENDENT8_PATHS,
                          *INDEPENDENT9_PATHS, *INDEPENDENT10_PATHS, *INDEPENDENT11_PATHS)
#: Every English independent snippet set read so far (sets 1 to 31: :data:`INDEPENDENT_READ_PATHS` and the
#: sets read since, each by a candidate's rule): ``training_parts(independent="all")``. The forty-eighth
#: session's V4 (``models/depth/CANDIDATE80.md``) trained on sets 1 to 26, before set 27 was read; its
#: ``metrics.json`` names them (:data:`INDEPENDENT_V4_PATHS`). The blind set (:data:`INDEPENDENT32_PATHS`) is never among them. A detector trained on these has no read snippet set left to be measured on: only a blind
#: set says what it does on snippets. A newly read set joins :data:`INDEPENDENT_SINCE_V4_PATHS`; sets 1 to
#: 26 (the sets read when V4 was trained, ``training_parts(independent="1-26")``), is fixed, so that V4's
#: rows rebuild as they were.
INDEPENDENT_V4_PATHS = INDEPENDENT_READ_PATHS + (
    *INDEPENDENT12_PATHS, *INDEPENDENT13_PATHS, *INDEPENDENT14_PATHS, *INDEPENDENT15_PATHS, *INDEPENDENT16_PATHS,
    *INDEPENDENT17_PATHS, *INDEPENDENT18_PATHS, *INDEPENDENT19_PATHS, *INDEPENDENT20_PATHS, *INDEPENDENT21_PATHS,
    *INDEPENDENT22_PATHS, *INDEPENDENT23_PATHS, *INDEPENDENT24_PATHS, *INDEPENDENT25_PATHS, *INDEPENDENT26_PATHS)
#: The sets read since V4 was trained (27 to 31), each first read blind by a candidate's rule: the pooled
#: development set ``independent27-31`` of ``training.signals.sets``.
INDEPENDENT_SINCE_V4_PATHS = (*INDEPENDENT27_PATHS, *INDEPENDENT28_PATHS, *INDEPENDENT29_PATHS, *INDEPENDENT30_PATHS,
                              *INDEPENDENT31_PATHS)
INDEPENDENT_ALL_READ_PATHS = INDEPENDENT_V4_PATHS + INDEPENDENT_SINCE_V4_PATHS


def independent_paths(independent: bool | str | tuple) -> tuple[Path, ...]:
    """The read snippet sets ``training_parts(independent=...)`` trains on: none (False), candidate D's
    sets 1 to 11 (True or ``"d"``: :data:`INDEPENDENT_READ_PATHS`), every read set (``"all"``:
    :data:`INDEPENDENT_ALL_READ_PATHS`), or the sets given as paths (a tuple, as :func:`independent_kind`
    reads back an older model's recorded sets)."""
    if independent in (False, None, ""):
        return ()
    if independent is True or independent == "d":
        return INDEPENDENT_READ_PATHS
    if independent == "all":
        return INDEPENDENT_ALL_READ_PATHS
    if independent == "1-26":
        return INDEPENDENT_V4_PATHS
    if isinstance(independent, tuple):
        return tuple(Path(p) for p in independent)
    raise ValueError(f"independent is False, True, 'd', 'all', '1-26' or a tuple of paths, not {independent!r}")


def independent_kind(recorded: list[str] | None) -> bool | str | tuple[Path, ...]:
    """The ``independent`` of :func:`independent_paths` that gives the snippet sets ``metrics.json``
    recorded (its inverse): False, True (sets among 1 to 11, all a model could record before ``"all"``),
    ``"all"`` (every set read now), ``"1-26"`` (V4's sets), or the recorded sets themselves as paths, for a model trained on
    "all" before a later set was read."""
    if not recorded:
        return False
    names = {Path(r).name for r in recorded}
    if names <= {p.name for p in INDEPENDENT_READ_PATHS}:
        return True
    if names == {p.name for p in INDEPENDENT_ALL_READ_PATHS}:
        return "all"
    if names == {p.name for p in INDEPENDENT_V4_PATHS}:
        return "1-26"
    return tuple(PROJECT_ROOT / r for r in recorded)


def independent_option(recorded: list[str] | None) -> str:
    """The ``training.signals.train`` option that trains on the snippet sets ``metrics.json`` recorded:
    "", " --independent", " --independent all" or " --independent 1-26"; ValueError for sets no option
    gives any more."""
    kind = independent_kind(recorded)
    if isinstance(kind, tuple):
        raise ValueError("the recorded snippet sets are neither sets 1 to 11, 1 to 26 nor every set read now")
    return f" --independent {kind}" if isinstance(kind, str) else " --independent" if kind else ""
