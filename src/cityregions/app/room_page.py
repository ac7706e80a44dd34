"""The room's pages (UI only; the room is in rooms.py). `?room=CODE` asks a student to join; `&seat=TOKEN` is her
seat (a refresh finds it again), `&teacher=TOKEN` the teacher's view, `&screen=class` the projector's view. All
show the shared quarter, the last vote's verdict, the map and the charts in projector type; the teacher steps,
plays and sees who has answered, a student answers her council's questions; all get the debrief at the end."""

from __future__ import annotations

import time
import weakref
from html import escape

import pandas as pd
import solara

from cityregions.app.classroom import Classroom, debrief
from cityregions.app.figures import ChartsView, NetworkView, png
from cityregions.app.rooms import ROOMS, Room, RoomError, Seat
from cityregions.app.widgets import (
    QUESTION,
    dilemma_table,
    html,
    language_of,
    page_address,
    print_link,
    query_of,
    table,
)
from cityregions.reporting.labels import LANGUAGES, Labels

TYPE = "font-size: 20px; line-height: 1.35"  # readable from the back of a room at 1024x768
WATCH_S = 0.5  # how often a screen's watcher wakes to let time act (the rule's deadline, play)
COUNTDOWN_S = 5  # how often a waiting screen updates the seconds left
_VIEWS: weakref.WeakKeyDictionary[Room, dict[str, tuple[NetworkView, ChartsView]]] = weakref.WeakKeyDictionary()


def address(room: Room, **token: str) -> str:
    """The page's address for a room, with a seat or the teacher's token (and the language, lang=)."""
    return page_address(room=room.code, **token)


def pictures(room: Room, L: Labels) -> tuple[bytes, bytes]:
    """The map and the charts of the room's current quarter as PNG in L's language, drawn once for all the
    room's screens in that language."""
    def draw(c: Classroom) -> tuple[bytes, bytes]:
        views = _VIEWS.setdefault(room, {})
        if L.lang not in views:
            views[L.lang] = (NetworkView(c, L), ChartsView(c, L))
        network, charts = views[L.lang]
        return png(network.update(c)), png(charts.update(c))
    return room.drawn(f"figures_{L.lang}", draw)  # type: ignore[return-value]


def use_room_version(room: Room) -> tuple[int, int]:
    """Redraws the calling component whenever the room changes, and every COUNTDOWN_S while a question waits (the
    seconds left); its watcher also lets time act on the room."""
    def watch(cancel):
        seen, shown = -1, time.monotonic()
        while not cancel.is_set():
            room.tick()
            version = room.wait_change(seen, WATCH_S)
            now = time.monotonic()
            if version != seen or (room.asked_at is not None and now - shown >= COUNTDOWN_S):
                seen, shown = version, now
                yield version, int(now)
    result = solara.use_thread(watch, [room], intrusive_cancel=False)
    return result.value if result.value is not None else (room.version, 0)


@solara.component
def RoomPage(search: str | None) -> None:
    """A room's page: the join form, the teacher's view, a student's or the class screen."""
    router = solara.use_router()
    query = query_of(search)
    L = Labels(language_of(query))
    try:
        room = ROOMS.get(query.get("room"))
    except RoomError as e:
        with solara.Column(style=TYPE + "; padding: 24px"):
            solara.Error(str(e))
            solara.Button(L("app_back"), on_click=lambda: router.push(page_address(lang=L.lang)))
        return
    RoomView(room, query, router.push, L)


@solara.component
def RoomView(room: Room, query: dict[str, str], go, L: Labels) -> None:
    version, clock = use_room_version(room)
    teacher = room.is_teacher(query.get("teacher"))
    seat = room.seat(query.get("seat"))
    screen = query.get("screen") == "class"  # the projector's view: the room without a seat or controls
    if not teacher and seat is None and not screen:
        JoinForm(room, go, "seat" in query, L)
        return
    with solara.Column(style=TYPE + "; padding: 8px 16px; max-width: 1500px"):
        Header(room, (version, clock), seat, L)
        if teacher:
            TeacherPanel(room, version, L)
        elif seat is not None:
            StudentPanel(room, version, seat, L)
        network, charts = pictures(room, L)
        with solara.Row(style="flex-wrap: wrap; gap: 8px"):
            solara.Image(network, width="440px")
            solara.Image(charts, width="640px")
        with room.lock:
            over = not room.classroom.run.running
        if teacher or over:
            RoomDebrief(room, version, L)


