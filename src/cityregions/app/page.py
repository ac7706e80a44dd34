"""The classroom page: `cityregions app` (Mesa's Solara components). UI only; the session logic is in classroom.py.

Choose region, scenario and levers in the sidebar, then Step / Play / Pause / Reset. The page shows the quarter
and phase, the region's network coloured by membership, live charts beside the no-cooperation counterfactual,
why any municipality joined, stayed or left, and lets students play mayor for chosen municipalities. `?lang=de`
(pl, cs, it) shows it in another language; `?room=CODE` is a room (room_page.py).
"""

from __future__ import annotations

import secrets
from html import escape

import numpy as np
import solara
from mesa.visualization.solara_viz import ModelController, ModelCreator
from mesa.visualization.utils import force_update, update_counter

from cityregions.app.classroom import BREAKDOWN, Classroom, debrief, lever_params
from cityregions.app.figures import DPI, ChartsView, NetworkView
from cityregions.app.room_page import RoomPage, address
from cityregions.app.rooms import ROOMS, SESSIONS, RoomError
from cityregions.app.widgets import QUESTION, dilemma_table, language_of, page_address, print_link, query_of
from cityregions.app.widgets import html as _html
from cityregions.app.widgets import table as _table
from cityregions.reporting.decision_text import rule_words
from cityregions.reporting.labels import LANGUAGES, Labels

PANEL = "padding: 4px 12px; overflow-y: auto; max-height: 760px"  # a panel scrolls within a projector's height
TYPE = "font-size: 17px"  # the page's text, readable from the back of a classroom


@solara.component
def Banner(model: Classroom, L: Labels) -> None:
    """Quarter and phase, and whether the next quarter waits for the students."""
    update_counter.get()
    c = model.run
    counts = ", ".join(f"{L(f'legend_{th.value}')}: {int(np.count_nonzero(c.members(th)))}" for th in c.coop.agreements)
    with solara.Column(style="padding: 4px 12px"):
        _html("h3", model.banner(L))
        solara.Text(L("app_banner_sub", region=L.region(c.region), scenario=L.scenario(c.cfg.scenario.name),
                      counts=counts))
        if model.waiting:
            solara.Warning(L("app_wait_single"))
        if not model.running:
            solara.Success(L("app_over_single"))
        solara.Text(L("app_reset_note"), style="font-size: 0.85em; color: #555")


def _figure(view: NetworkView | ChartsView, model: Classroom) -> None:
    """Redraw only when the quarter or the mayors changed: while the page waits for the students, Play keeps
    calling step, which then simulates nothing."""
    state = [model, view, model.quarter, tuple(sorted(model.run.students.mayors))]
    fig = solara.use_memo(lambda: view.update(model), state)
    solara.FigureMatplotlib(fig, dependencies=state, format="png", dpi=DPI)


@solara.component
def NetworkMap(model: Classroom, L: Labels) -> None:
    """The network, redrawn each quarter."""
    update_counter.get()
    view = solara.use_memo(lambda: NetworkView(model, L), [model, L.lang])
    _figure(view, model)


@solara.component
def Charts(model: Classroom, L: Labels) -> None:
    """Greenfield take, public-transport share, fiscal inequality and members, against the counterfactual."""
    update_counter.get()
    view = solara.use_memo(lambda: ChartsView(model, L), [model, L.lang])
    _figure(view, model)


@solara.component
def Why(model: Classroom, L: Labels) -> None:
    """A municipality's payoff breakdown on each theme and the decisions it took."""
    update_counter.get()
    chosen = solara.use_reactive(model.names[0])
    name = chosen.value if chosen.value in model.names else model.names[0]
    with solara.Column(style=PANEL):
        _html("h4", L("app_why"))
        # Vuetify's autocomplete: a region has up to hundreds of real names, so students type to find their town
        solara.v.Autocomplete(label=L("app_why_search"), v_model=name, items=model.names, dense=True,
                              on_v_model=chosen.set)
        breakdown, decisions = model.why(name)
        if breakdown.empty:
            solara.Text(L("app_why_none"))
            return
        _html("p", L("app_why_breakdown", name=escape(name)), raw=True)
        shown = breakdown.set_index("theme")[[*BREAKDOWN]].T.rename_axis(columns=None).reset_index(names="EUR/yr")
        shown.columns = ["EUR/yr", *(L(f"legend_{t}") for t in shown.columns[1:])]
        _table(shown, "{:,.2f}")
        if len(decisions):
            _html("p", L("app_why_decisions"), raw=True)
            shown = decisions[["quarter", "theme", "action", "net", "perceived_net", "key", "rule"]].copy()
            shown["quarter"] = shown["quarter"].map(L.quarter)
            shown["theme"] = shown["theme"].map(lambda t: L(f"legend_{t}"))
            shown["action"] = shown["action"].map(lambda a: L(f"act_{a}") if L.has(f"act_{a}") else a)
            shown["rule"] = shown["rule"].map(lambda r: rule_words(r, L) if isinstance(r, str) else "")
            _table(shown)


