"""Validation: the five regions' observed patterns against their simulated counterparts.

`data/observed.csv` holds one row per region and pattern with its source and its `use`: *imposed* patterns are
what the inputs force (the region's total growth: its core's and ring's sourced series), shown for completeness
and never counted as a pass; *calibration* patterns are figures the model takes as inputs or targets (or will be
fitted to: commuting, growth, PT share, the pilot themes); *validation* patterns are held out (land take, the
commuting shed, the ring's growth against the core's, what became of the cooperation) and test the model out of
sample. `period` is a calendar year or years ("2018", "2014-2017", both inclusive), one
date ("2014-12-31": the state at that date), or two of these separated by "/" (two population counts; a
trend's base and later periods). National land-take figures are scaled to the region's residents as
scorecard.national_target_ha_per_day scales the targets (an assumption, labelled in the report).

The model is run for the historical scenario (`city_regions`) exactly as runner.run_scenario runs it, recording
after every quarter a small trace of quantities the result tables do not hold (the core's population and
commuters, agreement status by theme); each pattern is then a pure function of the quarterly table and the trace.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cityregions.analysis import ratified
from cityregions.analysis.scorecard import DAYS_PER_QUARTER, national_target_ha_per_day
from cityregions.config import REGIONS, THEMES
from cityregions.runs.trace import BINDING_STATUSES, STATUS_NONE, Tables, simulate
from cityregions.world.facts import RegionFacts, data_path, load_region

USES = ("imposed", "calibration", "validation")
KINDS = ("quantity", "upper_bound", "lower_bound", "categorical")
SCALES = ("none", "residents")
REQUIRED = ("region", "pattern", "use", "kind", "value", "unit", "period", "scope", "scale", "status", "source")


# ------------------------------------------------------------------------------------------------ observations
def load_observed(path: str | Path | None = None) -> pd.DataFrame:
    """The observed patterns (data/observed.csv), checked: known region, pattern, use, kind and scaling, a
    source on every row, a parseable period."""
    path = Path(path) if path is not None else data_path("observed.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        raw = list(csv.DictReader(fh))
    for i, r in enumerate(raw, start=2):
        if None in r:  # more fields than the header names: an unquoted comma
            raise ValueError(f"{path.name}, row {i}: {len(r) - 1 + len(r[None])} fields where the header has "
                             f"{len(r) - 1}; quote a value that contains a comma")
    rows = [{k: (v or "").strip() for k, v in r.items()} for r in raw]
    for i, r in enumerate(rows, start=2):
        where = f"{path.name}, row {i} ({r.get('region')}.{r.get('pattern')})"
        for col in REQUIRED:
            if not r.get(col):
                raise ValueError(f"{where}: {col} is empty")
        checks = (("region", REGIONS), ("pattern", tuple(PATTERNS)), ("use", USES), ("kind", KINDS),
                  ("scale", SCALES))
        for col, allowed in checks:
            if r[col] not in allowed:
                raise ValueError(f"{where}: {col}={r[col]!r}; allowed: {', '.join(allowed)}")
        parse_period(r["period"])
        if r["kind"] != "categorical":
            float(r["value"])
    df = pd.DataFrame(rows)
    for col in ("low", "high"):
        df[col] = pd.to_numeric(df[col].replace("", np.nan))
    return df


def _decimal_date(text: str) -> float:
    d = dt.date.fromisoformat(text)
    days = (dt.date(d.year + 1, 1, 1) - dt.date(d.year, 1, 1)).days
    return d.year + d.timetuple().tm_yday / days  # the end of that day: 2013-12-31 -> 2014.0


def parse_period(text: str) -> list[tuple[float, float]]:
    """The period's parts as (from, to) decimal years: a year or years [Y0, Y1 + 1), a date (t, t)."""
    parts = []
    for part in text.split("/"):
        part = part.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", part):
            t = _decimal_date(part)
            parts.append((t, t))
        elif m := re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part):
            y0, y1 = int(m[1]), int(m[2] or m[1])
            if y1 < y0:
                raise ValueError(f"period {text!r}: {y1} is before {y0}")
            parts.append((float(y0), float(y1 + 1)))
        else:
            raise ValueError(f"period {text!r}: expected YYYY, YYYY-YYYY or YYYY-MM-DD, parts joined by '/'")
    return parts


