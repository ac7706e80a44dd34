"""Competing for firms as a prisoner's dilemma, in the model's own numbers.

Two equal councils share the firms (and jobs) that come to them in a year. Each offers firms the competing
discount on business tax (`params.land.tax_discount_competing`) or none; the firms choose between the two by the
model's location rule (`rules.land.location_weights`: the discount enters their utility with the weight
`params.land.firm_tax_sensitivity`), and each council keeps the business tax of its jobs after its discount
(`rules.fiscal.business_tax`). Everything else about the two is equal, so the table shows the tax competition
alone, as the classroom's first lesson does before the region's detail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cityregions.config import RunConfig
from cityregions.rules import fiscal, land

NEW_JOBS = 1_000.0  # the year's new jobs the two councils compete for (an illustration's size)


@dataclass(frozen=True)
class Dilemma:
    """EUR/yr each council keeps, by both choices: payoffs[a, b] = (council A's, council B's), choice 0 = holds
    back (no discount), 1 = undercuts (the competing discount)."""

    payoffs: np.ndarray  # shape (2, 2, 2)
    discount: float
    tax_per_job: float
    sensitivity: float
    jobs: float

    @property
    def is_prisoners_dilemma(self) -> bool:
        """Undercutting pays whatever the other does, yet both undercutting leaves both worse off than both holding
        back: temptation > reward > punishment > sucker's payoff (for council A; B's are the mirror image)."""
        p = self.payoffs[:, :, 0]
        return bool(p[1, 0] > p[0, 0] > p[1, 1] > p[0, 1])


def dilemma(cfg: RunConfig, jobs: float = NEW_JOBS) -> Dilemma:
    """The two councils' business tax from a year's new jobs under each pair of choices."""
    lp, tax = cfg.params.land, cfg.params.fiscal.business_tax_eur_per_job
    offer = (0.0, lp.tax_discount_competing)
    out = np.empty((2, 2, 2))
    equal = np.ones(2)
    for a in (0, 1):
        for b in (0, 1):
            discount = np.array([offer[a], offer[b]])
            w = land.location_weights(equal, np.zeros(2), equal, 0.0, lp.firm_tax_sensitivity * discount)
            out[a, b] = fiscal.business_tax(land.allocate(jobs, w), tax, discount)
    return Dilemma(out, lp.tax_discount_competing, tax, lp.firm_tax_sensitivity, jobs)
