"""training.signals.margins: how the combiner's sentence margins are chosen."""

import json

from training.signals.margins import choose_margins, development_paths


def test_a_label_keeps_the_margin_that_gains_enough_and_others_keep_none():
    gold = [["appreciation"], ["appreciation"], [], ["complaint"], []]
    by_margin = {
        None: [[], ["appreciation"], [], ["complaint"], []],            # appreciation F1 0.667, complaint 1.0
        0.1: [["appreciation"], ["appreciation"], ["appreciation"], ["complaint"], ["complaint"]],  # 0.8; 0.667
        0.2: [["appreciation"], ["appreciation"], [], ["complaint"], []],  # 1.0; 1.0
        0.3: [["appreciation"], ["appreciation"], [], ["complaint"], []],  # the same: the tie goes to 0.3
    }
    assert choose_margins(gold, by_margin) == {"appreciation": 0.3}
    assert choose_margins(gold, by_margin, min_gain=0.5) == {}  # +0.333 is not enough there


def test_development_sets_leave_out_what_the_model_trained_on_and_the_blind_set(tmp_path):
    from training.signals.snippet_sets import INDEPENDENT3_PATHS, INDEPENDENT_PATH
    from training.signals.sets import BLIND_SETS

    every = development_paths(tmp_path)  # no metrics.json: nothing trained on
    assert INDEPENDENT3_PATHS[0] in every and INDEPENDENT_PATH not in every
    assert not {p for _, paths, _ in BLIND_SETS for p in paths} & set(every)
    (tmp_path / "metrics.json").write_text(json.dumps({"data": {"independent": [str(INDEPENDENT3_PATHS[0])]}}))
    assert development_paths(tmp_path) == tuple(p for p in every if p != INDEPENDENT3_PATHS[0])


def test_the_command_applies_given_margins_to_a_copy_of_the_model(tmp_path):
    """``--margins`` (what ``make model`` runs): the folder copied whole, its config with the margins."""
    from analyzer.signals.pipeline import DEFAULT_MODEL, load_pipeline
    from training.signals.margins import main

    out = tmp_path / "signals"
    out.mkdir()
    (out / "stale.txt").write_text("replaced")
    assert main(["--model", str(DEFAULT_MODEL), "--out", str(out), "--margins", "appreciation=0.2,complaint=0.05"]) == 0
    assert not (out / "stale.txt").exists() and (out / "metrics.json").exists()
    nlp = load_pipeline(str(out))
    assert nlp.get_pipe("signal_combiner").sentence_margins == {"appreciation": 0.2, "complaint": 0.05}


def test_the_command_sets_the_word_floor_and_the_decisions_it_is_given(tmp_path, capsys):
    """``--margin-words`` and ``--thresholds`` / ``--rule-floors`` (every label once) go into the English
    combiner's config; the languages combiner is left as it is; a partial or unknown list is a usage error."""
    import pytest

    from analyzer.signals.labels import LABELS
    from analyzer.signals.pipeline import DEFAULT_MODEL, load_pipeline
    from training.signals.margins import main

    out = tmp_path / "signals"
    thresholds = {lab: 0.5 + i / 100 for i, lab in enumerate(LABELS)}
    floors = {lab: i / 50 for i, lab in enumerate(LABELS)}
    given = lambda d: ",".join(f"{k}={v}" for k, v in d.items())  # noqa: E731
    assert main(["--model", str(DEFAULT_MODEL), "--out", str(out), "--margins", "appreciation=0.2", "--margin-words", "3",
                 "--thresholds", given(thresholds), "--rule-floors", given(floors)]) == 0
    nlp = load_pipeline(str(out))
    english, languages = nlp.get_pipe("signal_combiner"), nlp.get_pipe("signal_combiner_languages")
    assert english.sentence_margin_words == 3 and english.thresholds == thresholds and english.rule_floors == floors
    shipped = load_pipeline(DEFAULT_MODEL).get_pipe("signal_combiner_languages")
    assert languages.thresholds == shipped.thresholds and languages.sentence_margin_words == 0
    for bad in (given(dict(list(thresholds.items())[:5])), given(thresholds | {"praise": 0.5})):
        with pytest.raises(SystemExit) as exc:
            main(["--model", str(DEFAULT_MODEL), "--out", str(tmp_path / "x"), "--margins", "appreciation=0.2",
                  "--thresholds", bad])
        assert exc.value.code == 2
    assert "must give every label once" in capsys.readouterr().err
    for argv in (["--thresholds", given(thresholds)],  # no --margins: a sweep would not read these decisions
                 ["--margins", "appreciation=0.2", "--rule-floors", "appreciation:0.1"]):
        with pytest.raises(SystemExit) as exc:
            main(["--model", str(DEFAULT_MODEL), "--out", str(tmp_path / "y"), *argv])
        assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "need --margins" in err and "expected LABEL=VALUE" in err


