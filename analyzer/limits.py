"""The limits that keep one odd or hostile message from sinking a run (documented in README).

Each is applied where the cost arises and recorded as a defect of the message, never silently:

- :data:`MAX_BODY_CHARS`: body text kept per message (a pasted log, base64 declared as text);
  the rest is cut, defect ``BodyTruncated``.
- :data:`MAX_NEW_TEXT_CHARS`: new text handed to signal detection per message; defect
  ``TextTruncated``. spaCy refuses texts over 1,000,000 characters, and no relationship signal
  needs more than this.
- :data:`MAX_RUN_CHARS`: longest run of non-space characters the tokenizer sees; the rest of a
  longer run is blanked (same length, so offsets hold). spaCy's suffix search is quadratic in
  the length of a run such as 24 KB of ")" or emoji without spaces.
- :data:`MAX_BLOCKQUOTES`: ``<blockquote>`` elements of an HTML-only mail rendered as ``>``
  quoting; with more, the tags are dropped and the text kept, defect ``HtmlQuotesFlattened``
  (nested quotes cost quadratic time and memory).
- :data:`MAX_HTML_CHARS`: HTML parsed per part; defect ``HtmlTruncated``.
- :data:`MAX_HEADER_CHARS`: characters of one header field decoded; defect ``HeaderTruncated``
  (RFC 2047 decoding of many encoded words is quadratic).
- :data:`MAX_COMPRESSION_RATIO`, :data:`MAX_DECOMPRESSED_MIN`, :data:`MAX_DECOMPRESSED_BYTES`: a
  gzip-compressed mbox or .eml is streamed until it has expanded beyond max(256 MiB, 200 x its
  compressed size), at most 64 GiB; the rest is a quarantine row (a compression bomb).
- :data:`MAX_ARCHIVE_MEMBERS`, :data:`MAX_ARCHIVE_MEMBER_BYTES`, :data:`MAX_ARCHIVE_MESSAGE_BYTES`,
  :data:`MAX_ARCHIVE_MIN`: a ``.zip``/``.tar``/``.tgz`` SOURCE is read member by member, never
  extracted. A member that expands beyond max(16 MiB, 200 x its compressed size), or beyond 16 GiB,
  and every member once the archive has expanded beyond max(16 MiB, 200 x its size) (at most
  64 GiB), is a quarantine row (a compression bomb); so is a single-message member (.eml, .msg)
  over 256 MiB, and members beyond the first 100,000 (one row counts them).
- :data:`MAX_QUARANTINE_ROWS`: quarantine rows listed one by one in ``ingest_report.json``;
  beyond, ``quarantine_rows_omitted`` counts the rest and ``quarantine_by_reason`` (always there)
  counts every row by reason, so a million broken one-line messages make a small report.
"""

from __future__ import annotations

import re

MAX_BODY_CHARS = 2_000_000
MAX_NEW_TEXT_CHARS = 100_000
MAX_RUN_CHARS = 64
MAX_BLOCKQUOTES = 100
MAX_HTML_CHARS = 2_000_000
MAX_HEADER_CHARS = 16_384
MAX_QUARANTINE_ROWS = 10_000
MAX_COMPRESSION_RATIO = 200
MAX_DECOMPRESSED_MIN = 256 * 1024 * 1024
MAX_DECOMPRESSED_BYTES = 64 * 1024 ** 3
MAX_ARCHIVE_MEMBERS = 100_000
MAX_ARCHIVE_MEMBER_BYTES = 16 * 1024 ** 3
MAX_ARCHIVE_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_ARCHIVE_MIN = 16 * 1024 * 1024

_LONG_RUN = re.compile(r"\S{%d,}" % (MAX_RUN_CHARS + 1))


def _blank_tail(m: re.Match) -> str:
    run = m.group()
    return run[:MAX_RUN_CHARS] + " " * (len(run) - MAX_RUN_CHARS)


def detectable(text: str, max_chars: int = MAX_NEW_TEXT_CHARS) -> str:
    """``text`` as the signal pipeline may see it: at most ``max_chars`` characters, and no run of
    non-space characters longer than :data:`MAX_RUN_CHARS` (the tail of such a run becomes spaces)."""
    if len(text) > max_chars:
        text = text[:max_chars]
    return _LONG_RUN.sub(_blank_tail, text)
