"""Sweep bookkeeping: a job's identity and parameters, its state on disk, failure records and progress.

A sweep directory holds one directory per job, named by Hydra's ``override_dirname`` (the job's own
parameters), so a re-run of the same sweep maps every job to the same place; ``sweep_plan.json``, written
by the sweeper before anything is launched, so jobs that never ran can be named; and ``.status/`` markers,
one small file per finished job of the current launch, so any worker can count what is done. The launcher
(basic, joblib, Ray, submitit) only runs jobs; nothing here schedules anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cityregions.config import schema_field
from cityregions.runs import results

if TYPE_CHECKING:
    import pandas as pd

    from cityregions.runs.runner import RunResult

PLAN = "sweep_plan.json"
ERROR = "error.json"
STATUS = ".status"
DATASET = "dataset"
STATES = ("ok", "skipped", "failed")
SUBDIR = "hydra.sweep.subdir"
KEY_SUBDIR = "${hydra.job.override_dirname}"  # conf/config.yaml: a job's directory is named by its key
NAME_MAX = 255  # bytes of one file name (Linux, macOS, Windows)
SEPARATORS = re.compile("[/" + re.escape(os.sep + (os.altsep or "")) + "]")
NOT_IN_NAME = re.compile(r"[/\\'\"$\x00-\x1f]")  # separators, and what would need escaping in an override


def job_key(overrides: Sequence[Any], exclude_keys: Sequence[str], item_sep: str = ",", kv_sep: str = "=") -> str:
    """The job's identity: its parsed overrides as Hydra's override_dirname (sorted, excluded keys left out)."""
    from cityregions.runs.hydra_internals import get_overrides_dirname

    return get_overrides_dirname(list(overrides), list(exclude_keys), item_sep, kv_sep)


def _plain(value: Any) -> Any:
    """A Parquet-friendly scalar: lists and dicts become their JSON text."""
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, list | dict) else value


def _as_schema_type(key: str, value: Any) -> Any:
    """A swept value as its key's type in the schema (quorum=1 is 1.0), so a column's type is the same in every
    sweep whatever values it swept."""
    found = schema_field(key)
    kind = found[0] if found else None
    if kind in (int, float) and isinstance(value, int | float) and not isinstance(value, bool):
        return kind(value)
    return value


def job_params(task_overrides: Sequence[str], exclude_keys: Sequence[str] = ()) -> dict[str, Any]:
    """Typed values of a job's overrides by key (``scenario.revenue_sharing_key`` -> 0.25): its parameter columns,
    each of its key's type in the schema."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(list(task_overrides))
    return {o.key_or_group: _as_schema_type(o.key_or_group, _plain(o.value())) for o in parsed
            if not o.is_delete() and o.key_or_group not in exclude_keys}


def _dtype(value: Any) -> str:
    """The column type of a constant: the same for an empty table as for a full one."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    return "str" if value is None or isinstance(value, str) else "object"


def with_columns(df: pd.DataFrame, values: dict[str, Any]) -> pd.DataFrame:
    """The table with one constant column per value, except where it already has that column; each column's type
    follows its value, so an empty table's columns have the types a full one's have."""
    import pandas as pd  # here, not at import: a sweep's own process never makes a table

    return df.assign(**{k: pd.Series([v] * len(df), index=df.index, dtype=_dtype(v))
                        for k, v in values.items() if k not in df.columns})


def job_dir_name(key: str) -> str:
    """The name of the job's directory in the sweep: the job's key as Hydra names it, or, where the key would not
    stay one directory inside the sweep (a path separator in it, as an override's file path has: ../../x.csv or
    /data/x.csv; or it is . or ..) or is too long for a file name, the key with every separator, quote, $ and
    control character made "_" and a short hash of the exact key after it, so that the name is one directory,
    distinct from every other job's and the same at every launch (a re-run finds the job again)."""
    if key not in (".", "..") and not SEPARATORS.search(key) and len(key.encode("utf-8")) <= NAME_MAX:
        return key
    readable = NOT_IN_NAME.sub("_", key).encode("utf-8")[: NAME_MAX - 11].decode("utf-8", errors="ignore")
    return f"{readable}_{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"


def job_dir_overrides(key: str) -> list[str]:
    """What the sweeper adds to a job's overrides so that Hydra writes it into job_dir_name(key): nothing where
    that is the key itself, else hydra.sweep.subdir=<name> (a Hydra setting: it is not part of the job's key)."""
    name = job_dir_name(key)
    return [] if name == key else [f"{SUBDIR}='{name}'"]


