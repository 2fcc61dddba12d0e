"""Phrase banks for the relationship signals of SIGNALS.md, one bank per label.

Each bank maps a register (``formal``, ``chatty``, ``mobile``, ``nonnative``; ``any`` fits all) to
compositional templates (see :func:`mailgen.template.expand`).  Every template carries exactly the
label of its bank in the sense of SIGNALS.md and nothing else, so the generator can record the labels
of each message it writes.  Written for this generator; deliberately not taken from the dev data.
"""

from __future__ import annotations

Bank = dict[str, tuple[str, ...]]

HELP_REQUEST: Bank = {
    "any": (
        "[We're|We are] [stuck|going round in circles] on how to [position|frame|pitch] {project} - what would you [do|suggest|recommend]?",
        "Could we pick your brain on {metric}? [It has dropped|It's been flat|It dipped] for [three|two|four] months and we can't work out why.",
        "[I'd|We'd] [really value|love] your [view|take|opinion] on whether {channel} is [still worth it|the right place to put money] for us.",
        "We have a new brief [brewing|coming]: {project}. Could you [think about|sketch out] how you'd approach it?",
        "[Honest question|Genuine question]: if you were us, would you [launch|go] [before or after|ahead of] the summer?",
        "Is there anything you'd [change|do differently] about how we [run|handle] {channel}? [It's not working|We're not getting traction] and I'd [like|welcome] a fresh pair of eyes.",
        "[Can|Could] you help us [figure out|work out] why {metric} [fell off|tanked|slipped] after {project} went live?",
        "We're [weighing up|debating] two directions for {project} internally. [Which would you back?|Where would you land?]",
        "Would you be [up for|able to] [running|leading] a short workshop to help us [untangle|sort out] our messaging?",
        "[What's your advice on|How would you tackle] [rolling out|introducing] {project} to [a sceptical sales team|our franchisees|existing customers]?",
    ),
    "formal": (
        "We would [greatly value|appreciate] your [guidance|recommendation] on [how best to|the best way to] [sequence|structure] {project}.",
        "Might I ask for your professional opinion on [the tone of|the direction for] {deliverable} before we commit [internally|to a route]?",
        "We should be grateful for a proposal on {project}; the brief [is attached|follows below].",
        "I would welcome your thoughts on how other clients of yours have [handled|approached] [a similar|this kind of] [transition|challenge].",
    ),
    "chatty": (
        "OK, [slightly random|bit of a curveball] one: [how on earth|how] do we [get|make] {channel} [work|pull its weight] for us?? You guys [always know|know] this stuff.",
        "Need your brains on something - we're [totally|a bit] lost on [pricing tiers|naming] for {project}. Thoughts?",
        "[So|Right,] [here's|here is] the thing we're [wrestling with|scratching our heads over]: [do we|should we] [kill|keep] the old tagline?",
    ),
    "mobile": (
        "Quick q - what would you do re {channel}? [Call me if easier|Happy to chat]",
        "Any idea why {metric} [dropped|crashed] this week? [Need help|Help!]",
        "Thoughts on {project}? Need a steer before {day}",
    ),
    "nonnative": (
        "We would like to ask your opinion how we can [make better|improve] the {metric}, because now it is not good.",
        "Please can you advise us what is the best way for {project}? We are not [so|very] sure how to [start|proceed].",
        "We have a [new|next] project and we want that you [think|help] with us about the [concept|approach].",
    ),
}

ADVICE_ACTED_ON: Bank = {
    "any": (
        "[We|We've] [took|taken] your [suggestion|advice|recommendation] and [moved|shifted] the budget into {channel} - [early numbers look good|{metric} is already up].",
        "[Following|Off the back of] your [recommendation|advice], we [dropped|cut] the [long form|second step] and [sign-ups|enquiries] [jumped|went up].",
        "[Just so you know|FYI], we [went with|implemented] your [idea|proposal] for {project} [in the end|after all].",
        "We [rewrote|reworked] the [onboarding emails|product pages] the way you [suggested|proposed], and [they're|it's] [performing much better|clearly better].",
        "[As you recommended|Per your advice], we've [started|begun] [testing|running] shorter subject lines. [Open rates|Results] [are up|have improved] {pct}.",
        "The [team|board] [agreed|signed off] to [follow|adopt] your [plan|recommendation] for {project}, so we're [going ahead|moving forward] on that basis.",
        "[We've|We have] now [put|rolled] your [framework|checklist] [into|out across] [every|all our] [brief|briefs] - [it's|it is] [become|now] [standard|our default] here.",
    ),
    "formal": (
        "I am pleased to report that we have [implemented|adopted] the [restructure|changes] you [proposed|set out] in your [memo|note], [effective|with effect from] this month.",
        "Having [considered|reviewed] your recommendation, we [adopted|have adopted] the [single-brand|phased] approach [in full|for the rollout].",
    ),
    "chatty": (
        "[You were|You were totally] right about {channel} - we [switched|moved] [over|it] like you said and it's [flying|working a treat]!",
        "[Guess what|So], we [actually|finally] did the thing you [said|suggested] with the pricing page. [Conversions up|Huge difference]!",
    ),
    "mobile": (
        "Did what you said re {channel}. [Working|Works]. [Cheers|Ta]",
        "Went with your [option B|suggestion] - [all live now|live now]",
    ),
    "nonnative": (
        "We have [done|made] like you [propose|proposed] and changed the [order|structure] of the website, now it is [much better|better].",
        "Your advice we followed, and the [results|numbers] are [good|positive] now.",
    ),
}