def test_the_command_pins_the_routed_languages_thresholds_and_refuses_an_unrouted_model(tmp_path, capsys):
    """``--language-thresholds`` (every label once; ``make model`` pins the shipped ones) goes into the
    languages combiner's config and leaves the English one as it is; a model with no language route is
    a one-line error (exit 2) and writes nothing."""
    import shutil

    from thinc.api import Config

    from analyzer.signals.labels import LABELS
    from analyzer.signals.pipeline import DEFAULT_MODEL, load_pipeline
    from training.signals.margins import LANGUAGE_COMBINER, main

    pinned = {lab: 0.2 + i / 40 for i, lab in enumerate(LABELS)}
    given = ",".join(f"{k}={v}" for k, v in pinned.items())
    out = tmp_path / "signals"
    assert main(["--model", str(DEFAULT_MODEL), "--out", str(out), "--margins", "appreciation=0.2",
                 "--language-thresholds", given]) == 0
    nlp, shipped = load_pipeline(str(out)), load_pipeline(DEFAULT_MODEL)
    assert nlp.get_pipe(LANGUAGE_COMBINER).thresholds == pinned
    assert nlp.get_pipe("signal_combiner").thresholds == shipped.get_pipe("signal_combiner").thresholds
    unrouted = tmp_path / "unrouted"
    shutil.copytree(DEFAULT_MODEL, unrouted)
    cfg = Config().from_disk(unrouted / "config.cfg", interpolate=False)
    del cfg["components"][LANGUAGE_COMBINER]
    cfg.to_disk(unrouted / "config.cfg", interpolate=False)
    assert main(["--model", str(unrouted), "--out", str(tmp_path / "z"), "--margins", "appreciation=0.2",
                 "--language-thresholds", given]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and LANGUAGE_COMBINER in err and "\n" not in err
    assert not (tmp_path / "z").exists() and not (tmp_path / "z.margins-tmp").exists()


def test_make_model_pins_the_shipped_languages_thresholds():
    """The Makefile's ``LANGUAGE_THRESHOLDS`` (passed to ``--language-thresholds``) are the shipped
    languages combiner's, so ``make model`` rebuilds what ships."""
    import re
    from pathlib import Path

    from analyzer.signals.pipeline import DEFAULT_MODEL, load_pipeline
    from training.signals.margins import LANGUAGE_COMBINER, _label_values

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    pinned = _label_values(re.search(r"^LANGUAGE_THRESHOLDS = (\S+)$", makefile, re.M).group(1))
    assert "--language-thresholds $(LANGUAGE_THRESHOLDS)" in makefile
    assert load_pipeline(DEFAULT_MODEL).get_pipe(LANGUAGE_COMBINER).thresholds == pinned


def test_courtesy_labels_keep_bare_thanks_from_carrying_appreciation(tmp_path):
    """``--courtesy-labels appreciation`` (the combiner's ``courtesy_labels``; shipped with candidate V2c,
    models/depth/CANDIDATE78.md): a bare courtesy sentence ("Thanks a lot!", "Thank you both.") carries
    no appreciation, praise beside it still does; an empty list clears the setting (and the same
    weights then read the bare thanks as appreciation), an unknown label is refused."""
    import pytest
    import spacy

    from analyzer.errors import ModelError
    from analyzer.signals.pipeline import DEFAULT_MODEL, load_pipeline
    from training.signals.margins import main

    plain, courteous = tmp_path / "plain", tmp_path / "courteous"
    assert main(["--model", str(DEFAULT_MODEL), "--out", str(plain), "--margins", "appreciation=0.2",
                 "--courtesy-labels", ""]) == 0
    assert main(["--model", str(plain), "--out", str(courteous), "--margins", "appreciation=0.2",
                 "--courtesy-labels", "appreciation"]) == 0
    plain, courteous = load_pipeline(str(plain)), load_pipeline(str(courteous))
    assert plain.get_pipe("signal_combiner").courtesy_labels == []
    assert courteous.get_pipe("signal_combiner").courtesy_labels == ["appreciation"]

    def found(nlp, text):
        doc = nlp(text)  # held while its spans are read
        return [(s.text, s.label_) for s in doc.spans["signals"]]

    for bare in ("Got it. Thank you so much!", "Approved, go ahead. Thank you both."):
        assert [lab for _, lab in found(plain, bare)] == ["appreciation"]  # what the setting is for
        assert found(courteous, bare) == []
    praise = "The launch page is brilliant, the board loved it. Thank you."
    assert found(courteous, praise) == [("The launch page is brilliant, the board loved it.", "appreciation")]
    assert ("Thank you.", "appreciation") in found(plain, praise)
    with pytest.raises(ModelError, match="unknown labels"):
        spacy.blank("en").add_pipe("signal_combiner", config={"courtesy_labels": ["thanks"]})
    with pytest.raises(SystemExit) as exc:
        main(["--model", str(DEFAULT_MODEL), "--out", str(tmp_path / "x"), "--margins", "appreciation=0.2",
              "--courtesy-labels", "thanks"])
    assert exc.value.code == 2


def test_make_model_builds_the_shipped_courtesy_labels():
    """The shipped English combiner's ``courtesy_labels`` are what ``make model``'s margins steps set, one
    Makefile variable for the shipped detector and the fold detectors alike."""
    import re
    from pathlib import Path

    from analyzer.signals.pipeline import DEFAULT_MODEL, load_pipeline

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    given = re.search(r"^COURTESY_LABELS = (\S+)$", makefile, re.M).group(1).split(",")
    steps = [line for line in makefile.splitlines() if line.startswith("\t") and "training.signals.margins" in line]
    assert len(steps) == 6 and all("--courtesy-labels $(COURTESY_LABELS)" in line for line in steps)  # shipped + 5 folds
    assert load_pipeline(DEFAULT_MODEL).get_pipe("signal_combiner").courtesy_labels == given == ["appreciation"]
