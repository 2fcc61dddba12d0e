"""The run's models: the depth model loaded in a background thread while the run starts its work.

Importing scikit-learn and skops and reading the model file take seconds; a run no longer waits for
them before its first work (:func:`start_loading_models`), and a large run loads the model only after
signal detection, where its memory peaks (:class:`ModelLoad`).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path


def _load_depth_model(path):
    from analyzer.depth.modelfile import load_depth_model  # imports scikit-learn: seconds

    return load_depth_model(path)


#: From this much mail to parse on, the shipped depth model loads after signal detection rather
#: than while the mail is parsed (:meth:`ModelLoad.start_unless_large`).
LOAD_MODEL_AFTER_DETECTION_BYTES = 128 * 1024 * 1024


class ModelLoad:
    """The run's depth model, loaded in a background daemon thread once :meth:`start` is called.

    A run calls :meth:`start_unless_large` when it is about to parse mail: the load then overlaps
    the parsing, except in a large run (:data:`LOAD_MODEL_AFTER_DETECTION_BYTES`), which starts it
    once its signals are detected. A large run's memory peaks at the end of detection, and
    scikit-learn with the model is about 100 MiB of the main process that scoring alone needs; the
    load's 1.6 CPU-seconds or so then sit in the scores stage instead of sharing the cores with the
    parse. A run whose every work unit comes from the cache does not start the load at all, and
    loads the model only if it asks for the :meth:`result` (its cached scores may not match). So an
    unchanged re-run never imports scikit-learn, even in the background, where the import would
    hold the interpreter lock the run's own work needs. A daemon thread: a process that never needs
    the model does not wait for scikit-learn to finish importing at exit.
    """

    def __init__(self, load) -> None:
        self._load = load
        self._future: Future = Future()
        self._lock = threading.Lock()
        self._started = False
        self._deferred = False

    @classmethod
    def of(cls, model) -> "ModelLoad":
        """An already loaded model (one the user named, loaded before any work)."""
        done = cls(lambda: model)
        done._started = True
        done._future.set_result(model)
        return done

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        self._future.set_running_or_notify_cancel()
        threading.Thread(target=self._run, name="analyzer-models", daemon=True).start()

    def start_unless_large(self, n_bytes: int) -> None:
        """:meth:`start`, unless ``n_bytes`` of mail to parse make this a large run."""
        if n_bytes < LOAD_MODEL_AFTER_DETECTION_BYTES:
            self.start()
        else:
            self._deferred = True

    @property
    def deferred(self) -> bool:
        """Whether :meth:`start_unless_large` put the load off (a large run)."""
        return self._deferred

    def start_if_deferred(self) -> None:
        """:meth:`start`, if :meth:`start_unless_large` put it off."""
        if self._deferred:
            self.start()

    def _run(self) -> None:
        try:
            self._future.set_result(self._load())
        except BaseException as exc:  # noqa: BLE001 - handed to whoever asks for the model
            self._future.set_exception(exc)

    def result(self, timeout: float | None = None):
        """The depth model (starting the load if nothing has yet), or what loading it raised."""
        self.start()
        return self._future.result(timeout=timeout)


def start_loading_models(model_path, signals_model) -> ModelLoad:
    """The run's depth model as a :class:`ModelLoad`, and a check of its signal model.

    A model the user names (``model_path``, ``signals_model``) is loaded now, before any work, so
    a missing or broken one fails at once. The shipped depth model (checked by the package's own
    tests) loads in a background thread once the run calls ``start()``: importing scikit-learn
    and skops and reading the model file take seconds the run no longer waits for before its
    first work; the shipped signal pipeline is loaded by whoever detects signals.
    """
    from analyzer.batch import model_key
    from analyzer.parallel import worker_pipeline

    if isinstance(signals_model, (str, Path)):
        worker_pipeline(model_key(signals_model))
    if model_path is not None:
        return ModelLoad.of(_load_depth_model(model_path))
    return ModelLoad(lambda: _load_depth_model(None))
