"""Figures: the one-page figure of a run (the main indicators per region over time, the project phases shaded)
and the comparison report's trajectories, differences to the baseline and payoff breakdowns; all readable in
black and white (line styles, markers, hatches), with units on every axis."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib

if not os.environ.get("MPLBACKEND"):  # files only, no windows; unless chosen (Jupyter sets its inline backend)
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import ScalarFormatter  # noqa: E402

from cityregions.analysis import winners  # noqa: E402
from cityregions.reporting.labels import SEPARATORS, Labels  # noqa: E402
from cityregions.world.phases import Phase, Timeline  # noqa: E402

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


# ---------------------------------------------------------------- the comparison report's figures
TRAJECTORY_PANELS = (
    ("greenfield_take_cum_ha", "m_greenfield_ha", "ha", 1.0),
    ("pt_share", "m_pt_share", "%", 100.0),
    ("commuting_co2_t", "m_commuting_co2_kt", "kt CO2/yr", 1e-3),
    ("vacant_commercial_ha", "m_vacant_commercial_ha", "ha", 1.0),
    ("fiscal_inequality", "m_fiscal_inequality", "Gini 0-1", 1.0),
    ("members", "m_members", "municipalities", 1.0),
)
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo"]
GREYS = ["0.15", "0.45", "0.7", "0.3", "0.55", "0.85", "0.1"]


def _shade_phases(ax: plt.Axes, phases: pd.DataFrame) -> None:
    """Grey spans for project phases 1-3 from a table of (year, phase)."""
    for ph, g in phases.groupby("phase"):
        shade = PHASE_SHADES.get(Phase(int(ph)))
        if shade:
            ax.axvspan(g["year"].min() - 0.125, g["year"].max() + 0.125, color=shade[0], lw=0, zorder=0)


def trajectories_figure(traj: pd.DataFrame, phases: pd.DataFrame, arms: list[str], names: dict[str, str],
                        label: Labels, title: str) -> plt.Figure:
    """Six indicators over time, one line per arm (mean over replicates) with a 10th-90th percentile band."""
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharex=True)
    for ax, (col, key, unit, factor) in zip(axes.flat, TRAJECTORY_PANELS, strict=True):
        _shade_phases(ax, phases)
        for k, arm in enumerate(arms):
            g = traj[traj["arm"] == arm]
            ax.fill_between(g["year"], g[f"{col}_lo"] * factor, g[f"{col}_hi"] * factor, color=GREYS[k % 7],
                            alpha=0.25, lw=0, hatch=HATCHES[k % 7], zorder=1)
            ax.plot(g["year"], g[col] * factor, ls=STYLES[k % len(STYLES)], marker="os^Dvx"[k % 6],
                    markevery=(k * 2, 12), markersize=4, color="black", lw=1.4,
                    label=names[arm], zorder=2)
        ax.set_title(textwrap.fill(label(key), 48), fontsize=9)
        ax.set_ylabel(label.unit(unit))
        ax.grid(alpha=0.3, lw=0.5)
    for ax in axes[1]:
        ax.set_xlabel(label("axis_year"))
    handles, labels = axes.flat[0].get_legend_handles_labels()
    from matplotlib.patches import Patch
    handles += [Patch(color=c, label=label(f"phase_{int(ph)}")) for ph, (c, _) in PHASE_SHADES.items()]
    fig.legend(handles, labels + [h.get_label() for h in handles[len(labels):]], loc="lower center",
               ncol=min(len(handles), 6), frameon=False, fontsize=8)
    fig.suptitle(f"{title}\n{label('fig_trajectories')}", fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    return localise(fig, label)


def differences_figure(diffs: pd.DataFrame, metrics: list[tuple[str, str]], arms: list[str],
                       names: dict[str, str], label: Callable[[str], str], title: str) -> plt.Figure:
    """One small panel per metric: each arm's mean paired difference to the baseline, in the metric's own
    unit, with its 95 % interval; a bar is dark when the change is better, light when worse, hatched when
    the interval includes zero."""
    ncol = 4
    nrow = -(-len(metrics) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(13, 1.2 + 1.0 * nrow + 0.25 * nrow * len(arms)))
    fill = {"better": ("0.2", ""), "worse": ("0.8", ""), "unclear": ("white", "///")}
    for ax, (key, unit) in zip(axes.flat, metrics, strict=False):
        d = diffs[diffs["metric"] == key].set_index("arm").reindex(arms)
        y = range(len(arms))
        lo = (d["diff"] - d["diff_lo"]).fillna(0).clip(lower=0)
        hi = (d["diff_hi"] - d["diff"]).fillna(0).clip(lower=0)
        for i, arm in enumerate(arms):
            colour, hatch = fill.get(d.loc[arm, "verdict"], ("white", "///"))
            ax.barh(i, d.loc[arm, "diff"], color=colour, edgecolor="black", hatch=hatch, lw=0.6, height=0.6)
        ax.errorbar(d["diff"], list(y), xerr=[lo, hi], fmt="none", ecolor="black", capsize=3, lw=1)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(list(y), [names[a] for a in arms], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(textwrap.fill(label(f"m_{key}"), 42), fontsize=8)
        ax.set_xlabel(unit, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3, lw=0.5)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    from matplotlib.patches import Patch
    legend = [Patch(facecolor=c, edgecolor="black", hatch=h, label=label(v)) for v, (c, h) in fill.items()]
    fig.legend(handles=legend, loc="lower center", ncol=3, frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    return localise(fig, label)


PAYOFF_PARTS = ("benefit", "welfare", "side_payment", "free_riding", "information", "negotiation", "enforcement",
                "agency", "autonomy", "dominance", "inequity", "contribution")
GAINS = ("benefit", "welfare", "side_payment")  # drawn as signed (a side payment paid is negative); the rest are costs


def payoffs_figure(decisions: pd.DataFrame, label: Labels, title: str) -> plt.Figure:
    """Each decision's payoff breakdown as a stacked bar (thousand EUR/yr): the budget benefit, the weighted
    welfare and side payments received to the right (paid: to the left); the value of staying out, the four
    transaction costs, the autonomy, dominance and inequity costs and the contribution to the left; the net as a
    marker."""
    n = len(decisions)
    height = 2.4 + 0.42 * max(n, 1)
    fig, ax = plt.subplots(figsize=(11, height))
    for i, (_, d) in enumerate(decisions.iterrows()):
        left_pos, left_neg = 0.0, 0.0
        for k, part in enumerate(PAYOFF_PARTS):
            v = (float(d[part]) if part in GAINS else -float(d[part])) / 1000.0
            start = left_pos if v >= 0 else left_neg
            grey, hatch = GREYS[k % 7], HATCHES[(k + 3 * (k // 7)) % 7]  # twelve parts, no two drawn alike
            ax.barh(i, v, left=start, color=grey, hatch=hatch, edgecolor="black", lw=0.4,
                    height=0.6, label=label(f"pay_{part}") if i == 0 else None)
            if v >= 0:
                left_pos += v
            else:
                left_neg += v
        ax.plot(float(d["net"]) / 1000.0, i, marker="D", color="white", markeredgecolor="black", markersize=6,
                label=label("pay_net") if i == 0 else None, zorder=3)
    ticks = [f"{d['arm_name']}: {d['quarter_name']}, {d['theme_name']} – {d['action_name']}"
             for _, d in decisions.iterrows()]
    ax.set_yticks(range(n), [textwrap.fill(t, 45) for t in ticks], fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(label.unit("thousand EUR/yr"))
    ax.grid(axis="x", alpha=0.3, lw=0.5)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=4, frameon=False, fontsize=7)
    ax.set_title(textwrap.fill(title, 90), fontsize=10)
    fig.tight_layout(rect=(0, 0.75 / height, 1, 1))
    return localise(fig, label)


def winners_figure(table: pd.DataFrame, arms: list[str], names: dict[str, str], label: Labels,
                   title: str, top: int = 12) -> plt.Figure:
    """One panel per arm: the municipalities whose budgets it lowers most and raises most against the baseline,
    as the present value of their budget margins over the run per resident (mean and 95 % interval of the
    paired replicates); the rest are in the table."""
    fig, axes = plt.subplots(1, len(arms), figsize=(4.6 * len(arms) + 1.0, 0.24 * 2 * top + 1.8), squeeze=False)
    for ax, arm in zip(axes[0], arms, strict=True):
        t = table[table["arm"] == arm]
        shown = winners.extremes(t, top)
        y = np.arange(len(shown))
        d = shown["budget_pv_eur_pc_diff"].to_numpy()
        lo, hi = shown["budget_pv_eur_pc_lo"].to_numpy(), shown["budget_pv_eur_pc_hi"].to_numpy()
        err = np.vstack([d - lo, hi - d])
        ax.errorbar(d, y, xerr=np.where(np.isfinite(err), err, 0.0), fmt="none", ecolor="0.4", lw=0.8)
        ax.scatter(d, y, c=np.where(d < 0, "0.1", "white"), edgecolors="black", s=22, zorder=3)
        ax.set_yticks(y, [f"{m}{' ●' if core else ''}" for m, core in zip(shown["municipality"], shown["is_core"],
                                                                          strict=True)], fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.8)
        if len(t) > len(shown):
            ax.axhline(top - 0.5, color="0.6", lw=0.6, ls=":")
        ax.set_title(textwrap.fill(names[arm], 40), fontsize=9)
        ax.set_xlabel(label("axis_budget_pv"), fontsize=8)
        ax.grid(axis="x", alpha=0.3, lw=0.5)
    fig.suptitle(textwrap.fill(title, int(12 * fig.get_figwidth())), fontsize=9)
    fig.tight_layout()
    return localise(fig, label)


class _DecimalComma(ScalarFormatter):
    """matplotlib's tick labels with a decimal comma."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(x, pos).replace(".", ",")


