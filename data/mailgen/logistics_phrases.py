"""Neutral mail: greetings, sign-offs, subjects and bodies of everyday logistics, and hard negatives.

None of these templates carries a SIGNALS.md label.  The hard negatives look like signals but are
not: sympathy ("sorry to hear"), politeness filler ("sorry to bother you"), "no problem" as a plain
yes, the agency talking about its own third-party vendors, "partner", routine file requests.
"""

from __future__ import annotations

from mailgen.signal_phrases import Bank

GREETINGS: Bank = {
    "any": ("Hi {name},", "Hello {name},", "Hi {name}", "{name},"),
    "formal": ("Dear {name},", "Good morning {name},", "Dear {name}"),
    "chatty": ("Hey {name}!", "Hiya {name},", "Morning {name}!", "Hi {name} :)"),
    "mobile": ("{name} -", "Hi", ""),
    "nonnative": ("Dear {name},", "Hello {name},", "Good day {name},"),
}
SIGNOFFS: Bank = {
    "any": ("Thanks,", "Best,", "Cheers,", "Many thanks,", "Thanks again,", "All best,"),
    "formal": ("Kind regards,", "Best regards,", "Yours sincerely,", "With best wishes,", "Regards,"),
    "chatty": ("Cheers!", "Speak soon,", "Ta,", "x", "Have a good one,"),
    "mobile": ("", "Thx", "Sent from my iPhone", "Sent from my phone, excuse typos"),
    "nonnative": ("Best regards", "Kind regards,", "Greetings,", "Thank you and regards,"),
}

SUBJECTS: dict[str, tuple[str, ...]] = {
    "status_update": ("Weekly update - {project}", "{project}: status", "Where we are on {project}",
                      "Update: {project}", "Progress this week"),
    "review": ("{deliverable} for review", "For approval: {deliverable}", "First look at {deliverable}",
               "{deliverable} - v2", "Round 2 of {deliverable}"),
    "invoice": ("Invoice {invno}", "Invoice for {project}", "Your invoice {invno} from {agency}",
                "Monthly retainer invoice"),
    "scheduling": ("Catch-up {when}?", "Call re {project}", "Moving our call", "Kick-off meeting",
                   "Time for a quick chat?"),
    "files": ("Files for {project}", "{file}", "Assets", "Sending over {file}", "Quick one"),
    "help_request": ("Need your advice", "Question about {channel}", "New brief: {project}",
                     "Could use your thinking", "Help!", "An idea"),
    "strategic": ("Next year's plan", "Strategy session", "Board meeting", "Confidential - planning",
                  "Offsite"),
    "early_warning": ("Heads up", "FYI - confidential", "Something you should know", "Quick heads-up"),
    "referral": ("Introduction", "Intro: {other_co}", "Someone you should meet", "Connecting you two"),
    "cancellation": ("Today's call", "Re-scheduling", "Change of plan", "{project} timeline"),
    "complaint": ("{deliverable}", "Concerns", "Not happy", "Deadline", "Issues with the latest round"),
    "supplier_admin": ("Supplier registration", "Vendor onboarding - action required", "New payment terms",
                       "Annual supplier review"),
    "appreciation": ("Thank you!", "The launch", "{project}", "Well done"),
    "feedback_request": ("How are we doing?", "Quick check-in", "Your feedback", "Annual account review"),
    "agency_apology": ("Correction: {deliverable}", "Apologies", "Our mistake on {project}", "Corrected file"),
    "proposal": ("Proposal: {project}", "Idea for {project}", "Some thoughts on {channel}",
                 "Estimate for {project}"),
}

