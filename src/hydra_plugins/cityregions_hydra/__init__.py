"""Hydra plugins of cityregions: the experiments on the search path, and a sweeper that plans and tallies.

Hydra discovers plugins in the ``hydra_plugins`` namespace package. Both classes stay thin: the search path
plugin only adds ``experiments/`` (so ``+experiment=<name>`` works from any working directory and from an
installed wheel), and the sweeper is Hydra's basic sweeper plus three things a long sweep needs: it writes
the plan of every job before launching (so missing jobs can be named later), it lets a failed job fail
alone instead of ending the sweep, and it prints the tally at the end. The bookkeeping lives in
``cityregions.runs.sweep``, imported only when a sweep runs.
"""

import logging
import os
import sys
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Dict, Optional  # noqa: UP035 (OmegaConf reads these annotations at runtime)

from hydra.core.config_search_path import ConfigSearchPath
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobStatus
from hydra.errors import HydraException
from hydra.plugins.search_path_plugin import SearchPathPlugin
from omegaconf import DictConfig, ListConfig, OmegaConf

from cityregions.runs.hydra_internals import BasicSweeper

log = logging.getLogger(__name__)


def _project_dir(name: str) -> Optional[Path]:
    """`name` beside the source tree (editable install) or inside the installed package (wheel)."""
    spec = find_spec("cityregions")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations))).resolve()
    for candidate in (package.parents[1] / name, package / name):
        if candidate.is_dir():
            return candidate
    return None


