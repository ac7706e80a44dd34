"""Hostile command lines: over a thousand generated `cityregions` command lines, each a small valid run or sweep
with one to three bad inputs of the classes a researcher found (code named in a value, results sent somewhere
else, names made of paths or too long, regions and tables too large, bookkeeping values), or random values for
any key of the schema. Every one ends as a correct run (exit 0, its manifest written) or a clean refusal (exit 2,
one message, no traceback); nothing is called, and nothing is written outside the directories the command line
chose.

The command runs in-process in one worker (tests/fuzz_cli_worker.py: the command's own `main`, Hydra and all)
inside a sandbox: a working directory, a thesis directory of someone else's files, a plain file, and marker
paths that a payload would create if it ran. After each command the whole sandbox is compared with its state
before; system directories a payload names are checked not to exist.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import summary
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import LEAVES, hydra

from cityregions.runs.sweep import PLAN

WORKER = Path(__file__).resolve().parent / "fuzz_cli_worker.py"
CORPUS = Path(__file__).resolve().parent / "data" / "fuzz_corpus"
BASE = ("region=graz", "timeline.horizon=2014Q4", "plot=false", "progress=false")
SWEEP = ("--multirun", "hydra/launcher=basic", "seed=1,2")
CASE_LIMIT_S = 120
SYSTEM = ("/proc", "/sys", "/dev", "/etc", "/usr", "/bin", "/boot")
FUNCTIONS = ("builtins.open", "os.system", "pathlib.Path.touch", "subprocess.run", "shutil.rmtree", "builtins.exec")
TALLY: Counter[tuple[str, str]] = Counter()


def fuzz(n: int) -> settings:
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


class Worker:
    """The command run in-process, one JSON line per command; restarted if a command hangs."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env={**os.environ, "HYDRA_FULL_ERROR": "0"})

    def run(self, argv: list[str], cwd: Path) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"argv": argv, "cwd": str(cwd)}) + "\n")
        self.proc.stdin.flush()
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(CASE_LIMIT_S):
                self.close()
                self.__init__()
                raise AssertionError(f"no answer within {CASE_LIMIT_S} s (a hang?): {argv}")
        line = self.proc.stdout.readline()
        assert line, f"the worker died on {argv}"
        return json.loads(line)

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)


class Sandbox:
    """The directories a command may meet, and its state before the command."""

    def __init__(self, root: Path) -> None:
        self.root, self.work, self.thesis = root, root / "work", root / "thesis"
        self.work.mkdir()
        self.thesis.mkdir()
        (self.thesis / "chapter1.tex").write_text("years of work")
        self.file = root / "notes.txt"
        self.file.write_text("keep me")
        self.marker = root / "marker"
        self.n = 0

    def state(self) -> dict[str, tuple[int, int]]:
        out = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            for name in dirnames + filenames:
                p = Path(dirpath) / name
                st_ = p.lstat()
                out[str(p)] = (st_.st_size, st_.st_mtime_ns)
        return out


@pytest.fixture(scope="module")
def worker(request):
    w = Worker()
    yield w
    w.close()
    lines = ["", "hostile command lines (by class, outcome):"]
    lines += [f"  {k}: {o}: {n}" for (k, o), n in sorted(TALLY.items())]
    summary(request.config, lines)


@pytest.fixture(scope="module")
def box(tmp_path_factory) -> Sandbox:
    return Sandbox(tmp_path_factory.mktemp("sandbox"))


def is_dir(p: Path) -> bool:
    """Whether p is a directory (False for a name the system cannot hold, as too long)."""
    try:
        return p.is_dir()
    except OSError:
        return False