def localise(fig: plt.Figure, label: Labels) -> plt.Figure:
    """The figure's numeric tick labels with the language's decimal separator (text labels stay as they are)."""
    if SEPARATORS[label.lang][0] == ",":
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                if type(axis.get_major_formatter()) is ScalarFormatter:
                    axis.set_major_formatter(_DecimalComma())
    return fig


def save(fig: plt.Figure, path: Path, dpi: int = 110) -> None:
    """Write a figure as PNG and free it."""
    fig.savefig(path, dpi=dpi, format="png")
    plt.close(fig)


def sensitivity_figure(df: pd.DataFrame, title: str) -> plt.Figure:
    """One panel per indicator: each parameter's Morris mu* or Sobol' S1 and ST, with 95 % intervals (hatched
    bars for the total index, so black and white tells them apart)."""
    metrics = list(dict.fromkeys(df["metric"]))
    cols = 3
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(13, 3.2 * rows + 0.8), squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        g = df[df["metric"] == metric].iloc[::-1]
        pos = range(len(g))
        if "mu_star" in g:
            ax.barh(list(pos), g["mu_star"], xerr=g["mu_star_conf"], color="0.55", capsize=2)
            ax.set_xlabel(f"mu* ({g['unit'].iloc[0]} per input range)", fontsize=8)
        else:
            ax.barh([p + 0.2 for p in pos], g["S1"], height=0.4, xerr=g["S1_conf"], color="0.35", capsize=2,
                    label="first order S1")
            ax.barh([p - 0.2 for p in pos], g["ST"], height=0.4, xerr=g["ST_conf"], color="white",
                    edgecolor="black", hatch="//", capsize=2, label="total ST")
            ax.set_xlabel("share of variance")
            ax.legend(fontsize=7, loc="lower right")
        names = [p.removeprefix("params.").removeprefix("scenario.") for p in g["parameter"]]
        ax.set_yticks(list(pos), names, fontsize=7)
        ax.set_title(metric, fontsize=10)
        ax.axvline(0, color="black", lw=0.6)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def discovery_figure(trajectory: pd.DataFrame, chosen: int, box: pd.DataFrame, title: str) -> plt.Figure:
    """PRIM's peeling trajectory (coverage against density, each box numbered by its restricted conditions) and
    the chosen box's limits as bars over each condition's range."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1, 1.2]})
    left.plot(trajectory["coverage"], trajectory["density"], "-", color="0.6", lw=1)
    left.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], cmap="Greys", vmin=-1,
                 edgecolor="black", s=22, zorder=3)
    c = trajectory.loc[chosen]
    left.scatter([c["coverage"]], [c["density"]], marker="*", s=220, facecolor="white", edgecolor="black", zorder=4,
                 label=f"chosen box {chosen}: {int(c['res_dim'])} condition(s)")
    left.set_xlabel("coverage (share of the cases of interest inside)")
    left.set_ylabel("density (share of the box that is of interest)")
    left.set_xlim(0, 1.02)
    left.set_ylim(0, 1.02)
    left.legend(fontsize=8, loc="lower left")
    left.set_title("peeling trajectory (shade: restricted conditions)", fontsize=9)
    numeric = box[box["min"].notna()] if "min" in box else box.iloc[0:0]
    if len(numeric):
        pos = list(range(len(numeric)))
        span = (numeric["range_max"] - numeric["range_min"]).where(lambda v: v > 0, 1.0)
        lo, hi = (numeric["min"] - numeric["range_min"]) / span, (numeric["max"] - numeric["range_min"]) / span
        right.barh(pos, hi - lo, left=lo, height=0.5, color="0.6", edgecolor="black")
        for p, r, a, b in zip(pos, numeric.itertuples(), lo, hi, strict=True):
            right.text((a + b) / 2, p + 0.3, f"{r.min:.3g} to {r.max:.3g} (of {r.range_min:.3g} to {r.range_max:.3g})",
                       ha="center", fontsize=7)
        right.set_yticks(pos, [f"{n}\n(qp {q:.2g})" for n, q in zip(numeric["condition"], numeric["qp_value"],
                                                                    strict=True)], fontsize=7)
        right.set_xlim(0, 1)
        right.set_ylim(-0.6, len(numeric) - 0.2)
        right.set_xlabel("position within each condition's swept range (0 = lowest, 1 = highest)")
    else:
        right.set_axis_off()
    categorical = box[box["kept"].notna()] if "kept" in box else box.iloc[0:0]
    if len(categorical):
        text = "\n".join(f"{r.condition} in {{{r.kept}}} (qp {r.qp_value:.2g})" for r in categorical.itertuples())
        if len(numeric):
            right.text(0.02, 0.02, "and " + text, transform=right.transAxes, fontsize=8, va="bottom")
        else:  # only choices restricted: say them in the panel's middle
            right.text(0.5, 0.5, "conditions of the box:\n" + text, transform=right.transAxes, fontsize=10,
                       ha="center", va="center")
    right.set_title("the chosen box", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def pareto_figure(trials: pd.DataFrame, objectives: list[str], labels: dict[str, str], title: str) -> plt.Figure:
    """Every trial in each pair of objectives (all minimised: lower left is better), the Pareto front in black."""
    pairs = [(a, b) for i, a in enumerate(objectives) for b in objectives[i + 1:]]
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.6 * len(pairs), 4.4), squeeze=False)
    front = trials[trials["pareto"]]
    rest = trials[~trials["pareto"]]
    for ax, (a, b) in zip(axes.flat, pairs, strict=True):
        ax.scatter(rest[a], rest[b], s=14, facecolor="white", edgecolor="0.55", label="dominated trial")
        ax.scatter(front[a], front[b], s=24, color="black", marker="D", label="Pareto front (all three)")
        ax.set_xlabel(labels[a], fontsize=9)
        ax.set_ylabel(labels[b], fontsize=9)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


COUNTRY_NAMES = {"DE": "Germany", "AT": "Austria", "PL": "Poland", "CZ": "Czechia", "IT": "Italy"}


def country_figure(saved: pd.DataFrame, title: str) -> plt.Figure:
    """Per functional urban area, the share of the baseline's greenfield take that a scenario saves (%), with its
    95 % interval over the paired replicates: one panel per country, its FUAs in order of the saving, each
    panel as wide as it has FUAs."""
    countries = [c for c in COUNTRY_NAMES if c in set(saved["country"])]
    sizes = [int((saved["country"] == c).sum()) for c in countries]
    fig, axes = plt.subplots(1, len(countries), figsize=(11, 4.2), sharey=True, squeeze=False,
                             gridspec_kw={"width_ratios": [max(n, 12) for n in sizes]})
    for ax, country in zip(axes[0], countries, strict=True):
        g = saved[saved["country"] == country].sort_values("saved_share")
        x = np.arange(len(g))
        base = g["baseline_ha"].to_numpy()
        share = 100 * g["saved_share"].to_numpy()
        err = 100 * np.vstack([g["saved_ha"] - g["saved_lo"], g["saved_hi"] - g["saved_ha"]]) / base
        ax.errorbar(x, share, yerr=np.nan_to_num(err), fmt="o", ms=2.5, lw=0.6, color="0.15", ecolor="0.6")
        ax.axhline(0, color="0.3", lw=0.6)
        ax.set_title(f"{COUNTRY_NAMES[country]} ({len(g)})", fontsize=10)
        ax.set_xticks([])
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("greenfield saved (% of the baseline's)")
    axes[0][0].set_xlabel("its FUAs, in order of the saving", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
