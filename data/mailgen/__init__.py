"""mailgen: synthetic agency mailboxes with clients of designed relationship depth.

Uses: the demo mailbox (``data/demo/``), the labelled corpus for the depth classifier, and large
mailboxes for benchmarks.  Import with ``data/`` on ``sys.path``::

    from mailgen import generate_corpus, write_mixed
    corpus = generate_corpus(seed=7, n_clients=12, months=18)
    corpus.truth            # one row per client: designed depth, tier, trend, archetype
    corpus.message_truth    # one row per message: client, side, kind, thread initiator, labels

Modules: people (agency, clients, contacts), behaviour (depth -> behaviour), dither (low-discrepancy
draws, so each quarter realises its designed depth), signal_phrases and
logistics_phrases (phrase banks), template (expansion), compose (message text + labels), threads
(simulation), extras (non-client mail), render (EmailMessage), corpus (generation), writers (disk),
cli (command line).
"""

from mailgen.behaviour import ARCHETYPES, Profile, tier
from mailgen.corpus import DEFAULT_END, Corpus, generate_corpus, iter_bulk_messages
from mailgen.writers import (
    write_bulk_mbox,
    write_config,
    write_eml_dir,
    write_maildir,
    write_mbox,
    write_mixed,
    write_truth,
)

__all__ = [
    "ARCHETYPES", "DEFAULT_END", "Corpus", "Profile", "generate_corpus", "iter_bulk_messages", "tier",
    "write_bulk_mbox", "write_config", "write_eml_dir", "write_maildir", "write_mbox", "write_mixed",
    "write_truth",
]
