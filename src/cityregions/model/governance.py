"""The cooperation procedures of the project and after: exchange, pilots, council votes, joining and leaving,
and the quarter's settlement of every agreement.

Each procedure reads the model's state, decides for all municipalities at once with the generator it is given
(the model's, drawn in a fixed order), and returns what it decided: knowledge, agreements (new ones, and new
copies of those that changed), the decision rows with the payoff breakdown each rested on, the student-mayors'
answers it applied, and what trust must lose or becomes. The model's quarter applies it (CityRegionModel._apply,
_settle); nothing here assigns into the model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np

from cityregions.model import mayors
from cityregions.rules import cooperation as co
from cityregions.rules import land, payoffs
from cityregions.rules.cooperation import BREAKDOWN, Action, Agreement, Payoff, Status, Theme
from cityregions.world.catchment import csr_row_sums

if TYPE_CHECKING:
    from cityregions.config import RunConfig
    from cityregions.model.model import CityRegionModel
    from cityregions.world.geography import Geography


@dataclass(frozen=True)
class Outcome:
    """What a procedure decided, for the quarter to apply (a part left at its default changes nothing)."""

    knowledge: dict[Theme, np.ndarray] | None = None  # knowledge after it, by theme
    agreements: dict[Theme, list[Agreement]] | None = None  # every agreement after it, by theme
    decisions: tuple[dict, ...] = ()  # rows for the decision record, in the order taken
    choices: tuple[dict, ...] = ()  # the student-mayors' answers it applied, beside the rule's choice
    betrayals: tuple[tuple[np.ndarray, np.ndarray], ...] = ()  # (leavers, the members they left): trust falls
    pilots_formed: int = 0


@dataclass(frozen=True)
class Settlement:
    """The quarter's settlement: agreements after their results, what cooperation cost, trust after it."""

    agreements: dict[Theme, list[Agreement]]
    last_payoff: dict[Theme, Payoff]  # the realised payoff of the last agreement settled on each theme
    tc_paid: np.ndarray  # transaction costs each municipality pays (EUR/yr)
    contributions: np.ndarray  # its financial contributions (EUR/yr)
    trust: np.ndarray
    project_funds_eur: float  # the project's funds left after co-financing the pilots


def land_inputs(m: CityRegionModel, key: float | None = None) -> payoffs.LandInputs:
    """The land-compact payoff's inputs from the model's current state (key: the sharing key, default the
    scenario's)."""
    lp, sc, cp = m.cfg.params.land, m.cfg.scenario, m.cfg.params.cooperation
    annual = m.land_use.expected_commercial_ha
    competitors, outside_jobs = m.rivals
    cap = None if sc.greenfield_cap is None else land.greenfield_allowance(sc.greenfield_cap, m.people.population)
    return payoffs.LandInputs(
        jobs=m.people.jobs, population=m.people.population, tax_per_job=m.cfg.params.fiscal.business_tax_eur_per_job,
        competing_discount=lp.tax_discount_competing, key=sharing_key(m, Theme.LAND, key),
        autonomy_weight=cp.autonomy_weight_land, expected_dev_ha=annual,
        brownfield_ha=m.land.brownfield, reserve_saving_ha=lp.reserve_years * (lp.optimism - 1.0) * annual,
        greenfield_cost=lp.greenfield_cost_m_eur_per_ha,
        brownfield_cost_member=m.const.brownfield_cost * (1.0 - m.const.brownfield_subsidy_compact),
        brownfield_first=sc.brownfield_first, annuity=lp.annuity_rate, outside_competitors=competitors,
        outside_jobs=outside_jobs, cap_ha=cap, jobs_per_ha=m.const.jobs_per_ha,
        firm_tax_sensitivity=lp.firm_tax_sensitivity)


