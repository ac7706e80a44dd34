"""Rooms: one shared run that a whole class plays from its own devices (NetLogo's HubNet, for the classroom).

A teacher opens a room, named by a short code; students join it from their own devices and each takes one
municipality, chosen or assigned. The room holds one `Classroom` and every screen shows it: the same quarter,
the same map and charts. It advances when the teacher steps, or by itself while the teacher plays; whenever
the student-mayors face a question it waits for them, simulates the quarter as soon as every one has answered,
and after `answer_timeout_s` lets the rule decide for those who have not. Seats and the teacher's place are
bearer tokens: a page that is refreshed finds its seat again by the token in its address.

Everything a screen needs is read under the room's lock and versioned: a screen redraws when the version moves,
and the room draws each figure once per version for all its screens. No Solara here (the page is in room_page.py).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from cityregions.app.classroom import SETTINGS, Classroom
from cityregions.config import REGIONS, SCENARIOS
from cityregions.rules.cooperation import Theme

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0 or 1: read aloud and typed without confusion
CODE_LENGTH = 5
MAX_ROOMS = 40  # rooms a server holds at once; the least recently used closes to make space
MAX_NAME = 40  # characters of a student's name
MAX_SESSIONS = 100  # single-session pages whose run a refresh finds again


class RoomError(ValueError):
    """A request the room cannot grant; the message says why and what is allowed."""


@dataclass(frozen=True)
class Seat:
    """A student's place in a room: the municipality she plays, and the token that finds it again."""

    token: str
    student: str
    municipality: str


@dataclass(eq=False)
class Room:
    """One shared run and the class playing it. Every method takes the room's lock."""

    code: str
    classroom: Classroom
    teacher: str  # the teacher's token
    answer_timeout_s: float = 90.0
    play_interval_s: float = 2.0
    clock: Callable[[], float] = time.monotonic
    seats: dict[str, Seat] = field(default_factory=dict)
    playing: bool = False
    version: int = 0  # moves with every change a screen shows
    asked_at: float | None = None  # when the questions now due were first asked
    stepped_at: float = 0.0
    lock: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _drawn: dict[str, tuple[int, object]] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ seats
    def join(self, student: str = "", municipality: str | None = None) -> Seat:
        """Seat a student: on the municipality she chose, or on the most populous one without a student."""
        student = " ".join(str(student).split())[:MAX_NAME]
        with self.lock:
            c = self.classroom
            taken = {s.municipality: s for s in self.seats.values()}
            if municipality:
                if municipality not in c.names:
                    raise RoomError(f"municipality={municipality!r} is not in {c.run.region}; allowed: one of its "
                                    f"{len(c.names)} municipalities (the page lists them)")
                if municipality in taken:
                    raise RoomError(f"{municipality} is played by {taken[municipality].student}; choose another "
                                    "or let the room assign one")
            else:
                free = [i for i in c.run.people.population.argsort(kind="stable")[::-1] if c.names[i] not in taken]
                if not free:
                    raise RoomError(f"every municipality of {c.run.region} has a student ({len(c.names)})")
                municipality = c.names[int(free[0])]
            seat = Seat(secrets.token_urlsafe(9), student or f"Student {len(self.seats) + 1}", municipality)
            self.seats[seat.token] = seat
            c.set_mayors([s.municipality for s in self.seats.values()])
            self._questions_changed()
            self._changed()
            return seat

    def seat(self, token: str | None) -> Seat | None:
        """The seat a token holds (None: no such seat in this room)."""
        with self.lock:
            return self.seats.get(token or "")

    def is_teacher(self, token: str | None) -> bool:
        """Whether a token is this room's teacher's."""
        return bool(token) and secrets.compare_digest(str(token), self.teacher)

    # ------------------------------------------------------------------ answers and time
    def answer(self, token: str, theme: Theme | str, choice: bool) -> None:
        """A student's answer to a question her municipality faces; the quarter is simulated once every mayor has
        answered."""
        with self.lock:
            seat = self.seats.get(token)
            if seat is None:
                raise RoomError("this seat is not in the room any more; join again")
            self.classroom.answer(seat.municipality, theme, choice)
            self._changed()
            if not self.classroom.unanswered():
                self._advance(rule_decides=False)

    def step(self, token: str, rule_decides: bool = False) -> bool:
        """The teacher steps one quarter; while mayors have not answered it waits, unless the teacher lets the rule
        decide for them. Returns whether a quarter was simulated."""
        with self.lock:
            self._teacher_only(token)
            return self._advance(rule_decides)

    def play(self, token: str, on: bool) -> None:
        """The teacher plays (a quarter every play_interval_s while no question waits) or pauses."""
        with self.lock:
            self._teacher_only(token)
            self.playing = bool(on) and self.classroom.run.running
            self.stepped_at = self.clock()
            self._changed()

    def tick(self) -> None:
        """What time does: the rule decides once the answers are overdue; a playing room steps on. Every screen's
        watcher calls this, so a room needs no thread of its own."""
        with self.lock:
            now = self.clock()
            if self.asked_at is not None and now - self.asked_at >= self.answer_timeout_s:
                self._advance(rule_decides=True)
            elif self.playing and not self.classroom.waiting and now - self.stepped_at >= self.play_interval_s:
                self._advance(rule_decides=False)

    def seconds_left(self) -> float | None:
        """Seconds until the rule decides for the mayors who have not answered (None: no question waits)."""
        with self.lock:
            if self.asked_at is None:
                return None
            return max(self.answer_timeout_s - (self.clock() - self.asked_at), 0.0)

    def answered(self) -> dict[str, bool | None]:
        """Per seat token: whether its mayor has answered every question due (None: none is due)."""
        with self.lock:
            due: dict[str, bool] = {}
            answers = self.classroom.run.students.answers
            for q in self.classroom.questions():
                due[q.name] = due.get(q.name, True) and q.key in answers
            return {t: due.get(s.municipality) for t, s in self.seats.items()}

    def wait_change(self, seen: int, timeout: float) -> int:
        """The version, once it differs from seen or the timeout has passed (what a screen's watcher waits on)."""
        with self.lock:
            self.lock.wait_for(lambda: self.version != seen, timeout=timeout)
            return self.version

    def drawn(self, kind: str, draw: Callable[[Classroom], object]) -> object:
        """What draw makes of the room's state, made once per version and shared by every screen."""
        with self.lock:
            version, value = self._drawn.get(kind, (-1, None))
            if version != self.version:
                value = draw(self.classroom)
                self._drawn[kind] = (self.version, value)
            return value

    # ------------------------------------------------------------------ inside the lock
    def _teacher_only(self, token: str) -> None:
        if not self.is_teacher(token):
            raise RoomError("only the room's teacher can step or play it")

    def _advance(self, rule_decides: bool) -> bool:
        c = self.classroom
        if not c.run.running or (c.waiting and not rule_decides):
            return False
        c.advance(rule_decides_rest=True)
        self.stepped_at = self.clock()
        if not c.run.running:
            self.playing = False
        self.asked_at = None  # the new quarter's questions are asked now
        self._questions_changed()
        self._changed()
        return True

    def _questions_changed(self) -> None:
        if not self.classroom.unanswered():
            self.asked_at = None
        elif self.asked_at is None:
            self.asked_at = self.clock()

    def _changed(self) -> None:
        self.version += 1
        self.lock.notify_all()


