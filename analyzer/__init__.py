"""analyzer: how deep is each client relationship, and why, from agency mailbox exports.

For notebooks::

    import analyzer
    analyzer.detect_signals(["Sorry for the slow reply, crazy week."])  # [["apology"]]
    result = analyzer.analyze(["data/demo/mail"], config="data/demo/analyzer.toml")  # .messages, .evidence, .scores
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["detect_signals", "analyze", "__version__"]


def detect_signals(texts, model=None):
    """Labels (sorted, from docs/SIGNALS.md) for each text; a text's labels are the union over its sentences."""
    from analyzer.signals.detect import detect_signals as _detect

    return _detect(texts, model=model)


def analyze(sources, config=None, **kwargs):
    """Run the whole analysis in memory; returns an object with ``messages``, ``evidence``, ``scores``."""
    from analyzer.analysis import analyze as _analyze

    return _analyze(sources, config=config, **kwargs)