def scale_factor(row: pd.Series | dict, facts: RegionFacts, residents: float | None = None) -> tuple[float, str]:
    """What the observed value is multiplied by to speak of the model region, and the assumption it rests on
    (residents: the modelled region's at the start; else the region's sourced functional-area population)."""
    if row["scale"] == "none":
        return 1.0, ""
    residents = facts.fua_population if residents is None else residents
    scaled = national_target_ha_per_day(facts, residents)
    if scaled is None or row["scope"] != facts.country:
        raise ValueError(f"{facts.name}.{row['pattern']}: no residents' scaling from {row['scope']!r}")
    value, label, national = scaled  # e.g. (0.393, "Germany 30 ha/day", 30.0): target x share of residents
    factor = value / national
    return factor, (f"assumption: scaled by the region's share of {facts.country}'s residents ({factor:.4f}; "
                    f"{residents:,.0f} residents), as the scorecard scales the {label} target")


# ------------------------------------------------------------------------------------------------ patterns
class Outside(ValueError):
    """The observation's period lies outside the simulated quarters."""


def window(df: pd.DataFrame, lo: float, hi: float) -> tuple[pd.DataFrame, str]:
    """The simulated quarters of a period (mid-quarter in [lo, hi)), or for a date the quarter ending nearest to
    it; with a note if the period is only partly simulated."""
    q = df[df["step"] >= 0] if "step" in df else df
    ends = q["year"] + 0.125
    span = f"the run covers {ends.min() - 0.25:.2f}-{ends.max():.2f}" if len(q) else "nothing was simulated"
    if hi <= lo:
        if not len(q) or not ends.min() - 0.125 <= lo <= ends.max() + 0.125:
            raise Outside(f"the date {lo:.2f} is not simulated ({span})")
        return q.loc[[(ends - lo).abs().idxmin()]], ""
    sel = q[(q["year"] >= lo) & (q["year"] < hi)]
    if sel.empty:
        raise Outside(f"{lo:.2f}-{hi:.2f} is not simulated ({span})")
    want = round((hi - lo) * 4)
    return sel, (f"partly simulated: {len(sel)} of {want} quarters" if len(sel) < want else "")


def stock_at(trace: pd.DataFrame, col: str, t: float) -> tuple[float, float, str]:
    """A stock at a date, interpolated between quarter ends (the date clipped to the simulated span)."""
    ends = (trace["year"] + 0.125).to_numpy()
    tc = float(np.clip(t, ends.min(), ends.max()))
    note = f"simulated at {tc:.2f} (observation at {t:.2f})" if abs(tc - t) > 0.13 else ""
    return float(np.interp(tc, ends, trace[col].to_numpy())), tc, note


def _ratio_mean(num: str, den: str) -> Callable:
    def f(t: Tables, periods: list, theme: str) -> tuple[float, str]:
        sel, note = window(t.trace, *periods[0])
        return float((sel[num] / sel[den]).mean()), note
    return f


def _mean(col: str, table: str = "trace") -> Callable:
    def f(t: Tables, periods: list, theme: str) -> tuple[float, str]:
        sel, note = window(getattr(t, table), *periods[0])
        return float(sel[col].mean()), note
    return f


def _growth(col: str, doc: str) -> Callable:
    def growth(t: Tables, periods: list, theme: str) -> tuple[float, str]:
        (a, _), (b, _) = periods
        p0, t0, n0 = stock_at(t.trace, col, a)
        p1, t1, n1 = stock_at(t.trace, col, b)
        if t1 - t0 < 0.25:
            raise Outside(f"{a:.2f}-{b:.2f} is not simulated (the run covers {t0:.2f}-{t1:.2f})")
        return 100.0 * ((p1 / p0) ** (1.0 / (t1 - t0)) - 1.0), "; ".join(n for n in (n0, n1) if n)

    growth.__doc__ = doc
    return growth


core_population_growth = _growth("core_population", "The core's compound growth rate between two dates (%/yr), "
                                 "over the part of the span that was simulated.")
