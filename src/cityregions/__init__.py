"""cityregions: an agent-based model of inter-municipal cooperation in the five CITY REGIONS partnerships.

The public face: build a model with :func:`build_model` (or :class:`CityRegionModel` directly), run a whole
configuration with :func:`run_scenario`, and read a region's sourced facts with :func:`load_region`.
"""

__version__ = "0.1.0"

from cityregions.config import ConfigError, RunConfig  # noqa: E402
from cityregions.data import load_region  # noqa: E402
from cityregions.model import CityRegionModel, build_model  # noqa: E402
from cityregions.runner import run_scenario  # noqa: E402

__all__ = ["CityRegionModel", "ConfigError", "RunConfig", "build_model", "load_region", "run_scenario"]
