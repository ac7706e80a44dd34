"""What an agreement is worth to each municipality (EUR/yr), from the model's own arithmetic.

For every municipality at once: the payoff of belonging to the group M with it (M plus i) against staying
out (M without i). Land compact: pooled business tax and the end of tax competition, less the extra cost of
brownfield-first, plus the reserve land it need not service. Transport association: the commuters' time and
money saved (logsum change) and car trips taken off its roads, against its share of the cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cityregions.rules import transport
from cityregions.rules.gravity import Factors
from cityregions.world.catchment import Catchment


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


def land_compact(members: np.ndarray, x: LandInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(benefit, autonomy cost, contribution) of belonging to the land compact, per municipality."""
    pop_total = x.population.sum()
    joiners = ~members
    pop_after = x.population[members].sum() + np.where(joiners, x.population, 0.0)
    jobs_after = x.jobs[members].sum() + np.where(joiners, x.jobs, 0.0)
    d_in = x.competing_discount * (1.0 - pop_after / pop_total)
    rev_out = x.tax_per_job * x.jobs * (1.0 - x.competing_discount)
    own_in = x.tax_per_job * x.jobs * (1.0 - d_in)
    rev_in = (1.0 - x.key) * own_in + x.key * (x.population / pop_after) * x.tax_per_job * jobs_after * (1.0 - d_in)
    saved = x.reserve_saving_ha * x.greenfield_cost * 1e6 * x.annuity
    extra = 0.0
    if x.brownfield_first:
        brown_used = np.minimum(x.brownfield_ha, x.expected_dev_ha)
        extra = brown_used * max(x.brownfield_cost_member - x.greenfield_cost, 0.0) * 1e6 * x.annuity
    benefit = rev_in - rev_out + saved - extra
    autonomy = x.autonomy_weight * x.key * own_in
    return benefit, autonomy, np.zeros_like(benefit)


@dataclass(frozen=True)
class TransportInputs:
    """The quantities the transport-association payoff needs."""

    pairs: Catchment
    flows: np.ndarray | None  # commuters per pair within reach (None when the factors and tables are given)
    modes: transport.ModeTables
    population: np.ndarray
    pt_trips: np.ndarray  # annual PT trips by origin
    integration: bool
    service: float
    cost_per_capita: float
    key: float
    autonomy_weight: float
    congestion_eur: float
    trips_per_worker: float  # annual commuting trips per worker (two a workday)
    factors: Factors | None = None  # the flows' factors, with
    weighted: transport.WeightedTables | None = None  # the weighted tables: sums as products, flows unread


def transport_association(members: np.ndarray, x: TransportInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(benefit, autonomy cost, contribution) of belonging to the transport association, per municipality."""
    if x.factors is not None and x.weighted is not None:
        consumer, relief = _commuters_gain_factored(members, x, x.factors, x.weighted)
    else:
        consumer, relief = _commuters_gain(members, x)
    benefit = consumer + relief
    pop_after = x.population[members].sum() + np.where(~members, x.population, 0.0)
    use_after = x.pt_trips[members].sum() + np.where(~members, x.pt_trips, 0.0)
    total = x.cost_per_capita * x.service * pop_after
    share = x.key * x.population / pop_after + (1 - x.key) * x.pt_trips / np.maximum(use_after, 1e-9)
    contribution = total * share
    return benefit, x.autonomy_weight * contribution, contribution


def _commuters_gain(members: np.ndarray, x: TransportInputs) -> tuple[np.ndarray, np.ndarray]:
    """(consumer gain, congestion relief) of joining, EUR/yr, from the flows of every pair."""
    pairs, modes = x.pairs, x.modes
    # rows: the commuters living in i, with i in (better service, one tariff to members) against out
    consumer = pairs.row_dot(x.flows, modes.gain)
    if x.integration:
        consumer += pairs.row_dot(x.flows, modes.gain_tariff, members.astype(float))
    consumer *= x.trips_per_worker
    # columns: car trips into i avoided when the trips from member origins come under one tariff with i
    if x.integration:
        relief = pairs.col_dot(x.flows, modes.shift_tariff, members.astype(float))
        relief *= x.trips_per_worker * x.congestion_eur
    else:
        relief = np.zeros(pairs.n)
    return consumer, relief


def _commuters_gain_factored(members: np.ndarray, x: TransportInputs, f: Factors,
                             w: transport.WeightedTables) -> tuple[np.ndarray, np.ndarray]:
    """_commuters_gain from the flows' factors and the weighted tables: each sum one product."""
    consumer = w.gain @ f.dest
    if x.integration:
        consumer += w.gain_tariff @ np.where(members, f.dest, 0.0)
    consumer *= f.origin
    consumer *= x.trips_per_worker
    if x.integration:
        relief = np.where(members, f.origin, 0.0) @ w.shift_tariff
        relief *= f.dest
        relief *= x.trips_per_worker * x.congestion_eur
    else:
        relief = np.zeros(x.pairs.n)
    return consumer, relief
