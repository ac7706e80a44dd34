"""Commuting, mode choice, CO2 and the transport association, as pure functions over the pairs within reach.

Commuting flows follow a doubly constrained gravity model (Wilson 1967): residents' workers and jobs are both
matched exactly, with travel deterrence exp(-beta * car minutes). Each flow splits between car and public
transport by a binary logit on generalised cost (Ben-Akiva & Lerman 1985). A transport association
integrates tariffs among its members (no boundary penalty) and co-finances service at member stations
(shorter headways, so shorter waits).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import brentq
from scipy.sparse.csgraph import breadth_first_order, maximum_flow
from scipy.special import expit

from cityregions.catchment import Catchment, csr_row_sums, csr_rows
from cityregions.config import TransportParams

STALL = 25  # accelerated sweeps over which a balancing that exists at least halves its largest change


def gravity_flows(workers: np.ndarray, jobs: np.ndarray, deterrence: sparse.csr_array | np.ndarray,
                  b: np.ndarray | Shortfall | None = None, tol: float = 1e-9, max_iter: int = 500, plain: int = 100,
                  depth: int = 12, check: bool = False) -> tuple[np.ndarray, np.ndarray | Shortfall]:
    """Doubly constrained flows F[i, j] with row sums = workers and column sums = jobs (Furness balancing).

    deterrence is sparse (pairs out of reach carry no flow) or dense; returns the flows of its stored pairs in
    its order (row-major when dense) and the column balancing factors, which warm-start the next call.
    Furness sweeps converge slowly on large regions, where commuting sheds overlap little (about 2 % per sweep
    at 1,000 municipalities): after `plain` sweeps without convergence, Anderson acceleration (Walker & Ni
    2011) on log b takes over and reaches the same fixed point in about a tenth of the sweeps; the switch comes
    early when the sweeps' contraction rate shows they will not make it. tol bounds the last sweep's relative
    change of b. Where the margins are nearly infeasible (a municipality with almost no jobs, very steep
    decay) the factors can leave floating-point range: then a cold start, and failing that the same sweeps in
    log space (Schmitzer 2019), which cannot overflow. Where no balancing exists at all (jobs beyond the reach
    of enough workers, proved by a maximum-flow test, `_infeasible`, after a failed first attempt, or first when
    `check` or when b is the last call's proof) the flows are singly constrained instead (`origin_constrained`),
    and the proof (`Shortfall`) is returned in place of the factors.
    """
    jobs = jobs * (workers.sum() / jobs.sum())  # a closed region: as many jobs as working residents
    hint = b if isinstance(b, Shortfall) else None
    proofs: list[Shortfall | None] = []  # the maximum-flow test's answer, once it has been asked

    def hopeless() -> bool:
        if not proofs:
            proofs.append(_infeasible(workers, jobs, deterrence, hint=hint))
        return proofs[0] is not None

    if (hint is not None or check) and hopeless():
        return origin_constrained(workers, jobs, deterrence), proofs[0]
    if hint is not None:
        b = None  # the last quarter had no factors: start cold
    with np.errstate(over="ignore", invalid="ignore"):  # leaving the range is detected below, not warned about
        flows, b_out = _furness(workers, jobs, deterrence, b, tol, max_iter, plain, depth, hopeless)
        done = flows is not None and balanced(flows, b_out, workers, deterrence)
        if not done and hopeless():
            return origin_constrained(workers, jobs, deterrence), proofs[0]
        if not done and b is not None:
            flows, b_out = _furness(workers, jobs, deterrence, None, tol, max_iter, plain, depth)
            done = balanced(flows, b_out, workers, deterrence)
    if not done:
        flows, b_out = _log_furness(workers, jobs, deterrence, tol, max_iter)
    return flows, b_out


def origin_constrained(workers: np.ndarray, jobs: np.ndarray,
                       deterrence: sparse.csr_array | np.ndarray) -> np.ndarray:
    """Singly (production-) constrained flows (Wilson 1971): every worker commutes to a job within reach, each
    destination drawing in proportion to its jobs times the deterrence; the model where no doubly constrained
    balancing exists (jobs beyond the reach of enough workers), so job totals become outcomes. Returns the flows
    in deterrence's order."""
    if isinstance(deterrence, np.ndarray):
        top = deterrence.max(axis=1, keepdims=True)  # rows rescaled to their largest term: nothing underflows
        weight = deterrence / np.where(top > 0, top, 1.0) * jobs[None, :]
        total = weight.sum(axis=1, keepdims=True)
        flows = workers[:, None] * weight / np.where(total > 0, total, np.inf)
        return flows.ravel()
    counts = np.diff(deterrence.indptr)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        total = deterrence @ jobs
        if np.isfinite(total).all() and ((total >= 1e-200) | ~(workers > 0)).all():  # nothing near underflow
            return np.repeat(workers / np.where(total > 0, total, np.inf), counts) * deterrence.data * jobs[
                deterrence.indices]
    n = deterrence.shape[0]  # else each row rescaled to its largest term
    rows = csr_rows(deterrence.indptr)
    top = np.ones(n)
    if deterrence.nnz:
        top[counts > 0] = np.maximum.reduceat(deterrence.data, deterrence.indptr[:-1][counts > 0])
    weight = deterrence.data / np.where(top > 0, top, 1.0)[rows] * jobs[deterrence.indices]
    total = np.bincount(rows, weight, minlength=n)
    return workers[rows] * weight / np.where(total > 0, total, np.inf)[rows]


@dataclass(frozen=True)
class Shortfall:
    """Proof that no balancing exists (Hall's condition fails): a set of origins whose workers outnumber all the
    jobs within their reach. It stays a proof while the margins change little, so the next quarter checks it
    in O(N) before it searches for a new one by maximum flow."""

    origins: np.ndarray  # bool per municipality: the workers' homes
    reachable: np.ndarray  # bool per municipality: every destination within reach of any of them

    def deficit(self, workers: np.ndarray, jobs: np.ndarray) -> float:
        """Workers of these origins who cannot have a job within reach, however the flows are arranged."""
        return float(workers[self.origins].sum() - jobs[self.reachable].sum())


def _infeasible(workers: np.ndarray, jobs: np.ndarray, deterrence: sparse.csr_array | np.ndarray,
                rtol: float = 1e-6, hint: Shortfall | None = None) -> Shortfall | None:
    """A proof (`Shortfall`) that no flows within reach can balance to `balanced`'s tolerance, so that every
    Furness attempt must fail; None when a balancing exists.

    Gale's theorem: flows matching the jobs exactly leave at least the maximum-flow deficit (workers who cannot
    reach a job that is not taken) over the rows. Capacities are rounded to int32 for scipy's maximum_flow, which
    can hide up to one unit per municipality: only a deficit beyond that and the tolerance counts. The origins
    on the source side of the minimum cut are the proof. A hint (the last quarter's proof) is taken if its own
    deficit clears the tolerance by more than the rounding could hide (three units per municipality), so the
    answer is the one the maximum flow would give.
    """
    if isinstance(deterrence, np.ndarray):
        if (deterrence > 0).all():
            return None  # everyone reaches every job
        deterrence = sparse.csr_array(deterrence)
    n_rows, n_cols = deterrence.shape
    if not workers.sum() > 0:
        return None
    scale = 2.0**30 / workers.sum()
    threshold = rtol * np.maximum(workers, 1.0).sum()
    if hint is not None and hint.deficit(workers, jobs) - 3 * max(n_rows, n_cols) / scale > threshold:
        return hint
    w_int = np.floor(workers * scale).astype(np.int64)
    j_int = np.ceil(jobs * scale).astype(np.int64)
    rows = csr_rows(deterrence.indptr)
    reach = deterrence.data > 0
    sink = n_rows + n_cols + 1
    network = sparse.csr_array(
        (np.concatenate([w_int, np.full(int(reach.sum()), w_int.sum()), j_int]).astype(np.int32),
         (np.concatenate([np.zeros(n_rows, dtype=np.int64), rows[reach] + 1, n_rows + 1 + np.arange(n_cols)]),
          np.concatenate([np.arange(n_rows) + 1, n_rows + 1 + deterrence.indices[reach], np.full(n_cols, sink)]))),
        shape=(sink + 1, sink + 1))
    result = maximum_flow(network, 0, sink)
    deficit = (w_int.sum() - result.flow_value - n_rows) / scale
    if not deficit > threshold:
        return None
    residual = network - result.flow  # reverse edges carry the flow back (within int32: flow <= capacity)
    residual.data = (residual.data > 0).astype(np.int8)
    residual.eliminate_zeros()
    source_side = np.zeros(sink + 1, dtype=bool)
    source_side[breadth_first_order(residual, 0, directed=True, return_predecessors=False)] = True
    origins = source_side[1:n_rows + 1]
    reachable = np.zeros(n_cols, dtype=bool)
    reachable[deterrence.indices[reach & origins[rows]]] = True
    return Shortfall(origins, reachable)


def balanced(flows: np.ndarray, b: np.ndarray, workers: np.ndarray, deterrence: sparse.csr_array | np.ndarray,
             rtol: float = 1e-6) -> bool:
    """Whether balancing stayed in floating-point range and converged: finite, unclamped factors, and each
    municipality's flows carrying its workers (the columns match by construction; a row with a flow that is not
    finite has a sum that is not, and fails the comparison)."""
    if not ((b < 1e299).all() and (b > 1e-299).all()):
        return False
    if isinstance(deterrence, np.ndarray):
        out = flows.reshape(deterrence.shape).sum(axis=1)
    else:
        out = csr_row_sums(deterrence.indptr, flows)
    return bool(np.all(np.abs(out - workers) <= rtol * np.maximum(workers, 1.0)))


def _log_furness(workers: np.ndarray, jobs: np.ndarray, deterrence: sparse.csr_array | np.ndarray, tol: float,
                 max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Furness sweeps on the logarithms of the factors (Schmitzer 2019): slow to converge but never overflows.

    The log factors are kept as offsets absorbed into a rescaled kernel, exp(log k + offset_a + offset_b), times
    scaled factors near 1 (the offsets are re-absorbed whenever these leave [e^-30, e^30]): each sum is then a
    sparse product, and the sweeps are those of log-sum-exps, to rounding.
    """
    n_rows, n_cols = deterrence.shape
    if isinstance(deterrence, np.ndarray):
        indptr, cols = np.arange(0, n_rows * n_cols + 1, n_cols), np.tile(np.arange(n_cols), n_rows)
        k = deterrence.ravel()
    else:
        indptr, cols, k = deterrence.indptr, deterrence.indices, deterrence.data
    rows = csr_rows(indptr)
    with np.errstate(divide="ignore"):
        log_k = np.log(k)
    kernel = sparse.csr_array((np.asarray(k, dtype=float).copy(), cols, indptr), shape=(n_rows, n_cols))
    off_a, off_b = np.zeros(n_rows), np.zeros(n_cols)  # the log factors absorbed into the kernel
    log_a, log_b = np.zeros(n_rows), np.zeros(n_cols)
    with np.errstate(divide="ignore", over="ignore"):
        for _ in range(max_iter):
            log_a = _log_factor(kernel @ (np.exp(log_b - off_b) * jobs), off_a)
            new = _log_factor(kernel.T @ (np.exp(log_a - off_a) * workers), off_b)
            done = np.max(np.abs(new - log_b), initial=0.0) < tol
            log_b = new
            if done:
                break
            if max(np.abs(log_a - off_a).max(initial=0.0), np.abs(log_b - off_b).max(initial=0.0)) > 30.0:
                off_a, off_b = log_a.copy(), log_b.copy()
                kernel.data = np.exp(log_k + off_a[rows] + off_b[cols])
        flows = (np.exp(log_a - off_a) * workers)[rows] * kernel.data * (np.exp(log_b - off_b) * jobs)[cols]
    return np.nan_to_num(flows, nan=0.0), np.clip(np.exp(log_b - log_b.max()), 1e-300, None)


def _log_factor(total: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """-log of each sum of the rescaled kernel, back on the log scale; 0 where nothing is within reach."""
    with np.errstate(divide="ignore"):
        out = offset - np.log(total)
    return np.where(np.isfinite(out), out, 0.0)


def _furness(workers: np.ndarray, jobs: np.ndarray, deterrence: sparse.csr_array | np.ndarray,
             b: np.ndarray | None, tol: float, max_iter: int, plain: int, depth: int,
             hopeless: Callable[[], bool] | None = None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Furness sweeps on the factors, accelerated (Anderson) in log space when they converge slowly.

    Where the accelerated sweeps stall (their largest change not halved over `STALL` sweeps) they ask
    `hopeless` once whether any balancing exists; if none does, they stop and return (None, None). The sweeps
    themselves never depend on the answer, so wherever a balancing exists the result is the same.
    """
    transposed = deterrence.T

    def sweep(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = 1.0 / np.maximum(deterrence @ (b * jobs), 1e-300)
        return a, 1.0 / np.maximum(transposed @ (a * workers), 1e-300)

    b = np.ones_like(jobs) if b is None else b.copy()
    accelerate, change_before = True, np.inf
    for k in range(plain):  # plain Furness, while it promises to converge within `plain` sweeps
        a, b_new = sweep(b)
        change = (abs(b_new - b) / np.maximum(b, 1e-300)).max()
        b = b_new
        if change < tol:
            accelerate = False
            break
        rate = change / change_before
        if k >= 5 and (rate >= 1.0 or change * rate ** (plain - k) > tol):
            break
        change_before = change
    if accelerate:
        x = safe = np.log(b)
        d_f: list[np.ndarray] = []
        d_g: list[np.ndarray] = []
        f_prev = g_prev = None
        residuals: list[float] = []
        asked = hopeless is None
        for k in range(max_iter):
            a, b = sweep(np.exp(x))
            g = np.log(b)
            f = g - x
            residuals.append(float(np.max(np.abs(f))))
            if residuals[-1] < tol:
                break
            if not asked and k >= STALL and k % STALL == 0 and residuals[-1] > 0.5 * residuals[k - STALL]:
                asked = True
                if hopeless():
                    return None, None
            if not np.isfinite(f).all():  # a bad extrapolation: forget the history, go on from the last good sweep
                x, d_f, d_g, f_prev = safe, [], [], None
                continue
            safe = g
            if f_prev is not None:
                d_f.append(f - f_prev)
                d_g.append(g - g_prev)
                if len(d_f) > depth:
                    del d_f[0], d_g[0]
            f_prev, g_prev = f, g
            if d_f:
                gamma = np.linalg.lstsq(np.column_stack(d_f), f, rcond=None)[0]
                x = g - np.column_stack(d_g) @ gamma
            else:
                x = g
    if isinstance(deterrence, np.ndarray):
        flows = np.multiply((a * workers)[:, None], deterrence)
        flows *= (b * jobs)[None, :]
        return flows.ravel(), b
    flows = np.repeat(a * workers, np.diff(deterrence.indptr)) * deterrence.data * (b * jobs)[deterrence.indices]
    return flows, b


def car_cost(car_min: np.ndarray, road_km: np.ndarray, tp: TransportParams) -> np.ndarray:
    """Generalised car cost per trip: time plus operating cost."""
    return tp.value_of_time_eur_h * car_min / 60 + tp.car_cost_eur_km * road_km


def pt_cost(pt_min: np.ndarray, headway_min: np.ndarray, integrated: np.ndarray, tp: TransportParams) -> np.ndarray:
    """Generalised public-transport cost per trip: in-vehicle time, half the headway as wait, fare, tariff penalty.

    headway_min is the headway at each trip's origin; integrated is True where one tariff covers the trip
    (same municipality, or both ends in the association).
    """
    # value of time x (in-vehicle + half the headway) / 60 + fare + penalty, in place: one array, not five
    cost = np.add(pt_min, np.divide(headway_min, 2), dtype=float)
    cost *= tp.value_of_time_eur_h
    cost /= 60
    cost += tp.pt_fare_eur
    cost += np.where(integrated, 0.0, tp.tariff_penalty_eur)
    return cost


def pt_probability(car: np.ndarray, pt: np.ndarray, scale: float, asc: float) -> np.ndarray:
    """Binary logit probability of public transport (asc: its alternative-specific constant, in EUR)."""
    z = np.add(car, asc, dtype=float)  # scale x (car + asc - pt), in place
    z -= pt
    z *= scale
    return expit(z, out=z) if np.ndim(z) else expit(z)


def logsum(car: np.ndarray, pt: np.ndarray, scale: float, asc: float) -> np.ndarray:
    """Expected maximum utility of the two modes, in EUR (negative of the composite cost)."""
    by_car = np.multiply(car, -scale, dtype=float)  # logaddexp(-scale car, -scale (pt - asc)) / scale, in place
    by_pt = np.subtract(pt, asc, dtype=float)
    by_pt *= -scale
    by_car = np.logaddexp(by_car, by_pt, out=by_car if np.ndim(by_car) else None)
    by_car /= scale
    return by_car


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


def commute_outcome(flows: np.ndarray, p_pt: np.ndarray, pairs: Catchment, tp: TransportParams,
                    co2_car: float, co2_pt: float) -> CommuteResult:
    """Mode shares, passenger-km and CO2 (tonnes per year) of the commuting flows (two trips a workday)."""
    road_km = pairs.road_km
    per_year = 2 * tp.workdays
    pt_by_origin = pairs.row_dot(flows, p_pt)
    pt_pkm = float(np.einsum("k,k,k->", flows, p_pt, road_km)) * per_year
    car_pkm = float(flows @ road_km) * per_year - pt_pkm
    return CommuteResult(pt_share=float(pt_by_origin.sum() / flows.sum()), car_pkm_year=car_pkm, pt_pkm_year=pt_pkm,
                         co2_t_year=(car_pkm * co2_car + pt_pkm * co2_pt) / 1000.0,
                         pt_trips_by_origin=pt_by_origin * per_year)


def member_headways(base: np.ndarray, members: np.ndarray, service: float) -> np.ndarray:
    """Headways with the association's co-financed service: member stations get (1 + service) times the trains."""
    return np.where(members, base / (1.0 + service), base)


@dataclass(frozen=True)
class ModeTables:
    """Mode choice for each pair in the few situations it can be in, computed once per run.

    Whether a commuter takes PT depends on the association only through two facts: is the origin a member
    (co-financed headway) and does one tariff cover the trip (both ends members of an integrating body, or the
    same municipality). Precomputing the logit for each case turns every later quarter into selections and
    sums, with the same numbers as evaluating it afresh.
    """

    p_out: np.ndarray  # origin outside: base headway, tariff boundary (unless the same municipality)
    p_in: np.ndarray  # origin a member: co-financed headway, tariff boundary
    p_in_one_tariff: np.ndarray  # origin a member: co-financed headway, one tariff
    gain: np.ndarray  # logsum gain (EUR/trip) of joining, destination across a tariff boundary
    kernel_out: np.ndarray  # PT access kernel exp(-beta (minutes + wait)), origin outside
    kernel_in: np.ndarray  # the same, origin a member
    gain_tariff: np.ndarray  # what a destination under one tariff adds to the gain of joining
    shift_tariff: np.ndarray  # p_in_one_tariff - p_in: PT probability one tariff adds (0 within a municipality)


def mode_tables(pairs: Catchment, car: np.ndarray, headway_base: np.ndarray, service: float, asc: float,
                tp: TransportParams) -> ModeTables:
    """The PT probabilities, logsum gains and access kernels of every pair in each case."""
    own = pairs.own
    h_out = pairs.by_origin(headway_base)
    h_in = pairs.by_origin(member_headways(headway_base, np.ones(pairs.n, dtype=bool), service))
    pt_out = pt_cost(pairs.pt_min, h_out, own, tp)
    pt_in = pt_cost(pairs.pt_min, h_in, own, tp)
    pt_one = pt_cost(pairs.pt_min, h_in, np.ones(pairs.nnz, dtype=bool), tp)
    scale = tp.mode_scale
    ls_out = logsum(car, pt_out, scale, asc)
    p_in, p_one = pt_probability(car, pt_in, scale, asc), pt_probability(car, pt_one, scale, asc)
    gain, gain_one = logsum(car, pt_in, scale, asc) - ls_out, logsum(car, pt_one, scale, asc) - ls_out
    return ModeTables(
        p_out=pt_probability(car, pt_out, scale, asc), p_in=p_in, p_in_one_tariff=p_one, gain=gain,
        kernel_out=np.exp(-tp.distance_decay * (pairs.pt_min + h_out / 2)),
        kernel_in=np.exp(-tp.distance_decay * (pairs.pt_min + h_in / 2)), gain_tariff=gain_one - gain,
        shift_tariff=np.where(own, 0.0, p_one - p_in))


def pt_probability_now(t: ModeTables, pairs: Catchment, members: np.ndarray, integration: bool) -> np.ndarray:
    """PT probability of every pair with the association's current members."""
    if not members.any():
        return t.p_out
    if pairs.complete:  # rows are origins, columns destinations: broadcast the members, no array per pair
        n = pairs.n
        inside = (np.where(members[None, :], t.p_in_one_tariff.reshape(n, n), t.p_in.reshape(n, n)) if integration
                  else t.p_in.reshape(n, n))
        return np.where(members[:, None], inside, t.p_out.reshape(n, n)).ravel()
    at_origin = pairs.by_origin(members)
    inside = np.where(members[pairs.dest], t.p_in_one_tariff, t.p_in) if integration else t.p_in
    return np.where(at_origin, inside, t.p_out)


def pt_access_sums(kernels: tuple[sparse.csr_array | np.ndarray, sparse.csr_array | np.ndarray], members: np.ndarray,
                   jobs: np.ndarray) -> np.ndarray:
    """Jobs within reach by PT of each municipality, weighted by the access kernel with the association's current
    members: each row is its origin's own case (outside, member), so the two products are chosen row by row and
    no kernel is rebuilt when the members change. kernels: (origin outside, origin a member) as matrices."""
    outside, member = kernels
    return np.where(members, member @ jobs, outside @ jobs) if members.any() else outside @ jobs


def association_cost_shares(members: np.ndarray, population: np.ndarray, pt_trips: np.ndarray,
                            total_cost: float, key: float) -> np.ndarray:
    """Each member's contribution (EUR/yr): key by population, the rest by its residents' PT trips."""
    if not members.any() or total_cost <= 0:
        return np.zeros_like(population)
    pop = np.where(members, population, 0.0)
    use = np.where(members, pt_trips, 0.0)
    use_share = use / use.sum() if use.sum() > 0 else pop / pop.sum()
    return total_cost * (key * pop / pop.sum() + (1 - key) * use_share)
