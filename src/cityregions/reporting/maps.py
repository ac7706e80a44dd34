"""The region's network map: municipalities sized by residents, marked by the agreements they belong to.

Markers, not colours, carry membership (hollow circle: none; square: land compact; triangle: transport
association; filled circle: both), so the map reads in black and white. The road network is rebuilt from the
run's saved configuration (the geography is deterministic for a configuration and seed).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from cityregions.reporting.labels import Labels
from cityregions.reporting.plots import localise, plt

STATES = (  # (land, transport) -> marker, face colour, legend key
    ((False, False), "o", "white", "legend_none"),
    ((True, False), "s", "0.55", "legend_land"),
    ((False, True), "^", "0.55", "legend_transport"),
    ((True, True), "o", "black", "legend_both"),
)


LABELLED = 6  # places named on each panel: the core and the largest others


def largest(munis: pd.DataFrame, n: int) -> list[int]:
    """Row positions of the core city and the n - 1 most populous other municipalities."""
    core = munis["is_core"].to_numpy(bool)
    order = np.argsort(-munis["population_start"].to_numpy(), kind="stable")
    return [*np.flatnonzero(core).tolist(), *[int(i) for i in order if not core[i]][: n - 1]]


def road_network(run_dir: Path | None, region: str) -> nx.Graph | None:
    """The region's municipality network as the run built it (None if its configuration cannot be read)."""
    if run_dir is None or not (Path(run_dir) / "config.yaml").is_file():
        return None
    from cityregions.config import region_config
    from cityregions.runs.results import read_config
    from cityregions.world.geography import region_geography

    try:  # region=all: the region's own configuration (its calibrated transport parameters)
        return region_geography(region_config(read_config(Path(run_dir) / "config.yaml"), region), region).graph
    except (OSError, ValueError):  # e.g. a municipality table that has moved since the run
        return None