ring_population_growth = _growth("ring_population", "The surrounding municipalities' compound growth rate between "
                                 "two dates (%/yr), over the part of the span that was simulated.")


region_population_growth = _growth("region_population", "The modelled region's compound growth rate between two "
                                   "dates (%/yr): the sum of its core's and ring's growth inputs.")


def ring_minus_core_growth(t: Tables, periods: list, theme: str) -> tuple[float, str]:
    """The surrounding municipalities' growth rate less the core's between two dates (percentage points a
    year): where the location choice puts the region's growth."""
    ring, n_ring = ring_population_growth(t, periods, theme)
    core, _ = core_population_growth(t, periods, theme)
    return ring - core, n_ring


def land_take_rate(q: pd.DataFrame, lo: float, hi: float, per_days: float) -> tuple[float, str]:
    """Greenfield land taken in a period per `per_days` days (ha), over its simulated quarters."""
    sel, note = window(q, lo, hi)
    return float(sel["greenfield_take_ha"].sum()) / (len(sel) * DAYS_PER_QUARTER) * per_days, note


def land_take_ha_per_day(t: Tables, periods: list, theme: str) -> tuple[float, str]:
    """Greenfield take over the period (ha/day)."""
    return land_take_rate(t.quarterly, *periods[0], 1.0)


def land_take_ha_per_year(t: Tables, periods: list, theme: str) -> tuple[float, str]:
    """Greenfield take over the period (ha/yr)."""
    return land_take_rate(t.quarterly, *periods[0], 365.25)


def land_take_trend(t: Tables, periods: list, theme: str) -> tuple[float, str]:
    """The later period's greenfield take relative to the base period's (ratio of ha/day)."""
    (base, n0), (later, n1) = (land_take_rate(t.quarterly, *p, 1.0) for p in periods)
    return (later / base if base > 0 else float("nan")), "; ".join(n for n in (n0, n1) if n)


def _statuses(row: pd.Series, theme: str) -> list[str]:
    themes = list(THEMES) if theme in ("", "any") else [theme]
    return [row[f"status_{x}"] for x in themes]


def pilot_themes(t: Tables, periods: list, theme: str) -> tuple[str, str]:
    """The themes on which a pilot ran in the period ('land', 'transport', 'land+transport' or 'none')."""
    sel, note = window(t.trace, *periods[0])
    ran = [x for x in THEMES if (sel[f"status_{x}"] == "pilot").any()]
    return "+".join(ran) or STATUS_NONE, note


def cooperation_active(t: Tables, periods: list, theme: str) -> tuple[str, str]:
    """Whether an agreement on the theme (any: either) was active at the date ('yes'/'no')."""
    sel, note = window(t.trace, *periods[0])
    return ("yes" if any(s != STATUS_NONE for s in _statuses(sel.iloc[-1], theme)) else "no"), note


def binding_agreement(t: Tables, periods: list, theme: str) -> tuple[str, str]:
    """Whether a council-ratified, binding agreement (a contract or a body) on the theme was in force at the
    date."""
    sel, note = window(t.trace, *periods[0])
    return ("yes" if set(BINDING_STATUSES) & set(_statuses(sel.iloc[-1], theme)) else "no"), note


@dataclass(frozen=True)
class Rule:
    """How a pattern is simulated, and how its error is measured and judged (tolerances are assumptions)."""

    simulate: Callable[[Tables, list, str], tuple[float | str, str]]
    error: str = "relative"  # relative: distance to the observed range / |observed|; absolute: in the unit
    tolerance: float = 0.25
    doc: str = ""  # what is computed, if the function's docstring does not say it

    @property
    def description(self) -> str:
        """One line on what the simulated counterpart is."""
        return self.doc or (self.simulate.__doc__ or "").splitlines()[0]