def _digest(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:20]


@dataclass
class Job:
    """One job of a sweep as its worker sees it: where it writes and what identifies it."""

    key: str
    overrides: list[str]
    params: dict[str, Any]
    out_dir: Path
    sweep_dir: Path
    experiment: str | None = None
    started: float = field(default_factory=time.perf_counter)

    @classmethod
    def from_hydra(cls, hc: Any) -> Job:
        """The job of the current Hydra multirun job (from its HydraConfig)."""
        exclude = list(hc.job.config.override_dirname.exclude_keys)
        overrides = list(hc.overrides.task)
        return cls(key=hc.job.override_dirname, overrides=overrides, params=job_params(overrides, exclude),
                   out_dir=Path(hc.runtime.output_dir), sweep_dir=Path(hc.sweep.dir),
                   experiment=hc.runtime.choices.get("experiment"))

    def meta(self) -> dict[str, Any]:
        """What the manifest and error record say about the job."""
        return {"job": self.key, "experiment": self.experiment, "overrides": self.overrides, "params": self.params}

    def label(self, result: RunResult) -> RunResult:
        """The result's tables with the job's key, experiment and parameters as columns."""
        def add(df: pd.DataFrame) -> pd.DataFrame:
            return with_columns(df, {"job": self.key, "experiment": self.experiment, **self.params})
        return replace(result, **{name: add(getattr(result, name)) for name in results.TABLES})

    def is_done(self, digest: str) -> bool:
        """True if a complete result of exactly this configuration is already in the job's directory."""
        manifest = results.read_manifest(self.out_dir)
        return manifest is not None and manifest.get("config_sha256") == digest and results.is_complete(self.out_dir)

    def start(self) -> None:
        """Forget any earlier result or failure of this job: until it finishes it is incomplete. Temporary files
        of a writer that was killed before it could clean up go too."""
        (self.out_dir / results.MANIFEST).unlink(missing_ok=True)
        (self.out_dir / ERROR).unlink(missing_ok=True)
        for stale in self.out_dir.glob(".*.tmp"):
            stale.unlink(missing_ok=True)

    def fail(self, exc: BaseException) -> None:
        """Record the failure (parameters, error, traceback) beside the job's files."""
        record = self.meta() | {
            "error": type(exc).__name__, "message": str(exc),
            "traceback": "".join(traceback.format_exception(exc)),
            "time": datetime.now(UTC).isoformat(timespec="seconds")}
        text = json.dumps(record, indent=2, default=str)
        results.atomic_write(self.out_dir / ERROR, lambda p: p.write_text(text, encoding="utf-8"))
        self.mark("failed")

    def mark(self, state: str) -> None:
        """Leave the finished job's marker for the progress count."""
        d = self.sweep_dir / STATUS
        d.mkdir(parents=True, exist_ok=True)
        for other in STATES:
            (d / f"{_digest(self.key)}.{other}").unlink(missing_ok=True)
        (d / f"{_digest(self.key)}.{state}").touch()

    def progress(self, state: str) -> str:
        """One line: this job's outcome and the sweep's tally so far."""
        counts = count_markers(self.sweep_dir)
        plan = read_plan(self.sweep_dir)
        total = plan["n_jobs"] if plan else None
        finished = sum(counts.values())
        head = f"[{finished}/{total}]" if total else f"[{finished}]"
        tail = f"{counts['ok'] + counts['skipped']} done, {counts['failed']} failed"
        if total:
            tail += f", {total - finished} left"
        return f"{head} {state:7s} {self.key or '(no overrides)'} ({time.perf_counter() - self.started:.1f} s) · {tail}"


