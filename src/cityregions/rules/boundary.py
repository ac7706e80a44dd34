"""An open region's boundary: the surrounding municipalities as one external zone of the gravity model.

The outside's municipalities k (residents w_k) are aggregated into one zone whose deterrence from a modelled
municipality i is the resident-weighted mean of theirs, d_i = sum_k w_k exp(-beta t_ik) / sum_k w_k, and whose
own (intrazonal) deterrence is the same mean over the outside's pairs. Then the attraction of the outside's jobs
from i, J_ext d_i, equals the sum over its municipalities when their jobs are proportional to their residents:
the aggregation is exact for the zone's pull and push, and approximate only for how the outside's own flows are
arranged, which the model does not report. The zone's workers are the
outside's employed residents; its jobs balance the region: J_ext = W_ext + workers - jobs, the outside's own
jobs plus the region's net out-commuting (assumption: the outside's jobs equal its employed residents; the
outside does not grow). The doubly constrained model (rules.gravity) then decides how many of the region's
workers leave it and how many of its jobs are taken by workers from outside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from cityregions.rules import furness, gravity
from cityregions.rules.gravity import Factors, Shortfall

CHUNK = 256  # rows of the outside's pairs evaluated at once


@dataclass(frozen=True)
class ExternalZone:
    """The outside as one zone: its deterrence from each municipality, its own, and its employed residents."""

    deterrence: np.ndarray  # d_i, one per modelled municipality
    own: float  # the outside's deterrence to itself
    workers: float  # the outside's employed residents


def travel_min(distance_km: np.ndarray, circuity: float, speed_kmh: float, intrazonal_min: float) -> np.ndarray:
    """Car minutes over straight-line distances, as the model's road edges have them (at least intrazonal)."""
    return np.maximum(60.0 * distance_km * circuity / speed_kmh, intrazonal_min)


def _deterrence(x: np.ndarray, y: np.ndarray, ox: np.ndarray, oy: np.ndarray, beta: float, circuity: float,
                speed_kmh: float, intrazonal_min: float) -> np.ndarray:
    """exp(-beta travel_min) from each (x, y) to each (ox, oy): one matrix, each step in place (travel_min's
    minutes), with distances as the square root of the summed squares (np.hypot, the same to the last bits, takes
    several times as long)."""
    d = x[:, None] - ox[None, :]
    d *= d
    dy = y[:, None] - oy[None, :]
    dy *= dy
    d += dy
    np.sqrt(d, out=d)
    d *= 60.0 * circuity / speed_kmh
    np.maximum(d, intrazonal_min, out=d)
    d *= -beta
    return np.exp(d, out=d)


def external_zone(x: np.ndarray, y: np.ndarray, ox: np.ndarray, oy: np.ndarray, residents: np.ndarray,
                  employment_rate: float, beta: float, circuity: float, speed_kmh: float,
                  intrazonal_min: float) -> ExternalZone:
    """The outside (positions ox, oy and residents) as one zone seen from the municipalities at x, y.

    The outside's own deterrence, w D w over its pairs, reads one triangle of the symmetric D: each block of rows
    against itself and the columns after it, those counted twice (half the pairs of the full square)."""
    w = residents / residents.sum()
    travel = (beta, circuity, speed_kmh, intrazonal_min)
    to_outside = _deterrence(x, y, ox, oy, *travel) @ w
    own = 0.0
    for lo in range(0, len(ox), CHUNK):  # the outside's pairs a block of rows at a time: memory stays bounded
        hi = lo + CHUNK
        block = _deterrence(ox[lo:hi], oy[lo:hi], ox[lo:], oy[lo:], *travel)
        size = block.shape[0]
        own += float(w[lo:hi] @ (block[:, :size] @ w[lo:hi] + 2.0 * (block[:, size:] @ w[hi:])))
    return ExternalZone(to_outside, own, employment_rate * float(residents.sum()))


def open_deterrence(deterrence: sparse.csr_array | np.ndarray, zone: ExternalZone) -> sparse.csr_array | np.ndarray:
    """The deterrence with the external zone as its last row and column (symmetric if deterrence is)."""
    d = zone.deterrence
    if isinstance(deterrence, np.ndarray):
        n = len(d)
        out = np.empty((n + 1, n + 1))
        out[:n, :n] = deterrence
        out[:n, n] = out[n, :n] = d
        out[n, n] = zone.own
        return out
    col = sparse.csr_array(d[:, None])
    row = sparse.csr_array(np.append(d, zone.own)[None, :])
    out = sparse.vstack([sparse.hstack([deterrence, col], format="csr"), row], format="csr")
    return sparse.csr_array(out)


OUTSIDE_OWN_JOBS = 0.5  # the least share of the outside's employed residents working outside (assumption)


