"""One exception hierarchy for the analyzer.

Everything the analyzer raises on purpose is an :class:`AnalyzerError`. The CLI turns
any of them into a one-line message on stderr and exit code 2; anything else is a bug.
"""

from __future__ import annotations


class AnalyzerError(Exception):
    """Base class of every error the analyzer raises on purpose."""


class InputError(AnalyzerError):
    """A source, file or input line cannot be used (missing, unreadable, not mail)."""


class ConfigError(AnalyzerError):
    """The TOML config file is missing, malformed, or names things inconsistently."""


class ModelError(AnalyzerError):
    """A model file is missing, foreign (not written by the analyzer) or incompatible."""


class ParseError(AnalyzerError):
    """One message could not be parsed. Ingest turns it into a quarantine row."""
