"""A run parks the columns signal detection does not read on disk (analyzer.ingest.parked) and gets
them back exactly."""

import pandas as pd
import pytest

import analyzer
from analyzer import batch
from analyzer.config import load_config
from analyzer.ingest.bodies import BODY_COLUMNS
from analyzer.ingest.parked import DETECTION_COLUMNS, park
from analyzer.ingest.pipeline import ingest
from tests.conftest import DATA

DEMO_MAIL, DEMO_CONFIG = str(DATA / "demo" / "mail"), str(DATA / "demo" / "analyzer.toml")


@pytest.fixture(scope="module")
def real_frame(realmail):
    """Real third-party mail (broken MIME, charsets, single .eml files and an mbox), attributed,
    without the bodies: the frame a run holds."""
    sources = [str(realmail / "spamscope-mail-parser"), str(realmail / "cpython-test-email"),
               str(realmail / "mikel-mail")]
    frame = ingest(sources, jobs=1).messages
    return frame.drop(columns=list(BODY_COLUMNS))


def test_parked_columns_come_back_exactly(real_frame):
    assert len(real_frame) > 100
    assert real_frame["source_index"].isna().any() and real_frame["source_index"].notna().any()
    assert real_frame["client"].dtype == object  # attribution's columns hold Python strings and None
    kept, parked = park(real_frame)
    assert list(kept.columns) == [c for c in real_frame.columns if c in DETECTION_COLUMNS]
    assert set(parked.columns) == set(real_frame.columns) - set(DETECTION_COLUMNS)
    back = parked.restore(kept)
    pd.testing.assert_frame_equal(back, real_frame, check_exact=True)
    assert list(back.dtypes) == list(real_frame.dtypes)
    assert back["client"].map(type).equals(real_frame["client"].map(type))  # None stays None, not NaN
    with pytest.raises(RuntimeError, match="restored already"):
        parked.restore(kept)


def test_the_parked_frame_is_read_in_place_and_leaves_nothing_on_disk(real_frame, tmp_path, monkeypatch):
    import tempfile

    import pyarrow as pa

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = pa.total_allocated_bytes()
    kept, parked = park(real_frame)
    assert list(tmp_path.iterdir()) == []  # the scratch file went as soon as it was mapped
    back = parked.restore(kept)
    text_bytes = back["new_text"].array._pa_array.nbytes + back["subject"].array._pa_array.nbytes
    # the strings are the mapped file's pages, not allocations of Arrow's memory pool
    assert pa.total_allocated_bytes() - before < text_bytes / 2
    pd.testing.assert_frame_equal(back, real_frame, check_exact=True)


def test_parking_any_set_of_columns(real_frame):
    kept, parked = park(real_frame, keep=("client", "references", "date"))
    assert list(kept.columns) == ["date", "references", "client"]  # the frame's order
    pd.testing.assert_frame_equal(parked.restore(kept), real_frame, check_exact=True)


def test_park_and_restore_refuse_what_does_not_fit(real_frame):
    with pytest.raises(KeyError, match="no column 'new_text'"):
        park(real_frame.drop(columns=["new_text"]))
    kept, parked = park(real_frame)
    with pytest.raises(ValueError, match="rows"):
        parked.restore(kept.iloc[1:])


def test_a_run_detects_on_the_kept_columns_and_hands_back_the_whole_frame(monkeypatch):
    seen = []
    detect = batch.detect_client_signals

    def spy(messages, *args, **kwargs):
        seen.append(list(messages.columns))
        return detect(messages, *args, **kwargs)

    monkeypatch.setattr(batch, "detect_client_signals", spy)
    run = analyzer.analyze([DEMO_MAIL], config=DEMO_CONFIG, jobs=1)
    assert len(seen) == 1 and set(seen[0]) == set(DETECTION_COLUMNS)
    full = ingest([DEMO_MAIL], config=load_config(DEMO_CONFIG), jobs=1).messages
    pd.testing.assert_frame_equal(run.message_meta, full.drop(columns=list(BODY_COLUMNS)), check_exact=True)
    assert len(run.signals) and run.scores["client"].nunique() == len(run.scores)


def test_an_empty_frame_and_a_slice_with_its_own_index_come_back_too(real_frame):
    for part in (real_frame.iloc[:0], real_frame.iloc[7:9]):
        kept, parked = park(part)
        pd.testing.assert_frame_equal(parked.restore(kept), part, check_exact=True)
