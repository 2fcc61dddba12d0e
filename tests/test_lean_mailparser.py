"""mail-parser without the summary dicts its ``parse()`` ends with gives the analyzer the same records.

``analyzer.ingest.parse.LeanMailParser`` skips ``mail`` and ``mail_partial`` (every header and part
again, for mail-parser's JSON output), which the analyzer never reads. Over the whole real mail
corpus (../shared/realmail: broken MIME, charsets, mailing-list archives, Outlook files), ingest
with it and with mail-parser's own parser must give the same messages, report and quarantine.
"""

from __future__ import annotations

import mailparser
import pandas as pd
import pytest

import analyzer.ingest.parse as parse
from analyzer.ingest.pipeline import ingest


def test_the_real_mail_corpus_ingests_the_same_with_and_without_the_summary_dicts(realmail, monkeypatch):
    lean = ingest([realmail], jobs=1)
    monkeypatch.setattr(parse, "LeanMailParser", mailparser.MailParser)
    full = ingest([realmail], jobs=1)
    assert len(lean.messages) > 350
    pd.testing.assert_frame_equal(lean.messages, full.messages)
    assert lean.report == full.report


def test_the_lean_parser_reads_what_the_analyzer_reads_and_refuses_the_dicts(realmail):
    data = next(p for p in sorted(realmail.rglob("*.eml"))).read_bytes()
    lean, full = parse.LeanMailParser.from_bytes(data), mailparser.parse_from_bytes(data)
    for name in ("subject", "from_", "to", "cc", "date", "text_plain", "text_html", "defects", "message_id"):
        assert getattr(lean, name) == getattr(full, name), name
    assert full.mail  # mail-parser's own parser builds it ...
    with pytest.raises(NotImplementedError, match="summary"):  # ... the lean one says it has none
        lean.mail
    with pytest.raises(NotImplementedError, match="summary"):
        lean.mail_json
