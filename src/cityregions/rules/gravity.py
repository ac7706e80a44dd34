"""Commuting flows: the doubly constrained gravity model (Wilson 1967), balanced by Furness sweeps, and what
takes its place where no balancing exists, as pure functions over the pairs within reach.

Residents' workers and jobs are both matched exactly, with travel deterrence exp(-beta * car minutes). Where the
jobs lie beyond the reach of enough workers no balancing exists (proved by maximum flow, Gale's theorem) and the
flows are singly constrained (Wilson 1971). Mode choice and what the flows amount to are in transport.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import sparse
from scipy.linalg.blas import dgemv, dsymv
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from cityregions.rules.anderson import LARGE, History
from cityregions.rules.furness import chord_sweeps, plain_sweeps
from cityregions.rules.ordering import renumbered
from cityregions.world.catchment import csr_row_sums, csr_rows

STALL = 25  # accelerated sweeps over which a balancing that exists at least halves its largest change
DEPTH = 12  # Anderson history (sweeps); from anderson.LARGE municipalities on, a deeper one, which costs little
LARGE_DEPTH = 30  # there (anderson.History) and saves a fifth of the sweeps at 10,000


def gravity_flows(workers: np.ndarray, jobs: np.ndarray, deterrence: sparse.csr_array | np.ndarray,
                  b: np.ndarray | Shortfall | None = None, tol: float = 1e-9, max_iter: int = 500, plain: int = 100,
                  depth: int | None = None, check: bool = False, factored: bool = False, symmetric: bool = False,
                  inverse: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray | Shortfall] | tuple[np.ndarray, np.ndarray | Shortfall,
                                                                         Factors | None]:
    """Doubly constrained flows F[i, j] with row sums = workers and column sums = jobs (Furness balancing).

    deterrence is sparse (pairs out of reach carry no flow) or dense; returns the flows of its stored pairs in
    its order (row-major when dense) and the column balancing factors, which warm-start the next call.
    Furness sweeps converge slowly on large regions, where commuting sheds overlap little (about 2 % per sweep
    at 1,000 municipalities): after `plain` sweeps without convergence, Anderson acceleration (Walker & Ni
    2011) on log b takes over and reaches the same fixed point in about a tenth of the sweeps; the switch comes
    early when the sweeps' contraction rate shows they will not make it. depth: its history (None: DEPTH
    sweeps, LARGE_DEPTH from anderson.LARGE municipalities on). tol bounds the last sweep's relative
    change of b. Where the margins are nearly infeasible (a municipality with almost no jobs, very steep
    decay) the factors can leave floating-point range: then a cold start, and failing that the same sweeps in
    log space (Schmitzer 2019), which cannot overflow. Where no balancing exists at all (jobs beyond the reach
    of enough workers, proved by a maximum-flow test, `_infeasible`, after a failed first attempt, or first when
    `check` or when b is the last call's proof) the flows are singly constrained instead (`origin_constrained`),
    and the proof (`Shortfall`) is returned in place of the factors. With `factored`, a third item: the flows'
    row and column factors (`Factors`) where they are the balanced gravity model, and then no flows (None: they
    are `Factors.flows(deterrence)`, made only where a caller needs every pair), else None. `symmetric`:
    deterrence is a dense symmetric matrix, so the sweeps' products read one triangle of it (BLAS symv).
    inverse: a dense region's chord inverse (furness.linearised), with which the sweeps from the warm start b
    each take a Newton step and need a few sweeps instead of a score (furness.chord_sweeps).
    """
    if depth is None:
        depth = LARGE_DEPTH if len(workers) >= LARGE else DEPTH
    # as many jobs as workers (an open region's external zone balances it)
    jobs = jobs * (np.add.reduce(workers) / np.add.reduce(jobs))
    hint = b if isinstance(b, Shortfall) else None
    proofs: list[Shortfall | None] = []  # the maximum-flow test's answer, once it has been asked

    def hopeless() -> bool:
        if not proofs:
            proofs.append(_infeasible(workers, jobs, deterrence, hint=hint))
        return proofs[0] is not None

    def out(flows: np.ndarray | None, b: np.ndarray | Shortfall, factors: Factors | None = None) -> tuple:
        if not factored:
            return (factors.flows(deterrence) if flows is None else flows), b
        return flows, b, factors

    if (hint is not None or check) and hopeless():
        return out(origin_constrained(workers, jobs, deterrence), proofs[0])
    if hint is not None:
        b = None  # the last quarter had no factors: start cold

    def checked(f: Factors | None) -> Factors | None:
        """f (with its row sums) if it balanced, else None."""
        return f if f is not None and balanced(f.rows, f.b, workers) else None

    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # leaving the range is detected, not warned
        factors = checked(_furness(workers, jobs, deterrence, b, tol, max_iter, plain, depth, hopeless, symmetric,
                                   inverse))
        if factors is None and hopeless():
            return out(origin_constrained(workers, jobs, deterrence), proofs[0])
        if factors is None and b is not None:
            factors = checked(_furness(workers, jobs, deterrence, None, tol, max_iter, plain, depth,
                                       symmetric=symmetric))
    if factors is None:
        flows, b_out = _log_furness(workers, jobs, deterrence, tol, max_iter)
        return out(flows, b_out)  # its flows are factors of a rescaled kernel: no Factors
    return out(None, factors.b, factors)


@dataclass(frozen=True)
class Factors:
    """The balanced flows as F[i, j] = origin[i] D[i, j] dest[j] (Furness's factors times workers and jobs): any
    flow-weighted sum over destinations is origin * ((D * table) @ dest), a product with a table made once."""

    origin: np.ndarray
    dest: np.ndarray
    b: np.ndarray  # the column factors themselves (dest / jobs), which warm-start the next balancing
    rows: np.ndarray | None = None  # each origin's flows summed, once the balance has been checked

    def flows(self, deterrence: sparse.csr_array | np.ndarray) -> np.ndarray:
        """The flows of deterrence's stored pairs, in its order (row-major when dense)."""
        if isinstance(deterrence, np.ndarray):
            flows = np.multiply(self.origin[:, None], deterrence)
            flows *= self.dest[None, :]
            return flows.ravel()
        return np.repeat(self.origin, np.diff(deterrence.indptr)) * deterrence.data * self.dest[deterrence.indices]

    def row_sums(self, deterrence: sparse.csr_array | np.ndarray, symmetric: bool = False) -> np.ndarray:
        """Each origin's flows summed: one product, without the flows."""
        if self.rows is not None:
            return self.rows
        return self.origin * products(deterrence, symmetric)[0](self.dest)


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


def balanced(row_sums: np.ndarray, b: np.ndarray, workers: np.ndarray, rtol: float = 1e-6) -> bool:
    """Whether balancing stayed in floating-point range and converged: finite, unclamped factors, and each
    municipality's flows (row_sums) carrying its workers (the columns match by construction; a row with a flow
    that is not finite has a sum that is not, and fails the comparison)."""
    if len(b) and not (np.maximum.reduce(b) < 1e299 and np.minimum.reduce(b) > 1e-299):
        return False  # (a factor that is not a number fails both)
    return bool((np.abs(row_sums - workers) <= rtol * np.maximum(workers, 1.0)).all())


def row_sums(flows: np.ndarray, deterrence: sparse.csr_array | np.ndarray) -> np.ndarray:
    """Each origin's flows summed (flows in deterrence's pair order)."""
    if isinstance(deterrence, np.ndarray):
        return flows.reshape(deterrence.shape).sum(axis=1)
    return csr_row_sums(deterrence.indptr, flows)


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


def is_symmetric(matrix: sparse.csr_array | np.ndarray) -> bool:
    """Whether a matrix is dense and equal to its transpose to the bit (then products() may read one triangle)."""
    return isinstance(matrix, np.ndarray) and bool(np.array_equal(matrix, matrix.T))


def products(deterrence: sparse.csr_array | np.ndarray, symmetric: bool
              ) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """x -> D x and x -> D^T x. A dense symmetric D is handed to BLAS symv as its transpose, the same matrix in
    Fortran order (no copy), which reads one triangle: the sweeps are memory-bound, and this reads half as much."""
    if symmetric:
        product = partial(dsymv, 1.0, deterrence.T)  # no Python frame of its own: called twice a sweep
        return product, product
    return deterrence.__matmul__, deterrence.T.__matmul__


def extrapolated(before: np.ndarray | None, last: np.ndarray | Shortfall | None) -> np.ndarray | Shortfall | None:
    """A warm start for the next balancing: the last two balancings' column factors extrapolated linearly in log
    space, 2 log last - log before, where both are factors of the same region (else last as it is).

    The factors drift steadily from quarter to quarter as the margins grow, so the next one lies near the line
    through the last two: on a large region this starts the sweeps several times closer to the fixed point
    than the last factors do, and they stop at the same tolerance after fewer sweeps."""
    if not (isinstance(before, np.ndarray) and isinstance(last, np.ndarray) and before.shape == last.shape):
        return last
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        out = np.exp(2.0 * np.log(last) - np.log(before))
    return out if ((out < 1e299) & (out > 1e-299)).all() else last


def _furness(workers: np.ndarray, jobs: np.ndarray, deterrence: sparse.csr_array | np.ndarray,
             b: np.ndarray | None, tol: float, max_iter: int, plain: int, depth: int,
             hopeless: Callable[[], bool] | None = None, symmetric: bool = False,
             inverse: np.ndarray | None = None) -> Factors | None:
    """Furness sweeps on the factors, accelerated (Anderson) in log space when they converge slowly; from a
    warm start with a chord inverse (furness), chord sweeps first.

    Where the accelerated sweeps stall (their largest change not halved over `STALL` sweeps) they ask
    `hopeless` once whether any balancing exists; if none does, they stop and return None. The sweeps
    themselves never depend on the answer, so wherever a balancing exists the result is the same. Returns the
    factors of the flows with their row sums (Factors.row_sums; not the flows, which only some callers need).
    """
    if deterrence.shape[0] == deterrence.shape[1] >= LARGE and sparse.issparse(deterrence):
        by_rows, by_cols = renumbered(deterrence).products()  # each one's pairs near it: half the time a product
        by_rows_in_order = products(deterrence, symmetric)[0]  # row sums as Factors.row_sums makes them, to the bit
    else:
        by_rows, by_cols = products(deterrence, symmetric)
        by_rows_in_order = by_rows

    def sweep(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = by_rows(b * jobs)  # a new vector: the rest in place, a sweep being a few calls on short vectors
        np.divide(1.0, np.maximum(a, 1e-300, out=a), out=a)
        b = by_cols(a * workers)
        return a, np.divide(1.0, np.maximum(b, 1e-300, out=b), out=b)

    accelerate = True
    if b is not None and inverse is not None:
        a, b, accelerate = chord_sweeps(by_rows, by_cols, workers, jobs, b, tol, partial(dgemv, 1.0, inverse), plain)
    if accelerate:
        b = np.ones_like(jobs) if b is None else b.copy()
        a, b, accelerate = plain_sweeps(by_rows, by_cols, workers, jobs, b, tol, plain)
    if accelerate:
        x = safe = np.log(b)
        history = History(depth, len(x))
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
                    return None
            if not np.isfinite(f).all():  # a bad extrapolation: forget the history, go on from the last good sweep
                x, f_prev = safe, None
                history.clear()
                continue
            safe = g
            if f_prev is not None:
                history.add(f - f_prev, g - g_prev)
            f_prev, g_prev = f, g
            x = history.extrapolate(f, g)
    origin, dest = a * workers, b * jobs
    return Factors(origin, dest, b, origin * by_rows_in_order(dest))