@solara.component
def JoinForm(room: Room, go, lost: bool, L: Labels) -> None:
    """A student's name and municipality (or one assigned), then her seat's address."""
    name = solara.use_reactive("")
    chosen = solara.use_reactive(None)
    problem = solara.use_reactive("")
    with room.lock:
        c = room.classroom
        taken = {s.municipality for s in room.seats.values()}
        free = [n for n in c.names if n not in taken]
        title = L("app_room_title", code=room.code, region=L.region(c.run.region),
                  scenario=L.scenario(c.cfg.scenario.name))

    def join() -> None:
        try:
            seat = room.join(name.value, chosen.value)
        except RoomError as e:
            problem.set(str(e))
            return
        go(address(room, seat=seat.token, lang=L.lang))

    with solara.Column(style=TYPE + "; padding: 24px; max-width: 720px"):
        html("h2", title)
        solara.Select(L("app_language"), value=L.lang, values=list(LANGUAGES),
                      on_value=lambda lang: go(address(room, lang=lang)))
        if lost:
            solara.Warning(L("app_seat_lost"))
        html("p", L("app_join_intro"))
        solara.InputText(L("app_your_name"), value=name)
        solara.v.Autocomplete(label=L("app_your_municipality"), v_model=chosen.value, items=free, clearable=True,
                              on_v_model=chosen.set)
        solara.Button(L("app_join_room"), color="primary", on_click=join)
        if problem.value:
            solara.Error(problem.value)


@solara.component
def Header(room: Room, state: tuple[int, int], seat: Seat | None, L: Labels) -> None:
    """Room, region and scenario; the quarter and phase; the last vote's verdict; whether the room waits and how
    long."""
    with room.lock:
        c = room.classroom
        banner, waiting, over = c.banner(L), c.waiting, not c.run.running
        answered = room.answered()
        due = [v for v in answered.values() if v is not None]
        left = room.seconds_left()
        what = L("app_room_what", code=room.code, region=L.region(c.run.region),
                 scenario=L.scenario(c.cfg.scenario.name), seed=c.cfg.seed)
        playing = room.playing
        votes = c.last_votes(L)
    html("div", what, style="font-size: 16px; color: #555")
    html("h2", banner, style="margin: 4px 0; font-size: 28px")
    for verdict in votes:
        html("div", verdict, style="font-size: 18px; font-weight: 500")
    if over:
        solara.Success(L("app_room_over"))
    elif waiting:
        solara.Warning(L("app_room_waiting", answered=sum(due), due=len(due), seconds=f"{left or 0:.0f}"))
    elif playing:
        solara.Info(L("app_room_playing"))
    if seat is not None:
        html("div", L("app_you_are", student=escape(seat.student), municipality=escape(seat.municipality)), raw=True)


@solara.component
def TeacherPanel(room: Room, version: int, L: Labels) -> None:
    """Join code and address, the controls, and who has answered."""
    with room.lock:
        seats = list(room.seats.values())
        answered = room.answered()
        waiting, running, playing = room.classroom.waiting, room.classroom.run.running, room.playing

    problem = solara.use_reactive("")

    def act(f) -> None:
        try:
            f()
            problem.set("")
        except RoomError as e:
            problem.set(str(e))

    teacher = room.teacher
    big = f"<b style='font-size: 32px; letter-spacing: 4px'>{room.code}</b>"
    link = f"<a href='{address(room, screen='class', lang=L.lang)}' target='_blank'>{L('app_class_screen')}</a>"
    with solara.Column(style="gap: 6px"):
        html("div", L("app_join_text", code=room.code, big_code=big, link=link), raw=True)
        with solara.Row():
            solara.Button(L("app_step_quarter"), color="primary", disabled=not running or waiting,
                          on_click=lambda: act(lambda: room.step(teacher)))
            solara.Button(L("app_pause" if playing else "app_play"), disabled=not running,
                          on_click=lambda: act(lambda: room.play(teacher, not playing)))
            solara.Button(L("app_rule_decides"), disabled=not waiting,
                          on_click=lambda: act(lambda: room.step(teacher, rule_decides=True)))
        with solara.Details(L("app_dilemma_title", jobs=L.num(1000, 0))):
            dilemma_table(room.classroom.cfg, L)
        if seats:
            status = {None: "–", True: L("app_answered"), False: L("app_waiting")}
            rows = [{L("app_col_student"): s.student, L("app_col_municipality"): s.municipality,
                     L("app_col_answer"): status[answered[s.token]]} for s in seats]
            table(pd.DataFrame(rows), size="16px")
        else:
            html("p", L("app_no_students"))
        if problem.value:
            solara.Error(problem.value)


