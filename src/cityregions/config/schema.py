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
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Optional

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


def p(default: Any, lo: float | None = None, hi: float | None = None, unit: str = "", src: str = "assumption",
      doc: str = "", choices: tuple[str, ...] | None = None) -> Any:
    """Declare a config field with its allowed range, unit, source and meaning (used by validate and the docs)."""
    meta = {"lo": lo, "hi": hi, "unit": unit, "src": src, "doc": doc, "choices": choices}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


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
class LandParams:
    """Land demand, supply and the land compact."""

    persons_per_ha_core: float = p(120.0, 5, 500, "persons/ha", doc="gross density of new residential land, core")
    persons_per_ha_suburb: float = p(45.0, 5, 500, "persons/ha", doc="gross density of new residential land, suburbs")
    household_size_trend: float = p(-0.003, -0.05, 0.05, "1/yr", doc="change of mean household size per year "
                                    "(falling household size creates housing demand without population growth)")
    job_growth_ratio: float = p(1.0, -2.0, 3.0, "-", doc="regional job growth rate as a multiple of population growth")
    land_using_job_share: float = p(0.5, 0.0, 1.0, "share", doc="share of new jobs that need new commercial land "
                                    "(the rest fit existing buildings)")
    obsolescence_rate: float = p(0.01, 0.0, 0.2, "1/yr", doc="share of occupied commercial land falling derelict "
                                 "per year (becomes brownfield, its jobs relocate)")
    greenfield_cost_m_eur_per_ha: float = p(0.5, 0.01, 10.0, "M EUR/ha", doc="servicing cost of greenfield land")
    brownfield_subsidy_solo: float = p(0.2, 0.0, 1.0, "share", doc="share of brownfield cost covered by state "
                                       "funding for a municipality acting alone")
    cost_choice_scale: float = p(0.5, 0.01, 10.0, "M EUR/ha", doc="logit scale of the greenfield/brownfield choice")
    optimism: float = p(1.5, 1.0, 5.0, "-", doc="alone: a municipality expects this multiple of its share of "
                        "commercial demand (competition for firms)")
    reserve_years: float = p(3.0, 0.0, 20.0, "yr", doc="commercial land held in reserve, in years of expected demand")
    tax_discount_competing: float = p(0.10, 0.0, 0.5, "share", doc="alone: business-tax discount offered to "
                                      "attract firms (tax competition)")
    firm_tax_sensitivity: float = p(4.0, 0.0, 50.0, "-", doc="logit weight of the tax discount in firm location")
    access_weight: float = p(1.0, 0.0, 10.0, "-", doc="logit weight of accessibility in location choice")
    land_price_elasticity: float = p(0.75, 0.0, 10.0, "-", src=(
        "calibrated by hand on Prague's core and ring growth (ČSÚ: core +0.28 %/yr 2012-22, Praha-východ +2.43 %/yr "
        "2014-20; model 0.23 and 2.60 at 0.75; 0.53 and 1.45 at 0.6, -0.34 and 4.40 at 1.0); docs/VALIDATION.md"),
        doc="weight of the land price (odds of the developed share of buildable land) in residents' location choice")
    residential_mobility: float = p(0.03, 0.0, 0.5, "1/yr", doc="share of residents moving to another "
                                    "municipality of the region each year (assumption)")
    core_developed_share: float = p(0.60, 0.05, 0.95, "share", src="assumption; Turin's core is ~65 % sealed "
                                    "(ISPRA via corriere.it)", doc="initial developed share of the core city")
    suburb_developed_share: float = p(0.10, 0.01, 0.9, "share", src="assumption; Città metropolitana di Torino "
                                      "8.5 % (ISPRA 2021); Germany 14.5 % incl. transport (Destatis)",
                                      doc="initial developed share of suburbs")
    protected_share: float = p(0.30, 0.0, 0.9, "share", doc="share of undeveloped land that is protected")
    brownfield_share_core: float = p(0.04, 0.0, 0.5, "share", doc="initial brownfield share of developed land, core")
    brownfield_share_suburb: float = p(0.015, 0.0, 0.5, "share", doc="initial brownfield share of developed land, "
                                       "suburbs")
    commercial_share: float = p(0.25, 0.01, 0.9, "share", doc="commercial share of developed (non-brownfield) land")
    vacancy_initial: float = p(0.10, 0.0, 0.9, "share", doc="initial vacant share of commercial land")
    annuity_rate: float = p(0.08, 0.0, 1.0, "1/yr", doc="annual debt service per EUR of development cost "
                            "(about 5 % over 20 years)")


