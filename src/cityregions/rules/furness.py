"""The Furness sweeps of regions below anderson.LARGE municipalities: plain sweeps checked in batches, and chord
sweeps for a small dense region, each sweep followed by a Newton step on the logarithms of the column factors,
with the Jacobian of one linearisation kept for the whole run.

A plain sweep maps log b to log b' = G(log b); it converges linearly, by the second largest eigenvalue of G's
Jacobian M (0.26 to 0.60 in the five city regions: 11 to 23 sweeps a quarter from the last quarter's factors).
Newton's step for G(x) = x from the sweep's change f = G(x) - x is x + (I - M)^-1 f. With F the balanced flows,
M = diag(1 / column sums) F^T diag(1 / row sums) F (each half-sweep averages the other's logarithms by the flows'
shares), singular along the constant vector (scaling b and 1 / a alike changes no flow): the rank-one term
1 c^T / sum c (c the column sums, M's left eigenvector of eigenvalue 1) makes it invertible without changing the step
elsewhere. The margins change little from quarter to quarter, so the inverse of one linearisation serves a
whole run (a chord method): each of its steps shrinks the change a hundred- to a thousandfold, and from the
last two quarters' factors extrapolated a balancing takes 3 to 6 sweeps (3.8 on average in the five regions,
where plain sweeps take 11 to 23). A dense n x n inverse costs O(n^3) once and O(n^2) a step, about a sweep's
cost: only on a dense deterrence of fewer than anderson.LARGE municipalities.

The sweeps stop by the plain sweeps' rule, and return the row and column factors of the sweep where it stops:
only the path to the fixed point differs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from cityregions.rules.anderson import LARGE

if TYPE_CHECKING:
    from cityregions.rules.gravity import Shortfall


def linearised(deterrence: np.ndarray, workers: np.ndarray, jobs: np.ndarray, b: np.ndarray | Shortfall | None
               ) -> np.ndarray | None:
    """The chord's inverse (I - M + 1 c^T / sum c)^-1 at column factors b (M the Jacobian of a sweep's log
    factors, c the flows' column sums; module docstring), in Fortran order for BLAS; None where the
    deterrence is not dense, or is too large, or the factors do not give positive finite flows."""
    n = len(jobs)
    if not (isinstance(deterrence, np.ndarray) and deterrence.shape == (n, n) and n < LARGE and isinstance(
            b, np.ndarray) and b.shape == (n,)):
        return None
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        jobs = jobs * (workers.sum() / jobs.sum())  # as gravity.gravity_flows balances them
        a = 1.0 / (deterrence @ (b * jobs))
        flows = (a * workers)[:, None] * deterrence * (b * jobs)[None, :]
        rows, cols = flows.sum(axis=1), flows.sum(axis=0)
        m = (flows / cols[None, :]).T @ (flows / rows[:, None])
        system = np.eye(n) - m + cols[None, :] / cols.sum()
    if not (np.isfinite(system).all() and (rows > 0).all() and (cols > 0).all()):
        return None
    try:
        inverse = np.linalg.inv(system)
    except np.linalg.LinAlgError:
        return None
    return np.asfortranarray(inverse) if np.isfinite(inverse).all() else None


def extrapolated(before: np.ndarray | None, last: np.ndarray | Shortfall | None) -> np.ndarray | Shortfall | None:
    """gravity.extrapolated's warm start, last (last / before), the line through the last two factors in log space
    to rounding, in two calls rather than ten: the chord sweeps' own checks catch factors out of range (last as
    it is where the two are not factors of the same region)."""
    if not (isinstance(before, np.ndarray) and isinstance(last, np.ndarray) and before.shape == last.shape):
        return last
    return last * (last / before)


def chord_sweeps(by_rows: Callable[[np.ndarray], np.ndarray], by_cols: Callable[[np.ndarray], np.ndarray],
                 workers: np.ndarray, jobs: np.ndarray, b: np.ndarray, tol: float, step: Callable[[np.ndarray],
                 np.ndarray], most: int) -> tuple[np.ndarray | None, np.ndarray, bool]:
    """Sweeps from b, each followed by the chord's Newton step (step: x -> inverse @ x): the row factors a and
    column factors b of the last sweep, and whether they did not converge.

    A sweep's change is the plain sweeps' (plain_sweeps): b's largest relative change, the larger of
    its ratios' extremes' distances from 1, and the sweeps stop at the first below tol. The Newton step
    x + inverse @ f on the logarithms is taken to first order in f = log ratio, b times inverse @ ratio (the
    inverse maps 1 to 1): its error is of the second order, as Newton's own is. A step that does not at least
    halve the change stops them unconverged, as do `most` sweeps: then the plain sweeps go on from the last
    sweep's factors, or from b where those are not positive and finite. Without the plain sweeps' floor under
    the factors, a product that underflows makes them infinite, which stops the sweeps there: they run under
    the caller's np.errstate (gravity.gravity_flows ignores division by zero, overflow and invalid values)."""
    multiply, reciprocal, divide = np.multiply, np.reciprocal, np.divide
    x_rows, x_cols, ratio = np.empty(len(workers)), np.empty(len(jobs)), np.empty(len(jobs))
    start, b = b, b.copy()
    a = b_new = None
    change_before = math.inf
    for _ in range(most):
        a = by_rows(multiply(b, jobs, x_cols))
        reciprocal(a, a)
        b_new = by_cols(multiply(a, workers, x_rows))
        reciprocal(b_new, b_new)
        divide(b_new, b, out=ratio)
        change = max(np.maximum.reduce(ratio) - 1.0, 1.0 - np.minimum.reduce(ratio))
        if change < tol:
            return a, b_new, False
        if not change <= 0.5 * change_before:
            break
        change_before = change
        multiply(b, step(ratio), out=b)
    if b_new is None or not (np.minimum.reduce(b_new) > 0.0 and np.maximum.reduce(b_new) < math.inf):
        return a, start.copy(), True
    return a, b_new, True


