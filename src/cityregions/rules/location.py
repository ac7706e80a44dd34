"""Where residents live: a discrete choice of municipality with a land-price feedback, for movers and newcomers
alike, so that growth and decline are allocated by the same choice.

Each quarter a share of residents moves house across municipal boundaries (residential mobility); the movers and
the region's net growth (newcomers, or fewer movers where the region shrinks) settle by a multinomial logit over
municipalities with a size term (residents, standing for the housing stock and the services near it):

    P(i) ∝ residents_i × exp(access_weight × access_i) × availability_i × (developable_i / developed_i)^elasticity

The last factor is a bid-rent land price in odds form: land costs more where a larger share of the buildable land
is already built on (Alonso 1964; the odds form is the logit of the developed share), so growth is pushed out of a
filling core towards the ring (suburbanisation) and returns where land is freed. A municipality with no land left
to build on receives no one. The weights and the mobility are labelled assumptions; the elasticity is calibrated
(docs/VALIDATION.md).
"""

from __future__ import annotations

import numpy as np


def price_factor(developable_ha: np.ndarray, developed_ha: np.ndarray, elasticity: float) -> np.ndarray:
    """(developable / developed)^elasticity: the inverse of a land price rising with the odds of the developed
    share. 0 where nothing is left to build on; a municipality with nothing built yet is treated as 1 ha built."""
    avail = np.maximum(developable_ha, 0.0)
    return np.where(avail > 0, (avail / np.maximum(developed_ha, 1.0)) ** elasticity, 0.0)


def attractiveness(access: np.ndarray, developable_ha: np.ndarray, developed_ha: np.ndarray, access_weight: float,
                   elasticity: float, half_ha: float = 5.0) -> np.ndarray:
    """Each municipality's pull per resident: accessibility, the land left (saturating at half_ha) and its price.

    Where nothing is left the saturating term is already 0, so at an elasticity >= 0 (the odds to its power are then
    finite) the price needs no case of its own: the pull is the same as with price_factor's."""
    util = access_weight * access
    avail = np.maximum(developable_ha, 0.0)
    saturating = np.exp(util - util.max()) * avail / (avail + half_ha)
    if elasticity < 0:
        return saturating * price_factor(avail, developed_ha, elasticity)
    return saturating * (avail / np.maximum(developed_ha, 1.0)) ** elasticity


def relocate(population: np.ndarray, pull: np.ndarray, net_change: float, mobility: float) -> np.ndarray:
    """Residents after one round of moves: a share `mobility` of every municipality's residents moves (more if the
    region shrinks faster), and the movers plus the net change settle in proportion to residents x pull. The
    region's total changes by net_change exactly."""
    total = float(population.sum())
    leave = max(mobility, -net_change / total) if total > 0 else 0.0
    movers = leave * population
    w = population * pull
    s = w.sum()
    if s > 0:
        share = w / s
    else:  # no pull anywhere: by residents, or evenly in a region with none
        share = population / total if total > 0 else np.full(len(population), 1.0 / len(population))
    return population - movers + (movers.sum() + net_change) * share
