"""Benchmark: how the model's cost compares with Mesa's cheapest agent step, and how it grows with region size.

Not a test: it prints a table (``--markdown``: the same tables in Markdown) and writes the Markdown tables into
docs/PERFORMANCE.md between the lines ``<!-- bench_scale:begin -->`` and ``<!-- bench_scale:end -->``, replacing only
what lies between them (``--no-write``: print only; ``--write PATH``: another file). A run in which a measurement
failed is printed but not written, so the page never shows a failed table.
1. floor: a minimal Mesa 3 model, 1,000 agents each making one Boltzmann wealth exchange per step, timed once
   before each repeat of the five regions (so both see the same moments of a shared machine);
2. the five real regions, one run each (default config, seed 0, to 2030Q4): total time and cost per
   municipality-step as a multiple of the floor's cost per agent-step (targets < 1 s in all, at most 6x the floor);
3. one step of the largest real region (prague) in the implementation phase: the interactive page's latency;
4. a synthetic region of each size, every run in a fresh subprocess so its peak memory is its own
   (targets at 10,000 municipalities: < 20 s, < 2 GB, time growing no faster than n^1.1 from 1,000 to 10,000).
Usage: python benchmarks/bench_scale.py [--repeats R] [--sizes 100,1000,10000] [--largest-repeats R] [--markdown]
                                        [--no-write | --write PATH]
(a size may also be a real region's name, e.g. --sizes leipzig,prague, to check the subprocess path).
Exits non-zero if any measurement failed (or a synthetic run timed out); missing a target is only reported.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import math
import os
import platform
import resource
import shlex
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from cityregions.config import REGIONS, RegionConfig, RunConfig
from cityregions.model.blas import one_blas_thread
from cityregions.model.model import CityRegionModel

FLOOR_AGENTS = 1000
FLOOR_STEPS = 200
FLOOR_MIN_REPEATS = 5          # the floor is cheap, and every "x floor" divides by it: never fewer repeats
STEP_REGION = "prague"         # the largest real region
STEP_WARMUP = 20               # quarters stepped before timing (2012Q3 + 20 = 2017Q3, implementation phase)
STEP_SAMPLES = 20
TARGET_ALL_FIVE_S = 1.0
TARGET_FLOOR_MULTIPLE = 6.0
TARGET_LARGE_N = 10000
TARGET_LARGE_S = 20.0
TARGET_LARGE_MB = 2048.0
TARGET_EXPONENT = 1.1
TARGET_EXPONENT_SIZES = (1000, 10000)
PERFORMANCE_MD = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
MARK_BEGIN = "<!-- bench_scale:begin -->"
MARK_END = "<!-- bench_scale:end -->"


# ---------------------------------------------------------------------------------------------- the framework floor
class WealthAgent(mesa.Agent):
    """Boltzmann wealth agent: gives one unit to a random other agent if it has any."""

    def __init__(self, model: WealthModel) -> None:
        super().__init__(model)
        self.wealth = 1

    def step(self) -> None:
        """One exchange."""
        if self.wealth > 0:
            other = self.random.choice(self.model.pool)
            other.wealth += 1
            self.wealth -= 1


class WealthModel(mesa.Model):
    """Minimal Mesa 3 model: no space, no DataCollector, agents stepped in random order."""

    def __init__(self, n_agents: int, seed: int = 0) -> None:
        super().__init__(rng=seed)
        WealthAgent.create_agents(self, n_agents)
        # a plain list to draw partners from: indexing an AgentSet copies it (and is deprecated in Mesa 3.5)
        self.pool = self.agents.to_list()

    def step(self) -> None:
        """Every agent steps once, in random order."""
        self.agents.shuffle_do("step")


def floor_once(seed: int) -> float:
    """Seconds per agent-step of one run of the wealth model (FLOOR_AGENTS agents, FLOOR_STEPS steps)."""
    m = WealthModel(FLOOR_AGENTS, seed=seed)
    t0 = time.perf_counter()
    for _ in range(FLOOR_STEPS):
        m.step()
    return (time.perf_counter() - t0) / (FLOOR_AGENTS * FLOOR_STEPS)


# ---------------------------------------------------------------------------------------------- the real regions
def run_region(region: str) -> tuple[float, float, int, int]:
    """Build and run one real region to the horizon as run_scenario does (BLAS on one thread for the whole run):
    (build s, total s, municipalities, steps)."""
    t0 = time.perf_counter()
    with one_blas_thread():
        m = CityRegionModel(RunConfig(), region=region)
        t1 = time.perf_counter()
        m.run_model()
    return t1 - t0, time.perf_counter() - t0, m.geo.n, m.steps


def time_regions(repeats: int, floors: list[float] | None = None) -> dict[str, dict[str, Any]]:
    """Median build and total seconds of each region, and of the five together (medians of per-repeat sums).

    With `floors`, one run of the floor is timed before each repeat and appended to it: the floor and the
    regions then see the same moments of a shared machine, whose speed can drift by half within minutes.
    """
    runs: dict[str, list[tuple[float, float, int, int]]] = {r: [] for r in REGIONS}
    for i in range(repeats):
        progress(f"five regions, repeat {i + 1}/{repeats}")
        if floors is not None:
            floors.append(floor_once(len(floors)))
        for region in REGIONS:
            runs[region].append(run_region(region))
    out = {}
    for region, rs in runs.items():
        out[region] = {"n": rs[0][2], "steps": rs[0][3], "build": statistics.median(r[0] for r in rs),
                       "total": statistics.median(r[1] for r in rs)}
    out["all"] = {"n": sum(out[r]["n"] for r in REGIONS), "steps": out[REGIONS[0]]["steps"],
                  "mstep": sum(out[r]["n"] * out[r]["steps"] for r in REGIONS),
                  "build": statistics.median(sum(runs[r][i][0] for r in REGIONS) for i in range(repeats)),
                  "total": statistics.median(sum(runs[r][i][1] for r in REGIONS) for i in range(repeats))}
    return out


def time_one_step() -> dict[str, Any]:
    """Median seconds of one step of STEP_REGION after STEP_WARMUP quarters (STEP_SAMPLES samples)."""
    m = CityRegionModel(RunConfig(), region=STEP_REGION)
    samples = min(STEP_SAMPLES, m.timeline.n_steps - STEP_WARMUP)
    for _ in range(STEP_WARMUP):
        m.step()
    first = m.timeline.label(m.steps)
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        m.step()
        times.append(time.perf_counter() - t0)
    return {"n": m.geo.n, "median": statistics.median(times), "max": max(times),
            "quarters": f"{first}-{m.timeline.label(m.steps - 1)}"}


# ---------------------------------------------------------------------------------------------- synthetic regions
def has_synthetic() -> bool:
    """Whether this version of cityregions can build a synthetic region of any size."""
    return "n_municipalities" in {f.name for f in dataclasses.fields(RegionConfig)}


NO_SYNTHETIC = ("RegionConfig has no field 'n_municipalities': this version of cityregions cannot build a "
                "synthetic region of a given size (RunConfig(region=RegionConfig(name='synthetic', "
                "n_municipalities=N)))")


def label(size: str) -> str:
    """Row name of a synthetic size (or of a real region run in a subprocess)."""
    return f"region {size} (subprocess)" if size in REGIONS else f"synthetic {int(size):,}"


def peak_kib() -> int:
    """This process's peak resident memory (KiB): VmHWM where Linux has it, since ru_maxrss survives exec and
    so reports the parent's peak in a child that has used less; ru_maxrss elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(size: str) -> int:
    """Run one synthetic region of `size` surrounding municipalities (or one real region) and print JSON."""
    base_kib = peak_kib()  # interpreter + imports
    if size in REGIONS:
        cfg, region = RunConfig(), size
    elif not has_synthetic():
        print(NO_SYNTHETIC, file=sys.stderr)
        return 2
    else:
        cfg, region = RunConfig(region=RegionConfig(name="synthetic", n_municipalities=int(size))), None
    t0 = time.perf_counter()
    with one_blas_thread():  # as run_region: held for the whole run
        m = CityRegionModel(cfg, region=region)
        t1 = time.perf_counter()
        m.run_model()
    t2 = time.perf_counter()
    print(json.dumps({"size": size, "n": m.geo.n, "steps": m.timeline.n_steps, "build": t1 - t0,
                      "step": t2 - t1, "total": t2 - t0, "peak_mb": peak_kib() / 1024, "base_mb": base_kib / 1024}))
    return 0


