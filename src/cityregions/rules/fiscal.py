"""Municipal finance: business tax under tax competition, revenue pooling in the land compact, debt service."""

from __future__ import annotations

import numpy as np


def tax_discount(members: np.ndarray, coverage: float, competing_discount: float,
                 key: float) -> np.ndarray | np.float64:
    """Business-tax discount each municipality offers firms.

    Alone a municipality undercuts its neighbours (tax competition). Members that pool a share (key) of their
    business tax gain only the unpooled share of a firm they draw from another member, so they undercut each other
    that much less: with coverage the pool's share of the competing residents, a member's discount is
    competing_discount (1 - coverage key). Pooling, not a promise, ends tax competition (tax-base sharing
    weakens the incentive to compete: Kothenbuerger 2002); a compact that pools nothing leaves it as it is: then
    every municipality offers the competing discount, returned as one number for all.
    """
    if coverage * key == 0.0:
        return np.float64(competing_discount)
    return np.where(members, member_discount(coverage, competing_discount, key), competing_discount)


def member_discount(coverage: float | np.ndarray, competing_discount: float, key: float) -> float | np.ndarray:
    """The discount a member of a tax pool still offers (tax_discount): competing_discount (1 - coverage key)."""
    return competing_discount * (1.0 - coverage * key)


def business_tax(jobs: np.ndarray, tax_per_job: float, discount: np.ndarray | float) -> np.ndarray:
    """Business-tax revenue (EUR/yr) of the jobs located in each municipality, at each one's discount (or one
    discount for all)."""
    return tax_per_job * jobs * (1.0 - discount)


def pool_revenue(own: np.ndarray, members: np.ndarray, population: np.ndarray, key: float) -> np.ndarray:
    """Revenue after the compact pools a share (key) of its members' business tax and splits it by population."""
    if not members.any():
        return own.copy()
    pool = key * own[members].sum()
    share = np.where(members, population / population[members].sum(), 0.0)
    return np.where(members, (1.0 - key) * own + pool * share, own)


def gini(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Gini coefficient of values (optionally population-weighted); 0 = equal, towards 1 = concentrated."""
    v = np.asarray(values, dtype=float)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float)
    order = v.argsort()
    w = w[order]
    vw = v[order] * w
    cvw = vw.cumsum()
    total = cvw[-1]
    if total <= 0:
        return 0.0
    # 1 - area under the Lorenz curve by trapezoids, sum_k w_k (L_k + L_k-1) / W, with L_k - L_k-1 = v_k w_k / total
    return float(1.0 - (2.0 * (w @ cvw) - w @ vw) / (total * np.add.reduce(w)))
