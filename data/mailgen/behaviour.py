"""Designed depth and how it shows: a client's latent depth over time and the behaviour it drives.

Depth ``d`` (0-100) is designed per client with a trajectory (steady, deepening, cooling) and an
archetype.  :class:`Profile` turns the depth *at a moment* into behaviour: how often mail flows, who
starts threads, how fast each side replies, how often the client goes silent, how regular the agency's
updates are, how many client people write and whether seniors are copied in, and the rate of each
relationship signal.  Archetypes bend single dimensions (fees, latency, supplier processes, volume)
so depth cannot be read from one feature or from message volume alone.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

#: Threads per month (at depth 50, before the corpus ``volume`` scale) at least, for deepening/cooling clients.
MOVING_MIN_VOLUME = 1.8
ARCHETYPES = ("deepening", "cooling", "warm_haggler", "strategic_slow", "transactional", "new_client", "typical")


def tier(depth: float) -> str:
    """Tier boundaries of the contract: shallow <25, developing 25-50, solid 50-75, deep >=75."""
    if depth < 25:
        return "shallow"
    if depth < 50:
        return "developing"
    if depth < 75:
        return "solid"
    return "deep"


@dataclass(frozen=True)
class Profile:
    """The designed relationship of one client (depths in 0-100; times as fractions of the period)."""

    archetype: str
    depth_start: float
    depth_end: float
    trend: str  # steady | deepening | cooling
    volume: float  # threads per month at depth 50
    active_from: float = 0.0  # fraction of the period when the relationship starts
    fee_mult: float = 1.0
    latency_mult: float = 1.0
    supplier_mult: float = 1.0
    #: How behaviour (mail flow, who starts threads, reply speeds, silences, people, seniors copied
    #: in, the agency's rhythm) follows depth: "tied" (as designed below), "unrelated" (fixed at
    #: ``behaviour_level`` whatever the depth) or "misleading" (as for depth 1 - d). What the client
    #: writes (thread kinds, signal sentences) always follows the designed depth.
    behaviour: str = "tied"
    behaviour_level: float = 0.5

    def _b(self, d: float) -> float:
        if self.behaviour == "unrelated":
            return self.behaviour_level
        if self.behaviour == "misleading":
            return 1.0 - d
        return d

    def depth_at(self, frac: float) -> float:
        """Designed depth at a fraction of the period (linear between start and end of activity)."""
        if frac <= self.active_from:
            return self.depth_start
        span = max(1e-9, 1.0 - self.active_from)
        t = min(1.0, (frac - self.active_from) / span)
        return self.depth_start + (self.depth_end - self.depth_start) * t

    # --- behaviour as a function of depth d in [0, 1] -----------------------------------------
    def threads_per_month(self, d: float) -> float:
        d = self._b(d)
        return self.volume * (1.0 - 0.1 * d)

    def p_silent_month(self, d: float) -> float:
        d = self._b(d)
        return 0.5 * (1 - d) ** 2

    def p_client_initiates(self, d: float) -> float:
        d = self._b(d)
        return 0.08 + 0.8 * d

    def p_client_replies(self, d: float) -> float:
        d = self._b(d)
        return 0.5 + 0.47 * d

    def p_continue(self, d: float) -> float:
        d = self._b(d)
        return 0.35 + 0.3 * d

    def client_reply_hours(self, d: float, rng: random.Random) -> float:
        d = self._b(d)
        median = math.exp(math.log(90) * (1 - d) + math.log(2.5) * d) * self.latency_mult
        return median * math.exp(_bounded_gauss(rng, 0.7))

    def agency_reply_hours(self, d: float, rng: random.Random) -> float:
        d = self._b(d)
        median = 26 * (1 - d) + 2.5 * d
        return median * math.exp(_bounded_gauss(rng, 0.6))

    def update_interval_days(self, d: float, rng: random.Random) -> float:
        """Days between agency status updates: weekly and regular when deep, rare and erratic when shallow."""
        d = self._b(d)
        mean = 14 + 26 * (1 - d) ** 1.5
        return max(2.0, rng.gauss(mean, 1 + 12 * (1 - d)))

    def active_roles(self, d: float) -> tuple[str, ...]:
        d = self._b(d)
        roles = ["main"]
        if d >= 0.5:
            roles.append("exec")
        if d >= 0.3:
            roles.append("colleague")
        return tuple(roles)

    def p_senior_cc(self, d: float) -> float:
        d = self._b(d)
        return 0.05 + 0.6 * d * d

    def client_thread_kinds(self, d: float) -> dict[str, float]:
        """Weights of what a client-started thread is about."""
        return {
            "help_request": 0.04 + 0.4 * d,
            "strategic": 0.25 * d * d,
            "early_warning": 0.02 + 0.15 * d,
            "referral": 0.12 * d * d,
            "appreciation": 0.03 + 0.1 * d,
            "cancellation": 0.03 + 0.18 * (1 - d),
            "complaint": 0.02 + 0.16 * (1 - d) ** 2,
            "supplier_admin": (0.02 + 0.15 * (1 - d)) * self.supplier_mult,
            "fee_quote": (0.02 + 0.12 * (1 - d)) * self.fee_mult,
            "files": 0.25,
            "scheduling": 0.15,
        }

    def agency_thread_kinds(self, d: float) -> dict[str, float]:
        return {
            "review": 0.35,
            "scheduling": 0.2,
            "files": 0.12,
            "proposal": 0.1,
            "feedback_request": 0.04 + 0.14 * d,
            "agency_apology": 0.09,
        }

    def signal_rates(self, d: float) -> dict[str, float]:
        """Chance that a client reply carries each extra signal sentence."""
        return {
            "appreciation": 0.04 + 0.26 * d,
            "fee_pushback_invoice": min(0.85, (0.05 + 0.4 * (1 - d)) * self.fee_mult),
            "complaint_review": 0.03 + 0.35 * (1 - d) ** 2,
            "forgiveness": 0.2 + 0.75 * d,
            "advice_acted_on": 0.03 + 0.35 * d,
            "early_warning": 0.01 + 0.08 * d,
            "help_request": 0.02 + 0.12 * d,
            "cancellation": 0.03 + 0.2 * (1 - d),
            "supplier_label": (0.01 + 0.08 * (1 - d)) * self.supplier_mult,
            "late_apology": 0.1 + 0.5 * d,
            "hard_negative": 0.25,
        }


def _bounded_gauss(rng: random.Random, sigma: float, bound: float = 2.0) -> float:
    """A normal draw with spread ``sigma`` cut at ``bound`` sigmas (redrawn beyond), so one reply delay
    cannot stray far from the moment's designed median."""
    while True:
        z = rng.gauss(0.0, 1.0)
        if abs(z) <= bound:
            return sigma * z


