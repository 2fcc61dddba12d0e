"""Client trend (deepening / steady / cooling), learnt from each client's trajectory.

Why not only the slope of the quarterly depth scores: a quarter holds some 10-40 messages of a
client, so each quarter's score is noisy (steady clients' score slopes scatter by several points a
quarter), and a deepening client's behaviour moves along several lines at once (more threads
started by the client, faster client replies, seniors copied in, more appreciative and fewer
negative sentences), each too weak to call alone. The trend model reads them together.

Trajectory features (:func:`trajectory_features`, one row per client, columns
:data:`TRAJECTORY_FEATURES`), all "change per quarter" or "late minus early", 0 meaning no change:

- ``score_slope``: the slope of the client's quarterly depth scores (points per quarter; weighted
  least squares over the last ``max_periods`` quarters, a quarter with little mail weighing less:
  the same figure :func:`analyzer.depth.quarterly.trend_of` reads), and ``score_change``, the mean
  score of the later half of those quarters minus the earlier half;
- event-level slopes over the same span, each a least-squares line through every single event
  against its date in quarters (far less noisy than a difference of quarterly medians):
  client thread starts (1 = the client started it), log client and agency reply hours, positive
  and negative client signal sentences per client message, seniors involved per message, the
  client's share of messages, and log messages per month.

:class:`TrendModel` (scikit-learn style) is a standardised ridge regression from those features to
the designed depth change per quarter, so its output is itself a figure in depth points per
quarter (``predict_slope``). A dead band (``band``, chosen in ``fit`` by cross-validation to
maximise the mean recall of the three trends) turns it into the trend. ``reasons`` gives, per
client, the slope figure and the features that pushed it most, e.g.
``"+6.1 pts/quarter: quarterly score slope +8.3; client starts more threads"``.

Training needs clients whose trend is known (the generated mailboxes of ``build``); a user's own
labels (``analyzer train``) carry no trend, so such models keep the plain slope rule
(:func:`analyzer.depth.quarterly.trend_of`) - see :meth:`analyzer.depth.quarterly.QuarterlyStory.trends`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GroupKFold, KFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from analyzer.depth.windows import SIDES

TRENDS: tuple[str, ...] = ("deepening", "steady", "cooling")
#: Client labels that docs/SIGNALS.md reads as deeper / shallower (the same directions as the depth model).
POSITIVE_LABELS = ("help_request", "advice_acted_on", "referral", "strategic_involvement", "early_warning",
                   "appreciation", "forgiveness")
NEGATIVE_LABELS = ("fee_pushback", "supplier_label", "complaint", "cancellation")

SCORE_FEATURES = ("score_slope", "score_change")
EVENT_FEATURES = ("client_start_slope", "client_reply_log_hours_slope", "agency_reply_log_hours_slope",
                  "positive_signal_slope", "negative_signal_slope", "senior_involved_slope",
                  "client_msg_share_slope", "log_volume_slope", "client_reply_rate_slope", "log_thread_length_slope")
TRAJECTORY_FEATURES: tuple[str, ...] = SCORE_FEATURES + EVENT_FEATURES
#: How each feature reads in a reason: (when it rises, when it falls).
READABLE = {
    "score_slope": ("quarterly scores rising", "quarterly scores falling"),
    "score_change": ("later quarters score higher", "later quarters score lower"),
    "client_start_slope": ("client starts more threads", "client starts fewer threads"),
    "client_reply_log_hours_slope": ("slower client replies", "faster client replies"),
    "agency_reply_log_hours_slope": ("slower agency replies", "faster agency replies"),
    "positive_signal_slope": ("more positive client signals", "fewer positive client signals"),
    "negative_signal_slope": ("more negative client signals", "fewer negative client signals"),
    "senior_involved_slope": ("seniors more involved", "seniors less involved"),
    "client_msg_share_slope": ("client writes a growing share", "client writes a shrinking share"),
    "log_volume_slope": ("more mail", "less mail"),
    "client_reply_rate_slope": ("client answers more agency mail", "client answers less agency mail"),
    "log_thread_length_slope": ("longer threads", "shorter threads"),
}
QUARTER_DAYS = 91.31
MIN_EVENTS = 4
#: Quarters a trajectory looks back over, and the shrinkage of event slopes (in events spread over
#: those quarters; see :func:`_event_slope`). Chosen by leave-mailbox-out CV on the training mailboxes.
MAX_PERIODS = 6
EVENT_PRIOR = 30.0
#: Candidate dead bands (predicted points per quarter) tried by :meth:`TrendModel.fit`.
BANDS: tuple[float, ...] = tuple(round(0.5 + 0.125 * i, 3) for i in range(29))  # 0.5 .. 4.0


def weighted_slope(y, w=None, prior: float = 0.0) -> float:
    """Least-squares slope of ``y`` against 0, 1, 2, ... (NaN values skipped), weights ``w``; 0 if < 2 points.

    ``prior`` shrinks the slope towards 0 the way a ridge penalty does (it is added to the spread
    of the x values): a line through two quarters is pulled in far more than one through six.
    """
    y = np.asarray(y, dtype=float)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    x = np.arange(len(y), dtype=float)
    ok = ~np.isnan(y) & (w > 0)
    if ok.sum() < 2:
        return 0.0
    x, y, w = x[ok], y[ok], w[ok]
    xm, ym = np.average(x, weights=w), np.average(y, weights=w)
    denom = float(np.sum(w * (x - xm) ** 2)) + prior
    return float(np.sum(w * (x - xm) * (y - ym)) / denom) if denom > 0 else 0.0


def quarter_weights(n_messages, min_messages: int = 3) -> np.ndarray:
    """Weight of a quarter in the score slope: 1 with ``min_messages`` or more, down to 0.2 for an empty one."""
    return np.clip(np.asarray(n_messages, dtype=float) / max(min_messages, 1), 0.2, 1.0)


def score_trajectory(periods: pd.DataFrame, max_periods: int = MAX_PERIODS, prior: float = 0.0,
                     min_messages: int = 3) -> dict:
    """``score_slope`` and ``score_change`` of one client's quarters (columns ``score``, ``n_messages``,
    time order); a quarter with fewer than ``min_messages`` messages weighs less (:func:`quarter_weights`)."""
    p = periods.tail(max_periods)
    n = len(p)
    if n < 2:
        return {"score_slope": 0.0, "score_change": 0.0}
    w = quarter_weights(p["n_messages"], min_messages)
    y = p["score"].to_numpy(dtype=float)
    h = n // 2
    late, early = np.average(y[n - h:], weights=w[n - h:]), np.average(y[:h], weights=w[:h])
    return {"score_slope": weighted_slope(y, w, prior), "score_change": float(late - early)}


def score_slopes(periods: pd.DataFrame, max_periods: int = MAX_PERIODS, min_messages: int = 3) -> pd.Series:
    """:func:`score_trajectory`'s ``score_slope`` for every client at once (index client, period;
    columns ``score``, ``n_messages``): the same weighted least squares, as grouped sums."""
    if periods.empty:
        return pd.Series(dtype=float)
    p = periods.sort_index(level=["client", "period"], sort_remaining=False, kind="stable")
    p = p.groupby(level="client", sort=False).tail(max_periods)
    client = p.index.get_level_values("client")
    x = p.groupby(level="client", sort=False).cumcount().to_numpy(dtype=float)
    y = p["score"].to_numpy(dtype=float)
    w = quarter_weights(p["n_messages"], min_messages)
    ok = ~np.isnan(y) & (w > 0)
    w = np.where(ok, w, 0.0)
    y0 = np.where(ok, y, 0.0)
    f = pd.DataFrame({"client": client, "w": w, "wx": w * x, "wy": w * y0, "ok": ok.astype(int)})
    sums = f.groupby("client", sort=False)[["w", "wx", "wy", "ok"]].transform("sum")
    W = sums["w"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        dx, dy = x - sums["wx"].to_numpy() / W, y0 - sums["wy"].to_numpy() / W
    f["den"], f["num"] = w * dx * dx, w * dx * dy
    agg = f.groupby("client", sort=False).agg(den=("den", "sum"), num=("num", "sum"), ok=("ok", "sum"))
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where((agg["ok"] >= 2) & (agg["den"] > 0), agg["num"] / agg["den"], 0.0)
    return pd.Series(slope, index=agg.index.rename("client"), dtype=float).sort_index()


#: Half-width, in quarters, of the window an older quarter's line is fitted on (:func:`client_lines`).
LINE_HALF_WIDTH = 3


def _line_values(f: pd.DataFrame, window: int | None) -> np.ndarray:
    """Weighted least-squares line values at each row's x, per client (``f``: columns client, x, w, y,
    sorted by client then x), over the centred ``window`` of rows, or over all the client's rows (None)."""
    f = f.assign(wx=f["w"] * f["x"], wy=f["w"] * f["y"], wxx=f["w"] * f["x"] ** 2, wxy=f["w"] * f["x"] * f["y"])
    cols = ["w", "wx", "wy", "wxx", "wxy"]
    g = f.groupby("client", sort=False)[cols]
    sums = (g.transform("sum") if window is None else
            g.rolling(window, center=True, min_periods=1).sum().reset_index(level=0, drop=True).sort_index())
    W, Sx, Sy = (sums[c].to_numpy() for c in ("w", "wx", "wy"))
    with np.errstate(invalid="ignore", divide="ignore"):
        xm, ym = Sx / W, Sy / W
        den = sums["wxx"].to_numpy() - Sx * xm
        slope = np.where(den > 1e-9 * np.maximum(W, 1.0), (sums["wxy"].to_numpy() - Sx * ym) / den, 0.0)
    return ym + slope * (f["x"].to_numpy() - xm)


