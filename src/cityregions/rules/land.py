"""Land: demand from growth, allocation among municipalities, greenfield versus brownfield, and the land compact.

Each municipality's area (ha) is split into seven classes that always sum to its area: residential, occupied
commercial, vacant commercial, other built uses (transport infrastructure, logistics, extraction, ground-mounted
PV, recreation: what the land-take monitors count beside housing and commerce), brownfield, greenfield
(undeveloped and available) and protected. Every change moves hectares between classes, so land is conserved by
construction; tests check it at every step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import numpy as np

from cityregions.config import LandParams


@dataclass
class LandStock:
    """Hectares of each land class, one entry per municipality."""

    residential: np.ndarray
    commercial_occupied: np.ndarray
    commercial_vacant: np.ndarray
    other_built: np.ndarray
    brownfield: np.ndarray
    greenfield: np.ndarray
    protected: np.ndarray

    def total(self) -> np.ndarray:
        """Area of each municipality (ha): constant over the run."""
        return sum(getattr(self, c) for c in CLASSES)

    def developed(self) -> np.ndarray:
        """Built-up land (ha): residential and commercial, occupied or not, other built uses and brownfield."""
        return (self.residential + self.commercial_occupied + self.commercial_vacant + self.other_built
                + self.brownfield)

    def copy(self) -> LandStock:
        """An independent copy."""
        return LandStock(*(getattr(self, c).copy() for c in CLASSES))


CLASSES = tuple(f.name for f in fields(LandStock))  # the seven land classes, in the stock's order


def initial_stock(area_km2: np.ndarray, is_core: np.ndarray, lp: LandParams) -> LandStock:
    """Split each municipality's area into the classes from the initial shares (other built uses start at 0:
    the initial shares' developed land holds what exists of them; the class counts what is added)."""
    area = area_km2 * 100.0
    developed = area * np.where(is_core, lp.core_developed_share, lp.suburb_developed_share)
    brown = developed * np.where(is_core, lp.brownfield_share_core, lp.brownfield_share_suburb)
    built = developed - brown
    commercial = built * lp.commercial_share
    vacant = commercial * lp.vacancy_initial
    open_land = area - developed
    protected = open_land * lp.protected_share
    return LandStock(residential=built - commercial, commercial_occupied=commercial - vacant,
                     commercial_vacant=vacant, other_built=np.zeros_like(area), brownfield=brown,
                     greenfield=open_land - protected, protected=protected)


def allocate(total: float, weights: np.ndarray) -> np.ndarray:
    """Split a total in proportion to non-negative weights (evenly if all are zero)."""
    return total * shares(weights)


def shares(weights: np.ndarray) -> np.ndarray:
    """Shares in proportion to non-negative weights, summing to 1 (evenly if all are zero): allocate's split of 1."""
    w = np.maximum(weights, 0.0)
    s = w.sum()
    return w / s if s > 0 else np.full(len(w), 1.0 / len(w))


def location_weights(base: np.ndarray, access: np.ndarray, available_ha: np.ndarray, access_weight: float,
                     extra_utility: np.ndarray | float = 0.0, half_ha: float = 5.0) -> np.ndarray:
    """Attractiveness: size x exp(accessibility and fiscal terms) x availability of land (saturating)."""
    util = access_weight * access + extra_utility
    return base * np.exp(util - util.max()) * available_ha / (available_ha + half_ha)


def brownfield_share(greenfield_cost: float, brownfield_net_cost: np.ndarray, scale: float) -> np.ndarray:
    """Share of new development placed on brownfield by a cost-minimising developer (binary logit)."""
    return 1.0 / (1.0 + np.exp(np.clip((brownfield_net_cost - greenfield_cost) / scale, -50, 50)))


@dataclass
class Conversion:
    """Hectares taken from greenfield and from brownfield, and demand that found no land (infill)."""

    greenfield: np.ndarray
    brownfield: np.ndarray
    unmet: np.ndarray


def greenfield_allowance(cap_m2_per_resident: float, population: np.ndarray) -> np.ndarray:
    """Greenfield a land compact allows each member a year (ha): the cap in m2 per resident times residents."""
    return cap_m2_per_resident * population / 1e4


def supply(need_ha: np.ndarray, stock: LandStock, brown_share: np.ndarray,
           greenfield_allowance: np.ndarray | None = None) -> Conversion:
    """Take each municipality's land need from brownfield and greenfield in the preferred shares.

    What one source cannot supply comes from the other; a greenfield allowance (the land compact's cap) limits
    greenfield; demand beyond all available land stays unmet (it is absorbed by densifying existing land).
    The stock itself is not changed here.
    """
    need, g, b = _split(need_ha, stock, brown_share, greenfield_allowance)
    return Conversion(greenfield=g, brownfield=b, unmet=need - g - b)