@solara.component
def Mayors(model: Classroom, L: Labels) -> None:
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
        _html("h4", L("app_mayor"))
        solara.v.Autocomplete(label=L("app_mayor_search"), v_model=names,
                              items=model.names, multiple=True, chips=True, small_chips=True, deletable_chips=True,
                              dense=True, on_v_model=on_mayors)
        open_questions = model.unanswered()
        for q in model.questions():
            text, yes, no = (L(k) for k in QUESTION[q.kind])
            given = model.run.students.answers.get(q.key)
            with solara.Row(style="align-items: center"):
                solara.Text(f"{L.quarter(q.quarter)} · {q.name}: {text.format(theme=L(f'legend_{q.theme.value}'))}")
                if q in open_questions:
                    solara.Button(yes, color="success", on_click=lambda q=q: answer(q.name, q.theme, True))
                    solara.Button(no, color="error", on_click=lambda q=q: answer(q.name, q.theme, False))
                else:
                    solara.Text(f"→ {yes if given else no}", style="font-weight: bold")
            if q.kind == "vote" and q in open_questions:
                solara.Text(model.proposal(q, L), style="font-size: 0.85em")
        effect = model.effect(L)
        if effect is not None:
            _html("p", L("app_effect"), raw=True)
            _table(effect.municipalities)
            _table(effect.region, "{:,.3f}")
        elif not names:
            solara.Text(L("app_mayor_hint"))


@solara.component
def Debrief(model: Classroom, L: Labels) -> None:
    """What the run so far cost and earned the students' councils and the region: their choices, the rule's and no
    cooperation, summed over the quarters; as a table and a CSV download."""
    update_counter.get()
    table = debrief(model, L)
    with solara.Column(style=PANEL):
        _html("h4", L("app_debrief", n=model.quarter))
        _html("p", L("app_debrief_text"))
        solara.FileDownload(table.to_csv(index=False), filename="cityregions_debrief.csv", label=L("app_debrief_csv"))
        print_link(L("app_print"))
        _table(table.drop(columns=["quarters"]))


@solara.component
def Together(model: Classroom, L: Labels) -> None:
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
        router.push(address(room, teacher=room.teacher, lang=L.lang))

    with solara.Column(style="padding: 4px 12px"):
        _html("h4", L("app_together"))
        with solara.Row(style="align-items: center; gap: 12px; flex-wrap: wrap"):
            solara.Button(L("app_open_room", region=model.run.region, scenario=model.cfg.scenario.name,
                            seed=model.cfg.seed, levers=L("app_levers_set") if model.settings["own_levers"] else ""),
                          color="primary", on_click=open_room)
            solara.InputText(L("app_room_code"), value=code, continuous_update=True)
            solara.Button(L("app_join_room"), disabled=not code.value.strip(), on_click=lambda: router.push(
                page_address(room=code.value.strip().upper(), lang=L.lang)))
        if problem.value:
            solara.Error(problem.value)


@solara.component
def Guide(model: Classroom, L: Labels) -> None:
    """The dilemma in numbers, things to notice and things to try, for a class."""
    def items(kind: str) -> str:
        return "".join(f"<li>{escape(L(f'app_{kind}_{k}'))}</li>" for k in range(1, 5))
    with solara.Details(L("app_guide")):
        dilemma_table(model.cfg, L)
        _html("div", f"<b>{L('app_notice')}</b><ul>{items('notice')}</ul><b>{L('app_try')}</b><ul>{items('try')}</ul>",
              raw=True)


@solara.component
def Alone(L: Labels, token: str) -> None:
    """The single-session page: this browser plays its own classroom. Mesa's ModelController (Reset, ▶/❚❚, Step)
    and ModelCreator (the levers) in the sidebar, each explained; the figures and panels laid out for a projector.
    Composed here rather than with SolaraViz, whose sidebar adds play-interval, render-interval and thread
    controls a class does not need, and whose draggable grid and page tabs a projector does not."""
    model = solara.use_reactive(solara.use_memo(lambda: SESSIONS.get(token) or Classroom(), []))
    solara.use_effect(lambda: SESSIONS.keep(token, model.value), [model.value])  # a refresh finds the run again
    params = solara.use_reactive({})
    play, render, threads = solara.use_reactive(150), solara.use_reactive(1), solara.use_reactive(False)
    c = model.value
    router = solara.use_router()
    with solara.AppBar():
        solara.AppBarTitle(L("app_title"))
    with solara.Sidebar(), solara.Column():
        solara.Select(L("app_language"), value=L.lang, values=list(LANGUAGES),
                      on_value=lambda lang: router.push(page_address(lang=lang, session=token)))
        with solara.Card(L("app_run")):
            _html("div", L("app_run_help"), raw=True, style="font-size: 15px")
            ModelController(model, model_parameters=params, play_interval=play, render_interval=render,
                            use_threads=threads)  # mesa 3.5 reads .value of all three
        with solara.Card(L("app_levers")):
            ModelCreator(model, lever_params(L), model_parameters=params)
    with solara.Column(style=TYPE):
        Banner(c, L)
        Guide(c, L)
        with solara.ColumnsResponsive(12, large=[5, 7]):  # side by side on a wide screen, stacked on a projector
            NetworkMap(c, L)
            Charts(c, L)
        with solara.ColumnsResponsive(12, large=[6, 6]):
            Why(c, L)
            Mayors(c, L)
        Debrief(c, L)
        Together(c, L)


@solara.component
def Page() -> None:
    """The page: a room's (`?room=CODE`) or this browser's own classroom."""
    router = solara.use_router()
    query = query_of(router.search)
    L = Labels(language_of(query))
    fresh = solara.use_memo(lambda: secrets.token_urlsafe(9), [])

    def remember() -> None:  # the session's token in the address: a refresh keeps the run
        if "room" not in query and "session" not in query:
            router.push(page_address(**query, session=fresh))
    solara.use_effect(remember, [router.search])
    if "room" in query:
        RoomPage(router.search)
    else:
        Alone(L, query.get("session") or fresh)
