"""Checks that fail a run in well under a second, before any work, and after ingest when the
mailbox holds nothing to score.

- :func:`check_sources` / :func:`check_out_dir`: a missing SOURCE, an ``--out`` that is a file or
  cannot be written: one line, before parsing starts.
- :func:`check_has_mail` / :func:`check_has_clients`: a run that parsed no mail, or found no
  client, stops with one line saying why (the quarantine reasons; the domains the mailbox does
  hold most) instead of writing an empty score sheet.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

from analyzer.errors import InputError


def check_sources(sources) -> list[Path]:
    paths = [Path(s) for s in sources]
    if not paths:
        raise InputError("no SOURCE given: name mailbox files or folders to read")
    for p in paths:
        if not os.path.lexists(p):
            raise InputError(f"SOURCE not found: {p}")
        if not os.access(p, os.R_OK):
            raise InputError(f"SOURCE not readable: {p}")
        if p.is_dir() and not _holds_a_file(p):
            raise InputError(f"SOURCE holds no files: {p}")
    return paths


def _holds_a_file(folder: Path) -> bool:
    """True as soon as a walk under ``folder`` meets a file (stops there: cheap on big trees)."""
    for _, _, files in os.walk(folder):
        if files:
            return True
    return False


def check_out_dir(out: Path) -> None:
    """``out`` is (or can be made) a writable folder; creates it."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise InputError(f"cannot write to --out {out}: {exc.strerror or exc}") from None


def _reasons(quarantine: list[dict], limit: int = 3) -> str:
    counts = Counter(q.get("reason", "?") for q in quarantine)
    parts = [f"{n} x {reason}" for reason, n in counts.most_common(limit)]
    if len(counts) > limit:
        parts.append(f"{len(counts) - limit} other reasons")
    return "; ".join(parts)


def check_has_mail(report: dict, sources) -> None:
    if report.get("parsed", 0) > 0:
        return
    where = ", ".join(str(s) for s in sources)
    q = report.get("quarantine", [])
    if not report.get("files"):
        raise InputError(f"no mail found: {where} holds no files")
    detail = f"{len(q)} quarantined ({_reasons(q)})" if q else "none held a message"
    raise InputError(f"no mail found in {where}: {report['files']} files read, {detail}")


def top_domains(messages, n: int = 5) -> list[tuple[str, int]]:
    """The domains that send or receive the most messages (one count per message and domain)."""
    counts: Counter = Counter()
    for sender, to, cc in zip(messages.get("from_address", []), messages.get("to_addresses", []),
                              messages.get("cc_addresses", [])):
        doms = {a.rsplit("@", 1)[-1] for a in [sender, *list(to), *list(cc)] if isinstance(a, str) and "@" in a}
        counts.update(doms)
    return counts.most_common(n)


def check_has_clients(messages, config) -> None:
    if "client" in messages and messages["client"].fillna("").astype(str).ne("").any():
        return
    held = ", ".join(f"{d} ({n})" for d, n in top_domains(messages)) or "none"
    if config is not None and getattr(config, "clients", None):
        named = sorted({d for c in config.clients for d in (*c.domains, *c.addresses)})
        raise InputError(f"no message matches the config's clients ({', '.join(named[:6])}); "
                         f"the mailbox's most frequent domains are: {held}")
    raise InputError(f"no client found in {len(messages)} messages: no outside organisation corresponds "
                     f"with the agency in both directions; most frequent domains: {held} "
                     "(name the agency and clients in a --config file)")
