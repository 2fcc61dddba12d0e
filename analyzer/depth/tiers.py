"""Where a client's tier comes from: edges on the score, or one classifier per tier edge.

A depth score is a point estimate; a tier is a decision. :class:`~analyzer.depth.model.DepthModel`
keeps every score inside the tier it decides, in one of two ways:

- ``tier_cuts`` (:func:`best_tier_cuts`): three thresholds on the regressor's raw prediction, placed
  where the most out-of-fold client tiers come out right. One score decides every edge.
- ``ordinal_tiers`` (:class:`OrdinalTiers`): one classifier per edge ("depth >= 25", ">= 50",
  ">= 75"), each a logistic regression with non-negative weights on the oriented evidence of
  :mod:`analyzer.depth.evidence`, so each is monotone in every direction the taxonomy states, as
  the score is. The edges may weigh the evidence differently: what tells a developing client from a
  shallow one (money and vendor processes) is not what tells a deep one from a solid one (strategy,
  referrals, trust). The tier is the number of edges a client passes.

Leave-mailbox-out on the 37 hand-written training mailboxes (sixth session): tiers right for 0.80 of
the clients with one classifier per edge against 0.71 with edges on the score, Spearman 0.928
against 0.925 once each score is kept inside its tier (``training/depth/build.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from analyzer.depth.evidence import EvidenceFeatures
from analyzer.depth.schema import TIER_BOUNDS, TIERS


def best_tier_cuts(raw: np.ndarray, y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Three thresholds on ``raw`` (ascending) that put the most weight of rows in the tier of their
    target ``y`` when tiers are read off ``raw`` by them (an exact dynamic programme over the sorted
    rows: four consecutive segments, one per tier; a threshold sits halfway between two rows)."""
    order = np.argsort(raw, kind="stable")
    r, w = raw[order], weight[order]
    t = np.searchsorted(TIER_BOUNDS, y[order], side="right")
    n = len(r)
    prefix = np.zeros((len(TIERS), n + 1))
    for k in range(len(TIERS)):
        prefix[k, 1:] = np.cumsum(w * (t == k))
    cand = np.concatenate([[0], np.flatnonzero(r[1:] > r[:-1]) + 1, [n]])  # where a cut may fall
    best = prefix[0, cand].copy()
    back = np.zeros((len(TIERS), len(cand)), dtype=np.int64)
    for k in range(1, len(TIERS)):
        # best_k[j] = max over i <= j of best_{k-1}[i] - prefix_k[cand[i]], plus prefix_k[cand[j]]
        gain = best - prefix[k, cand]
        back[k] = np.maximum.accumulate(np.where(gain == np.maximum.accumulate(gain), np.arange(len(cand)), 0))
        best = np.maximum.accumulate(gain) + prefix[k, cand]
    cuts, j = [], len(cand) - 1
    for k in range(len(TIERS) - 1, 0, -1):
        j = int(back[k][j])
        i = int(cand[j])
        cuts.append(-np.inf if i <= 0 else np.inf if i >= n else 0.5 * (r[i - 1] + r[i]))
    return np.array(cuts[::-1])


class PositiveLogistic(ClassifierMixin, BaseEstimator):
    """Binary logistic regression whose weights are all >= 0 (the intercept is free), L2-penalised.

    scikit-learn's ``LogisticRegression`` has no sign constraint; this minimises the same weighted
    log-loss plus ``||w||^2 / (2 C)`` with L-BFGS-B under bounds. With one class only in ``y`` it
    predicts that class (probability 1 or 0): an edge no training client falls on one side of.
    """

    def __init__(self, C: float = 1.0):
        self.C = C

    def fit(self, X, y, sample_weight=None):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        w = w / w.mean()
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        if y.min() == y.max():  # one class: no boundary to learn
            self.coef_, self.intercept_ = np.zeros(X.shape[1]), (50.0 if y[0] else -50.0)
            return self

        def loss(theta):
            z = X @ theta[1:] + theta[0]
            g = w * (expit(z) - y)
            value = np.sum(w * (np.logaddexp(0.0, z) - y * z)) + 0.5 / self.C * theta[1:] @ theta[1:]
            return value, np.concatenate([[g.sum()], X.T @ g + theta[1:] / self.C])

        bounds = [(None, None)] + [(0.0, None)] * X.shape[1]
        res = minimize(loss, np.zeros(X.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds)
        self.intercept_, self.coef_ = float(res.x[0]), res.x[1:]
        return self

    def predict_proba(self, X) -> np.ndarray:
        p = expit(np.asarray(X, dtype=float) @ self.coef_ + self.intercept_)
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


class OrdinalTiers(BaseEstimator):
    """One :class:`PositiveLogistic` per tier edge on the oriented evidence (see the module doc).

    ``fit(F, y)`` takes client features (``FEATURE_NAMES`` columns) and depths 0-100; ``predict(F)``
    gives each row's tier index (0 shallow .. 3 deep): the number of edges whose classifier says
    the client is past it. The evidence is computed, imputed and standardised once (``prepare_``)
    and read by the three edges' classifiers (``edges_``).
    """

    log_counts = False  # class defaults for model files saved before the parameters existed
    unread_share = None
    backed_praise = None
    praise_backing = "deeper"
    praise_share = "scaled"
    people = ()

    def __init__(self, C: float = 1.0, prior_messages: float = 8.0, log_counts: bool = False,
                 unread_share: float | None = None, backed_praise: int | None = None, people=(),
                 praise_backing: str = "deeper", praise_share: str = "scaled"):
        self.C = C
        self.praise_backing = praise_backing
        self.praise_share = praise_share
        self.people = people
        self.prior_messages = prior_messages
        self.log_counts = log_counts
        self.unread_share = unread_share
        self.backed_praise = backed_praise

    def fit(self, F: pd.DataFrame, y, sample_weight=None):
        y = np.asarray(y, dtype=float)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.prepare_ = Pipeline([
            ("evidence", EvidenceFeatures(prior_messages=self.prior_messages,
                                          log_counts=getattr(self, "log_counts", False),
                                          unread_share=getattr(self, "unread_share", None),
                                          backed_praise=getattr(self, "backed_praise", None),
                                          people=getattr(self, "people", ()),
                                          praise_backing=getattr(self, "praise_backing", "deeper"),
                                          praise_share=getattr(self, "praise_share", "scaled"))),
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
        ]).fit(F)
        Z = self.prepare_.transform(F)
        self.edges_ = [PositiveLogistic(C=self.C).fit(Z, (y >= bound).astype(int), sample_weight=w)
                       for bound in TIER_BOUNDS]
        return self

    def edge_probabilities(self, F: pd.DataFrame) -> np.ndarray:
        """Rows x edges: the probability that each row is past each edge."""
        Z = self.prepare_.transform(F)
        return np.column_stack([edge.predict_proba(Z)[:, 1] for edge in self.edges_])

    def predict(self, F: pd.DataFrame) -> np.ndarray:
        return (self.edge_probabilities(F) >= 0.5).sum(axis=1)
