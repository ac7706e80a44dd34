"""Builds a region: its municipalities and their road and public-transport network, from the facts.

Real totals (core and functional-area population and area, number of municipalities) with synthetic but
deterministic detail: suburban sizes follow the rank-size rule, positions fill the functional area around
the core, roads follow a Delaunay triangulation (a planar, locally connected network like real road
networks), and rail/bus corridors run radially to the core. A user table of real municipalities can
replace the synthetic detail.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.spatial import Delaunay

from cityregions.config import REGIONS, RegionConfig, RunConfig, TransportParams
from cityregions.config.seeds import geography_rng, run_seed
from cityregions.world import catchment, outside, places, size
from cityregions.world.catchment import Catchment
from cityregions.world.facts import RegionFacts, region_facts
from cityregions.world.outside import Outside
from cityregions.world.user_table import MunicipalityTable, read_municipalities_csv


@dataclass(frozen=True)
class Network:
    """The road and public-transport network as a list of undirected edges, each once (ends[k] = i, j)."""

    ends: np.ndarray  # (edges, 2) municipality indices
    road_km: np.ndarray
    car_min: np.ndarray
    pt_min: np.ndarray
    rail: np.ndarray  # True where a rail/bus corridor runs along the edge

    def matrix(self, n: int, weight: str | None) -> sparse.csr_array:
        """N x N matrix of an edge attribute (1 per edge when None), each edge stored in both directions."""
        w = np.ones(len(self.ends)) if weight is None else getattr(self, weight)
        i, j = self.ends[:, 0], self.ends[:, 1]
        return sparse.csr_array((np.concatenate([w, w]), (np.concatenate([i, j]), np.concatenate([j, i]))),
                                shape=(n, n))


@dataclass
class Geography:
    """The municipalities of one region, their network, and the travel times between those within reach."""

    names: list[str]
    is_core: np.ndarray
    population: np.ndarray
    area_km2: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    corridor: np.ndarray  # corridor index, -1 if off the corridors
    network: Network
    pairs: Catchment  # origin-destination pairs within reach, with car and PT minutes and road km
    codes: list[str] = field(default_factory=list)  # official codes of real places ("" where there is none)
    outside: Outside | None = None  # the real municipalities around the region (None: a closed region)

    @cached_property
    def graph(self) -> nx.Graph:
        """The network as a networkx graph (nodes: name, population, core, corridor, pos; edges: road_km, car_min,
        pt_min, rail), made when first asked for: maps and the page draw it, the model reads the edge list."""
        g = nx.Graph()
        g.add_nodes_from((i, {"name": self.names[i], "population": float(self.population[i]),
                              "core": bool(self.is_core[i]), "corridor": int(self.corridor[i]),
                              "pos": (float(self.x_km[i]), float(self.y_km[i]))}) for i in range(self.n))
        net = self.network
        g.add_edges_from((int(i), int(j), {"road_km": float(km), "car_min": float(car), "pt_min": float(pt),
                                           "rail": bool(rail)})
                         for (i, j), km, car, pt, rail in zip(net.ends, net.road_km, net.car_min, net.pt_min,
                                                             net.rail, strict=True))
        return g

    @property
    def n(self) -> int:
        """Number of municipalities, core included."""
        return len(self.names)

    @cached_property
    def core(self) -> int:
        """Index of the core city (found once: every quarter asks for it several times)."""
        return int(np.flatnonzero(self.is_core)[0])


def rank_size_populations(total: float, n: int, exponent: float) -> np.ndarray:
    """Split a total over n municipalities by the rank-size rule, largest first."""
    w = np.arange(1, n + 1, dtype=float) ** -exponent
    return total * w / w.sum()


def _synthetic_table(facts: RegionFacts, cfg: RegionConfig, rng: np.random.Generator) -> MunicipalityTable:
    """Core, optional secondary centre and rank-size suburbs placed uniformly in the functional area.

    facts.n_municipalities counts the surrounding municipalities besides the core and the secondary centre.
    """
    sec_pop = facts.secondary_centre_population or 0.0
    n_rank = facts.n_municipalities
    n_sub = n_rank + (1 if sec_pop else 0)
    sub_total = facts.fua_population - facts.core_population - sec_pop
    if sub_total <= 0 or n_rank < 1:
        raise ValueError(f"region {facts.name}: functional-area population must exceed core and secondary centre")
    pops = rank_size_populations(sub_total, n_rank, cfg.size_exponent)
    if sec_pop:
        pops = np.concatenate([[sec_pop], pops])
    sub_area_total = facts.fua_area_km2 - facts.core_area_km2
    area_w = pops ** 0.3  # larger towns are larger but denser (assumption)
    areas = sub_area_total * area_w / area_w.sum()
    r_core = np.sqrt(facts.core_area_km2 / np.pi)
    r_max = np.sqrt(facts.fua_area_km2 / np.pi)
    u = rng.random(n_sub)
    radius = np.sqrt(r_core**2 + u * (r_max**2 - r_core**2))
    if sec_pop:
        radius[0] = 0.8 * r_max  # the secondary centre sits well outside the core (assumption)
    angle = rng.random(n_sub) * 2 * np.pi
    names = [facts.core_city]
    if sec_pop:
        names.append(facts.secondary_centre_name or "Secondary centre")
    names += [f"{facts.core_city} region {i + 1:03d}" for i in range(n_rank)]
    return MunicipalityTable(
        names=tuple(names), population=np.concatenate([[facts.core_population], pops]),
        area_km2=np.concatenate([[facts.core_area_km2], areas]),
        x_km=np.concatenate([[0.0], radius * np.cos(angle)]), y_km=np.concatenate([[0.0], radius * np.sin(angle)]),
        core=0)


def tariff_union(geo: Geography, facts: RegionFacts, year: int) -> np.ndarray:
    """The municipalities an existing tariff union covers in a year: those within its reach of the core (every one
    where no reach is given); none where the region has no union or it began later. Within it one ticket crosses
    municipal boundaries whatever the councils decide."""
    since, reach = facts.tariff_union_since, facts.tariff_union_radius_km
    if since is None or since > year:
        return np.zeros(geo.n, dtype=bool)
    if reach is None:
        return np.ones(geo.n, dtype=bool)
    c = geo.core
    return np.hypot(geo.x_km - geo.x_km[c], geo.y_km - geo.y_km[c]) <= reach


PROJECT_START = 2012.5  # July 2012: CITY REGIONS began and the model's first quarter (2012 Q3) starts


def real_places(facts: RegionFacts, cfg: RegionConfig) -> places.Places | None:
    """The region's real places (a functional urban area's or a CITY REGIONS region's), None where it has none
    (a user's table, rank_size and the synthetic region)."""
    if cfg.municipalities_csv:
        return None
    if cfg.name == "fua":
        return places.fua_places(cfg.fua_id)
    if facts.name in REGIONS and cfg.extent != "rank_size":
        return places.region_places(facts.name, cfg.extent)
    return None


def municipality_table(facts: RegionFacts, cfg: RegionConfig, rng: np.random.Generator) -> MunicipalityTable:
    """The region's municipalities: a user's table, a functional urban area's or a CITY REGIONS region's real
    places (positions in km about the core city), or invented ones from the region's totals (rank_size, and the
    synthetic region)."""
    if cfg.municipalities_csv:
        return read_municipalities_csv(cfg.municipalities_csv)
    chosen = real_places(facts, cfg)
    if chosen is None:
        return _synthetic_table(facts, cfg, rng)
    c = chosen.core
    rates = np.full(len(chosen), facts.growth_of_ring)
    rates[c] = facts.growth_of_core
    return MunicipalityTable(chosen.names, backcast(chosen.population, rates), chosen.area_km2,
                             chosen.x_km - chosen.x_km[c], chosen.y_km - chosen.y_km[c], c, chosen.codes)


def region_outside(facts: RegionFacts, cfg: RegionConfig) -> Outside | None:
    """The real municipalities around a region of real places, residents back-cast to the start as the region's
    (world.outside); None for a closed region (no real places, or region.open_boundary false)."""
    chosen = real_places(facts, cfg) if cfg.open_boundary else None
    if chosen is None:
        return None
    out = outside.surroundings(chosen)
    return dataclasses.replace(out, population=backcast(out.population, facts.growth_of_ring))


def backcast(population: np.ndarray, growth_rate: float | np.ndarray, year: float = places.POPULATION_YEAR,
             start: float = PROJECT_START) -> np.ndarray:
    """Residents at the project's start from the LAU count of 1 January 2019: the core at the core city's sourced
    annual growth, the others at their districts' (assumption: each municipality of the ring grew as its
    districts together did; where no series was found, at the region's rate)."""
    return population * (1.0 + growth_rate) ** -(year - start)


def _road_edges(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Undirected edges (i < j) of the Delaunay triangulation, or a star for tiny regions."""
    n = len(x)
    if n < 4:
        return np.array([(0, j) for j in range(1, n)] + [(i, j) for i in range(1, n) for j in range(i + 1, n)])
    tri = Delaunay(np.column_stack([x, y]), qhull_options="QJ")
    s = tri.simplices
    e = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    e.sort(axis=1)
    return np.unique(e, axis=0)


def _corridors(x: np.ndarray, y: np.ndarray, core: int, n_corr: int, rng: np.random.Generator) -> np.ndarray:
    """Assign municipalities near one of n evenly spaced radial rays to that corridor (-1 otherwise)."""
    dx, dy = x - x[core], y - y[core]
    r = np.hypot(dx, dy)
    theta = np.arctan2(dy, dx)
    rays = rng.random() * 2 * np.pi + 2 * np.pi * np.arange(n_corr) / n_corr
    diff = np.angle(np.exp(1j * (theta[:, None] - rays[None, :])))  # wrapped angle to each ray
    perp = np.abs(r[:, None] * np.sin(diff))
    ahead = np.cos(diff) > 0
    perp = np.where(ahead, perp, np.inf)
    best = np.argmin(perp, axis=1)
    buffer = max(2.0, 0.08 * r.max())  # within ~8 % of the region's radius of the line (assumption)
    corridor = np.where(perp[np.arange(len(x)), best] <= buffer, best, -1)
    corridor[core] = -1
    return corridor


def build_geography(facts: RegionFacts, cfg: RegionConfig, tp: TransportParams, rng: np.random.Generator,
                    limit_gb: float | None = None, progress: bool = False) -> Geography:
    """Build one region's municipalities and network, deterministically from rng. A region estimated to need
    more memory than a run may use (limit_gb, default a share of the machine's) is refused before it is built;
    with progress, a large one says what it will take and shows the travel-time search advancing."""
    table = municipality_table(facts, cfg, rng)
    n = len(table.names)
    x, y, core = table.x_km, table.y_km, table.core
    car_top_speed = tp.car_speed_kmh / 60 / tp.circuity  # straight-line km per car minute at best
    est = size.estimate(x, y, catchment.reach_km(tp.catchment_min, car_top_speed))
    size.check(est, limit_gb=limit_gb)
    progress = progress and est.pairs >= size.LARGE_PAIRS
    if progress:
        print(f"{facts.name}: building {size.describe(est)}", file=sys.stderr, flush=True)
    is_core = np.zeros(n, dtype=bool)
    is_core[core] = True
    edges = _road_edges(x, y)
    length = np.hypot(x[edges[:, 0]] - x[edges[:, 1]], y[edges[:, 0]] - y[edges[:, 1]]) * tp.circuity
    length = np.maximum(length, 0.5)
    corridor = _corridors(x, y, core, cfg.n_corridors, rng)

    ends = [(int(i), int(j)) for i, j in edges]
    road_km, car_min = length.tolist(), (60 * length / tp.car_speed_kmh).tolist()
    pt_min, rail = (60 * length / tp.pt_speed_local_kmh).tolist(), [False] * len(ends)
    index = {e: k for k, e in enumerate(ends)}
    r = np.hypot(x - x[core], y - y[core])
    for c in np.unique(corridor[corridor >= 0]):
        stops = [core, *sorted(np.flatnonzero(corridor == c), key=lambda k: r[k])]
        for a, b in zip(stops, stops[1:], strict=False):
            km = float(np.hypot(x[a] - x[b], y[a] - y[b])) * 1.1
            pt = 60 * km / tp.pt_speed_corridor_kmh
            key = (int(min(a, b)), int(max(a, b)))
            if key in index:
                k = index[key]
                pt_min[k], rail[k] = min(pt_min[k], pt), True
            else:
                index[key] = len(ends)
                ends.append(key)
                road_km.append(km * tp.circuity / 1.1)
                car_min.append(60 * km * tp.circuity / 1.1 / tp.car_speed_kmh)
                pt_min.append(pt)
                rail.append(True)
    net = Network(np.array(ends, dtype=np.int64).reshape(-1, 2), *(np.array(v, dtype=float) for v in
                                                                    (road_km, car_min, pt_min)), np.array(rail))
    car_per_km = 60 / tp.car_speed_kmh  # car minutes per road km on every edge
    pt_ratio = max(tp.car_speed_kmh / tp.pt_speed_local_kmh, 1.1 * tp.car_speed_kmh / (tp.pt_speed_corridor_kmh *
                                                                                        tp.circuity))
    pairs = catchment.build(
        x, y, net.matrix(n, "car_min"), net.matrix(n, "pt_min"),
        cutoff_min=tp.catchment_min, car_top_speed=car_top_speed,
        pt_limit_min=tp.catchment_min * pt_ratio * 1.01,
        pt_top_speed=max(tp.pt_speed_local_kmh / tp.circuity, tp.pt_speed_corridor_kmh / 1.1) / 60,
        road_per_car_min=1 / car_per_km, progress=progress)
    own = pairs.diag
    pairs.road_km[own] = np.sqrt(table.area_km2) / 2
    pairs.car_min[own] = tp.intrazonal_min
    pairs.pt_min[own] = tp.intrazonal_min * 1.5
    return Geography(list(table.names), is_core, table.population.astype(float), table.area_km2.astype(float),
                     x.astype(float), y.astype(float), corridor, net, pairs,
                     list(table.codes) if table.codes else [""] * n, region_outside(facts, cfg))


def region_geography(cfg: RunConfig, region: str | None = None, facts: RegionFacts | None = None,
                     seed: int | None = None) -> Geography:
    """The geography a run of the configuration builds for one region (its facts and its own seed's stream):
    the model, the report's map and the brief's name check all see the same municipalities and network. region
    is a region's name, or a FUA's code as its results carry it."""
    name = "fua" if cfg.region.name == "fua" else (region or cfg.region.name)
    facts = facts if facts is not None else region_facts(cfg.region, name)
    seed = run_seed(cfg, region_label(cfg, name)) if seed is None else int(seed)
    return build_geography(facts, cfg.region, cfg.params.transport, geography_rng(seed), cfg.max_memory_gb,
                           cfg.progress)


def region_label(cfg: RunConfig, region: str) -> str:
    """The name a region's results carry: a functional urban area's code (region=fua), else the region's name."""
    return cfg.region.fua_id if region == "fua" else region