REFERRAL: Bank = {
    "any": (
        "[I've|I have] [passed your details|given your name] to [a friend|a former colleague|an old colleague] at {other_co} - they [need|are looking for] [help with|an agency for] a rebrand.",
        "[I've|I have] [recommended|suggested] you to {other_co}; [expect|you may get] a call from their marketing lead.",
        "[Can I|May I] introduce you to [Sam|Priya|Tom|Ines] at {other_co}? [They're|She's|He's] looking for [someone|a team] [like you|to help with their launch] - [cc'd here|copied in].",
        "[Your name came up|I mentioned you] at [a dinner|an industry event|a conference] and [the CMO|the MD] of {other_co} [wants|would like] an intro. [OK to share your email?|Shall I connect you?]",
        "[Just|I] [pointed|sent] {other_co} your way - they saw {project} and asked who [did it|was behind it].",
    ),
    "formal": (
        "I have taken the liberty of [recommending|suggesting] your [agency|firm] to [a contact|the Director of Marketing] at {other_co}, who [will be in touch|may contact you] directly.",
    ),
    "chatty": (
        "[Sneaky|Shameless] plug done - told [everyone|half the room] at [the conference|the meetup] about you. {other_co} [should be|will be] in touch!",
    ),
    "mobile": (
        "Gave your number to {other_co}, hope ok",
    ),
    "nonnative": (
        "I have recommend your agency to my [friend|colleague] in {other_co}, she will [write|contact] you [soon|next days].",
    ),
}

FEE_PUSHBACK: Bank = {
    "any": (
        "[The|This] [quote|estimate] for {project} [is|feels] [a lot|well] [higher|above] [than we expected|what we budgeted] - is there [room to move|any flexibility]?",
        "[We can't|We cannot] [justify|sign off] {amount} for [a few banners|what is essentially a resize job]. [Can you sharpen the pencil?|Please revisit.]",
        "[Invoice|{invno}] [seems|looks] [high|off] - [we were told|we agreed] [it would be|a cap of] {amount}. [Can you explain the difference?|Please check.]",
        "Could you [knock|take] {pct} off [if we|were we to] [commit to|sign for] [the year|twelve months]?",
        "[Honestly|To be frank], the day rate [has crept up|is now] [beyond|higher than] what [similar agencies|others] charge. [We need to talk about it.|We'll need a better number.]",
        "[Why are|Why] we [being charged|charged] for [the extra round|revisions] [when|if] the [brief|mistake] [was|came from] your side?",
        "[Our|The] budget [simply|just] [doesn't stretch|won't stretch] to {amount}; [what can you do|what could you do] for less?",
    ),
    "formal": (
        "We are unable to [approve|accept] the [revised fee|estimate] in its current form and would ask you to [review|reconsider] the [resourcing|allocation of hours].",
        "Please note that the [hours|charges] billed for {project} [exceed|are above] the agreed [estimate|cap]; we would expect [a credit|an adjustment].",
    ),
    "chatty": (
        "[Ouch|Yikes] - that number made me [wince|choke on my coffee]. Any way we can [get it down|trim it]?",
    ),
    "mobile": (
        "{amount}?? Too much. Need it lower",
        "Pls revisit pricing, [can't get that approved|won't fly here]",
    ),
    "nonnative": (
        "The price is too [high|expensive] for us, please can you [make|give] us a better [offer|price]?",
        "For this [work|job] we think {amount} is too much, normally we pay less.",
    ),
}

