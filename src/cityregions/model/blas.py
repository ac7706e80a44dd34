"""BLAS on one thread while a model builds and runs (threadpoolctl's controllers of the loaded libraries).

The model's dense products are at most a few hundred rows, where OpenBLAS's extra threads cost more than they
share and, spinning while they wait, take a core from the other jobs of a sweep.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import numpy  # noqa: F401  loaded here, with scipy's BLAS, so that controllers() finds both whoever calls it first
import scipy.linalg  # noqa: F401
from threadpoolctl import ThreadpoolController


@cache
def controllers() -> tuple:
    """The loaded BLAS libraries' controllers, found once (numpy's and scipy's, loaded with this module)."""
    return tuple(ThreadpoolController().select(user_api="blas").lib_controllers)


_open = 0  # blocks open in this process (BLAS's threads are the process's setting, not a thread's)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside the block, the caller's own setting restored on exit. Inside another such block
    nothing is asked or touched: changing the setting costs about half a millisecond each way and asking every
    library a few microseconds, so a whole run holds one block and its steps' own blocks are free. Where BLAS is
    on one thread already, nothing is changed."""
    global _open
    if _open:
        _open += 1
        try:
            yield
        finally:
            _open -= 1
        return
    changed = [(lib, k) for lib in controllers() if (k := lib.get_num_threads()) != 1]
    for lib, _ in changed:
        lib.set_num_threads(1)
    _open += 1
    try:
        yield
    finally:
        _open -= 1
        for lib, k in changed:
            lib.set_num_threads(k)
