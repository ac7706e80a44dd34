"""Travel within reach: the origin-destination pairs whose car time is within a cutoff, as sparse rows.

Commuting, mode choice and trust only matter between municipalities within reach of each other, so a region
of N municipalities holds N x (municipalities within reach) pairs rather than N^2: the cost of every quarter
grows with N, not N^2. Pairs are stored in CSR order (by origin, then destination) as flat numpy arrays, and
the matrix products use scipy.sparse. Travel times are shortest paths on the road and public-transport
networks (scipy.sparse.csgraph Dijkstra, in C), computed once, block by block: the sources of one spatial
cell search only the subgraph of municipalities they could reach at the network's top speed, so neither
time nor memory grows with N^2. With a cutoff longer than any trip in the region, every pair is kept and the
results equal those of dense all-pairs matrices.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from tqdm.auto import tqdm


@dataclass(frozen=True)
class Catchment:
    """The pairs (i, j) with car time from i to j within the cutoff, i == j included, in CSR order."""

    n: int
    indptr: np.ndarray  # row i's pairs are [indptr[i], indptr[i + 1])
    dest: np.ndarray  # destination of each pair
    orig: np.ndarray  # origin of each pair
    car_min: np.ndarray
    road_km: np.ndarray
    pt_min: np.ndarray
    cutoff_min: float

    @property
    def nnz(self) -> int:
        """Number of pairs."""
        return len(self.dest)

    @property
    def complete(self) -> bool:
        """True when every pair of municipalities is within reach (the dense case)."""
        return self.nnz == self.n * self.n

    @cached_property
    def diag(self) -> np.ndarray:
        """Position of each municipality's own pair (i, i)."""
        return self.positions(np.arange(self.n), np.arange(self.n))

    @cached_property
    def _keys(self) -> np.ndarray:
        return self.orig.astype(np.int64) * self.n + self.dest

    def matrix(self, values: np.ndarray) -> sparse.csr_array | np.ndarray:
        """The pairs' values as an N x N matrix sharing their memory: sparse (absent pairs are 0), or dense when
        every pair is within reach (CSR order is then row-major order, and BLAS beats sparse products)."""
        if self.complete:
            return values.reshape(self.n, self.n)
        return sparse.csr_array((values, self.dest, self.indptr), shape=(self.n, self.n), copy=False)

    def row_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum over destinations, per origin."""
        if self.complete:
            return values.reshape(self.n, self.n).sum(axis=1)
        return csr_row_sums(self.indptr, values)

    def row_dot(self, a: np.ndarray, b: np.ndarray, dest_weight: np.ndarray | None = None) -> np.ndarray:
        """Sum over destinations of a * b (times a weight per destination), per origin; without a product array
        per pair where dense."""
        if self.complete:
            n = self.n
            if dest_weight is None:
                return np.einsum("ij,ij->i", a.reshape(n, n), b.reshape(n, n))
            return np.einsum("ij,ij,j->i", a.reshape(n, n), b.reshape(n, n), dest_weight)
        v = a * b
        if dest_weight is not None:
            v *= dest_weight[self.dest]
        return self.row_sums(v)

    def col_dot(self, a: np.ndarray, b: np.ndarray, origin_weight: np.ndarray) -> np.ndarray:
        """Sum over origins of a * b times a weight per origin, per destination."""
        if self.complete:
            n = self.n
            return np.einsum("ij,ij,i->j", a.reshape(n, n), b.reshape(n, n), origin_weight)
        v = a * b
        v *= self.by_origin(origin_weight)
        return self.col_sums(v)

    def col_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum over origins, per destination."""
        if self.complete:
            return values.reshape(self.n, self.n).sum(axis=0)
        return np.bincount(self.dest, weights=values, minlength=self.n)

    @cached_property
    def own(self) -> np.ndarray:
        """True for each municipality's own pair (i, i)."""
        return self.orig == self.dest

    def by_origin(self, x: np.ndarray) -> np.ndarray:
        """A per-municipality array spread over the pairs by their origin."""
        return np.repeat(x, np.diff(self.indptr))

    def by_dest(self, x: np.ndarray) -> np.ndarray:
        """A per-municipality array spread over the pairs by their destination."""
        return np.tile(x, self.n) if self.complete else x[self.dest]

    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Positions of the pairs (i, j) within reach with rows[i] and cols[j] (boolean masks), in pair order."""
        if self.complete:
            return (np.flatnonzero(rows)[:, None] * self.n + np.flatnonzero(cols)[None, :]).ravel()
        return np.flatnonzero(rows[self.orig] & cols[self.dest])

    def row(self, i: int, values: np.ndarray, fill: float) -> np.ndarray:
        """One origin's values towards every municipality, fill where out of reach."""
        out = np.full(self.n, fill, dtype=np.asarray(values).dtype)
        lo, hi = self.indptr[i], self.indptr[i + 1]
        out[self.dest[lo:hi]] = values[lo:hi]
        return out

    def positions(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Position of each pair (rows[k], cols[k]) in the arrays, -1 where it is out of reach."""
        keys = self._keys
        q = np.asarray(rows, dtype=np.int64) * self.n + np.asarray(cols, dtype=np.int64)
        pos = np.minimum(np.searchsorted(keys, q), max(self.nnz - 1, 0))
        return np.where(keys[pos] == q, pos, -1)


def _search_rows(rows: list[tuple[np.ndarray, ...] | None], src: np.ndarray, sub: np.ndarray, car: sparse.csr_array,
                 pt: sparse.csr_array, cutoff_min: float, pt_limit_min: float, road_per_car_min: float) -> None:
    """Each source's pairs within the car cutoff (destinations, car minutes, road km, PT minutes), searched on the
    subgraph of the municipalities `sub` (car and pt are its edges), into rows."""
    local = np.searchsorted(sub, src)
    d_car = dijkstra(car, directed=True, indices=local, limit=cutoff_min)  # symmetric: both directions stored
    d_pt = dijkstra(pt, directed=True, indices=local, limit=pt_limit_min)
    within = np.isfinite(d_car)
    k, j = np.nonzero(within)  # row-major: source by source, destinations in order
    dest, car_min, pt_min = sub[j], d_car[k, j], d_pt[k, j]
    road_km = car_min * road_per_car_min
    counts = within.sum(axis=1)
    ends = np.cumsum(counts)
    for i, lo, hi in zip(src, ends - counts, ends, strict=True):
        rows[i] = (dest[lo:hi], car_min[lo:hi], road_km[lo:hi], pt_min[lo:hi])


def csr_rows(indptr: np.ndarray) -> np.ndarray:
    """The row of each stored entry of a CSR matrix with these row pointers."""
    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))


def csr_row_sums(indptr: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum of each row's stored values in CSR order: each row's run of entries added up where every row holds
    one (one pass, as every origin holds its own pair), counted out by row otherwise."""
    counts = np.diff(indptr)
    if len(counts) and (counts > 0).all():
        return np.add.reduceat(values, indptr[:-1])
    return np.bincount(csr_rows(indptr), weights=values, minlength=len(counts))


def all_pairs(car_min: np.ndarray, road_km: np.ndarray, pt_min: np.ndarray) -> Catchment:
    """Every pair of a small region from dense N x N matrices (for hand-made examples and tests)."""
    n = len(car_min)
    itype = np.int32
    return Catchment(n=n, indptr=np.arange(0, n * n + 1, n, dtype=itype), dest=np.tile(np.arange(n, dtype=itype), n),
                     orig=np.repeat(np.arange(n, dtype=itype), n), car_min=np.ravel(car_min).astype(float),
                     road_km=np.ravel(road_km).astype(float), pt_min=np.ravel(pt_min).astype(float),
                     cutoff_min=float("inf"))


def reach_km(limit_min: float, speed_km_per_min: float) -> float:
    """Straight-line distance no path within the time limit can exceed, at the network's top speed."""
    return limit_min * speed_km_per_min


def build(x: np.ndarray, y: np.ndarray, car: sparse.csr_array, pt: sparse.csr_array, cutoff_min: float,
          car_top_speed: float, pt_limit_min: float, pt_top_speed: float, road_per_car_min: float,
          progress: bool = False) -> Catchment:
    """Shortest car and PT paths for every pair within cutoff_min car minutes, block by spatial block.

    car/pt: the network's edge weights (minutes), each edge stored both ways (an undirected graph's matrix, so each
    search may follow the stored direction alone); *_top_speed: the largest straight-line km per minute an edge
    of that network allows, which bounds how far the search must look; pt_limit_min: a PT search limit long
    enough to reach every destination within the car cutoff; road_per_car_min: km per car minute on every
    edge (road length is proportional to car time), so the shortest road is the quickest and its km are its
    minutes times this, without a search of its own. progress: show the blocks searched (a large region).
    """
    n = len(x)
    xy = np.column_stack([x, y])
    r_car = reach_km(cutoff_min, car_top_speed)
    r_look = max(r_car, reach_km(pt_limit_min, pt_top_speed))
    cell = max(r_car / 2.0, 1e-6)
    cells = np.floor((xy - xy.min(axis=0)) / cell).astype(np.int64)
    cell_id = cells[:, 0] * (cells[:, 1].max() + 1) + cells[:, 1]
    tree = cKDTree(xy)
    order = np.argsort(cell_id, kind="stable")
    bounds = np.flatnonzero(np.diff(cell_id[order])) + 1
    rows: list[tuple[np.ndarray, ...] | None] = [None] * n
    everywhere: list[np.ndarray] = []  # sources of cells whose search may reach every municipality
    for src in tqdm(np.split(order, bounds), disable=not progress, desc="travel times", unit="cell",
                    mininterval=0.5, leave=False):
        lo, hi = xy[src].min(axis=0), xy[src].max(axis=0)
        centre, half = (lo + hi) / 2, float(np.hypot(*(hi - lo)) / 2)
        sub = np.sort(np.asarray(tree.query_ball_point(centre, r_look + half + 1e-9), dtype=np.int64))
        if len(sub) == n:  # the subgraph is the whole graph: searched once, with all such cells' sources
            everywhere.append(src)
            continue
        _search_rows(rows, src, sub, car[sub][:, sub], pt[sub][:, sub], cutoff_min, pt_limit_min, road_per_car_min)
    if everywhere:
        every = np.concatenate(everywhere)
        for batch in np.array_split(every, -(-len(every) * n // 2**24)):  # distance arrays of at most 2^24 cells
            _search_rows(rows, batch, np.arange(n), car, pt, cutoff_min, pt_limit_min, road_per_car_min)
    counts = np.array([len(r[0]) for r in rows])
    itype = np.int32 if counts.sum() < np.iinfo(np.int32).max else np.int64
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(itype)
    dest, car_min, road_km, pt_min = (np.concatenate([r[k] for r in rows]) for k in range(4))
    if len(dest) == n * n:  # every pair: i to j and j to i, summed along the path in opposite orders, made equal
        car_min, pt_min = (np.minimum(x.reshape(n, n), x.reshape(n, n).T).ravel() for x in (car_min, pt_min))
        road_km = car_min * road_per_car_min
    if not np.isfinite(pt_min).all():
        raise RuntimeError("catchment: a pair within the car cutoff has no PT path within the search limit")
    return Catchment(n=n, indptr=indptr, dest=dest.astype(itype), orig=np.repeat(np.arange(n, dtype=itype), counts),
                     car_min=car_min, road_km=road_km, pt_min=pt_min, cutoff_min=cutoff_min)