CLIENT_APOLOGY: Bank = {
    "any": (
        "[Sorry|Apologies] for the slow reply - [it's been a crazy week|I've been buried in budget season|I was off sick].",
        "[My bad|That's on me] - I [sent you|attached] the [wrong version|old file]. [Correct one attached.|Here's the right one.]",
        "[Sorry|Apologies], I [completely forgot|dropped the ball on] the [sign-off|feedback] [you needed|on {deliverable}].",
        "[Please excuse|Excuse] the delay on our side; [legal|finance] [sat on it|held it up] [longer than I promised|for a week].",
        "I [owe you an apology|should apologise] - I [gave you|passed on] the wrong [deadline|dates] for {project}.",
    ),
    "mobile": ("Sorry! [Missed this|Only just seen this]",),
    "nonnative": ("Sorry for my late answer, I was [in holiday|on travel] last [week|days].",),
}

CLIENT_CANCEL_APOLOGY: Bank = {
    "any": (
        "[Really sorry|So sorry|Apologies], [but I|I] [have to|need to] cancel [today's|this afternoon's|tomorrow's] [call|catch-up|workshop] - [something has come up|a board thing landed].",
        "[Sorry|Apologies] for the [short notice|late notice], [we'll have to|we need to] [push|move] the [review|shoot] [to next week|back a week].",
    ),
}

CANCELLATION: Bank = {
    "any": (
        "[We need to|We have to|I'm going to have to] [cancel|call off] {day}'s [workshop|session|call] - [half the team is out|our MD has pulled us into something].",
        "[Let's|Can we] push [the review|our call|the shoot] to next week, [we're not ready|things are on fire here|we haven't got the content yet].",
        "The [launch|go-live] is [delayed|pushed] [by two weeks|to {date}] - [our legal team hasn't|we haven't] [signed off|cleared] the claims yet.",
        "[We won't make|We're going to miss] the [{time}|morning] slot [today|tomorrow]; [please rebook|can you find another time]?",
        "[Heads up that|FYI] [nobody from our side|none of us] [can make|will make] the [site visit|photo shoot] [on {day}|tomorrow], so [let's scrap it|we'll need to rearrange].",
        "[We're|We are] [pausing|putting on hold] {project} [for now|until further notice] - [priorities shifted|the budget is frozen].",
        "[Still|We're still] [waiting|chasing] on [product shots|copy approval] [from our side|internally], so the [timeline|schedule] [slips|moves] [again|by a week].",
    ),
    "formal": (
        "Regrettably, we must [postpone|cancel] the [meeting|presentation] scheduled for {day} owing to [unforeseen|internal] [commitments|circumstances].",
    ),
    "mobile": (
        "Cant make {time}. Move to next wk?",
        "Need to skip today, [sorry|will explain]",
    ),
    "nonnative": (
        "We must [cancel|move] the meeting of {day}, because our [director|boss] is not [available|here].",
    ),
}

FORGIVENESS: Bank = {
    "any": (
        "No worries [at all|whatsoever] - these things happen.",
        "Don't [worry|stress] about it, [honestly|really]. [Nobody noticed|It was caught in time|No harm done].",
        "[Water under the bridge|All forgiven|Totally fine] - [thanks for owning it|appreciate you flagging it so fast].",
        "[Happens to the best of us|We've all been there]. [Let's move on|Onwards].",
        "[It's|That's] [fine|OK], [really|honestly] - the [fix|new version] [was quick|is perfect] and [that's|it's] what matters.",
        "Don't [beat yourself up|lose sleep] over [it|the typo|the delay] - [it's sorted|we're good].",
    ),
    "formal": ("Thank you for [letting us know|your candour]; [please don't be concerned|there is no need to apologise] - it was [resolved promptly|handled well].",),
    "mobile": ("No stress! [All good|All fine]", "np at all, [happens|fixed now]"),
    "nonnative": ("It is no problem, mistakes [can happen|happen to everybody], thank you for [correct|correcting] so fast.",),
}

