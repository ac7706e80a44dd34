"""Rooms: one shared run for a whole class. Students take seats (chosen or assigned municipalities), the run waits
for their answers, goes on as soon as all have answered, and lets the rule decide once the answers are overdue;
only the teacher steps; a seat is found again by its token; thirty students at once leave the room consistent.
Time is a fake clock, so no test waits for real seconds."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from cityregions.app.rooms import CODE_LENGTH, RoomError, Rooms
from cityregions.rules.cooperation import Theme

VOTE = 9  # quarters before the council vote (2014Q4) in every region's timeline


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def rooms():
    clock = Clock()
    return Rooms(clock=clock), clock


def to_the_vote(room) -> None:
    for _ in range(VOTE):
        assert room.step(room.teacher)
    assert room.classroom.waiting


def test_students_are_seated_on_the_most_populous_free_municipality_or_the_one_they_chose(rooms):
    room = rooms[0].open("leipzig")
    first, second = room.join("Anna"), room.join("Ben")
    assert (first.municipality, second.municipality) == ("Leipzig", "Halle (Saale)")  # the two largest
    chosen = room.join("Cem", "Markkleeberg")
    assert chosen.municipality == "Markkleeberg" and chosen.student == "Cem"
    assert room.classroom.run.students.mayors == {room.classroom.names.index(n)
                                                  for n in ("Leipzig", "Halle (Saale)", "Markkleeberg")}
    with pytest.raises(RoomError, match=r"Markkleeberg is played by Cem; choose another"):
        room.join("Dora", "Markkleeberg")
    with pytest.raises(RoomError, match=r"municipality='Atlantis' is not in leipzig; allowed: one of its 34"):
        room.join("Dora", "Atlantis")
    assert room.join("").student == "Student 4"  # a student with no name is numbered


def test_a_full_room_says_so(rooms):
    room = rooms[0].open("leipzig")
    for _ in range(34):
        room.join()
    with pytest.raises(RoomError, match="every municipality of leipzig has a student"):
        room.join()


def test_the_run_waits_for_every_mayor_and_goes_on_once_all_have_answered(rooms):
    room = rooms[0].open("leipzig")
    seats = [room.join() for _ in range(3)]
    to_the_vote(room)
    assert not room.step(room.teacher)  # the teacher's step waits too
    assert room.answered() == {s.token: False for s in seats}
    themes = {q.theme for q in room.classroom.questions()}
    for s in seats[:2]:
        for theme in themes:
            room.answer(s.token, theme, True)
    assert room.classroom.quarter == VOTE and room.answered()[seats[0].token] is True
    for theme in themes:
        room.answer(seats[2].token, theme, False)
    assert room.classroom.quarter == VOTE + 1  # the last answer simulated the vote's quarter
    choices = room.classroom.run.students.choices
    assert {(c["municipality"], c["answer"]) for c in choices} == {
        (s.municipality, s is not seats[2]) for s in seats}


def test_overdue_answers_are_decided_by_the_rule(rooms):
    factory, clock = rooms
    room = factory.open("leipzig", answer_timeout_s=60)
    seats = [room.join() for _ in range(2)]
    to_the_vote(room)
    room.answer(seats[0].token, Theme.LAND, True)
    clock.now += 59
    room.tick()
    assert room.classroom.quarter == VOTE and room.seconds_left() == pytest.approx(1)
    clock.now += 1
    room.tick()
    assert room.classroom.quarter == VOTE + 1
    assert room.seconds_left() == (60 if room.classroom.waiting else None)  # the next questions get their own time
    answered = {c["municipality"] for c in room.classroom.run.students.choices}
    assert answered == {seats[0].municipality}  # the other's vote was the rule's, recorded as no answer


def test_only_the_teacher_steps_and_plays(rooms):
    factory, clock = rooms
    room = factory.open("graz", play_interval_s=2)
    seat = room.join()
    with pytest.raises(RoomError, match="only the room's teacher"):
        room.step(seat.token)
    with pytest.raises(RoomError, match="only the room's teacher"):
        room.play("", True)
    room.play(room.teacher, True)
    for _ in range(VOTE):
        clock.now += 2
        room.tick()
    assert room.classroom.quarter == VOTE and room.classroom.waiting
    clock.now += 2
    room.tick()
    assert room.classroom.quarter == VOTE  # play stops at a question: it waits for the mayor


def test_a_refreshed_page_finds_its_seat_by_its_token(rooms):
    factory, _ = rooms
    room = factory.open("wroclaw")
    seat = room.join("Ewa")
    again = factory.get(f" {room.code.lower()} ")  # the code as a student may type it
    assert again is room and again.seat(seat.token) == seat
    assert room.seat("not-a-token") is None and room.seat(None) is None
    assert not room.is_teacher(seat.token) and room.is_teacher(room.teacher)
    assert len(room.code) == CODE_LENGTH


def test_a_wrong_room_region_scenario_or_time_names_what_is_allowed(rooms):
    factory, _ = rooms
    with pytest.raises(RoomError, match=r"room 'ZZZZZ' is not open on this server"):
        factory.get("zzzzz")
    with pytest.raises(RoomError, match=r"region='atlantis' is not allowed; allowed: leipzig, graz"):
        factory.open("atlantis")
    with pytest.raises(RoomError, match=r"scenario='x' is not allowed; allowed: no_cooperation"):
        factory.open("leipzig", "x")
    with pytest.raises(RoomError, match=r"answer_timeout_s=1 is not allowed; allowed: 5.0 to 3600 seconds"):
        factory.open("leipzig", answer_timeout_s=1)


def test_a_server_holds_a_bounded_number_of_rooms():
    factory = Rooms(max_rooms=2)
    a, b, c = (factory.open("leipzig") for _ in range(3))
    assert factory.get(b.code) is b and factory.get(c.code) is c
    with pytest.raises(RoomError, match="is not open"):
        factory.get(a.code)


def test_thirty_students_joining_and_answering_at_once_leave_one_consistent_run(rooms):
    room = rooms[0].open("leipzig")
    seats, errors = [], []

    def student(k: int, start: threading.Barrier) -> None:
        start.wait()
        try:
            seats.append(room.join(f"s{k}"))
        except Exception as e:  # pragma: no cover - the assertion below shows it
            errors.append(e)

    start = threading.Barrier(30)
    threads = [threading.Thread(target=student, args=(k, start)) for k in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len({s.municipality for s in seats}) == 30
    to_the_vote(room)
    themes = {q.theme for q in room.classroom.questions()}
    answering = [threading.Thread(target=lambda s=s: [room.answer(s.token, th, True) for th in themes])
                 for s in seats]
    for t in answering:
        t.start()
    for t in answering:
        t.join(timeout=60)
    assert room.classroom.quarter == VOTE + 1  # simulated once, by whichever answer came last
    assert len(room.classroom.run.students.choices) == 30 * len(themes)


def test_a_room_draws_each_figure_once_per_quarter_for_all_its_screens(rooms):
    room = rooms[0].open("leipzig")
    calls = []
    for _ in range(30):  # thirty screens asking for the same quarter
        room.drawn("figures", lambda c: calls.append(c.quarter) or len(calls))
    room.step(room.teacher)
    room.drawn("figures", lambda c: calls.append(c.quarter) or len(calls))
    assert calls == [0, 1]


def test_five_rooms_opened_and_played_at_once_each_play_the_run_played_alone(rooms):
    factory = rooms[0]

    def play(out: list, k: int) -> None:
        room = factory.open("graz", seed=3)
        for _ in range(12):
            room.step(room.teacher)
        out[k] = room.classroom.run.datacollector.get_model_vars_dataframe()

    alone = [None]
    play(alone, 0)
    five = [None] * 5
    threads = [threading.Thread(target=play, args=(five, k)) for k in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for frame in five:
        pd.testing.assert_frame_equal(frame, alone[0])


def test_a_room_plays_the_levers_the_page_had_set_and_refuses_others(rooms):
    factory, _ = rooms
    room = factory.open("leipzig", own_levers=True, ratification="unanimity", transaction_cost_scale=2.0)
    assert room.classroom.cfg.scenario.ratification == "unanimity"
    assert room.classroom.cfg.scenario.transaction_cost_scale == 2.0
    assert factory.open("leipzig").classroom.cfg.scenario.ratification == "core_and_quorum"
    with pytest.raises(RoomError, match=r"quorum=0.9 is not a lever of a room; allowed: own_levers, revenue_"):
        factory.open("leipzig", quorum=0.9)


def test_every_screen_can_read_what_the_last_vote_decided(rooms):
    room = rooms[0].open("leipzig")
    assert room.classroom.last_votes() == []
    for _ in range(VOTE + 1):
        room.step(room.teacher)
    votes = [d for d in room.classroom.run.coop.decisions if d["action"] == "vote_no"]
    assert room.classroom.last_votes() == [f"Council vote 2014 Q4, land compact: {votes[0]['rule']}"]  # land only
