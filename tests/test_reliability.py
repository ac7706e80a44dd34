"""Reliability: a run is reproduced from its own directory; configs and tables are data, never code; a sweep
that meets a full disk or an unwritable directory says so, takes no half-written result for complete, and
finishes the rest when run again."""

from __future__ import annotations

import hashlib
import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cityregions.runs import collect, rerun, results, sweep

SMALL = ("region=graz", "timeline.horizon=2015Q4", "plot=false", "progress=false")


def cityregions(*args: str, cwd: Path, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """`python -m cityregions ...` in cwd, with a timeout, output captured."""
    return subprocess.run([sys.executable, "-m", "cityregions", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, **kw)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("rerun")
    r = cityregions(*SMALL, f"output_dir={tmp / 'run'}", cwd=tmp)
    assert r.returncode == 0, r.stderr[-2000:]
    return tmp / "run"


def test_a_run_records_what_is_needed_to_reproduce_it(run_dir):
    manifest = results.read_manifest(run_dir)
    assert {"python", "cityregions", "mesa", "numpy", "networkx", "hydra-core"} <= set(manifest["versions"])
    assert manifest["seed"] == 0 and manifest["replicate"] == 0 and "config_sha256" in manifest
    assert "git_commit" in manifest and "platform" in manifest
    assert results.read_config(run_dir / "config.yaml").region.name == "graz"


def test_rerun_reproduces_a_run_table_for_table(run_dir):
    out = rerun.rerun(run_dir)
    assert out.identical and [t.table for t in out.tables] == list(results.TABLES)
    r = cityregions("rerun", str(run_dir), cwd=run_dir.parent)
    assert r.returncode == 0 and "reproduced: every table identical" in r.stdout


def _tamper(src: Path, dst: Path) -> None:
    """A copy of a run with one value of one table changed, re-signed so that it counts as complete."""
    import shutil

    shutil.copytree(src, dst)
    q = pd.read_parquet(dst / "quarterly.parquet")
    q.loc[5, "pt_share"] += 0.01
    q.to_parquet(dst / "quarterly.parquet", index=False)
    manifest = json.loads((dst / "manifest.json").read_text())
    manifest["files"]["quarterly.parquet"] = hashlib.sha256((dst / "quarterly.parquet").read_bytes()).hexdigest()
    (dst / "manifest.json").write_text(json.dumps(manifest))


def test_rerun_names_the_table_column_and_row_that_differ(run_dir, tmp_path):
    _tamper(run_dir, tmp_path / "tampered")
    out = rerun.rerun(tmp_path / "tampered")
    bad = [t for t in out.tables if not t.identical]
    assert [t.table for t in bad] == ["quarterly"] and "'pt_share', row 5" in bad[0].detail
    r = cityregions("rerun", str(tmp_path / "tampered"), cwd=tmp_path)
    assert r.returncode == 1 and "NOT reproduced" in r.stdout


def test_rerun_refuses_what_is_not_a_complete_run(run_dir, tmp_path):
    r = cityregions("rerun", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 2 and "not a run directory" in r.stderr
    import shutil

    shutil.copytree(run_dir, tmp_path / "cut")
    (tmp_path / "cut" / "decisions.parquet").write_bytes(b"half")
    r = cityregions("rerun", str(tmp_path / "cut"), cwd=tmp_path)
    assert r.returncode == 2 and "incomplete" in r.stderr


# ---------------------------------------------------------------- nothing executed from data
def test_a_target_on_the_command_line_is_refused_before_anything_runs(tmp_path):
    for override in ("+_target_=os.system", "+hydra.launcher.ray.init._target_=builtins.print"):
        r = cityregions("--multirun", "hydra/launcher=ray_local", override, cwd=tmp_path, timeout=60)
        assert r.returncode == 2 and "refused" in r.stderr and override.split("=")[0] in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_target_in_a_config_file_is_refused_and_never_called(tmp_path):
    marker = tmp_path / "called"
    exp = tmp_path / "conf" / "experiment"
    exp.mkdir(parents=True)
    (exp / "evil.yaml").write_text(
        "# @package _global_\nhydra:\n  launcher:\n    ray:\n      init:\n        _target_: pathlib.Path.touch\n"
        f"        _args_: [{json.dumps(str(marker))}]\n")
    r = cityregions("--config-dir", str(tmp_path / "conf"), "hydra/launcher=ray_local", "+experiment=evil",
                    "--multirun", *SMALL, f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and "hydra.launcher.ray.init._target_" in r.stderr, r.stderr[-2000:]
    assert not marker.exists() and not (tmp_path / "sweep").exists()


def _experiment(tmp_path: Path, body: str) -> Path:
    """A config directory holding experiment/evil.yaml with this body (a -cd/--config-dir route)."""
    exp = tmp_path / "conf" / "experiment"
    exp.mkdir(parents=True)
    (exp / "evil.yaml").write_text("# @package _global_\n" + body)
    return tmp_path / "conf"


# every route by which a configuration could have Hydra or logging call something or write outside the run; each
# payload creates the marker file if it is not refused (checked by hand against the unguarded composition)
ROUTES = {
    "a callback given as a value": lambda m, tmp: [f"+hydra.callbacks.x={{_target_:builtins.open,_args_:[{m},w]}}"],
    "a callback in an experiment file": lambda m, tmp: [
        "--config-dir", str(_experiment(tmp, f"hydra:\n  callbacks:\n    x:\n      _target_: builtins.open\n"
                                             f"      _args_: [{json.dumps(str(m))}, w]\n")), "+experiment=evil"],
    "the log file moved out of the run": lambda m, tmp: [f"hydra.job_logging.handlers.file.filename={m}"],
    "a log handler added": lambda m, tmp: [
        f"+hydra.job_logging.handlers.x={{class:logging.FileHandler,filename:{m}}}",
        "hydra.job_logging.root.handlers=[console,file,x]"],
    "a logging factory in an experiment file": lambda m, tmp: [
        "--config-dir", str(_experiment(tmp, "hydra:\n  job_logging:\n    handlers:\n      x:\n"
                                             f"        '()': logging.FileHandler\n        filename: {m}\n"
                                             "    root:\n      handlers: [console, file, x]\n")),
        "+experiment=evil"],
    "a nested launcher target under the plain sweeper": lambda m, tmp: [
        "--multirun", "hydra/sweeper=basic", "hydra/launcher=basic",
        f"+hydra.launcher.x={{_target_:builtins.open,_args_:[{m},w]}}"],
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_no_route_lets_a_configuration_call_code_or_write_outside_the_run(tmp_path, route):
    marker = tmp_path / "written"
    r = cityregions(*ROUTES[route](marker, tmp_path), *SMALL, f"hydra.run.dir={tmp_path / 'run'}",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and "refused" in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert not marker.exists() and not (tmp_path / "run").exists() and not (tmp_path / "sweep").exists()


def test_yaml_tags_that_would_build_python_objects_are_not_loaded(tmp_path):
    marker = tmp_path / "called"
    exp = tmp_path / "conf" / "experiment"
    exp.mkdir(parents=True)
    (exp / "evil.yaml").write_text(f"# @package _global_\nseed: !!python/object/apply:os.system ['touch {marker}']\n")
    r = cityregions("--config-dir", str(tmp_path / "conf"), "+experiment=evil", *SMALL, cwd=tmp_path, timeout=120)
    assert r.returncode != 0 and not marker.exists()


def test_code_in_a_municipality_table_is_text_not_code(tmp_path):
    marker = tmp_path / "called"
    code = f"__import__('os').system('touch {marker}')"
    csv = tmp_path / "munis.csv"
    csv.write_text("name,population,area_km2,x_km,y_km,is_core\n"
                   f"Core,500000,300,0,0,1\n\"{code}\",20000,40,12,3,0\n=cmd|' /C calc'!A0,15000,35,-8,9,0\n"
                   "Third,9000,30,5,-14,0\n")
    r = cityregions(*SMALL, f"region.municipalities_csv={csv}", f"output_dir={tmp_path / 'run'}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    names = set(pd.read_parquet(tmp_path / "run" / "municipalities.parquet")["municipality"])
    assert code in names and "=cmd|' /C calc'!A0" in names and not marker.exists()
    bad = tmp_path / "bad.csv"
    bad.write_text(csv.read_text().replace("20000", f"\"{code}\""))
    r = cityregions(*SMALL, f"region.municipalities_csv={bad}", cwd=tmp_path)
    assert r.returncode == 2 and "column 'population'" in r.stderr and not marker.exists()


# ---------------------------------------------------------------- faults during sweeps
GRID = ("--multirun", "region=graz,prague", "timeline.horizon=2015Q4", "plot=false", "hydra/launcher=basic")


def _disk_of(limit: int):
    """A child whose files cannot grow past `limit` bytes: writes beyond fail as on a full disk (EFBIG)."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_fails_the_job_it_hits_records_it_and_a_rerun_finishes_the_rest(tmp_path):
    out = tmp_path / "sweep"
    # Prague's municipality table (about 80 kB) does not fit; every file of Graz (under 30 kB) does
    r = cityregions(*GRID, f"hydra.sweep.dir={out}", cwd=tmp_path, preexec_fn=_disk_of(50_000))
    assert r.returncode == 1 and "1 of 2 jobs failed" in r.stderr and "File too large" in r.stderr
    jobs = sweep.find_jobs(out)
    prague = next(d for k, d in jobs.items() if "prague" in k)
    graz = next(d for k, d in jobs.items() if "graz" in k)
    assert results.is_complete(graz) and not results.is_complete(prague)
    assert not (prague / results.MANIFEST).exists() and (prague / "error.json").is_file()
    assert not list(out.rglob("*.tmp")), "a temporary file was left behind"
    for f in prague.glob("*.parquet"):  # what was written is whole, never a truncated file under a final name
        pd.read_parquet(f)
    status = sweep.sweep_status(out).set_index("job")["state"].to_dict()
    assert sorted(status.values()) == ["failed", "ok"]
    graz_written = (graz / results.MANIFEST).stat().st_mtime_ns

    r = cityregions(*GRID, f"hydra.sweep.dir={out}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "1 ran, 1 already complete" in r.stdout + r.stderr
    assert (graz / results.MANIFEST).stat().st_mtime_ns == graz_written, "a finished job was run again"
    gathered = collect.collect(out)
    assert gathered.not_ok.empty and set(gathered.tables["quarterly"]["region"]) == {"graz", "prague"}


def test_an_unwritable_sweep_directory_is_reported_before_any_job(tmp_path):
    r = cityregions(*GRID, "hydra.sweep.dir=/proc/cityregions-sweep", cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr  # refused as a system directory, before any job
    assert "hydra.sweep.dir='/proc/cityregions-sweep' lies in the system directory /proc" in r.stderr


KILL_MID_WRITE = """
import os, signal, sys
from cityregions.app import cli
from cityregions.runs import results
write = results.atomic_write
def dying(path, writer):
    if path.name == "municipalities.parquet" and "prague" in str(path):
        def half(p):
            writer(p)
            p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
            os.kill(os.getpid(), signal.SIGKILL)  # the job's process dies inside the write
        return write(path, half)
    return write(path, writer)
results.atomic_write = dying
sys.argv = ["cityregions", *sys.argv[1:]]
cli.main()
"""


def test_a_job_killed_mid_write_leaves_no_result_that_looks_complete_and_a_rerun_finishes_it(tmp_path):
    out = tmp_path / "sweep"
    r = subprocess.run([sys.executable, "-c", KILL_MID_WRITE, *GRID, f"hydra.sweep.dir={out}"], capture_output=True,
                       text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == -signal.SIGKILL
    prague = next(out.glob("region=prague*"))  # a killed job leaves neither manifest nor error record
    assert list(prague.glob(".municipalities.parquet.*.tmp")), "the write was not interrupted"
    assert not (prague / "municipalities.parquet").exists() and not results.is_complete(prague)
    states = sweep.sweep_status(out).set_index("job")["state"]
    assert states.filter(like="graz").tolist() == ["ok"] and states.filter(like="prague").tolist() != ["ok"]

    r = cityregions(*GRID, f"hydra.sweep.dir={out}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert results.is_complete(prague) and not list(out.rglob("*.tmp"))


DIE_IN_RAY_WORKER = """
import os, signal
_replace = os.replace
def replace(src, dst, *a, **k):
    if str(dst).endswith("municipalities.parquet") and "prague" in str(dst):
        os.kill(os.getpid(), signal.SIGKILL)  # this Ray worker dies while the job writes its results
    return _replace(src, dst, *a, **k)
os.replace = replace
"""


def test_a_killed_ray_worker_is_reported_and_a_rerun_finishes_the_sweep(tmp_path):
    import os

    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(DIE_IN_RAY_WORKER)  # loaded by every Python the sweep starts
    out = tmp_path / "sweep"
    ray = ("hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2")
    grid = (*GRID[:-1], *ray, f"hydra.sweep.dir={out}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(inject), os.environ.get("PYTHONPATH")]))}
    r = cityregions(*grid, cwd=tmp_path, env=env)
    assert r.returncode == 1 and "the launcher stopped: WorkerCrashedError" in r.stderr, r.stderr[-3000:]
    assert "Traceback" not in r.stderr.split("the launcher stopped")[-1]
    prague = next(out.glob("region=prague*"))
    assert not results.is_complete(prague)

    r = cityregions(*grid, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert all(results.is_complete(d) for d in out.glob("region=*")) and not list(out.rglob("*.tmp"))


def test_the_data_only_rule_allows_hydras_own_plugins_and_logging_and_nothing_else():
    from omegaconf import OmegaConf

    from cityregions.config.data_only import LOG_FILE, code_in

    joblib = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"
    ok = {"hydra": {"launcher": {"_target_": joblib, "n_jobs": -1},
                    "sweeper": {"_target_": "hydra_plugins.cityregions_hydra.PlannedSweeper"},
                    "job_logging": {"handlers": {"console": {"class": "logging.StreamHandler",
                                                             "stream": "ext://sys.stdout"},
                                                 "file": {"class": "logging.FileHandler", "filename": LOG_FILE}}}},
          "seed": 0}
    assert code_in(OmegaConf.create(ok)) == []
    bad = {"hydra": {"sweeper": {"_target_": joblib, "x": {"_target_": "os.system"}},  # a plugin, but not here
                     "job_logging": {"formatters": {"f": {"class": "my.Formatter"}},
                                     "handlers": {"s": {"class": "logging.StreamHandler", "stream": "ext://os.x"}}}},
           "region": {"name": "ext://os.system"}}
    found = "\n".join(code_in(OmegaConf.create(bad)))
    for where in ("hydra.sweeper.x._target_", "hydra.job_logging.formatters.f.class", "handlers.s.stream",
                  "region.name='ext://os.system'"):
        assert where in found, where
    assert "hydra.sweeper._target_=" not in found  # a plugin at a plugin's place is Hydra's own


# ---------------------------------------------------------------- where results go
def test_results_go_only_to_a_new_empty_or_cityregions_directory(tmp_path):
    from cityregions.runs import destination

    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("years of work")
    assert "holds other files" in destination.problems("hydra.run.dir", str(mine))[0]
    assert "is a file" in destination.problems("output_dir", str(mine / "chapter1.tex"))[0]
    assert "system directory /proc" in destination.problems("hydra.run.dir", "/proc/self/x")[0]
    assert "has 300 bytes; allowed: at most 255" in destination.problems("hydra.run.dir", f"out/{'a' * 300}/x")[0]
    earlier = tmp_path / "sweep"
    earlier.mkdir()
    (earlier / sweep.PLAN).write_text("{}")
    (earlier / "job0").mkdir()
    assert destination.problems("hydra.sweep.dir", str(earlier)) == []  # a sweep resumes in its own directory
    assert destination.problems("hydra.run.dir", str(tmp_path / "new" / "run")) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    assert destination.problems("output_dir", str(empty)) == []


@pytest.mark.parametrize(("override", "message"), [
    ("hydra.run.dir={mine}", "holds other files and is not a cityregions run or sweep"),
    ("output_dir={mine}", "holds other files and is not a cityregions run or sweep"),
    ("scenario.name=" + "s" * 300, "has 300 bytes; allowed: at most 255"),
    ("hydra.run.dir=/proc/cityregions", "lies in the system directory /proc"),
    ("region.name=../../escaped", "region.name='../../escaped' is not allowed"),
])
def test_a_run_refuses_where_it_may_not_write_before_creating_anything(tmp_path, override, message):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    r = cityregions(*SMALL, override.format(mine=mine), cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"] and (mine / "notes.txt").read_text() == "keep me"
    assert not (tmp_path / "outputs").exists() and not (tmp_path.parent / "escaped").exists()


def test_a_sweep_refuses_a_directory_of_other_files(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    r = cityregions("--multirun", *SMALL, "seed=1,2", f"hydra.sweep.dir={mine}", cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and "hydra.sweep.dir" in r.stderr and "holds other files" in r.stderr, r.stderr[-2000:]
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_an_empty_table_path_is_refused_and_a_list_of_replicates_is_swept(tmp_path):
    r = cityregions(*SMALL, "region.municipalities_csv=", cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and "region.municipalities_csv='' is an empty path" in r.stderr  # not the synthetic region
    r = cityregions(*SMALL, "replicate=[0,1]", cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and "to run each of them, sweep: --multirun replicate=0,1" in r.stderr
    r = cityregions("--multirun", *SMALL, "replicate=[0,1]", "hydra/launcher=basic",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert sorted(sweep.find_jobs(tmp_path / "sweep")) and len(sweep.find_jobs(tmp_path / "sweep")) == 2
    assert not (tmp_path / "outputs").exists()