def client_lines(periods: pd.DataFrame, min_quarters: int = 3, recent: int = MAX_PERIODS,
                 half_width: int = LINE_HALF_WIDTH) -> np.ndarray:
    """Per row of ``periods`` (index client, period; columns ``score``, ``n_messages``; any row
    order): the value at that quarter of a least-squares line through the client's quarterly scores,
    each quarter weighted by its messages (x: the quarter's position in the client's series, as in
    :func:`score_slopes`). The client's last ``recent`` quarters (the span the trend reads) share one
    line fitted on them alone; an older quarter gets the line through the quarters within
    ``half_width`` of it. So a client of up to ``recent`` quarters gets one straight line, and over a
    longer history the line follows the client: a relationship that held for two years and cooled
    in the last three quarters is not drawn as a gentle slope across all of them. NaN for a client
    with fewer than ``min_quarters`` quarters, where a line would only repeat its points."""
    if periods.empty:
        return np.array([], dtype=float)
    order = np.lexsort((periods.index.get_level_values("period").astype(str),
                        periods.index.get_level_values("client").astype(str)))
    p = periods.iloc[order]
    y = p["score"].to_numpy(dtype=float)
    f = pd.DataFrame({"client": p.index.get_level_values("client"),
                      "x": p.groupby(level="client", sort=False).cumcount().to_numpy(dtype=float),
                      "w": np.where(np.isnan(y), 0.0, np.maximum(p["n_messages"].to_numpy(dtype=float), 0.0)),
                      "y": np.where(np.isnan(y), 0.0, y)})
    size = f.groupby("client", sort=False)["x"].transform("size").to_numpy()
    is_recent = f["x"].to_numpy() >= size - recent
    values = _line_values(f, 2 * half_width + 1) if (~is_recent).any() else np.zeros(len(f))
    if is_recent.any():
        values[is_recent] = _line_values(f[is_recent].reset_index(drop=True), None)
    usable = f.assign(ok=(f["w"] > 0).astype(int)).groupby("client", sort=False)["ok"].transform("sum").to_numpy()
    out = np.empty(len(p))
    out[order] = np.where(usable >= min_quarters, values, np.nan)
    return out