@solara.component
def StudentPanel(room: Room, version: int, seat: Seat, L: Labels) -> None:
    """The questions the student's council faces, with the proposal; and what her choices did so far."""
    with room.lock:
        c = room.classroom
        mine = [q for q in c.questions() if q.name == seat.municipality]
        given = dict(c.run.students.answers)
        proposals = {q.key: c.proposal(q, L) for q in mine if q.kind == "vote"}
        effect = c.effect(L)

    def answer(theme, choice: bool) -> None:
        try:
            room.answer(seat.token, theme, choice)
        except (RoomError, ValueError):
            pass  # the quarter moved on (the rule decided): the page redraws with the new state

    if not mine:
        html("p", L("app_no_question"))
    for q in mine:
        text, yes, no = (L(k) for k in QUESTION[q.kind])
        with solara.Row(style="align-items: center; gap: 12px"):
            html("b", f"{L.quarter(q.quarter)}: {text.format(theme=L(f'legend_{q.theme.value}'))}")
            if q.key in given:
                html("span", L("app_given", answer=yes if given[q.key] else no))
            else:
                solara.Button(yes, color="success", on_click=lambda q=q: answer(q.theme, True))
                solara.Button(no, color="error", on_click=lambda q=q: answer(q.theme, False))
        if q.key in proposals:
            html("div", proposals[q.key], style="font-size: 17px; color: #333")
    if effect is not None:
        own = effect.municipalities[effect.municipalities[L("app_col_municipality")] == seat.municipality]
        if len(own):
            html("p", L("app_room_effect"), raw=True)
            table(own, size="16px")


@solara.component
def RoomDebrief(room: Room, version: int, L: Labels) -> None:
    """What the run cost and earned each student's council and the region, and the class's choices; with CSV
    downloads."""
    municipality, student = L("app_col_municipality"), L("app_col_student")
    with room.lock:
        frame = debrief(room.classroom, L)
        students = {s.municipality: s.student for s in room.seats.values()}
        choices = pd.DataFrame(room.classroom.run.students.choices,
                               columns=["quarter", "municipality", "theme", "question", "answer", "rule"])
    frame.insert(0, student, frame[municipality].map(students).fillna(""))
    choices.insert(0, "student", choices["municipality"].map(students).fillna(""))
    choices["quarter"] = choices["quarter"].map(L.quarter)
    choices["theme"] = choices["theme"].map(lambda t: L(f"legend_{t}"))
    for column in ("answer", "rule"):  # yes/no in the question's own words
        choices[column] = [L(QUESTION[k][1 if a else 2]) for k, a in zip(choices["question"], choices[column],
                                                                         strict=True)]
    choices = choices.drop(columns=["question"]).rename(columns={
        "student": student, "municipality": municipality, "quarter": L("app_col_quarter"),
        "theme": L("app_col_theme"), "answer": L("app_col_answer"), "rule": L("app_col_rule_would")})
    html("h3", L("app_debrief", n=int(frame["quarters"].iloc[0])))
    html("p", L("app_room_debrief_text"), style="font-size: 16px")
    solara.FileDownload(frame.to_csv(index=False), filename=f"cityregions_room_{room.code}.csv",
                        label=L("app_debrief_csv"))
    print_link(L("app_print"))
    table(frame.drop(columns=["quarters"]), size="15px")
    html("h3", L("app_choices", n=len(choices)))
    if len(choices):
        solara.FileDownload(choices.to_csv(index=False), filename=f"cityregions_room_{room.code}_choices.csv",
                            label=L("app_choices_csv"))
        table(choices, size="15px")
    else:
        html("p", L("app_no_choices"), style="font-size: 16px")
