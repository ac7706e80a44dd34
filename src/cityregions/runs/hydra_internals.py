"""The one place that reaches into Hydra's private modules, and why (hydra-core is pinned to 1.3.x in pyproject;
an upgrade is checked here first).

- `get_overrides_dirname` (hydra._internal.config_loader_impl) is how Hydra names a job from its overrides
  (`hydra.job.override_dirname`). A sweep job's key must be that exact string, so that a job finds its own
  finished directory again whatever launcher ran it; Hydra has no public function for it.
- `BasicSweeper` (hydra._internal.core_plugins.basic_sweeper) expands sweep overrides into jobs and is the sweeper
  every launcher is tested with; the planned sweeper (src/hydra_plugins) extends it. Hydra exports no public
  base class that does this.
- `Hydra.compose_config` (hydra._internal.hydra) composes the configuration of every run and sweep from all its
  sources (command line, experiment files, `-cd`/`-cp` directories) before Hydra builds its callbacks, logging,
  launcher and sweeper from it: the one point where a configuration can be refused before anything is built.
- `ConfigLoaderImpl._apply_overrides_to_config` is the step of Hydra's composition that sets the plain values of
  the command line (not the config-group choices) on a composed configuration. `SweepComposer` composes a sweep's
  jobs that share their group choices once and applies each job's values with this same function, so that
  a job's configuration is the one Hydra's `load_sweep_config` would give it (tests/test_launcher.py compares
  them key by key) at a fraction of the cost.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra._internal.hydra import Hydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf, open_dict

__all__ = ["SweepComposer", "check_compositions", "get_overrides_dirname", "launch_composer"]  # and BasicSweeper


def __getattr__(name: str) -> Any:
    """BasicSweeper, imported when first asked for: Hydra's plugin scan imports its core plugins anew, so a copy
    imported before the scan (this module is imported by the command before Hydra starts) would be another class
    than the one Hydra registers."""
    if name == "BasicSweeper":
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

        return BasicSweeper
    raise AttributeError(name)


def check_compositions(check: Callable[[DictConfig, bool], None],
                       failed: Callable[[Exception], None] | None = None) -> None:
    """Have every configuration Hydra composes for a run or a sweep pass `check(cfg, multirun)` (which raises or
    exits to refuse it) before Hydra builds or creates anything from it, and hand a composition that fails (an
    override that cannot be merged) to `failed` (which reports it and exits); installed once per process."""
    from hydra.errors import HydraException
    from hydra.types import RunMode
    from omegaconf.errors import OmegaConfBaseException

    original = getattr(Hydra.compose_config, "original", Hydra.compose_config)

    def compose_config(self: Hydra, config_name: str | None, overrides: list[str], run_mode: RunMode,
                       *args: Any, **kwargs: Any) -> DictConfig:
        try:
            cfg = original(self, config_name, overrides, run_mode, *args, **kwargs)
        except (HydraException, OmegaConfBaseException) as e:
            if failed is None:
                raise
            failed(e)
            raise
        check(cfg, run_mode == RunMode.MULTIRUN)
        return cfg

    compose_config.original = original  # type: ignore[attr-defined]
    Hydra.compose_config = compose_config  # type: ignore[method-assign]


class SweepComposer:
    """A sweep job's configuration, as Hydra's `load_sweep_config(master, overrides)` composes it, composed once
    per set of config-group choices.

    Hydra composes every job anew (about 0.1 s: the defaults tree, each YAML file, the merges), although the jobs
    of a sweep mostly differ in plain values (`replicate=3`). Hydra's composition is two steps: the defaults list
    and its merged configs depend only on the group overrides (`region=graz`, `+experiment=...`); the plain
    values are then set on the result in command-line order. So the first step is done once per distinct set of
    group overrides (by Hydra itself, with the job's group overrides only) and the second per job, by Hydra's own
    function; the fields Hydra derives from the whole command line (`hydra.overrides`, the job's
    `override_dirname`) are derived again. Any `hydra.*` value counts as a group override here (it may move the
    search path or the environment), so such jobs are composed whole.
    """

    def __init__(self, loader: Any, master: DictConfig) -> None:
        self.loader, self.master = loader, master
        self.parser = OverridesParser.create()
        self.sweep_hydra = self.parser.parse_overrides(list(OmegaConf.to_container(master.hydra.overrides.hydra)))
        self.templates: dict[tuple[str, ...], DictConfig] = {}

    def _structural(self, override: Override) -> bool:
        return override.is_hydra_override() or self.loader.repository.group_exists(override.key_or_group)

    def __call__(self, overrides: list[str]) -> DictConfig:
        job = self.parser.parse_overrides(list(overrides))
        structural = [self._structural(o) for o in job]
        groups = tuple(o.input_line for o, s in zip(job, structural, strict=True) if s)
        template = self.templates.get(groups)
        if template is None:
            template = self.templates[groups] = self.loader.load_sweep_config(self.master, list(groups))
        cfg = copy.deepcopy(template)
        ConfigLoaderImpl._apply_overrides_to_config([o for o, s in zip(job, structural, strict=True) if not s], cfg)
        every = self.sweep_hydra + job  # as load_sweep_config orders them: the sweep's Hydra overrides first
        task = [o for o in every if not o.is_hydra_override()]
        dirname = cfg.hydra.job.config.override_dirname
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.hydra = [o.input_line for o in every if o.is_hydra_override()]
            cfg.hydra.overrides.task = [o.input_line for o in task]
            cfg.hydra.job.override_dirname = get_overrides_dirname(
                overrides=task, kv_sep=dirname.kv_sep, item_sep=dirname.item_sep, exclude_keys=dirname.exclude_keys)
        OmegaConf.copy_cache(from_config=self.master, to_config=cfg)
        return cfg


_launch_composers: dict[str, SweepComposer] = {}


def launch_composer(launch_id: str, loader: Any, master: DictConfig) -> SweepComposer:
    """This process's composer for one launch of a sweep (a worker's, reused by every share of jobs it gets), and
    none kept of another launch: compositions are reused within a launch only.

    Kept here rather than in the launcher's module: `Singleton.set_state`, which every task calls, has Hydra scan
    its plugins again, and that scan executes every `hydra_plugins` module anew, resetting their globals.
    """
    composer = _launch_composers.get(launch_id)
    if composer is None:
        _launch_composers.clear()
        composer = _launch_composers[launch_id] = SweepComposer(loader, master)
    return composer
