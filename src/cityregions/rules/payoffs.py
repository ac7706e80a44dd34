"""What an agreement is worth to each municipality (EUR/yr), from the model's own arithmetic.

For every municipality at once: the payoff of belonging to the group M with it (M plus i) against staying
out (M without i), split into what it does to the council's budget and to its residents. Land compact: pooled
business tax and less tax competition (the outside still competes), less the extra cost of brownfield-first,
plus the reserve land it need not service; against it, the firms the members' greenfield cap turns away, which a
non-member attracts. Transport association: the commuters' time and money saved (logsum change) and car trips
taken off its roads, residents' gains, against its share of the cost, a budget outlay: the added regional service
costs so much per member resident who commutes to another municipality, and one tariff waives the second fare its
riders paid across a tariff boundary (the revenue a union makes good to its operators); shared by population and
by use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cityregions.rules import fiscal, transport
from cityregions.rules.cooperation import with_each
from cityregions.rules.gravity import Factors
from cityregions.world.catchment import Catchment


@dataclass(frozen=True)
class Stakes:
    """What belonging to an agreement does to each municipality, EUR/yr (computed at a column of keys, a stake a
    key changes has one row per key)."""

    budget: np.ndarray  # to the council's budget
    welfare: np.ndarray  # to its residents, unweighted
    free_riding: np.ndarray  # what staying out would bring beyond that
    autonomy: np.ndarray
    contribution: np.ndarray
    external: np.ndarray | None = None  # residents' gains from the others' membership, in or out (None: none)


@dataclass(frozen=True)
class LandInputs:
    """The quantities the land-compact payoff needs."""

    jobs: np.ndarray
    population: np.ndarray
    tax_per_job: float
    competing_discount: float
    key: float
    autonomy_weight: float
    expected_dev_ha: np.ndarray  # expected annual development per municipality (ha)
    brownfield_ha: np.ndarray
    reserve_saving_ha: np.ndarray  # reserve land a member need not hold
    greenfield_cost: float  # M EUR/ha
    brownfield_cost_member: float  # M EUR/ha after the compact's subsidy
    brownfield_first: bool
    annuity: float
    outside_competitors: float = 0.0  # the outside's residents, weighted by how strongly they compete
    outside_jobs: float = 0.0  # the outside's jobs, weighted alike: where turned-away firms may go instead
    cap_ha: np.ndarray | None = None  # greenfield each municipality may take a year as a member (None: no cap)
    jobs_per_ha: float = 0.0
    firm_tax_sensitivity: float = 0.0  # logit weight of the tax discount in firms' location choice


def land_compact(members: np.ndarray, x: LandInputs) -> Stakes:
    """What belonging to the land compact does to each municipality's budget, and what staying out is worth."""
    return land_compact_keys(members, x, x.key)


def land_compact_keys(members: np.ndarray, x: LandInputs, keys: float | np.ndarray,
                      pop_after: np.ndarray | None = None) -> Stakes:
    """land_compact at a sharing key, or at each of a column of keys (K, 1) at once (x.key unread): then every
    stake a key changes has one row per key, and what no key changes (the group's residents and jobs with each
    municipality in, the revenue out, the reserve saved, brownfield's extra cost) is found once, as a vote's
    bargaining tries a grid of keys on one group (pop_after: with_each of the population, where the caller has
    it)."""
    pop_total = x.population.sum() + x.outside_competitors
    if pop_after is None:
        pop_after = with_each(x.population, members)
    jobs_after = with_each(x.jobs, members)
    coverage = pop_after / pop_total
    taxed = x.tax_per_job * x.jobs
    rev_out = taxed * (1.0 - x.competing_discount)
    pooled_tax = (x.population / pop_after) * x.tax_per_job * jobs_after
    saved = x.reserve_saving_ha * x.greenfield_cost * 1e6 * x.annuity
    extra = 0.0
    if x.brownfield_first:
        brown_used = np.minimum(x.brownfield_ha, x.expected_dev_ha)
        extra = brown_used * max(x.brownfield_cost_member - x.greenfield_cost, 0.0) * 1e6 * x.annuity
    zero = np.zeros(len(members))
    d_in = fiscal.member_discount(coverage, x.competing_discount, keys)
    own_in = taxed * (1.0 - d_in)
    rev_in = (1.0 - keys) * own_in + keys * pooled_tax * (1.0 - d_in)
    benefit = rev_in - rev_out + saved - extra
    autonomy = x.autonomy_weight * keys * own_in
    return Stakes(benefit, zero, _undercutting(x, d_in) + _turned_away(members, x, d_in), autonomy, zero)