def _split(need_ha: np.ndarray, stock: LandStock, brown_share: np.ndarray,
           greenfield_allowance: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """supply's arithmetic: the need counted (negative as zero), and the greenfield and brownfield that meet it."""
    need = np.maximum(need_ha, 0.0)
    g_avail = stock.greenfield
    if greenfield_allowance is not None:
        g_avail = np.minimum(g_avail, np.maximum(greenfield_allowance, 0.0))
    b = np.minimum(need * brown_share, stock.brownfield)
    g = np.minimum(need - b, g_avail)
    b = np.minimum(need - g, stock.brownfield)  # brownfield covers what greenfield could not
    return need, g, b


def take(need_ha: np.ndarray, stock: LandStock, brown_share: np.ndarray, greenfield_allowance: np.ndarray | None,
         to: str) -> tuple[np.ndarray, np.ndarray]:
    """supply, then apply to a built class, in one step (the model never reads the unmet need, so it is not
    made). To 'commercial_occupied': land converted for the firms that need it, zoned as vacant commercial land
    (apply) and occupied by them (occupy, without its clamp at zero: hectares converted are never negative).
    Returns the greenfield and the brownfield taken (ha)."""
    _, g, b = _split(need_ha, stock, brown_share, greenfield_allowance)
    stock.greenfield -= g
    stock.brownfield -= b
    if to == "commercial_occupied":
        vacant = stock.commercial_vacant + g + b
        taken = np.minimum(g + b, vacant)
        vacant -= taken
        stock.commercial_vacant = vacant
        stock.commercial_occupied += taken
    else:
        setattr(stock, to, getattr(stock, to) + g + b)
    return g, b


def apply(stock: LandStock, conv: Conversion, to: str) -> None:
    """Convert the supplied hectares into a built class ('residential' or 'commercial_vacant') in place."""
    stock.greenfield -= conv.greenfield
    stock.brownfield -= conv.brownfield
    setattr(stock, to, getattr(stock, to) + conv.greenfield + conv.brownfield)


def obsolescence(stock: LandStock, rate_per_quarter: float) -> np.ndarray:
    """Occupied commercial land that falls derelict this quarter becomes brownfield; returns the hectares."""
    derelict = stock.commercial_occupied * rate_per_quarter
    stock.commercial_occupied -= derelict
    stock.brownfield += derelict
    return derelict


def occupy(stock: LandStock, need_ha: np.ndarray) -> np.ndarray:
    """Firms move onto vacant commercial land first; returns the hectares still needed."""
    need = np.maximum(need_ha, 0.0)
    taken = np.minimum(need, stock.commercial_vacant)
    stock.commercial_vacant -= taken
    stock.commercial_occupied += taken
    return need - taken


def reserve_gap(stock: LandStock, target_ha: np.ndarray, speed: float = 0.25) -> np.ndarray:
    """Commercial land a municipality zones this quarter to move its vacant reserve towards its target."""
    return np.maximum(target_ha - stock.commercial_vacant, 0.0) * speed


def _staged(amount: float, pools: Iterable[np.ndarray], fallback: np.ndarray) -> np.ndarray:
    """Spread an amount over municipalities, filling each pool in turn in proportion to what it holds.

    What no pool can hold is spread by the fallback weights (it will be met by denser use of existing land). A
    pool is read only while some of the amount is left, so the pools after the one that holds it all need not
    be made (pools may be a generator).
    """
    out = np.zeros(len(fallback))
    for pool in pools if amount > 0 else ():
        cap = float(pool.sum())
        if cap <= 0:
            continue
        take = min(amount, cap)
        out += take * pool / cap
        amount -= take
        if amount <= 0:
            break
    if amount > 0 and fallback.sum() > 0:
        out += amount * fallback / fallback.sum()
    return out


def distribute_pool(stock: LandStock, population: np.ndarray, hectares: float, compact: np.ndarray) -> np.ndarray:
    """The land compact places its firms on members' sites: vacant first, then brownfield, then greenfield."""
    z = compact.astype(float)
    pools = (c * z for c in (stock.commercial_vacant, stock.brownfield, stock.greenfield))
    return _staged(hectares, pools, population * z)


def distribute_reserve(stock: LandStock, population: np.ndarray, hectares: float, compact: np.ndarray) -> np.ndarray:
    """The land compact zones its joint reserve on members' land: brownfield first, then greenfield."""
    z = compact.astype(float)
    return _staged(hectares, (c * z for c in (stock.brownfield, stock.greenfield)), population * z)


def other_uses(taken_ha: np.ndarray, other_share: float, greenfield_ha: np.ndarray) -> np.ndarray:
    """Greenfield taken for other built uses alongside housing and commerce: other_share of all land take is
    theirs (sourced per country), so taken_ha of housing and commerce brings taken_ha * s / (1 - s) more, as far
    as greenfield remains. Returns the hectares (the stock is not changed here)."""
    if not 0.0 <= other_share < 1.0:
        raise ValueError(f"other_share={other_share!r}: allowed 0 <= share < 1")
    return np.minimum(np.maximum(taken_ha, 0.0) * other_share / (1.0 - other_share), np.maximum(greenfield_ha, 0.0))
