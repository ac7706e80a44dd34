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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hydra._internal.config_loader_impl import get_overrides_dirname
from hydra._internal.hydra import Hydra
from omegaconf import DictConfig

__all__ = ["check_compositions", "get_overrides_dirname"]  # and BasicSweeper, imported lazily


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
