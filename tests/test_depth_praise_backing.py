"""Which signs back praise (``praise_backing``, candidate PTF, ``models/depth/CANDIDATE48.md``): with
``"substance"`` forgiveness no longer lets more praise count; the evidence, the model, the drivers,
model files and the build all read it the same way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.depth.drivers import top_drivers
from analyzer.depth.evidence import LABEL_SIGNS, EvidenceFeatures, counted_praise, praise_backers
from analyzer.depth.features import FEATURE_NAMES
from analyzer.depth.model import DepthModel
from analyzer.depth.modelfile import load_depth_model, save_depth_model


def _warm_clients() -> pd.DataFrame:
    """Three clients, each praising six times: one who also forgives twice, one who also refers
    twice, one with nothing else."""
    F = pd.DataFrame(0.0, index=["forgiving", "referring", "warm"], columns=list(FEATURE_NAMES))
    F["n_messages"], F["client_msg_share"] = 20.0, 0.5
    F["client_appreciation_count"], F["client_appreciation_rate"] = 6.0, 0.6
    F.loc["forgiving", ["client_forgiveness_count", "client_forgiveness_rate"]] = 2.0, 0.2
    F.loc["referring", ["client_referral_count", "client_referral_rate"]] = 2.0, 0.2
    return F


def test_forgiveness_backs_praise_only_under_the_deeper_backing():
    counts = {lb: 0 for lb in LABEL_SIGNS} | {"appreciation": 6, "forgiveness": 2}
    assert counted_praise(counts, 1) == (3, 2)
    assert counted_praise(counts, 1, "substance") == (1, 0)
    counts["referral"] = 2
    assert counted_praise(counts, 1, "substance") == (3, 2)
    assert "forgiveness" in praise_backers("deeper") and "forgiveness" not in praise_backers("substance")
    with pytest.raises(ValueError, match="praise_backing"):
        praise_backers("warmth")


def test_the_evidence_counts_a_forgiving_clients_praise_as_far_as_substance_backs_it():
    F = _warm_clients()
    deeper = EvidenceFeatures(log_counts=True, backed_praise=1).fit(F).transform(F)
    substance = EvidenceFeatures(log_counts=True, backed_praise=1, praise_backing="substance").fit(F).transform(F)
    # the forgiving client: three praises counted before, one now; its forgiveness counts as before
    assert substance.loc["forgiving", "ev_appreciation"] == pytest.approx(deeper.loc["forgiving", "ev_appreciation"] / 3)
    assert substance.loc["forgiving", "ev_forgiveness"] == pytest.approx(deeper.loc["forgiving", "ev_forgiveness"])
    assert substance.loc["forgiving", "ev_positive_count"] == pytest.approx(np.log1p(2 + 1))
    # praise backed by referrals, and praise backed by nothing, are read as before
    pd.testing.assert_series_equal(substance.loc["referring"], deeper.loc["referring"])
    pd.testing.assert_series_equal(substance.loc["warm"], deeper.loc["warm"])


def test_the_model_reads_the_backing_everywhere_stays_monotone_and_keeps_it_in_its_file(tmp_path):
    from depth_frames import client_feature_frame

    rng = np.random.default_rng(4)
    poisson = lambda r, k: r.poisson(1.5, k)  # noqa: E731
    F = client_feature_frame(rng, 200, {lb: poisson for lb in ("referral", "forgiveness", "appreciation",
                                                                "complaint")}, (10, 60))
    y = np.clip(25 + 12 * F["client_referral_count"] - 5 * F["client_complaint_count"] + rng.normal(0, 4, 200), 0, 100)
    kw = dict(kind="taxonomy", log_counts=True, ordinal_tiers=True, regressor="gbm", period_regressor="ridge",
              backed_praise=1)
    model = DepthModel(**kw, praise_backing="substance", praise_share="capped").fit(F, y)
    readers = [model.pipeline_.named_steps["evidence"], model.tier_model_.prepare_.named_steps["evidence"],
               model.period_model_.pipeline_.named_steps["evidence"]]
    assert all(r.praise_backing == "substance" and r.praise_share == "capped" for r in readers)
    # three more of a sign in the client's mail, its share rising with it as in real mail: a deeper sign
    # never lowers the score, a shallower one never raises it
    base = F.iloc[:40]
    p0, n_client = model.predict(base), base["n_messages"] * base["client_msg_share"]
    for label, sign in LABEL_SIGNS.items():
        more = base.assign(**{f"client_{label}_count": base[f"client_{label}_count"] + 3,
                              f"client_{label}_rate": base[f"client_{label}_rate"] + 3 / n_client})
        assert (sign * (model.predict(more) - p0) >= -1e-9).all(), label
    again = load_depth_model(save_depth_model(model, tmp_path / "m.skops"))
    assert again.praise_backing == "substance" and again.praise_share == "capped"
    np.testing.assert_allclose(again.predict(F), model.predict(F))
    with pytest.raises(ValueError, match="praise_backing"):
        DepthModel(**kw, praise_backing="warmth").fit(F, y)


def test_drivers_name_what_backs_praise_under_each_backing():
    F = _warm_clients()
    contrib = pd.DataFrame(0.0, index=F.index, columns=list(FEATURE_NAMES))
    for label in LABEL_SIGNS:
        contrib[f"client_{label}_count"] = 1.0
    deeper = top_drivers(F, contrib, backed_praise=1)
    substance = top_drivers(F, contrib, backed_praise=1, praise_backing="substance")
    assert "counted 3 times: as far as the client's other deeper signs back it" in deeper["forgiving"]
    assert ("counted once: no help request, advice acted on, referral, strategic matter or early warning backs "
            "the rest") in substance["forgiving"]
    assert "counted 3 times: as far as what the client brings backs it" in substance["referring"]


def test_the_build_refuses_an_unknown_backing_before_reading_mail(capsys):
    from training.depth.build import main

    with pytest.raises(SystemExit) as exc:
        main(["--out", "unused", "--praise-backing", "warmth"])
    assert exc.value.code == 2 and "--praise-backing" in capsys.readouterr().err


def test_a_capped_praise_share_never_falls_when_one_feature_rises_and_equals_the_scaled_one_unweighted():
    """``praise_share="capped"`` (candidate PTM): with the share fixed, one more praise found lowers the
    scaled evidence of a capped client (the defect: shares are recency-weighted, counts are not) but
    leaves the capped evidence as it is; with unweighted shares (share = count / client mails) the two
    agree."""
    F = _warm_clients()
    kw = dict(log_counts=True, backed_praise=1, praise_backing="substance")
    scaled = EvidenceFeatures(**kw).fit(F)
    capped = EvidenceFeatures(**kw, praise_share="capped").fit(F)
    pd.testing.assert_frame_equal(capped.transform(F), scaled.transform(F))  # F's shares are count / 10 mails
    more = F.assign(client_appreciation_count=F["client_appreciation_count"] + 3)  # three more, share unchanged
    assert (scaled.transform(more)["ev_appreciation"] < scaled.transform(F)["ev_appreciation"]).loc[["forgiving", "warm"]].all()
    pd.testing.assert_series_equal(capped.transform(more)["ev_appreciation"], capped.transform(F)["ev_appreciation"])
    # a higher share raises the capped evidence only up to the cap: (backing signs + 1) / client mails
    high = F.assign(client_appreciation_rate=0.9)
    ev = capped.transform(high)["ev_appreciation"] / capped.transform(F)["ev_appreciation"]
    assert ev.loc["warm"] == pytest.approx(1.0) and ev.loc["referring"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="praise_share"):
        EvidenceFeatures(**kw, praise_share="clipped").fit(F).transform(F)


def test_the_build_refuses_an_unknown_praise_share_before_reading_mail(capsys):
    from training.depth.build import main

    with pytest.raises(SystemExit) as exc:
        main(["--out", "unused", "--praise-share", "clipped"])
    assert exc.value.code == 2 and "--praise-share" in capsys.readouterr().err


def test_the_shipped_model_never_lowers_a_score_for_a_deeper_sign_on_its_training_clients():
    """On the shipped model's own hand-written training clients (``training_features.csv.gz``): one more
    of any sign, its share raised as by an old mail (0.3 of an average mail's weight) or an average one,
    never moves the score the wrong way (the scaled praise share did: 13 of 989 judge-set clients,
    up to 21.5 points, ``models/depth/CANDIDATE50.md``)."""
    from pathlib import Path

    rows = pd.read_csv(Path(__file__).resolve().parents[1] / "models" / "depth" / "training_features.csv.gz")
    F = rows[(rows["kind"] == "client") & rows["box"].str.contains("/")][list(FEATURE_NAMES)].reset_index(drop=True)
    model = load_depth_model(None)
    assert model.praise_share == "capped" and len(F) > 2000
    n = (F["n_messages"] * F["client_msg_share"]).clip(lower=1)
    p0 = model.predict(F)
    for label, sign in LABEL_SIGNS.items():
        for weight in (0.3, 1.0):
            more = F.assign(**{f"client_{label}_count": F[f"client_{label}_count"] + 1,
                               f"client_{label}_rate": F[f"client_{label}_rate"] + weight / n})
            assert (sign * (model.predict(more) - p0) >= -0.01).all(), (label, weight)
