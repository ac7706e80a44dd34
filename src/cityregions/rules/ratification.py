"""Ratification: how the councils' votes make an agreement, as an aggregation rule (Ostrom 2005).

core_and_quorum: the councils of a share of the suburban population (the quorum) vote yes; double_majority: a
majority of the region's councils and a majority of its residents; unanimity: every council of the negotiating
group. Where the core has a veto its no ends the agreement whatever the rule. Those who voted yes are its members.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RULES = ("core_and_quorum", "double_majority", "unanimity")


@dataclass(frozen=True)
class Verdict:
    """Whether the agreement passed, and the rule's reason in words."""

    passed: bool
    reason: str


def _percent(value: float, threshold: float, passed: bool, strict: bool) -> int:
    """value in whole percent as a council reads it against threshold. Rounding keeps the order of the two, so
    only a tie can read as the other verdict: a 59.96 % share that failed a 60 % quorum shows 59 %, and 50.02 %
    of councils that exceed one half shows 51 %."""
    shown, limit = round(100 * value), round(100 * threshold)
    if shown == limit and passed == strict:
        return limit + 1 if strict else limit - 1
    return shown


def decide(rule: str, yes: np.ndarray, group: np.ndarray, population: np.ndarray, is_core: np.ndarray,
           quorum: float, core_veto: bool) -> Verdict:
    """Apply a ratification rule to the councils' votes (yes), the negotiating group and the residents."""
    if rule not in RULES:
        raise ValueError(f"ratification={rule!r} is not a rule; allowed: {', '.join(RULES)}")
    if core_veto and not yes[is_core].all():
        return Verdict(False, "failed: the core city voted no (veto)")
    if rule == "core_and_quorum":
        suburbs = ~is_core
        share = population[yes & suburbs].sum() / max(population[suburbs].sum(), 1.0)
        ok = bool(share >= quorum)
        return Verdict(ok, f"{'ratified' if ok else 'failed'}: {_percent(share, quorum, ok, False)}% of suburban "
                           f"residents {'>=' if ok else '<'} quorum {round(100 * quorum)}%")
    if rule == "double_majority":
        councils = yes.mean()
        residents = population[yes].sum() / max(population.sum(), 1.0)
        ok = bool(councils > 0.5 and residents > 0.5)
        c, r = (_percent(v, 0.5, v > 0.5, True) for v in (councils, residents))
        return Verdict(ok, f"{'ratified' if ok else 'failed'}: {c}% of councils and {r}% of residents (both must "
                           "exceed 50 %)")
    against = int((group & ~yes).sum())
    ok = against == 0
    return Verdict(ok, "ratified: every council of the group voted yes" if ok
                   else f"failed: {against} council(s) of the group voted no (unanimity)")
