"""Councils vote on agreements: at the end of phase 3, and again after each later municipal election while a
theme has no binding agreement (a new council may revisit a failed vote).

The negotiating group (the core city and the pilot's members, or the members of a declaration that carries on)
bargains the sharing key within the scenario's bounds (rules.bargaining); every council then votes on what
belonging would bring it at that key (its budget, its residents' gains at the political weight, and the costs,
governance.payoff); the scenario's ratification rule turns the votes into a verdict (rules.ratification); and
the country's legal forms on that day decide what a passed agreement can be (world.institutions): a body or a
contract where one exists, else only the yes-voters' declaration; a group that spans two federal states needs a
form that crosses their border (Leipzig and Halle). A land compact can pool business tax only through a form that
allows it; without one its key is 0.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from cityregions.model import mayors
from cityregions.model.governance import Outcome, decision_rows, noise, payoff, perceived_net
from cityregions.rules import bargaining, ratification
from cityregions.rules import cooperation as co
from cityregions.rules.cooperation import Action, Agreement, Status, Theme
from cityregions.world import institutions

if TYPE_CHECKING:
    from cityregions.model.model import CityRegionModel

LEVEL_STATUS = {"contract": Status.CONTRACT, "body": Status.INSTITUTIONALISED}


def council_vote(m: CityRegionModel, t: int, rng: np.random.Generator, themes: tuple[Theme, ...]) -> Outcome:
    """Every council votes on an agreement on each theme; the rule and the legal forms decide what it becomes."""
    sc = m.cfg.scenario
    agreements = {theme: list(current) for theme, current in m.coop.agreements.items()}
    decisions, choices = [], []
    day = m.timeline.day(t)
    for theme in themes:
        open_ = {id(a) for a in agreements[theme] if a.active and a.status in (Status.PILOT, Status.INFORMAL)}
        group = m.geo.is_core.copy()
        for a in agreements[theme]:
            if id(a) in open_:
                group |= a.members
        across = institutions.spans_states(m.country, [m.geo.codes[i] for i in np.flatnonzero(group)])
        pooling = institutions.binding_form(m.country, day, True, across) if theme == Theme.LAND else None
        form = pooling or institutions.binding_form(m.country, day, False, across)
        status = LEVEL_STATUS[form.level] if form is not None else Status.INFORMAL
        key, agreed = _key(m, theme, group, status, pooling is not None)
        p = payoff(m, theme, group, status, key=key)
        seen = perceived_net(m, theme, p)
        yes = co.choose(seen, noise(m), rng)
        if m.students.mayors:
            yes = mayors.vote(m, theme, yes, choices)
        verdict = ratification.decide(sc.ratification, yes, group, m.people.population, m.geo.is_core, sc.quorum,
                                      sc.core_veto)
        rule = verdict.reason + ("" if agreed else "; no key gave every negotiator a gain")
        if verdict.passed and form is None:
            rule += f"; no binding legal form in {m.country} on {day}: a declaration of the yes-voters"
        elif verdict.passed:
            rule += f"; as a {form.level} ({form.form})"
        decisions += decision_rows(m, t, theme, Action.VOTE_YES, yes, p, seen, key, rule)
        decisions += decision_rows(m, t, theme, Action.VOTE_NO, ~yes, p, seen, key, rule)
        if verdict.passed:  # the open agreements end in the new one; otherwise they carry on informally
            agreements[theme] = [replace(a, status=Status.DISSOLVED) if id(a) in open_ else a
                                 for a in agreements[theme]]
            agreements[theme].append(Agreement(theme, yes.copy(), status, t, key=key))
        else:
            agreements[theme] = [replace(a, status=Status.INFORMAL) if id(a) in open_ else a
                                 for a in agreements[theme]]
    # pilots on themes not put to a vote carry on informally
    agreements = {theme: [replace(a, status=Status.INFORMAL) if a.status == Status.PILOT else a for a in current]
                  for theme, current in agreements.items()}
    return Outcome(agreements=agreements, decisions=tuple(decisions), choices=tuple(choices))


def _key(m: CityRegionModel, theme: Theme, group: np.ndarray, status: Status, pooling: bool) -> tuple[float, bool]:
    """The sharing key the group settles on, and whether every negotiator gains from it: the Nash bargaining
    solution within the scenario's bounds, or the scenario's key (bargaining=fixed). A land compact without a
    form that allows pooling business tax has key 0."""
    sc = m.cfg.scenario
    if theme == Theme.LAND:
        if not pooling:
            return 0.0, True
        fixed, (low, high) = sc.revenue_sharing_key, sc.revenue_sharing_bounds
    else:
        fixed, (low, high) = sc.cost_sharing_key, sc.cost_sharing_bounds
    if sc.bargaining == "fixed":
        return float(fixed), True
    keys = bargaining.candidates(low, high)
    surplus = np.array([perceived_net(m, theme, payoff(m, theme, group, status, key=float(k)))[group]
                        for k in keys])
    deal = bargaining.nash(keys, surplus)
    return deal.key, deal.agreed
