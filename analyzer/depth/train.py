"""``analyzer train LABELS.csv --run DIR --out MODEL``: fit the depth model on a user's own labels.

LABELS.csv: a ``depth`` column and a ``client`` column (the client name as in scores.csv) and/or a
``domain`` column (any of the client's domains or, for free-mail clients, its address). ``depth``
is either a number 0-100 or a tier name (``shallow``, ``developing``, ``solid``, ``deep``, taken as
the tier's middle: 12.5, 37.5, 62.5, 87.5); both may be mixed in one file.

DIR is the folder of an ``analyzer run``: it must hold ``messages.parquet`` (attributed messages)
and ``signals.parquet`` (the signals frame). The features are computed from those, so the model is
trained on exactly what ``run`` sees. The estimator is the shipped model's (``taxonomy``: a regressor
monotone in every column of the oriented evidence of :mod:`analyzer.depth.evidence`, with the shipped
model's regressor, penalty, shrinkages, evidence columns and trend band), refitted on the user's
labels; at least :data:`MIN_CLIENTS` are required. With fewer than :data:`GBM_MIN_CLIENTS` the
boosted regressor becomes the non-negative ridge (the summary says so).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from analyzer.depth.features import ClientFeatures, MailFrames
from analyzer.depth.model import DepthModel
from analyzer.depth.modelfile import save_depth_model
from analyzer.errors import InputError

log = logging.getLogger(__name__)

MIN_CLIENTS = 5
#: Fewer labelled clients than this fit the ridge instead of the shipped model's boosting (its leaves
#: hold at least 20 clients; with five folds of cross-validated calibration, fewer cannot split).
GBM_MIN_CLIENTS = 100
TIER_DEPTH = {"shallow": 12.5, "developing": 37.5, "solid": 62.5, "deep": 87.5}


def read_labels(path) -> pd.DataFrame:
    """LABELS.csv -> frame with ``key`` (lower-cased client name or domain), ``by`` and ``depth`` (float)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"labels file not found: {path}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({str(exc).splitlines()[0]})") from None
    cols = {c.strip().lower(): c for c in raw.columns}
    if "depth" not in cols or not ({"client", "domain"} & set(cols)):
        raise InputError(f"{path}: needs a 'depth' column and a 'client' or 'domain' column "
                         f"(found: {', '.join(raw.columns) or 'none'})")
    rows = []
    for i, r in raw.iterrows():
        line = i + 2  # header is line 1
        value = str(r[cols["depth"]]).strip()
        if value.lower() in TIER_DEPTH:
            depth = TIER_DEPTH[value.lower()]
        else:
            try:
                depth = float(value)
            except ValueError:
                raise InputError(f"{path}:{line}: depth {value!r} is neither a number 0-100 nor a tier "
                                 f"({', '.join(TIER_DEPTH)})") from None
            if not 0 <= depth <= 100 or np.isnan(depth):
                raise InputError(f"{path}:{line}: depth {value} is outside 0-100")
        client = str(r[cols["client"]]).strip() if "client" in cols else ""
        domain = str(r[cols["domain"]]).strip().lower() if "domain" in cols else ""
        if not client and not domain:
            raise InputError(f"{path}:{line}: neither a client nor a domain is given")
        rows.append({"line": line, "client": client, "domain": domain, "depth": depth})
    if not rows:
        raise InputError(f"{path}: no labels in the file")
    return pd.DataFrame(rows)


def _client_domains(messages: pd.DataFrame) -> dict[str, str]:
    """domain or free-mail address (lower-cased) -> client name."""
    m = messages[messages["client"].notna()]
    out: dict[str, str] = {}
    for client, dom in zip(m["client"], m["client_domain"]):
        if isinstance(dom, str) and dom:
            out.setdefault(dom.lower(), client)
    sent = m[m["direction"] == "from_client"]
    for client, addr in zip(sent["client"], sent["from_address"]):
        if isinstance(addr, str) and "@" in addr:
            out.setdefault(addr.lower(), client)
            out.setdefault(addr.lower().rsplit("@", 1)[1], client)
    return out


def match_labels(labels: pd.DataFrame, messages: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """Labels -> depth per client name (mean of duplicate labels), and the labels that match no client."""
    clients = {str(c).lower(): c for c in messages["client"].dropna().unique()}
    domains = _client_domains(messages)
    matched, unmatched = {}, []
    for r in labels.itertuples(index=False):
        name = clients.get(r.client.lower()) if r.client else None
        if name is None and r.domain:
            name = domains.get(r.domain)
        if name is None:
            unmatched.append(r.client or r.domain)
        else:
            matched.setdefault(name, []).append(r.depth)
    return pd.Series({k: float(np.mean(v)) for k, v in matched.items()}, dtype=float), unmatched


def load_run(run_dir) -> MailFrames:
    """messages.parquet + signals.parquet of an ``analyzer run`` folder."""
    from analyzer.export import read_signals_parquet
    from analyzer.ingest.message import read_messages

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"run folder not found: {run_dir}")
    for name in ("messages.parquet", "signals.parquet"):
        if not (run_dir / name).is_file():
            raise InputError(f"{run_dir} lacks {name}: give the --out folder of an `analyzer run`")
    try:
        messages = read_messages(run_dir / "messages.parquet")
        signals = read_signals_parquet(run_dir / "signals.parquet")
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(f"{run_dir}: cannot read the run's parquet files ({type(exc).__name__}: {exc})") from None
    return MailFrames(messages, signals)