def membership_map(munis: pd.DataFrame, panels: list[tuple[str, pd.DataFrame]], graph: nx.Graph | None,
                   label: Labels, title: str, ncol: int) -> plt.Figure:
    """Small multiples of the region: one panel per (title, membership table), in rows of ncol."""
    nrow = -(-len(panels) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 3.5 * nrow + 0.8), squeeze=False)
    x, y = munis["x_km"].to_numpy(), munis["y_km"].to_numpy()
    size = 6 + 300 * np.sqrt(munis["population_start"].to_numpy() / munis["population_start"].max())
    segments = []
    if graph is not None:
        segments = [((x[i], y[i]), (x[j], y[j])) for i, j in graph.edges if i < len(x) and j < len(x)]
    from matplotlib.collections import LineCollection

    for ax, (name, members) in zip(axes.flat, panels, strict=False):
        if segments:
            ax.add_collection(LineCollection(segments, colors="0.8", linewidths=0.4, zorder=0))
        state = members.set_index("municipality").reindex(munis["municipality"])
        land = state["land"].eq(True).to_numpy()
        transport = state["transport"].eq(True).to_numpy()
        for (lnd, trn), marker, face, _ in STATES:
            sel = (land == lnd) & (transport == trn)
            ax.scatter(x[sel], y[sel], s=size[sel], marker=marker, facecolors=face, edgecolors="black",
                       linewidths=0.5, zorder=2)
        for i in largest(munis, LABELLED):
            ax.annotate(str(munis["municipality"].iloc[i]), (x[i], y[i]), xytext=(4, 4), textcoords="offset points",
                        fontsize=7 if munis["is_core"].iloc[i] else 6, zorder=3)
        ax.set_title(name, fontsize=8)
        ax.set_aspect("equal")
        ax.set_xlabel("km", fontsize=7)
        ax.set_ylabel("km", fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="", marker=marker, markerfacecolor=face, markeredgecolor="black", markersize=7,
                      label=label(key)) for _, marker, face, key in STATES]
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, fontsize=8)
    fig.suptitle(f"{title}\n{label('fig_map')}", fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return localise(fig, label)


CHANGE_MARKERS = {"legend_none": "o", "legend_land": "s", "legend_transport": "^", "legend_both": "D"}  # colour is
# taken by the change, so both agreements get a shape of their own


# what a map of change can show: the winners table's column, a diverging colour-blind-safe colour map (the
# colour of a loss or of more land taken first), the caption's and the colour bar's labels
CHANGES = {"budget": ("budget_pv_eur_pc_diff", "PuOr_r", "fig_change_map", "axis_budget_pv"),
           "greenfield": ("greenfield_ha_diff", "BrBG_r", "fig_change_green", "axis_greenfield_diff")}


def change_map(munis: pd.DataFrame, table: pd.DataFrame, arms: list[str], names: dict[str, str],
               graph: nx.Graph | None, label: Labels, title: str, what: str = "budget") -> plt.Figure:
    """One panel per arm: every municipality at its position, sized by residents, coloured by its difference
    to the baseline (winners.winners_table; `what` in CHANGES: the present value of its revenue left per
    resident, or the greenfield it took), on a diverging, colour-blind-safe scale centred on zero with a labelled
    colour bar; its marker says which agreements it belongs to in most replicates; the core and the largest
    places named."""
    import textwrap

    from matplotlib.collections import LineCollection
    from matplotlib.colors import TwoSlopeNorm

    x, y = munis["x_km"].to_numpy(), munis["y_km"].to_numpy()
    size = 8 + 300 * np.sqrt(munis["population_start"].to_numpy() / munis["population_start"].max())
    segments = [((x[i], y[i]), (x[j], y[j])) for i, j in graph.edges if i < len(x) and j < len(x)] if graph else []
    by_arm = {a: table[table["arm"] == a].set_index("municipality").reindex(munis["municipality"]) for a in arms}
    column, cmap, caption, axis = CHANGES[what]
    values = np.concatenate([t[column].to_numpy(float) for t in by_arm.values()])
    reach = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-max(reach, 1e-9), vmax=max(reach, 1e-9))
    width = 4.8 * len(arms) + 2.0  # the colour bar and its label take the last 1.6 inches
    fig, axes = plt.subplots(1, len(arms), figsize=(width, 5.0), squeeze=False)
    for ax, arm in zip(axes[0], arms, strict=True):
        t = by_arm[arm]
        if segments:
            ax.add_collection(LineCollection(segments, colors="0.85", linewidths=0.4, zorder=0))
        land, transport = t["member_land"].to_numpy(float) > 0.5, t["member_transport"].to_numpy(float) > 0.5
        colour = t[column].to_numpy(float)
        for (lnd, trn), _, _, key in STATES:
            sel, marker = (land == lnd) & (transport == trn), CHANGE_MARKERS[key]
            points = ax.scatter(x[sel], y[sel], s=size[sel], c=colour[sel], cmap=cmap, norm=norm, marker=marker,
                                edgecolors="black", linewidths=0.5, zorder=2)
        for i in largest(munis, LABELLED):
            ax.annotate(str(munis["municipality"].iloc[i]), (x[i], y[i]), xytext=(4, 4), textcoords="offset points",
                        fontsize=7 if munis["is_core"].iloc[i] else 6, zorder=3)
        ax.set_title(names[arm], fontsize=9)
        ax.set_aspect("equal")
        ax.set_xlabel("km", fontsize=7)
        ax.set_ylabel("km", fontsize=7)
        ax.tick_params(labelsize=6)
    right = 1 - 1.6 / width
    fig.subplots_adjust(bottom=0.14, top=0.84, left=0.6 / width, right=right, wspace=0.2)
    bar = fig.colorbar(points, cax=fig.add_axes((right + 0.3 / width, 0.2, 0.12 / width, 0.6)))
    bar.set_label(label(axis), fontsize=8)
    bar.ax.tick_params(labelsize=7)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="", marker=CHANGE_MARKERS[key], markerfacecolor="white", markeredgecolor="black",
                      markersize=7, label=label(key)) for *_, key in STATES]
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, fontsize=8)
    fig.suptitle(textwrap.fill(f"{title}: {label(caption)}", int(13 * fig.get_figwidth())), fontsize=9)
    return localise(fig, label)