def outside_rivals(cfg: RunConfig, geo: Geography, employment_rate: float) -> tuple[float, float]:
    """The outside's residents and jobs as rivals for the region's firms, weighted by outside_competition (none
    for a closed region): a compact cannot end the tax competition they keep up."""
    o = geo.outside
    if o is None or not len(o) or not cfg.region.open_boundary:
        return 0.0, 0.0
    w = cfg.params.cooperation.outside_competition
    residents = float(o.population.sum())
    return w * residents, w * residents * employment_rate * cfg.params.transport.ring_jobs_per_worker


def served_by_association(commuters_across: np.ndarray, authority: np.ndarray | None) -> np.ndarray:
    """Each municipality's residents whom an association's added service would serve: those commuting to another
    municipality, where no existing transport authority serves them already."""
    return commuters_across if authority is None else np.where(authority, 0.0, commuters_across)


def transport_inputs(m: CityRegionModel, key: float | None = None) -> payoffs.TransportInputs:
    """The transport-association payoff's inputs from the model's current state (key: the cost-sharing key,
    default the scenario's)."""
    tp, sc, c = m.cfg.params.transport, m.cfg.scenario, m.commuting
    return payoffs.TransportInputs(
        pairs=m.geo.pairs, flows=None if c.factored else c.flows,
        modes=c.tables.modes, population=m.people.population,
        pt_trips=c.outcome.pt_trips_across, integration=sc.tariff_integration, service=sc.service_cofinancing,
        commuters_across=served_by_association(c.outcome.commuters_across, c.tables.authority),
        cost_per_commuter=tp.service_cost_eur_per_commuter,
        key=sharing_key(m, Theme.TRANSPORT, key),
        autonomy_weight=m.cfg.params.cooperation.autonomy_weight_transport,
        congestion_eur=tp.congestion_eur_per_car_trip, trips_per_worker=2 * tp.workdays, factors=c.factors,
        weighted=c.tables.weighted)


def payoff(m: CityRegionModel, theme: Theme, members: np.ndarray, status: Status,
           funded: float = 0.0, key: float | None = None) -> Payoff:
    """True annual payoff of belonging to the group on a theme, per municipality, as its council weighs it
    (status: the agreement's, which sets its enforcement cost; funded: share paid by the project; key: the
    sharing key, default the scenario's)."""
    return payoffs_at_keys(m, theme, members, status, sharing_key(m, theme, key), funded)


def payoffs_at_keys(m: CityRegionModel, theme: Theme, members: np.ndarray, status: Status,
                    keys: float | np.ndarray, funded: float = 0.0, side_payments: np.ndarray | None = None) -> Payoff:
    """payoff at a sharing key, or at each of a column of keys (K, 1) at once: then a part a key changes has one
    row per key (Payoff.at_key), and trust, the transaction costs and the stakes' key-independent parts, which
    no key changes, are computed once (a vote's bargaining tries a grid of keys). side_payments: what each
    member receives (paid: negative), none for a non-member."""
    cp = m.cfg.params.cooperation
    population, is_core, n = m.people.population, m.geo.is_core, len(members)
    pop_after = co.with_each(population, members)  # the group's residents with each municipality in
    if theme == Theme.LAND:  # the inputs' own key is unread: the stakes are found at keys
        st = payoffs.land_compact_keys(members, land_inputs(m), keys, pop_after)
    else:
        st = payoffs.transport_association_keys(members, transport_inputs(m), keys, pop_after)
    size = np.count_nonzero(members)
    trust = co.group_trust(m.coop.trust, m.geo.pairs, members, cp.trust_initial)
    costs = co.transaction_costs(
        cp, m.cfg.scenario.transaction_cost_scale, m.councils.capacity, m.coop.knowledge[theme], trust,
        np.where(members, size, size + 1), m.councils.log_pop, members, co.ENFORCEMENT[status],
        bases=m.councils.cost_bases)
    keep = 1.0 - funded
    if funded:  # unfunded, every cost is the council's own as it is
        costs = tuple(c * keep for c in costs)
    info, neg, enf, agency = costs
    side = np.zeros(n) if side_payments is None else np.where(members, side_payments, 0.0)
    vetoed = is_core & m.cfg.scenario.core_veto
    welfare = cp.welfare_weight * st.welfare
    free_riding = st.free_riding
    if st.external is not None:  # had in or out, unless the core's veto means there is no agreement without it
        external = cp.welfare_weight * st.external
        welfare = welfare + external
        free_riding = free_riding + np.where(vetoed, 0.0, external)
    contribution = st.contribution * keep if funded else st.contribution
    gain = st.budget + welfare - free_riding - contribution
    return Payoff(benefit=st.budget, welfare=welfare, free_riding=free_riding, information=info, negotiation=neg,
                  enforcement=enf, agency=agency, autonomy=st.autonomy,
                  dominance=co.dominance(st.autonomy, population, members, is_core, cp.dominance_weight, pop_after),
                  inequity=co.inequity(gain, population, members, cp.inequity_aversion, pop_after),
                  contribution=contribution, trust=trust, side_payment=side)


