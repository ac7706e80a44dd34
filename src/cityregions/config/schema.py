"""Typed configuration schema: every lever and parameter, with its unit, range and source, written once.

Hydra composes YAML from ``conf/`` into these dataclasses (registered in the ConfigStore, so a misspelt key
or a wrong type fails before any model code runs); :func:`validate` then checks every value against the
range declared in the field's metadata and names the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import typing
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Optional

from cityregions.config.fields import p
from cityregions.config.params import ModelParams

REGIONS = ("leipzig", "graz", "wroclaw", "prague", "turin")
COUNTRIES = ("DE", "AT", "PL", "CZ", "IT")  # the countries of the five regions, whose FUAs region=fua runs
EXTENTS = ("partner", "fua", "district", "rank_size")
SCENARIOS = ("no_cooperation", "city_regions", "land_compact", "transport_alliance", "integrated")
BARGAINING = ("nash", "fixed")  # how an agreement's sharing key is set: bargained within bounds, or the scenario's
RATIFICATION = ("core_and_quorum", "double_majority", "unanimity")  # rules.ratification


class Theme(StrEnum):
    """The two themes of the CITY REGIONS pilots."""

    LAND = "land"  # land compact: pooled commercial land, shared business tax, brownfield first
    TRANSPORT = "transport"  # transport association: integrated tariff, co-financed service


THEMES = tuple(t.value for t in Theme)
PILOT_CHOICES = ("region", "none", "land", "transport", "land+transport")
QUARTER_RE = re.compile(r"^([0-9]{4})Q([1-4])\Z")  # ASCII digits; no trailing newline


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key, the value and what is allowed."""


def fingerprint(obj: Any) -> bytes:
    """SHA-256 of a config dataclass's values (key order fixed), for seeds and for recognising a configuration."""
    return hashlib.sha256(json.dumps(dataclasses.asdict(obj), sort_keys=True).encode()).digest()




@dataclass
class RegionConfig:
    """Which region to simulate, and how its synthetic detail is drawn."""

    name: str = p("leipzig", choices=(*REGIONS, "all", "synthetic", "fua"),
                  doc="region to simulate; 'all' runs the five; 'synthetic' a region of any size; 'fua' any "
                      "functional urban area of DE, AT, PL, CZ, IT (region.fua_id)")
    extent: str = p("partner", choices=EXTENTS,
                    doc="which municipalities of a CITY REGIONS region: partner (the partnership's area), fua "
                        "(the core's functional urban area), district (the districts around the core), rank_size "
                        "(invented municipalities from the region's sourced totals)")
    fua_id: Optional[str] = p(None, doc="region=fua only: the Eurostat FUA code, e.g. DE008L2 (Leipzig); "
                                        "`cityregions fuas` lists them")
    n_municipalities: Optional[int] = p(None, 1, 1_000_000, "municipalities",
                                        doc="region=synthetic only: surrounding municipalities (default 1000)")
    template: str = p("leipzig", choices=REGIONS, doc="region=synthetic only: the real region whose core city, "
                      "growth, PT share, pilot and average surrounding municipality the synthetic region repeats")
    municipalities_csv: Optional[str] = p(
        None, doc="optional CSV of real municipalities (name,population,area_km2,x_km,y_km[,is_core]) "
        "replacing the synthetic detail")
    size_exponent: float = p(1.0, 0.3, 2.5, "-", doc="Zipf exponent of suburban population sizes "
                             "(rank-size rule; ~1 is typical of European municipal systems)")
    n_corridors: int = p(6, 1, 16, "corridors", doc="radial rail/bus corridors to the core")
    open_boundary: bool = p(True, doc="a region of real places commutes with the real municipalities around it "
                            "(an external zone); false closes it (no in- or out-commuting across its boundary)")
    tariff_union: bool = p(True, doc="the region's existing tariff union (MDV, Verbund Linie, PID, Formula; "
                           "region_facts.csv) covers its municipalities from the start, so one ticket crosses their "
                           "boundaries before any association; false: every municipal boundary is a tariff boundary")
    pt_authority: bool = p(True, doc="the region's existing public-transport authority (Turin's Agenzia per la "
                           "mobilità metropolitana, a consortium since 2003; pt_authorities.csv) already co-finances "
                           "the regional service of its area, so an association adds service only outside it; "
                           "false: none")