def _undercutting(x: LandInputs, d_in: np.ndarray) -> np.ndarray:
    """A year's business tax from the firms a municipality draws by undercutting the pool's members from outside
    it: its expected new jobs times the odds its deeper discount adds in the firms' location logit."""
    new_jobs = x.expected_dev_ha * x.jobs_per_ha
    odds = np.expm1(x.firm_tax_sensitivity * (x.competing_discount - d_in))
    return x.tax_per_job * (1.0 - x.competing_discount) * new_jobs * odds


def _turned_away(members: np.ndarray, x: LandInputs, d_in: np.ndarray) -> np.ndarray:
    """A year's business tax that the greenfield cap costs a member (its firms go elsewhere) plus what a
    non-member gains from the others' turned-away firms, by its share of the jobs outside the compact (the
    outside's included), per municipality."""
    if x.cap_ha is None:
        return np.zeros(len(members))
    brown = np.minimum(x.brownfield_ha, x.expected_dev_ha) if x.brownfield_first else 0.0
    turned = np.maximum(x.expected_dev_ha - brown - x.cap_ha, 0.0) * x.jobs_per_ha  # jobs a year
    others = turned[members].sum() - np.where(members, turned, 0.0)  # turned away by the rest of the group
    outside = x.jobs[~members].sum() + np.where(members, x.jobs, 0.0) + x.outside_jobs
    gained_out = x.tax_per_job * (1.0 - x.competing_discount) * others * x.jobs / np.maximum(outside, 1.0)
    lost_in = x.tax_per_job * (1.0 - d_in) * turned
    return gained_out + lost_in


@dataclass(frozen=True)
class TransportInputs:
    """The quantities the transport-association payoff needs."""

    pairs: Catchment
    flows: np.ndarray | None  # commuters per pair within reach (None when the factors and tables are given)
    modes: transport.ModeTables
    population: np.ndarray
    pt_trips: np.ndarray  # annual PT trips by origin to other municipalities (the association's network)
    integration: bool
    service: float
    commuters_across: np.ndarray  # residents commuting to another municipality: whom the added service serves
    cost_per_commuter: float
    key: float
    autonomy_weight: float
    congestion_eur: float
    trips_per_worker: float  # annual commuting trips per worker (two a workday)
    factors: Factors | None = None  # the flows' factors, with
    weighted: transport.WeightedTables | None = None  # the weighted tables: sums as products, flows unread


def transport_association(members: np.ndarray, x: TransportInputs) -> Stakes:
    """What belonging to the transport association does to each municipality: its residents gain (commuters'
    time and money, congestion relief); its budget pays its share of the cost. The car trips into it that the
    others' co-financed service avoids are external: it has them whether it belongs or not."""
    return transport_association_keys(members, x, x.key)


