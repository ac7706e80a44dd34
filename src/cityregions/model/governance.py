"""The cooperation procedures of the project and after: exchange, pilots, council votes, joining and leaving.

Each procedure reads the model's arrays, decides for all municipalities at once with the model's seeded
generator, and records every decision with the payoff breakdown it rested on (model.decisions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cityregions.model import mayors
from cityregions.rules import cooperation as co
from cityregions.rules import payoffs
from cityregions.rules.cooperation import Action, Agreement, Payoff, Status, Theme
from cityregions.world.catchment import csr_row_sums

if TYPE_CHECKING:
    from cityregions.model.model import CityRegionModel


def land_inputs(m: CityRegionModel) -> payoffs.LandInputs:
    """The land-compact payoff's inputs from the model's current state."""
    lp, sc = m.cfg.params.land, m.cfg.scenario
    annual = m.expected_comm_ha
    return payoffs.LandInputs(
        jobs=m.jobs, population=m.population, tax_per_job=m.cfg.params.fiscal.business_tax_eur_per_job,
        competing_discount=lp.tax_discount_competing, key=sc.revenue_sharing_key,
        autonomy_weight=m.cfg.params.cooperation.autonomy_weight_land, expected_dev_ha=annual,
        brownfield_ha=m.land.brownfield, reserve_saving_ha=lp.reserve_years * (lp.optimism - 1.0) * annual,
        greenfield_cost=lp.greenfield_cost_m_eur_per_ha,
        brownfield_cost_member=m.brownfield_cost * (1.0 - m.brownfield_subsidy_compact),
        brownfield_first=sc.brownfield_first, annuity=lp.annuity_rate)


def transport_inputs(m: CityRegionModel) -> payoffs.TransportInputs:
    """The transport-association payoff's inputs from the model's current state."""
    tp, sc = m.cfg.params.transport, m.cfg.scenario
    return payoffs.TransportInputs(
        pairs=m.geo.pairs, flows=None if m.factored else m.flows,
        modes=m.modes, population=m.population,
        pt_trips=m.commute.pt_trips_by_origin, integration=sc.tariff_integration, service=sc.service_cofinancing,
        cost_per_capita=tp.service_cost_eur_per_capita, key=sc.cost_sharing_key,
        autonomy_weight=m.cfg.params.cooperation.autonomy_weight_transport,
        congestion_eur=tp.congestion_eur_per_car_trip, trips_per_worker=2 * tp.workdays, factors=m.factors,
        weighted=m.weighted)


def payoff(m: CityRegionModel, theme: Theme, members: np.ndarray, institutional: bool,
           funded: float = 0.0) -> Payoff:
    """True annual payoff of belonging to the group on a theme, per municipality (funded: share paid by the project)."""
    cp = m.cfg.params.cooperation
    if theme == Theme.LAND:
        benefit, autonomy, contribution = payoffs.land_compact(members, land_inputs(m))
    else:
        benefit, autonomy, contribution = payoffs.transport_association(members, transport_inputs(m))
    size_after = members.sum() + (~members).astype(int)
    trust = co.group_trust(m.trust, m.geo.pairs, members, cp.trust_initial)
    info, neg, enf, agency = co.transaction_costs(
        cp, m.cfg.scenario.transaction_cost_scale, m.capacity, m.knowledge[theme], trust, size_after, m.log_pop,
        members, institutional)
    keep = 1.0 - funded
    return Payoff(benefit, info * keep, neg * keep, enf * keep, agency * keep, autonomy, contribution * keep, trust)


def perceived_net(m: CityRegionModel, theme: Theme, p: Payoff) -> np.ndarray:
    """Net payoff as councils see it: benefits misjudged until knowledge corrects them."""
    return p.net - p.benefit + co.perceived(p.benefit, m.bias[theme], m.knowledge[theme])


def _log(m: CityRegionModel, t: int, theme: Theme, action: Action, who: np.ndarray, p: Payoff,
         seen: np.ndarray) -> None:
    idx = np.flatnonzero(who)
    head = {"step": t, "quarter": m.timeline.label(t), "theme": theme.value, "action": action.name.lower()}
    for i, row, perceived in zip(idx, p.rows(idx), seen[idx].tolist(), strict=True):
        m.decisions.append({"step": t, "quarter": head["quarter"], "municipality": m.geo.names[i],
                            "theme": head["theme"], "action": head["action"], **row, "perceived_net": perceived})


def exchange(m: CityRegionModel) -> None:
    """Phase 1: the partners and external networks exchange good practice; participants learn."""
    cp = m.cfg.params.cooperation
    joins = m.rng.random(m.geo.n) < cp.exchange_participation * m.capacity * m.partner.facilitation
    joins[m.geo.core] = True
    for theme in Theme:
        m.knowledge[theme] = co.learn(m.knowledge[theme], joins, cp.learning_rate, m.case_relevance[theme])


def form_pilots(m: CityRegionModel, t: int) -> None:
    """Phase 2: pilot coalitions form among willing neighbours of a lead municipality, with project funds."""
    cp, sc = m.cfg.params.cooperation, m.cfg.scenario
    noise = cp.decision_noise_keur * 1000.0
    for theme in m.pilot_themes:
        taken = np.zeros(m.geo.n, dtype=bool)
        for k in range(sc.pilots_per_theme):
            if taken.all():  # every municipality is in a pilot of this theme: no lead is left for another
                break
            lead = m.geo.core if k == 0 else int(np.argmax(np.where(taken, -1.0, m.population)))
            group = np.zeros(m.geo.n, dtype=bool)
            group[lead] = True
            p = payoff(m, theme, group, institutional=False, funded=sc.cofinancing_rate)
            seen = perceived_net(m, theme, p)
            willing = co.choose(seen, noise, m.rng) & ~taken & ~group
            car_min = m.geo.pairs.row(lead, m.geo.pairs.car_min, np.inf)  # out of reach: last
            order = [int(j) for j in np.argsort(car_min, kind="stable") if willing[j]]
            group[order[: max(m.facts.pilot_size - 1, 0)]] = True
            taken |= group
            m.agreements[theme].append(Agreement(theme, group, Status.PILOT, t))
            m.pilots_formed += 1
            _log(m, t, theme, Action.JOIN_PILOT, group, p, seen)


def pilot_learning(m: CityRegionModel) -> None:
    """Phase 2: working in a pilot reveals the real benefits to its members."""
    for theme, agreements in m.agreements.items():
        for a in agreements:
            if a.status == Status.PILOT and a.active:
                m.knowledge[theme] = co.learn(m.knowledge[theme], a.members, 0.5, 1.0)


def council_vote(m: CityRegionModel, t: int) -> None:
    """Phase 3: every council votes; ratified by the core and a quorum of the suburban population, it lasts."""
    sc, cp = m.cfg.scenario, m.cfg.params.cooperation
    core = m.geo.core
    suburbs = ~m.geo.is_core
    for theme in m.vote_themes:
        pilots = [a for a in m.agreements[theme] if a.status == Status.PILOT and a.active]
        base = np.zeros(m.geo.n, dtype=bool)
        base[core] = True
        for a in pilots:
            base |= a.members
        p = payoff(m, theme, base, institutional=True)
        seen = perceived_net(m, theme, p)
        yes = co.choose(seen, cp.decision_noise_keur * 1000.0, m.rng)
        if m.mayors:
            yes = mayors.vote(m, theme, yes)
        _log(m, t, theme, Action.VOTE_YES, yes, p, seen)
        _log(m, t, theme, Action.VOTE_NO, ~yes, p, seen)
        share = m.population[yes & suburbs].sum() / max(m.population[suburbs].sum(), 1.0)
        ratified = bool(yes[core]) and share >= sc.quorum
        for a in pilots:
            a.status = Status.DISSOLVED if ratified else Status.INFORMAL
        if ratified:
            m.agreements[theme].append(Agreement(theme, yes.copy(), Status.INSTITUTIONALISED, t))
    for agreements in m.agreements.values():  # pilots on themes not put to a vote carry on informally
        for a in agreements:
            if a.status == Status.PILOT:
                a.status = Status.INFORMAL


def join_or_leave(m: CityRegionModel, t: int) -> None:
    """After the project: members leave after sustained losses; others join by imitating successful neighbours."""
    cp = m.cfg.params.cooperation
    noise = cp.decision_noise_keur * 1000.0
    for theme, agreements in m.agreements.items():
        for a in agreements:
            if not a.active:
                continue
            institutional = a.status == Status.INSTITUTIONALISED
            p = a.last_payoff if a.last_payoff is not None else payoff(m, theme, a.members, institutional)
            leavers = a.members & (a.loss_streak >= cp.exit_patience)
            if m.mayors:
                stayers = leavers.copy()
                leavers = mayors.leavers(m, theme, a.members, leavers)
                a.loss_streak[stayers & ~leavers] = 0  # a mayor who stays despite losses is asked again later
            if leavers.any():
                _log(m, t, theme, Action.LEAVE, leavers, p, p.net)
                a.members = a.members & ~leavers
                a.loss_streak[leavers] = 0
                m.trust = co.betrayal(m.trust, m.geo.pairs, leavers, a.members, cp.betrayal_penalty, out=m.trust)
            if not institutional:
                continue
            successful = a.members & (p.net > 0)
            adj = m.adjacency  # its row sums over the successful members: the share of neighbours that succeed
            share = csr_row_sums(adj.indptr, successful[adj.indices] * adj.data) / m.degree
            look = ~a.members & (m.rng.random(m.geo.n) < cp.imitation_rate * share)
            if look.any() or m.mayors:
                seen = perceived_net(m, theme, p)
                joiners = look & co.choose(seen, noise, m.rng) if look.any() else look
                if m.mayors:
                    joiners = mayors.joiners(m, theme, a.members, joiners)
                if joiners.any():
                    _log(m, t, theme, Action.JOIN, joiners, p, seen)
                    a.members = a.members | joiners


def settle(m: CityRegionModel, t: int) -> None:
    """End of quarter: agreements' realised payoffs, their costs, trust, loss streaks and fading."""
    cp, sc = m.cfg.params.cooperation, m.cfg.scenario
    tc = np.zeros(m.geo.n)
    contrib = np.zeros(m.geo.n)
    successes = []  # members of each agreement that succeeded: they gain trust in each other
    for theme, agreements in m.agreements.items():
        for a in agreements:
            if not a.active:
                continue
            p = payoff(m, theme, a.members, a.status == Status.INSTITUTIONALISED)
            own = 1.0
            if a.status == Status.PILOT:  # the project co-finances pilot costs while its funds last
                due = float(np.where(a.members, p.transaction + p.contribution, 0.0).sum()) / 4
                paid = m.partner.fund(sc.cofinancing_rate * due)
                own = 1.0 - paid / max(due, 1e-9)
            tc += np.where(a.members, p.transaction, 0.0) * own
            contrib += np.where(a.members, p.contribution, 0.0) * own
            successful = a.members & (p.net > 0)
            if successful.sum() >= 2:
                successes.append(successful)
            a.loss_streak = np.where(a.members & (p.net < 0), a.loss_streak + 1, 0)
            m.last_payoff[theme] = a.last_payoff = p
            if a.status == Status.INFORMAL:
                a.strength *= 1.0 - cp.fade_rate
            if a.members.sum() < 2 or a.strength < 0.5:
                a.status = Status.DISSOLVED
    m.tc_paid, m.contributions = tc, contrib
    m.trust = co.update_trust(m.trust, m.geo.pairs, successes, sc.trust_learning_rate, cp.trust_decay,
                              cp.trust_initial)


