"""Feature sums over token ranges of a batch of docs laid end to end (:mod:`analyzer.signals.batches`),
for :mod:`analyzer.signals.linear`: the per-token sums of a batch (value * weight per label, value**2,
of each token's word type, of the bigram it starts and of its char n-grams) added up per sentence
and per window of consecutive sentences (:class:`SentenceSums`), and masked tokens taken out of them
(:func:`silence_tokens`).
"""

from __future__ import annotations

import numpy as np


class SentenceSums:
    """Feature sums of whole sentences and of runs of consecutive sentences (windows), for a batch
    of docs laid end to end whose sentences (``s_start``/``s_end``) tile its tokens.

    Each sentence's sums are added up from its own tokens, and a window's from its sentences', so a
    range's sums never depend on what else is in the batch (a difference of running sums over the
    whole batch did, in the last bits). Bigram ``i`` joins tokens ``i`` and ``i + 1``: a range holds
    the bigrams that start at its tokens but its last, so a window also holds the bigram across
    each inner sentence border."""

    def __init__(self, s_start, s_end, tv, ts, bv, bs, tcv=None, tcs=None) -> None:
        """Takes the per-token arrays over: ``bv``/``bs`` (one bigram per token) are changed in place."""
        border = s_end - 1  # the bigram from each sentence's last token into the next sentence
        self.across = [bv[border], bs[border]]  # (copies)
        bv[border] = 0.0
        bs[border] = 0.0
        self.tokens = [np.add.reduceat(a, s_start, axis=0) for a in (tv, ts)]
        self.inner = [np.add.reduceat(a, s_start, axis=0) for a in (bv, bs)]  # bigrams inside each sentence
        self.own = [t + b for t, b in zip(self.tokens, self.inner)]  # each sentence alone
        self.chars = None if tcv is None else [np.add.reduceat(a, s_start, axis=0) for a in (tcv, tcs)]

    def sentences(self) -> tuple:
        """(v, s, cv, cs) of each sentence alone (cv, cs None without a char n-gram block)."""
        return tuple(self.own) + (tuple(self.chars) if self.chars is not None else (None, None))

    def windows(self, first: np.ndarray, last: np.ndarray) -> tuple:
        """(v, s, cv, cs) of the sentences ``first[k]..last[k]`` for each k, added from the first on."""
        v, s = (x[first] for x in self.own)  # fancy indexing: fresh arrays
        cv, cs = (None, None) if self.chars is None else (x[first] for x in self.chars)
        span = last - first
        for step in range(1, int(span.max(initial=0)) + 1):
            more = np.flatnonzero(span >= step)
            at = first[more] + step
            v[more] += self.across[0][at - 1] + self.tokens[0][at] + self.inner[0][at]
            s[more] += self.across[1][at - 1] + self.tokens[1][at] + self.inner[1][at]
            if cv is not None:
                cv[more] += self.chars[0][at]
                cs[more] += self.chars[1][at]
        return v, s, cv, cs


def silence_tokens(tokens: np.ndarray, tv, ts, tcv, tcs, bv, bs) -> None:
    """Take the features of the masked ``tokens`` (and of every bigram touching one) out of the
    per-token sums, in place."""
    tv[tokens] = 0.0
    ts[tokens] = 0.0
    if tcv is not None:
        tcv[tokens] = 0.0
        tcs[tokens] = 0.0
    pair = np.append(tokens[:-1] | tokens[1:], True)  # (the batch's last token starts no bigram)
    bv[pair] = 0.0
    bs[pair] = 0.0