STRATEGIC: Bank = {
    "any": (
        "[We're|We are] [starting|kicking off] [next year's|the {quarter}] [planning|strategy] and [I'd like|we'd love] you [in the room|involved from day one].",
        "[Our CEO|The MD|Our founder] [asked|wants] to [hear your view|get your read] on [where the brand goes next|the three-year plan]. [Could you join|Would you come to] [the offsite|a session] on {day}?",
        "[Can you|Could you] [present|walk through] your [thinking|recommendations] to {team} on {date}? [They've asked for you by name.|It'd carry more weight from you.]",
        "We'd [like|love] you to [help shape|co-write] the brief for [our biggest launch this year|the new product line] [rather than|instead of] just [responding to it|executing it].",
        "[I'm|We're] [putting together|drafting] the board paper on [our market entry|the repositioning] - [can I|could I] [run the narrative past you|get your input on the storyline]?",
        "[We're considering|We are looking at] [merging our two brands|entering Germany|a subscription model] and [want|would like] your [honest|strategic] [view|perspective] before {team} [meets|decides].",
    ),
    "formal": (
        "The [executive committee|board] has [requested|asked for] a [session|briefing] with you on [long-term brand architecture|our growth strategy]; could you [attend|join us] on {date}?",
    ),
    "chatty": (
        "Big one: [we're thinking about|we might be] [rebranding the whole group|spinning out a new business] and [I want|we want] you [on it|at the table] from the start.",
    ),
    "mobile": ("Can you join leadership [mtg|meeting] {day}? Want your view on [next yr|the plan]",),
    "nonnative": ("Our [CEO|director] wants that you come to the strategy meeting for [next year|{quarter}] to give your [opinion|ideas].",),
}

EARLY_WARNING: Bank = {
    "any": (
        "[Heads-up|Heads up|Early warning]: [budgets may be cut|marketing spend is likely to be trimmed] [next quarter|in {quarter}]. [Nothing confirmed yet.|Keep it between us for now.]",
        "[Wanted to flag|Flagging] [early|now] that [our CMO is leaving|there's a restructure coming|we're being acquired] - [it won't affect us yet|timing unclear], but [you should know|I didn't want you to be surprised].",
        "We're [starting to see|beginning to see] [issues|problems] with [the checkout|stock levels|the new CRM] that [could|might] [affect|hit] {project} [later on|in a few weeks].",
        "[Just so you're aware|Between us], procurement [is planning|wants] to [put our agency roster out to tender|review all agencies] [next year|in the spring].",
        "[I suspect|My guess is] [legal|compliance] [will|is going to] [push back|have concerns] on the claims in {deliverable} - [worth preparing|maybe prepare] a [softer|fallback] version.",
        "[There's a risk|It's possible] [the launch date moves|the product slips] [because of|due to] [supply problems|a regulatory review] - [I'll know more|more news] by {day}.",
    ),
    "formal": (
        "In confidence, I should [mention|let you know] that [a reorganisation|a change of leadership] is [likely|expected] [in {quarter}|later this year], which [may|could] [affect|change] our priorities.",
    ),
    "mobile": ("Heads up - [budget|headcount] [cuts|freeze] coming [prob|probably] {quarter}. More soon",),
    "nonnative": ("I want to inform you early that maybe [next quarter|after summer] we [have|will have] less budget, it is not [sure|confirmed] yet.",),
}

SUPPLIER_LABEL: Bank = {
    "any": (
        "[All|Every one of our] [suppliers|vendors] [must|need to] [register|be set up] in {tool} [before|by] {date} [to get paid|or invoices will be rejected].",
        "[Please|Kindly] [complete|fill in] the [new vendor form|supplier onboarding questionnaire] - procurement [won't|can't] raise the PO without it.",
        "[Our|The] [procurement team|purchasing department] [needs|requires] every [vendor|contractor] to [re-submit|resubmit] [insurance certificates|tax forms|bank details] this year.",
        "[As one of our|Like all our] [suppliers|service providers], you'll [need to|have to] [agree to|accept] our [standard|updated] payment terms of [60|90] days.",
        "[We're|We are] [consolidating|reviewing] [our suppliers|the vendor list] and [asking|require] [each|every] [provider|agency] for [a rate card|updated pricing].",
        "[I'll|We'll] [treat|handle] you [the same as|like] any other [vendor|supplier] [on this|here]: [three quotes|a competitive quote] [is required|needed] [over|above] {amount}.",
    ),
    "formal": (
        "Please note that, as a [registered supplier|third-party provider], your [firm|agency] is [subject to|bound by] our [supplier code of conduct|procurement policy].",
    ),
    "mobile": ("Procurement says [pls|please] register as [vendor|supplier] in {tool}",),
    "nonnative": ("For all [suppliers|vendors] our company needs the [registration|form] in {tool}, please do it [soon|this week].",),
}

