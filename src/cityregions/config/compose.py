"""Composing a configuration as the command line does: Hydra reads conf/ and the overrides, and the result is
converted once into the validated schema (`RunConfig`). An override the schema refuses is reported in one line,
naming the key, the value and what is allowed, before Hydra composes anything. For region=all, each region is
composed too, from the same overrides, so that it runs with its own calibration (see regional.py). Threads take
turns to compose (Hydra's state is global)."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from cityregions.config.regional import ALL, all_regions
from cityregions.config.schema import REGIONS, ConfigError, RunConfig, register_configs, validate

# Hydra composes through one global state per process: two threads composing at once (two browser sessions of the
# classroom page opening together) would each find it already initialised by the other, so they take turns.
COMPOSING = threading.RLock()


def config_dir() -> str:
    """conf/ of a source checkout (editable install), else the copy packaged in the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[2] / "conf", here.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return str(candidate)
    raise FileNotFoundError("cityregions: no conf/config.yaml found beside the package")


def to_run_config(cfg: DictConfig) -> RunConfig:
    """Convert Hydra's composed config into the validated schema."""
    try:
        obj = OmegaConf.to_object(cfg)
    except OmegaConfBaseException as e:
        message = str(e).split("\n    full_key")[0]
        raise ConfigError(f"{e.full_key}: {message}" if getattr(e, "full_key", None) else message) from None
    return validate(obj)


PLAIN_VALUE = re.compile(r"[\w./+\-@:%]+")  # a value Hydra's override grammar reads as written, unquoted


def override_value(value: Any) -> str:
    """A value as Hydra's override grammar reads it back: null, true/false, text as written where the grammar reads
    it so (a number, a name, a path), else quoted."""
    from hydra.core.override_parser.types import Quote, QuotedString

    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)
    return text if PLAIN_VALUE.fullmatch(text) else QuotedString(text, Quote.single).with_quotes()


def override_error(args: list[str]) -> str | None:
    """The first command-line override the schema refuses (a wrong type, an unknown key or group choice) in one
    line, before Hydra composes (its own report is several lines, status 1); None if Hydra should judge."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf.errors import ConfigKeyError, ValidationError

    parser = OverridesParser.create()
    overrides = []
    for a in args:
        if a.startswith("-") or not ("=" in a or a.startswith("~")):
            continue
        try:
            overrides += parser.parse_overrides([a])  # one at a time, so that a grammar error names its argument
        except HydraException as e:
            why = next((line.strip() for line in str(e).splitlines() if line.strip() and "hydra.cc" not in line), "")
            return (f"{a!r} cannot be read as an override ({why}); allowed: key=value, +key=value or ~key, with a "
                    "value holding spaces or any of = , ( ) [ ] { } in single quotes")
    schema = OmegaConf.structured(RunConfig)
    for o in overrides:
        key = o.key_or_group
        if key.startswith("hydra") or o.is_delete() or o.package is not None:
            continue
        try:
            node = OmegaConf.select(schema, key, throw_on_missing=False)
        except OmegaConfBaseException:
            continue
        group = (Path(config_dir()) / key).is_dir() and "." not in key
        if node is None and not _in_schema(schema, key) and not group:
            if o.is_add() or key.split(".")[0] == "experiment":
                continue  # +key=... and experiments: Hydra's defaults list decides
            return _unknown(schema, key)
        if group:  # a config group choice (region=graz, calibration=graz)
            options = sorted(p.stem for p in (Path(config_dir()) / key).glob("*.yaml"))
            chosen = list(o.sweep_iterator()) if o.is_sweep_override() and not o.is_interval_sweep() else [o.value()]
            for value in chosen:
                if options and str(value) not in options:
                    return f"{key}={value}: no such {key}; allowed: {', '.join(options)}"
            continue
        values = list(o.sweep_iterator()) if o.is_sweep_override() and not o.is_interval_sweep() else [o.value()]
        for value in values:
            try:
                OmegaConf.update(schema.copy(), key, value, merge=True)
            except ValidationError as e:
                shown = str(value) if o.is_sweep_override() else o.get_value_element_as_str()
                hint = (f"; to run each of them, sweep: --multirun {key}={','.join(map(str, value))}"
                        if isinstance(value, list) else "")
                return f"{key}={shown}: {str(e).splitlines()[0]}{hint}"
            except (ConfigKeyError, OmegaConfBaseException):
                break
    return None


def _in_schema(schema: DictConfig, key: str) -> bool:
    """Whether a dotted key names a field of the schema."""
    *parents, leaf = key.split(".")
    node = OmegaConf.select(schema, ".".join(parents), throw_on_missing=False) if parents else schema
    return OmegaConf.is_config(node) and leaf in node


def _unknown(schema: DictConfig, key: str) -> str:
    """An unknown key, with the keys allowed where it was meant (the closest first)."""
    import difflib

    *parents, leaf = key.split(".")
    node, known = schema, []
    for i, part in enumerate(parents):
        if not (OmegaConf.is_config(node) and part in node and OmegaConf.is_config(node[part])):
            leaf = ".".join(parents[i:] + [leaf])
            parents = parents[:i]
            break
        node = node[part]
    known = [str(k) for k in node]
    close = difflib.get_close_matches(leaf, known, n=3, cutoff=0.6)
    where = ".".join(parents) or "the top level"
    hint = f"did you mean {', '.join(close)}? " if close else ""
    return f"{key}: no such key; {hint}allowed at {where}: {', '.join(known)}"


def _without_choice(overrides: Sequence[str], group: str) -> list[str]:
    """The overrides without the choice of a group (`region=all` or `region.name=all`; `region.extent=...` and
    the like stay)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    return [o for o in overrides if parser.parse_override(o).key_or_group not in (group, f"{group}.name")]


