"""The classroom page: `cityregions app` (Mesa's SolaraViz). UI only; the session logic is in classroom.py.

Choose region, scenario and levers in the sidebar, then Step / Play / Pause / Reset. The page shows the quarter
and phase, the region's network coloured by membership, live charts beside the no-cooperation counterfactual,
why any municipality joined, stayed or left, and lets students play mayor for chosen municipalities.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

import numpy as np
import solara
from mesa.visualization.solara_viz import ModelController, ModelCreator
from mesa.visualization.utils import force_update, update_counter

from cityregions.app.classroom import BREAKDOWN, Classroom, debrief, lever_params
from cityregions.app.figures import DPI, ChartsView, NetworkView
from cityregions.app.room_page import RoomPage, address, query_of
from cityregions.app.rooms import ROOMS, RoomError
from cityregions.app.widgets import QUESTION
from cityregions.app.widgets import html as _html
from cityregions.app.widgets import table as _table

PANEL = "padding: 4px 12px; overflow-y: auto; max-height: 760px"  # a panel scrolls within a projector's height
TYPE = "font-size: 17px"  # the page's text, readable from the back of a classroom


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
def Together(model: Classroom) -> None:
    """Play together: open a room on this region, scenario and seed, or join one by its code."""
    update_counter.get()
    router = solara.use_router()
    code = solara.use_reactive("")
    problem = solara.use_reactive("")

    def open_room() -> None:
        try:
            room = ROOMS.open(**model.settings)  # type: ignore[arg-type]
        except RoomError as e:
            problem.set(str(e))
            return
        router.push(address(room, teacher=room.teacher))

    with solara.Column(style="padding: 4px 12px"):
        _html("h4", "Play together: one shared run for the whole class")
        with solara.Row(style="align-items: center; gap: 12px; flex-wrap: wrap"):
            levers = ", the levers set" if model.settings["own_levers"] else ""
            solara.Button(f"Open a room ({model.run.region}, {model.cfg.scenario.name}, seed {model.cfg.seed}{levers})",
                          color="primary", on_click=open_room)
            solara.InputText("Room code", value=code, continuous_update=True)
            solara.Button("Join the room", disabled=not code.value.strip(),
                          on_click=lambda: router.push(f"/?{urlencode({'room': code.value.strip().upper()})}"))
        if problem.value:
            solara.Error(problem.value)


NOTICE = ("A council says yes with a chance that rises with the net it sees; the core city's no ends the "
          "agreement (its veto), whatever the suburbs vote.",
          "Before a pilot, councils misjudge their payoff: compare 'perceived' and true net under Why?.",
          "Where the law has no binding form, a passed vote makes only a declaration (Wrocław's land compact; Turin "
          "in 2014). In Prague the partner body left in 12/2013: no vote in 2014.",
          "A declaration lasts while it pays most of its members; councils elected later vote again.")
TRY = ("Mayor mode: play the core city and vote no, then Reset and vote yes.",
       "Tick 'Set the levers below' (untick the greenfield cap: city_regions has none), choose unanimity or "
       "transaction costs x3, Reset: fewer agreements pass.",
       "Another region: Wrocław or Prague, and compare the vote's verdict under Why? for the core city.",
       "Play together: open a room and give every student a municipality (docs/teaching/lesson_plan.md).")


@solara.component
def Guide() -> None:
    """Things to notice and things to try, for a class."""
    with solara.Details("Things to notice, things to try"):
        _html("div", "<b>Notice</b><ul>" + "".join(f"<li>{escape(t)}</li>" for t in NOTICE) + "</ul><b>Try</b><ul>"
              + "".join(f"<li>{escape(t)}</li>" for t in TRY) + "</ul>", raw=True)


@solara.component
def Alone() -> None:
    """The single-session page: this browser plays its own classroom. Mesa's ModelController (Reset, ▶/❚❚, Step)
    and ModelCreator (the levers) in the sidebar, each explained; the figures and panels laid out for a projector.
    Composed here rather than with SolaraViz, whose sidebar adds play-interval, render-interval and thread
    controls a class does not need, and whose draggable grid and page tabs a projector does not."""
    model = solara.use_reactive(solara.use_memo(Classroom, []))
    params = solara.use_reactive({})
    play, render, threads = solara.use_reactive(150), solara.use_reactive(1), solara.use_reactive(False)
    c = model.value
    with solara.AppBar():
        solara.AppBarTitle("cityregions: the classroom")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run the region"):
            _html("div", "<b>Step</b>: one quarter. <b>▶</b>: play, a quarter after another; <b>❚❚</b>: pause. "
                  "<b>Reset</b>: start again with the settings below.", raw=True, style="font-size: 15px")
            ModelController(model, model_parameters=params, play_interval=play, render_interval=render,
                            use_threads=threads)  # mesa 3.5 reads .value of all three
        with solara.Card("Region, scenario and levers (apply with Reset)"):
            ModelCreator(model, lever_params(), model_parameters=params)
    with solara.Column(style=TYPE):
        Banner(c)
        Guide()
        with solara.ColumnsResponsive(12, large=[5, 7]):  # side by side on a wide screen, stacked on a projector
            NetworkMap(c)
            Charts(c)
        with solara.ColumnsResponsive(12, large=[6, 6]):
            Why(c)
            Mayors(c)
        Debrief(c)
        Together(c)


@solara.component
def Page() -> None:
    """The page: a room's (`?room=CODE`) or this browser's own classroom."""
    router = solara.use_router()
    if "room" in query_of(router.search):
        RoomPage(router.search)
    else:
        Alone()
