"""The configuration: the typed, validated schema (every lever's unit, range and source) and its composition from
conf/ with Hydra, as the command line composes it (for region=all, each region with its own calibration)."""

from cityregions.config.compose import config_dir, load_config, override_error, to_run_config, with_regions
from cityregions.config.params import CooperationParams, FiscalParams, LandParams, ModelParams, TransportParams
from cityregions.config.regional import AllRegionsConfig, region_config
from cityregions.config.schema import (
    BARGAINING,
    COUNTRIES,
    EXTENTS,
    RATIFICATION,
    REGIONS,
    SCENARIOS,
    THEMES,
    ConfigError,
    RegionConfig,
    RunConfig,
    ScenarioConfig,
    Theme,
    TimelineConfig,
    fingerprint,
    parse_quarter,
    register_configs,
    schema_field,
    validate,
)

__all__ = [
    "BARGAINING", "COUNTRIES", "EXTENTS", "RATIFICATION", "REGIONS", "SCENARIOS", "THEMES", "AllRegionsConfig",
    "ConfigError", "CooperationParams",
    "FiscalParams", "LandParams", "ModelParams", "RegionConfig", "RunConfig", "ScenarioConfig", "Theme",
    "TimelineConfig", "TransportParams", "config_dir", "fingerprint", "load_config", "override_error",
    "parse_quarter", "region_config", "register_configs", "schema_field", "to_run_config", "validate", "with_regions"]