def write_plan(sweep_dir: Path, jobs: list[list[str]], key: Callable[[list[str]], str],
               exclude_keys: Sequence[str] = ()) -> dict[str, Any]:
    """Write the plan of a launch and reset the progress markers. The plan keeps every job planned in the directory
    by earlier commands too (a second command adding replicates adds to the sweep, so `collect` gathers both);
    `n_jobs` counts this launch's jobs, whose progress is tallied."""
    entries = [{"key": key(job), "overrides": job} for job in jobs]
    seen: dict[str, list[str]] = {}
    for e in entries:
        if e["key"] in seen:
            raise ValueError(f"jobs {' '.join(seen[e['key']])!r} and {' '.join(e['overrides'])!r} would write the "
                             f"same directory {e['key']!r}: a swept key is in hydra.job.config.override_dirname."
                             "exclude_keys; sweep only keys that change results")
        seen[e["key"]] = e["overrides"]
    earlier = read_plan(sweep_dir) or {}
    new = {e["key"] for e in entries}
    kept = [e for e in earlier.get("jobs", []) if e["key"] not in new]  # jobs an earlier command planned here
    plan = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "n_jobs": len(entries),
            "exclude_keys": list(exclude_keys), "jobs": kept + entries}
    text = json.dumps(plan, indent=1)
    results.atomic_write(sweep_dir / PLAN, lambda p: p.write_text(text, encoding="utf-8"))
    status = sweep_dir / STATUS
    if status.is_dir():
        for marker in status.iterdir():
            marker.unlink(missing_ok=True)
    return plan


def read_plan(sweep_dir: Path) -> dict[str, Any] | None:
    """The sweep's plan (every job planned in it, `n_jobs` of the last launch), or None if it was not launched by
    the planned sweeper."""
    try:
        return json.loads((Path(sweep_dir) / PLAN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


LOCK = ".sweep.lock"


def hold_lock(sweep_dir: Path) -> Any | None:
    """An exclusive lock on the sweep directory for this process's life (released when it ends, even by a kill),
    or None if another sweep holds it: two sweeps in one directory would both run every job."""
    import fcntl

    handle = open(Path(sweep_dir) / LOCK, "a+")  # noqa: SIM115 - kept open: the lock lives as long as the file
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def count_markers(sweep_dir: Path) -> dict[str, int]:
    """Finished jobs of the current launch by state (ok, skipped, failed)."""
    counts = dict.fromkeys(STATES, 0)
    d = Path(sweep_dir) / STATUS
    if d.is_dir():
        for marker in d.iterdir():
            state = marker.suffix.lstrip(".")
            if state in counts:
                counts[state] += 1
    return counts


def plan_line(plan: dict[str, Any]) -> str:
    """What the sweeper says before launching."""
    return f"cityregions sweep: {plan['n_jobs']} jobs planned"


def final_line(sweep_dir: Path, plan: dict[str, Any]) -> str:
    """What the sweeper says at the end: the tally of this launch."""
    c = count_markers(sweep_dir)
    left = plan["n_jobs"] - sum(c.values())
    return (f"cityregions sweep {sweep_dir}: {plan['n_jobs']} jobs: {c['ok']} ran, {c['skipped']} already complete, "
            f"{c['failed']} failed, {left} not finished")


def find_jobs(sweep_dir: Path) -> dict[str, Path]:
    """Every job directory under the sweep (with a manifest or an error record), by job key."""
    found: dict[str, Path] = {}
    root = Path(sweep_dir)
    for name in (results.MANIFEST, ERROR):
        for f in root.rglob(name):
            if DATASET in f.relative_to(root).parts[:1]:
                continue
            try:
                key = json.loads(f.read_text(encoding="utf-8")).get("job")
            except (OSError, ValueError):
                continue
            if key is not None:
                found.setdefault(key, f.parent)
    return found


def job_state(job_dir: Path | None) -> str:
    """'ok' (complete results), 'failed' (an error record), 'incomplete' (started, never finished) or 'missing'."""
    if job_dir is None:
        return "missing"
    if results.is_complete(job_dir):
        return "ok"
    return "failed" if (job_dir / ERROR).is_file() else "incomplete"


def sweep_status(sweep_dir: Path) -> pd.DataFrame:
    """One row per job of the sweep (planned or found): key, state, directory, overrides and error message."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"no sweep directory {sweep_dir}")
    found = find_jobs(sweep_dir)
    plan = read_plan(sweep_dir)
    planned = {e["key"]: e["overrides"] for e in plan["jobs"]} if plan else {}
    rows = []
    for key in [*planned, *(k for k in found if k not in planned)]:
        d = found.get(key)
        state = job_state(d)
        message = None
        if state == "failed":
            message = json.loads((d / ERROR).read_text(encoding="utf-8")).get("message")
        rows.append({"job": key, "state": state, "planned": key in planned or not plan,
                     "dir": str(d) if d else None, "overrides": " ".join(planned.get(key, [])), "error": message})
    import pandas as pd

    return pd.DataFrame(rows, columns=["job", "state", "planned", "dir", "overrides", "error"])