def agreement_payoff(m: CityRegionModel, a: Agreement) -> Payoff:
    """What an agreement brings its members now, at its status and key, with its side payments to and from its
    current members: fixed when it was agreed, they stop for a member who leaves (a labelled simplification: the
    contract is not renegotiated)."""
    return payoffs_at_keys(m, a.theme, a.members, a.status, sharing_key(m, a.theme, a.key),
                           side_payments=a.side_payments)


def sharing_key(m: CityRegionModel, theme: Theme, key: float | None) -> float:
    """The sharing key a payoff is computed at: the agreement's, else the scenario's for the theme."""
    if key is not None:
        return float(key)
    sc = m.cfg.scenario
    return float(sc.revenue_sharing_key if theme == Theme.LAND else sc.cost_sharing_key)


def noise(m: CityRegionModel) -> np.ndarray:
    """Each council's logit scale (EUR/yr): a fixed part and a part proportional to its budget."""
    cp = m.cfg.params.cooperation
    budget = m.cfg.params.fiscal.revenue_eur_per_capita * m.people.population
    return cp.decision_noise_keur * 1000.0 + cp.decision_noise_share * budget


def perceived_net(m: CityRegionModel, theme: Theme, p: Payoff) -> np.ndarray:
    """Net payoff as councils see it: their gains misjudged until knowledge corrects them."""
    gains = p.benefit + p.welfare
    return p.net - gains + co.perceived(gains, m.councils.bias[theme], m.coop.knowledge[theme])


DECISION_COLUMNS = ("step", "quarter", "municipality", "theme", "action", *BREAKDOWN, "perceived_net", "key", "rule")


def decision_rows(m: CityRegionModel, t: int, theme: Theme, action: Action, who: np.ndarray, p: Payoff,
                  seen: np.ndarray, key: float | None = None, rule: str = "") -> list[dict]:
    """Decision rows of the municipalities in who: the payoff breakdown, the net payoff as they saw it, the
    sharing key it was computed at and, for a vote, the rule's verdict."""
    idx = who.nonzero()[0]
    names, n = m.geo.names, len(idx)
    columns = (repeat(t, n), repeat(m.timeline.label(t), n), [names[i] for i in idx.tolist()],
               repeat(theme.value, n), repeat(action.name.lower(), n), *p.columns(idx), seen[idx].tolist(),
               repeat(sharing_key(m, theme, key), n), repeat(rule, n))  # DECISION_COLUMNS' order
    return [dict(zip(DECISION_COLUMNS, row, strict=True)) for row in zip(*columns, strict=True)]


