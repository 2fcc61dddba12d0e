"""The share of each client's own words in English (``english_share``), and the drivers' caveat when
most are not: on hand-written mailboxes whose clients write in French, Turkish and Spanish
(``data/independent/train14``, training data), on real mailing-list mail, and on bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.config import load_config
from analyzer.depth.features import ClientFeatures, MailFrames, read_shares
from analyzer.depth.language import READ_SHARE, english_share, function_words, judge_text, read_share
from analyzer.signals.frame import SIGNAL_COLUMNS
from analyzer.ingest.pipeline import ingest
from training.depth.independent import ROOT, run_mailbox


@pytest.mark.parametrize("text", [
    "Thanks, looks great - could you send the deck over before Friday?",
    "Happy with where this landed. Let's keep the same plan for Q3 and talk about the launch then.",
    "not bad at all, very little to complain about, which for me is high praise",
])
def test_english_reads_as_english(text):
    n, english = judge_text(text)
    assert n >= 4 and english


@pytest.mark.parametrize("text", [
    "olur öyle, dert etme. fatura için sağol. değişmesin bişey, aynen böyle devam",
    "Les bons livres ont toujours pris leur temps. Faites comme vous le sentez, à votre goût.",
    "Estimada Valentina, adjunto la orden de compra firmada y los formularios de proveedor.",
    "Vielen Dank für die schnelle Rückmeldung, wir melden uns nächste Woche wegen der Freigabe.",
])
def test_other_languages_do_not(text):
    n, english = judge_text(text)
    assert n >= 4 and not english


@pytest.mark.parametrize("text", [None, np.nan, "", "ok", "Thanks!", "👍 👍", "12 345 678"])
def test_texts_too_short_or_missing_are_not_judged(text):
    assert judge_text(text) == (0, False)


def test_the_word_list_is_the_shipped_data():
    words = function_words()
    assert {"the", "we", "would", "not", "could"} <= words and len(words) > 300
    assert all(w == w.lower() for w in words)


def _messages(box: str) -> pd.DataFrame:
    folder = ROOT / "train14" / box
    return ingest([folder / "mail"], load_config(folder / "analyzer.toml"), jobs=1).messages


def test_clients_writing_in_their_own_language_are_told_apart():
    share = english_share(_messages("montrealbrand"))
    assert share["Les Éditions du Grand Pin"] < 0.2  # short French notes only
    assert share["Musée des Arts du Fleuve"] < READ_SHARE  # mostly French
    for english in ("Granite Coast Provisions", "Northway Pantry Co.", "Quillfeather Analytics", "Kestrel Ledger"):
        assert share[english] > 0.9, english
    assert share.index.is_monotonic_increasing


def test_the_feature_windows_carry_the_same_share_per_client_and_per_quarter():
    """``english_share`` is also a client feature (what the depth model reads): over the client's whole
    window it is the scores' share; per quarter, the share of that quarter's words."""
    messages = _messages("montrealbrand")
    X = MailFrames(messages, pd.DataFrame(columns=list(SIGNAL_COLUMNS)))
    features = ClientFeatures().fit(None)
    F, P = features.transform(X), features.transform_periods(X)
    pd.testing.assert_series_equal(F["english_share"], english_share(messages).reindex(F.index), check_names=False)
    grand_pin = P.loc["Les Éditions du Grand Pin", "english_share"].dropna()
    assert len(grand_pin) >= 2 and (grand_pin < 0.2).all()
    assert (P.loc["Northway Pantry Co.", "english_share"].dropna() > 0.9).all()
    # the scores' read share comes from the words the features judged, as the standalone function gives it
    pd.testing.assert_series_equal(read_shares(X).reindex(F.index), read_share(messages).reindex(F.index),
                                   check_names=False)
    assert read_shares(X)["Les Éditions du Grand Pin"] > 0.9  # French: read now
    # no new text to judge: no share
    F2 = features.transform(MailFrames(messages.assign(new_text=None), X.signals))
    assert F2["english_share"].isna().all()


def test_real_list_mail_reads_as_english(realmail):
    boxes = sorted((realmail / "bigbang" / "tests" / "data").rglob("*.mbox"))
    m = ingest(boxes, jobs=1).messages
    m = m.assign(client=m["from_address"], direction="from_client")  # every writer as a client of its own
    share = english_share(m).dropna()
    assert len(share) > 10
    assert share.median() > 0.95


def test_texts_are_judged_alike_whatever_the_batch(realmail, monkeypatch):
    """judge_texts works in batches (JUDGE_BATCH) to bound Arrow's working copies: a text's result
    must not depend on where the batches fall, for a Series (any index) or a plain list."""
    import analyzer.depth.language as language
    import analyzer.text_language as text_language

    boxes = sorted((realmail / "bigbang" / "tests" / "data").rglob("*.mbox"))
    texts = ingest(boxes, jobs=1).messages["new_text"]
    texts = pd.concat([texts, pd.Series([None, "", "trop court"])]).set_axis(range(len(texts) + 3)[::-1])
    whole = language.judge_texts(texts)
    assert whole[0].sum() > 1000 and whole[1].sum() > 50
    for batch in (1, 7, len(texts) - 1):
        monkeypatch.setattr(text_language, "JUDGE_BATCH", batch)
        for given in (texts, texts.tolist()):
            words, english = language.judge_texts(given)
            np.testing.assert_array_equal(words, whole[0])
            np.testing.assert_array_equal(english, whole[1])
    assert [len(a) for a in language.judge_texts([])] == [0, 0]


def test_bad_and_empty_input():
    empty = pd.DataFrame({"client": pd.Series([], dtype="str"), "direction": pd.Series([], dtype="str"),
                          "new_text": pd.Series([], dtype="str")})
    assert english_share(empty).empty
    odd = pd.DataFrame({"client": ["A", "A", "B", None], "direction": ["from_client", "from_agency", "from_client",
                                                                      "from_client"],
                        "new_text": [None, "We would like the deck by Friday, thanks so much.", "ok", "x y z w"]})
    before = odd.copy()
    share = english_share(odd)
    assert share.isna().all() and list(share.index) == ["A", "B"]  # the agency's words and short texts do not count
    pd.testing.assert_frame_equal(odd, before)  # not mutated


@pytest.mark.slow
def test_scores_and_drivers_say_when_the_signals_could_not_be_read(tmp_path):
    """On istanbulperf (training data), the clients writing Turkish or Korean are not read; French,
    German, Spanish and Portuguese writers are read now (the language route), so no caveat for them."""
    scores = run_mailbox(ROOT / "train14" / "istanbulperf", tmp_path).scores.set_index("client")
    assert {"english_share", "read_share"} <= set(scores.columns)
    assert (scores["read_share"].fillna(1) >= scores["english_share"].fillna(1)).all()
    unread = scores[scores["read_share"] < READ_SHARE]
    read = scores[scores["read_share"] >= READ_SHARE]
    assert len(unread) >= 1 and len(read) >= 6
    for drivers in unread["top_drivers"]:
        assert drivers.startswith("! ") and "of the client's own words are in a language signals are read in" in drivers
        assert "no sign of a deeper relationship" not in drivers
    assert not read["top_drivers"].str.startswith("! ").any()
