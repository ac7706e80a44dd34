"""The classroom page: `cityregions app` (Mesa's SolaraViz). UI only; the session logic is in classroom.py.

Choose region, scenario and levers in the sidebar, then Step / Play / Pause / Reset. The page shows the quarter
and phase, the region's network coloured by membership, live charts beside the no-cooperation counterfactual,
why any municipality joined, stayed or left, and lets students play mayor for chosen municipalities.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization import SolaraViz, solara_viz
from mesa.visualization.utils import force_update, update_counter

from cityregions.app.classroom import BREAKDOWN, CHARTS, MIN_SPAN, Classroom, debrief, lever_params
from cityregions.rules.cooperation import Theme
from cityregions.world.phases import Phase

COLOURS = {(False, False): ("#ffffff", "no agreement"), (True, False): ("#4c9a2a", "land compact"),
           (False, True): ("#2a6fba", "transport association"), (True, True): ("#7b3294", "both")}
PHASE_SHADE = {Phase.EXCHANGE: "#fde7c8", Phase.PILOTS: "#d9ecd0", Phase.AGREEMENTS: "#d6e4f5"}
GRID = [(12, 5), (5, 12), (7, 12), (6, 20), (6, 20)]  # (width of 12, height in 30-px rows) per component
PANEL = f"padding: 4px 12px; overflow-y: auto; max-height: {GRID[3][1] * 40 - 20}px"  # grid rows: 30 px + 10 gap
DPI = 90  # the figures' resolution on the page: sharp enough, and a third less to encode and send than 100
QUESTION = {"vote": ("vote on the {theme} agreement", "Yes", "No"),
            "stay": ("stay in the {theme} agreement?", "Stay", "Leave"),
            "join": ("join the {theme} agreement?", "Join", "Stay out")}


def _grid(n: int) -> list[dict]:
    """Full-width rows sized for our components (SolaraViz's default gives every component half a row)."""
    out, x, y, row_h = [], 0, 0, 0
    for i in range(n):
        w, h = GRID[i] if i < len(GRID) else (12, 12)
        if x + w > 12:
            x, y, row_h = 0, y + row_h, 0
        out.append({"i": i, "w": w, "h": h, "x": x, "y": y, "moved": False})
        x, row_h = x + w, max(row_h, h)
    return out


# The one reach into Mesa's internals (mesa 3.5 is pinned in pyproject): SolaraViz has no public option for the
# initial layout of its components and reads this module-level function when it first lays out a page; replacing
# it is the only way to size the figures and panels for a projector. Checked by the page's browser test.
solara_viz.make_initial_grid_layout = _grid


def _html(tag: str, text: str, raw: bool = False) -> None:
    """Text in an HTML tag. Not solara.Markdown: it fetches KaTeX from a CDN, which classrooms may not reach."""
    solara.HTML(tag=tag, unsafe_innerHTML=text if raw else escape(text), style="margin: 4px 0")


def _table(df: pd.DataFrame, fmt: str = "{:,.0f}") -> None:
    html = df.to_html(index=False, float_format=lambda v: fmt.format(v), border=0, classes="cr-table")
    solara.HTML(tag="div", unsafe_innerHTML=html, style="overflow-x: auto; font-size: 13px")


@solara.component
def Banner(model: Classroom) -> None:
    """Quarter and phase, and whether the next quarter waits for the students."""
    update_counter.get()
    c = model.run
    counts = ", ".join(f"{t}: {int(np.count_nonzero(c.members(th)))}" for t, th in
                       ((th.value, th) for th in c.coop.agreements))
    with solara.Column(style="padding: 4px 12px"):
        _html("h3", model.banner())
        solara.Text(f"{c.region.capitalize()} · scenario {c.cfg.scenario.name} · members now: {counts}")
        if model.waiting:
            solara.Warning("Waiting for the mayors: answer their questions below before the next quarter.")
        if not model.running:
            solara.Success("The run is over. The debrief at the bottom of the page sums what it cost and earned "
                           "each council; download it as CSV or print the page.")
        solara.Text("Changes in the sidebar apply when you press Reset.", style="font-size: 0.85em; color: #555")


class NetworkView:
    """The region's municipalities on their road network, sized by residents, coloured by membership; drawn once
    per session and updated each quarter (building the axes anew would cost more than the quarter itself)."""

    def __init__(self, model: Classroom) -> None:
        geo = model.run.geo
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
                   for c, label in COLOURS.values()]
        handles.append(Line2D([], [], ls="", marker="o", markerfacecolor="none", markeredgecolor="#d7301f",
                              markeredgewidth=1.8, label="student-mayors"))
        self.legend = ax.legend(handles=handles, loc="lower left", fontsize=9, framealpha=0.8)
        ax.set_title(f"{model.run.region.capitalize()}: {geo.n} municipalities", fontsize=10)
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
        for text, ((lnd, trn), (_, label)) in zip(self.legend.get_texts(), COLOURS.items(), strict=False):
            text.set_text(f"{label} ({int(np.count_nonzero((land == lnd) & (transport == trn)))})")
        return self.fig