class Rooms:
    """The rooms a server holds, by code. Opening one when MAX_ROOMS are open closes the least recently opened."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_rooms: int = MAX_ROOMS) -> None:
        self.clock = clock
        self.max_rooms = max_rooms
        self._rooms: dict[str, Room] = {}
        self._lock = threading.Lock()

    def open(self, region: str = "leipzig", policy: str = "city_regions", seed: int = 0,
             answer_timeout_s: float = 90.0, play_interval_s: float = 2.0, **levers: object) -> Room:
        """A new room playing region and scenario with a seed, and the page's levers (Classroom's own_levers and
        the rest of Classroom.settings) if given; the teacher's token is room.teacher."""
        unknown = sorted(set(levers) - {"own_levers", *SETTINGS})
        if unknown:
            raise RoomError(f"{unknown[0]}={levers[unknown[0]]!r} is not a lever of a room; allowed: own_levers, "
                            + ", ".join(SETTINGS))
        if region not in REGIONS:
            raise RoomError(f"region={region!r} is not allowed; allowed: {', '.join(REGIONS)}")
        if policy not in SCENARIOS:
            raise RoomError(f"scenario={policy!r} is not allowed; allowed: {', '.join(SCENARIOS)}")
        for key, value, lo in (("answer_timeout_s", answer_timeout_s, 5.0), ("play_interval_s", play_interval_s, 0.2)):
            if not isinstance(value, int | float) or not lo <= value <= 3600:
                raise RoomError(f"{key}={value!r} is not allowed; allowed: {lo} to 3600 seconds")
        classroom = Classroom(region=region, policy=policy, seed=int(seed), **levers)  # type: ignore[arg-type]
        with self._lock:
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            while code in self._rooms:
                code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            room = Room(code, classroom, secrets.token_urlsafe(12), float(answer_timeout_s),
                        float(play_interval_s), self.clock)
            while len(self._rooms) >= self.max_rooms:
                self._rooms.pop(next(iter(self._rooms)))
            self._rooms[code] = room
            return room

    def get(self, code: str | None) -> Room:
        """The room of a code (case and spaces ignored)."""
        key = "".join(str(code or "").split()).upper()
        with self._lock:
            room = self._rooms.get(key)
        if room is None:
            raise RoomError(f"room {key or '(none)'!r} is not open on this server; ask your teacher for the code "
                            f"({CODE_LENGTH} letters and digits)")
        return room


class Sessions:
    """The single-session pages' classrooms by a token in the page's address, so that a refreshed page finds its
    run again; the least recently used goes when MAX_SESSIONS are kept."""

    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self.max_sessions = max_sessions
        self._kept: OrderedDict[str, Classroom] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str | None) -> Classroom | None:
        """The classroom a token keeps (None: none, or forgotten)."""
        with self._lock:
            c = self._kept.get(token or "")
            if c is not None:
                self._kept.move_to_end(token)
            return c

    def keep(self, token: str, classroom: Classroom) -> None:
        """Keep the classroom under the token (after a Reset, the new one)."""
        with self._lock:
            self._kept[token] = classroom
            self._kept.move_to_end(token)
            while len(self._kept) > self.max_sessions:
                self._kept.popitem(last=False)


ROOMS = Rooms()  # the server's rooms (one process serves the page)
SESSIONS = Sessions()  # the single-session pages' runs
