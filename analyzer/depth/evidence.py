"""The taxonomy's evidence, per client: what the depth model weighs.

:class:`EvidenceFeatures` maps client features (:data:`~analyzer.depth.features.FEATURE_NAMES`)
to a few columns, each oriented so that *higher is deeper*, as docs/SIGNALS.md states the direction:

- ``ev_<label>``: how often the client's own mail carries the label, as a share of its mails
  shrunk toward 0 for clients with little mail (``rate x n / (n + prior_messages)``), negated for
  the labels that make a relationship shallower (fee pushback, the supplier label, complaints,
  short-notice cancellations).
- ``ev_balance``: the same shrunk shares summed with their signs (the signal tally as a rate);
  ``ev_tally``: the signed log of the plain tally of counts (positive minus negative signals);
  ``ev_net_rate``: that tally per client mail, shrunk (``tally / (n + prior_messages)``); and
  ``ev_ratio``: the log-odds of a client signal being a deeper one rather than a shallower one
  (``log((pos + 1) / (neg + 1))``), which does not grow with volume.
- ``ev_positive_count`` / ``ev_negative_count`` (only with ``log_counts``): the log of the number of
  deeper signals, and minus the log of the number of shallower ones. A client with no signal at all
  then sits at the bottom of the first column, where the ratio puts it in the middle (as many
  deeper as shallower signs): many messages with no sign at all read as a transactional
  relationship.
- Client behaviour: who starts the threads, how fast and how often the client answers, its
  longest silence, and whether it forgives the agency's apologies. The agency's own behaviour
  (its reply speed, its update rhythm, its feedback requests) is not a client merit and is
  left out, as is volume, which says nothing of depth by itself.
- The client's people (only those ``people`` names, of :data:`PEOPLE_SIGNS`): ``ev_n_client_people``,
  the log of how many of the client's people write, and ``ev_max_seniority``, the most senior title
  among them (0-3, :mod:`analyzer.depth.seniority`). Both count toward depth ("people and seniority"
  modulate it). The shipped model reads both, in the client score alone (``models/depth/CANDIDATE45.md``).

Partly unread clients (``unread_share``). Written when the detector read English only: the
signals of a client who writes part of its mail in its own language were found in its English mails
alone (the detector now reads French, German, Spanish, Portuguese, Italian and Dutch too;
``english_share`` still means English). With
``unread_share`` set, the label shares and the net rate of such a client are taken over the mail
that was read: its client mails ``n`` count as ``n x r`` read ones, ``r = min(1, english_share /
unread_share)`` (1 when no text could be judged; never fewer than the signs found, never more than
``n``), so ``ev_<label> = sign x rate x n / (n x r + prior_messages)`` and ``ev_net_rate = tally /
(n x r + prior_messages)``: two signs in three read mails weigh like two in three, not like two in
ten, and the shrinkage still holds them back when little was read. A client writing
``unread_share`` or more of its words in English is read exactly as without the setting; one
writing none has nothing read, as before. Counts, the ratio and the behaviour columns are
untouched. The shipped model leaves it off: it failed its rule (``models/depth/CANDIDATE19.md``).

Praise backed by substance (``backed_praise``). Warm words are cheap: a client can praise every
deliverable and never bring the agency anything else. With ``backed_praise = k`` set, a client's
appreciation count is capped at the number of its other deeper signs (help requests, advice acted
on, referrals, forgiveness, strategic involvement, early warnings) plus ``k``, and its appreciation
share is scaled down in the same proportion, in every column that reads them. The capped count
never falls when either count rises; once the cap is reached, more praise leaves the evidence as it
is, and only more substance raises it. The shipped model sets ``k = 1`` (``models/depth/CANDIDATE20.md``).
Which signs back praise is ``praise_backing`` (:data:`PRAISE_BACKERS`): every other deeper sign
(``"deeper"``), or the substance alone, without forgiveness (``"substance"``): a warm client forgives
quickly and praises often, and neither is what it brings (candidate PTF, ``models/depth/CANDIDATE48.md``).
How the praise *share* is held back is ``praise_share``: ``"scaled"`` multiplies it by counted/found
praise (the models before PTM); but the share is recency-weighted and the count is not, so one more
praise in an old mail could lower the evidence. ``"capped"`` caps the share at (backing signs + ``k``)
/ the client's mails instead: equal to the scaled share when shares are unweighted, and never lower
when any one feature rises (candidate PTM, ``models/depth/CANDIDATE50.md``).

The transform learns nothing (``fit`` only records the input columns), so a linear model with
non-negative weights on these columns is monotone in every feature whose direction is stated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

#: Labels that docs/SIGNALS.md reads as a deeper relationship (+1) or a shallower one (-1).
LABEL_SIGNS: dict[str, int] = {
    "help_request": 1, "advice_acted_on": 1, "referral": 1, "forgiveness": 1, "strategic_involvement": 1,
    "early_warning": 1, "appreciation": 1,
    "fee_pushback": -1, "supplier_label": -1, "complaint": -1, "cancellation": -1,
}
#: The label whose count ``backed_praise`` caps by the other deeper signs.
PRAISE = "appreciation"
#: The labels that back praise under each ``praise_backing`` (module doc).
PRAISE_BACKERS: dict[str, tuple[str, ...]] = {
    "deeper": tuple(lb for lb, sign in LABEL_SIGNS.items() if sign > 0 and lb != PRAISE),
    "substance": tuple(lb for lb, sign in LABEL_SIGNS.items() if sign > 0 and lb not in (PRAISE, "forgiveness")),
}


#: How the praise share can be held back (``praise_share``, module doc).
PRAISE_SHARES: tuple[str, ...] = ("scaled", "capped")


def praise_backers(praise_backing: str = "deeper") -> tuple[str, ...]:
    """The labels of :data:`PRAISE_BACKERS` named by ``praise_backing``; ValueError for another name."""
    if praise_backing not in PRAISE_BACKERS:
        raise ValueError(f"praise_backing must be one of {', '.join(PRAISE_BACKERS)}, not {praise_backing!r}")
    return PRAISE_BACKERS[praise_backing]


def counted_praise(counts: dict, backed_praise: int, praise_backing: str = "deeper"):
    """The praise that counts under ``backed_praise`` (module doc), and the substance that backs it:
    ``(min(praise, substance + backed_praise), substance)``, where ``counts`` maps each label of
    :data:`LABEL_SIGNS` to its count (numbers or Series) and substance is the sum of the counts of
    the labels that back praise (:func:`praise_backers`)."""
    substance = sum(counts[lb] for lb in praise_backers(praise_backing))
    return np.minimum(counts[PRAISE], substance + backed_praise), substance


#: Client behaviour and its direction; ``log`` columns enter as log1p.
BEHAVIOUR_SIGNS: dict[str, tuple[int, bool]] = {
    "client_start_share": (1, False),
    "client_reply_hours": (-1, True),
    "client_reply_rate": (1, False),
    "longest_silence_days": (-1, True),
    "forgiven_apology_share": (1, False),
}
#: The client's people and their direction (``people``); ``log`` columns enter as log1p.
PEOPLE_SIGNS: dict[str, tuple[int, bool]] = {
    "n_client_people": (1, True),
    "max_seniority": (1, False),
}
#: The client features the transform reads (every other feature leaves the evidence unchanged).
INPUT_NAMES: tuple[str, ...] = (
    ("n_messages", "client_msg_share")
    + tuple(f"client_{lb}_{k}" for lb in LABEL_SIGNS for k in ("rate", "count"))
    + tuple(BEHAVIOUR_SIGNS) + tuple(PEOPLE_SIGNS)
)
EVIDENCE_NAMES: tuple[str, ...] = (
    tuple(f"ev_{lb}" for lb in LABEL_SIGNS) + ("ev_balance", "ev_tally", "ev_net_rate", "ev_ratio")
    + tuple(f"ev_{name}" for name in BEHAVIOUR_SIGNS)
)
#: The columns ``log_counts`` adds.
COUNT_NAMES: tuple[str, ...] = ("ev_positive_count", "ev_negative_count")
#: The columns ``people`` can add, in order.
PEOPLE_NAMES: tuple[str, ...] = tuple(f"ev_{name}" for name in PEOPLE_SIGNS)


def people_names(people=()) -> tuple[str, ...]:
    """The evidence columns of the client features ``people`` names (of :data:`PEOPLE_SIGNS`), in
    :data:`PEOPLE_NAMES` order; ValueError for a name that is not there."""
    unknown = sorted(set(people) - set(PEOPLE_SIGNS))
    if unknown:
        raise ValueError(f"people evidence can read {', '.join(PEOPLE_SIGNS)}, not {', '.join(unknown)}")
    return tuple(f"ev_{name}" for name in PEOPLE_SIGNS if name in people)


def evidence_names(log_counts: bool = False, people=()) -> tuple[str, ...]:
    """The evidence columns, in order, with or without :data:`COUNT_NAMES`, and with the columns of the
    client features ``people`` names (:func:`people_names`)."""
    return EVIDENCE_NAMES + (COUNT_NAMES if log_counts else ()) + people_names(people)


class EvidenceFeatures(TransformerMixin, BaseEstimator):
    """Client features -> oriented evidence columns :data:`EVIDENCE_NAMES` (see the module doc).

    Parameters
    ----------
    prior_messages : float
        Client mails' worth of "no signal" every client starts with: a label seen once in three
        mails counts less than once in three of thirty.
    log_counts : bool
        Also the log counts of deeper and of shallower signals (:data:`COUNT_NAMES`).
    unread_share : float or None
        English share below which a client's mail counts as partly unread, and its label shares are
        taken over the read part (module doc); None reads every client's shares as they are.
    backed_praise : int or None
        Praise counted beyond the client's other deeper signs (module doc); None counts all praise.
    praise_backing : str
        Which signs back praise under ``backed_praise``: ``"deeper"`` (all the other deeper ones) or
        ``"substance"`` (without forgiveness); :data:`PRAISE_BACKERS`.
    praise_share : str
        How the praise share is held back under ``backed_praise``: ``"scaled"`` by counted/found
        praise, or ``"capped"`` at (backing signs + ``backed_praise``) / client mails (module doc).
    people : tuple of str
        Also these of the client's people features (:data:`PEOPLE_SIGNS`: ``n_client_people``,
        ``max_seniority``); empty reads neither.
    """

    log_counts = False  # class defaults: model files saved before the parameters existed load without them
    unread_share = None
    backed_praise = None
    praise_backing = "deeper"
    praise_share = "scaled"
    people = ()

    def __init__(self, prior_messages: float = 8.0, log_counts: bool = False, unread_share: float | None = None,
                 backed_praise: int | None = None, people=(), praise_backing: str = "deeper",
                 praise_share: str = "scaled"):
        self.prior_messages = prior_messages
        self.log_counts = log_counts
        self.unread_share = unread_share
        self.backed_praise = backed_praise
        self.praise_backing = praise_backing
        self.praise_share = praise_share
        self.people = people

    def fit(self, X, y=None):
        self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def read_share(self, X: pd.DataFrame) -> pd.Series:
        """Per row, the share of the client's mail counted as read: ``min(1, english_share /
        unread_share)``; 1 when the share is unknown, the frame has none, or ``unread_share`` is None."""
        share = getattr(self, "unread_share", None)
        if share is None or "english_share" not in X.columns:
            return pd.Series(1.0, index=X.index)
        return (X["english_share"].astype(float) / float(share)).clip(lower=0.0, upper=1.0).fillna(1.0)

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        n_client = (X["n_messages"].astype(float) * X["client_msg_share"].astype(float).fillna(0.5)).clip(lower=0)
        counts = {label: X[f"client_{label}_count"].astype(float).fillna(0.0) for label in LABEL_SIGNS}
        scale = {label: 1.0 for label in LABEL_SIGNS}
        if getattr(self, "backed_praise", None) is not None:
            k = float(self.backed_praise)
            backed, substance = counted_praise(counts, k, getattr(self, "praise_backing", "deeper"))
            how = getattr(self, "praise_share", "scaled")
            if how not in PRAISE_SHARES:
                raise ValueError(f"praise_share must be one of {', '.join(PRAISE_SHARES)}, not {how!r}")
            if how == "capped":  # the share itself capped: monotone in the share and in every count
                share = X[f"client_{PRAISE}_rate"].astype(float).fillna(0.0)
                cap = ((substance + k) / n_client.where(n_client > 0)).fillna(np.inf)
                scale[PRAISE] = (np.minimum(share, cap) / share.where(share > 0)).fillna(1.0)
            else:
                scale[PRAISE] = (backed / counts[PRAISE].where(counts[PRAISE] > 0)).fillna(1.0)
            counts[PRAISE] = backed
        pos = sum(counts[lb] for lb, sign in LABEL_SIGNS.items() if sign > 0)
        neg = sum(counts[lb] for lb, sign in LABEL_SIGNS.items() if sign < 0)
        tally = pos - neg
        # the mail read: its share of the client's mail, and at least as many mails as signs were found in it
        n_read = np.minimum(n_client, np.maximum(n_client * self.read_share(X), pos + neg))
        # rate x shrink over the read mail: (rate x n / n_read) x n_read / (n_read + prior)
        per_share = n_client / (n_read + float(self.prior_messages))
        out = pd.DataFrame(index=X.index)
        balance = pd.Series(0.0, index=X.index)
        for label, sign in LABEL_SIGNS.items():
            col = sign * X[f"client_{label}_rate"].astype(float).fillna(0.0) * scale[label] * per_share
            out[f"ev_{label}"] = col
            balance = balance + col
        out["ev_balance"] = balance
        out["ev_tally"] = np.sign(tally) * np.log1p(np.abs(tally))
        out["ev_net_rate"] = tally / (n_read + float(self.prior_messages))
        out["ev_ratio"] = np.log((pos + 1.0) / (neg + 1.0))
        # behaviour, and the people features read: oriented, logged where stated (column order: below)
        read = {**BEHAVIOUR_SIGNS, **{name: how for name, how in PEOPLE_SIGNS.items() if name in self.people}}
        for name, (sign, log) in read.items():
            v = X[name].astype(float)
            out[f"ev_{name}"] = sign * (np.log1p(v.clip(lower=0)) if log else v)
        if self.log_counts:
            out["ev_positive_count"] = np.log1p(pos)
            out["ev_negative_count"] = -np.log1p(neg)
        return out[list(evidence_names(self.log_counts, self.people))]

    def get_feature_names_out(self, input_features=None):
        return np.asarray(evidence_names(self.log_counts, self.people), dtype=object)
