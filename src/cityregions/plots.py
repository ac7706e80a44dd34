"""The one-page figure of a run: the main indicators per region over time, with the project phases shaded."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from cityregions.phases import Phase, Timeline  # noqa: E402

PANELS = (
    ("greenfield_take_cum_ha", "Greenfield taken since 2012 Q3 (ha)", 1.0),
    ("vacant_commercial_ha", "Vacant commercial land (ha)", 1.0),
    ("pt_share", "Public-transport share of commuting (%)", 100.0),
    ("commuting_co2_t", "Commuting CO$_2$ (kt/yr)", 1e-3),
    ("fiscal_inequality", "Fiscal inequality (Gini, 0-1)", 1.0),
    ("member_population_share", "Residents in an agreement (%)", 100.0),
)
PHASE_SHADES = {Phase.EXCHANGE: ("0.88", "1 exchange"), Phase.PILOTS: ("0.78", "2 pilots"),
                Phase.AGREEMENTS: ("0.66", "3 agreements")}
STYLES = ["-", "--", ":", "-.", "-"]
MARKERS = [None, None, None, None, "o"]


def summary_figure(quarterly: pd.DataFrame, timeline: Timeline, title: str) -> plt.Figure:
    """Six panels, one line per region (distinct line styles, readable in black and white)."""
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharex=True)
    for ax, (col, label, factor) in zip(axes.flat, PANELS, strict=True):
        for ph, start, end in timeline.phase_spans():
            if ph in PHASE_SHADES:
                ax.axvspan(start, end, color=PHASE_SHADES[ph][0], lw=0)
        for k, (region, g) in enumerate(quarterly.groupby("region", sort=False)):
            ax.plot(g["year"], g[col] * factor, ls=STYLES[k % len(STYLES)], marker=MARKERS[k % len(MARKERS)],
                    markevery=8, markersize=4, color="black" if k < 5 else None, lw=1.4, label=region)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, lw=0.5)
    for ax in axes[1]:
        ax.set_xlabel("Year")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    from matplotlib.patches import Patch
    handles += [Patch(color=c, label=f"phase {n}") for c, n in PHASE_SHADES.values()]
    fig.legend(handles, labels + [h.get_label() for h in handles[len(labels):]], loc="lower center",
               ncol=len(handles), frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    return fig


def save_summary(quarterly: pd.DataFrame, timeline: Timeline, title: str, path: Path) -> None:
    """Write the summary figure as PNG."""
    fig = summary_figure(quarterly, timeline, title)
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)
