"""Bargaining over an agreement's sharing key: the Nash bargaining solution over a grid of admissible keys.

The negotiating group (the core and the pilot's members) looks for the key, within the scenario's bounds, that
maximises the product of every party's surplus over its disagreement point (Nash 1950; as the limit of
Rubinstein's alternating offers with patient parties, Binmore, Rubinstein and Wolinsky 1986). The disagreement
point is staying out, which every payoff is already measured against, so a party's surplus is its net payoff.
Where no key gives every party a surplus, no key can be agreed unanimously: the group takes the key that the most
parties accept, and among those the one that leaves the worst-off party best off, and the vote decides.

Where the rules allow side payments, the parties can also move money among themselves. With fully transferable
utility the Nash solution gives every party the group's mean surplus (the key that maximises the total is then
the one chosen); a share s of the way there, s (mean - surplus) each, is the lever between no payments and that.
A group whose surpluses sum to zero or less has nothing to share and pays nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GRID = 11  # admissible keys tried between the bounds (0.05 apart on [0, 0.5])
TIE = 1e-9  # relative difference within which two keys count as equally good (the lower is taken), so that the
# choice never hangs on the order of a floating-point sum


@dataclass(frozen=True)
class Bargain:
    """The key the group settles on and whether every party gains from it."""

    key: float
    agreed: bool  # every party has a positive surplus at this key


def candidates(low: float, high: float, n: int = GRID) -> np.ndarray:
    """The keys tried: n evenly spaced between the bounds (one when they coincide)."""
    return np.array([low]) if high <= low else np.linspace(low, high, n)


def nash(keys: np.ndarray, surplus: np.ndarray) -> Bargain:
    """The Nash bargaining solution among keys; surplus[k, j] is party j's surplus at keys[k].

    Among the keys where every surplus is positive, the one maximising the sum of log surpluses (the Nash
    product); with none, the key most parties accept, ties broken by the largest smallest surplus, then by the
    lower key.
    """
    surplus = np.atleast_2d(np.asarray(surplus, dtype=float))
    if surplus.shape[1] == 0:
        return Bargain(float(keys[0]), True)
    feasible = (surplus > 0).all(axis=1)
    if feasible.any():
        product = np.where(feasible, np.log(np.where(surplus > 0, surplus, 1.0)).sum(axis=1), -np.inf)
        return Bargain(float(keys[_first_best(product)]), True)
    accepted = (surplus > 0).sum(axis=1)
    best = accepted == accepted.max()
    worst = np.where(best, surplus.min(axis=1), -np.inf)
    return Bargain(float(keys[_first_best(worst)]), False)


def side_payments(surplus: np.ndarray, share: float) -> np.ndarray:
    """What each party receives (pays: negative) so that its surplus moves a share of the way to the mean, along
    the last axis (one row per key); zero where the surpluses sum to zero or less. The payments sum to zero."""
    surplus = np.asarray(surplus, dtype=float)
    if share == 0 or surplus.shape[-1] == 0:
        return np.zeros_like(surplus)
    mean = surplus.mean(axis=-1, keepdims=True)
    return np.where(mean > 0, share * (mean - surplus), 0.0)


def _first_best(score: np.ndarray) -> int:
    """The first index whose score is the largest up to TIE (relative)."""
    top = float(score.max())
    return int(np.flatnonzero(score >= top - TIE * max(abs(top), 1.0))[0])
