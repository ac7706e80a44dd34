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
        ok = share >= quorum
        return Verdict(ok, f"{'ratified' if ok else 'failed'}: {share:.0%} of suburban residents "
                           f"{'>=' if ok else '<'} quorum {quorum:.0%}")
    if rule == "double_majority":
        councils = yes.mean()
        residents = population[yes].sum() / max(population.sum(), 1.0)
        ok = councils > 0.5 and residents > 0.5
        return Verdict(ok, f"{'ratified' if ok else 'failed'}: {councils:.0%} of councils and {residents:.0%} of "
                           "residents (both must exceed 50 %)")
    against = int((group & ~yes).sum())
    ok = against == 0
    return Verdict(ok, "ratified: every council of the group voted yes" if ok
                   else f"failed: {against} council(s) of the group voted no (unanimity)")