def _u(rng: random.Random, lo: float, hi: float) -> float:
    return round(rng.uniform(lo, hi), 1)


def design_profile(rng: random.Random, archetype: str, target: float | None = None) -> Profile:
    """Draw a profile for an archetype; ``target`` (end depth) is used by ``typical`` clients."""
    vol = math.exp(rng.uniform(math.log(1.0), math.log(4.5)))
    if archetype in ("deepening", "cooling"):
        # a volume floor (below the median draw) so that every quarter of a moving client holds
        # enough threads for its designed change to show; the change itself is not enlarged
        vol = max(vol, MOVING_MIN_VOLUME)
    if archetype == "deepening":
        end = _u(rng, 55, 88)
        return Profile(archetype, max(5.0, end - _u(rng, 25, 40)), end, "deepening", vol)
    if archetype == "cooling":
        end = _u(rng, 12, 45)
        return Profile(archetype, min(95.0, end + _u(rng, 25, 40)), end, "cooling", vol)
    if archetype == "warm_haggler":
        d = _u(rng, 52, 72)
        return Profile(archetype, d, d, "steady", vol, fee_mult=4.0)
    if archetype == "strategic_slow":
        d = _u(rng, 72, 92)
        return Profile(archetype, d, d, "steady", vol * 0.8, latency_mult=5.0)
    if archetype == "transactional":
        d = _u(rng, 4, 22)
        return Profile(archetype, d, d, "steady", vol * 2.2, supplier_mult=2.5)
    if archetype == "new_client":
        d = _u(rng, 28, 48)
        return Profile(archetype, d, d, "steady", vol, active_from=rng.uniform(0.6, 0.75))
    d = target if target is not None else _u(rng, 3, 97)
    return Profile("typical", d, d, "steady", vol)


def design_profiles(seed: int, n: int, behaviour: str = "tied") -> list[Profile]:
    """Profiles for ``n`` clients: each mixed archetype once (for n >= 6), the rest ``typical`` with
    end depths spread evenly over 0-100 so every tier is populated. ``behaviour`` (see
    :class:`Profile`) applies to every client of the mailbox; "unrelated" draws each client's
    behaviour level at random."""
    rng = random.Random(f"{seed}:profiles")
    mixed = list(ARCHETYPES[:6])
    rng.shuffle(mixed)
    n_mixed = min(len(mixed), round(n * 0.6))
    archetypes = mixed[:n_mixed] + ["typical"] * (n - n_mixed)
    n_typ = n - n_mixed
    targets = [round((i + rng.random()) * 100 / max(1, n_typ), 1) for i in range(n_typ)]
    rng.shuffle(targets)
    out = []
    for a in archetypes:
        out.append(design_profile(rng, a, targets.pop() if a == "typical" else None))
    rng.shuffle(out)
    if behaviour != "tied":
        out = [replace(p, behaviour=behaviour, behaviour_level=rng.uniform(0.05, 0.95)) for p in out]
    return out
