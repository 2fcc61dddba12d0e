"""Low-discrepancy draws: realised behaviour that tracks its designed rate, quarter by quarter.

A client's behaviour is drawn event by event (does the client start this thread? answer this
mail? put an appreciative sentence in?).  Independent Bernoulli draws let a quarter with a dozen
threads contradict its designed depth by chance (a deepening client who starts fewer threads in
its deep quarters), and the truth label is then not true of the data.  :class:`Dither` keeps,
per kind of event, the expected count (the sum of the designed chances so far) and the realised
count, and nudges each draw towards closing the gap (error feedback, as in error-diffusion
dithering): every single event is still random, but the running count never drifts far from its
expectation, so any quarter realises close to ``designed rate x events``.

``gain`` sets how hard the gap is closed: 0 gives plain independent draws; 0.5 keeps the running
gap within about one to two events.  Categorical draws (:meth:`Dither.choice`) do the same per
category.  All randomness comes from the ``random.Random`` passed in.
"""

from __future__ import annotations

import math
import random


class Dither:
    """Error-feedback draws; keys name independent streams (e.g. ``"client_initiates"``)."""

    def __init__(self, rng: random.Random, gain: float = 0.5):
        if not 0.0 <= gain <= 1.0:
            raise ValueError(f"gain must be in [0, 1], got {gain}")
        self.rng = rng
        self.gain = gain
        self.expected: dict[str, float] = {}
        self.realised: dict[str, float] = {}

    def gap(self, key: str) -> float:
        """Expected minus realised count of the stream ``key`` so far."""
        return self.expected.get(key, 0.0) - self.realised.get(key, 0.0)

    def _book(self, key: str, p: float, hit: float) -> None:
        self.expected[key] = self.expected.get(key, 0.0) + p
        self.realised[key] = self.realised.get(key, 0.0) + hit

    def chance(self, key: str, p: float) -> bool:
        """True with probability about ``p``, nudged so the stream's count tracks its expectation."""
        p = min(1.0, max(0.0, p))
        q = min(1.0, max(0.0, p + self.gain * self.gap(key)))
        hit = self.rng.random() < q
        self._book(key, p, float(hit))
        return hit

    def choice(self, key: str, weights: dict[str, float]) -> str:
        """One key of ``weights`` (relative weights), the share of each tracking its expectation."""
        total = sum(weights.values())
        keys = list(weights)
        probs = [weights[k] / total for k in keys]
        adj = [max(0.0, p + self.gain * self.gap(f"{key}:{k}")) for k, p in zip(keys, probs)]
        if sum(adj) <= 0:
            adj = probs
        got = self.rng.choices(keys, adj)[0]
        for k, p in zip(keys, probs):
            self._book(f"{key}:{k}", p, 1.0 if k == got else 0.0)
        return got

    def count(self, key: str, lam: float, spread: float = 0.25) -> int:
        """A count around ``lam`` (e.g. threads in a month): ``lam`` with log-normal jitter of
        ``spread``, plus the stream's gap, rounded at random; never negative."""
        x = lam * math.exp(self.rng.gauss(0.0, spread)) + self.gain * self.gap(key)
        n = max(0, math.floor(x + self.rng.random()))
        self._book(key, lam, float(n))
        return n