def exchange(m: CityRegionModel, rng: np.random.Generator) -> Outcome:
    """Phase 1: the partners and external networks exchange good practice; participants learn."""
    cp, knowledge = m.cfg.params.cooperation, m.coop.knowledge
    joins = rng.random(m.geo.n) < cp.exchange_participation * m.councils.capacity * m.partner.facilitation
    joins[m.geo.core] = True
    return Outcome(knowledge={theme: co.learn(knowledge[theme], joins, cp.learning_rate,
                                              m.const.case_relevance[theme]) for theme in Theme})


def form_pilots(m: CityRegionModel, t: int, rng: np.random.Generator) -> Outcome:
    """Phase 2: pilot coalitions form among willing neighbours of a lead municipality, with project funds."""
    sc = m.cfg.scenario
    scale = noise(m)
    agreements = {theme: list(current) for theme, current in m.coop.agreements.items()}
    decisions, formed = [], 0
    for theme in m.const.pilot_themes:
        taken = np.zeros(m.geo.n, dtype=bool)
        for k in range(sc.pilots_per_theme):
            if taken.all():  # every municipality is in a pilot of this theme: no lead is left for another
                break
            lead = m.geo.core if k == 0 else int(np.argmax(np.where(taken, -1.0, m.people.population)))
            group = np.zeros(m.geo.n, dtype=bool)
            group[lead] = True
            key = 0.0 if theme == Theme.LAND else None  # a pilot pools no business tax
            p = payoff(m, theme, group, Status.PILOT, funded=sc.cofinancing_rate, key=key)
            seen = perceived_net(m, theme, p)
            willing = co.choose(seen, scale, rng) & ~taken & ~group
            car_min = m.geo.pairs.row(lead, m.geo.pairs.car_min, np.inf)  # out of reach: last
            order = [int(j) for j in np.argsort(car_min, kind="stable") if willing[j]]
            group[order[: max(m.facts.pilot_size - 1, 0)]] = True
            taken |= group
            agreements[theme].append(Agreement(theme, group, Status.PILOT, t, key=key))
            formed += 1
            decisions += decision_rows(m, t, theme, Action.JOIN_PILOT, group, p, seen)
    return Outcome(agreements=agreements, decisions=tuple(decisions), pilots_formed=formed)


def pilot_learning(m: CityRegionModel) -> Outcome:
    """Phase 2: working in a pilot reveals the real benefits to its members."""
    knowledge = dict(m.coop.knowledge)
    for theme, agreements in m.coop.agreements.items():
        for a in agreements:
            if a.status == Status.PILOT and a.active:
                knowledge[theme] = co.learn(knowledge[theme], a.members, 0.5, 1.0)
    return Outcome(knowledge=knowledge)


def join_or_leave(m: CityRegionModel, t: int, rng: np.random.Generator) -> Outcome:
    """After the project: members leave after sustained losses; others join by imitating successful neighbours.

    Councils judge by each agreement's realised payoff of the last quarter (every agreement is settled in the
    quarter it forms). Members lose trust in those who left them (Outcome.betrayals, applied by the quarter).
    """
    cp, n = m.cfg.params.cooperation, m.geo.n
    scale = None  # each council's logit scale, found when a council first weighs joining
    students = bool(m.students.mayors)
    adj, degree = m.councils.adjacency, m.councils.degree
    agreements, decisions, choices, betrayals = {}, [], [], []
    for theme, current in m.coop.agreements.items():
        after = []
        for a in current:
            if not a.active:
                after.append(a)
                continue
            binding = a.status in co.BINDING
            p = a.last_payoff if a.last_payoff is not None else agreement_payoff(m, a)
            members, streak = a.members, a.loss_streak
            leavers = members & (streak >= cp.exit_patience)
            if students:
                stayers = leavers
                leavers = mayors.leavers(m, theme, members, leavers, choices)
                streak = np.where(stayers & ~leavers, 0, streak)  # a mayor who stays despite losses is asked again
            if np.count_nonzero(leavers):
                decisions += decision_rows(m, t, theme, Action.LEAVE, leavers, p, p.net, a.key)
                members = members & ~leavers
                streak = np.where(leavers, 0, streak)
                betrayals.append((leavers, members))
            if binding:
                successful = members & (p.net > 0)
                share = csr_row_sums(adj.indptr, successful[adj.indices] * adj.data) / degree  # neighbours succeeding
                look = ~members & (rng.random(n) < cp.imitation_rate * share)
                looking = np.count_nonzero(look)
                if looking or students:
                    scale = noise(m) if scale is None else scale
                    seen = perceived_net(m, theme, p)
                    joiners = look & co.choose(seen, scale, rng) if looking else look
                    if students:
                        joiners = mayors.joiners(m, theme, members, joiners, choices)
                    if np.count_nonzero(joiners):
                        decisions += decision_rows(m, t, theme, Action.JOIN, joiners, p, seen, a.key)
                        members = members | joiners
            changed = members is not a.members or streak is not a.loss_streak
            after.append(replace(a, members=members, loss_streak=streak) if changed else a)
        agreements[theme] = after
    return Outcome(agreements=agreements, decisions=tuple(decisions), choices=tuple(choices),
                   betrayals=tuple(betrayals))