@dataclass
class TimelineConfig:
    """The project's timeline (CITY REGIONS ran 1 Jul 2012 - 31 Dec 2014) and the implementation horizon."""

    start: str = p("2012Q3", src="praha9.cz/o-city-regions; leipzig.de background page", doc="first quarter")
    phase1_end: str = p("2013Q2", src="flyer (seed 001); Good practice collection 16 Apr 2013",
                        doc="last quarter of phase 1 (exchange of good practice)")
    phase2_end: str = p("2014Q2", src="pilot workshops spring 2014 (praha9.cz 17 Apr 2014)",
                        doc="last quarter of phase 2 (pilot projects)")
    phase3_end: str = p("2014Q4", src="project end 31 Dec 2014", doc="last quarter of phase 3 (agreements)")
    horizon: str = p("2030Q4", doc="last simulated quarter (implementation horizon)")


@dataclass
class ScenarioConfig:
    """A policy scenario: which cooperation is on offer and the levers that shape it."""

    name: str = p("city_regions", choices=SCENARIOS, doc="scenario label")
    project: bool = p(True, doc="phases 1-3 of the project take place (False: the no-project counterfactual)")
    themes: list[str] = p(["region"], choices=(*THEMES, "region"),
                          doc="agreements put to the councils in phase 3; 'region' = the region's pilot themes")
    pilot_themes: str = p("region", choices=PILOT_CHOICES,
                          doc="pilot themes in phase 2; 'region' = the region's real pilot theme")
    pilots_per_theme: int = p(1, 0, 5, "pilots", doc="pilot coalitions per theme in phase 2")
    cofinancing_rate: float = p(0.75, 0.0, 1.0, "share", src="ERDF rate 75 % (Italian partners), 85 % "
                                "(Prague 9): torinostrategica.it; praha9.cz", doc="ERDF co-financing of pilot costs")
    revenue_sharing_key: float = p(0.25, 0.0, 1.0, "share", doc="land compact: share of members' business tax "
                                   "pooled and redistributed by population (0 = each keeps its own)")
    greenfield_cap: Optional[float] = p(None, 0.0, 50.0, "m2/resident/yr",
                                        doc="land compact: greenfield take allowed per member resident per year "
                                        "(null = no cap); Germany's 30 ha/day target is about 1.3")
    brownfield_first: bool = p(True, doc="land compact: members reuse brownfield before greenfield")
    tariff_integration: bool = p(True, doc="transport association: one tariff across members' boundaries")
    service_cofinancing: float = p(1.0, 0.0, 3.0, "-", doc="transport association: service added on member "
                                   "corridors, as a multiple of the reference improvement (halved headways)")
    cost_sharing_key: float = p(0.5, 0.0, 1.0, "share", doc="transport association: share of its cost split "
                                "by population (rest by members' public-transport commuter trips)")
    transaction_cost_scale: float = p(1.0, 0.0, 10.0, "-", doc="multiplies all four transaction costs")
    trust_learning_rate: float = p(0.08, 0.0, 1.0, "1/quarter", doc="trust gained per quarter of successful "
                                   "joint work (towards co-members)")
    quorum: float = p(0.3, 0.0, 1.0, "share", doc="core_and_quorum: share of the suburban population whose "
                      "councils must ratify for an agreement to pass")
    ratification: str = p("core_and_quorum", choices=RATIFICATION, src="Ostrom 2005 (aggregation rules)",
                          doc="how the councils' votes make an agreement: the core and a quorum of the suburban "
                          "population; a majority of councils and of residents; every council of the negotiating "
                          "group")
    core_veto: bool = p(True, doc="the core city's no ends the agreement whatever the rule")
    bargaining: str = p("nash", choices=BARGAINING, src="Nash 1950; Muthoo 1999", doc="nash: the sharing key "
                        "(revenue_sharing_key, cost_sharing_key) is the Nash bargaining solution of the negotiating "
                        "group within the bounds below; fixed: the scenario's key")
    revenue_sharing_bounds: list[float] = p([0.0, 0.5], 0.0, 1.0, "share",
                                            doc="land compact: the keys the members may bargain over [low, high]")
    cost_sharing_bounds: list[float] = p([0.0, 1.0], 0.0, 1.0, "share",
                                         doc="transport association: the keys the members may bargain over [low, high]")
    revote_at_elections: bool = p(True, doc="after a failed vote, councils elected later vote again on the theme")
    side_payments: float = p(0.0, 0.0, 1.0, "share", src="assumption: no compensation between councils is reported "
                             "in the 2014 outputs", doc="payments among the negotiators of a contract or body (a "
                             "declaration cannot commit to them): 0 none; 1 the Nash solution with transferable "
                             "utility, every negotiator ending with the group's mean net gain; between, that share "
                             "of the way. Only a group whose net gains sum to more than zero can pay")


