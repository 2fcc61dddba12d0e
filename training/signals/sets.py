"""The snippet sets the signal detector is evaluated on, and which of them are still blind.

:data:`INDEPENDENT_SETS` are read by every ``make evaluate`` (development sets: each was written by
helpers who saw no project data, and has been read at least once); :data:`BLIND_SETS` only when
``python -m training.signals.evaluate --sets`` names them, as a candidate's rule says
(``models/depth/CANDIDATE*.md``). A blind set moves to :data:`INDEPENDENT_SETS` once it has been read.
"""

from __future__ import annotations

from analyzer.errors import AnalyzerError
from training.signals.corpus import LANGUAGE_EVAL2_PATHS, LANGUAGE_EVAL3_PATHS, LANGUAGE_EVAL_PATHS, LANGUAGES
from training.signals.snippet_sets import (INDEPENDENT2_PATH, INDEPENDENT3_PATHS, INDEPENDENT4_PATHS,
                                           INDEPENDENT5_PATHS, INDEPENDENT6_PATHS, INDEPENDENT7_PATHS,
                                           INDEPENDENT8_PATHS, INDEPENDENT9_PATHS, INDEPENDENT10_PATHS,
                                           INDEPENDENT11_PATHS, INDEPENDENT12_PATHS, INDEPENDENT13_PATHS,
                                           INDEPENDENT14_PATHS, INDEPENDENT15_PATHS, INDEPENDENT16_PATHS,
                                           INDEPENDENT17_PATHS, INDEPENDENT18_PATHS, INDEPENDENT19_PATHS,
                                           INDEPENDENT20_PATHS, INDEPENDENT21_PATHS, INDEPENDENT22_PATHS,
                                           INDEPENDENT23_PATHS, INDEPENDENT24_PATHS, INDEPENDENT25_PATHS,
                                           INDEPENDENT26_PATHS, INDEPENDENT27_PATHS, INDEPENDENT28_PATHS,
                                           INDEPENDENT29_PATHS, INDEPENDENT30_PATHS, INDEPENDENT31_PATHS,
                                           INDEPENDENT32_PATHS, INDEPENDENT_PATH, INDEPENDENT_SINCE_V4_PATHS)