def check(worker: Worker, box: Sandbox, kind: str, hostile: list[str], multirun: bool = False,
          chosen_key: str | None = None) -> str:
    """Run BASE + hostile (a run, or a two-job sweep) with fresh result directories unless hostile chooses
    them, and check the outcome and the sandbox: the result directories hold all that changed."""
    box.n += 1
    run_dir, sweep_dir = box.work / f"run{box.n}", box.work / f"sweep{box.n}"
    given_keys = {a.split("=", 1)[0].lstrip("+~") for a in hostile if "=" in a}
    argv = [*(SWEEP if multirun else ()), *BASE]
    argv += [f"hydra.run.dir={run_dir}"] if "hydra.run.dir" not in given_keys else []
    argv += [f"hydra.sweep.dir={sweep_dir}"] if "hydra.sweep.dir" not in given_keys else []
    argv += hostile
    chosen = [run_dir, sweep_dir]
    for a in hostile:
        key, _, value = a.partition("=")
        key = key.lstrip("+~")
        value = value[1:-1].replace("\\'", "'") if len(value) > 1 and value[0] == value[-1] == "'" else value
        if key in ("hydra.run.dir", "hydra.sweep.dir", "output_dir") and value:
            chosen.append((box.work / value).resolve() if not value.startswith("/") else Path(value).resolve())
    before = box.state()
    existed = {c for c in chosen if is_dir(c)}
    answer = worker.run(argv, box.work)
    after = box.state()
    what = f"{kind}: cityregions {' '.join(argv)}\n--- output:\n{answer['output'][-3000:]}"
    assert answer["crash"] is None, f"{what}\n--- escaped:\n{answer['crash']}"
    assert "Traceback" not in answer["output"], what
    assert answer["code"] in (0, 2), what
    changed = [p for p in after if before.get(p) != after[p]]
    gone = [p for p in before if p not in after]
    outside = [p for p in changed + gone if not any(Path(p).is_relative_to(c) for c in chosen)
               and not any(c.is_relative_to(p) for c in chosen)]  # a chosen directory's parents are made
    assert not outside, f"{what}\n--- written outside the chosen directories: {outside[:5]}"
    assert not box.marker.exists(), f"{what}\n--- a payload ran: {box.marker} exists"
    assert (box.thesis / "chapter1.tex").read_text() == "years of work" and box.file.read_text() == "keep me"
    for d in SYSTEM:
        assert not Path(d, "cityregions_fuzz").exists(), what
    if answer["code"] == 2:
        assert answer["output"].strip(), f"{what}\n--- refused without a word"
        result = "refused"
    else:
        written = [c for c in chosen if is_dir(c) and (any(c.rglob("manifest.json")) or (c / PLAN).is_file())]
        assert written, f"{what}\n--- exit 0 but no run or sweep written"
        result = "ran"
    for c in chosen:  # keep the sandbox small: what this command made goes
        if c not in existed and is_dir(c) and c.is_relative_to(box.root):
            shutil.rmtree(c, ignore_errors=True)
    TALLY[kind, result] += 1
    return result


# ------------------------------------------------------------------------------- code named in a value
def code_payloads(marker: Path) -> st.SearchStrategy[list[str]]:
    fn = st.sampled_from(FUNCTIONS)
    name = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
    where = st.sampled_from(["scenario", "params.land", "region", "hydra.launcher", "hydra.sweeper", "hydra.job",
                             "hydra.callbacks", "hydra", "timeline", "params"])
    key = st.sampled_from([leaf.key for leaf in LEAVES])
    return st.one_of(
        st.builds(lambda n, f: [f"+hydra.callbacks.{n}={{_target_:{f},_args_:[{marker},w]}}"], name, fn),
        st.builds(lambda w, n, f: [f"+{w}.{n}={{_target_:{f},_args_:[{marker}]}}"], where, name, fn),
        st.builds(lambda w, f: [f"+{w}._target_={f}"], where, fn),
        st.builds(lambda k, f: [f"{k}={{_target_:{f},_args_:[{marker}]}}"], key, fn),
        st.builds(lambda k, f: [f"{k}=[{{_target_:{f}}}]"], key, fn),
        st.builds(lambda n, cls: [f"+hydra.job_logging.handlers.{n}={{class:{cls},filename:{marker}}}",
                                  f"hydra.job_logging.root.handlers=[console,file,{n}]"],
                  name, st.sampled_from(["logging.FileHandler", "logging.handlers.RotatingFileHandler",
                                         "logging.handlers.WatchedFileHandler"])),
        st.builds(lambda n: [f"+hydra.job_logging.handlers.{n}={{'()':logging.FileHandler,filename:{marker}}}",
                             f"hydra.job_logging.root.handlers=[console,file,{n}]"], name),
        st.just([f"hydra.job_logging.handlers.file.filename={marker}"]),
        st.just(["hydra.hydra_logging.handlers.console.class=logging.FileHandler",
                 f"+hydra.hydra_logging.handlers.console.filename={marker}"]),
        st.builds(lambda f: [f"+hydra.job_logging.filters.x={{'()':{f}}}"], fn),
    )


@fuzz(230)
@given(data=st.data(), multirun=st.booleans())
def test_code_named_anywhere_in_a_value_is_refused_and_never_called(worker, box, data, multirun):
    hostile = data.draw(code_payloads(box.marker))
    assert check(worker, box, "code", hostile, multirun) == "refused"


@fuzz(20)
@given(fn=st.sampled_from(FUNCTIONS), where=st.sampled_from(["hydra.callbacks.x", "hydra.launcher.y", "scenario",
                                                            "hydra.job_logging.handlers.x"]))
def test_code_in_an_experiment_file_is_refused_and_never_called(worker, box, fn, where):
    conf = box.root / "conf" / "experiment"
    conf.mkdir(parents=True, exist_ok=True)
    lines, indent = ["# @package _global_"], ""
    for part in where.split("."):
        lines.append(f"{indent}{part}:")
        indent += "  "
    lines += [f"{indent}_target_: {fn}", f"{indent}_args_: [{json.dumps(str(box.marker))}]"]
    (conf / "evil.yaml").write_text("\n".join(lines) + "\n")
    hostile = ["--config-dir", str(box.root / "conf"), "+experiment=evil"]
    assert check(worker, box, "code in a file", hostile) == "refused"