# Opening content of a thread, per kind, written by the initiator (neutral kinds only; signal
# kinds take their first sentence from the signal banks).
NEUTRAL_OPENERS: dict[str, tuple[str, ...]] = {
    "status_update": (
        "[Quick|Short] update on {project}: {deliverable} [is with the designers|went to print|is in QA], and we're on track for {date}.",
        "This week we [finished|wrapped up] {deliverable} and [started on|kicked off] the next phase. Nothing needed from you yet.",
        "[Status|Where we are]: copy [done|signed off], design [70%|mostly there], build starts {day}. [Next check-in|Next update] {when}.",
        "[All on track|Things are moving] with {project}. [Attached is|Here's] the [tracker|timeline] with this week's changes.",
    ),
    "review": (
        "[Attached is|Please find attached|Here is] {deliverable} for your review. [Could you send comments by|Comments by] {day} [would be ideal|please]?",
        "[Here's|Sharing] {deliverable} - [two options|a couple of routes] to react to. [Let us know which way you lean.|Shout if anything jumps out.]",
        "{deliverable} [are|is] ready [for sign-off|to look at]. [Link in the tracker|PDF attached].",
    ),
    "invoice": (
        "[Please find attached|Attached is] invoice {invno} for {amount}, [covering|for] {project}. Payment terms as usual.",
        "[Here's|Attached:] this month's retainer invoice ({invno}). [Any questions, just shout.|Let me know if you need a PO reference on it.]",
    ),
    "scheduling": (
        "[Are you free|Would {day} at {time} work] for a [catch-up|call] on {project}?",
        "[Could we|Can we] [find 30 minutes|grab half an hour] {when} to [go through|talk through] {deliverable}?",
        "[Sending|I've sent] an invite for {day} at {time} - [move it if it clashes|let me know if it doesn't suit].",
    ),
    "files": (
        "[Attached are|Here are] {file} [as promised|you asked for].",
        "[Could you send over|Can you share] {file} when you get a moment?",
        "[Sharing|Uploaded] {file} [to the shared folder|to the drive] - [link below|should be there now].",
    ),
    "proposal": (
        "[Following our chat|Further to our call], [here's|attached is] a [short|one-page] proposal for {project}, [estimated at|at] {amount}.",
        "[We had an idea|An idea came up] [for|about] {channel} [that|which] [might|could] [help|lift] {metric}. [Outline attached.|Rough outline below.]",
    ),
    "supplier_admin": (),
}

NEUTRAL_REPLIES: Bank = {
    "any": (
        "[Thanks|Thank you], [received|got it]. [Will review|I'll look] {when}.",
        "[Looks fine|Looks good] - [approved|go ahead|signed off].",
        "[No problem|Sure|Of course], [will do|I'll send it over|I'll sort that].",
        "{day} at {time} works for me.",
        "[Can we|Could we] make it {time} instead? [Otherwise fine.|Otherwise all good.]",
        "[PO number is|The PO is] {po}; [please add it|please quote it] on the invoice.",
        "[Budget|The budget] [is approved|was approved] [for|on] {project}. [Go ahead.|Please proceed.]",
        "[Small|Minor] changes: [swap the hero image|tighten the intro|use the new logo] and [move the CTA up|fix the footer]. [Otherwise good to go.|Then we're done.]",
        "[Attached are|Here are] {file}.",
        "[Received|Got] {file}, thanks. [Passing to|Forwarding to] [the team|legal] now.",
        "[Could you send|Please send] the invoice [to|via] accounts [this time|from now on]?",
        "Confirmed for {day}.",
        "[Paid|Payment went out] [today|yesterday].",
    ),
    "formal": ("Thank you for this. I will [revert|come back to you] by {day}.",
               "Noted with thanks; [I shall|I will] [circulate|share] it internally."),
    "chatty": ("Perfect, [ta|thanks] - [all good|sorted]!", "Ooh nice, [will have a proper look|looking now]."),
    "mobile": ("OK", "Yes fine", "Approved", "Will check tmrw", "👍", "Got it, thx"),
    "nonnative": ("Thank you, we [have received|received] it and we will [check|look] it.",
                  "It is ok for us, you can [continue|proceed]."),
}

