"""Progress bars on stderr: shown only for a terminal, and never with ``--quiet``."""

from __future__ import annotations

import sys
from contextlib import contextmanager

from tqdm import tqdm


def progress_enabled(quiet: bool = False) -> bool:
    return not quiet and sys.stderr.isatty()


@contextmanager
def progress(total: int | None, desc: str, enabled: bool, unit: str = "it"):
    """A tqdm bar on stderr (a disabled bar costs nothing). Use ``bar.update(n)``."""
    bar = tqdm(total=total, desc=desc, unit=unit, disable=not enabled, file=sys.stderr, leave=False)
    try:
        yield bar
    finally:
        bar.close()