@dataclass
class BatchConfig:
    """Several runs in one job, so that a sweep of many small regions costs one job per region rather than one per
    run: the job's region under each scenario listed (each composed once), each replicate from 0 to
    replicates - 1. The tables hold every run; their scenario and replicate columns tell the runs apart."""

    scenarios: list[str] = p([], choices=SCENARIOS, doc="the scenarios a job runs in turn (empty: the job's own)")
    replicates: int = p(1, 1, 1000, doc="the replicates a job runs of each scenario (0 to replicates - 1)")

    @property
    def active(self) -> bool:
        """True if a job runs more than its own scenario and replicate."""
        return bool(self.scenarios) or self.replicates > 1


@dataclass
class RunConfig:
    """One run: a region (or all five), a scenario, the timeline, parameters, seed and output options."""

    region: RegionConfig = field(default_factory=RegionConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    timeline: TimelineConfig = field(default_factory=TimelineConfig)
    params: ModelParams = field(default_factory=ModelParams)
    seed: int = p(0, 0, 2**63 - 1, doc="base seed (of the run, or of the whole sweep); each region's stream "
                  "derives from it, the region and the replicate")
    replicate: int = p(0, 0, 2**31 - 1, doc="replicate number within a sweep; replicates are independent streams "
                       "of the same base seed (replicate 0 is the plain run with this seed)")
    common_random_numbers: bool = p(True, doc="True: every scenario and lever setting of a replicate draws the same "
                                    "random numbers (paired comparison); False: the stream also derives from the "
                                    "scenario's levers, so each job is an independent draw")
    output_dir: Optional[str] = p(None, doc="where to write the run (default: Hydra's run directory)")
    plot: bool = p(True, doc="write the one-page PNG of the main indicators")
    progress: bool = p(True, doc="show progress while running")
    batch: BatchConfig = field(default_factory=BatchConfig)
    max_memory_gb: Optional[float] = p(None, 1.0, 1e6, "GB", doc="the memory a region may be estimated to need "
                                       "before it is refused (default: 80 % of this machine's); set it higher to "
                                       "try a region the estimate refuses, at the risk of running out of memory")


def schema_field(key: str) -> tuple[type, dict[str, Any]] | None:
    """The type and metadata (lo, hi, unit) of a dotted key of the run schema, or None if it names no leaf."""
    cls: Any = RunConfig
    parts = key.split(".")
    for i, part in enumerate(parts):
        if not dataclasses.is_dataclass(cls):
            return None
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if part not in fields:
            return None
        hint = typing.get_type_hints(cls)[part]
        if i == len(parts) - 1:
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            return (args[0] if args else hint), dict(fields[part].metadata)
        cls = hint
    return None


def parse_quarter(key: str, text: str) -> tuple[int, int]:
    """Parse 'YYYYQn' into (year, quarter), naming the key on error."""
    m = QUARTER_RE.match(str(text))
    if not m:
        raise ConfigError(f"{key}={text!r} is not a quarter; allowed: 'YYYYQn' with n in 1-4, e.g. '2014Q4'")
    return int(m.group(1)), int(m.group(2))


def _check_value(key: str, value: Any, meta: dict[str, Any]) -> None:
    """Check one leaf value against its declared range or choices."""
    if isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, list | dict):  # OmegaConf lets a nested list or mapping into a typed list
                allowed = ("one of " + ", ".join(meta["choices"]) if meta.get("choices")
                           else f"{meta.get('lo')} <= value <= {meta.get('hi')}")
                raise ConfigError(f"{key}[{i}]={v!r} is not a single value; allowed: a flat list, each {allowed}")
            _check_value(f"{key}[{i}]", v, meta)
        return
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(f"{key}={value!r} is not allowed; allowed: {', '.join(choices)}")
    lo, hi = meta.get("lo"), meta.get("hi")
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return
    if not math.isfinite(value):
        raise ConfigError(f"{key}={value!r} is not a finite number; allowed: {lo} <= value <= {hi}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{key}={value!r} is out of range; allowed: {lo} <= value <= {hi}"
                          + (f" ({meta['unit']})" if meta.get("unit") else ""))