def run_child(size: str, timeout: float) -> dict[str, Any]:
    """One run in a fresh interpreter; its JSON report, or {'error': ...}."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

    def peak_so_far() -> str:
        # the largest max RSS of any finished child: this one's if it beat all before it (also when killed)
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return f" (peak {after / 1024:.0f} MB when it ended)" if after > before else ""

    try:
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", size],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s{peak_so_far()}"}
    if r.returncode != 0:
        why = f"killed by signal {-r.returncode}" if r.returncode < 0 else f"exit code {r.returncode}"
        if r.returncode == -9:
            why += " (out of memory?)"
        why += peak_so_far()
        tail = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
        return {"error": f"{why}: {tail}" if tail else why}
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": f"no report on stdout: {r.stdout[-200:]!r}"}
    return json.loads(lines[-1])


def time_sizes(sizes: list[str], repeats: int, largest_repeats: int, timeout: float) -> dict[str, dict[str, Any]]:
    """Medians of the children's reports per size (the last size gets largest_repeats runs)."""
    out: dict[str, dict[str, Any]] = {}
    for k, size in enumerate(sizes):
        n_runs = largest_repeats if k == len(sizes) - 1 else repeats
        reports = []
        for i in range(n_runs):
            progress(f"{label(size)}, run {i + 1}/{n_runs}")
            rep = run_child(size, timeout)
            if "error" in rep:
                progress(f"{label(size)}: {rep['error']}")
                out[size] = rep
                break
            reports.append(rep)
        else:
            out[size] = {key: statistics.median(rp[key] for rp in reports)
                         for key in ("build", "step", "total", "peak_mb", "base_mb")}
            out[size].update(n=reports[0]["n"], steps=reports[0]["steps"])
    return out