#: Evaluation sets beside the held-out split: (name, file, title). ``eval_independent.jsonl`` was
#: the untouched test set of the first sessions; its errors were then read to guide changes (see
#: data/signals/README_eval_independent.md), so ``eval_independent2.jsonl``, written later by an author
#: who saw neither it nor the training data, is the test set now.
INDEPENDENT_SETS = (
    ("independent", INDEPENDENT_PATH,
     "First independently written set (eval_independent.jsonl; its errors were studied during development, so "
     "it is a development set now)"),
    ("independent2", INDEPENDENT2_PATH,
     "Second independently written set (eval_independent2.jsonl; evaluation only, but reported since before the "
     "paraphrase training data existed)"),
    ("independent3", INDEPENDENT3_PATHS,
     "Third independently written set (eval_independent3_*.jsonl: paraphrase, mixed messages, sign flips; "
     "two authors who saw no project data; evaluation only: the test set)"),
    ("independent4", INDEPENDENT4_PATHS,
     "Fourth independently written set (eval_independent4_*.jsonl: two more authors who saw no project data, "
     "written after the register training data; evaluation only: a test set)"),
    ("test", INDEPENDENT3_PATHS + INDEPENDENT4_PATHS,
     "The third and fourth sets together (eval_independent3_*.jsonl + eval_independent4_*.jsonl; never trained "
     "on, but read with several models over three sessions)"),
    ("independent5", INDEPENDENT5_PATHS,
     "Fifth independently written set (eval_independent5_*.jsonl: three more authors who saw no project data, "
     "written in the seventh session; evaluation only, read once with each of two detectors that session)"),
    ("independent6", INDEPENDENT6_PATHS,
     "Sixth independently written set (eval_independent6_*.jsonl: three more authors who saw no project data, "
     "written in the eighth session; evaluation only: read once with each of two detectors that session)"),
    ("independent7", INDEPENDENT7_PATHS,
     "Seventh independently written set (eval_independent7_*.jsonl: three more authors who saw no project data, "
     "written in the twelfth session; evaluation only: read once with each of two detectors that session, then "
     "with the fourteenth session's candidate as a development set)"),
    ("independent8", INDEPENDENT8_PATHS,
     "Eighth independently written set (eval_independent8_*.jsonl: three more authors who saw no project data, "
     "written in the thirteenth session; evaluation only: the blind test set, first read in the fourteenth "
     "session with the shipped detector and that session's candidate)"),
    ("independent9", INDEPENDENT9_PATHS,
     "Ninth independently written set (eval_independent9_*.jsonl: three more authors who saw no project data, "
     "written in the nineteenth session; evaluation only: the newest blind test set, first read in the twentieth "
     "session with the shipped detector and four candidates, data/signals/README_eval_independent9.md; a "
     "development set since the twenty-fourth)"),
    ("independent10", INDEPENDENT10_PATHS,
     "Tenth independently written set (eval_independent10_*.jsonl: three more authors who saw no project data, "
     "written in the twenty-fourth session; evaluation only: the newest blind test set, first read in the "
     "twenty-fifth session with the shipped detector and candidate Y, data/signals/README_eval_independent10.md; "
     "a development set since)"),
    ("independent11", INDEPENDENT11_PATHS,
     "Eleventh independently written set (eval_independent11_*.jsonl: three more authors who saw no project data, "
     "written in the twenty-fifth session; first read in the twenty-sixth session with the shipped detector and "
     "candidate V, data/signals/README_eval_independent11.md; a development set since)"),
    ("independent12", INDEPENDENT12_PATHS,
     "Twelfth independently written set (eval_independent12_*.jsonl: three more authors who saw no project data, "
     "written in the twenty-sixth session; first read that session with the shipped detector and candidates D "
     "and D2, data/signals/README_eval_independent12.md; a development set since)"),
    ("independent13", INDEPENDENT13_PATHS,
     "Thirteenth independently written set (eval_independent13_*.jsonl: three more authors who saw no project "
     "data, written in the twenty-sixth session; first read in the thirtieth session with the shipped detector "
     "and candidate G1, data/signals/README_eval_independent13.md; a development set since)"),
    ("independent14", INDEPENDENT14_PATHS,
     "Fourteenth independently written set (eval_independent14_*.jsonl: three more authors who saw no project "
     "data, written in the thirtieth session; first read that session with the shipped detector and candidate "
     "G1W, data/signals/README_eval_independent14.md; a development set since)"),
    ("independent15", INDEPENDENT15_PATHS,
     "Fifteenth independently written set (eval_independent15_*.jsonl: three more authors who saw no project "
     "data, written in the thirtieth session; first read in the thirty-first session with the shipped detector "
     "and candidate G1W, models/depth/CANDIDATE43.md; a development set since)"),
    ("independent16", INDEPENDENT16_PATHS,
     "Sixteenth independently written set (eval_independent16_*.jsonl: three more authors who saw no project "
     "data, written in the thirty-first session; first read in the thirty-second session with the shipped "
     "detector alone, data/signals/README_eval_independent16.md; a development set since)"),
    ("independent17", INDEPENDENT17_PATHS,
     "Seventeenth independently written set (eval_independent17_*.jsonl: three more authors who saw no project "
     "data, written in the thirty-second session; first read in the thirty-sixth session with the shipped "
     "detector and candidate N7, models/depth/CANDIDATE60.md; a development set since)"),
    ("independent18", INDEPENDENT18_PATHS,
     "Eighteenth independently written set (eval_independent18_*.jsonl: three more authors who saw no project "
     "data, written in the thirty-sixth session; first read in the thirty-seventh session with the shipped "
     "detector and candidate N9, models/depth/CANDIDATE62.md; a development set since)"),
    ("independent19", INDEPENDENT19_PATHS,
     "Nineteenth independently written set (eval_independent19_*.jsonl: three more authors who saw no project "
     "data, written in the thirty-seventh session; first read in the thirty-eighth session with the shipped "
     "detector and candidate N10, models/depth/CANDIDATE64.md; a development set since)"),
    ("independent20", INDEPENDENT20_PATHS,
     "Twentieth independently written set (eval_independent20_*.jsonl: three more authors who saw no project "
     "data, written in the thirty-eighth session; first read in the same session with the shipped detector "
     "and candidate N11, models/depth/CANDIDATE66.md; a development set since)"),
    ("independent21", INDEPENDENT21_PATHS,
     "Twenty-first independently written set (eval_independent21_*.jsonl: three more authors who saw no project "
     "data, written in the thirty-eighth session; first read in the thirty-ninth session with the shipped "
     "detector and candidate N12, models/depth/CANDIDATE67.md; a development set since)"),
    ("independent22", INDEPENDENT22_PATHS,
     "Twenty-second independently written set (eval_independent22_*.jsonl: three more authors who saw no project "
     "data, written in the thirty-ninth session; first read in the fortieth session with the shipped "
     "detector and candidate N13, models/depth/CANDIDATE69.md; a development set since)"),
    ("independent23", INDEPENDENT23_PATHS,
     "Twenty-third independently written set (eval_independent23_*.jsonl: three more authors who saw no project "
     "data, written in the fortieth session; first read in the forty-first session with the shipped "
     "detector and candidate N14, models/depth/CANDIDATE70.md; a development set since)"),
    ("independent24", INDEPENDENT24_PATHS,
     "Twenty-fourth independently written set (eval_independent24_*.jsonl: three more authors who saw no project "
     "data, written in the forty-first session; first read in the forty-second session with the shipped "
     "detector N13 and candidate V2, models/depth/CANDIDATE73.md; a development set since)"),
    ("independent25", INDEPENDENT25_PATHS,
     "Twenty-fifth independently written set (eval_independent25_*.jsonl: three more authors who saw no project "
     "data, written in the forty-second session; first read in the forty-sixth session with the shipped "
     "detector V2 and candidate V3, models/depth/CANDIDATE75.md; a development set since)"),
    ("independent26", INDEPENDENT26_PATHS,
     "Twenty-sixth independently written set (eval_independent26_*.jsonl: three more authors who saw no project "
     "data, written in the forty-sixth session; first read in the forty-seventh session with the shipped "
     "detector V2 and candidate V2c, models/depth/CANDIDATE78.md; a development set since)"),
    ("independent27", INDEPENDENT27_PATHS,
     "Twenty-seventh independently written set (eval_independent27_*.jsonl: three more authors who saw no project "
     "data, written in the forty-seventh session; first read in the forty-eighth session with the shipped "
     "detector V2c and candidate V4, models/depth/CANDIDATE80.md; a development set since)"),
    ("independent28", INDEPENDENT28_PATHS,
     "Twenty-eighth independently written set (eval_independent28_*.jsonl: three more authors who saw no project "
     "data, written in the forty-eighth session; first read in the forty-ninth session with the shipped "
     "detector V2c and candidate V4, models/depth/CANDIDATE81.md; a development set since)"),
    ("independent29", INDEPENDENT29_PATHS,
     "Twenty-ninth independently written set (eval_independent29_*.jsonl: three more authors who saw no project "
     "data, written in the forty-ninth session; first read in the same session with the shipped "
     "detector V2c and candidate V4, models/depth/CANDIDATE82.md; a development set since)"),
    ("independent30", INDEPENDENT30_PATHS,
     "Thirtieth independently written set (eval_independent30_*.jsonl: three more authors who saw no project "
     "data, written in the forty-ninth session; first read in the fiftieth session with the shipped "
     "detector V4 and candidate V5, models/depth/CANDIDATE84.md; a development set since)"),
    ("independent31", INDEPENDENT31_PATHS,
     "Thirty-first independently written set (eval_independent31_*.jsonl: three more authors who saw no project "
     "data, written in the fiftieth session; first read in the fifty-first session with the shipped "
     "detector V4 and candidate V6, models/depth/CANDIDATE85.md; a development set since)"),
    ("independent27-31", INDEPENDENT_SINCE_V4_PATHS,
     "Sets 27 to 31 pooled (fifteen authors who saw no project data; each set read first, blind, by a "
     "candidate's rule in the forty-eighth to fifty-first sessions): the sets read since V4 was trained "
     "(V4 trained on sets 1 to 26), so one reading of about 5,500 texts instead of five of about 1,100"),
    ("languages", LANGUAGE_EVAL_PATHS,
     "Snippets written natively in French, German, Spanish and Portuguese (eval_lang_*.jsonl: four authors who "
     "saw no project data, written in the twenty-first session as a test set; data/signals/README_train_languages.md)"),
    *((f"language_{k}", path, f"Snippets written natively in {name} (eval_lang_{k}.jsonl; blind)")
      for k, path, name in zip(LANGUAGES, LANGUAGE_EVAL_PATHS, ("French", "German", "Spanish", "Portuguese"))),
    ("languages2", LANGUAGE_EVAL2_PATHS,
     "The second blind set in French, German, Spanish and Portuguese (eval_lang2_*.jsonl: four more authors who "
     "saw no project data, written at the end of the twenty-first session as a test set; first read in the "
     "twenty-second session by the routed candidate R, models/depth/CANDIDATE28.md)"),
    *((f"language2_{k}", path, f"Snippets written natively in {name} (eval_lang2_{k}.jsonl; blind)")
      for k, path, name in zip(LANGUAGES, LANGUAGE_EVAL2_PATHS, ("French", "German", "Spanish", "Portuguese"))),
    ("languages3", LANGUAGE_EVAL3_PATHS,
     "The blind set in Italian and Dutch (eval_lang3_*.jsonl: two authors who saw no project data, written in the "
     "twenty-second session as a test set, after the rule of candidate R2; data/signals/README_train_languages.md)"),
    *((f"language3_{k}", path, f"Snippets written natively in {name} (eval_lang3_{k}.jsonl; blind)")
      for k, path, name in zip(("it", "nl"), LANGUAGE_EVAL3_PATHS, ("Italian", "Dutch"))),
)