class ChartsView:
    """The four live indicators of the run (solid) and of no cooperation with the same seed (dashed)."""

    def __init__(self, model: Classroom) -> None:
        tl = model.run.timeline
        self.fig = Figure(figsize=(7.2, 5.0))
        self.axes = list(self.fig.subplots(2, 2, sharex=True).flat)
        x0, x1 = tl.decimal_year(0) - 0.125, tl.decimal_year(tl.n_steps - 1) + 0.125
        self.lines = []
        for ax, (_, label) in zip(self.axes, CHARTS, strict=True):
            for phase, a, b in tl.phase_spans():
                if phase in PHASE_SHADE:
                    ax.axvspan(a, b, color=PHASE_SHADE[phase], lw=0, zorder=0)
            cf, = ax.plot([], [], ls="--", color="0.45", label="no cooperation (same seed)")
            run, = ax.plot([], [], color="#b2182b", lw=2, label=model.cfg.scenario.name)
            self.lines.append((run, cf))
            ax.set_title(label, fontsize=11)
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


def _figure(view: NetworkView | ChartsView, model: Classroom) -> None:
    """Redraw only when the quarter or the mayors changed: while the page waits for the students, Play keeps
    calling step, which then simulates nothing."""
    state = [model, model.quarter, tuple(sorted(model.run.students.mayors))]
    fig = solara.use_memo(lambda: view.update(model), state)
    solara.FigureMatplotlib(fig, dependencies=state, format="png", dpi=DPI)


@solara.component
def NetworkMap(model: Classroom) -> None:
    """The network, redrawn each quarter."""
    update_counter.get()
    view = solara.use_memo(lambda: NetworkView(model), [model])
    _figure(view, model)


@solara.component
def Charts(model: Classroom) -> None:
    """Greenfield take, public-transport share, fiscal inequality and members, against the counterfactual."""
    update_counter.get()
    view = solara.use_memo(lambda: ChartsView(model), [model])
    _figure(view, model)


