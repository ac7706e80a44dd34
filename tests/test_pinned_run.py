"""Pinned results: the tables of two small fixed runs, stored in tests/data/, so that a change that alters
results (speed work, a refactoring) cannot pass unnoticed. Only floating-point reordering is tolerated.

When a change is meant to alter results, regenerate the files and say why in the commit:
    .venv/bin/python tests/test_pinned_run.py --update
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_config

from cityregions.runs.runner import run_scenario

DATA = Path(__file__).resolve().parent / "data"
# calibration=none: the pins hold the model's arithmetic at the schema's defaults, whatever the calibration
PINNED = {
    "graz_integrated_seed3": ("region=graz", "scenario=integrated", "seed=3", "calibration=none"),
    "turin_city_regions_seed1_to2020": ("region=turin", "scenario=city_regions", "seed=1", "timeline.horizon=2020Q4",
                                        "calibration=none"),
}
TABLES = ("quarterly", "municipalities", "decisions", "memberships")


def tables(overrides: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The run's tables as they read back from CSV (so stored and fresh tables compare like with like)."""
    res = run_scenario(make_config(*overrides))
    return {name: pd.read_csv(io.StringIO(getattr(res, name).to_csv(index=False))) for name in TABLES}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_results_match_the_pinned_run(name):
    fresh = tables(PINNED[name])
    for table, df in fresh.items():
        pinned = pd.read_csv(DATA / f"{name}.{table}.csv")
        pd.testing.assert_frame_equal(df, pinned, check_exact=False, rtol=1e-9, atol=1e-12,
                                      obj=f"{name} {table} (regenerate only if the change is meant to alter results:"
                                          " .venv/bin/python tests/test_pinned_run.py --update)")


def update() -> None:
    """Rewrite the pinned tables from the current code."""
    DATA.mkdir(exist_ok=True)
    for name, overrides in PINNED.items():
        for table, df in tables(overrides).items():
            df.to_csv(DATA / f"{name}.{table}.csv", index=False)
            print(f"wrote {DATA / f'{name}.{table}.csv'} ({len(df)} rows)")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        raise SystemExit(__doc__)
    update()
