"""Benchmark: how fast the classroom page answers a Step, for each region (Prague, 360 municipalities, is the largest).

Not a test: it prints a table. Two measures per region:
- server: one quarter of the session (run, counterfactual) plus redrawing the network and the charts to PNG,
  the work the server does for a Step (median over quarters 5-24);
- browser: from clicking Step in headless Chromium to the new quarter on the page (median of 10 clicks),
  with `cityregions app` served on loopback (needs Debian's chromium; `make test` installs it).

- rooms: from the teachers' Step clicks to the new quarter on every screen, with one room of --room-students
  students, then --rooms rooms sharing as many students between them, each screen a browser context of its own.

Usage: python benchmarks/bench_page.py [--regions prague,leipzig] [--clicks 10] [--no-browser] [--markdown]
       [--room-students 30] [--rooms 5]
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("CITYREGIONS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def server_side(region: str) -> float:
    """Median seconds of one quarter plus both figures redrawn and encoded as the page does."""
    from cityregions.app.classroom import Classroom
    from cityregions.app.figures import DPI, ChartsView, NetworkView

    c = Classroom(region=region)
    views = (NetworkView(c), ChartsView(c))
    times = []
    for q in range(24):
        t = time.perf_counter()
        c.step()
        for v in views:
            v.update(c).savefig(io.BytesIO(), format="png", dpi=DPI)
        if q >= 4:
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving():
    """`cityregions app` on a free loopback port, stopped on leaving; yields its address."""
    port = _port()
    exe = Path(sys.executable).with_name("cityregions")
    proc = subprocess.Popen([str(exe), "app", "--host", "127.0.0.1", "--port", str(port), "--no-open"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("cityregions app did not start") from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def _shown(page, quarter: int) -> None:
    page.wait_for_function("q => document.body.innerText.includes(`Quarter ${q} of `)", arg=quarter,
                           polling="raf")


def browser_side(regions: list[str], clicks: int) -> dict[str, float]:
    """Median seconds from a Step click to the new quarter on the page, per region."""
    from playwright.sync_api import sync_playwright

    out = {}
    with serving() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=30_000)
        for region in regions:
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            page.set_default_timeout(30_000)
            page.goto(url)
            page.get_by_text("Start: 2012 Q3").wait_for()
            if region != "leipzig":
                page.locator(".v-select").filter(has_text="Region").first.locator(".v-select__slot").click()
                page.locator(".menuable__content__active .v-list-item").filter(has_text=region).first.click()
                page.get_by_role("button", name="Reset", exact=True).click()
                page.wait_for_function("r => document.body.innerText.toLowerCase().includes(r + ' · scenario')",
                                       arg=region, polling="raf")
            times = []
            for q in range(1, clicks + 1):
                t = time.perf_counter()
                page.get_by_role("button", name="Step", exact=True).click()
                _shown(page, q)
                times.append(time.perf_counter() - t)
            out[region] = statistics.median(times)
            page.close()
        browser.close()
    return out


def room_side(rooms: int, students: int, clicks: int) -> float:
    """Median seconds from the teachers' Step clicks (one per room, in turn) to the new quarter on every screen of
    every room: rooms teachers and rooms x students students, each in a browser context of her own (Leipzig)."""
    import re

    from playwright.sync_api import sync_playwright

    times = []
    with serving() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=30_000)
        teachers, screens = [], []
        for _ in range(rooms):
            teacher = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
            teacher.set_default_timeout(60_000)
            teacher.goto(url)
            teacher.get_by_role("button", name=re.compile(r"^Open a room")).click()
            teacher.get_by_text("Students join at").wait_for()
            code = re.search(r"room=(\w+)", teacher.url).group(1)
            teachers.append(teacher)
            screens.append(teacher)
            for k in range(students):
                page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
                page.set_default_timeout(60_000)
                page.goto(f"{url}?room={code}")
                page.get_by_label("Your name (as the class sees it)").fill(f"Student {k + 1}")
                page.get_by_role("button", name="Join the room").click()
                page.get_by_text("You are").wait_for()
                screens.append(page)
        for q in range(1, clicks + 1):  # before the council vote (quarter 10): no question waits
            t = time.perf_counter()
            for teacher in teachers:
                teacher.get_by_role("button", name="Step one quarter").click()
            for page in screens:
                _shown(page, q)
            times.append(time.perf_counter() - t)
        browser.close()
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", default="prague,turin,leipzig")
    ap.add_argument("--clicks", type=int, default=10)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--room-students", type=int, default=30, help="students per room (0: no room measure)")
    ap.add_argument("--rooms", type=int, default=5, help="rooms at once in the second room measure (the same "
                    "number of students split between them)")
    args = ap.parse_args(argv)
    regions = args.regions.split(",")
    server = {r: server_side(r) for r in regions}
    browser = {} if args.no_browser else browser_side(regions, args.clicks)
    from cityregions.app.classroom import Classroom

    sizes = {r: Classroom(region=r).run.geo.n for r in regions}
    rows = [[r, f"{sizes[r]}", f"{server[r]:.3f}", f"{browser[r]:.3f}" if r in browser else "–"] for r in regions]
    headers = ["region", "municipalities", "server s per Step", "Step click to new quarter on the page, s"]
    _print(headers, rows, args.markdown)
    if not args.no_browser and args.room_students:
        shapes = ((1, args.room_students), (args.rooms, max(args.room_students // args.rooms, 1)))
        rows = [[f"{n}", f"{k}", f"{n * (k + 1)}", f"{room_side(n, k, min(args.clicks, 9)):.2f}"] for n, k in shapes]
        print()
        _print(["rooms", "students per room", "screens", "teachers' Step to the new quarter on every screen, s"],
               rows, args.markdown)
    return 0


def _print(headers: list[str], rows: list[list[str]], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(headers) + " |\n|" + "---:|" * len(headers))
        print("\n".join("| " + " | ".join(row) + " |" for row in rows))
    else:
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
        print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    sys.exit(main())