def settle(m: CityRegionModel, t: int) -> Settlement:
    """End of quarter: agreements' realised payoffs, their costs, trust, loss streaks, fading and renewal.

    A declaration (informal cooperation) fades each quarter; at the councils' yearly session (each first
    quarter) it is renewed if most of its members gain from it: informal cooperation lasts while it pays its
    members, as Leipzig's and Halle's declaration on commercial land was renewed in 2014 and 2015."""
    cp, sc = m.cfg.params.cooperation, m.cfg.scenario
    session = m.timeline.quarter(t)[1] == 1
    tc = np.zeros(m.geo.n)
    contrib = np.zeros(m.geo.n)
    funds = m.partner.project_funds_eur
    last_payoff = dict(m.coop.last_payoff)
    successes = []  # members of each agreement that succeeded: they gain trust in each other
    agreements = {}
    for theme, current in m.coop.agreements.items():
        after = []
        for a in current:
            if not a.active:
                after.append(a)
                continue
            p = agreement_payoff(m, a)
            members, net = a.members, p.net
            paying = p.transaction, p.contribution if a.side_payments is None else p.contribution - p.side_payment
            if a.status == Status.PILOT:  # the project co-finances pilot costs while its funds last
                due = float(np.where(members, p.transaction + p.contribution, 0.0).sum()) / 4
                paid = co.cofinanced(sc.cofinancing_rate * due, funds)
                funds -= paid
                own = 1.0 - paid / max(due, 1e-9)
                paying = tuple(x * own for x in paying)
            for total, x in zip((tc, contrib), paying, strict=True):  # what members pay, added in place
                np.add(total, x, out=total, where=members)
            successful = members & (net > 0)
            n_successful, n_members = np.count_nonzero(successful), np.count_nonzero(members)
            if n_successful >= 2:
                successes.append(successful)
            last_payoff[theme] = p
            strength = a.strength
            if a.status == Status.INFORMAL:
                renewed = session and 2 * n_successful > n_members
                strength = 1.0 if renewed else a.strength * (1.0 - cp.fade_rate)
            status = Status.DISSOLVED if n_members < 2 or strength < 0.5 else a.status
            after.append(Agreement(theme, members, status, a.formed_step, strength=strength, key=a.key,
                                   side_payments=a.side_payments, last_payoff=p,
                                   loss_streak=np.where(members & (net < 0), a.loss_streak + 1, 0)))
        agreements[theme] = after
    trust = co.update_trust(m.coop.trust, m.geo.pairs, successes, sc.trust_learning_rate, cp.trust_decay,
                            cp.trust_initial)
    return Settlement(agreements=agreements, last_payoff=last_payoff, tc_paid=tc, contributions=contrib, trust=trust,
                      project_funds_eur=funds)
