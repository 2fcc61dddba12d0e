"""Strip quoted history from a piece of email text, keeping only what its writer newly wrote.

The labelling convention of docs/SIGNALS.md: lines quoted from an earlier message carry no label of
their own. In the product the detector sees ``new_text`` from ingest, which already has the quoted
history removed; :func:`strip_quoted` applies the same convention to free text (``detect_signals``,
the JSONL command, training data), so training and detection see the same kind of text.

Rules, line by line:

- a line starting with ``>`` (after optional spaces) is quoted and dropped;
- a reply header ("On <date>, <name> wrote:", "Am ... schrieb ...:", "-----Original Message-----",
  "---------- Forwarded message ---------", or an Outlook "From: ... " block opener) starts a quote:
  when the next non-blank line is ``>``-quoted the quote is bottom-posted and unquoted text after it
  is new again; otherwise (Outlook style, no markers) everything from the header on is history.
"""

from __future__ import annotations

import re

_HEADER = re.compile(
    r"""^\s*(?:
        on\b.{0,240}?\bwrote\s*:?\s*$                       # On Mon, 3 Jun, Priya wrote:
      | am\b.{0,240}?\bschrieb\b.*:?\s*$                    # German clients
      | le\b.{0,240}?\ba\s+écrit\s*:?\s*$                   # French clients
      | -{2,}\s*original\s+message\s*-{2,}\s*$
      | -{2,}\s*forwarded\s+message\s*-{2,}\s*$
      | _{5,}\s*$                                           # Outlook separator line
      | from:\s.+\bsent:\s.+$                                # one-line Outlook header
      | from:\s.+$(?=\n\s*(?:sent|date|to):)                 # Outlook header block
    )""",
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def strip_quoted(text: str) -> str:
    """``text`` without quoted lines and reply-header blocks; blank lines collapsed at the ends."""
    if not text:
        return ""
    if ">" not in text and not _HEADER.search(text):
        return text.strip()  # the common case: nothing quoted, no line loop
    lines = text.splitlines()
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_quoted(line):
            i += 1
            continue
        if _HEADER.match(line) or (line.lower().lstrip().startswith("from:")
                                   and _HEADER.search("\n".join(lines[i:i + 2]))):
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and _is_quoted(lines[j]):
                i = j  # bottom-posted: drop the header, the quoted lines are skipped above
                continue
            break  # top-posted history without markers: the rest is not new text
        kept.append(line)
        i += 1
    return "\n".join(kept).strip()
