"""The country study: what cooperation saves in every functional urban area of the five countries.

Reads a collected batch sweep (`experiments/experiment/country_study.yaml`: each FUA under several scenarios,
replicate k of every scenario drawing the same random numbers) and, per FUA, pairs each scenario's greenfield
take with the baseline's replicate by replicate: the mean hectares saved to the horizon and its Student-t 95 %
interval (analysis.compare.interval), with the FUA's country, name and size from the FUA table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cityregions.analysis.compare import interval
from cityregions.config import ConfigError
from cityregions.world import places

COUNTRY_ORDER = ("DE", "AT", "PL", "CZ", "IT")


def greenfield_saved(summary: pd.DataFrame, scenario: str = "integrated",
                     baseline: str = "no_cooperation") -> pd.DataFrame:
    """One row per FUA: greenfield (ha) taken to the horizon under the baseline and the scenario, the mean saved
    (baseline minus scenario, paired by replicate), its 95 % interval and the replicates paired."""
    have = set(summary["scenario"])
    for key, name in (("scenario", scenario), ("baseline", baseline)):
        if name not in have:
            raise ConfigError(f"{key}={name!r} is not in the study; allowed: {', '.join(sorted(have))}")
    wide = summary.pivot_table(index=["region", "replicate"], columns="scenario", values="greenfield_ha")
    fuas = {f["fua_id"]: f for f in places.fua_list()}
    rows = []
    for fua, g in wide.groupby(level="region", sort=False):
        pair = g[[baseline, scenario]].dropna()
        saved, lo, hi = interval((pair[baseline] - pair[scenario]).to_numpy())
        meta = fuas.get(str(fua), {})
        rows.append({"fua_id": fua, "fua_name": meta.get("fua_name", ""), "country": meta.get("country", ""),
                     "municipalities": int(meta.get("municipalities", 0) or 0),
                     "population": float(meta.get("population", "nan") or "nan"),
                     "baseline_ha": float(pair[baseline].mean()), "scenario_ha": float(pair[scenario].mean()),
                     "saved_ha": saved, "saved_lo": lo, "saved_hi": hi, "replicates": len(pair)})
    out = pd.DataFrame(rows)
    out["saved_share"] = out["saved_ha"] / out["baseline_ha"]
    return out.sort_values(["country", "saved_share"], key=lambda c: c.map(_order) if c.name == "country" else c,
                           ignore_index=True)


def _order(country: str) -> int:
    return COUNTRY_ORDER.index(country) if country in COUNTRY_ORDER else len(COUNTRY_ORDER)


def by_country(saved: pd.DataFrame) -> pd.DataFrame:
    """Per country: FUAs, the median share of the baseline's greenfield saved, the FUAs whose interval lies above
    zero (saving for sure), below zero (taking more) and across it."""
    rows = []
    for country, g in saved.groupby("country", sort=False):
        rows.append({"country": country, "fuas": len(g), "median_saved_share": float(np.median(g["saved_share"])),
                     "saved_ha_total": float(g["saved_ha"].sum()),
                     "fuas_saving": int((g["saved_lo"] > 0).sum()), "fuas_taking_more": int((g["saved_hi"] < 0).sum()),
                     "fuas_unclear": int(((g["saved_lo"] <= 0) & (g["saved_hi"] >= 0)).sum())})
    return pd.DataFrame(rows)
