"""The region's surroundings: the real municipalities just beyond its boundary, where some of its residents work
and from where some of its workers come.

A region drawn from the Eurostat LAU tables is open: its outside is every municipality of the same country, not
in the region, within `BAND_KM` of one of the region's own (assumption: 40 km, beyond which the gravity model's
deterrence at the default decay is below 2 % of a neighbour's; commuting across national borders is left out,
as the data hold no foreign neighbours for Graz or Turin). The model aggregates it into one external zone
(rules.gravity.external_zone). Regions without real places (rank_size, synthetic, a user's table) are closed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from cityregions.world import places

BAND_KM = 40.0  # width of the band of surrounding municipalities (assumption, see the module's docstring)


@dataclass(frozen=True)
class Outside:
    """The surrounding municipalities: residents (LAU 2019) and positions (km, in the region table's frame)."""

    population: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    label: str

    def __len__(self) -> int:
        return len(self.population)


def surroundings(chosen: places.Places, band_km: float = BAND_KM) -> Outside:
    """The municipalities of chosen's country outside chosen and within band_km of one of its places; positions
    relative to chosen's core, as the region's table has them."""
    codes, residents, x, y = places.country_points(chosen.country)
    box = ((x >= chosen.x_km.min() - band_km) & (x <= chosen.x_km.max() + band_km)
           & (y >= chosen.y_km.min() - band_km) & (y <= chosen.y_km.max() + band_km))  # all within the band are in it
    candidates = np.flatnonzero(box)
    candidates = candidates[~np.isin(codes[candidates], chosen.codes)]
    if not candidates.size:
        return Outside(np.zeros(0), np.zeros(0), np.zeros(0), "no municipality around the region")
    near, _ = cKDTree(np.column_stack([chosen.x_km, chosen.y_km])).query(
        np.column_stack([x[candidates], y[candidates]]))
    keep = candidates[near <= band_km]
    population = residents[keep]
    c = chosen.core
    return Outside(population, x[keep] - chosen.x_km[c], y[keep] - chosen.y_km[c],
                   f"{keep.size} municipalities of {chosen.country} within {band_km:g} km of the region, "
                   f"{population.sum():,.0f} residents (Eurostat LAU 2019)")
