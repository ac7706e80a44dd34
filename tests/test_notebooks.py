"""The notebooks in notebooks/ run top to bottom and produce what they promise, without writing into the repository.

Each notebook is executed with nbclient in a fresh kernel whose working directory and TMPDIR are temporary, with
one cell appended that checks the notebook's own variables; then its figures are counted and its working
directory must still be empty (so that, opened from notebooks/, it writes nothing into the repository). The
committed notebooks must carry no outputs.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CELL_TIMEOUT = 300  # seconds per cell; each notebook takes well under a minute

# notebook -> (figures it shows at least, a cell appended to check its variables)
EXPECTED = {
    "01_quickstart.ipynb": (2, """
        assert cfg.region.name == "leipzig" and cfg.scenario.name == "city_regions"
        assert len(q) == 74 and sorted(q["phase"].unique()) == [1, 2, 3, 4]
        assert q["members"].max() > 0 and res0.quarterly["members"].max() == 0
        assert len(mine) == len(muni.why()) >= 1
        assert {"benefit", "information", "negotiation", "enforcement", "agency", "net"} <= set(mine.columns)
        assert list(both.columns) == [SCENARIO, "no_cooperation", "difference"]
        assert both.loc["members", "no_cooperation"] == 0
    """),
    "02_compare_scenarios.ipynb": (2, """
        assert ds.arms == SCENARIOS and ds.common_random_numbers
        assert values.shape[0] == len(SCENARIOS) * SEEDS
        assert (diffs["n"] == SEEDS).all()
        assert (diffs.loc[diffs["arm"] == BASELINE, "diff"] == 0).all()
        assert len(table) == (len(SCENARIOS) - 1) * len(scorecard.METRICS)
        assert set(table["verdict"]) <= {"better", "worse", "unclear"}
        assert lo <= mean <= hi
    """),
    "03_sweep_and_sensitivity.ipynb": (2, """
        assert gathered.not_ok.empty
        assert len(summary) == len(KEYS) * REPLICATES
        assert sorted(summary[LEVER].unique()) == sorted(float(k) for k in KEYS)
        assert len(oat) == len(OAT) * 2 * OAT_REPLICATES
        assert len(effects) == len(OAT) * 2 * len(OAT_OUTCOMES)
        assert sweep_dir.is_dir() and (sweep_dir / "dataset" / "summary.parquet").is_file()
    """),
    "04_ema_workbench.ipynb": (2, """
        assert len(experiments) == N_SAMPLES * len(SCENARIOS) == 60
        assert set(SHORT) | {"scenario_name"} <= set(experiments.columns)
        for name, key in SHORT.items():
            assert experiments[name].between(*UNCERTAIN[key]).all()
        assert sorted(experiments["scenario_name"].astype(str).unique()) == sorted(SCENARIOS)
        assert all(outcomes[o].shape == (len(experiments), len(SEEDS)) and np.isfinite(outcomes[o]).all()
                   for o in OUTCOMES)
        assert (outcomes["members"] >= 0).all() and 0 < y.sum() < len(y)
        assert box.res_dim >= 1 and len(box_table) == box.res_dim
        assert 0 <= box.coverage <= 1 and 0 <= box.density <= 1
        assert np.isclose(box.density, y[box.yi].mean()) and np.isclose(box.coverage, y[box.yi].sum() / y.sum())
        assert box.density >= DENSITY or chosen == len(trajectory) - 1
    """),
}


def test_every_notebook_is_tested():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs not stripped"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_top_to_bottom(name, tmp_path, monkeypatch):
    work, tmp = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))  # the kernel inherits it: the notebook's temporary directories land here
    figures, check = EXPECTED[name]
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(dedent(check).strip()))

    # raises CellExecutionError, with the cell and its traceback, if any cell fails
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute()

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = sum("image/png" in o.get("data", {}) for o in outputs)
    assert shown >= figures, f"{name}: {shown} figures shown, expected at least {figures}"
    assert list(work.iterdir()) == [], f"{name} wrote into its working directory"
