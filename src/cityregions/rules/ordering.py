"""The products of the Furness sweeps over a large sparse deterrence, with the municipalities renumbered once
so that each one's pairs within reach lie near it in the numbering (reverse Cuthill-McKee).

A sweep's two sparse products gather x[j] for every pair (i, j) within reach. Numbered as the region's table
lists them, a row's neighbours are spread over all N municipalities (10,000: a mean |i - j| of 3,300), and each
gather goes to a different part of x; renumbered, they lie within a narrow band (mean |i - j| about 550), the
gathers stay in the fastest cache, and a product takes half the time. The renumbered matrix and its transpose
(CSR, so that D^T x is a row-wise product too) are made once per deterrence and kept while it lives; the
vectors are renumbered in and back on each product (O(N), beside O(pairs)). The sums are those of the
original products with their terms in another order: the same to rounding.

A matrix of at least SPLIT_PAIRS stored pairs is also split into two blocks of rows with as many pairs each,
multiplied at once on two threads where the process may use two cores (scipy's product releases the GIL):
each row's sum is the same to the bit as in one product, so the result does not depend on the threads.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import reverse_cuthill_mckee

SPLIT_PAIRS = 1_000_000  # stored pairs from which a product is split over two threads (about 2 ms a product)
_POOL: dict[int, ThreadPoolExecutor | None] = {}  # per process (a forked child makes its own): None, one core


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this platform
        return os.cpu_count() or 1


def _helper() -> ThreadPoolExecutor | None:
    """This process's helper thread for the first block of rows, or None where it may use one core only."""
    pid = os.getpid()
    if pid not in _POOL:
        _POOL.clear()
        _POOL[pid] = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="cityregions-products")
                      if _cores() >= 2 else None)
    return _POOL[pid]


def _split(m: sparse.csr_array) -> tuple[sparse.csr_array, ...]:
    """m as one block of rows, or two with as many stored pairs each where it has at least SPLIT_PAIRS."""
    if m.nnz < SPLIT_PAIRS:
        return (m,)
    half = int(np.searchsorted(m.indptr, m.nnz // 2))
    return m[:half], m[half:]


def _product(blocks: tuple[sparse.csr_array, ...]) -> Callable[[np.ndarray], np.ndarray]:
    """x -> the blocks stacked times x: the first block on the helper thread while this one does the second."""
    if len(blocks) == 1:
        return blocks[0].__matmul__
    first, second = blocks

    def product(x: np.ndarray) -> np.ndarray:
        pool = _helper()
        if pool is None:
            return np.concatenate([first @ x, second @ x])
        head = pool.submit(first.__matmul__, x)
        tail = second @ x
        return np.concatenate([head.result(), tail])

    return product


@dataclass(frozen=True)
class Renumbered:
    """A square sparse matrix D renumbered, D'[k, l] = D[order[k], order[l]], kept as blocks of rows."""

    order: np.ndarray  # the municipality in each new position
    back: np.ndarray  # the new position of each municipality (order's inverse)
    matrix: tuple[sparse.csr_array, ...]  # D', as one or two blocks of rows (_split)
    transpose: tuple[sparse.csr_array, ...]  # D'^T in CSR, likewise

    def products(self) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
        """x -> D x and x -> D^T x, in the original numbering."""
        order, back = self.order, self.back
        matrix, transpose = _product(self.matrix), _product(self.transpose)

        def by_rows(x: np.ndarray) -> np.ndarray:
            return matrix(x[order])[back]

        def by_cols(x: np.ndarray) -> np.ndarray:
            return transpose(x[order])[back]

        return by_rows, by_cols


_KEPT: dict[int, tuple[weakref.ref, Renumbered]] = {}


def renumbered(d: sparse.csr_array) -> Renumbered:
    """d renumbered in reverse Cuthill-McKee order (of d + d^T's pattern), made once per matrix and kept while it
    lives. The kept copy holds d's values, so d's values, indices and row pointers are made read-only here: a
    later change in place raises instead of leaving the kept copy stale."""
    key = id(d)
    held = _KEPT.get(key)
    if held is not None and held[0]() is d:
        return held[1]
    order = reverse_cuthill_mckee(sparse.csr_array(d), symmetric_mode=False).astype(np.intp)
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    matrix = sparse.csr_array(sparse.csr_array(d)[order][:, order])
    matrix.sort_indices()
    transpose = sparse.csr_array(matrix.T)
    transpose.sort_indices()
    out = Renumbered(order, back, _split(matrix), _split(transpose))
    for part in (d.data, d.indices, d.indptr):
        part.flags.writeable = False
    _KEPT[key] = (weakref.ref(d, lambda _: _KEPT.pop(key, None)), out)
    return out