PATTERNS: dict[str, Rule] = {
    "in_commuter_share": Rule(_ratio_mean("core_in_commuters", "core_workplace"), doc="In-commuters from the "
                              "region's other municipalities and from beyond it / everyone working in the core "
                              "(mean over the period)"),
    "in_commuters": Rule(_mean("core_in_commuters"), doc="Commuters into the core from the region's other "
                         "municipalities and from beyond it (persons, mean over the period)"),
    "core_population_growth": Rule(core_population_growth, "absolute", 0.5),
    "ring_population_growth": Rule(ring_population_growth, "absolute", 0.5),
    "region_population_growth": Rule(region_population_growth, "absolute", 0.5),
    "ring_minus_core_growth": Rule(ring_minus_core_growth, "absolute", 0.5),
    "out_commuters": Rule(_mean("core_out_commuters"), doc="Commuters from the core to anywhere else, in the "
                          "region or beyond its boundary (persons, mean over the period)"),
    "ring_out_commuters": Rule(_mean("ring_out_commuters"), doc="The surrounding municipalities' residents "
                               "working beyond the region's boundary (persons, mean over the period)"),
    "pt_share": Rule(_mean("pt_share", "quarterly"), doc="PT share of all commuting trips in the region"),
    "pt_share_inbound": Rule(_mean("pt_inbound_share"), doc="PT share of commuting trips from the surrounding "
                             "municipalities into the core"),
    "suburban_to_core_share": Rule(_ratio_mean("suburban_to_core", "suburban_workers"), doc="Share of the "
                                   "surrounding municipalities' working residents who work in the core"),
    "municipalities_over_half_to_core": Rule(_mean("over_half_to_core"), doc="Surrounding municipalities that "
                                             "send more than half of their working residents to the core"),
    "land_take_ha_per_day": Rule(land_take_ha_per_day),
    "land_take_ha_per_year": Rule(land_take_ha_per_year),
    "land_take_trend": Rule(land_take_trend),
    "developed_share": Rule(_ratio_mean("developed_ha", "area_ha"), doc="Developed land (residential, "
                            "commercial, other built uses, brownfield) / the region's area"),
    "core_sealed_share": Rule(_ratio_mean("core_developed_ha", "core_area_ha"), doc="The core's developed land / "
                              "its area"),
    "pilot_themes": Rule(pilot_themes, "match", 0.0),
    "cooperation_active": Rule(cooperation_active, "match", 0.0),
    "binding_agreement": Rule(binding_agreement, "match", 0.0),
}


def simulated_value(row: pd.Series | dict, tables: Tables) -> tuple[float | str | None, str]:
    """One observed row's simulated counterpart in one run (None with the reason if it cannot be computed)."""
    try:
        return PATTERNS[row["pattern"]].simulate(tables, parse_period(row["period"]), row.get("theme", ""))
    except Outside as e:
        return None, f"not comparable: {e}"


