"""The classroom's figures: the region's network coloured by membership, and the live indicators against no
cooperation. Each is built once per session (or room) and updated each quarter: building the axes anew would
cost more than the quarter itself. No Solara here: the single-session page and the rooms both draw these."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from cityregions.app.classroom import CHARTS, ENGLISH, MIN_SPAN, Classroom
from cityregions.reporting.labels import Labels
from cityregions.rules.cooperation import Theme
from cityregions.world.phases import Phase

COLOURS = {(False, False): ("#ffffff", "legend_none"), (True, False): ("#4c9a2a", "legend_land"),
           (False, True): ("#2a6fba", "legend_transport"), (True, True): ("#7b3294", "legend_both")}  # label keys
PHASE_SHADE = {Phase.EXCHANGE: "#fde7c8", Phase.PILOTS: "#d9ecd0", Phase.AGREEMENTS: "#d6e4f5"}
DPI = 90  # the figures' resolution on the page: sharp enough, and a third less to encode and send than 100


class NetworkView:
    """The region's municipalities on their road network, sized by residents, coloured by membership; drawn once
    per session and updated each quarter (building the axes anew would cost more than the quarter itself)."""

    def __init__(self, model: Classroom, L: Labels = ENGLISH) -> None:
        geo = model.run.geo
        self.labels = [L(key) for _, key in COLOURS.values()]
        self.fig = Figure(figsize=(5.2, 5.0))
        ax = self.fig.subplots()
        x, y = geo.x_km, geo.y_km
        ax.add_collection(LineCollection([((x[i], y[i]), (x[j], y[j])) for i, j in geo.graph.edges], colors="0.85",
                                         linewidths=0.5, zorder=0))
        self.dots = ax.scatter(x, y, s=10, edgecolors="black", linewidths=0.5, zorder=2)
        self.rings = ax.scatter(x[:0], y[:0], facecolors="none", edgecolors="#d7301f", linewidths=1.8, zorder=3)
        ax.annotate(geo.names[geo.core], (x[geo.core], y[geo.core]), xytext=(6, 6), textcoords="offset points",
                    fontsize=9)
        ax.set_aspect("equal")
        ax.set_xlabel("km")
        ax.set_ylabel("km")
        handles = [Line2D([], [], ls="", marker="o", markerfacecolor=c, markeredgecolor="black", label=label)
                   for (c, _), label in zip(COLOURS.values(), self.labels, strict=True)]
        handles.append(Line2D([], [], ls="", marker="o", markerfacecolor="none", markeredgecolor="#d7301f",
                              markeredgewidth=1.8, label=L("app_legend_mayors")))
        self.legend = ax.legend(handles=handles, loc="lower left", fontsize=9, framealpha=0.8)
        ax.set_title(L("app_map_title", region=L.region(model.run.region), n=geo.n), fontsize=10)
        self.fig.subplots_adjust(left=0.12, right=0.98, bottom=0.09, top=0.94)

    def update(self, model: Classroom) -> Figure:
        """Sizes, colours and the students' rings of the current quarter."""
        m = model.run
        land, transport = m.members(Theme.LAND), m.members(Theme.TRANSPORT)
        size = 8 + 400 * np.sqrt(m.people.population / m.people.population.max())
        self.dots.set_sizes(size)
        self.dots.set_facecolors([COLOURS[(bool(a), bool(b))][0] for a, b in zip(land, transport, strict=True)])
        mayors = sorted(m.students.mayors)
        self.rings.set_offsets(np.column_stack([m.geo.x_km[mayors], m.geo.y_km[mayors]]) if mayors
                               else np.empty((0, 2)))
        self.rings.set_sizes(size[mayors] * 2.2)
        for text, (lnd, trn), label in zip(self.legend.get_texts(), COLOURS, self.labels, strict=False):
            text.set_text(f"{label} ({int(np.count_nonzero((land == lnd) & (transport == trn)))})")
        return self.fig


class ChartsView:
    """The four live indicators of the run (solid) and of no cooperation with the same seed (dashed)."""

    def __init__(self, model: Classroom, L: Labels = ENGLISH) -> None:
        tl = model.run.timeline
        self.fig = Figure(figsize=(7.2, 5.0))
        self.axes = list(self.fig.subplots(2, 2, sharex=True).flat)
        x0, x1 = tl.decimal_year(0) - 0.125, tl.decimal_year(tl.n_steps - 1) + 0.125
        self.lines = []
        for ax, (_, label) in zip(self.axes, CHARTS, strict=True):
            for phase, a, b in tl.phase_spans():
                if phase in PHASE_SHADE:
                    ax.axvspan(a, b, color=PHASE_SHADE[phase], lw=0, zorder=0)
            cf, = ax.plot([], [], ls="--", color="0.45", label=L("app_counterfactual"))
            run, = ax.plot([], [], color="#b2182b", lw=2, label=L.scenario(model.cfg.scenario.name))
            self.lines.append((run, cf))
            ax.set_title(L(label), fontsize=11)
            ax.set_xlim(x0, x1)
            ax.set_xticks(range(2015, int(x1) + 1, 5))
            ax.tick_params(labelsize=10)
        self.axes[0].legend(fontsize=9, loc="upper left")
        self.fig.subplots_adjust(left=0.09, right=0.98, bottom=0.07, top=0.94, wspace=0.3, hspace=0.25)

    def update(self, model: Classroom) -> Figure:
        """The series so far, with the y axes fitted to them but never narrower than the chart's least span."""
        run, cf = model.series()
        for ax, (key, _), (line, cf_line) in zip(self.axes, CHARTS, self.lines, strict=True):
            line.set_data(run["year"], run[key])
            cf_line.set_data(cf["year"], cf[key])
            ax.set_ylim(*y_range(np.concatenate([run[key].to_numpy(float), cf[key].to_numpy(float)]),
                                 MIN_SPAN[key]))
        return self.fig


def y_range(values: np.ndarray, least: float) -> tuple[float, float]:
    """An axis range holding the values with 5 % margins, widened about their middle to at least `least` (and not
    below zero, for these quantities)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, least
    lo, hi = float(values.min()), float(values.max())
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    if hi - lo < least:
        mid = (lo + hi) / 2
        lo, hi = mid - least / 2, mid + least / 2
    if lo < 0 <= float(values.min()):
        lo, hi = 0.0, hi - lo
    return lo, hi


def png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes (a room draws each figure once per quarter for all its screens)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
