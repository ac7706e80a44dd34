"""The parameter table of docs/PARAMETERS.md, generated from the schema so that the docs cannot drift.

Usage: python -m cityregions.reporting.paramdoc > docs/PARAMETERS.md
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from cityregions.analysis import robustness
from cityregions.config import RunConfig
from cityregions.world.facts import load_case_library, load_sourced_parameters, read_facts


def _rows(obj: Any, prefix: str) -> list[list[str]]:
    rows = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            rows += _rows(value, key + ".")
            continue
        m = f.metadata
        if m.get("choices"):
            allowed = ", ".join(m["choices"])
        elif m.get("lo") is not None or m.get("hi") is not None:
            allowed = f"{m.get('lo')} - {m.get('hi')}"
        else:
            allowed = ""
        src = m.get("src", "")
        if src == "assumption" and key.startswith("scenario."):
            src = "policy lever"
        elif src == "assumption" and (not key.startswith(("params.", "region.size", "region.n_"))):
            src = "setting"
        rows.append([f"`{key}`", f"`{value}`", m.get("unit", ""), allowed, src, m.get("doc", "")])
    return rows


def _value(cfg: Any, key: str) -> Any:
    for part in key.split("."):
        cfg = getattr(cfg, part)
    return cfg


def _unit(key: str) -> str:
    from cityregions.config import schema_field

    found = schema_field(key)
    return found[1].get("unit", "") if found else ""


def render() -> str:
    """The whole Markdown document."""
    out = ["# Parameters", "",
           "Generated from the schema in `src/cityregions/config/` (`schema.py`, `params.py`) by "
           "`python -m cityregions.reporting.paramdoc`; "
           "a test keeps this file in step with the code. Every key can be set in `conf/` or on the command "
           "line (`cityregions params.land.optimism=1.2`). **Source** says where a value comes from; "
           "`assumption` means no source was found and the value is the modellers' choice, to be calibrated "
           "(`cityregions calibrate`) or swept.", "",
           "| key | default | unit | allowed | source | meaning |", "|---|---|---|---|---|---|"]
    out += ["| " + " | ".join(r).replace("\n", " ") + " |" for r in _rows(RunConfig(), "")]
    out += ["", "## Uncertain parameters of the robustness ensemble", "",
            "`compare ... futures=N` judges every scenario again in N futures: a Latin hypercube over these "
            "behavioural parameters (`analysis/robustness.py`, `UNCERTAIN`), each future with its own random "
            "numbers. The ranges are plausible values around the defaults (assumptions); calibrated parameters are "
            "left out, as the data fix them region by region.", "",
            "| key | default | range | unit |", "|---|---|---|---|"]
    for key, (lo, hi) in robustness.UNCERTAIN.items():
        default = _value(RunConfig(), key)
        out.append(f"| `{key}` | `{default}` | {lo:g} - {hi:g} | {_unit(key)} |")
    facts = read_facts()
    counts = Counter(f.status for region in facts.values() for f in region.values())
    out += ["", "## Figures from the world", "",
            "Region facts live in `src/cityregions/world/data/region_facts.csv`, one figure per row with its unit, "
            "year, status and source. Status counts: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ".", "",
            "| parameter | value | unit | year | status | source |", "|---|---|---|---|---|---|"]
    for name, f in load_sourced_parameters().items():
        out.append(f"| `{name}` | {f.value} | {f.unit} | {f.year} | {f.status} | {f.source} |")
    lib = load_case_library()
    out += ["", "## Derived in code from the good-practice case library (`good_practice.csv`)", "",
            f"- brownfield redevelopment cost: median over the brownfield cases = "
            f"{lib.brownfield_cost_m_eur_per_ha():.2f} M EUR/ha",
            f"- public funding share of brownfield costs (members of a land compact): median = "
            f"{lib.brownfield_public_share():.2f}",
            f"- jobs per hectare of commercial land: realised jobs per ha (Mark 51°7, 3,000 jobs on 70 ha by 2023) "
            f"= {lib.jobs_per_ha():.1f}",
            "- car CO2 per commuter-km: `co2_car_kg_per_pkm` x `co2_car_occupancy_basis` / `car_occupancy_commute`",
            ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