def exponent(t0: float, t1: float, n0: float, n1: float) -> float:
    """Slope of log(time) against log(n) between two points."""
    return math.log(t1 / t0) / math.log(n1 / n0) if min(t0, t1) > 0 and n1 != n0 else math.nan


# ---------------------------------------------------------------------------------------------- output
def machine() -> list[str]:
    """One line each: CPU, cores, RAM, versions, date."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    ram = "?"
    try:
        with open("/proc/meminfo") as f:
            kib = next(int(ln.split()[1]) for ln in f if ln.startswith("MemTotal"))
        ram = f"{kib / 1024**2:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return [f"CPU: {cpu}, {os.cpu_count()} cores, RAM {ram}",
            f"Python {platform.python_version()}, mesa {mesa.__version__}, numpy {np.__version__}, "
            f"{platform.system()} {platform.release()}",
            f"Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}"]


def about(command: str) -> str:
    """The head of a table written into PERFORMANCE.md: the machine's lines and the command, as bullets."""
    return "\n".join(f"- {ln}" for ln in [*machine(), f"Command: `{command}`"])


def rounds_arguments(description: str, argv: list[str] | None) -> argparse.Namespace:
    """The options of a benchmark timed over rounds of the five regions: --repeats (at least 1) and --no-write."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--repeats", type=int, default=7, help="rounds of the five regions (median) [7]")
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error(f"--repeats={args.repeats}: allowed at least 1")
    return args


def table(headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    """A plain fixed-width table, or a Markdown one (numbers right-aligned, the first and last columns left)."""
    last = len(headers) - 1
    if markdown:
        align = "|".join(":---" if i in (0, last) else "---:" for i in range(len(headers)))
        lines = ["| " + " | ".join(headers) + " |", f"|{align}|"]
        return "\n".join(lines + ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows])
    w = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]

    def fmt(r: list[str]) -> str:
        return "  ".join(c.ljust(w[i]) if i in (0, last) else c.rjust(w[i]) for i, c in enumerate(r)).rstrip()
    return "\n".join([fmt(headers), "  ".join("-" * x for x in w)] + [fmt(r) for r in rows])


def target(text: str, ok: bool) -> str:
    """A target with whether it was met."""
    return f"{text}: {'ok' if ok else 'missed'}"


def attempt(what: str, fn: Any, *args: Any) -> Any:
    """fn(*args), or None after printing the error (the model may be mid-change: report it and carry on)."""
    try:
        return fn(*args)
    except Exception as e:  # any failure of the model is reported, not raised
        progress(f"{what} FAILED: {type(e).__name__}: {e}")
        return None


def replace_between_markers(text: str, block: str, name: str = "bench_scale") -> str:
    """`text` with everything between its one `<!-- name:begin -->` line and its one `<!-- name:end -->` line
    replaced by `block`."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    lines = text.splitlines(keepends=True)
    begins = [i for i, ln in enumerate(lines) if ln.strip() == begin]
    ends = [i for i, ln in enumerate(lines) if ln.strip() == end]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise ValueError(f"expected one line {begin} followed by one line {end} "
                         f"(found {len(begins)} and {len(ends)})")
    return "".join(lines[:begins[0] + 1]) + block.strip("\n") + "\n" + "".join(lines[ends[0]:])


