"""The sweeps' launcher: Hydra's joblib launcher handing each worker a share of the jobs at once.

Hydra's joblib launcher sends every job to a worker on its own, with Hydra's context, the sweep's configuration
and the plugin registry pickled again for each, and composes each job's configuration from scratch. A region's
run takes 0.05-0.3 s, so those hand-overs, not the runs, were what a sweep of small regions spent its cores on.
This launcher sends shares of consecutive jobs (large ones first, single jobs at the end, so that no core idles
long while another finishes), pickles the context once per share, and composes the jobs that share their
config-group choices once per worker process (`cityregions.runs.hydra_internals.SweepComposer`, checked against
Hydra's own composition). Each job still runs through Hydra's `run_job`: its own directory, its own
`.hydra/` files, its own return value and failure, as with the joblib launcher. The workers are started, and
import what the jobs need, while the sweeper checks the swept values, rather than after.
"""

import logging
import math
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence  # noqa: UP035 (OmegaConf reads these annotations)

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, run_job, setup_globals
from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg
from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
from omegaconf import DictConfig, open_dict

log = logging.getLogger(__name__)


@dataclass
class SharingLauncherConf(JobLibLauncherConf):
    """The joblib launcher's keys (n_jobs, timeout, ...), and how many consecutive jobs a worker gets at once
    (null: shares that shrink as the jobs run out, `shares`)."""

    _target_: str = "hydra_plugins.cityregions_hydra.launcher.SharingLauncher"
    jobs_per_share: Optional[int] = None


ConfigStore.instance().store(group="hydra/launcher", name="cityregions", node=SharingLauncherConf,
                             provider="cityregions")


def shares(n_jobs: int, workers: int, per_share: Optional[int] = None) -> list[range]:
    """Consecutive ranges of job positions that cover 0..n_jobs-1 once: each `per_share` long, or by default
    shrinking as the jobs run out (guided self-scheduling, Polychronopoulos & Kuck 1987): each share is the jobs
    left divided by twice the workers, rounded up, so the first shares are large (few hand-overs) and the last
    are single jobs (no worker idles long while another finishes a large share)."""
    if per_share is not None and per_share < 1:
        raise ValueError(f"hydra.launcher.jobs_per_share={per_share} is not allowed; allowed: a whole number >= 1, "
                         "or null for shares that shrink as the jobs run out")
    out, start = [], 0
    while start < n_jobs:
        size = per_share or math.ceil((n_jobs - start) / (2 * max(1, workers)))
        out.append(range(start, min(start + size, n_jobs)))
        start += size
    return out


def run_share(launch_id: str, first_idx: int, job_overrides: Sequence[Sequence[str]], hydra_context: Any,
              config: DictConfig, task_function: Any, singleton_state: dict[Any, Any]) -> list[JobReturn]:
    """Run consecutive jobs in this worker process as the joblib launcher runs each one (`execute_job`)."""
    from cityregions.runs.hydra_internals import launch_composer

    setup_globals()
    Singleton.set_state(singleton_state)
    composer = launch_composer(launch_id, hydra_context.config_loader, config)
    returns = []
    for idx, overrides in enumerate(job_overrides, start=first_idx):
        sweep_config = composer(list(overrides))
        with open_dict(sweep_config):
            sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
            sweep_config.hydra.job.num = idx
        HydraConfig.instance().set_config(sweep_config)
        returns.append(run_job(hydra_context=hydra_context, config=sweep_config, task_function=task_function,
                               job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir"))
    return returns


def ready(modules: Sequence[str]) -> int:
    """Import the modules a job needs in this worker process (a worker's start-up); its process id."""
    import importlib
    import os

    for name in modules:
        importlib.import_module(name)
    return os.getpid()


class SharingLauncher(JoblibLauncher):
    """Hydra's joblib launcher (the same keys, the same loky workers) that hands out shares of jobs."""

    def __init__(self, jobs_per_share: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jobs_per_share = jobs_per_share
        self._starting: Any = None

    def _joblib_cfg(self) -> dict[str, Any]:
        joblib_cfg = dict(self.joblib)
        joblib_cfg["backend"] = "loky"  # as Hydra's joblib launcher: threads cannot run Hydra jobs side by side
        process_joblib_cfg(joblib_cfg)
        return joblib_cfg

    def setup(self, *, hydra_context: Any, task_function: Any, config: DictConfig) -> None:
        """Hydra's setup, then the workers' start (in the background: the same pool then runs the jobs)."""
        from joblib import Parallel, delayed
        from joblib.parallel import effective_n_jobs

        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)
        try:
            shares(1, 1, self.jobs_per_share)  # refuses a share size before anything is written
        except ValueError as e:
            print(f"cityregions sweep: invalid configuration: {e}; nothing was run", file=sys.stderr, flush=True)
            raise SystemExit(2) from None
        cfg = self._joblib_cfg()
        workers = effective_n_jobs(cfg.get("n_jobs", -1))
        if workers > 1:
            modules = [getattr(task_function, "__module__", None) or __name__, "cityregions.runs.runner"]
            self._starting = Parallel(**cfg, return_as="generator_unordered")(
                delayed(ready)(modules) for _ in range(workers))

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from joblib import Parallel, delayed
        from joblib.parallel import effective_n_jobs

        setup_globals()
        assert self.config is not None and self.task_function is not None and self.hydra_context is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        joblib_cfg = self._joblib_cfg()
        if self._starting is not None:  # one call on the pool at a time: the start-up has finished first
            list(self._starting)
            self._starting = None
        parts = shares(len(job_overrides), effective_n_jobs(joblib_cfg.get("n_jobs", -1)), self.jobs_per_share)
        log.info(f"Joblib.Parallel({','.join(f'{k}={v}' for k, v in joblib_cfg.items())}) is launching "
                 f"{len(job_overrides)} jobs in {len(parts)} shares")
        for idx, overrides in enumerate(job_overrides):
            log.info(f"\t#{initial_job_idx + idx} : {' '.join(filter_overrides(overrides))}")
        launch_id, state = uuid.uuid4().hex, Singleton.get_state()
        results = Parallel(**joblib_cfg)(
            delayed(run_share)(launch_id, initial_job_idx + part.start, [job_overrides[i] for i in part],
                               self.hydra_context, self.config, self.task_function, state)
            for part in parts)
        runs = [r for share in results for r in share]
        assert len(runs) == len(job_overrides) and all(isinstance(r, JobReturn) for r in runs)
        return runs
