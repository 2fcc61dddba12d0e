"""Mail furniture (greetings, sign-offs, disclaimers, signature art, one-word status lines) never
carries a signal label; what people say in the same mail still does."""

from __future__ import annotations

import pytest

from analyzer.signals.boilerplate import boilerplate_kind, furniture_kind


@pytest.mark.parametrize("text, kind", [
    ("Hi All,", "greeting"), ("All,", "greeting"), ("Dear Ms Brandt,", "greeting"), ("Morning team!", "greeting"),
    ("Dear Partner,", "greeting"), ("Dear Valued Partners,", "greeting"),
    ("Best,\nJo", "sign-off"), ("Thanks, Sam", "sign-off"), ("Cheers", "sign-off"), ("Thank you and", "sign-off"),
    ("Thank you, best regards,", "sign-off"), ("Thanks, and kind regards, Jo", "sign-off"),
    ("Postponed.", "status line"), ("Agreed", "status line"),
    ("This message and its attachments may contain confidential or privileged information that may be "
     "protected by law; if you received this message in error, please delete it.", "disclaimer"),
    ("****************** / Jo Siopis | Tel : 734-764-3440 \\ / Fellow | Dept", "signature art"),
    ("++++++++++++++++++++++++++++", "signature art"),  # a rule line of plus signs (a real mikel/mail fixture)
])
def test_furniture_is_recognised(text, kind):
    assert boilerplate_kind(text) == kind


@pytest.mark.parametrize("text", [
    "Hey no worries", "All good, no worries!", "Thank you so much!", "Thanks for the great work on the launch.",
    "Sorry about the delay.", "No worries at all, these things happen.", "Sorry!",
    "Hi Sam, could you help us with the pricing page?", "We postponed the launch to March.",
    "Our legal team says the contract is confidential.", "", "Thank you very much for the WF.",
    "Thanks, this is great work", "Thanks, thanks for everything you did on the launch",
    # a salutation that calls the agency a supplier says something (SIGNALS.md, supplier_label)
    "Dear Supplier,", "Dear Vendor,", "Dear Valued Vendors,", "Dear Contractor,", "Dear Service Provider,",
])
def test_what_people_say_is_not_furniture(text):
    assert boilerplate_kind(text) is None


def test_the_shipped_pipeline_labels_no_greeting_or_disclaimer():
    from analyzer.signals.pipeline import load_pipeline

    nlp = load_pipeline()
    text = ("Hi All,\n\nNo worries at all about the wrong link, these things happen.\n\n"
            "This e-mail is confidential and intended solely for the addressee; if you received it in error, "
            "please delete it. Unauthorised use is prohibited.")
    doc = nlp(text)
    spans = list(doc.spans["signals"])
    assert any(s.label_ == "forgiveness" and "No worries" in s.text for s in spans), spans
    assert not any(boilerplate_kind(s.text) for s in spans), [(s.label_, s.text) for s in spans]


def test_a_label_whose_best_sentence_is_a_sign_off_moves_to_the_sentence_that_says_it():
    """The window reads praise; its best-scoring sentence is the closing "Thank you!", which is
    furniture, so the evidence is the sentence that carries the praise instead of nothing."""
    from analyzer.signals.pipeline import load_pipeline

    nlp = load_pipeline()
    doc = nlp("We went with the venue you suggested and it was a wonderful evening. Thank you!")
    found = {(s.label_, s.text.strip()) for s in doc.spans["signals"]}
    assert ("appreciation", "We went with the venue you suggested and it was a wonderful evening.") in found, found
    assert not any(text == "Thank you!" for _, text in found)


@pytest.mark.parametrize("text", [
    "Thank you so much!!", "Amazing, thank you so much!!", "Perfect!!", "Yay, thank you so much!!!",
    "Thank you so much for your patience!!", "Got it, thanks", "Thanks a million!!",
])
def test_bare_courtesy_is_furniture_only_when_asked(text):
    assert furniture_kind(text, courtesy=True) == "courtesy"
    assert boilerplate_kind(text) is None and furniture_kind(text) is None  # the shipped reading


@pytest.mark.parametrize("text", [
    "Thanks for the great work on the launch.", "Thank you so much, you are a star!", "Thanks, that was brilliant",
    "Thank you very much for the WF.", "Wow. Just wow. The trailer is better than the film.",
    "Thanks so much for untangling the tax codes, that saved our month-end.",
])
def test_thanks_for_the_work_is_not_courtesy(text):
    assert furniture_kind(text, courtesy=True) is None


def test_a_mail_that_opens_by_calling_the_agency_a_supplier_is_read():
    """"Dear Supplier," is the only sign in these mails: the detector finds supplier_label in it (it
    was greeting furniture, unread, until candidate N5, models/depth/CANDIDATE58.md)."""
    from analyzer.signals.detect import detect_signals

    texts = ["Dear Supplier,\n\nYour invoice 4411 has been received and is scheduled for payment.",
             "Dear Vendor,\n\nThe attached purchase order covers the Q3 campaign.\n\nBest,\nMaria",
             "Dear Partner,\n\nThe attached purchase order covers the Q3 campaign.\n\nBest,\nMaria"]
    found = detect_signals(texts)
    assert "supplier_label" in found[0] and "supplier_label" in found[1]
    assert "supplier_label" not in found[2]