@solara.component
def Why(model: Classroom) -> None:
    """A municipality's payoff breakdown on each theme and the decisions it took."""
    update_counter.get()
    chosen = solara.use_reactive(model.names[0])
    name = chosen.value if chosen.value in model.names else model.names[0]
    with solara.Column(style=PANEL):
        _html("h4", "Why? Choose a municipality")
        # Vuetify's autocomplete: a region has up to hundreds of real names, so students type to find their town
        solara.v.Autocomplete(label="Municipality (type to search)", v_model=name, items=model.names, dense=True,
                              on_v_model=chosen.set)
        breakdown, decisions = model.why(name)
        if breakdown.empty:
            solara.Text("No agreement has been on the table yet: step into phase 2 (pilots).")
            return
        _html("p", f"<b>Payoff breakdown of {escape(name)}</b> (EUR per year; net = benefit to the budget + "
              "residents' gain (welfare, at the council's political weight) + side payments received (paid: "
              "negative) − what staying out would bring "
              "(free_riding) − the four transaction costs − autonomy − the core's dominance − unequal gains "
              "(inequity) − contribution; non-members: what joining would bring)", raw=True)
        shown = breakdown.set_index("theme")[[*BREAKDOWN]].T.rename_axis(columns=None).reset_index(names="EUR/yr")
        _table(shown, "{:,.2f}")
        if len(decisions):
            _html("p", "<b>Decisions</b> (perceived net: the council's view before learning corrects it; key: the "
                  "sharing key bargained or imposed; rule: what the ratification rule and the law decided)", raw=True)
            _table(decisions[["quarter", "theme", "action", "net", "perceived_net", "key", "rule"]])


@solara.component
def Mayors(model: Classroom) -> None:
    """Mayor mode: students take municipalities; the page waits for their votes and join/leave choices."""
    update_counter.get()
    names = [model.names[i] for i in sorted(model.run.students.mayors)]

    def on_mayors(value: list[str] | None) -> None:
        model.set_mayors(value or [])
        force_update()

    def answer(name: str, theme: str, choice: bool) -> None:
        model.answer(name, theme, choice)
        force_update()

    with solara.Column(style=PANEL):
        _html("h4", "Mayor mode")
        solara.v.Autocomplete(label="Municipalities played by students (type to search)", v_model=names,
                              items=model.names, multiple=True, chips=True, small_chips=True, deletable_chips=True,
                              dense=True, on_v_model=on_mayors)
        open_questions = model.unanswered()
        for q in model.questions():
            text, yes, no = QUESTION[q.kind]
            given = model.run.students.answers.get(q.key)
            with solara.Row(style="align-items: center"):
                solara.Text(f"{q.quarter} · {q.name}: {text.format(theme=q.theme.value)}")
                if q in open_questions:
                    solara.Button(yes, color="success", on_click=lambda q=q: answer(q.name, q.theme, True))
                    solara.Button(no, color="error", on_click=lambda q=q: answer(q.name, q.theme, False))
                else:
                    solara.Text(f"→ {yes if given else no}", style="font-weight: bold")
            if q.kind == "vote" and q in open_questions:
                solara.Text(model.proposal(q), style="font-size: 0.85em")
        effect = model.effect()
        if effect is not None:
            _html("p", "<b>What your choices did</b> (your run against the same run with the rule deciding)", raw=True)
            _table(effect.municipalities)
            _table(effect.region, "{:,.3f}")
        elif not names:
            solara.Text("Give one municipality to each student; at each council vote and yearly session the page "
                        "waits for their answer.")


@solara.component
def Debrief(model: Classroom) -> None:
    """What the run so far cost and earned the students' councils and the region: their choices, the rule's and no
    cooperation, summed over the quarters; as a table and a CSV download."""
    update_counter.get()
    table = debrief(model)
    with solara.Column(style=PANEL):
        _html("h4", f"Debrief after {model.quarter} quarters")
        _html("p", "Totals over the quarters so far (EUR): revenue left after debt service and cooperation, "
              "transaction costs and contributions, for the students' choices, the rule's (the same run with the "
              "rule deciding) and no cooperation (same seed). Without student-mayors: every municipality.")
        solara.FileDownload(table.to_csv(index=False), filename="cityregions_debrief.csv",
                            label="Download the debrief (CSV)")
        _table(table.drop(columns=["quarters"]))


@solara.component
def Page() -> None:
    """The page; every browser session plays its own classroom."""
    model = solara.use_memo(Classroom, [])
    SolaraViz(model, components=[Banner, NetworkMap, Charts, Why, Mayors, Debrief], model_params=lever_params(),
              name="cityregions: the classroom", play_interval=150)
