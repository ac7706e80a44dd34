"""The room's pages (UI only; the room is in rooms.py). `?room=CODE` asks a student to join; `&seat=TOKEN` is her
seat (a refresh finds it again), `&teacher=TOKEN` the teacher's view, `&screen=class` the projector's view. All
show the shared quarter, the last vote's verdict, the map and the charts in projector type; the teacher steps,
plays and sees who has answered, a student answers her council's questions; all get the debrief at the end."""

from __future__ import annotations

import time
import weakref
from html import escape
from urllib.parse import parse_qs, urlencode

import pandas as pd
import solara

from cityregions.app.classroom import Classroom, debrief
from cityregions.app.figures import ChartsView, NetworkView, png
from cityregions.app.rooms import ROOMS, Room, RoomError, Seat
from cityregions.app.widgets import QUESTION, html, table

TYPE = "font-size: 20px; line-height: 1.35"  # readable from the back of a room at 1024x768
WATCH_S = 0.5  # how often a screen's watcher wakes to let time act (the rule's deadline, play)
COUNTDOWN_S = 5  # how often a waiting screen updates the seconds left
_VIEWS: weakref.WeakKeyDictionary[Room, tuple[NetworkView, ChartsView]] = weakref.WeakKeyDictionary()


def query_of(search: str | None) -> dict[str, str]:
    """The page address's query as one value per key (the first where a key repeats)."""
    return {k: v[0] for k, v in parse_qs(search or "").items() if v}


def address(room: Room, **token: str) -> str:
    """The page's address for a room, with a seat or the teacher's token."""
    return "/?" + urlencode({"room": room.code, **token})


def pictures(room: Room) -> tuple[bytes, bytes]:
    """The map and the charts of the room's current quarter as PNG, drawn once for all its screens."""
    def draw(c: Classroom) -> tuple[bytes, bytes]:
        views = _VIEWS.get(room)
        if views is None:
            views = _VIEWS[room] = (NetworkView(c), ChartsView(c))
        return png(views[0].update(c)), png(views[1].update(c))
    return room.drawn("figures", draw)  # type: ignore[return-value]


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
    """A room's page: the join form, the teacher's view or a student's."""
    router = solara.use_router()
    query = query_of(search)
    try:
        room = ROOMS.get(query.get("room"))
    except RoomError as e:
        with solara.Column(style=TYPE + "; padding: 24px"):
            solara.Error(str(e))
            solara.Button("Back to the classroom page", on_click=lambda: router.push("/"))
        return
    RoomView(room, query, router.push)


@solara.component
def RoomView(room: Room, query: dict[str, str], go) -> None:
    version, clock = use_room_version(room)
    teacher = room.is_teacher(query.get("teacher"))
    seat = room.seat(query.get("seat"))
    screen = query.get("screen") == "class"  # the projector's view: the room without a seat or controls
    if not teacher and seat is None and not screen:
        JoinForm(room, go, "seat" in query)
        return
    with solara.Column(style=TYPE + "; padding: 8px 16px; max-width: 1500px"):
        Header(room, (version, clock), seat)
        if teacher:
            TeacherPanel(room, version)
        elif seat is not None:
            StudentPanel(room, version, seat)
        network, charts = pictures(room)
        with solara.Row(style="flex-wrap: wrap; gap: 8px"):
            solara.Image(network, width="440px")
            solara.Image(charts, width="640px")
        with room.lock:
            over = not room.classroom.run.running
        if teacher or over:
            RoomDebrief(room, version)


@solara.component
def JoinForm(room: Room, go, lost: bool) -> None:
    """A student's name and municipality (or one assigned), then her seat's address."""
    name = solara.use_reactive("")
    chosen = solara.use_reactive(None)
    problem = solara.use_reactive("")
    with room.lock:
        c = room.classroom
        taken = {s.municipality for s in room.seats.values()}
        free = [n for n in c.names if n not in taken]
        title = f"Room {room.code}: {c.run.region.capitalize()}, scenario {c.cfg.scenario.name}"

    def join() -> None:
        try:
            seat = room.join(name.value, chosen.value)
        except RoomError as e:
            problem.set(str(e))
            return
        go(address(room, seat=seat.token))

    with solara.Column(style=TYPE + "; padding: 24px; max-width: 720px"):
        html("h2", title)
        if lost:
            solara.Warning("This seat is not in the room any more (the server was restarted?): join again.")
        html("p", "You will be the mayor of one municipality: at each council vote and yearly session your "
             "council's decision is yours. Everyone in the room sees the same quarter.")
        solara.InputText("Your name (as the class sees it)", value=name)
        solara.v.Autocomplete(label="Your municipality (type to search; leave empty to be given one)",
                              v_model=chosen.value, items=free, clearable=True, on_v_model=chosen.set)
        solara.Button("Join the room", color="primary", on_click=join)
        if problem.value:
            solara.Error(problem.value)