def train_from_labels(labels_csv, run_dir, out_path) -> str:
    """Fit a depth model on the labelled clients of a run folder and write it to ``out_path``.

    Returns a one-paragraph summary (clients used, unmatched labels, model kind, cross-validated
    Spearman correlation when there are enough clients).
    """
    labels = read_labels(labels_csv)
    X = load_run(run_dir)
    y, unmatched = match_labels(labels, X.messages)
    if y.empty:
        known = sorted(map(str, X.messages["client"].dropna().unique()))
        raise InputError(f"none of the {len(labels)} labels in {labels_csv} matches a client in {run_dir} "
                         f"(clients there: {', '.join(known[:8]) or 'none'}{' ...' if len(known) > 8 else ''})")
    features = ClientFeatures().fit(X)
    F = features.transform(X)
    y = y[y.index.isin(F.index)]
    if len(y) < MIN_CLIENTS:
        raise InputError(f"only {len(y)} labelled clients found in {run_dir}; at least {MIN_CLIENTS} are needed")
    if y.nunique() < 2:
        raise InputError("every labelled client has the same depth; the model needs different depths to learn from")
    kind = "taxonomy"  # the same estimator as the shipped model, with its chosen parameters
    F = F.loc[y.index]
    # No trend model here: a user's labels give each client one depth, not how it moved, so there is
    # nothing to fit analyzer.depth.trend.TrendModel on (and far too few clients for it). Such a
    # model's trend is the slope rule on its quarterly scores (DepthModel.trend_table says so in
    # scores.csv's trend_reason).
    shipped = _shipped_params()
    params = _params_for(len(y), shipped)
    model = DepthModel(kind=kind, features=features, **params).fit(F, y.to_numpy())
    cv_rho = _cv_spearman(F, y, kind, params) if len(y) >= 8 else float("nan")
    training = {
        "source": "user labels", "labels_file": Path(labels_csv).name, "run_dir": str(run_dir),
        "n_clients": int(len(y)), "unmatched_labels": unmatched[:50], "kind": kind,
        "regressor": params.get("regressor", "ridge"),
        "cv_spearman": None if np.isnan(cv_rho) else round(cv_rho, 3),
    }
    save_depth_model(model, out_path, training=training)
    parts = [f"trained a {kind} depth model ({_regressor_words(params, shipped, len(y))}) on {len(y)} labelled clients"]
    if unmatched:
        parts.append(f"{len(unmatched)} labels matched no client ({', '.join(unmatched[:5])}"
                     f"{' ...' if len(unmatched) > 5 else ''})")
    if not np.isnan(cv_rho):
        parts.append(f"cross-validated Spearman {cv_rho:.2f}")
    return "; ".join(parts) + f" -> {out_path}"


def _shipped_params() -> dict:
    """The shipped model's penalty, shrinkages, trend band, tier rule, praise cap (and what backs
    praise) and people evidence, reused for a user's labels."""
    from analyzer.depth.modelfile import load_depth_model

    params = load_depth_model(None).get_params()
    keep = ("alpha", "prior_messages", "period_prior", "period_target", "trend_band", "tier_cuts", "ordinal_tiers",
            "log_counts", "regressor", "period_regressor", "backed_praise", "praise_backing", "praise_share",
            "people", "people_scope")
    return {k: params[k] for k in keep if k in params}


def _params_for(n_clients: int, shipped: dict) -> dict:
    """The shipped settings (``shipped``: :func:`_shipped_params`), with the ridge instead of boosting
    when there are fewer labelled clients than :data:`GBM_MIN_CLIENTS`: trees whose leaves need 20
    clients each cannot split on fewer."""
    params = dict(shipped)
    if params.get("regressor") == "gbm" and n_clients < GBM_MIN_CLIENTS:
        params["regressor"] = "ridge"
    return params


def _regressor_words(params: dict, shipped: dict, n_clients: int) -> str:
    if params.get("regressor") == "gbm":
        return "monotone gradient boosting on the evidence, as the shipped model"
    if shipped.get("regressor") == "gbm":
        return (f"non-negative ridge on the evidence: {n_clients} labelled clients are fewer than the "
                f"{GBM_MIN_CLIENTS} the shipped model's boosting needs")
    return "non-negative ridge on the evidence, as the shipped model"


def _cv_spearman(F: pd.DataFrame, y: pd.Series, kind: str, params: dict) -> float:
    from sklearn.model_selection import KFold

    preds = np.empty(len(y))
    for train, test in KFold(n_splits=min(5, len(y)), shuffle=True, random_state=0).split(F):
        m = DepthModel(kind=kind, **params).fit(F.iloc[train], y.iloc[train].to_numpy())
        preds[test] = m.raw_predict(F.iloc[test])
    rho = spearmanr(preds, y.to_numpy()).statistic
    return float(rho) if rho == rho else float("nan")
