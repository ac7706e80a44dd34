"""Paired scenario comparisons: each scenario against a baseline, replicate by replicate, with confidence intervals.

A comparison reads a dataset (a collected sweep, or a single run) and names its *arms*: the scenario, plus any
swept lever that varies, so a lever sweep compares its settings as well as a scenario comparison its scenarios.
With common random numbers every arm's replicate k draws the same random numbers, so the difference of an arm
and the baseline in replicate k is due to policy alone; the confidence interval is Student's t over the paired
differences of the replicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from cityregions.analysis import scorecard
from cityregions.runs import collect, results

PAIR_ON = ["region", "replicate"]
NOT_ARMS = {"job", "experiment", "region", "replicate", "seed", "region_seed"}
LEVEL = 0.95


@dataclass
class Dataset:
    """The tables a comparison reads, with each run's arm named, and where they came from."""

    quarterly: pd.DataFrame
    municipalities: pd.DataFrame
    decisions: pd.DataFrame
    memberships: pd.DataFrame
    jobs: pd.DataFrame
    source: Path

    @property
    def arms(self) -> list[str]:
        """The arms in the order they were planned."""
        return list(dict.fromkeys(self.quarterly["arm"]))

    @property
    def regions(self) -> list[str]:
        """The regions in the dataset."""
        return list(dict.fromkeys(self.quarterly["region"]))

    @property
    def common_random_numbers(self) -> bool:
        """True when every arm's replicate k of a region ran with the same seed (differences are paired)."""
        seeds = self.quarterly.groupby(PAIR_ON)["region_seed"].nunique()
        return bool((seeds == 1).all())

    def run_dir(self, arm: str, region: str) -> Path | None:
        """The directory of the arm's lowest replicate in a region (for its configuration)."""
        q = self.quarterly[(self.quarterly["arm"] == arm) & (self.quarterly["region"] == region)]
        if "job" not in q.columns:
            return self.source
        job = q.sort_values("replicate")["job"].iloc[0]
        d = self.jobs.loc[self.jobs["job"] == job, "dir"]
        return Path(d.iloc[0]) if len(d) else None


def _arm_labels(df: pd.DataFrame, params: list[str]) -> pd.Series:
    """'scenario' alone, or 'scenario · key=value ...' for the swept levers that vary within the dataset."""
    varying = [p for p in params if p != "scenario" and df[p].nunique(dropna=False) > 1]

    def label(row: pd.Series) -> str:
        parts = [str(row["scenario"])] + [f"{p.removeprefix('scenario.')}={row[p]}" for p in varying]
        return " · ".join(parts)
    keys = df[["scenario", *varying]].drop_duplicates()
    names = {tuple(r[["scenario", *varying]]): label(r) for _, r in keys.iterrows()}
    return df[["scenario", *varying]].apply(lambda r: names[tuple(r)], axis=1)


def _with_arm(df: pd.DataFrame, arm_of_job: dict[str, str] | None, replicate: dict[str, int] | int) -> pd.DataFrame:
    """The table with its arm (by job, or the scenario for a single run) and replicate named on every row."""
    df = df.copy()
    if df.empty:
        df["arm"] = pd.Series(dtype=object)
    else:
        df["arm"] = df["job"].map(arm_of_job) if arm_of_job is not None else df["scenario"]
    if "replicate" not in df.columns:
        df["replicate"] = df["job"].map(replicate) if isinstance(replicate, dict) else replicate
    return df


def load(path: str | Path) -> Dataset:
    """A dataset from a sweep directory (collected now), a collected dataset directory, or one run directory."""
    path = Path(path)
    if (path / results.MANIFEST).is_file() and (path / "quarterly.parquet").is_file():
        tables = results.read_run(path)
        jobs = pd.DataFrame({"job": [None], "state": ["ok"], "dir": [str(path)]})
        rep = int(tables["quarterly"]["replicate"].iloc[0])
        return Dataset(*(_with_arm(tables[n], None, rep) for n in results.TABLES), jobs=jobs, source=path)
    if (path / "jobs.parquet").is_file() and (path / "quarterly.parquet").is_file():
        tables = {n: pd.read_parquet(path / f"{n}.parquet") for n in (*results.TABLES, "jobs")}
    elif path.is_dir():
        tables = collect.collect(path).tables
    else:
        raise FileNotFoundError(f"{path}: no such directory")
    q, jobs = tables["quarterly"], tables["jobs"]
    if q.empty:
        raise FileNotFoundError(f"{path}: no complete run to compare (see `cityregions status {path}`)")
    params = [c for c in jobs.columns if c in q.columns and c not in NOT_ARMS]
    if "scenario" not in params:
        params.insert(0, "scenario")
    per_job = q.drop_duplicates("job")
    arm_of_job = dict(zip(per_job["job"], _arm_labels(per_job, params), strict=True))
    replicate_of_job = dict(zip(per_job["job"], per_job["replicate"], strict=True))
    return Dataset(*(_with_arm(tables[n], arm_of_job, replicate_of_job) for n in results.TABLES), jobs=jobs,
                   source=path)