def transport_association_keys(members: np.ndarray, x: TransportInputs, keys: float | np.ndarray,
                               pop_after: np.ndarray | None = None) -> Stakes:
    """transport_association at a cost-sharing key, or at each of a column of keys (K, 1) at once (x.key unread):
    then the contribution and autonomy have one row per key, and the commuters' gains, the cost and the shares
    by population and by use, which no key changes, are found once (pop_after: with_each of the population,
    where the caller has it)."""
    factored = x.factors is not None and x.weighted is not None
    if factored:  # the factors of the flows from and to the members
        f = x.factors
        ends = np.where(members, f.origin, 0.0), np.where(members, f.dest, 0.0)
        consumer, relief, external = _commuters_gain_factored(members, x, f, x.weighted, ends)
    else:
        consumer, relief, external = _commuters_gain(members, x)
    if pop_after is None:
        pop_after = with_each(x.population, members)
    use_after = with_each(x.pt_trips, members)
    served_after = with_each(x.commuters_across, members)
    total = x.cost_per_commuter * x.service * served_after
    if x.integration:
        total = total + _fares_lost(members, x, ends if factored else None)
    # the use part by PT trips; where the group has none at all, by residents like the key's other part
    by_pop = x.population / pop_after
    use = np.where(use_after > 0, x.pt_trips / np.maximum(use_after, 1e-9), by_pop)
    welfare = consumer + relief
    zero = np.zeros(len(members))
    contribution = total * (keys * by_pop + (1 - keys) * use)
    return Stakes(zero, welfare, zero, x.autonomy_weight * contribution, contribution, external)


def _fares_lost(members: np.ndarray, x: TransportInputs,
                ends: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The fare revenue one tariff among the members with each municipality waives, EUR/yr: the second fare
    that the PT trips between two members across a tariff boundary paid before (trips it draws to PT paid none).
    ends: the factors' origin and destination parts, zero outside the members, where the caller has them."""
    if x.factors is not None and x.weighted is not None:
        f, table = x.factors, x.weighted.fare_lost
        origin_in, dest_in = ends if ends is not None else (np.where(members, f.origin, 0.0),
                                                            np.where(members, f.dest, 0.0))
        out = f.origin * (table @ dest_in)  # from each municipality to the members
        into = f.dest * (origin_in @ table)  # from the members to each municipality
    else:
        w = members.astype(float)
        out = x.pairs.row_dot(x.flows, x.modes.fare_lost, w)
        into = x.pairs.col_dot(x.flows, x.modes.fare_lost, w)
    among = float(out[members].sum())  # within the group as it is (a municipality's own trips waive nothing)
    return (among + np.where(members, 0.0, out + into)) * x.trips_per_worker


def _commuters_gain(members: np.ndarray, x: TransportInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(consumer gain, congestion relief, external relief) of joining, EUR/yr, from the flows of every pair."""
    pairs, modes = x.pairs, x.modes
    # rows: the commuters living in i, with i in (better service, one tariff to members) against out
    consumer = pairs.row_dot(x.flows, modes.gain)
    if x.integration:
        consumer += pairs.row_dot(x.flows, modes.gain_tariff, members.astype(float))
    consumer *= x.trips_per_worker
    car_trip = x.trips_per_worker * x.congestion_eur
    # columns: car trips into i avoided when the trips from member origins come under one tariff with i
    if x.integration:
        relief = pairs.col_dot(x.flows, modes.shift_tariff, members.astype(float))
        relief *= car_trip
    else:
        relief = np.zeros(pairs.n)
    # and those the members' better service avoids (a municipality's own trips have no shift)
    external = pairs.col_dot(x.flows, modes.shift_service, members.astype(float))
    external *= car_trip
    return consumer, relief, external


def _commuters_gain_factored(members: np.ndarray, x: TransportInputs, f: Factors, w: transport.WeightedTables,
                             ends: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    """_commuters_gain from the flows' factors and the weighted tables: each sum one product (ends: the factors'
    origin and destination parts, zero outside the members, where the caller has them)."""
    from_members, to_members = ends if ends is not None else (np.where(members, f.origin, 0.0),
                                                              np.where(members, f.dest, 0.0))
    consumer = w.gain @ f.dest
    if x.integration:
        consumer += w.gain_tariff @ to_members
    consumer *= f.origin
    consumer *= x.trips_per_worker
    car_trip = x.trips_per_worker * x.congestion_eur
    if x.integration:
        relief = from_members @ w.shift_tariff
        relief *= f.dest
        relief *= car_trip
    else:
        relief = np.zeros(x.pairs.n)
    external = from_members @ w.shift_service
    external *= f.dest
    external *= car_trip
    return consumer, relief, external