def _walk(obj: Any, prefix: str) -> None:
    known = [f.name for f in dataclasses.fields(obj)]
    unknown = sorted(set(vars(obj)) - set(known))
    if unknown:
        raise ConfigError(f"{prefix}{unknown[0]} is not a known key; allowed keys under "
                          f"{prefix.rstrip('.') or 'the top level'}: {', '.join(known)}")
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            _walk(value, key + ".")
        else:
            _check_value(key, value, dict(f.metadata))


def validate(cfg: RunConfig) -> RunConfig:
    """Check every value against its declared range and the cross-field rules; return cfg unchanged."""
    _walk(cfg, "")
    tl = cfg.timeline
    names = ("start", "phase1_end", "phase2_end", "phase3_end", "horizon")
    quarters = [parse_quarter(f"timeline.{n}", getattr(tl, n)) for n in names]
    for (a, qa), (b, qb), na, nb in zip(quarters, quarters[1:], names, names[1:], strict=False):
        if (b, qb) < (a, qa):
            raise ConfigError(f"timeline.{nb}={getattr(tl, nb)!r} comes before timeline.{na}={getattr(tl, na)!r}; "
                              "allowed: start <= phase1_end <= phase2_end <= phase3_end <= horizon")
    if len(cfg.params.cooperation.tc_weights) != 4:
        raise ConfigError(f"params.cooperation.tc_weights={cfg.params.cooperation.tc_weights!r} must have 4 "
                          "entries (information, negotiation, enforcement, agency)")
    if cfg.region.municipalities_csv is not None and not str(cfg.region.municipalities_csv).strip():
        raise ConfigError("region.municipalities_csv='' is an empty path; allowed: the path of a CSV file, or null "
                          "(the region's own places)")
    if cfg.region.n_municipalities is not None and cfg.region.name != "synthetic":
        raise ConfigError(f"region.n_municipalities={cfg.region.n_municipalities!r} applies to region=synthetic "
                          f"only (region={cfg.region.name!r} has its real number of municipalities)")
    if (cfg.region.fua_id is None) == (cfg.region.name == "fua"):
        raise ConfigError(f"region.fua_id={cfg.region.fua_id!r} with region={cfg.region.name!r}: region=fua needs "
                          "region.fua_id=<code> (`cityregions fuas` lists them), and fua_id applies to it only")
    for key in ("revenue_sharing_bounds", "cost_sharing_bounds"):
        bounds = getattr(cfg.scenario, key)
        if len(bounds) != 2 or bounds[0] > bounds[1]:
            raise ConfigError(f"scenario.{key}={list(bounds)!r} is not a range; allowed: [low, high] with "
                              "0 <= low <= high <= 1")
    if cfg.batch.active and (cfg.region.name == "all" or cfg.replicate != 0):
        raise ConfigError(f"batch with region={cfg.region.name!r} and replicate={cfg.replicate}: a batch runs one "
                          "region's replicates 0 to batch.replicates - 1 itself; allowed: one region and replicate=0")
    if len(set(cfg.batch.scenarios)) != len(cfg.batch.scenarios):
        raise ConfigError(f"batch.scenarios={cfg.batch.scenarios!r} lists a scenario twice")
    if len(set(cfg.scenario.themes)) != len(cfg.scenario.themes):
        raise ConfigError(f"scenario.themes={cfg.scenario.themes!r} lists a theme twice")
    return cfg


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore (called by the entry point, never at import)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="run_schema", node=RunConfig)