APPRECIATION: Bank = {
    "any": (
        "[The team|Everyone here|Our CEO] [loved|was thrilled with] {deliverable} - [great|fantastic|brilliant] [job|work].",
        "[Huge|Massive|Big] thanks for [going the extra mile|turning that around so fast|the weekend effort] on {project}. [It really showed.|We noticed.]",
        "[Just wanted to say|I wanted to say] [how pleased we are|we're delighted] with [how {project} landed|the launch] - [it's|it was] [exactly what we needed|spot on].",
        "{deliverable} [is|are] [superb|excellent|really strong]. [You've nailed the tone.|It's the best work we've had from anyone.]",
        "[Great|Wonderful] [result|work] on {project}: {metric} [is up|rose] {pct} [already|in the first month]. [Thank you|Thanks so much].",
        "[I keep showing|People keep forwarding] {deliverable} [around the office|to each other] - [it's gone down really well|everyone's impressed].",
    ),
    "formal": ("Please pass on our [sincere|warm] thanks to the team; the quality of {deliverable} was [exceptional|outstanding].",),
    "chatty": ("[OMG|Wow] - {deliverable} [are|is] [gorgeous|amazing]!! [Well done you lot|You guys rock].",),
    "mobile": ("[Love it|Loving these]. Great work team", "Brilliant, [well done|nice one] all"),
    "nonnative": ("We are very [happy|satisfied] with {deliverable}, really [good|very nice] work, thank you to all the team.",),
}

COMPLAINT: Bank = {
    "any": (
        "[Honestly|Frankly], {deliverable} [isn't|is not] [where it needs to be|up to standard] - [it feels rushed|there are basic errors].",
        "[This is|It's] the [second|third] time [a deadline has slipped|we've had to chase] - [it's becoming a problem|I'm getting pressure from above].",
        "[I'm|We're] [disappointed|frustrated] that [nobody|no one] [flagged|told us] the [delay|overrun] until [today|the last minute].",
        "[Sorry to be blunt, but|To be honest] the [copy|design] [misses|ignores] [half|most] of the brief.",
        "[The|This] [account|project] [feels|seems] [understaffed|like it's on autopilot] - [we're|I'm] [not getting|missing] the [attention|senior input] we were [promised|sold].",
        "We [found|spotted] [typos|broken links|wrong prices] [in|on] [the live page|{deliverable}] [again|after sign-off]. [Not acceptable.|This can't keep happening.]",
    ),
    "formal": ("I must [register|raise] our [dissatisfaction|concern] with the [quality|timeliness] of [recent|the latest] [deliverables|work].",),
    "mobile": ("Not happy with [this|v2]. Pls call", "Still [waiting|no update]. Not great"),
    "nonnative": ("We are not [happy|satisfied] with the [result|last version], it is not like we [asked|discussed].",),
}

AGENCY_APOLOGY: Bank = {
    "any": (
        "[I'm really sorry|Apologies|I'm sorry] - we [sent|shared] [the wrong version|an old draft] of {deliverable}. [The right one is attached.|Corrected file attached.]",
        "[That's on us|Our mistake|My fault], [I'm afraid|sorry]: the [price|date] on [the banner|the landing page] was [wrong|out of date]. [Fixed now.|It's been corrected.]",
        "[Sorry|Apologies] for the [delay|slow turnaround] on {deliverable} - [we underestimated|I misjudged] [the retouching|the build]. [You'll have it|It'll be with you] by {day}.",
        "[I owe you an apology|We owe you an apology]: we [missed|overlooked] [your comments|the legal line] in the last round.",
        "[Please excuse|Excuse] [the radio silence|my silence] [last week|this week] - [no excuse|that's not the service you should get].",
    ),
    "formal": ("Please accept our apologies for the [error|oversight] in {deliverable}; we have [reviewed|tightened] our [checks|QA] so it does not recur.",),
}

FEEDBACK_REQUEST: Bank = {
    "any": (
        "[How are we doing?|How do you feel things are going?] [Honest feedback welcome|Anything we should do differently]?",
        "[Now that|As] {project} [is live|has wrapped], [could you|would you] [spare ten minutes|share] [for a quick retro|some feedback on how we worked together]?",
        "[Is there anything|Anything] we could [do better|improve] [in how we|on how we] [report|communicate|run the account]? [Be brutal.|Be honest.]",
        "[We're|I'm] [running|doing] our [half-yearly|annual] [client survey|account review] - [would you|could you] [tell us what's working and what isn't|give us a score and a sentence]?",
        "[Quick check-in|Checking in]: [are the weekly updates|is the reporting] [useful|at the right level of detail], or [should we|would you prefer we] change the format?",
    ),
    "formal": ("We would welcome your candid assessment of our performance this quarter, including anything you would like us to change.",),
}