@dataclass
class TransportParams:
    """Travel times, commuting and mode choice."""

    car_speed_kmh: float = p(45.0, 5, 150, "km/h", doc="mean car speed on regional links")
    pt_speed_corridor_kmh: float = p(40.0, 5, 150, "km/h", doc="rail/bus speed on radial corridors")
    pt_speed_local_kmh: float = p(18.0, 5, 150, "km/h", doc="bus speed off the corridors")
    circuity: float = p(1.3, 1.0, 3.0, "-", doc="network distance / straight-line distance")
    value_of_time_eur_h: float = p(10.0, 0.0, 100.0, "EUR/h", doc="commuters' value of time")
    car_cost_eur_km: float = p(0.30, 0.0, 5.0, "EUR/km", doc="perceived car operating and parking cost")
    pt_fare_eur: float = p(2.0, 0.0, 20.0, "EUR/trip", doc="public-transport fare per trip")
    tariff_penalty_eur: float = p(1.5, 0.0, 20.0, "EUR/trip", doc="extra cost of a trip across tariff boundaries "
                                  "without tariff integration")
    headway_core_min: float = p(10.0, 1, 240, "min", doc="public-transport headway in the core")
    headway_corridor_min: float = p(30.0, 1, 240, "min", doc="headway at suburban corridor stations")
    headway_local_min: float = p(60.0, 1, 240, "min", doc="headway at suburban stops off the corridors")
    mode_scale: float = p(0.4, 0.01, 10.0, "1/EUR", doc="logit scale of car/public-transport choice")
    distance_decay: float = p(0.06, 0.0, 1.0, "1/min", doc="gravity model decay per minute of car travel time")
    intrazonal_min: float = p(8.0, 0.0, 60.0, "min", doc="travel time within a municipality")
    catchment_min: float = p(180.0, 10.0, 1440.0, "min", doc="one-way car time beyond which no one commutes and "
                             "municipalities do not deal with each other (no flows, trust stays at its initial "
                             "level); 180 min exceeds every trip in the five regions, so their results are exact")
    commute_share_default: float = p(0.2, 0.0, 1.0, "share", doc="public-transport share where no figure was found")
    workdays: float = p(220.0, 1, 366, "days/yr", doc="commuting days per year")
    congestion_eur_per_car_trip: float = p(0.5, 0.0, 20.0, "EUR/trip", doc="external cost of a car trip "
                                           "into a municipality, counted by that municipality's council")
    service_cost_eur_per_commuter: float = p(
        37.0, 0.0, 1500.0, "EUR/commuter/yr", src="derived: 12 EUR per member resident (assumption) at the five "
        "rings' mean 0.32 residents commuting to another municipality per resident (measured on the model)",
        doc="cost of the association's added regional service per member resident who commutes to another "
            "municipality (the service runs between municipalities, so a core pays for its out-commuters, not for "
            "its population)")
    employment_rate: float = p(0.47, 0.1, 0.9, "workers/resident", doc="employed residents per resident where the "
                             "region's facts have no figure (Prague's is the 2021 census's)")
    core_jobs_per_resident: float = p(0.60, 0.1, 2.0, "jobs/resident", doc="jobs per resident in the core "
                                      "where no figure was found")
    ring_jobs_per_worker: float = p(0.87, 0.05, 3.0, "jobs/employed resident", src=(
        "derived from Land Steiermark AEST: Graz-Umgebung's 79,660 employed residents (2019), 78.8 % of whom work "
        "outside their municipality (2016), and 75.7 % of its jobs held by in-commuters (2019): 79,660 x 0.212 / "
        "0.243 = 69,500 jobs, 0.87 per employed resident; applied to every region's surrounding municipalities "
        "(assumption)"), doc="jobs by place of work per employed resident outside the core")


