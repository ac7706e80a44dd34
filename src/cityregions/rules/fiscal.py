"""Municipal finance: business tax under tax competition, revenue pooling in the land compact, debt service."""

from __future__ import annotations

import numpy as np


def tax_discount(members: np.ndarray, coverage: float, competing_discount: float) -> np.ndarray:
    """Business-tax discount each municipality offers firms.

    Alone a municipality undercuts its neighbours (tax competition); compact members stop bidding against
    each other and keep only the part of the discount that competition from non-members still forces
    (coverage: the compact's share of the regional population).
    """
    return np.where(members, competing_discount * (1.0 - coverage), competing_discount)


def business_tax(jobs: np.ndarray, tax_per_job: float, discount: np.ndarray) -> np.ndarray:
    """Business-tax revenue (EUR/yr) of the jobs located in each municipality."""
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
    order = np.argsort(v)
    w = w[order]
    vw = v[order] * w
    cvw = np.cumsum(vw)
    total = cvw[-1]
    if total <= 0:
        return 0.0
    # 1 - area under the Lorenz curve by trapezoids, sum_k w_k (L_k + L_k-1) / W, with L_k - L_k-1 = v_k w_k / total
    return float(1.0 - (2.0 * (w @ cvw) - w @ vw) / (total * w.sum()))