def _staged(amount: float, pools: list[np.ndarray], fallback: np.ndarray) -> np.ndarray:
    """Spread an amount over municipalities, filling each pool in turn in proportion to what it holds.

    What no pool can hold is spread by the fallback weights (it will be met by denser use of existing land).
    """
    out = np.zeros(len(fallback))
    for pool in pools:
        cap = float(pool.sum())
        if amount <= 0 or cap <= 0:
            continue
        take = min(amount, cap)
        out += take * pool / cap
        amount -= take
    if amount > 0 and fallback.sum() > 0:
        out += amount * fallback / fallback.sum()
    return out


def distribute_pool(m: CityRegionModel, hectares: float, compact: np.ndarray) -> np.ndarray:
    """The compact places its firms on members' sites: vacant first, then brownfield, then greenfield."""
    z = np.where(compact, 1.0, 0.0)
    return _staged(hectares, [m.land.commercial_vacant * z, m.land.brownfield * z, m.land.greenfield * z],
                   m.population * z)


def distribute_reserve(m: CityRegionModel, hectares: float, compact: np.ndarray) -> np.ndarray:
    """The compact zones its joint reserve on members' land: brownfield first, then greenfield."""
    z = np.where(compact, 1.0, 0.0)
    return _staged(hectares, [m.land.brownfield * z, m.land.greenfield * z], m.population * z)
