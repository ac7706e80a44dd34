"""The sweeps' launcher: each worker gets shares of consecutive jobs, the jobs of one group choice are composed
once, and every job's configuration is the one Hydra itself would compose for it."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf
from test_sweeps import GRID, assert_same_jobs, run_sweep

from cityregions.config import config_dir
from cityregions.runs.hydra_internals import SweepComposer, launch_composer
from hydra_plugins.cityregions_hydra.launcher import SharingLauncher, shares


def test_shares_cover_every_job_once_in_consecutive_runs_shrinking_as_the_jobs_run_out():
    # each share: the jobs left / (2 x 2 workers), rounded up: 100/4 -> 25, 75/4 -> 19, 56/4 -> 14, ...
    sizes = [25, 19, 14, 11, 8, 6, 5, 3, 3, 2, 1, 1, 1, 1]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    assert shares(100, 2) == [range(a, a + n) for a, n in zip(starts, sizes, strict=True)]
    assert shares(3, 2) == [range(0, 1), range(1, 2), range(2, 3)]
    assert shares(10, 2, per_share=4) == [range(0, 4), range(4, 8), range(8, 10)]
    assert shares(0, 2) == []
    with pytest.raises(ValueError, match=r"hydra.launcher.jobs_per_share=0 .* a whole number >= 1"):
        shares(5, 2, per_share=0)


JOBS = [
    *[["+experiment=scenario_comparison", f"scenario={s}", f"region={r}", f"replicate={k}"]
      for s in ("integrated", "no_cooperation") for r in ("graz", "prague") for k in range(3)],
    ["region=graz", "scenario.revenue_sharing_key=0.5", "replicate=2"],
    ["region=graz", "scenario.revenue_sharing_key=0.25", "replicate=2"],
    ["region=graz", "+scenario.note=1"],  # adds a key: applied once, as Hydra does
    ["region=graz", "~plot"],  # deletes one
    ["region=turin", "hydra.sweep.subdir=abc", "seed=3"],  # a Hydra value: composed whole
    ["region=all", "seed=4"],
]


@pytest.fixture(scope="module")
def hydra_loader():
    """A sweep's master configuration and Hydra's config loader, as the sweeper has them."""
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        master = compose("config", overrides=["hydra.sweep.dir=/tmp/never_written"], return_hydra_config=True)
        yield GlobalHydra.instance().config_loader(), master


def test_a_job_composed_once_per_group_choice_is_the_one_hydra_composes(hydra_loader):
    loader, master = hydra_loader
    composer = SweepComposer(loader, master)
    for job in JOBS:
        ours, hydras = composer(job), loader.load_sweep_config(master, job)
        assert OmegaConf.to_container(ours, resolve=False) == OmegaConf.to_container(hydras, resolve=False), job
        assert OmegaConf.is_struct(ours) and not OmegaConf.is_readonly(ours.hydra)
        assert ours.hydra.job.override_dirname == hydras.hydra.job.override_dirname
    # 4 group choices x 3 replicates, then graz (3 jobs: values only), turin with a Hydra value, all
    assert len(composer.templates) == 4 + 1 + 1 + 1


def test_a_workers_compositions_outlive_hydras_plugin_scan_within_one_launch_only(hydra_loader):
    """Each share of jobs sets Hydra's globals (`Singleton.set_state`), which scans the plugins again and so
    executes the launcher's module anew: a launch's composer must survive that, and no other launch may use it."""
    from hydra.core.singleton import Singleton

    import hydra_plugins.cityregions_hydra.launcher as launcher

    loader, master = hydra_loader
    composer = launch_composer("launch-a", loader, master)
    before, defined = Singleton._instances, launcher.shares
    try:
        Singleton.set_state(Singleton.get_state())
        assert launcher.shares is not defined  # the scan did execute the module anew
        assert launch_composer("launch-a", loader, master) is composer
    finally:
        Singleton._instances = before
    other = launch_composer("launch-b", loader, master)
    assert other is not composer and launch_composer("launch-a", loader, master) is not composer


def test_a_value_that_is_not_in_the_configuration_is_refused_as_hydra_refuses_it(hydra_loader):
    from hydra.errors import ConfigCompositionException

    loader, master = hydra_loader
    job = ["region=graz", "scenario.no_such_key=1"]
    with pytest.raises(ConfigCompositionException) as ours:
        SweepComposer(loader, master)(job)
    with pytest.raises(ConfigCompositionException) as hydras:
        loader.load_sweep_config(master, job)
    assert str(ours.value) == str(hydras.value) and "scenario.no_such_key" in str(ours.value)


def test_the_sweeps_launcher_is_the_default_and_keeps_the_joblib_keys(hydra_loader):
    cfg = hydra_loader[1]
    assert cfg.hydra.launcher._target_.endswith("SharingLauncher")
    assert cfg.hydra.launcher.n_jobs == -1 and cfg.hydra.launcher.jobs_per_share is None
    assert [c.__name__ for c in SharingLauncher.__mro__[:3]] == ["SharingLauncher", "JoblibLauncher", "Launcher"]


def test_shares_of_jobs_give_the_tables_of_hydras_joblib_launcher(tmp_path):
    """Three shares of 3, 3 and 2 jobs on two workers against Hydra's joblib launcher, one job to a hand-over."""
    ours, r = run_sweep(tmp_path, "shares", *GRID, "hydra.launcher.jobs_per_share=3")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "8 jobs in 3 shares" in r.stdout + r.stderr
    hydras, r = run_sweep(tmp_path, "joblib", *GRID, "hydra/launcher=joblib")
    assert r.returncode == 0, r.stderr[-3000:]
    assert_same_jobs(ours, hydras)


def test_a_share_of_no_jobs_is_refused_before_anything_runs(tmp_path):
    out, r = run_sweep(tmp_path, "zero", *GRID, "hydra.launcher.jobs_per_share=0")
    assert r.returncode == 2, r.stderr[-2000:]
    assert "hydra.launcher.jobs_per_share=0 is not allowed; allowed: a whole number >= 1" in r.stderr
    assert "nothing was run" in r.stderr and not out.exists()