# ------------------------------------------------------------------------------- where results go
def destinations(box: Sandbox) -> st.SearchStrategy[str]:
    text = st.text(st.characters(codec="utf-8", exclude_characters="\x00/\\'\"=,[]{}()$:", exclude_categories=["Cs"]),
                   min_size=1, max_size=40)
    return st.one_of(
        st.sampled_from([str(box.thesis), str(box.file), str(box.thesis / "sub"), "../thesis", "../notes.txt",
                         "a/../../thesis", "", ".", "..", *(f"{d}/cityregions_fuzz" for d in SYSTEM)]),
        st.builds(lambda n: "x" * n + "/run", st.integers(200, 400)),
        st.builds(lambda t: f"fresh/{t}", text),
    )


@fuzz(230)
@given(data=st.data(), key=st.sampled_from(["hydra.run.dir", "output_dir", "hydra.sweep.dir"]))
def test_results_go_only_to_a_directory_of_their_own(worker, box, data, key):
    value = data.draw(destinations(box))
    hostile = [f"{key}={hydra(value)}" if value else f"{key}=''"]
    check(worker, box, "destination", hostile, multirun=key == "hydra.sweep.dir")


@fuzz(60)
@given(sub=st.sampled_from(["../..", "..", "/tmp", "a/../../..", "${hydra.job.num}/../..", "x" * 300, "",
                            "j${hydra.job.num}", "${hydra.job.override_dirname}"]),
       chdir=st.booleans())
def test_a_sweeps_job_directories_stay_inside_it(worker, box, sub, chdir):
    hostile = [f"hydra.sweep.subdir={hydra(sub)}" if sub else "hydra.sweep.subdir=''", f"hydra.job.chdir={chdir}"]
    check(worker, box, "job directory", hostile, multirun=True)


# ------------------------------------------------------------------------------- names, sizes, bookkeeping
NAMES = st.one_of(st.sampled_from(["../../escaped", "a/b", ".", "..", "", "x" * 300, "con", "-rf", "~"]),
                  st.text(st.characters(codec="utf-8", exclude_characters="\x00", exclude_categories=["Cs"]),
                          min_size=1, max_size=300))


@fuzz(120)
@given(key=st.sampled_from(["scenario.name", "region.name", "region.fua_id", "region.template"]), name=NAMES,
       multirun=st.booleans())
def test_names_made_of_paths_or_too_long_are_refused(worker, box, key, name, multirun):
    check(worker, box, "name", [f"{key}={hydra(name)}"], multirun)


TABLES = sorted(p.name for p in CORPUS.glob("*.csv"))


@fuzz(120)
@given(choice=st.one_of(
    st.builds(lambda n, gb: ["region=synthetic", f"region.n_municipalities={n}", *gb],
              st.sampled_from([1, 2, 30, 200_000, 1_000_000, 10**7]),
              st.sampled_from([[], ["max_memory_gb=1"], ["max_memory_gb=0.5"], ["max_memory_gb=1e9"]])),
    st.builds(lambda t: [f"region.municipalities_csv={CORPUS / t}"], st.sampled_from(TABLES)),
    st.sampled_from([["region.municipalities_csv=''"], ["region.municipalities_csv=/proc/self/mem"],
                     ["region.municipalities_csv=/dev/zero"], ["region.municipalities_csv=/"],
                     ["region.municipalities_csv=missing.csv"], ["region=all", "region.municipalities_csv=x.csv"]])))
def test_regions_and_tables_too_large_or_broken_are_refused_before_building(worker, box, choice):
    check(worker, box, "size and tables", choice)


@fuzz(100)
@given(hostile=st.sampled_from([
    ["replicate=[0,1]"], ["replicate=-1"], ["replicate=x"], [f"replicate={2**31}"], ["seed=-1"], ["seed=1.5"],
    [f"seed={2**64}"], ["seed=abc"], ["replicate=range(2)"], ["replicate=0,1"], ["seed=[]"], ["replicate=null"],
    ["common_random_numbers=maybe"], ["plot=2"], ["+seed=3"], ["~seed"], ["seed"], ["=1"], ["region="]]),
    multirun=st.booleans())
def test_bookkeeping_values_are_swept_or_refused_with_the_reason(worker, box, hostile, multirun):
    check(worker, box, "bookkeeping", hostile, multirun)


# ------------------------------------------------------------------------------- any key, any value
RAW = st.one_of(st.text(st.characters(codec="utf-8", exclude_characters="\x00", exclude_categories=["Cs"]),
                        max_size=30),
                st.integers().map(str), st.floats().map(repr), st.sampled_from(["null", "[]", "{}", "[1,[2]]",
                                                                                "${oc.env:HOME}", "${now:%Y}",
                                                                                "'a b'", "true", "1e999"]))


@fuzz(300)
@given(keys=st.lists(st.sampled_from([leaf.key for leaf in LEAVES]), min_size=1, max_size=3, unique=True),
       data=st.data(), prefix=st.sampled_from(["", "", "+", "++", "~"]))
def test_any_key_with_any_value_runs_or_is_refused_cleanly(worker, box, keys, data, prefix):
    hostile = []
    for key in keys:
        value = data.draw(RAW)
        hostile.append(f"{prefix}{key}={value}" if prefix != "~" else f"~{key}")
    check(worker, box, "any key", hostile)
