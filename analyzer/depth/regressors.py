"""The regressors a depth model fits: scikit-learn pipelines from client features to raw depth.

- ``taxonomy`` (the default kind): the oriented evidence of :mod:`analyzer.depth.evidence` (each
  column higher when deeper), median imputer, scaler, then either a ridge regression whose weights are
  all >= 0 or gradient boosting constrained to rise with every column (:data:`EVIDENCE_GBM`). Either
  way the score can only rise with a deeper sign and fall with a shallower one.
- ``gbm`` / ``ridge``: every client feature (the models before the taxonomy one, kept for
  comparison): boosting monotone where :data:`MONOTONIC` states a direction, or ridge.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from analyzer.depth.evidence import EvidenceFeatures, evidence_names
from analyzer.depth.features import FEATURE_NAMES, RECENT_BASE

#: The boosted regressor on the oriented evidence (``regressor="gbm"``): every column constrained to
#: raise the score, trees of depth 4 (models/depth/CANDIDATE14.md says how this was chosen).
EVIDENCE_GBM: dict = {"max_depth": 4, "max_iter": 200, "learning_rate": 0.05, "min_samples_leaf": 20,
                      "l2_regularization": 1.0}
#: Features whose direction docs/SIGNALS.md states (+1: deeper when higher, -1: shallower). Boosting is
#: constrained to be monotonic in them, so no score (and no explanation) says "+ 1 fee pushback".
#: Volume, people counts and window length are left free: a busy client can be a transactional one.
MONOTONIC: dict[str, int] = {
    "client_start_share": 1, "client_reply_hours": -1, "agency_reply_hours": -1, "client_reply_rate": 1,
    "longest_silence_days": -1, "recency_days": -1, "agency_update_cv": -1, "max_seniority": 1,
    "n_senior_people": 1, "senior_cc_share": 1, "forgiven_apology_share": 1, "agency_feedback_request_rate": 1,
    **{f"client_{lb}_{k}": sign for lb, sign in (
        ("help_request", 1), ("advice_acted_on", 1), ("referral", 1), ("strategic_involvement", 1),
        ("early_warning", 1), ("appreciation", 1), ("forgiveness", 1), ("fee_pushback", -1),
        ("supplier_label", -1), ("complaint", -1), ("cancellation", -1)) for k in ("rate", "count")},
}
MONOTONIC.update({f"recent_{name}": MONOTONIC[name] for name in RECENT_BASE if name in MONOTONIC})


def make_pipeline(kind: str = "taxonomy", random_state: int = 0, columns=None, alpha: float = 1.0,
                  prior_messages: float = 8.0, log_counts: bool = False, regressor: str = "ridge",
                  unread_share: float | None = None, backed_praise: int | None = None,
                  people=(), praise_backing: str = "deeper", praise_share: str = "scaled") -> Pipeline:
    """The unfitted feature -> depth pipeline.

    ``taxonomy`` (the default): the oriented evidence of :mod:`analyzer.depth.evidence`, median
    imputer, scaler, then (``regressor``) a ridge regression whose weights are all >= 0 (``ridge``) or
    gradient boosting constrained to rise with every column (``gbm``, :data:`EVIDENCE_GBM`), so the
    score can only rise with a deeper sign and fall with a shallower one. ``gbm``/``ridge``: every feature, median
    imputer (+ missing indicators), scaler, gradient boosting (monotone where the direction is
    stated) or ridge. ``columns``: the feature names the pipeline will see (default all). ``unread_share``:
    label shares over the read part of partly unread clients' mail; ``backed_praise``: praise counted only
    as far as other deeper signs back it (``praise_backing``: which signs; ``praise_share``: how the share
    is held back); ``people``: the client's people
    and their seniority as evidence too (all :class:`~analyzer.depth.evidence.EvidenceFeatures`).
    """
    if kind == "taxonomy":
        if regressor == "ridge":
            regress = Ridge(alpha=alpha, positive=True)
        elif regressor == "gbm":
            n = len(evidence_names(log_counts, people))
            regress = HistGradientBoostingRegressor(**EVIDENCE_GBM, monotonic_cst=[1] * n, random_state=random_state)
        else:
            raise ValueError(f"regressor must be 'ridge' or 'gbm', not {regressor!r}")
        pipe = Pipeline([
            ("evidence", EvidenceFeatures(prior_messages=prior_messages, log_counts=log_counts,
                                          unread_share=unread_share, backed_praise=backed_praise,
                                          people=people, praise_backing=praise_backing,
                                          praise_share=praise_share)),
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("regress", regress),
        ])
        return pipe.set_output(transform="pandas")
    pipe = Pipeline([
        ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
        ("scale", StandardScaler()),
        ("regress", _regressor(kind, random_state, FEATURE_NAMES if columns is None else columns)),
    ])
    return pipe.set_output(transform="pandas")


def _regressor(kind: str, random_state: int, columns):
    if kind == "gbm":
        return HistGradientBoostingRegressor(max_iter=300, learning_rate=0.05, max_leaf_nodes=15,
                                             min_samples_leaf=10, l2_regularization=1.0,
                                             monotonic_cst={c: MONOTONIC[c] for c in columns if c in MONOTONIC},
                                             random_state=random_state)
    if kind == "ridge":
        return RidgeCV(alphas=np.logspace(-2, 3, 12))
    raise ValueError(f"unknown model kind {kind!r} (gbm or ridge)")