def write_tables(path: Path, block: str, name: str = "bench_scale") -> None:
    """Put `block` between the markers `name` of `path`, atomically: the new text goes to a temporary file beside
    it, which then replaces it (os.replace), so a reader or an interrupted run never sees half a file."""
    new = replace_between_markers(path.read_text(encoding="utf-8"), block, name)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(new)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))  # mkstemp makes it 0600; keep the page's mode
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def progress(msg: str) -> None:
    """Progress on stderr, so stdout holds only the tables."""
    print(f"[bench_scale] {msg}", file=sys.stderr, flush=True)


def render(lines: list[str], rows: list[list[str]], growth: list[list[str]], repeats: int, largest_repeats: int,
           base: list[float], command: str, markdown: bool) -> str:
    """The machine, the main table and the growth table, with their notes: plain text, or Markdown (with the
    command that measured them)."""
    out = ["\n".join(f"- {ln}" for ln in [*lines, f"Command: `{command}`"]) if markdown else "\n".join(lines), ""]
    out.append(table(["case", "municipalities", "steps", "median s", "build s", "per municipality-step µs",
                      "× floor", "peak MB", "target"], rows, markdown))
    note = (f"Median of {repeats} repeat(s) (floor: {max(repeats, FLOOR_MIN_REPEATS)}; largest size: "
            f"{largest_repeats}); default config, seed 0, 2012Q3-2030Q4; times include building the model. "
            "× floor = cost per municipality-step / the floor's cost per agent-step. Peak MB = max RSS of the run's "
            "own process" + (f" (imports alone: {statistics.median(base):.0f} MB)." if base else "."))
    out += ["", f"_{note}_" if markdown else note]
    if growth:
        out += ["", table(["sizes", "municipalities", "time exponent", "step-time exponent", "memory exponent",
                           "target"], growth, markdown), ""]
        note = ("Exponent = slope of log(value) against log(municipalities) between consecutive sizes "
                "(memory: peak minus imports).")
        out.append(f"_{note}_" if markdown else note)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the four measurements and print the tables; return the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="repeats of each timing (median) [3]")
    ap.add_argument("--sizes", default="100,1000,10000", help="synthetic region sizes, comma-separated")
    ap.add_argument("--largest-repeats", type=int, default=1, help="runs of the largest size [1]")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds allowed for one synthetic run [900]")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--write", type=Path, default=PERFORMANCE_MD, metavar="PATH",
                       help=f"file whose {MARK_BEGIN} ... {MARK_END} block receives the Markdown tables "
                       "[docs/PERFORMANCE.md]")
    where.add_argument("--no-write", action="store_true", help="print the tables only; write no file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        return child(args.child)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    bad = [s for s in sizes if s not in REGIONS and not (s.isdigit() and int(s) > 0)]
    if bad or args.repeats < 1 or args.largest_repeats < 1:
        ap.error(f"--sizes takes positive integers (or region names), not {bad}; repeats must be >= 1")
    if not args.no_write:  # check the page before minutes of measuring, not after
        try:
            replace_between_markers(args.write.read_text(encoding="utf-8"), "")
        except (OSError, UnicodeDecodeError, ValueError) as e:
            ap.error(f"cannot write the tables into {args.write}: {e} (--no-write prints them only)")
    progress("floor")
    floors = [floor_once(r) for r in range(max(FLOOR_MIN_REPEATS - args.repeats, 0))]
    regions = attempt("five regions", time_regions, args.repeats, floors)  # one more floor run before each repeat
    floor = statistics.median(floors)  # time_regions adds one before its first region, so never empty
    progress(f"one step of {STEP_REGION}")
    one = attempt(f"one step of {STEP_REGION}", time_one_step)
    failed = regions is None or one is None
    if not has_synthetic() and any(s not in REGIONS for s in sizes):
        progress(NO_SYNTHETIC)
        synth = {s: {"error": "n_municipalities not available"} for s in sizes if s not in REGIONS}
        synth |= time_sizes([s for s in sizes if s in REGIONS], args.repeats, args.largest_repeats, args.timeout)
        synth = {s: synth[s] for s in sizes}
    else:
        synth = time_sizes(sizes, args.repeats, args.largest_repeats, args.timeout)

    def per_step(seconds: float, mstep: float) -> list[str]:
        us = seconds / mstep * 1e6
        return [f"{us:.1f}", f"{us / (floor * 1e6):.1f}"]

    rows = [[f"floor: Mesa wealth model, {FLOOR_AGENTS:,} agents", f"{FLOOR_AGENTS:,} agents", str(FLOOR_STEPS),
             f"{floor * FLOOR_AGENTS * FLOOR_STEPS:.3f}", "-", f"{floor * 1e6:.2f}", "1.0", "-", ""]]
    for r in REGIONS if regions is not None else ():
        g = regions[r]
        rows.append([f"region {r}", f"{g['n']:,}", str(g["steps"]), f"{g['total']:.3f}", f"{g['build']:.3f}",
                     *per_step(g["total"], g["n"] * g["steps"]), "-", ""])
    targets = f"< {TARGET_ALL_FIVE_S:g} s; <= {TARGET_FLOOR_MULTIPLE:g}× floor"
    if regions is None:
        rows.append(["all five regions", "-", "-", "FAILED", "-", "-", "-", "-", targets])
    else:
        a = regions["all"]
        mult = a["total"] / a["mstep"] / floor
        rows.append(["all five regions", f"{a['n']:,}", str(a["steps"]), f"{a['total']:.3f}", f"{a['build']:.3f}",
                     *per_step(a["total"], a["mstep"]), "-",
                     target(f"< {TARGET_ALL_FIVE_S:g} s", a["total"] < TARGET_ALL_FIVE_S) + "; "
                     + target(f"<= {TARGET_FLOOR_MULTIPLE:g}× floor", mult <= TARGET_FLOOR_MULTIPLE)])
    if one is None:
        rows.append([f"one step of {STEP_REGION}", "-", "1", "FAILED", "-", "-", "-", "-", ""])
    else:
        rows.append([f"one step of {STEP_REGION} ({one['quarters']})", f"{one['n']:,}", "1", f"{one['median']:.4f}",
                     "-", *per_step(one["median"], one["n"]), "-", f"max {one['max']:.4f} s"])
    for s in sizes:
        rep = synth[s]
        case = label(s)
        if "error" in rep:
            failed = True
            rows.append([case, "-", "-", "FAILED", "-", "-", "-", "-", rep["error"]])
            continue
        note = ""
        if s.isdigit() and int(s) == TARGET_LARGE_N:
            note = (target(f"< {TARGET_LARGE_S:g} s", rep["total"] < TARGET_LARGE_S) + "; "
                    + target(f"< {TARGET_LARGE_MB / 1024:g} GB", rep["peak_mb"] < TARGET_LARGE_MB))
        rows.append([case, f"{rep['n']:,}", str(rep["steps"]),
                     f"{rep['total']:.3f}", f"{rep['build']:.3f}", *per_step(rep["total"], rep["n"] * rep["steps"]),
                     f"{rep['peak_mb']:.0f}", note])

    growth = []
    done = [s for s in sizes if "error" not in synth[s]]
    for s0, s1 in zip(done, done[1:], strict=False):
        r0, r1 = synth[s0], synth[s1]
        e_total = exponent(r0["total"], r1["total"], r0["n"], r1["n"])
        e_step = exponent(r0["step"], r1["step"], r0["n"], r1["n"])
        e_mem = exponent(r0["peak_mb"] - r0["base_mb"], r1["peak_mb"] - r1["base_mb"], r0["n"], r1["n"])
        is_target = s0.isdigit() and s1.isdigit() and (int(s0), int(s1)) == TARGET_EXPONENT_SIZES
        slopes = [f"{e:.2f}" if math.isfinite(e) else "-" for e in (e_total, e_step, e_mem)]
        goal = target(f"<= {TARGET_EXPONENT:g}", e_total <= TARGET_EXPONENT) if is_target else ""
        growth.append([f"{s0} -> {s1}", f"{r0['n']:,} -> {r1['n']:,}", *slopes, goal])

    base = [synth[s]["base_mb"] for s in done]
    command = shlex.join(["python", "benchmarks/bench_scale.py", "--repeats", str(args.repeats), "--sizes",
                          ",".join(sizes), "--largest-repeats", str(args.largest_repeats)])
    about = machine()
    print(render(about, rows, growth, args.repeats, args.largest_repeats, base, command, args.markdown))
    if failed:
        progress(f"a measurement failed: {args.write} left as it was" if not args.no_write else "a measurement failed")
    elif not args.no_write:
        write_tables(args.write, render(about, rows, growth, args.repeats, args.largest_repeats, base, command,
                                        markdown=True))
        progress(f"tables written to {args.write}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
