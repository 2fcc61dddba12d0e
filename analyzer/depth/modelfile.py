"""Saving and loading the depth model without ever running code from the file.

A joblib file is a pickle: loading one runs whatever code it names. The depth model is stored
with ``skops.io`` instead, whose files describe objects as data, and every type a file names is
checked against :data:`TRUSTED_TYPES` *before* anything is loaded. The file holds a small header::

    {"format": "analyzer-depth-model", "version": 1, "feature_names": [...],
     "training": {...summary...}, "model": DepthModel}

:func:`load_depth_model` refuses with one-line :class:`~analyzer.errors.ModelError` anything else:
a missing file, a pickle/joblib file, random bytes, a skops file naming an untrusted type, a skops
file of some other object, or a model built on other features.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from analyzer.arrays import read_arrays
from analyzer.depth.features import FEATURE_NAMES
from analyzer.depth.model import DepthModel
from analyzer.errors import ModelError
from analyzer.resources import shipped_depth_model_file

FORMAT = "analyzer-depth-model"
VERSION = 1
#: The model the analyzer uses when none is given (shipped in models/depth/).
DEFAULT_MODEL_PATH = shipped_depth_model_file()

#: Types a depth model file may name beyond what skops trusts by default (builtins, numpy arrays,
#: scikit-learn's own estimators). Anything else in a file is refused before loading.
TRUSTED_TYPES: tuple[str, ...] = (
    "analyzer.depth.evidence.EvidenceFeatures",
    "analyzer.depth.features.ClientFeatures",
    "analyzer.depth.model.DepthModel",
    "analyzer.depth.tiers.OrdinalTiers",
    "analyzer.depth.tiers.PositiveLogistic",
    "analyzer.depth.trend.TrendModel",
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)


def _depth_estimators() -> list[tuple[str, type]]:
    """The scikit-learn estimators a depth model can be made of: :class:`DepthModel`'s pipelines of every
    ``kind`` (the ``ridge`` and ``gbm`` kinds impute with a missing-value indicator and fit ``RidgeCV``)
    and its trend model (:class:`~analyzer.depth.trend.TrendModel`, a scaled ``RidgeCV``)."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.impute import MissingIndicator, SimpleImputer
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import Ridge, RidgeCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return [(cls.__name__, cls) for cls in (HistGradientBoostingRegressor, IsotonicRegression, MissingIndicator,
                                            Pipeline, Ridge, RidgeCV, SimpleImputer, StandardScaler)]


def skops_io():
    """``skops.io``, imported without its census of every scikit-learn estimator.

    On import skops lists the estimators it trusts by default with ``sklearn.utils.all_estimators``,
    which imports every module of scikit-learn: about 0.8 CPU-seconds and 20 MiB of a run's main
    process, for a depth model made of eight of them. Imported here, skops's default trust is those eight
    (:func:`_depth_estimators`) besides its own primitive, numpy and internal types: a file naming
    any other estimator is refused as untrusted. Where skops was imported before (training, tests),
    it is used as it is: its default trust is then scikit-learn's whole list, as vetted by skops."""
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    import sklearn.utils

    census = sklearn.utils.all_estimators
    sklearn.utils.all_estimators = lambda *args, **kwargs: _depth_estimators()
    try:
        import skops.io as sio
    finally:
        sklearn.utils.all_estimators = census
    return sio


def save_depth_model(model: DepthModel, path, training: dict | None = None) -> Path:
    """Write ``model`` with its header to ``path`` (a skops file); returns the path."""
    sio = skops_io()

    if not isinstance(model, DepthModel) or not hasattr(model, "pipeline_"):
        raise ModelError("only a fitted DepthModel can be saved as a depth model")
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "feature_names": [str(f) for f in model.feature_names_in_],
        "training": dict(training or {}),
        "model": model,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(payload, path, compression=zipfile.ZIP_DEFLATED)
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if untrusted:  # the analyzer could not load its own file: refuse to leave it behind
        path.unlink()
        raise ModelError(f"model would name types outside the trusted list: {', '.join(untrusted)}")
    return path


def read_header(path) -> dict:
    """The checked payload of a depth model file (header and model); see :func:`load_depth_model`."""
    sio = skops_io()

    path = Path(path)
    if path.is_dir():
        raise ModelError(f"depth model {path} is a folder; give the model file written by `analyzer train`")
    if not path.is_file():
        raise ModelError(f"depth model not found: {path}")
    with path.open("rb") as fh:
        head = fh.read(4)
    if head[:1] == b"\x80" or head[:2] in (b"x\x9c", b"\x1f\x8b"):
        raise ModelError(f"{path} is a pickle/joblib file, which the analyzer never loads (it could run code); "
                         "use a model written by `analyzer train`")
    if not zipfile.is_zipfile(path):
        raise ModelError(f"{path} is not a depth model written by the analyzer (not a skops file)")
    try:
        # skops audits every type the file names before it builds any object; under the run's lock on
        # reading arrays, as the signal classifier's weights are read (analyzer.arrays)
        payload = read_arrays(lambda: sio.load(path, trusted=list(TRUSTED_TYPES)))
    except Exception as exc:
        raise _load_error(sio, path, exc) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelError(f"{path} is a skops file but not an {FORMAT} file")
    if payload.get("version") != VERSION:
        raise ModelError(f"{path} has model format version {payload.get('version')}, this analyzer reads {VERSION}")
    # a model reads the features it was built on: this analyzer must compute each of them (it may compute more)
    names = list(payload.get("feature_names", []))
    if not names or set(names) - set(FEATURE_NAMES) or not isinstance(payload.get("model"), DepthModel):
        raise ModelError(f"{path} was built on other features than this analyzer computes; retrain it")
    return payload


def _load_error(sio, path: Path, exc: Exception) -> ModelError:
    """Why skops could not load ``path``: the types it names outside the trusted list, a zip that is
    not a skops file, or what the load raised. The file is read again only on this failure path."""
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as again:  # noqa: BLE001 - a zip that is not a skops file
        return ModelError(f"{path} is not a depth model written by the analyzer ({type(again).__name__})")
    foreign = sorted(t for t in untrusted if t not in TRUSTED_TYPES)
    if foreign:
        return ModelError(f"{path} names untrusted types ({', '.join(foreign[:3])}); refusing to load it")
    return ModelError(f"{path} could not be read as a depth model ({type(exc).__name__}: {exc})")


def load_depth_model(path=None) -> DepthModel:
    """The depth model in ``path`` (default: :data:`DEFAULT_MODEL_PATH`), after the safety checks."""
    payload = read_header(DEFAULT_MODEL_PATH if path is None else path)
    model = payload["model"]
    model.training_summary_ = payload.get("training", {})
    return model