def _event_slope(t: np.ndarray, y: np.ndarray, prior: float = 0.0) -> float:
    """Slope of ``y`` against times ``t`` (quarters), 0 with fewer than MIN_EVENTS usable events;
    ``prior`` shrinks it towards 0 (see :func:`weighted_slope`): events bunched in a short span,
    e.g. a client who started two months ago, give a slope near 0 rather than a wild one."""
    ok = ~np.isnan(y) & ~np.isnan(t)
    if ok.sum() < MIN_EVENTS:
        return 0.0
    t, y = t[ok], y[ok]
    tc = t - t.mean()
    denom = float(np.sum(tc * tc)) + prior
    return float(np.sum(tc * (y - y.mean())) / denom) if denom > 0 else 0.0


def _quarters_before(dates: pd.Series, as_of: pd.Timestamp) -> np.ndarray:
    return ((pd.to_datetime(dates, utc=True) - as_of) / pd.Timedelta(days=QUARTER_DAYS)).to_numpy(dtype=float)


def event_trajectories(X, max_periods: int = MAX_PERIODS, reply_cap_hours: float = 240.0,
                       prior: float = EVENT_PRIOR) -> pd.DataFrame:
    """Event-level slopes per client (columns :data:`EVENT_FEATURES`, index client) over the last
    ``max_periods`` quarters before the mailbox's last date, in units per quarter.

    ``X`` is a :class:`~analyzer.depth.features.MailFrames`; its threads, reply events and seniority
    are the ones the depth features use (``X.prepared()``).
    """
    prep = X.prepared()
    as_of = prep.as_of
    lo = as_of - pd.Timedelta(days=QUARTER_DAYS * max_periods)
    msgs = prep.msgs[pd.to_datetime(prep.msgs["date"], utc=True) >= lo]
    events = prep.events[(prep.events["date"] >= lo) & prep.events["hours"].notna()]
    starts = prep.starts[(prep.starts["date"] >= lo) & prep.starts["started_by"].isin(SIDES)]
    seniors = {(c, a) for (c, a), lv in prep.levels.items() if lv >= 2}
    pos = msgs[[f"lab_{lb}" for lb in POSITIVE_LABELS]].to_numpy().sum(axis=1) > 0
    neg = msgs[[f"lab_{lb}" for lb in NEGATIVE_LABELS]].to_numpy().sum(axis=1) > 0
    senior = np.array([(c, f) in seniors or any((c, a) in seniors for a in (cc if cc is not None else ()))
                       for c, f, cc in zip(msgs["client"], msgs["from_address"], msgs["cc"])], dtype=float)
    answered = set(prep.events.loc[prep.events["direction"] == "from_client", "parent_key"])
    msgs = msgs.assign(_answered=[k in answered for k in msgs["key"]])
    msgs = msgs.assign(_t=_quarters_before(msgs["date"], as_of), _pos=pos.astype(float), _neg=neg.astype(float),
                       _senior=senior, _client=(msgs["direction"] == "from_client").to_numpy(dtype=float))
    events = events.assign(_t=_quarters_before(events["date"], as_of),
                           _lh=np.log1p(np.minimum(events["hours"].to_numpy(dtype=float), reply_cap_hours)))
    starts = starts.assign(_t=_quarters_before(starts["date"], as_of),
                           _c=(starts["started_by"] == "from_client").to_numpy(dtype=float),
                           _len=np.log(starts["n_messages"].to_numpy(dtype=float)))
    ev_by = dict(tuple(events.groupby("client", sort=False)))
    st_by = dict(tuple(starts.groupby("client", sort=False)))
    empty_ev, empty_st = events.iloc[:0], starts.iloc[:0]
    rows = {}
    for client, m in msgs.groupby("client", sort=True):
        e, s = ev_by.get(client, empty_ev), st_by.get(client, empty_st)
        mc, ma = m[m["_client"] == 1.0], m[m["_client"] == 0.0]
        ec, ea = e[e["direction"] == "from_client"], e[e["direction"] == "from_agency"]
        # messages per month, from the client's first month in the span to the mailbox's last
        month = np.floor(m["_t"].to_numpy() * 3.0)
        first = month.min() if len(month) else 0.0
        months = np.arange(first, 1.0)
        counts = np.array([np.sum(month == k) for k in months], dtype=float)
        rows[client] = {
            "client_start_slope": _event_slope(s["_t"].to_numpy(), s["_c"].to_numpy(), prior),
            "client_reply_log_hours_slope": _event_slope(ec["_t"].to_numpy(), ec["_lh"].to_numpy(), prior),
            "agency_reply_log_hours_slope": _event_slope(ea["_t"].to_numpy(), ea["_lh"].to_numpy(), prior),
            "positive_signal_slope": _event_slope(mc["_t"].to_numpy(), mc["_pos"].to_numpy(), prior),
            "negative_signal_slope": _event_slope(mc["_t"].to_numpy(), mc["_neg"].to_numpy(), prior),
            "senior_involved_slope": _event_slope(m["_t"].to_numpy(), m["_senior"].to_numpy(), prior),
            "client_msg_share_slope": _event_slope(m["_t"].to_numpy(), m["_client"].to_numpy(), prior),
            "client_reply_rate_slope": _event_slope(ma["_t"].to_numpy(), ma["_answered"].to_numpy(dtype=float), prior),
            "log_thread_length_slope": _event_slope(s["_t"].to_numpy(), s["_len"].to_numpy(), prior),
            "log_volume_slope": 3.0 * _event_slope(months, np.log1p(counts), 9.0 * prior),  # per month -> per quarter
        }
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(EVENT_FEATURES))
    out.index.name = "client"
    return out