@solara.component
def Header(room: Room, state: tuple[int, int], seat: Seat | None) -> None:
    """Room, region and scenario; the quarter and phase; whether the room waits and how long."""
    with room.lock:
        c = room.classroom
        banner, waiting, over = c.banner(), c.waiting, not c.run.running
        answered = room.answered()
        due = [v for v in answered.values() if v is not None]
        left = room.seconds_left()
        what = f"Room {room.code} · {c.run.region.capitalize()} · scenario {c.cfg.scenario.name} · seed {c.cfg.seed}"
        playing = room.playing
        votes = c.last_votes()
    html("div", what, style="font-size: 16px; color: #555")
    html("h2", banner, style="margin: 4px 0; font-size: 28px")
    for verdict in votes:
        html("div", f"Council vote {verdict}", style="font-size: 18px; font-weight: 500")
    if over:
        solara.Success("The run is over: the debrief below sums what it cost and earned each council.")
    elif waiting:
        solara.Warning(f"Waiting for the mayors: {sum(due)} of {len(due)} have answered. The rule decides for the "
                       f"others in {left:.0f} s.")
    elif playing:
        solara.Info("Playing: a quarter every few seconds until the next question.")
    if seat is not None:
        html("div", f"You are <b>{escape(seat.student)}</b>, mayor of <b>{escape(seat.municipality)}</b>.",
             raw=True)


@solara.component
def TeacherPanel(room: Room, version: int) -> None:
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
    with solara.Column(style="gap: 6px"):
        html("div", f"Students join at this page's address with <b>?room={room.code}</b> (or type the code "
             f"<b style='font-size: 32px; letter-spacing: 4px'>{room.code}</b> on the classroom page). "
             f"<a href='{address(room, screen='class')}' target='_blank'>Open the class screen</a> for the "
             "projector: the room without your controls or this address's token.", raw=True)
        with solara.Row():
            solara.Button("Step one quarter", color="primary", disabled=not running or waiting,
                          on_click=lambda: act(lambda: room.step(teacher)))
            solara.Button("Pause" if playing else "Play", disabled=not running,
                          on_click=lambda: act(lambda: room.play(teacher, not playing)))
            solara.Button("Let the rule decide for those who have not answered", disabled=not waiting,
                          on_click=lambda: act(lambda: room.step(teacher, rule_decides=True)))
        if seats:
            rows = [{"student": s.student, "municipality": s.municipality,
                     "answer": {None: "–", True: "answered", False: "waiting"}[answered[s.token]]} for s in seats]
            table(pd.DataFrame(rows), size="16px")
        else:
            html("p", "No student has joined yet.")
        if problem.value:
            solara.Error(problem.value)


@solara.component
def StudentPanel(room: Room, version: int, seat: Seat) -> None:
    """The questions the student's council faces, with the proposal; and what her choices did so far."""
    with room.lock:
        c = room.classroom
        mine = [q for q in c.questions() if q.name == seat.municipality]
        given = dict(c.run.students.answers)
        proposals = {q.key: c.proposal(q) for q in mine if q.kind == "vote"}
        effect = c.effect()

    def answer(theme, choice: bool) -> None:
        try:
            room.answer(seat.token, theme, choice)
        except (RoomError, ValueError):
            pass  # the quarter moved on (the rule decided): the page redraws with the new state

    if not mine:
        html("p", "No question for your council this quarter: watch the map and the charts.")
    for q in mine:
        text, yes, no = QUESTION[q.kind]
        with solara.Row(style="align-items: center; gap: 12px"):
            html("b", f"{q.quarter}: {text.format(theme=q.theme.value)}")
            if q.key in given:
                html("span", f"→ {yes if given[q.key] else no} (waiting for the others)")
            else:
                solara.Button(yes, color="success", on_click=lambda q=q: answer(q.theme, True))
                solara.Button(no, color="error", on_click=lambda q=q: answer(q.theme, False))
        if q.key in proposals:
            html("div", proposals[q.key], style="font-size: 17px; color: #333")
    if effect is not None:
        own = effect.municipalities[effect.municipalities["municipality"] == seat.municipality]
        if len(own):
            html("p", "<b>What your choices did</b> (the room's run against the same run with the rule deciding)",
                 raw=True)
            table(own, size="16px")


@solara.component
def RoomDebrief(room: Room, version: int) -> None:
    """What the run cost and earned each student's council and the region, with a CSV download."""
    with room.lock:
        frame = debrief(room.classroom)
        students = {s.municipality: s.student for s in room.seats.values()}
        choices = pd.DataFrame(room.classroom.run.students.choices,
                               columns=["quarter", "municipality", "theme", "question", "answer", "rule"])
    frame.insert(0, "student", frame["municipality"].map(students).fillna(""))
    choices.insert(0, "student", choices["municipality"].map(students).fillna(""))
    choices = choices.rename(columns={"rule": "the rule would have"})
    html("h3", f"Debrief after {int(frame['quarters'].iloc[0])} quarters")
    html("p", "Totals over the quarters so far (EUR): revenue left after debt service and cooperation, transaction "
         "costs and contributions, under the class's choices, the rule's (the same run with the rule deciding) "
         "and no cooperation (same seed).", style="font-size: 16px")
    solara.FileDownload(frame.to_csv(index=False), filename=f"cityregions_room_{room.code}.csv",
                        label="Download the debrief (CSV)")
    table(frame.drop(columns=["quarters"]), size="15px")
    html("h3", f"The class's choices ({len(choices)})")
    if len(choices):
        solara.FileDownload(choices.to_csv(index=False), filename=f"cityregions_room_{room.code}_choices.csv",
                            label="Download the choices (CSV)")
        table(choices, size="15px")
    else:
        html("p", "No student has answered a question yet.", style="font-size: 16px")
