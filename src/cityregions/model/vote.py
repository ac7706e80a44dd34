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

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from cityregions.model import mayors
from cityregions.model.governance import Outcome, decision_rows, noise, payoffs_at_keys, perceived_net
from cityregions.rules import bargaining, ratification
from cityregions.rules import cooperation as co
from cityregions.rules.cooperation import Action, Agreement, Payoff, Status, Theme
from cityregions.world import institutions

if TYPE_CHECKING:
    from cityregions.model.model import CityRegionModel

LEVEL_STATUS = {"contract": Status.CONTRACT, "body": Status.INSTITUTIONALISED}


@dataclass(frozen=True)
class Proposal:
    """What the councils vote on for one theme: the negotiating group, the form a yes would make, the key and
    what belonging at that key would bring each council (no random draw is involved)."""

    theme: Theme
    group: np.ndarray  # the core and the members of the theme's open pilots and declarations
    open_ids: frozenset[int]  # those agreements (by id): a passed vote dissolves them into the new one
    form: institutions.LegalForm | None  # the most binding form available; None: only a declaration
    pending: institutions.LegalForm | None  # a statutory body about to take the theme over (then form is None)
    status: Status
    key: float
    agreed: bool  # every negotiator gains at the key
    payoff: Payoff
    seen: np.ndarray  # the net payoff as each council perceives it

    def rule_text(self, m: CityRegionModel) -> str:
        """The scenario's ratification rule and what a yes can make, in words."""
        sc = m.cfg.scenario
        rule = {"core_and_quorum": f"councils holding {sc.quorum:.0%} of the suburban residents",
                "double_majority": "a majority of the councils and of the residents",
                "unanimity": "every council of the negotiating group"}[sc.ratification]
        made = f"a {self.form.level} ({self.form.form})" if self.form else "only a declaration (no binding form)"
        return f"{'the core city and ' if sc.core_veto else ''}{rule} must vote yes; a yes makes {made}"


def proposal(m: CityRegionModel, t: int, theme: Theme, agreements: list[Agreement]) -> Proposal:
    """The proposal on a theme in quarter t: group, legal form, bargained key and everyone's payoff at it."""
    open_ = frozenset(id(a) for a in agreements if a.active and a.status in (Status.PILOT, Status.INFORMAL))
    group = m.geo.is_core.copy()
    for a in agreements:
        if id(a) in open_:
            group |= a.members
    day = m.timeline.day(t)
    across = institutions.spans_states(m.country, [m.geo.codes[i] for i in np.flatnonzero(group)])
    land = theme == Theme.LAND  # a land compact binds only through a form that can carry land-use planning
    pending = institutions.pending_body(m.country, day, theme.value, m.core_names)
    pooling = institutions.binding_form(m.country, day, True, across, planning=True) if land and not pending else None
    form = None if pending else pooling or institutions.binding_form(m.country, day, False, across, planning=land)
    status = LEVEL_STATUS[form.level] if form is not None else Status.INFORMAL
    key, agreed, p, seen = _bargain(m, theme, group, status, pooling is not None)
    return Proposal(theme, group, open_, form, pending, status, key, agreed, p, seen)


def council_vote(m: CityRegionModel, t: int, rng: np.random.Generator, themes: tuple[Theme, ...]) -> Outcome:
    """Every council votes on the proposal on each theme; the rule and the legal forms decide what it becomes."""
    sc = m.cfg.scenario
    agreements = {theme: list(current) for theme, current in m.coop.agreements.items()}
    decisions, choices = [], []
    day = m.timeline.day(t)
    for theme in themes:
        pr = proposal(m, t, theme, agreements[theme])
        p, seen, key, form = pr.payoff, pr.seen, pr.key, pr.form
        yes = co.choose(seen, noise(m), rng)
        if m.students.mayors:
            yes = mayors.vote(m, theme, yes, choices)
        verdict = ratification.decide(sc.ratification, yes, pr.group, m.people.population, m.geo.is_core,
                                      sc.quorum, sc.core_veto)
        rule = verdict.reason + ("" if pr.agreed else "; no key gave every negotiator a gain")
        if verdict.passed and pr.pending is not None:
            rule += (f"; {pr.pending.form} takes the theme over from {pr.pending.available_from}: a declaration "
                     "of the yes-voters")
        elif verdict.passed and form is None:
            rule += f"; no binding legal form in {m.country} on {day}: a declaration of the yes-voters"
        elif verdict.passed:
            rule += f"; as a {form.level} ({form.form})"
        decisions += decision_rows(m, t, theme, Action.VOTE_YES, yes, p, seen, key, rule)
        decisions += decision_rows(m, t, theme, Action.VOTE_NO, ~yes, p, seen, key, rule)
        if verdict.passed:  # the open agreements end in the new one; otherwise they carry on informally
            agreements[theme] = [replace(a, status=Status.DISSOLVED) if id(a) in pr.open_ids else a
                                 for a in agreements[theme]]
            agreements[theme].append(Agreement(theme, yes.copy(), pr.status, t, key=key,
                                               side_payments=p.side_payment if p.side_payment.any() else None))
        else:
            agreements[theme] = [replace(a, status=Status.INFORMAL) if id(a) in pr.open_ids else a
                                 for a in agreements[theme]]
    # pilots on themes not put to a vote carry on informally
    agreements = {theme: [replace(a, status=Status.INFORMAL) if a.status == Status.PILOT else a for a in current]
                  for theme, current in agreements.items()}
    return Outcome(agreements=agreements, decisions=tuple(decisions), choices=tuple(choices))


def _bargain(m: CityRegionModel, theme: Theme, group: np.ndarray, status: Status,
             pooling: bool) -> tuple[float, bool, Payoff, np.ndarray]:
    """The sharing key the group settles on, whether every negotiator gains from it, and every council's payoff
    at it (true and perceived): the Nash bargaining solution within the scenario's bounds, or the scenario's key
    (bargaining=fixed), with the side payments a binding form allows (scenario.side_payments). A land compact
    without a form that allows pooling business tax has key 0."""
    sc = m.cfg.scenario
    if theme == Theme.LAND and not pooling:
        fixed, bounds = 0.0, None
    elif theme == Theme.LAND:
        fixed, bounds = sc.revenue_sharing_key, sc.revenue_sharing_bounds
    else:
        fixed, bounds = sc.cost_sharing_key, sc.cost_sharing_bounds
    imposed = sc.bargaining == "fixed" or bounds is None
    keys = np.array([float(fixed)]) if imposed else bargaining.candidates(*bounds)
    offers = payoffs_at_keys(m, theme, group, status, keys[:, None])  # one row per key
    seen = perceived_net(m, theme, offers)
    paid = np.zeros_like(seen)
    if status in co.BINDING:  # a contract or a body can commit its members to payments; a declaration cannot
        paid[:, group] = bargaining.side_payments(seen[:, group], sc.side_payments)
    seen += paid
    deal = bargaining.nash(keys, seen[:, group])
    chosen = int(np.flatnonzero(keys == deal.key)[0])
    return deal.key, imposed or deal.agreed, replace(offers.at_key(chosen), side_payment=paid[chosen]), seen[chosen]