def _compose(overrides: list[str]) -> RunConfig:
    """The validated configuration of the overrides, composed by the Hydra already initialised with conf/ (in
    load_config or the command line's task), else by one initialised for the purpose."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    with COMPOSING:
        if GlobalHydra.instance().is_initialized():
            return to_run_config(compose("config", overrides=overrides))
        with initialize_config_dir(config_dir(), version_base="1.3"):
            return to_run_config(compose("config", overrides=overrides))


def with_regions(cfg: RunConfig, overrides: Sequence[str]) -> RunConfig:
    """The configuration composed from `overrides`, with each region's own values if it is region=all.

    Each region is composed from the same overrides with `region=<region>`, exactly as it would be alone: the
    scenario's defaults, then its calibration (unless `calibration=...` chose another or none), then the overrides.
    Only the composing side knows which values an override set, so this is done here and recorded in the
    configuration (regional.AllRegionsConfig), not left to the runner. Any other region: `cfg` unchanged.
    """
    if cfg.region.name != ALL:
        return cfg
    rest = _without_choice(overrides, "region")
    return all_regions(cfg, {r: _compose([*rest, f"region={r}"]) for r in REGIONS})


def with_scenario(overrides: Sequence[str], scenario: str) -> RunConfig:
    """The configuration the overrides compose with `scenario=<scenario>` in place of their own choice (the
    scenario's levers set by the overrides, `scenario.<key>=...`, stay): each scenario of a batch, composed once."""
    return _compose([*_without_choice(overrides, "scenario"), f"scenario={scenario}"])


def load_config(overrides: list[str] | tuple[str, ...] = ()) -> RunConfig:
    """The validated configuration that `cityregions <overrides>` would run (for notebooks and the page)."""
    from hydra import compose, initialize_config_dir

    register_configs()
    wrong = override_error(list(overrides))
    if wrong:
        raise ConfigError(wrong)
    with COMPOSING, initialize_config_dir(config_dir(), version_base="1.3"):
        return with_regions(to_run_config(compose("config", overrides=list(overrides))), overrides)
