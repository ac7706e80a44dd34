"""cityregions: an agent-based model of inter-municipal cooperation in the five CITY REGIONS partnerships.

The public face: build a model with :func:`build_model` (or :class:`CityRegionModel` directly), run a whole
configuration with :func:`run_scenario` (its configuration from :func:`load_config`, composed as the command
line composes it), run a whole sweep as the command line does and get its tables with :func:`sweep`, and read
a region's sourced facts with :func:`load_region`.
"""

__version__ = "0.1.0"

from importlib import import_module  # noqa: E402
from typing import Any  # noqa: E402

from cityregions.config import ConfigError, RunConfig, load_config  # noqa: E402

# The model (Mesa, scipy, networkx) loads on first use, so that a sweep's driver process, which only checks
# configurations and hands jobs to workers, starts in half the time.
_LAZY = {"CityRegionModel": "cityregions.model.model", "build_model": "cityregions.model.model",
         "load_region": "cityregions.world.facts", "run_scenario": "cityregions.runs.runner",
         "sweep": "cityregions.runs.api"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cityregions' has no attribute {name!r}")


__all__ = ["CityRegionModel", "ConfigError", "RunConfig", "build_model", "load_config", "load_region", "run_scenario",
           "sweep"]
