"""Anderson acceleration's history for the Furness sweeps (gravity._furness), kept cheaply on large regions.

Each accelerated sweep fits its residual f by the last few differences of residuals (dF) and steps to
g - dG gamma. On a region of thousands of municipalities, assembling the n x depth matrices and a least-squares
solve by SVD each sweep cost a tenth of the sweeps' time; kept as fixed arrays with their dot products, the fit
costs O(n depth), and a deeper history (fewer sweeps) becomes cheap.
"""

from __future__ import annotations

import numpy as np

LARGE = 1000  # rows from which the history is kept as fixed arrays and fitted through its dot products


class History:
    """Anderson acceleration's history (Walker & Ni 2011): the last `depth` differences of the residuals f and
    of the sweeps' results g, and the step x = g - dG gamma with gamma the least-squares fit of f by dF.

    Below LARGE rows, as lists made into matrices each sweep and fitted by lstsq (the fit's order of terms as it
    always was). From LARGE rows on, where assembling the n x depth matrices and the fit dominate a sweep's own
    cost beside its products, the differences are rows of fixed arrays written in turn (the oldest
    overwritten; a fit does not depend on the order) and the fit solves the normal equations from their dot
    products, one row and column of which change each sweep: O(n depth) a sweep instead of O(n depth^2)."""

    def __init__(self, depth: int, n: int) -> None:
        self.depth, self.large = depth, n >= LARGE
        if self.large:
            self.d_f, self.d_g = np.empty((depth, n)), np.empty((depth, n))
            self.gram = np.empty((depth, depth))
        self.clear()

    def clear(self) -> None:
        """Forget every difference."""
        self.held = self.at = 0
        self.f_list: list[np.ndarray] = []
        self.g_list: list[np.ndarray] = []

    def add(self, df: np.ndarray, dg: np.ndarray) -> None:
        """One more pair of differences; the oldest goes beyond `depth`."""
        if not self.large:
            self.f_list.append(df)
            self.g_list.append(dg)
            if len(self.f_list) > self.depth:
                del self.f_list[0], self.g_list[0]
            return
        if self.depth == 0:
            return
        at = self.at
        self.d_f[at], self.d_g[at] = df, dg
        self.held = min(self.held + 1, self.depth)
        self.gram[at, :self.held] = self.gram[:self.held, at] = self.d_f[:self.held] @ self.d_f[at]
        self.at = (at + 1) % self.depth

    def extrapolate(self, f: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The next point: g itself without history, else g - dG gamma."""
        if not self.large:
            if not self.f_list:
                return g
            gamma = np.linalg.lstsq(np.column_stack(self.f_list), f, rcond=None)[0]
            return g - np.column_stack(self.g_list) @ gamma
        if not self.held:
            return g
        held = self.held
        gamma = np.linalg.lstsq(self.gram[:held, :held], self.d_f[:held] @ f, rcond=None)[0]
        return g - gamma @ self.d_g[:held]