def open_margins(workers: np.ndarray, jobs: np.ndarray, zone: ExternalZone) -> tuple[np.ndarray, np.ndarray]:
    """Workers and jobs with the external zone's: its employed residents, and jobs that balance the whole. Where
    the region's jobs outnumber its workers by more than half the outside's, the jobs beyond are left vacant
    (the region's jobs scaled down alike) rather than the outside emptied."""
    n, total_workers, total_jobs = len(workers), workers.sum(), jobs.sum()
    most = float(total_workers) + (1.0 - OUTSIDE_OWN_JOBS) * zone.workers
    w, j = np.empty(n + 1), np.empty(n + 1)  # with the zone's last
    if total_jobs > most:
        jobs = jobs * (most / float(total_jobs))
        total_jobs = jobs.sum()
    w[:n], j[:n], w[n] = workers, jobs, zone.workers
    j[n] = zone.workers + float(total_workers - total_jobs)
    return w, j


@dataclass(frozen=True)
class Crossings:
    """Commuters across the boundary, per modelled municipality."""

    out: np.ndarray  # residents who work outside the region, by home
    into: np.ndarray  # jobs held by workers from outside, by workplace


def internal_factors(f: Factors, n: int) -> Factors:
    """The factors of the flows among the modelled municipalities: F[i, j] = origin[i] D[i, j] dest[j] holds
    for the block of the open model alone."""
    return Factors(f.origin[:n], f.dest[:n], f.b[:n])


def crossings_from_factors(f: Factors, zone: ExternalZone) -> Crossings:
    """Commuters across the boundary from the open model's factors (the zone is their last entry)."""
    n = len(zone.deterrence)
    return Crossings(out=f.origin[:n] * zone.deterrence * f.dest[n], into=f.origin[n] * zone.deterrence * f.dest[:n])


def split_flows(flows: np.ndarray, open_matrix: sparse.csr_array | np.ndarray, n: int
                ) -> tuple[np.ndarray, Crossings]:
    """The open model's flows (in open_matrix's pair order) as the modelled pairs' flows (in the order of the
    closed matrix it was made from) and the crossings."""
    if isinstance(open_matrix, np.ndarray):
        full = flows.reshape(n + 1, n + 1)
        return full[:n, :n].ravel(), Crossings(out=full[:n, n].copy(), into=full[n, :n].copy())
    indptr, cols = open_matrix.indptr, open_matrix.indices
    rows = np.repeat(np.arange(n + 1), np.diff(indptr))
    inner = (rows < n) & (cols < n)
    out = np.zeros(n)
    into = np.zeros(n)
    to_zone = (rows < n) & (cols == n)
    np.add.at(out, rows[to_zone], flows[to_zone])
    from_zone = (rows == n) & (cols < n)
    np.add.at(into, cols[from_zone], flows[from_zone])
    return flows[inner], Crossings(out=out, into=into)


@dataclass(frozen=True)
class Balanced:
    """One balancing of the commuting flows, closed or open."""

    flows: np.ndarray | None  # flows among the region's municipalities in the deterrence's order (None: factors)
    warm_start: np.ndarray | Shortfall  # what the next balancing starts from
    factors: Factors | None  # the flows among the region's municipalities as factors, where balanced
    crossings: Crossings | None  # commuters across the boundary (None: a closed region)
    inverse: np.ndarray | None = None  # the chord inverse the balancing had, or made (None: none)


def balance(workers: np.ndarray, jobs: np.ndarray, deterrence: sparse.csr_array | np.ndarray, symmetric: bool,
            warm_start: np.ndarray | Shortfall | None, zone: ExternalZone | None = None,
            open_matrix: sparse.csr_array | np.ndarray | None = None, inverse: np.ndarray | None = None,
            linearise: bool = False) -> Balanced:
    """The doubly constrained flows of a closed region, or of an open one with its external zone (open_matrix:
    open_deterrence(deterrence, zone)), kept as the flows among the region's municipalities and the crossings.

    inverse: the chord inverse of a dense region (furness.linearised) for the sweeps from the warm start; with
    `linearise` and none given, one is made at the warm start and these margins where it can be, and returned for
    the balancings to come."""
    w, j, matrix = (workers, jobs, deterrence) if zone is None else (*open_margins(workers, jobs, zone), open_matrix)
    if inverse is None and linearise:
        inverse = furness.linearised(matrix, w, j, warm_start)
    flows, b, factors = gravity.gravity_flows(w, j, matrix, warm_start, factored=True, symmetric=symmetric,
                                              inverse=inverse)
    if zone is None:
        return Balanced(flows, b, factors, None, inverse)
    n = len(workers)
    if factors is None:
        inner, crossings = split_flows(flows, open_matrix, n)
        return Balanced(inner, b, None, crossings, inverse)
    return Balanced(None, b, internal_factors(factors, n), crossings_from_factors(factors, zone), inverse)