AHEAD = 8  # most plain sweeps made before their changes are checked (the first batch: two)


def plain_sweeps(by_rows: Callable[[np.ndarray], np.ndarray], by_cols: Callable[[np.ndarray], np.ndarray],
                  workers: np.ndarray, jobs: np.ndarray, b: np.ndarray, tol: float, plain: int
                  ) -> tuple[np.ndarray | None, np.ndarray, bool]:
    """Plain Furness sweeps from b, while they promise to converge within `plain` sweeps: the row factors a and
    column factors b of the last sweep, and whether acceleration is to take over (not converged).

    A small region's sweep is a few calls on short vectors, whose own overhead is its cost. So the sweeps run
    ahead in batches, as many as the changes so far predict are still needed (at most AHEAD; one at a time from
    anderson.LARGE municipalities on, where a sweep wasted would cost more than checks saved), each writing into
    arrays made once; then the batch's changes are taken at once and read in order with the same stopping
    rule: the sweeps made beyond the stop are discarded, and the factors returned are those of the sweep where
    it stops, to the bit. A sweep's change is b's largest relative change, the largest |ratio - 1|, which is
    the larger of its ratios' extremes' distances from 1 to the bit (rounding is monotone and symmetric). A
    reciprocal is the division 1 / x; the factors' floor is an array (a scalar is converted at every call)."""
    multiply, maximum, reciprocal = np.multiply, np.maximum, np.reciprocal
    n_rows, n_cols = len(workers), len(jobs)
    most = AHEAD if n_cols < LARGE else 1  # a large region's sweep costs far more than its check: one at a time
    held = np.empty((2 * most + 1, n_cols))  # b before the batch, then after each of its sweeps; the ratios
    ratio = held[most + 1:]
    floor = np.empty((most, n_cols))
    floor.fill(1e-300)
    floor_cols = floor[0]
    floor_rows = floor_cols if n_rows == n_cols else np.full(n_rows, 1e-300)
    x_rows, x_cols = np.empty(n_rows), np.empty(n_cols)
    held[0] = b
    bs, rows = list(held[:most + 1]), [None] * most
    a, change_before, k, ahead = None, math.inf, 0, min(2, most)
    while k < plain:
        m = min(ahead, plain - k)
        for i in range(m):
            a = by_rows(multiply(bs[i], jobs, x_cols))
            reciprocal(maximum(a, floor_rows, out=a), a)
            rows[i] = a
            b_new = bs[i + 1]
            reciprocal(maximum(by_cols(multiply(a, workers, x_rows)), floor_cols, out=b_new), b_new)
        r = ratio[:m]
        np.divide(held[1:m + 1], maximum(held[:m], floor[:m], out=r), out=r)
        np.subtract(r, 1.0, out=r)
        for i, change in enumerate(np.maximum.reduce(np.abs(r, out=r), axis=1).tolist()):
            if change < tol:
                return rows[i], bs[i + 1].copy(), False
            rate = change / change_before if change_before else (math.inf if change else math.nan)
            if k >= 5 and (rate >= 1.0 or change * rate ** (plain - k) > tol):
                return rows[i], bs[i + 1].copy(), True
            change_before = change
            k += 1
        held[0] = held[m]
        ahead = min(most, sweeps_ahead(change, rate, tol))
    return a, held[0].copy(), True


def sweeps_ahead(change: float, rate: float, tol: float) -> int:
    """How many more sweeps a change shrinking by rate each sweep takes below tol (1 where it does not shrink),
    at most AHEAD."""
    if not (0.0 < rate < 1.0 and 0.0 < tol < change < math.inf):
        return 1
    return min(AHEAD, math.floor(math.log(tol / change) / math.log(rate)) + 1)
