"""The validation report: validation.csv and VALIDATION.md (markdown tables, calibration and validation apart).

Both files are written atomically (results.atomic_write). A hand-written reading between the markers
READING_START and READING_END in an existing VALIDATION.md is kept when the file is regenerated.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from cityregions.analysis import ratified
from cityregions.analysis.validation import PATTERNS, USES
from cityregions.runs.results import atomic_write

READING_START = "<!-- reading:start (kept when the file is regenerated) -->"
READING_END = "<!-- reading:end -->"
VERDICTS = ("pass", "partial", "fail", "not comparable", "imposed")
HEADINGS = {"imposed": "Imposed by the inputs (shown, never counted as a pass)",
            "calibration": "Calibration patterns (in sample: inputs and calibration targets)",
            "validation": "Validation patterns (out of sample: held out from calibration)"}

# Patterns the facts file (or the seeds) give no usable figure for, per region: listed, never guessed.
GAPS = (
    ("leipzig", "land take", "no Leipzig-region or Saxony figure; Germany's ha/day scaled by residents instead"),
    ("leipzig", "binding agreement at project end", "the facts do not say whether the 2014 strategy paper or the "
     "joint declaration was ratified by the councils"),
    ("leipzig", "land-take trend 2009-2012 (74 ha/day)", "before the simulated period (starts 2012 Q3)"),
    ("graz", "in-commuter share 2016", "no 2016 figure for jobs in Graz (only the 2021 census)"),
    ("wroclaw", "in-commuter share and count", "no figure for jobs in Wrocław; the ~65,000 in-commuters are "
     "probably 2006 data, before the simulated period; the 2021 census figure was not found"),
    ("wroclaw", "PT share", "not found (KBR surveys exist, percentages not retrievable)"),
    ("wroclaw", "land take", "not found"),
    ("wroclaw", "durable cooperation after 2014", "the facts name bodies (ARAW 2005, association 2013, ZIT) but "
     "not whether the pilot's cooperation continued"),
    ("prague", "land take", "not found"),
    ("prague", "cooperation after 2014", "PID's extension (2022) and the ITI are not attributable to the pilot"),
    ("turin", "in-commuters to Turin", "not found"),
    ("turin", "the ring's growth (Città metropolitana without Turin)", "no series on one basis for 2012-2022 was "
     "found; the ring takes the region's rate"),
    ("prague", "Praha-západ's growth since 2012", "not found; Praha-východ stands for the ring"),
    ("leipzig", "suburban-to-core share", "the districts' employed residents were not found (only SV in-commuters "
     "by district, of unstated year); the 'at least five municipalities' bound is used"),
    ("wroclaw", "suburban-to-core share", "powiat wrocławski to Wrocław not found (NSP 2021 commuting tables)"),
    ("prague", "suburban-to-core share", "Praha-východ and Praha-západ to Prague not found (census 2021 tables)"),
    ("turin", "suburban-to-core share and out-commuters", "not found (ISTAT 2011 commuting matrix)"),
    ("graz", "cooperation after 2014", "implementation 'possible from 2015 if stakeholders agreed'; outcome "
     "not in the facts"),
)

ASSUMPTIONS = (
    "Tolerances (assumptions, to be revisited by calibration): a quantity passes when the simulated mean over "
    "the runs lies within 25 % (relative to the observed value) of the observed value or range; core population "
    "growth within 0.5 percentage points a year; an upper or lower bound must hold in every run; a categorical "
    "pattern passes when every run matches (some runs: partial).",
    "Periods: a year or years are calendar years (the quarters whose middle falls in them); a date is the state "
    "at the end of the nearest simulated quarter; stocks between quarter ends are interpolated. A period only "
    "partly simulated is compared over its simulated part, and said so in the note column of validation.csv.",
    "Germany's and Austria's ha/day are scaled to the model region by its residents' share of the country's "
    "(the modelled municipalities' residents at the start), as "
    "scorecard.national_target_ha_per_day scales the national targets: an assumption (a growing region's share "
    "of land take need not equal its share of residents). Styria and Piedmont are used unscaled, as upper bounds "
    "(the region lies inside them).",
    "Land take is compared with the model's greenfield take for every use: housing, commerce and the other uses "
    "(transport, logistics, extraction, PV, recreation) at each country's sourced share; ISPRA's Turin figure is "
    "net of restored land.",
    "The model region is open to the real municipalities within 40 km in its own country (one external zone): "
    "in- and out-commuters are counted across that boundary; commuters from beyond 40 km or from abroad have no "
    "counterpart.",
    "Imposed rows are what the inputs force (the region's total growth is the sum of its core's and ring's "
    "series): they show that the inputs are used as intended and are never counted as a pass.",
    "A 'binding agreement' is an agreement ratified by the councils as a contract or a body (ODD 7.7); 'cooperation "
    "active' is any active agreement (pilot, declaration, contract or body). The pilot themes are imposed: the "
    "region's real pilot themes are an input (scenario.pilot_themes=region).",
)


def _error_text(r: pd.Series) -> str:
    if r["verdict"] == "not comparable":
        return "–"
    if r["kind"] == "categorical":
        return f"{r['matches']} match"
    if not np.isfinite(r["error"]):
        return "–"
    if r["kind"] in ("upper_bound", "lower_bound") and r["verdict"] == "pass":
        return "holds"
    if r["error_kind"] == "absolute":
        return f"{r['error']:+.2f} {r['unit']}"
    return f"{100 * r['error']:+.0f} %"


def _verdict_text(r: pd.Series) -> str:
    v = r["verdict"]
    text = {"pass": "pass", "fail": "**FAIL**", "partial": "*partial*", "imposed": "imposed"}.get(v, "not comparable")
    return f"{text} ({r['note'].removeprefix('not comparable: ')})" if r["note"] else text


def _pattern_text(r: pd.Series) -> str:
    name = r["pattern"] + (f" ({r['theme']})" if r["theme"] else "")
    return name + (" ≤" if r["kind"] == "upper_bound" else " ≥" if r["kind"] == "lower_bound" else "")


def table_markdown(report: pd.DataFrame) -> str:
    """One markdown table of report rows: region, pattern, period, observed, simulated, error, verdict."""
    lines = ["| Region | Pattern | Period | Unit | Observed (scope) | Simulated mean [min–max] | Error | Verdict |",
             "|---|---|---|---|---|---|---|---|"]
    for _, r in report.iterrows():
        scope = r["scope"] + (", scaled to the region*" if r["scaling"] else "")
        lines.append(f"| {r['region']} | {_pattern_text(r)} | {r['period']} | {r['unit']} | "
                     f"{r['observed_in_region']} ({scope}) | {r['simulated']} | {_error_text(r)} | "
                     f"{_verdict_text(r)} |")
    return "\n".join(lines)


def summary_table(report: pd.DataFrame) -> str:
    """Counts of verdicts by use (imposed, calibration, validation): an imposed row is counted apart."""
    lines = ["| Use | " + " | ".join(VERDICTS) + " | total |", "|---|" + "---|" * (len(VERDICTS) + 1)]
    for use in USES:
        sub = report[report["use"] == use]
        counts = [int((sub["verdict"] == v).sum()) for v in VERDICTS]
        lines.append(f"| {use} | " + " | ".join(map(str, counts)) + f" | {len(sub)} |")
    return "\n".join(lines)


def kept_reading(path: Path) -> str | None:
    """The hand-written reading of an existing report, if it has one between the markers."""
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    a, b = text.find(READING_START), text.find(READING_END)
    return text[a + len(READING_START):b].strip("\n") if 0 <= a < b else None


def markdown(report: pd.DataFrame, meta: dict[str, object], reading: str | None = None,
             votes: pd.DataFrame | None = None) -> str:
    """The whole VALIDATION.md: how to regenerate it, the run, the summary, both tables, reading, assumptions,
    gaps and sources."""
    regions = list(meta.get("regions") or dict.fromkeys(report["region"]))
    scaled = report[report["scaling"] != ""].drop_duplicates("region")
    out = [
        "# Validation: observed patterns against the model", "",
        f"Regenerate this file and `validation.csv` beside it with one command: `{meta['command']}`", "",
        f"Run: scenario `city_regions` (the project as it happened), regions {', '.join(regions)}, "
        f"{meta['seeds']} replicate(s) each (replicate 0-{int(meta['seeds']) - 1}, base seed {meta['seed']}), "
        f"horizon {meta['horizon']}" + (f", overrides `{' '.join(meta['overrides'])}`" if meta["overrides"] else "")
        + f"; cityregions {meta['version']}, {meta['date']}.", "",
        "**Calibration.** The PT alternative-specific constant is fitted to the PT share at the start; distance "
        "decay and the land-price elasticity of location choice are fitted per region to the *calibration* rows "
        "that identify them (`cityregions calibrate`) and used where the fit was adopted (`conf/calibration/`, "
        "each file says why or why not). The *validation* rows are held out of it. Observations and their "
        "sources: `src/cityregions/world/data/observed.csv`; every failure is listed, nothing is dropped.", "",
        "## Summary", "", summary_table(report), ""]
    for use in USES:
        sub = report[report["use"] == use]
        if len(sub):
            out += [f"## {HEADINGS[use]}", "", table_markdown(sub), ""]
    if votes is not None and len(votes):
        out += ["## How often the councils ratify", "",
                "Share of replicates in which the vote at the end of phase 3 made a binding agreement (a contract or "
                "a body), and in which one is in force at the horizon (councils elected later vote again on a "
                "failed theme); the first quarter one was in force, over the replicates. History: none of the five "
                "partnerships had one at the end of 2014.", "",
                "| Region | Runs | Ratified at the vote | Binding at the horizon | First binding |",
                "|---|---|---|---|---|"]
        out += [f"| {r['region']} | {r['runs']} | {r['ratified_at_vote']:.0%} | {r['binding_at_horizon']:.0%} | "
                f"{r['first_binding']} |" for _, r in ratified.frequencies(votes).iterrows()]
        out += [""]
    if len(scaled):
        out += ["\\* " + "; ".join(f"{r['region']}: {r['scaling']}" for _, r in scaled.iterrows()) + ".", ""]
    out += ["## Reading", "", READING_START,
            reading if reading is not None else "(No reading yet: write it here. `cityregions validate` keeps "
            "this block when it regenerates the file; check it against the new table.)",
            READING_END, "", "## How the patterns are compared", ""]
    out += [f"- {a}" for a in ASSUMPTIONS]
    out += ["", "Simulated counterparts (`cityregions.analysis.validation.PATTERNS`):", ""]
    out += [f"- `{name}`: {rule.description.rstrip('.')}." for name, rule in PATTERNS.items()]
    gaps = [g for g in GAPS if g[0] in regions]
    if gaps:
        out += ["", "## Gaps (no observation in the facts file: left out, not guessed)", "",
                "| Region | Pattern | Why |", "|---|---|---|"]
        out += [f"| {r} | {p} | {why} |" for r, p, why in gaps]
    out += ["", "## Sources", "", "| Region | Pattern | Period | Source | Note |", "|---|---|---|---|---|"]
    out += [f"| {r['region']} | {_pattern_text(r)} | {r['period']} | {r['source']} | {r['observation_note']} |"
            for _, r in report.iterrows()]
    return "\n".join(out) + "\n"


def write(report: pd.DataFrame, out_dir: str | Path, meta: dict[str, object],
          votes: pd.DataFrame | None = None) -> tuple[Path, Path]:
    """Write validation.csv and VALIDATION.md into out_dir, atomically, keeping a hand-written reading (votes:
    what the councils made of each run, written as ratification.csv and summarised in VALIDATION.md)."""
    out = Path(out_dir)
    csv_path, md_path = out / "validation.csv", out / "VALIDATION.md"
    text = markdown(report, {**meta, "date": meta.get("date", dt.date.today().isoformat())}, kept_reading(md_path),
                    votes)
    atomic_write(csv_path, lambda p: report.to_csv(p, index=False))
    atomic_write(md_path, lambda p: p.write_text(text, encoding="utf-8"))
    if votes is not None:
        atomic_write(out / "ratification.csv", lambda p: votes.to_csv(p, index=False))
    return csv_path, md_path