# Neutral client answers that fit the thread they answer (used most of the time before the generic bank).
NEUTRAL_REPLIES_BY_KIND: dict[str, tuple[str, ...]] = {
    "scheduling": ("{day} at {time} works for me.", "[Can we|Could we] make it {time} instead? Otherwise fine.",
                   "Confirmed for {day}.", "[No problem|Sure] - [see you then|I'll be there].",
                   "[Accepted|Done], [thanks|see you {day}]."),
    "invoice": ("[PO number is|The PO is] {po}; please quote it on the invoice.", "[Paid|Payment went out] [today|yesterday].",
                "[Could you send|Please send] the invoice to accounts from now on?",
                "[Thanks|Thank you], received - [passed to|forwarded to] accounts."),
    "review": ("[Looks fine|Looks good] - [approved|go ahead|signed off].",
               "[Small|Minor] changes: [swap the hero image|tighten the intro|use the new logo] and [move the CTA up|fix the footer]. [Otherwise good to go.|Then we're done.]",
               "[Thanks|Thank you], [will review|I'll look] {when}.", "[Comments|Our comments] [attached|in the doc]."),
    "files": ("[Received|Got] {file}, thanks. [Passing to|Forwarding to] [the team|legal] now.", "[Attached are|Here are] {file}.",
              "[No problem|Sure], I'll send it over {when}."),
    "status_update": ("Thanks for the update.", "[Noted|Good to hear], thanks.",
                      "[Budget|The budget] [is approved|was approved] for {project}. [Go ahead.|Please proceed.]"),
    "proposal": ("[Thanks|Thank you] - [I'll share it internally|we'll discuss it on {day}].",
                 "[Budget|The budget] [is approved|was approved] for {project}. [Go ahead.|Please proceed.]"),
}

AGENCY_REPLIES: Bank = {
    "any": (
        "[Thanks|Thanks {name}] - [on it|we're on it|noted].",
        "[Great|Perfect], [we'll|I'll] [update|amend] {deliverable} and [send it back|re-share] by {day}.",
        "[Understood|Got it]. [I'll|We'll] [pull together|put together] [some options|a proposal] and come back {when}.",
        "[That works|{day} works] - [invite sent|I'll send an invite].",
        "[Thanks for the PO|PO noted], [I'll|we'll] reissue the invoice.",
        "[Happy to|Glad to] - [let's|we can] [talk it through|discuss] on {day}.",
        "[Good question|Interesting one]. [My instinct|Our view] is [to test it small first|to hold off until {quarter}]; [more detail|full note] to follow.",
    ),
    "formal": ("Thank you, {name}. We will [action|address] this and revert by {day}.",),
}

HARD_NEGATIVES: Bank = {
    "any": (
        "[Sorry to hear|So sorry to hear] [you've been unwell|about the flooding at the office|the launch event was rained off].",
        "[Sorry to bother you|Sorry to chase] [on a Friday|again], but [do you have|could you send] {file}?",
        "[Apologies if|Sorry if] this [was already sent|is a duplicate].",
        "[No problem|No worries] - [{day} is fine|I'll resend it].",
        "[Thanks!|Thanks a lot!|Many thanks.]",
        "[Our|The] [print|photography|translation] [vendor|supplier] [confirmed|says] delivery [on|for] {day}.",
        "[As our creative partner|Since you're the lead partner] on {project}, [please|can you] [coordinate|line up] the [print run|handover] with our events team.",
        "[Excuse the interruption|Sorry to interrupt], [quick|one] admin [point|question]: [which address|what name] [goes|should go] on the invoice?",
        "[Please send|Can you send] [the deck|the logo] [in|as] [PNG|PDF] [as well|too]?",
        "The [invoice|PO] [has been|was] [raised|approved] [today|this morning].",
        "[I'll|I will] [loop in|copy in] [Sam|Dana] from our finance team [for the invoice side|for billing].",
    ),
}

AGENCY_HARD_NEGATIVES: Bank = {
    "any": (
        "[Our print vendor|The printer we use] [is|are] [running a day late|behind], [but|though] [it doesn't affect|this won't change] your date.",
        "[I've|We've] [asked|briefed] [our photography supplier|the translation vendor] to [hold|pencil in] {day}.",
        "[Sorry to hear|So sorry to hear] [you were unwell|about the system outage] - [hope all is well now|hope it's calmer now].",
        "[No problem at all|No problem], [{day} works|happy to move it].",
    ),
}

OOO_TEXTS: tuple[str, ...] = (
    ("Thank you for your email. I am out of the office until {date} with limited access to email. "
     "For anything urgent please contact the team."),
    "I'm currently on annual leave and will be back on {date}. Your message will not be forwarded.",
    "Ich bin bis {date} nicht im Büro. I am away until {date} and will reply on my return.",
    "Automatic reply: I'm travelling this week and checking mail only occasionally.",
)
