"""The classroom page in a real browser: `cityregions app` served on loopback, driven by Playwright in Debian's
Chromium. Only a browser catches a page that Python renders happily but that stays blank (assets from a CDN,
Vue 3 widgets), so the console, page errors and failed requests must all be empty.

The screenshots are saved as test-artifacts/classroom.png (with the click-to-update times in classroom.txt) and
test-artifacts/mayor.png (a student-mayor facing the council vote, the proposal under the question).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CITYREGIONS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """The server ends if pytest is killed (Linux: PR_SET_PDEATHSIG)."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`cityregions app` on a free loopback port, in its own process group, stopped after the tests."""
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    exe = Path(sys.executable).with_name("cityregions")
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(exe), "app", "--host", "127.0.0.1", "--port", str(port), "--no-open"],
                                stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path_factory.mktemp("cwd"),
                                start_new_session=True, preexec_fn=_die_with_parent)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"cityregions app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"cityregions app did not listen within 60 s:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium (Playwright cannot download its own browser on these machines)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make test` (it installs Debian's chromium) or set "
                    "CITYREGIONS_CHROMIUM")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        yield b
        b.close()


def _chart_src(page) -> str:
    return page.locator("img.widget-image").nth(1).get_attribute("src") or ""


def _step(page, quarter: int) -> float:
    """Press Step and wait for the banner to show the quarter; returns the seconds it took."""
    t = time.monotonic()
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function("q => document.body.innerText.includes(`Quarter ${q} of `)", arg=quarter,
                           polling="raf", timeout=TIMEOUT_MS)  # every frame: Playwright's own waits back off to 0.5 s
    return time.monotonic() - t


@contextmanager
def checked_page(browser, server):
    """A fresh session of the page; on leaving, console errors, page errors, HTTP >= 400 and tracebacks shown on
    the page must all be absent."""
    problems: list[str] = []
    page = browser.new_page(viewport={"width": 1500, "height": 1400})
    page.set_default_timeout(TIMEOUT_MS)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    try:
        page.goto(server)
        page.get_by_text("Start: 2012 Q3").wait_for()
        yield page
        page.wait_for_load_state("networkidle")  # a missing asset fails only after the server's retries
        if "Traceback" in page.inner_text("body"):  # SolaraViz shows a failing callback's traceback on the page
            problems.append(page.inner_text("body")[-2000:])
    finally:
        page.close()
    assert problems == [], "\n".join(problems)


def test_the_page_steps_charts_and_explains_in_a_real_browser(server, browser):
    with checked_page(browser, server) as page:
        page.locator("img.widget-image").nth(1).wait_for()
        chart = _chart_src(page)

        times = [_step(page, q) for q in range(1, 7)]  # into phase 2: the pilots have formed
        page.wait_for_function("([i, old]) => document.querySelectorAll('img.widget-image')[i].src !== old",
                               arg=[1, chart])
        assert _chart_src(page) != chart, "the chart did not change after stepping"
        assert "Phase 2: pilot projects" in page.inner_text("body")
        page.get_by_text("Debrief after 6 quarters").wait_for()  # the class's debrief follows the run
        assert page.get_by_text("Download the debrief (CSV)").count() == 1

        search = page.locator(".v-select").filter(has_text="Municipality").first
        search.locator(".v-select__slot").click()
        search.locator("input[type=text]").fill("Markk")  # a real suburb, found by typing part of its name
        page.locator(".menuable__content__active .v-list-item").filter(has_text="Markkleeberg").first.wait_for()
        assert page.locator(".menuable__content__active .v-list-item").count() == 1, "typing did not filter"
        search.locator("input[type=text]").fill("")
        item = page.locator(".menuable__content__active .v-list-item").nth(3)
        name = item.inner_text().strip()
        item.click()
        page.get_by_text(f"Payoff breakdown of {name}").wait_for()
        body = page.inner_text("body")
        for item in ("benefit", "information", "negotiation", "enforcement", "agency", "autonomy", "net"):
            assert item in body, f"the payoff breakdown lacks {item!r}"
        page.wait_for_selector(".menuable__content__active", state="detached")
        page.wait_for_timeout(500)  # the menu's fade-out
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "classroom.png", full_page=True)
        page.locator(".v-select").filter(has_text="Region").first.locator(".v-select__slot").click()
        page.locator(".menuable__content__active .v-list-item").filter(has_text="graz").first.click()
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text("Graz · scenario CITY REGIONS").wait_for()
        page.get_by_text("Start: 2012 Q3").wait_for()
        page.get_by_role("button", name="▶", exact=True).click()  # play ...
        page.wait_for_function("() => document.body.innerText.includes('Quarter 3 of ')", polling="raf")
        page.get_by_role("button", name="❚❚", exact=True).click()  # ... and pause
        page.wait_for_timeout(1000)  # a step under way when pausing may still land
        paused = re.search(r"Quarter (\d+) of", page.inner_text("body")).group(1)
        page.wait_for_timeout(1500)
        assert re.search(r"Quarter (\d+) of", page.inner_text("body")).group(1) == paused, "pause did not stop"
        (ARTIFACTS / "classroom.txt").write_text(
            "seconds from Step click to the new quarter on the page (Leipzig): "
            + ", ".join(f"{t:.2f}" for t in times) + "\n")


def test_mayor_mode_waits_for_the_student_and_applies_the_vote(server, browser):
    with checked_page(browser, server) as page:
        page.locator(".v-select").filter(has_text="played by students").first.locator(".v-select__slot").click()
        page.locator(".menuable__content__active .v-list-item").filter(has_text="Leipzig").first.click()
        page.keyboard.press("Escape")
        for q in range(1, 10):  # to the last quarter before the council vote
            _step(page, q)
        page.get_by_text("Waiting for the mayors").wait_for()
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_timeout(1500)
        assert "Quarter 9 of " in page.inner_text("body"), "the page did not wait for the mayor's vote"
        page.get_by_text(re.compile(r"^Sharing key \d")).wait_for()  # the proposal: key, payoff, rule, legal form
        assert "must vote yes; a yes makes" in page.inner_text("body")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "mayor.png", full_page=True)
        page.get_by_role("button", name="No", exact=True).click()
        page.get_by_text("→ No").wait_for()
        _step(page, 10)
        page.get_by_text("What your choices did").wait_for()
        assert "rule's choices" in page.inner_text("body")


def test_ten_pages_opened_within_a_second_all_render_without_an_error(server, browser):
    """A class opening the page together: ten tabs opened at once, each its own session that composes its
    configuration (Hydra's global state) and builds its run; none may show an error ('GlobalHydra is already
    initialized' did in two to four of five)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    context.on("page", lambda p: p.on("pageerror", lambda e: problems.append(f"page error: {e}")))
    try:
        opener = context.new_page()
        # one script opens all ten tabs at once (no timing asserted: a loaded machine only delays them)
        opener.evaluate("url => { for (let i = 0; i < 10; i++) window.open(url, '_blank'); }", server)
        deadline = time.monotonic() + 30
        while len(context.pages) < 11 and time.monotonic() < deadline:
            opener.wait_for_timeout(100)
        tabs = context.pages[1:]
        assert len(tabs) == 10
        for tab in tabs:  # the page, or the error SolaraViz shows in its place
            tab.wait_for_function("() => /Start: 2012 Q3|Traceback|Error/.test(document.body.innerText)",
                                  timeout=120_000)
            body = tab.inner_text("body")
            if "Start: 2012 Q3" not in body or "Traceback" in body:
                problems.append(body[-2000:])
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


STUDENTS = 30


def _quarter_shown(page, quarter: int, timeout: int = TIMEOUT_MS) -> None:
    page.wait_for_function("q => document.body.innerText.includes(`Quarter ${q} of `)", arg=quarter,
                           polling=100, timeout=timeout)


def test_thirty_students_on_their_own_devices_play_one_room_and_see_the_same_quarter(server, browser):
    """A teacher opens a room; thirty students join it from their own browsers (one context each: their own
    cookies and session) and are given municipalities; the teacher steps to the council vote; every student
    answers on her own screen, and the room simulates the vote's quarter as soon as the last has answered: all
    thirty-one screens show the same quarter, and none an error. A student's refresh keeps her seat."""
    problems: list[str] = []
    contexts = []

    def screen(width: int = 1024, height: int = 768):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
        return page

    try:
        teacher = screen()
        teacher.goto(server)
        teacher.get_by_role("button", name=re.compile(r"^Open a room")).click()
        teacher.get_by_text("Students join at").wait_for()
        code = re.search(r"room=(\w+)", teacher.url).group(1)
        students = []
        for k in range(STUDENTS):
            page = screen()
            page.goto(f"{server}?room={code}")
            page.get_by_label("Your name (as the class sees it)").fill(f"Student {k + 1:02d}")
            page.get_by_role("button", name="Join the room").click()
            page.get_by_text("You are").wait_for()
            students.append(page)
        seated = re.findall(r"mayor of (.+?)\.", " ".join(p.inner_text("body") for p in students))
        assert len(set(seated)) == STUDENTS, "two students were given one municipality"

        latencies = []
        for quarter in range(1, 10):  # the teacher steps to the quarter before the council vote
            start = time.monotonic()
            teacher.get_by_role("button", name="Step one quarter").click()
            for page in (teacher, *students):
                _quarter_shown(page, quarter)
            latencies.append(time.monotonic() - start)
        for page in students:
            page.get_by_text("vote on the").first.wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        students[1].screenshot(path=ARTIFACTS / "room_student.png")
        for k, page in enumerate(students):  # each answers every question her council faces
            for button in page.get_by_role("button", name="Yes" if k % 3 else "No", exact=True).all():
                button.click()
        start = time.monotonic()
        for page in (teacher, *students):  # the last answer simulated the vote's quarter on every screen
            _quarter_shown(page, 10, timeout=60_000)
        latencies.append(time.monotonic() - start)
        teacher.get_by_text(re.compile(r"^Council vote 2014 Q4, land compact: (ratified|failed)")).wait_for()
        teacher.screenshot(path=ARTIFACTS / "room_teacher.png", full_page=True)
        teacher.get_by_text(re.compile(r"^The class's choices \(\d+\)")).scroll_into_view_if_needed()
        teacher.screenshot(path=ARTIFACTS / "room_debrief.png")  # the debrief: totals, then the class's choices
        projector = screen()  # the class screen: the room without a seat, controls or the teacher's token
        projector.goto(f"{server}?room={code}&screen=class")
        _quarter_shown(projector, 10)
        assert "Step one quarter" not in projector.inner_text("body") and "You are" not in projector.inner_text("body")
        projector.screenshot(path=ARTIFACTS / "room_class_screen.png")

        students[0].reload()
        students[0].get_by_text("mayor of " + seated[0]).wait_for()
        _quarter_shown(students[0], 10)
        for page in (teacher, *students):
            if "Traceback" in page.inner_text("body"):
                problems.append(page.inner_text("body")[-2000:])
        (ARTIFACTS / "room.txt").write_text(
            f"{STUDENTS} students in one room (Leipzig): seconds from the teacher's Step to the new quarter on all "
            f"{STUDENTS + 1} screens: " + ", ".join(f"{t:.2f}" for t in latencies[:-1])
            + f"; from the last answer clicked to the vote's quarter on all screens: {latencies[-1]:.2f}\n")
    finally:
        for context in contexts:
            context.close()
    assert problems == [], "\n".join(problems[:20])


def test_the_page_and_a_room_speak_the_class_language(server, browser):
    """?lang=de shows the page in German (banner, controls' help, levers, map and chart texts drawn in German);
    a student joining a room with ?lang=pl sees the room in Polish, and the seat's address keeps the language."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{server}?lang=de")
        page.get_by_text("Start: 3. Quartal 2012 · Phase 1: Austausch guter Praxis").wait_for()
        body = page.inner_text("body")
        for text in ("Region, Szenario und Stellschrauben", "Warum? Wähle eine Gemeinde", "Gemeinsam spielen"):
            assert text in body, text
        page.get_by_role("button", name=re.compile(r"^Raum öffnen")).click()
        page.get_by_text("Ein Quartal weiter").wait_for()
        code = re.search(r"room=(\w+)", page.url).group(1)
        assert "lang=de" in page.url
        student = context.new_page()
        student.set_default_timeout(TIMEOUT_MS)
        student.goto(f"{server}?room={code}&lang=pl")
        student.get_by_role("button", name="Dołącz do pokoju").click()
        student.get_by_text("Początek: 3. kwartał 2012").wait_for()
        assert "lang=pl" in student.url and "Traceback" not in student.inner_text("body")
    finally:
        context.close()


def test_a_refreshed_page_goes_on_with_its_run(server, browser):
    """The page keeps its run under a token in its address: a refresh (or the same address later) shows the same
    quarter and the same students' municipalities, not a new run."""
    with checked_page(browser, server) as page:
        for quarter in (1, 2, 3):
            _step(page, quarter)
        assert "session=" in page.url
        page.reload()
        page.get_by_text(re.compile(r"^Quarter 3 of 74")).wait_for()
        _step(page, 4)  # and the run goes on from there
