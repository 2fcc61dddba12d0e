"""The quarterly course learnt from other mail than the client score (candidate PTQ,
``models/depth/CANDIDATE47.md``): ``DepthModel.fit(period_rows=...)`` and the build's
``--quarterly-splits``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.depth.features import FEATURE_NAMES
from analyzer.depth.model import DepthModel

KW = dict(kind="taxonomy", log_counts=True, ordinal_tiers=True, regressor="gbm", period_regressor="ridge")


@pytest.fixture(scope="module")
def frame():
    """Clients whose depth follows referrals and complaints; the last third is mail of another
    kind, where fee pushback drives depth down hard."""
    rng = np.random.default_rng(3)
    n = 150
    F = pd.DataFrame(rng.uniform(0, 1, size=(n, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES),
                     index=[f"c{i}" for i in range(n)])
    for label in ("referral", "complaint", "fee_pushback"):
        F[f"client_{label}_count"] = rng.poisson(1.5, n).astype(float)
    y = 40 + 10 * F["client_referral_count"] - 6 * F["client_complaint_count"] + rng.normal(0, 3, n)
    other = np.arange(n) >= 100
    y = np.where(other, y - 12 * F["client_fee_pushback_count"], y)
    return F, np.clip(y, 0, 100), ~other


def test_the_quarterly_regressor_is_fitted_on_the_marked_rows_alone(frame):
    """With ``period_rows`` the quarterly regressor is exactly the one fitted on those rows alone,
    while the client score and the tiers read every row."""
    F, y, first = frame
    split = DepthModel(**KW).fit(F, y, period_rows=first)
    on_first = DepthModel(**KW).fit(F[first], y[first])
    on_all = DepthModel(**KW).fit(F, y)
    np.testing.assert_allclose(split.period_model_.raw_predict(F), on_first.period_model_.raw_predict(F))
    np.testing.assert_allclose(split.period_model_.predict(F), on_first.period_model_.predict(F))
    np.testing.assert_allclose(split.raw_predict(F), on_all.raw_predict(F))
    np.testing.assert_array_equal(split.tier_model_.predict(F), on_all.tier_model_.predict(F))
    # and the quarterly course really differs from the one fitted on all the mail
    assert np.abs(split.period_model_.raw_predict(F) - on_all.period_model_.raw_predict(F)).max() > 1.0


def test_unmarked_rows_are_the_default_and_bad_marks_are_refused(frame):
    F, y, first = frame
    every = DepthModel(**KW).fit(F, y, period_rows=np.ones(len(y), dtype=bool))
    default = DepthModel(**KW).fit(F, y)
    np.testing.assert_allclose(every.period_model_.raw_predict(F), default.period_model_.raw_predict(F))
    for bad in (first[:-1], np.zeros(len(y), dtype=bool)):
        with pytest.raises(ValueError, match="period_rows"):
            DepthModel(**KW).fit(F, y, period_rows=bad)


def test_the_build_marks_the_generated_rows_and_the_named_splits():
    from training.depth.selection import quarterly_rows

    box = pd.Series(["gen201", "train/alpha", "train31/beta", "dev/gamma", "train40/delta", "gen305"])
    assert quarterly_rows(box) is None
    assert quarterly_rows(box, ("train", "dev")).tolist() == [True, True, False, True, False, True]


def test_the_builds_quarterly_options_are_checked_before_any_mail_is_read(capsys):
    from training.depth.build import main

    with pytest.raises(SystemExit) as exc:  # a quarterly split the build does not read
        main(["--out", "unused", "--splits", "train,dev", "--quarterly-splits", "train,train31"])
    assert exc.value.code == 2 and "train31" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["--out", "unused", "--period-targets", "level,curve"])
    assert exc.value.code == 2 and "--period-targets" in capsys.readouterr().err


def test_the_builds_split_detectors_are_checked_before_any_mail_is_read(capsys):
    """``--split-signals-model SPLIT=PATH`` (cross-fitted detections, candidate PTP) names a split the
    build reads and a path; anything else is a usage error before any mail is read."""
    from training.depth.build import main
    from training.depth.rows import collect

    for bad in ("train31", "train99=build/x", "train31=", "test6=build/x"):
        with pytest.raises(SystemExit) as exc:
            main(["--out", "unused", "--split-signals-model", bad])
        assert exc.value.code == 2 and "--split-signals-model" in capsys.readouterr().err, bad
    with pytest.raises(ValueError, match="train31"):
        collect(seeds=(), splits=("train",), split_signals_models={"train31": Path("build/x")})


def test_the_shipped_model_records_the_mail_its_quarterly_course_was_fitted_on(capsys):
    """The shipped files (candidate PTQ) name :data:`QUARTERLY_SPLITS`, all of them trained on, and
    the build defaults to them."""
    import json
    from pathlib import Path

    from training.depth.build import main
    from training.depth.independent import QUARTERLY_SPLITS, TRAIN_SPLITS

    metrics = json.loads((Path(__file__).resolve().parents[1] / "models" / "depth" / "metrics.json").read_text())
    assert tuple(metrics["data"]["quarterly_splits"]) == QUARTERLY_SPLITS
    assert set(QUARTERLY_SPLITS) < set(TRAIN_SPLITS)
    with pytest.raises(SystemExit) as exc:  # fewer splits than the default quarterly course reads
        main(["--out", "unused", "--splits", "train,dev"])
    assert exc.value.code == 2 and "--quarterly-splits" in capsys.readouterr().err
