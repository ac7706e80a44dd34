"""Commuting, mode choice, CO2 and the transport association, as pure functions over N x N arrays.

Commuting flows follow a doubly constrained gravity model (Wilson 1967): residents' workers and jobs are both
matched exactly, with travel deterrence exp(-beta * car minutes). Each flow splits between car and public
transport by a binary logit on generalised cost (Ben-Akiva & Lerman 1985). A transport association
integrates tariffs among its members (no boundary penalty) and co-finances service at member stations
(shorter headways, so shorter waits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from cityregions.config import TransportParams


def gravity_flows(workers: np.ndarray, jobs: np.ndarray, deterrence: np.ndarray, b: np.ndarray | None = None,
                  tol: float = 1e-9, max_iter: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Doubly constrained flows F[i, j] with row sums = workers and column sums = jobs (Furness balancing).

    Returns the flows and the column balancing factors, which warm-start the next call.
    """
    jobs = jobs * (workers.sum() / jobs.sum())  # a closed region: as many jobs as working residents
    b = np.ones_like(jobs) if b is None else b.copy()
    for _ in range(max_iter):
        a = 1.0 / np.maximum(deterrence @ (b * jobs), 1e-300)
        b_new = 1.0 / np.maximum(deterrence.T @ (a * workers), 1e-300)
        done = np.max(np.abs(b_new - b) / np.maximum(b, 1e-300)) < tol
        b = b_new
        if done:
            break
    flows = (a * workers)[:, None] * deterrence * (b * jobs)[None, :]
    return flows, b


@dataclass(frozen=True)
class ModeCosts:
    """Generalised costs in EUR per trip, car and public transport, for every origin-destination pair."""

    car: np.ndarray
    pt: np.ndarray


def car_cost(car_min: np.ndarray, road_km: np.ndarray, tp: TransportParams) -> np.ndarray:
    """Generalised car cost per trip: time plus operating cost."""
    return tp.value_of_time_eur_h * car_min / 60 + tp.car_cost_eur_km * road_km


def pt_cost(pt_min: np.ndarray, headway_min: np.ndarray, integrated: np.ndarray, tp: TransportParams) -> np.ndarray:
    """Generalised public-transport cost per trip: in-vehicle time, half the headway as wait, fare, tariff penalty.

    integrated[i, j] is True where one tariff covers the trip (same municipality, or both ends in the association).
    """
    wait = headway_min[:, None] / 2
    penalty = np.where(integrated, 0.0, tp.tariff_penalty_eur)
    return tp.value_of_time_eur_h * (pt_min + wait) / 60 + tp.pt_fare_eur + penalty


def pt_probability(car: np.ndarray, pt: np.ndarray, scale: float, asc: float) -> np.ndarray:
    """Binary logit probability of public transport (asc: its alternative-specific constant, in EUR)."""
    return expit(scale * (car + asc - pt))


def logsum(car: np.ndarray, pt: np.ndarray, scale: float, asc: float) -> np.ndarray:
    """Expected maximum utility of the two modes, in EUR (negative of the composite cost)."""
    return np.logaddexp(-scale * car, -scale * (pt - asc)) / scale


def calibrate_asc(flows: np.ndarray, car: np.ndarray, pt: np.ndarray, scale: float, target: float) -> float:
    """The public-transport constant (EUR) that makes the flow-weighted PT share equal the observed target."""
    total = flows.sum()

    def gap(asc: float) -> float:
        return float((flows * pt_probability(car, pt, scale, asc)).sum() / total - target)

    lo, hi = -50.0, 50.0
    if gap(lo) > 0 or gap(hi) < 0:
        return lo if gap(lo) > 0 else hi
    return float(brentq(gap, lo, hi, xtol=1e-9))


@dataclass(frozen=True)
class CommuteResult:
    """What the region's commuting amounts to in one quarter."""

    pt_share: float
    car_pkm_year: float
    pt_pkm_year: float
    co2_t_year: float
    pt_trips_by_origin: np.ndarray  # annual PT trips of each municipality's residents


def commute_outcome(flows: np.ndarray, p_pt: np.ndarray, road_km: np.ndarray, tp: TransportParams,
                    co2_car: float, co2_pt: float) -> CommuteResult:
    """Mode shares, passenger-km and CO2 (tonnes per year) of the commuting flows (two trips a workday)."""
    trips = flows * 2 * tp.workdays
    pt_trips = trips * p_pt
    car_pkm = float(((trips - pt_trips) * road_km).sum())
    pt_pkm = float((pt_trips * road_km).sum())
    return CommuteResult(pt_share=float(pt_trips.sum() / trips.sum()), car_pkm_year=car_pkm, pt_pkm_year=pt_pkm,
                         co2_t_year=(car_pkm * co2_car + pt_pkm * co2_pt) / 1000.0,
                         pt_trips_by_origin=pt_trips.sum(axis=1))


def member_headways(base: np.ndarray, members: np.ndarray, service: float) -> np.ndarray:
    """Headways with the association's co-financed service: member stations get (1 + service) times the trains."""
    return np.where(members, base / (1.0 + service), base)


def integration_matrix(members: np.ndarray, enabled: bool) -> np.ndarray:
    """integrated[i, j]: one tariff covers the trip (intra-municipal, or both ends members of an integrating body)."""
    n = len(members)
    both = np.outer(members, members) if enabled else np.zeros((n, n), dtype=bool)
    return both | np.eye(n, dtype=bool)


def association_cost_shares(members: np.ndarray, population: np.ndarray, pt_trips: np.ndarray,
                            total_cost: float, key: float) -> np.ndarray:
    """Each member's contribution (EUR/yr): key by population, the rest by its residents' PT trips."""
    if not members.any() or total_cost <= 0:
        return np.zeros_like(population)
    pop = np.where(members, population, 0.0)
    use = np.where(members, pt_trips, 0.0)
    use_share = use / use.sum() if use.sum() > 0 else pop / pop.sum()
    return total_cost * (key * pop / pop.sum() + (1 - key) * use_share)