def metric_table(ds: Dataset, baseline: str | None = None) -> pd.DataFrame:
    """One row per arm x region x replicate: every scorecard metric at the horizon; with a baseline, the EU path
    of every arm against the baseline's 2012-2015 rate of the same region and replicate (one reference for all)."""
    return metric_values(ds.quarterly, baseline)


def metric_values(quarterly: pd.DataFrame, baseline: str | None = None) -> pd.DataFrame:
    """metric_table of a quarterly table with its arm and replicate named on every row."""
    values = scorecard.metric_values(quarterly, ["arm", "region", "replicate"])
    if baseline is None or baseline not in set(values["arm"]):
        return values
    runs = {key: q.sort_values("step") for key, q in quarterly.groupby(["arm", "region", "replicate"])}
    early = {(region, rep): scorecard.early_rate(q) for (arm, region, rep), q in runs.items() if arm == baseline}
    values["eu_path"] = [scorecard.eu_path_ratio(runs[key], early.get(key[1:], np.nan))
                         for key in values[["arm", "region", "replicate"]].itertuples(index=False, name=None)]
    return values


def interval(d: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean of paired differences and its Student-t confidence interval (NaN bounds with fewer than two)."""
    d = d[np.isfinite(d)]
    if d.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(d.mean())
    if d.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
    return mean, mean - half, mean + half


def paired_differences(values: pd.DataFrame, baseline: str, metrics: list[str] | None = None,
                       bounds: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Each arm's metrics against the baseline arm, paired by region and replicate: one row per arm x region x
    metric with the baseline's and the arm's means, the mean difference, its 95 % interval, the relative
    difference (% of the baseline mean), the number of pairs and the verdict (better, worse, unclear). The
    interval of a quantity with a range (a scorecard metric's bounds, or those given) stays where a difference
    from the baseline's mean can lie."""
    metrics = metrics or [m.key for m in scorecard.METRICS]
    if baseline not in set(values["arm"]):
        raise ValueError(f"baseline={baseline!r} is not among the arms: {sorted(set(values['arm']))}")
    base = values[values["arm"] == baseline].set_index(PAIR_ON)
    rows = []
    for (arm, region), g in values.groupby(["arm", "region"], sort=False):
        g = g.set_index(PAIR_ON)
        b = base.loc[base.index.intersection(g.index)]
        if b.empty:
            continue
        g = g.loc[b.index]
        for key in metrics:
            d = (g[key] - b[key]).to_numpy(dtype=float, copy=True)
            # a sum that differs only by floating-point reordering (e.g. the region's jobs) is no difference
            d[np.abs(d) <= 1e-12 * np.abs(b[key].to_numpy(dtype=float))] = 0.0
            diff, lo, hi = interval(d)
            bmean, amean = float(b[key].mean()), float(g[key].mean())
            m = scorecard.BY_KEY.get(key)
            limits = (bounds or {}).get(key, m.bounds if m is not None else None)
            if limits is not None and np.isfinite(lo):  # a difference of shares stays possible
                lo, hi = max(lo, limits[0] - bmean), min(hi, limits[1] - bmean)
            scale = 100.0 / abs(bmean) if bmean != 0 and np.isfinite(bmean) else float("nan")
            rows.append({"arm": arm, "region": region, "metric": key, "n": int(np.isfinite(d).sum()),
                         "baseline_mean": bmean, "mean": amean, "diff": diff, "diff_lo": lo, "diff_hi": hi,
                         "rel_diff_pct": diff * scale, "rel_lo_pct": lo * scale, "rel_hi_pct": hi * scale,
                         "verdict": "baseline" if arm == baseline else
                         scorecard.judge(diff, lo, hi, m.better if m else 1, bmean, int(np.isfinite(d).sum()))})
    return pd.DataFrame(rows)


def trajectories(ds: Dataset, columns: list[str], low: float = 0.1, high: float = 0.9) -> pd.DataFrame:
    """Per arm x region x quarter: the mean over replicates and the 10th and 90th percentiles of each column."""
    g = ds.quarterly.groupby(["arm", "region", "step"], sort=False)
    mean = g[columns].mean()
    lo = g[columns].quantile(low).add_suffix("_lo")
    hi = g[columns].quantile(high).add_suffix("_hi")
    year = g["year"].first()
    return pd.concat([year, mean, lo, hi], axis=1).reset_index()


def membership_at(ds: Dataset, arm: str, region: str, step: int) -> pd.DataFrame:
    """Membership of every municipality (land, transport) at the end of a quarter in the arm's lowest replicate."""
    muni = ds.municipalities[(ds.municipalities["arm"] == arm) & (ds.municipalities["region"] == region)]
    rep = int(muni["replicate"].min())
    muni = muni[muni["replicate"] == rep]
    out = pd.DataFrame({"municipality": muni["municipality"].to_numpy(), "land": False, "transport": False})
    ms = ds.memberships
    ms = ms[(ms["arm"] == arm) & (ms["region"] == region) & (ms["replicate"] == rep) & (ms["step"] <= step)]
    last = ms.sort_values("step").groupby(["municipality", "theme"])["member"].last()
    for theme in ("land", "transport"):
        now = last.xs(theme, level="theme") if theme in last.index.get_level_values("theme") else pd.Series(
            dtype=bool)
        out[theme] = out["municipality"].isin(now.index[now.to_numpy(dtype=bool)])
    return out