# ------------------------------------------------------------------------------------------------ comparison
def _fmt(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def judge(row: pd.Series | dict, values: list, factor: float = 1.0) -> dict[str, object]:
    """Observed vs the simulated values of all runs: error, verdict (pass, fail, partial, not comparable)."""
    rule = PATTERNS[row["pattern"]]
    runs = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    out: dict[str, object] = {"n_runs": len(runs), "error_kind": rule.error, "tolerance": rule.tolerance,
                              "sim_mean": np.nan, "sim_min": np.nan, "sim_max": np.nan, "error": np.nan}
    if not runs:
        return out | {"verdict": "not comparable", "simulated": "–", "matches": ""}
    if row["kind"] == "categorical":
        hits = sum(str(v) == row["value"] for v in runs)
        counts = pd.Series([str(v) for v in runs]).value_counts()
        verdict = "pass" if hits == len(runs) else "fail" if hits == 0 else "partial"
        return out | {"verdict": verdict, "matches": f"{hits}/{len(runs)}",
                      "simulated": ", ".join(f"{k} ×{n}" for k, n in counts.items())}
    v = np.asarray(runs, dtype=float)
    value = float(row["value"]) * factor
    low = float(row["low"]) * factor if pd.notna(row.get("low")) and row.get("low") != "" else value
    high = float(row["high"]) * factor if pd.notna(row.get("high")) and row.get("high") != "" else value
    mean = float(v.mean())
    if row["kind"] == "upper_bound":
        dist, ok = max(mean - value, 0.0), bool(v.max() <= value)
    elif row["kind"] == "lower_bound":
        dist, ok = min(mean - value, 0.0), bool(v.min() >= value)
    else:
        dist = mean - high if mean > high else mean - low if mean < low else 0.0
        ok = None
    err = dist if rule.error == "absolute" else dist / abs(value) if value else float("inf")
    if ok is None:
        ok = bool(abs(err) <= rule.tolerance)
    return out | {"sim_mean": mean, "sim_min": float(v.min()), "sim_max": float(v.max()), "error": err,
                  "verdict": "pass" if ok else "fail", "matches": "",
                  "simulated": f"{_fmt(mean)} [{_fmt(float(v.min()))}–{_fmt(float(v.max()))}]"}


def compare(observed: pd.DataFrame, sims: pd.DataFrame, residents: dict[str, float] | None = None) -> pd.DataFrame:
    """The validation table: every observed row with its simulated counterpart over the runs (`sims`: one row
    per observed row index `obs` and run, with `value` and `note`; `residents`: each modelled region's at the
    start, which national figures are scaled by). Rows are never dropped: a pattern that could not be simulated
    is 'not comparable' and says why."""
    rows = []
    residents = residents or {}
    for i, r in observed.iterrows():
        mine = sims[sims["obs"] == i] if len(sims) else sims
        factor, scaling = scale_factor(r, load_region(r["region"]), residents.get(r["region"]))
        notes = sorted({n for n in (mine["note"] if len(mine) else []) if n})
        res = judge(r, list(mine["value"]) if len(mine) else [], factor)
        if r["use"] == "imposed" and res["verdict"] != "not comparable":
            res["verdict"] = "imposed"  # the inputs force it: never a pass, whatever the error
        observed_text = r["value"] if r["kind"] == "categorical" else _obs_text(r, factor)
        rows.append({
            "use": r["use"], "region": r["region"], "pattern": r["pattern"], "theme": r.get("theme", ""),
            "kind": r["kind"], "period": r["period"], "unit": r["unit"], "scope": r["scope"],
            "observed": r["value"], "observed_low": r["low"], "observed_high": r["high"], "scaling": scaling,
            "observed_in_region": observed_text, **res, "note": "; ".join(notes), "source": r["source"],
            "observation_note": r.get("note", "")})
    cols = ["use", "region", "pattern", "theme", "kind", "period", "unit", "scope", "observed", "observed_low",
            "observed_high", "scaling", "observed_in_region", "simulated", "sim_mean", "sim_min", "sim_max", "n_runs",
            "error", "error_kind", "tolerance", "matches", "verdict", "note", "source", "observation_note"]
    return pd.DataFrame(rows, columns=cols)


def _obs_text(r: pd.Series, factor: float) -> str:
    bound = {"upper_bound": "≤ ", "lower_bound": "≥ "}.get(r["kind"], "")
    text = bound + _fmt(float(r["value"]) * factor)
    if pd.notna(r["low"]) and pd.notna(r["high"]) and r["low"] != r["high"]:
        text += f" ({_fmt(float(r['low']) * factor)}–{_fmt(float(r['high']) * factor)})"
    return text


def run(regions: list[str], seeds: int, overrides: list[str] | tuple[str, ...] = (),
        observed: pd.DataFrame | None = None, votes: list[dict] | None = None) -> pd.DataFrame:
    """Run the historical scenario for each region and replicate and compare it with the observations (votes: a
    list that receives, per run, what the councils' votes made of it: analysis.ratified.outcome)."""
    from cityregions.config import load_config

    observed = load_observed() if observed is None else observed
    observed = observed[observed["region"].isin(regions)]
    sims, residents = [], {}
    for region in regions:
        rows = observed[observed["region"] == region]
        for k in range(seeds):
            cfg = load_config([f"region={region}", "scenario=city_regions", f"replicate={k}", "plot=false",
                               "progress=false", *overrides])
            tables = simulate(cfg, region)
            if votes is not None:
                votes.append({"region": region, "replicate": k, **ratified.outcome(tables, cfg)})
            start = tables.trace.iloc[0]  # the initial state (step -1); its total does not depend on the seed
            residents[region] = float(start["core_population"] + start["ring_population"])
            for i, r in rows.iterrows():
                value, note = simulated_value(r, tables)
                sims.append({"obs": i, "replicate": k, "value": value, "note": note})
    return compare(observed, pd.DataFrame(sims, columns=["obs", "replicate", "value", "note"]), residents)

