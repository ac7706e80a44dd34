"""A run with a trace: the historical scenario run to its horizon exactly as runner.run_scenario runs it,
recording after every quarter the few quantities observed patterns need that the result tables do not hold (the
core's population, workplaces and in- and out-commuters, across the region's boundary too, the PT share of
inbound commuting, developed land, the status of each theme's agreement)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from cityregions.config import RunConfig, region_config
from cityregions.model import indicators
from cityregions.model.model import CityRegionModel
from cityregions.rules.cooperation import BINDING, STRENGTH, Theme

STATUS_NONE = "none"
BINDING_STATUSES = tuple(s.name.lower() for s in BINDING)  # the statuses of a binding agreement, as recorded


class Tables(NamedTuple):
    """One run of one region: the quarterly indicator table and the validation trace (both one row a quarter;
    the trace also has the initial state, step -1)."""

    quarterly: pd.DataFrame
    trace: pd.DataFrame


def _status(m: CityRegionModel, theme: Theme) -> str:
    active = [a.status for a in m.coop.agreements[theme] if a.active]
    return max(active, key=STRENGTH.index).name.lower() if active else STATUS_NONE


def trace_row(m: CityRegionModel, step: int) -> dict[str, float | int | str]:
    """The quantities patterns need that the result tables do not hold, from the model's state after a step."""
    pairs, core, flows, p_pt, area = m.geo.pairs, m.geo.core, m.commuting.flows, m.commuting.p_pt, m.land_use.area_ha
    sub = ~m.geo.is_core
    to_core = pairs.dest == core
    by_origin = pairs.row_sums(flows)
    to_core_by_origin = np.bincount(pairs.orig[to_core], weights=flows[to_core], minlength=m.geo.n)
    inbound = to_core & sub[pairs.orig]
    from_core = (pairs.orig == core) & (pairs.dest != core)
    developed = m.land.developed()
    year = m.timeline.decimal_year(step) if step >= 0 else m.timeline.decimal_year(0) - 0.25
    crossing = m.commuting.crossings  # commuters across an open region's boundary
    out = crossing.out if crossing is not None else np.zeros(m.geo.n)
    into = float(crossing.into[core]) if crossing is not None else 0.0
    workers = by_origin + out
    return {
        "step": step, "year": year, "core_population": float(m.people.population[core]),
        "ring_population": float(m.people.population[sub].sum()),
        "region_population": float(m.people.population.sum()),
        "core_out_commuters": float(flows[from_core].sum() + out[core]),
        "core_workplace": float(to_core_by_origin.sum() + into),
        "core_in_commuters": float(to_core_by_origin[sub].sum() + into),
        "suburban_workers": float(workers[sub].sum()), "suburban_to_core": float(to_core_by_origin[sub].sum()),
        "over_half_to_core": int((sub & (to_core_by_origin > 0.5 * workers)).sum()),
        "ring_out_commuters": float(out[sub].sum()),
        "pt_inbound_share": float((flows[inbound] * p_pt[inbound]).sum() / max(flows[inbound].sum(), 1e-12)),
        "developed_ha": float(developed.sum()), "area_ha": float(area.sum()),
        "core_developed_ha": float(developed[core]), "core_area_ha": float(area[core]),
        **{f"status_{t.value}": _status(m, t) for t in Theme}}


def simulate(cfg: RunConfig, region: str) -> Tables:
    """Run one region of the configuration to its horizon as runner.run_scenario does, with the trace."""
    m = CityRegionModel(region_config(cfg, region), region=region)
    rows = [trace_row(m, -1)]
    for s in range(m.timeline.n_steps):
        m.step()
        rows.append(trace_row(m, s))
    return Tables(indicators.quarterly_table(m), pd.DataFrame(rows))