#: Blind sets: read only when ``--sets`` names them, as a candidate's rule says. ``eval_independent19_*``
#: was read by candidate N10's rule (``models/depth/CANDIDATE64.md``), ``eval_independent20_*`` by N11's
#: (``CANDIDATE66.md``), ``eval_independent21_*`` by N12's (``CANDIDATE67.md``), ``eval_independent22_*`` by
#: N13's (``CANDIDATE69.md``), ``eval_independent23_*`` by N14's (``CANDIDATE70.md``), ``eval_independent24_*``
#: by V2's (``CANDIDATE73.md``), ``eval_independent25_*`` by V3's (``CANDIDATE75.md``),
#: ``eval_independent26_*`` by V2c's (``CANDIDATE78.md``, forty-seventh session) and ``eval_independent27_*`` by
#: the rule of the pair V4 + PTZ (``CANDIDATE80.md``, forty-eighth session) and ``eval_independent28_*`` by
#: the rule of the pair V4 + PTZc (``CANDIDATE81.md``, forty-ninth session) and ``eval_independent29_*`` by
#: its second rule (``CANDIDATE82.md``) and ``eval_independent30_*`` by the rule of the pair V5 + PTZe
#: (``CANDIDATE84.md``, fiftieth session) and ``eval_independent31_*`` by the rule of candidate V6
#: (``CANDIDATE85.md``, fifty-first session); all are in :data:`INDEPENDENT_SETS` now.
#: ``eval_independent32_*`` (fifty-first session) is the blind set now (README_eval_independent32.md).
BLIND_SETS = (
    ("independent32", INDEPENDENT32_PATHS,
     "Thirty-second independently written set (eval_independent32_*.jsonl: three more authors who saw no "
     "project data, written in the fifty-first session; blind until a candidate's rule lets it be read, "
     "data/signals/README_eval_independent32.md)"),
)


def named_sets(names: str) -> tuple:
    """The entries of :data:`INDEPENDENT_SETS` and :data:`BLIND_SETS` named in ``names`` (comma-separated)."""
    every = {entry[0]: entry for entry in INDEPENDENT_SETS + BLIND_SETS}
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in every]
    if unknown or not wanted:
        raise AnalyzerError(f"unknown set(s) {', '.join(unknown) or names!r}; known: {', '.join(every)}")
    return tuple(every[n] for n in wanted)