class CityRegionsSearchPathPlugin(SearchPathPlugin):
    """Put cityregions' experiments/ on the search path of cityregions' own config (and of no other app)."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        conf, experiments = _project_dir("conf"), _project_dir("experiments")
        if conf is None or experiments is None:
            return
        ours = any(e.path is not None and e.path.rstrip("/").endswith(str(conf)) for e in search_path.get_path())
        if ours:
            search_path.append(provider="cityregions-experiments", path=f"file://{experiments}")


@dataclass
class PlannedSweeperConf:
    """Config of the planned sweeper (the same keys as Hydra's basic sweeper)."""

    _target_: str = "hydra_plugins.cityregions_hydra.PlannedSweeper"
    max_batch_size: Optional[int] = None
    params: Optional[Dict[str, str]] = None  # noqa: UP006
    # a SALib design (cityregions.analysis.sensitivity): method, params {key: [low, high]}, n, seed, levels, digits
    sample: Optional[Dict[str, Any]] = None  # noqa: UP006


ConfigStore.instance().store(group="hydra/sweeper", name="cityregions", node=PlannedSweeperConf,
                             provider="cityregions")


def foreign_targets(node: Any, path: str, top: bool = True) -> list[str]:
    """Keys below a plugin's own config that would make Hydra's recursive instantiate call something: `_target_`
    (other than the plugin's own, at the top) and logging's `()` factories."""
    found = []
    if isinstance(node, DictConfig):
        for k in node.keys():
            key = f"{path}.{k}"
            if (k == "_target_" and not top) or k == "()":
                found.append(key)
            found += foreign_targets(node._get_node(k), key, top=False)
    elif isinstance(node, ListConfig):
        for i in range(len(node)):
            found += foreign_targets(node._get_node(i), f"{path}[{i}]", top=False)
    return found


class PlannedSweeper(BasicSweeper):
    """Hydra's basic grid sweeper that checks and plans every job first and lets failed jobs fail alone; with
    `sample`, every grid job is crossed with the points of a SALib design (sensitivity analysis)."""

    def __init__(self, max_batch_size: Optional[int] = None, params: Optional[Dict[str, str]] = None,  # noqa: UP006
                 sample: Optional[Dict[str, Any]] = None) -> None:  # noqa: UP006
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.sample = OmegaConf.to_container(sample) if isinstance(sample, DictConfig) else sample

    def setup(self, *, hydra_context: Any, task_function: Any, config: DictConfig) -> None:
        """Refuse configs that would have Hydra instantiate anything but its plugins, before the launcher exists.

        Hydra instantiates the launcher from `hydra.launcher` recursively: a nested `_target_` (say in a Ray
        launcher's `init`) would call whatever it names. Configs are data; nothing in them is executed.
        """
        found = [k for part in ("launcher", "sweeper") for k in foreign_targets(config.hydra[part], f"hydra.{part}")]
        if found:
            print(f"cityregions sweep: refused: {', '.join(found)}: configurations are data, and nothing named in "
                  "them is called (only Hydra's own launcher and sweeper plugins are instantiated)",
                  file=sys.stderr, flush=True)
            raise SystemExit(2)
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def validate_jobs(self, jobs: list[list[str]]) -> None:
        """Check every swept value before any job runs: a bad value stops the sweep at once (exit 2).

        Composing a config costs Hydra about 0.1 s, so instead of every job (Hydra's own check) this composes
        the first job and, for each swept key, the first job with each of the key's other values: every value
        is checked, in 1 + sum(n_values - 1) compositions (those that differ in plain values only share their
        group choices' composition, as in the launcher). A combination that is invalid only together is
        still refused by its own job, which records the failure like any other.
        """
        from omegaconf import open_dict

        from cityregions.config import ConfigError, to_run_config
        from cityregions.config.data_only import code_in
        from cityregions.runs.hydra_internals import SweepComposer

        assert self.hydra_context is not None and self.config is not None
        compose = SweepComposer(self.hydra_context.config_loader, self.config)
        screen = {tuple(jobs[0]): None}
        for i in range(len(jobs[0])):
            for job in jobs:
                screen.setdefault((*jobs[0][:i], job[i], *jobs[0][i + 1:]), None)
        bad = []
        for job in screen:
            cfg = compose(list(job))
            code = code_in(cfg)  # a swept value may name code too: refused before any job runs
            if code:
                bad.append(f"  {' '.join(job)}\n    refused: nothing named in a configuration is called: "
                           + "; ".join(code))
                continue
            with open_dict(cfg):
                del cfg["hydra"]
            try:
                to_run_config(cfg)
            except ConfigError as e:
                bad.append(f"  {' '.join(job)}\n    {e}")
        if bad:
            print("cityregions sweep: invalid configuration; nothing was run:\n"
                  + "\n".join(bad[:10]) + (f"\n  ... and {len(bad) - 10} more" if len(bad) > 10 else ""),
                  file=sys.stderr, flush=True)
            raise SystemExit(2)

    def design_jobs(self, grid: list[list[str]]) -> tuple[list[list[str]], Any]:
        """Every grid job crossed with every point of the sampling design (a point repeated in the design runs
        once); a bad design stops the sweep before anything runs (exit 2)."""
        from cityregions.analysis.sensitivity import Design
        from cityregions.config import ConfigError

        try:
            design = Design.from_mapping(self.sample)
            x = design.matrix()
        except ConfigError as e:
            print(f"cityregions sweep: invalid configuration: {e}; nothing was run", file=sys.stderr, flush=True)
            raise SystemExit(2) from None
        jobs = {tuple(job) + tuple(design.overrides(row)): None for job in grid for row in x}
        self.overrides = [[list(job) for job in jobs]]
        if self.max_batch_size:
            self.overrides = list(self.split_overrides_to_chunks(self.overrides[0], self.max_batch_size))
        log.info(f"cityregions sweep: {design.method} design of {len(x)} points ({len(set(map(tuple, x)))} distinct)"
                 f" x {len(grid)} grid jobs")
        return [list(job) for job in jobs], (design, x)

    def sweep(self, arguments: list[str]) -> Any:
        from cityregions.runs import sweep as bookkeeping

        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        self.overrides = self.split_arguments(parser.parse_overrides([*self._parse_config(), *arguments]),
                                              self.max_batch_size)
        jobs = [list(job) for batch in self.overrides for job in batch]
        design = None
        if self.sample:  # the design's values are checked against the schema's ranges: screen the grid only
            grid = jobs
            jobs, design = self.design_jobs(grid)
            self.validate_jobs([job + design[0].overrides(design[1][0]) for job in grid])
        else:
            self.validate_jobs(jobs)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        try:
            sweep_dir.mkdir(parents=True, exist_ok=True)
            OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
            if design is not None:
                from cityregions.analysis.sensitivity import DESIGN
                from cityregions.runs.results import atomic_write

                text = design[0].to_json(design[1])
                atomic_write(sweep_dir / DESIGN, lambda p: p.write_text(text, encoding="utf-8"))
        except OSError as e:  # read-only, full, or not a directory: say so before any job starts
            print(f"cityregions sweep: cannot write the sweep directory {sweep_dir}: {e.strerror or e}; "
                  "nothing was run", file=sys.stderr, flush=True)
            raise SystemExit(2) from None
        self._lock = bookkeeping.hold_lock(sweep_dir)  # held until this process ends
        if self._lock is None:
            print(f"cityregions sweep: another sweep is running in {sweep_dir}; nothing was run (wait for it to "
                  "finish, then run again: finished jobs are skipped; or choose another hydra.sweep.dir)",
                  file=sys.stderr, flush=True)
            raise SystemExit(2)
        dirname = self.config.hydra.job.config.override_dirname
        exclude = list(dirname.exclude_keys)

        def key(job: list[str]) -> str:
            return bookkeeping.job_key(parser.parse_overrides(job), exclude, dirname.item_sep, dirname.kv_sep)

        try:
            plan = bookkeeping.write_plan(sweep_dir, jobs, key, exclude_keys=exclude)
        except ValueError as e:
            raise HydraException(str(e)) from None
        log.info(bookkeeping.plan_line(plan))
        if OmegaConf.to_container(self.config.hydra.sweep, resolve=False).get("subdir") == bookkeeping.KEY_SUBDIR:
            # a key that is no safe directory name (a file path in an override) names a directory it cannot leave
            self.overrides = [[job + bookkeeping.job_dir_overrides(key(job)) for job in batch]
                              for batch in self.overrides]

        os.environ.setdefault("RAY_DEDUP_LOGS", "0")  # Ray would fold the progress lines of its workers
        returns, failed, index = [], [], 0
        while not self.is_done():
            batch = self.get_job_batch()
            try:
                results = self.launcher.launch(batch, initial_job_idx=index)
            except Exception as e:  # the launcher itself failed, e.g. a Ray worker died: no job's own error
                print(bookkeeping.final_line(sweep_dir, plan), flush=True)
                print(f"cityregions sweep: the launcher stopped: {type(e).__name__}: {str(e).splitlines()[0]}\n"
                      "Finished jobs are kept; a job that was cut off has no manifest and counts as not finished. "
                      f"`cityregions status {sweep_dir}` lists them; re-running the same command runs only the jobs "
                      "that are not complete.", file=sys.stderr, flush=True)
                raise SystemExit(1) from None
            failed += [[o for o in job if not o.startswith(f"{bookkeeping.SUBDIR}=")]
                       for job, r in zip(batch, results, strict=True) if r.status == JobStatus.FAILED]
            index += len(batch)
            returns.append(results)
        print(bookkeeping.final_line(sweep_dir, plan), flush=True)
        if failed:
            # exit like a failed command, without a traceback: each job's own error.json holds its traceback
            print(f"cityregions sweep: {len(failed)} of {len(jobs)} jobs failed (first: {' '.join(failed[0])}); "
                  f"each failure is recorded in its job's error.json and the other jobs completed. "
                  f"`cityregions status {sweep_dir}` lists them; re-running the same command runs only the jobs "
                  "that are not complete.", file=sys.stderr, flush=True)
            raise SystemExit(1)
        return returns
