"""The depth model: client features -> calibrated 0-100 depth score, tier, trend and per-feature contributions.

:class:`DepthModel` is a scikit-learn regressor around a ``Pipeline`` (median imputer with
missing-value indicators, standard scaler, then gradient boosting or ridge regression) fitted on
depth 0-100. Its raw predictions are calibrated to the 0-100 scale by an isotonic regression
fitted on out-of-fold predictions, so a score of 80 means "clients like this were labelled about
80" rather than whatever range the regressor drifts into.

Trend: a model built from labelled trajectories (``build``) carries a fitted
:class:`~analyzer.depth.trend.TrendModel` (``trend_model_``, set by :meth:`~analyzer.depth.quarterly.QuarterlyStory.fit_trend`) that
reads the quarterly scores together with event-level behaviour slopes; without one (models trained
by ``analyzer train`` on a user's labels, which have no trends) the trend is the plain slope rule
:func:`~analyzer.depth.quarterly.trend_of` with the dead band ``trend_band``.

It also carries the feature extractor (``features``: a :class:`~analyzer.depth.features.ClientFeatures`)
so a saved model scores a mailbox exactly the way it was trained.

Lag correction: the whole-mailbox features average the recent past (decayed, half-life 90 days), so
the raw score describes the client as it was about a quarter ago; for a cooling client that is
deeper than it is now, for a deepening one shallower (leave-mailbox-out on the generated mailboxes:
+7.9 and -7.6 points). A model with a trend model therefore adds ``lag_quarters_`` x the predicted
trend slope beyond a small dead band (``lag_band_``) to the client score (:meth:`DepthModel.lag_adjustment`),
both learnt by :meth:`DepthModel.fit_lag` on out-of-fold scores and slopes. Quarterly scores are not
corrected (the trend is read from them).

Contributions (``contributions``) are baseline substitutions: for each feature, how much the raw
prediction changes when that feature alone is set to the training median. For the ridge model
this is exactly the linear term; for boosting it is a faithful local attribution of the same kind.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import GroupKFold, KFold, cross_val_predict
from sklearn.pipeline import Pipeline

from analyzer.depth.evidence import INPUT_NAMES as EVIDENCE_INPUTS
from analyzer.depth.evidence import PEOPLE_SIGNS
from analyzer.depth.features import FEATURE_NAMES, ClientFeatures
from analyzer.depth.lag import LagCorrection
from analyzer.depth.quarterly import QuarterlyStory
from analyzer.depth.regressors import make_pipeline
from analyzer.depth.schema import TIER_BOUNDS
from analyzer.depth.tiers import OrdinalTiers, best_tier_cuts  # noqa: F401 - best_tier_cuts re-exported
from analyzer.depth.trend import TrendModel

#: Rows per prediction when :meth:`DepthModel.contributions` predicts its copies of the feature
#: table (one copy per feature read, a few features at a time).
CONTRIBUTION_ROWS = 32_768


def keep_in_tier(score: np.ndarray, tier: np.ndarray) -> np.ndarray:
    """Each score clipped into its tier (an index into ``TIERS``), so that a score shown to one
    decimal keeps that tier."""
    lo = np.array((0.0, *TIER_BOUNDS))[tier]
    hi = np.array((*TIER_BOUNDS, 100.1))[tier] - 0.1
    return np.clip(score, lo, hi)


class DepthModel(LagCorrection, QuarterlyStory, RegressorMixin, BaseEstimator):
    """Client features -> depth 0-100 (see the module doc).

    Parameters
    ----------
    kind : "taxonomy", "gbm" or "ridge"
        ``taxonomy`` (default): non-negative weights on the oriented evidence of
        :mod:`analyzer.depth.evidence`; ``gbm``/``ridge``: every feature (the former models, kept
        for comparison in ``make evaluate``).
    features : ClientFeatures or None
        The feature extractor the model was trained with (None: ``ClientFeatures()``).
    trend_band : float
        Dead band of the quarterly slope, in score points per quarter, within which a trend is
        steady: used by the slope rule when the model has no fitted trend model.
    trend : TrendModel or None
        Unfitted template for :meth:`fit_trend` (None: ``TrendModel()``).
    random_state : int
    alpha : float
        Ridge penalty of the ``taxonomy`` model.
    prior_messages : float
        Shrinkage of label shares toward 0 for clients with little mail (``taxonomy``).
    period_prior : float
        Messages' worth of the shrinkage target mixed into each quarterly score, so a thin quarter
        stays on its client's course instead of swinging (:meth:`shrink_periods`).
    period_target : "level" or "line"
        What a quarter is pulled toward: the client's overall score (``level``), or the client's
        message-weighted line through its quarterly scores (``line``, for clients with three
        quarters or more), which keeps a steady climb or fall while damping a thin quarter's swing.
    tier_cuts : bool
        Also place the tier edges on the raw prediction where they get the most out-of-fold tiers
        right (``tier_cuts_``), and keep each calibrated score inside the tier its raw prediction
        falls in. The isotonic calibration alone estimates the mean depth of similar clients: where
        solid and deep clients mix, that mean reaches 75 only when about three in four are deep, so
        clients more likely deep than not were called solid.
    ordinal_tiers : bool
        Decide the tier with one monotone classifier per tier edge instead (:class:`~analyzer.depth.tiers.OrdinalTiers`,
        ``tier_model_``, fitted on the ``tier_rows``; ``taxonomy`` kind only), and keep each score
        inside that tier. Takes precedence over ``tier_cuts``.
    log_counts : bool
        Add the log counts of deeper and of shallower signals to the evidence (``taxonomy``;
        :class:`~analyzer.depth.evidence.EvidenceFeatures`), for the score and the tier classifiers.
    regressor : "ridge" or "gbm"
        What the ``taxonomy`` kind fits on the evidence: a ridge regression with non-negative
        weights, or gradient boosting that is monotone (rising) in every evidence column
        (:data:`~analyzer.depth.regressors.EVIDENCE_GBM`), which lets signs saturate and combine.
    unread_share : float or None
        English share below which a client's mail counts as partly unread, and its label shares are
        taken over the part that was read (``taxonomy``; :class:`~analyzer.depth.evidence.EvidenceFeatures`).
        None takes every client's shares over all its mail.
    backed_praise : int or None
        Praise counted only as far as the client's other deeper signs back it, plus this many
        (``taxonomy``; :class:`~analyzer.depth.evidence.EvidenceFeatures`). None counts all praise.
    praise_backing : "deeper" or "substance"
        Which signs back praise under ``backed_praise``: every other deeper sign, or all but
        forgiveness (``models/depth/CANDIDATE48.md``).
    praise_share : "scaled" or "capped"
        How the praise share is held back under ``backed_praise``: scaled by counted/found praise, or
        capped at (backing signs + ``backed_praise``) / client mails (``models/depth/CANDIDATE50.md``).
    people : tuple of str
        Also read these of the client's people features as deeper evidence: ``n_client_people`` (how
        many of its people write), ``max_seniority`` (how senior the most senior is) (``taxonomy``;
        :class:`~analyzer.depth.evidence.EvidenceFeatures`). Empty reads neither.
    people_scope : "all" or "score"
        What reads ``people``: every part of the model ("all": the client score's regressor, the tier
        classifiers and the quarterly regressor), or the client score's regressor alone ("score": the
        tiers and the quarterly course are decided without them; ``models/depth/CANDIDATE45.md``).
    period_regressor : None, "ridge" or "gbm"
        What the quarterly scores' course comes from (:meth:`predict_periods`). None: the same model.
        Otherwise a second ``taxonomy`` model with that regressor (``period_model_``, same settings)
        gives each quarter, shifted by one offset per client (this model's client score minus the
        second model's) so the series is centred on the client score shown; a constant shift leaves
        the slope, hence the trend, as the second model's.
    """

    tier_cuts = False  # class defaults: model files saved before these parameters existed load without them
    period_target = "level"
    ordinal_tiers = False
    log_counts = False
    regressor = "ridge"
    period_regressor = None
    unread_share = None
    backed_praise = None
    praise_backing = "deeper"
    praise_share = "scaled"
    people = ()
    people_scope = "all"

    def __init__(self, kind: str = "taxonomy", features: ClientFeatures | None = None, trend_band: float = 5.0,
                 trend: TrendModel | None = None, random_state: int = 0, alpha: float = 1.0,
                 prior_messages: float = 8.0, period_prior: float = 8.0, tier_cuts: bool = False,
                 period_target: str = "level", ordinal_tiers: bool = False, log_counts: bool = False,
                 regressor: str = "ridge", period_regressor: str | None = None, unread_share: float | None = None,
                 backed_praise: int | None = None, people=(), people_scope: str = "all",
                 praise_backing: str = "deeper", praise_share: str = "scaled"):
        self.kind = kind
        self.praise_backing = praise_backing
        self.praise_share = praise_share
        self.people = people
        self.people_scope = people_scope
        self.unread_share = unread_share
        self.backed_praise = backed_praise
        self.regressor = regressor
        self.period_regressor = period_regressor
        self.log_counts = log_counts
        self.ordinal_tiers = ordinal_tiers
        self.period_target = period_target
        self.tier_cuts = tier_cuts
        self.alpha = alpha
        self.prior_messages = prior_messages
        self.period_prior = period_prior
        self.features = features
        self.trend_band = trend_band
        self.trend = trend
        self.random_state = random_state

    def _evidence_settings(self) -> dict:
        """The settings of the evidence (:class:`~analyzer.depth.evidence.EvidenceFeatures`) that the
        client score's pipeline and the tier classifiers share (class defaults for older files)."""
        return {"prior_messages": getattr(self, "prior_messages", 8.0),
                "log_counts": getattr(self, "log_counts", False),
                "unread_share": getattr(self, "unread_share", None),
                "backed_praise": getattr(self, "backed_praise", None),
                "praise_backing": getattr(self, "praise_backing", "deeper"),
                "praise_share": getattr(self, "praise_share", "scaled")}

    def _pipeline(self) -> Pipeline:
        return make_pipeline(self.kind, self.random_state, alpha=getattr(self, "alpha", 1.0),
                             regressor=getattr(self, "regressor", "ridge"), people=getattr(self, "people", ()),
                             **self._evidence_settings())

    def _names(self) -> list[str]:
        """The features the model reads: those it was fitted on (a file written before a feature was
        added reads without it), all of :data:`FEATURE_NAMES` before fitting."""
        fitted = getattr(self, "feature_names_in_", None)
        return list(FEATURE_NAMES) if fitted is None else [str(c) for c in fitted]

    def _matrix(self, F: pd.DataFrame, names: list[str] | None = None) -> pd.DataFrame:
        names = self._names() if names is None else names
        missing = [c for c in names if c not in F.columns]
        if missing:
            raise ValueError(f"feature frame lacks columns {missing[:5]}")
        return F[names].astype(float)

    def fit(self, F: pd.DataFrame, y, sample_weight=None, groups=None, tier_rows=None, period_rows=None):
        """Fit on a feature frame (columns FEATURE_NAMES) and depth targets 0-100.

        ``groups`` (e.g. the mailbox of each row) keeps rows of one group in one fold when the
        out-of-fold predictions for the calibration are made. ``tier_rows`` (boolean per row,
        default all): the rows the tier edges are placed on with ``tier_cuts`` (the build passes
        its client rows, not its client x quarter rows). ``period_rows`` (boolean per row, default
        all): the rows the quarterly regressor (``period_regressor``; without one there is no
        quarterly regressor and it is not read) is fitted on, so the quarterly course can be learnt
        from other mail than the client score (candidate PTQ, ``models/depth/CANDIDATE47.md``).
        """
        X = self._matrix(F, list(FEATURE_NAMES))
        y = np.asarray(y, dtype=float)
        self.features_ = clone(self.features) if self.features is not None else ClientFeatures()
        self.features_.fit(None)
        self.pipeline_ = self._pipeline()
        n_splits = min(5, len(y))
        if n_splits >= 3:
            if groups is not None and len(set(groups)) >= 3:
                cv = list(GroupKFold(n_splits=min(5, len(set(groups)))).split(X, y, groups))
            else:
                cv = KFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
            params = {"regress__sample_weight": sample_weight} if sample_weight is not None and self.kind == "gbm" else None
            oof = cross_val_predict(self._pipeline(), X, y, cv=cv, params=params)
        else:
            oof = None
        fit_params = {"regress__sample_weight": sample_weight} if sample_weight is not None else {}
        self.pipeline_.fit(X, y, **fit_params)
        raw = oof if oof is not None else self.pipeline_.predict(X)
        self.calibrator_ = IsotonicRegression(y_min=0.0, y_max=100.0, out_of_bounds="clip", increasing=True)
        self.calibrator_.fit(raw, y, sample_weight=sample_weight)
        sel = np.ones(len(y), dtype=bool) if tier_rows is None else np.asarray(tier_rows, dtype=bool)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.tier_cuts_ = best_tier_cuts(np.asarray(raw, dtype=float)[sel], y[sel], w[sel]) if self.tier_cuts else None
        self.tier_model_ = None
        if self.ordinal_tiers and self.kind == "taxonomy":
            self.tier_model_ = OrdinalTiers(people=self._people_beyond_score(), **self._evidence_settings()).fit(
                X[sel], y[sel], sample_weight=None if sample_weight is None else w[sel])
        self.period_model_ = None
        if self.period_regressor not in (None, self.regressor):
            keep = _row_picker(period_rows, len(y))
            self.period_model_ = clone(self).set_params(regressor=self.period_regressor, period_regressor=None,
                                                        people=self._people_beyond_score()).fit(
                keep(F), keep(y), sample_weight=keep(sample_weight), groups=keep(groups), tier_rows=keep(tier_rows))
        self.baseline_ = X.median().fillna(0.0).to_numpy(dtype=float)
        self.feature_names_in_ = np.array(FEATURE_NAMES, dtype=object)
        self.n_features_in_ = len(FEATURE_NAMES)
        return self

    def _people_beyond_score(self) -> tuple:
        """The ``people`` the tier classifiers and the quarterly regressor read (``people_scope``)."""
        scope = getattr(self, "people_scope", "all")
        if scope not in ("all", "score"):
            raise ValueError(f"people_scope must be 'all' or 'score', not {scope!r}")
        return tuple(getattr(self, "people", ())) if scope == "all" else ()

    def raw_predict(self, F: pd.DataFrame) -> np.ndarray:
        """The regressor's prediction before calibration (depth points, not clipped)."""
        return self.pipeline_.predict(self._matrix(F))

    def predict(self, F: pd.DataFrame) -> np.ndarray:
        """Calibrated depth score 0-100 per row."""
        if len(F) == 0:
            return np.array([], dtype=float)
        X = self._matrix(F)
        raw = self.pipeline_.predict(X)
        score = np.clip(self.calibrator_.predict(raw), 0.0, 100.0)
        tier_model = getattr(self, "tier_model_", None)
        cuts = getattr(self, "tier_cuts_", None)
        if tier_model is not None:
            tier = tier_model.predict(X)  # one classifier per tier edge
        elif cuts is not None:
            tier = np.searchsorted(cuts, raw, side="right")  # the tier the raw prediction falls in
        else:
            return score
        return keep_in_tier(score, tier)

    def predict_periods(self, P: pd.DataFrame, F: pd.DataFrame, overall: pd.Series) -> np.ndarray:
        """Quarterly scores for the client x quarter rows ``P`` (index ``client``, ``period``), given the
        clients' whole-mailbox features ``F`` and their scores ``overall`` (``predict(F)``); see
        ``period_regressor``."""
        if len(P) == 0:
            return np.array([], dtype=float)
        second = getattr(self, "period_model_", None)
        if second is None:
            return self.predict(P)
        offset = pd.Series(np.asarray(overall, dtype=float) - second.predict(F), index=F.index)
        shift = offset.reindex(P.index.get_level_values("client")).fillna(0.0).to_numpy()
        return np.clip(second.predict(P) + shift, 0.0, 100.0)

    def contributions(self, F: pd.DataFrame) -> pd.DataFrame:
        """Per row and feature: raw prediction minus the prediction with that feature set to its baseline."""
        X = self._matrix(F)
        if len(X) == 0:
            return pd.DataFrame(columns=list(FEATURE_NAMES), dtype=float)
        base = self.pipeline_.predict(X)
        n, k = X.shape
        # only the features the pipeline reads can move it: the others' contributions are exactly 0
        read = [j for j, name in enumerate(X.columns) if name in self._read_features()]
        values = X.to_numpy()
        out = np.zeros((n, k))
        # a copy of X per feature read, predicted a few features at a time: all of them at once were
        # scoring's peak at 500k generated messages (3,576 clients: +130 MiB); each row's prediction
        # does not depend on the rows beside it
        per_batch = max(1, CONTRIBUTION_ROWS // max(n, 1))
        for lo in range(0, len(read), per_batch):
            batch = read[lo:lo + per_batch]
            stacked = np.repeat(values[None, :, :], len(batch), axis=0)
            for i, j in enumerate(batch):
                stacked[i, :, j] = self.baseline_[j]
            preds = self.pipeline_.predict(pd.DataFrame(stacked.reshape(len(batch) * n, k), columns=X.columns))
            out[:, batch] = (base[None, :] - preds.reshape(len(batch), n)).T
        return pd.DataFrame(out, index=F.index, columns=X.columns).reindex(columns=list(FEATURE_NAMES), fill_value=0.0)

    def _read_features(self) -> frozenset[str]:
        """The feature columns the fitted pipeline reads: the evidence transform's inputs for the
        ``taxonomy`` kind (the people features only if it reads them), every feature for the others."""
        if self.kind == "taxonomy":
            people = set(getattr(self, "people", ()))
            return frozenset(n for n in EVIDENCE_INPUTS if n not in PEOPLE_SIGNS or n in people)
        return frozenset(self._names())


def _row_picker(rows, n: int):
    """A function taking the flagged rows of a frame or array (None stays None); all rows, as given,
    when ``rows`` is None."""
    if rows is None:
        return lambda a: a
    rows = np.asarray(rows, dtype=bool)
    if rows.shape != (n,) or not rows.any():
        raise ValueError(f"period_rows must be {n} flags, one per row, and mark at least one row")
    return lambda a: None if a is None else (a[rows] if isinstance(a, pd.DataFrame) else np.asarray(a)[rows])