@dataclass
class CooperationParams:
    """Transaction costs (Feiock's institutional collective action), trust and decisions."""

    tc_base_keur: float = p(60.0, 0.0, 10000.0, "kEUR/yr", doc="base transaction cost of one agreement for one "
                            "municipality (about one staff position)")
    tc_weights: list[float] = p([0.25, 0.35, 0.2, 0.2], 0.0, 10.0, "-", doc="weights of the information, "
                                "negotiation, enforcement and agency costs")
    group_size_exponent: float = p(0.3, 0.0, 2.0, "-", doc="negotiation cost grows with (members/10)^exponent")
    capacity_relief: float = p(0.5, 0.0, 1.0, "share", doc="share of transaction costs a full planning capacity "
                               "saves")
    autonomy_weight_land: float = p(0.05, 0.0, 5.0, "share", doc="autonomy cost of the land compact, as a share "
                                    "of the business tax subject to pooling")
    autonomy_weight_transport: float = p(0.1, 0.0, 5.0, "share", doc="autonomy cost of the transport association, "
                                         "as a share of the member's contribution")
    trust_initial: float = p(0.3, 0.0, 1.0, "0-1", doc="initial mutual trust")
    trust_decay: float = p(0.02, 0.0, 1.0, "1/quarter", doc="pull of trust back to its initial level per quarter")
    betrayal_penalty: float = p(0.2, 0.0, 1.0, "0-1", doc="trust lost towards a member that leaves")
    learning_rate: float = p(0.25, 0.0, 1.0, "1/quarter", doc="knowledge gained per quarter of exchange (phase 1)")
    perception_bias_mean: float = p(-0.4, -1.0, 1.0, "share", doc="mean misjudgement of cooperation benefits "
                                    "before learning (negative: underestimated)")
    perception_bias_sd: float = p(0.3, 0.0, 2.0, "share", doc="spread of that misjudgement across municipalities")
    decision_noise_keur: float = p(20.0, 0.01, 10000.0, "kEUR/yr", doc="logit scale of join/leave decisions: "
                                   "its fixed part")
    decision_noise_share: float = p(0.002, 0.0, 0.5, "share of revenue", doc="logit scale of join/leave "
                                    "decisions: the part proportional to the council's annual revenue (what is at "
                                    "stake politically grows with the budget)")
    welfare_weight: float = p(0.5, 0.0, 2.0, "EUR budget/EUR welfare", doc="political weight a council gives its "
                              "residents' gains (commuters' time and money, congestion relief) against its own "
                              "budget (assumption)")
    dominance_weight: float = p(1.0, 0.0, 10.0, "-", doc="a suburb's autonomy cost grows by this multiple of the "
                                "core city's share of the group's residents (assumption)")
    inequity_aversion: float = p(0.25, 0.0, 2.0, "-", src="Fehr and Schmidt 1999 (alpha, disadvantageous "
                                 "inequity)", doc="cost, per EUR per resident, of gaining less per resident than "
                                 "the group's average (assumption for councils)")
    tc_size_exponent: float = p(0.5, 0.0, 1.0, "-", doc="transaction costs grow with (population/10 000)^exponent: "
                                "staff effort rises with size, less than proportionally (assumption)")
    outside_competition: float = p(0.5, 0.0, 1.0, "share", doc="weight of the outside's residents in the tax "
                                   "competition a land compact cannot end (assumption)")
    exit_patience: int = p(4, 1, 40, "quarters", doc="consecutive quarters of net loss before a member leaves")
    fade_rate: float = p(0.15, 0.0, 1.0, "1/quarter", doc="decay of non-institutionalised cooperation")
    imitation_rate: float = p(0.25, 0.0, 1.0, "1/quarter", doc="chance per quarter that a non-member reconsiders, "
                              "per share of its neighbours that are successful members")
    exchange_participation: float = p(0.5, 0.0, 1.0, "share", doc="chance a suburb with full planning capacity "
                                      "takes part in a quarter's exchange")


@dataclass
class FiscalParams:
    """Municipal revenue and costs."""

    business_tax_eur_per_job: float = p(700.0, 0.0, 100000.0, "EUR/job/yr", doc="local business tax per job")
    revenue_eur_per_capita: float = p(1000.0, 0.0, 100000.0, "EUR/resident/yr", doc="income-tax share and "
                                      "general grants per resident")
    discount_rate: float = p(0.04, 0.0, 0.2, "1/yr", src="Commission Delegated Regulation (EU) No 480/2014, "
                             "Art. 19: a 4 % financial discount rate in real terms as the indicative benchmark for "
                             "projects co-financed by the funds", doc="discounts each council's budget items to the "
                             "first quarter (present values over the run; the model's money is in constant EUR)")


@dataclass
class ModelParams:
    """All behavioural and technical parameters (assumptions unless a source is given)."""

    land: LandParams = field(default_factory=LandParams)
    transport: TransportParams = field(default_factory=TransportParams)
    cooperation: CooperationParams = field(default_factory=CooperationParams)
    fiscal: FiscalParams = field(default_factory=FiscalParams)


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
    if len(set(cfg.scenario.themes)) != len(cfg.scenario.themes):
        raise ConfigError(f"scenario.themes={cfg.scenario.themes!r} lists a theme twice")
    return cfg


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore (called by the entry point, never at import)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="run_schema", node=RunConfig)