def score_trajectories(period_scores: pd.DataFrame, max_periods: int = MAX_PERIODS) -> pd.DataFrame:
    """:func:`score_trajectory` per client of a per-quarter frame (index client, period; columns
    ``score``, ``n_messages``); index client, columns :data:`SCORE_FEATURES`."""
    if period_scores.empty:
        return pd.DataFrame(columns=list(SCORE_FEATURES), dtype=float).rename_axis("client")
    rows = {client: score_trajectory(g.sort_index(level="period"), max_periods)
            for client, g in period_scores.groupby(level="client", sort=True)}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(SCORE_FEATURES))
    out.index.name = "client"
    return out


def trajectory_features(period_scores: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The trend model's input: score trajectories (from ``period_scores``) joined with event
    trajectories (``events``, from :func:`event_trajectories`); a client missing from one side
    gets 0 there (no measured change). Index client, columns :data:`TRAJECTORY_FEATURES`."""
    scores = score_trajectories(period_scores)
    clients = scores.index.union(events.index)
    out = pd.concat([scores.reindex(clients), events.reindex(clients)], axis=1)
    return out.reindex(columns=list(TRAJECTORY_FEATURES)).astype(float).fillna(0.0).rename_axis("client")


def trend_labels(slopes, band: float) -> np.ndarray:
    """Trend names from slopes (depth points per quarter) and a dead band."""
    s = np.asarray(slopes, dtype=float)
    return np.where(s > band, "deepening", np.where(s < -band, "cooling", "steady")).astype(object)


class TrendModel(BaseEstimator):
    """Trajectory features -> depth change per quarter -> trend (see the module doc).

    Parameters
    ----------
    alphas : sequence of float or None
        Ridge penalties tried by ``RidgeCV`` (None: 10^-2 .. 10^4).
    band : float or None
        Dead band in predicted points per quarter; None chooses it in ``fit`` from out-of-fold
        predictions (the band with the best mean recall of deepening, steady and cooling).
    bands : sequence of float
        Candidate bands for that choice.
    moving_threshold : float
        A designed change per quarter above this (in size) counts as deepening/cooling when
        choosing the band.
    n_splits : int
        Folds for the out-of-fold predictions (grouped by ``groups`` when given).

    Fitted attributes: ``pipeline_`` (scaler + ridge), ``band_``, ``cv_recall_`` (recall per
    trend at ``band_``, out of fold), ``cv_predictions_`` (out-of-fold slopes), ``feature_names_in_``.
    """

    def __init__(self, alphas=None, band: float | None = None, bands=BANDS,
                 moving_threshold: float = 1.0, n_splits: int = 6):
        self.alphas = alphas
        self.band = band
        self.bands = bands
        self.moving_threshold = moving_threshold
        self.n_splits = n_splits

    def _pipeline(self) -> Pipeline:
        alphas = np.logspace(-2, 4, 14) if self.alphas is None else np.asarray(self.alphas, dtype=float)
        return Pipeline([("scale", StandardScaler()), ("ridge", RidgeCV(alphas=alphas))])

    def _matrix(self, T: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in TRAJECTORY_FEATURES if c not in T.columns]
        if missing:
            raise ValueError(f"trajectory frame lacks columns {missing[:5]}")
        return T[list(TRAJECTORY_FEATURES)].astype(float).fillna(0.0)

    def fit(self, T: pd.DataFrame, y, groups=None):
        """Fit on trajectory features ``T`` and the designed depth change per quarter ``y``."""
        X = self._matrix(T)
        y = np.asarray(y, dtype=float)
        truth = trend_labels(y, self.moving_threshold)
        n_groups = len(set(groups)) if groups is not None else 0
        if n_groups >= 3:
            cv = GroupKFold(n_splits=min(self.n_splits, n_groups)).split(X, y, groups)
        else:
            cv = KFold(n_splits=min(self.n_splits, len(y)), shuffle=True, random_state=0).split(X, y)
        oof = cross_val_predict(self._pipeline(), X, y, cv=list(cv))
        recall = {b: self._recall(truth, trend_labels(oof, b)) for b in self.bands}
        if self.band is not None:
            band = float(self.band)
            recall.setdefault(band, self._recall(truth, trend_labels(oof, band)))
        else:  # best mean recall; among ties the band nearest the middle of the grid
            mid = float(np.median(self.bands))
            band = float(max(recall, key=lambda b: (round(np.nanmean(list(recall[b].values())), 6), -abs(b - mid))))
        self.band_ = band
        self.cv_recall_ = recall[band]
        self.cv_predictions_ = oof
        self.pipeline_ = self._pipeline().fit(X, y)
        self.feature_names_in_ = np.array(TRAJECTORY_FEATURES, dtype=object)
        self.n_features_in_ = len(TRAJECTORY_FEATURES)
        return self

    @staticmethod
    def _recall(truth: np.ndarray, pred: np.ndarray) -> dict:
        return {t: float(np.mean(pred[truth == t] == t)) if np.any(truth == t) else float("nan") for t in TRENDS}

    def predict_slope(self, T: pd.DataFrame) -> np.ndarray:
        """Predicted depth change per quarter (points), one per row."""
        if len(T) == 0:
            return np.array([], dtype=float)
        return self.pipeline_.predict(self._matrix(T))

    def predict(self, T: pd.DataFrame) -> np.ndarray:
        """Trend per row: deepening, steady or cooling."""
        return trend_labels(self.predict_slope(T), self.band_)

    def contributions(self, T: pd.DataFrame) -> pd.DataFrame:
        """Per row and feature: its term in the predicted slope (coefficient x standardised value)."""
        X = self._matrix(T)
        scale = self.pipeline_.named_steps["scale"]
        coef = self.pipeline_.named_steps["ridge"].coef_
        z = (X.to_numpy() - scale.mean_) / scale.scale_
        return pd.DataFrame(z * coef, index=T.index, columns=list(TRAJECTORY_FEATURES))

    def reasons(self, T: pd.DataFrame, top: int = 2) -> pd.Series:
        """Readable reason per row: the predicted slope, the quarterly score slope and the features
        that pushed the prediction most in its direction, e.g.
        ``"+5.2 pts/quarter (quarterly scores +7.9/quarter); faster client replies, seniors more involved"``."""
        if len(T) == 0:
            return pd.Series(dtype=object)
        slopes = self.predict_slope(T)
        contrib = self.contributions(T)
        out = []
        for (idx, row), slope in zip(contrib.iterrows(), slopes):
            sign = 1.0 if slope >= 0 else -1.0
            pushes = (row * sign).sort_values(ascending=False)
            named = [READABLE[f][0 if T.at[idx, f] > 0 else 1] for f, v in pushes.items()
                     if v > 0.1 and f not in SCORE_FEATURES][:top]
            text = f"{slope:+.1f} pts/quarter (quarterly scores {T.at[idx, 'score_slope']:+.1f}/quarter)"
            out.append(text + ("; " + ", ".join(named) if named else ""))
        return pd.Series(out, index=T.index, dtype=object)
