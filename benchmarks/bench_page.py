"""Benchmark: how fast the classroom page answers a Step, for each region (Prague, 360 municipalities, is the largest).

Not a test: it prints a table. Two measures per region:
- server: one quarter of the session (run, counterfactual) plus redrawing the network and the charts to PNG,
  the work the server does for a Step (median over quarters 5-24);
- browser: from clicking Step in headless Chromium to the new quarter on the page (median of 10 clicks),
  with `cityregions app` served on loopback (needs Debian's chromium; `make test` installs it).

Usage: python benchmarks/bench_page.py [--regions prague,leipzig] [--clicks 10] [--no-browser] [--markdown]
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


def browser_side(regions: list[str], clicks: int) -> dict[str, float]:
    """Median seconds from a Step click to the new quarter on the page, per region."""
    from playwright.sync_api import sync_playwright

    port = _port()
    exe = Path(sys.executable).with_name("cityregions")
    proc = subprocess.Popen([str(exe), "app", "--host", "127.0.0.1", "--port", str(port), "--no-open"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    out = {}
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
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=30_000)
            for region in regions:
                page = browser.new_page(viewport={"width": 1500, "height": 1400})
                page.set_default_timeout(30_000)
                page.goto(f"http://127.0.0.1:{port}/")
                page.get_by_text("Start: 2012Q3").wait_for()
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
                    page.wait_for_function("q => document.body.innerText.includes(`Quarter ${q} of `)", arg=q,
                                           polling="raf")
                    times.append(time.perf_counter() - t)
                out[region] = statistics.median(times)
                page.close()
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", default="prague,turin,leipzig")
    ap.add_argument("--clicks", type=int, default=10)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    regions = args.regions.split(",")
    server = {r: server_side(r) for r in regions}
    browser = {} if args.no_browser else browser_side(regions, args.clicks)
    from cityregions.app.classroom import Classroom

    sizes = {r: Classroom(region=r).run.geo.n for r in regions}
    rows = [[r, f"{sizes[r]}", f"{server[r]:.3f}", f"{browser[r]:.3f}" if r in browser else "–"] for r in regions]
    headers = ["region", "municipalities", "server s per Step", "Step click to new quarter on the page, s"]
    if args.markdown:
        print("| " + " | ".join(headers) + " |\n|---|---:|---:|---:|")
        print("\n".join("| " + " | ".join(row) + " |" for row in rows))
    else:
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
        print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
