"""region=all: five regions in one run, each with the configuration it has when it runs alone.

A single region's configuration is composed with its calibration (`conf/calibration/<region>.yaml`, the
`optional calibration: ${region}` default of conf/config.yaml), which sits between the scenario's defaults and
the command line's overrides. `region=all` has no calibration of its own, so composing it once cannot say what
each region runs with: that takes each region's own composition from the same overrides (compose.py does it,
where the overrides are known). Its outcome is recorded here as typed data: for each region, the values in which
the region's own configuration differs from the run's (its calibrated parameters, unless the user set them).
The runner applies them and config.yaml keeps them, so a rerun needs config.yaml alone and a change of a
calibration file changes the configuration's digest.

A plain `RunConfig` with region 'all' (built in Python, not composed) runs every region with its own values,
uncalibrated: calibration belongs to composition, as it does for a single region.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cityregions.config.schema import REGIONS, ConfigError, RunConfig, validate

ALL = "all"
NAME_KEY = "region.name"  # differs between the run ('all') and each region by definition: the runner sets it


@dataclass
class AllRegionsConfig(RunConfig):
    """A composed `region=all` configuration: the run's values, and each region's own where they differ."""

    per_region: dict[str, dict[str, Any]] = field(default_factory=dict, metadata={
        "lo": None, "hi": None, "unit": "", "src": "conf/calibration/<region>.yaml", "choices": None,
        "doc": "region=all only, written by composition: for each region, the dotted keys and values in which "
               "`region=<region>` with the same overrides differs from this configuration (its calibration)"})


def leaves(cfg: Any, prefix: str = "") -> dict[str, Any]:
    """Every value of a config dataclass by dotted key (lists and other non-dataclass values are leaves)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            out.update(leaves(value, key + "."))
        else:
            out[key] = value
    return out


def differences(run: RunConfig, own: RunConfig) -> dict[str, Any]:
    """The dotted keys and values in which a region's own configuration differs from the run's (name aside)."""
    base = leaves(run)
    mine = {k: v for k, v in leaves(own).items() if k in base}  # RunConfig's fields: not per_region
    return {k: copy.deepcopy(v) for k, v in mine.items() if k != NAME_KEY and v != base[k]}


def _with(obj: Any, parts: list[str], value: Any, key: str, where: str = "per_region: ") -> Any:
    """`obj` with the field at the dotted path replaced (nested dataclasses are copied, not changed)."""
    if not dataclasses.is_dataclass(obj) or parts[0] not in {f.name for f in dataclasses.fields(obj)}:
        raise ConfigError(f"{where}{key} is not a key of the configuration")
    if len(parts) == 1:
        return dataclasses.replace(obj, **{parts[0]: copy.deepcopy(value)})
    return dataclasses.replace(obj, **{parts[0]: _with(getattr(obj, parts[0]), parts[1:], value, key, where)})


def with_value(cfg: RunConfig, key: str, value: Any) -> RunConfig:
    """The configuration with the value at a dotted key replaced (unchecked: validate the result)."""
    return _with(cfg, key.split("."), value, key, "")


def plain(cfg: RunConfig) -> RunConfig:
    """The RunConfig fields of a configuration, without per-region values."""
    return RunConfig(**{f.name: getattr(cfg, f.name) for f in dataclasses.fields(RunConfig)})


def region_config(cfg: RunConfig, region: str) -> RunConfig:
    """The configuration one region of a run runs with: for region=all, the run's with the region's name and its
    own values (what `region=<region>` with the same overrides composes); otherwise the run's, unchanged."""
    if cfg.region.name != ALL:
        return cfg
    if region not in REGIONS:
        raise ConfigError(f"region={region!r} is not one of region=all's; allowed: {', '.join(REGIONS)}")
    own = _with(plain(cfg), NAME_KEY.split("."), region, NAME_KEY)
    for key, value in getattr(cfg, "per_region", {}).get(region, {}).items():
        if key == NAME_KEY:
            raise ConfigError(f"per_region.{region}: {NAME_KEY} is the region's own; it cannot be set")
        own = _with(own, key.split("."), value, key)
    try:
        return validate(own)
    except ConfigError as e:
        raise ConfigError(f"per_region.{region}: {e}") from None


def all_regions(run: RunConfig, own: Mapping[str, RunConfig]) -> AllRegionsConfig:
    """The region=all configuration that runs each region as `own` (its composition alone) configures it."""
    if run.region.name != ALL:
        raise ConfigError(f"region={run.region.name!r}: per-region values belong to region=all only")
    if set(own) != set(REGIONS) or any(c.region.name != r for r, c in own.items()):
        raise ConfigError(f"region=all needs one configuration of each region ({', '.join(REGIONS)}), named by it; "
                          f"got {', '.join(f'{r}: {c.region.name}' for r, c in own.items()) or 'none'}")
    return with_per_region(run, {r: differences(run, own[r]) for r in REGIONS})


def with_per_region(run: RunConfig, per_region: Mapping[str, Mapping[str, Any]] | None) -> RunConfig:
    """A configuration with recorded per-region values (as config.yaml holds them), each region's checked; with
    none, the run's plain configuration."""
    if per_region is None:
        return plain(run)
    if run.region.name != ALL:
        raise ConfigError(f"per_region with region={run.region.name!r}: per-region values belong to region=all only")
    unknown = sorted(set(per_region) - set(REGIONS))
    if unknown:
        raise ConfigError(f"per_region.{unknown[0]}: not a region of region=all; allowed: {', '.join(REGIONS)}")
    cfg = AllRegionsConfig(**{f.name: getattr(run, f.name) for f in dataclasses.fields(RunConfig)},
                           per_region={r: dict(per_region.get(r, {})) for r in REGIONS})
    for r in REGIONS:
        region_config(cfg, r)  # every key exists and every value is in range
    return validate(cfg)
