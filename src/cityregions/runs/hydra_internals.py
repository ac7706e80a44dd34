"""The one place that reaches into Hydra's private modules, and why (hydra-core is pinned to 1.3.x in pyproject;
an upgrade is checked here first).

- `get_overrides_dirname` (hydra._internal.config_loader_impl) is how Hydra names a job from its overrides
  (`hydra.job.override_dirname`). A sweep job's key must be that exact string, so that a job finds its own
  finished directory again whatever launcher ran it; Hydra has no public function for it.
- `BasicSweeper` (hydra._internal.core_plugins.basic_sweeper) expands sweep overrides into jobs and is the sweeper
  every launcher is tested with; the planned sweeper (src/hydra_plugins) extends it. Hydra exports no public
  base class that does this.
"""

from hydra._internal.config_loader_impl import get_overrides_dirname
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

__all__ = ["BasicSweeper", "get_overrides_dirname"]
