"""Gathering a sweep into one dataset: every complete job's tables in one tidy table each, plus the job list.

``cityregions collect <sweep-dir>`` writes ``<sweep-dir>/dataset/``:

- ``quarterly.parquet``: one row per job x region x quarter (the indicators),
- ``summary.parquet``: one row per job x region (the headline figures at the horizon, unrounded),
- ``municipalities.parquet``, ``decisions.parquet`` and ``memberships.parquet``: the end state, the council
  decisions and the membership changes,
- ``jobs.parquet``: one row per job of the plan, with its state (ok, failed, incomplete, missing), its
  parameters and, for a failed job, the error,

each with the job's key, experiment and parameters as columns. Jobs that failed or never finished are
reported, never silently dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cityregions.runs import results, runner, sweep

TABLES = ("quarterly", "summary", "municipalities", "decisions", "memberships", "jobs")


@dataclass
class Collected:
    """A gathered sweep: its tables and the jobs that are not in them."""

    tables: dict[str, pd.DataFrame]
    out_dir: Path

    @property
    def jobs(self) -> pd.DataFrame:
        """One row per job with its state."""
        return self.tables["jobs"]

    @property
    def not_ok(self) -> pd.DataFrame:
        """Jobs that failed, never finished or never started."""
        return self.jobs[self.jobs["state"] != "ok"]

    def report(self) -> str:
        """What was collected and what is missing, for people."""
        j = self.jobs
        counts = j["state"].value_counts()
        lines = [f"collected {counts.get('ok', 0)} of {len(j)} jobs into {self.out_dir} "
                 f"({len(self.tables['quarterly'])} rows of job x region x quarter)"]
        for state in ("failed", "incomplete", "missing"):
            rows = j[j["state"] == state]
            if len(rows):
                lines.append(f"{state}: {len(rows)}")
                for _, r in rows.head(20).iterrows():
                    why = f": {r['error']}" if isinstance(r["error"], str) else ""
                    lines.append(f"  {r['job'] or '(no overrides)'}{why}")
                if len(rows) > 20:
                    lines.append(f"  ... and {len(rows) - 20} more (see jobs.parquet)")
        unplanned = j[~j["planned"]]
        if len(unplanned) and j["planned"].any():
            lines.append(f"note: {len(unplanned)} job directories are not in the last launch's plan and were "
                         "left out (an earlier sweep into the same directory)")
        return "\n".join(lines)


def _front(df: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    cols = [c for c in first if c in df.columns]
    return df[cols + [c for c in df.columns if c not in cols]]


WHOLE = ("replicate", "seed", "step")  # whole numbers in every table, whatever the jobs (an empty table too)


def _whole_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """The table with its WHOLE columns as int64 (an empty job's table had made them object or float)."""
    for col in WHOLE:
        if col in df.columns and df[col].notna().all():
            df[col] = pd.to_numeric(df[col]).astype("int64")
    return df


def collect(sweep_dir: str | Path, out_dir: str | Path | None = None) -> Collected:
    """Gather every complete job of the sweep into one dataset and write it (Parquet, atomically)."""
    sweep_dir = Path(sweep_dir)
    status = sweep.sweep_status(sweep_dir)
    if status.empty:
        raise FileNotFoundError(f"{sweep_dir} holds no sweep: no {sweep.PLAN} and no job results")
    plan = sweep.read_plan(sweep_dir)
    exclude = plan.get("exclude_keys", []) if plan else []
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES if name != "jobs"}
    job_rows = []
    param_cols: list[str] = []
    for row in status.itertuples(index=False):
        if not row.planned:
            job_rows.append(row._asdict() | {"experiment": None})
            continue
        meta: dict = {}
        if row.state == "ok":
            meta = results.read_manifest(row.dir) or {}
        elif row.state == "failed":
            meta = json.loads((Path(row.dir) / sweep.ERROR).read_text(encoding="utf-8"))
        params = meta.get("params") or sweep.job_params(row.overrides.split(), exclude)
        param_cols += [k for k in params if k not in param_cols]
        job_rows.append(row._asdict() | {"experiment": meta.get("experiment")} | params)
        if row.state != "ok":
            continue
        tables = results.read_tables(row.dir)  # sweep_status has verified the checksums
        q = tables["quarterly"]
        for name in results.TABLES:  # every table names its replicate, as the quarterly one does
            t = tables[name]
            parts[name].append(t if "replicate" in t.columns else t.assign(replicate=q["replicate"].iloc[0]))
        labels = {"job": row.job, "experiment": meta.get("experiment"), **params}  # seed, replicate: each run's
        runs = runner.summary_of(q, runs=True)
        parts["summary"].append(sweep.with_columns(runs, {k: v for k, v in labels.items() if k not in runs}))
    first = ["job", "experiment", *param_cols]
    out: dict[str, pd.DataFrame] = {}
    for name, frames in parts.items():
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        out[name] = _front(_whole_numbers(df), first)
    jobs = pd.DataFrame(job_rows)
    out["jobs"] = _front(jobs, ["job", "state", "planned", "experiment", *param_cols])
    target = Path(out_dir) if out_dir else sweep_dir / sweep.DATASET
    for name, df in out.items():
        results.atomic_write(target / f"{name}.parquet", lambda p, df=df: df.to_parquet(p, index=False))
    return Collected(out, target)
