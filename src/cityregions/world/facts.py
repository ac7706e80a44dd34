"""Input data: the five regions' sourced facts, the good-practice case library, and user municipality tables.

Every figure comes from a CSV in ``cityregions/world/data/`` that carries its source, year and status (sourced,
secondary, derived, estimate or assumption); the loaders turn them into typed objects and derive the few
quantities the model needs (growth rate, brownfield cost and jobs per hectare) in plain arithmetic.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from cityregions.config import REGIONS, ConfigError, RegionConfig

STATUSES = ("sourced", "secondary", "derived", "estimate", "assumption")


@dataclass(frozen=True)
class Fact:
    """One figure from the world with where it comes from."""

    value: str
    unit: str
    year: str
    status: str
    source: str


@dataclass(frozen=True)
class RegionFacts:
    """What the model needs to know about one CITY REGIONS partnership."""

    name: str
    country: str
    core_city: str
    partner_city: str
    partner_body: str
    pt_authority: str
    pilot_theme: str
    pilot_title: str
    language: str
    core_population: float
    core_area_km2: float
    fua_population: float
    fua_area_km2: float
    n_municipalities: int
    pilot_size: int
    growth_rate: float
    in_commuters: float | None = None
    core_jobs: float | None = None
    pt_share: float | None = None
    secondary_centre_name: str | None = None
    secondary_centre_population: float | None = None
    employment_rate: float | None = None  # employed residents per resident, where sourced
    core_growth: float | None = None  # the core city's own population growth (1/yr), where sourced
    ring_growth: float | None = None  # the surrounding districts' population growth (1/yr), where sourced
    tariff_union_since: float | None = None  # year an existing tariff union began (None: none found)
    tariff_union_radius_km: float | None = None  # its reach from the core (None: the whole region)
    partner_until: dt.date | None = None  # the last day the regional partner body took part (None: throughout)
    facts: dict[str, Fact] = field(default_factory=dict, repr=False, compare=False)

    @property
    def growth_of_core(self) -> float:
        """The core's growth input: its own sourced series, else the region's."""
        return self.growth_rate if self.core_growth is None else self.core_growth

    @property
    def growth_of_ring(self) -> float:
        """The other municipalities' growth input: the surrounding districts' series, else the region's."""
        return self.growth_rate if self.ring_growth is None else self.ring_growth

    @property
    def pilot_themes(self) -> tuple[str, ...]:
        """The themes of the region's real pilot ('land', 'transport' or both)."""
        return tuple(self.pilot_theme.split("+"))


def data_path(name: str) -> Path:
    return Path(str(resources.files("cityregions.world") / "data" / name))


@cache
def read_facts() -> dict[str, dict[str, Fact]]:
    path = data_path("region_facts.csv")
    out: dict[str, dict[str, Fact]] = {r: {} for r in REGIONS}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            region, qty = row["region"].strip(), row["quantity"].strip()
            if region not in out:
                raise ValueError(f"{path}: unknown region {region!r} for quantity {qty!r}")
            if row["status"].strip() not in STATUSES:
                raise ValueError(f"{path}: {region}.{qty} has status {row['status']!r}; allowed: {STATUSES}")
            out[region][qty] = Fact(row["value"].strip(), row["unit"].strip(), row["year"].strip(),
                                    row["status"].strip(), row["source"].strip())
    return out


def growth_rate(pop_from: float, year_from: float, pop_to: float, year_to: float) -> float:
    """Compound annual growth rate between two observations."""
    if year_to <= year_from or pop_from <= 0 or pop_to <= 0:
        raise ValueError("growth needs two positive observations in increasing years")
    return (pop_to / pop_from) ** (1.0 / (year_to - year_from)) - 1.0


@cache
def load_region(name: str) -> RegionFacts:
    """The sourced facts of one region (leipzig, graz, wroclaw, prague or turin)."""
    if name not in REGIONS:
        raise ConfigError(f"region={name!r} is unknown; allowed: {', '.join(REGIONS)}")
    f = read_facts()[name]

    def num(q: str) -> float | None:
        return float(f[q].value) if q in f and f[q].value not in ("", "NA") else None

    def req(q: str) -> float:
        v = num(q)
        if v is None:
            raise ValueError(f"region_facts.csv: {name}.{q} is required")
        return v

    def text(q: str, default: str = "") -> str:
        return f[q].value if q in f else default

    def rate_of(part: str) -> float | None:
        if f"{part}_from" not in f:
            return None
        a, b = f[f"{part}_from"], f[f"{part}_to"]
        return growth_rate(float(a.value), float(a.year), float(b.value), float(b.year))

    rate = rate_of("population_growth")
    if rate is None:
        raise ValueError(f"region_facts.csv: {name}.population_growth_from and _to are required")
    return RegionFacts(
        name=name, country=text("country"), core_city=text("core_city"), partner_city=text("partner_city"),
        partner_body=text("partner_body"), pt_authority=text("pt_authority"), pilot_theme=text("pilot_theme"),
        pilot_title=text("pilot_title"), language=text("language", "en"),
        core_population=req("core_population"), core_area_km2=req("core_area_km2"),
        fua_population=req("fua_population"), fua_area_km2=req("fua_area_km2"),
        n_municipalities=int(req("n_municipalities")), pilot_size=int(req("pilot_size")), growth_rate=rate,
        in_commuters=num("in_commuters"), core_jobs=num("core_jobs"), pt_share=num("pt_share"),
        secondary_centre_name=text("secondary_centre_name") or None,
        secondary_centre_population=num("secondary_centre_population"), employment_rate=num("employment_rate"),
        core_growth=rate_of("core_growth"),
        ring_growth=rate_of("ring_growth"), tariff_union_since=num("tariff_union_since"),
        tariff_union_radius_km=num("tariff_union_radius_km"),
        partner_until=_date_of(name, "partner_until", f.get("partner_until")), facts=dict(f),
    )


def _date_of(region: str, quantity: str, fact: Fact | None) -> dt.date | None:
    """An ISO date fact (YYYY-MM-DD), or None where there is none."""
    if fact is None or fact.value in ("", "NA"):
        return None
    try:
        return dt.date.fromisoformat(fact.value)
    except ValueError:
        raise ValueError(f"region_facts.csv: {region}.{quantity}={fact.value!r} is not a date; "
                         "allowed: YYYY-MM-DD") from None


SYNTHETIC_DEFAULT_SIZE = 1000


def synthetic_facts(template: RegionFacts, n_municipalities: int) -> RegionFacts:
    """A region of any size with a real region's core city, growth, PT share and pilot, whose surrounding
    municipalities repeat the template's average one (population and area) n times.

    Assumption (labelled): the totals scale with n; the result is a testbed with the model's mechanics and the
    template's proportions, not a real country.
    """
    sec = template.secondary_centre_population or 0.0
    mean_pop = (template.fua_population - template.core_population - sec) / template.n_municipalities
    mean_area = (template.fua_area_km2 - template.core_area_km2) / (template.n_municipalities + (1 if sec else 0))
    return dataclasses.replace(
        template, name="synthetic", n_municipalities=n_municipalities,
        fua_population=template.core_population + sec + n_municipalities * mean_pop,
        fua_area_km2=template.core_area_km2 + (n_municipalities + (1 if sec else 0)) * mean_area,
        in_commuters=None, pilot_title=f"synthetic region ({n_municipalities} municipalities, "
                                       f"template {template.name})")


def region_facts(rc: RegionConfig, name: str | None = None) -> RegionFacts:
    """The facts of the configured region: a real one's, or the synthetic region's built from its template."""
    name = name or rc.name
    if name == "fua":
        from cityregions.world.places import fua_facts  # places reads the data files through this module

        return fua_facts(rc.fua_id)
    if name == "synthetic":
        return synthetic_facts(load_region(rc.template), rc.n_municipalities or SYNTHETIC_DEFAULT_SIZE)
    return load_region(name)


@dataclass(frozen=True)
class CaseLibrary:
    """The good-practice cases phase 1 exchanges, and the brownfield figures derived from them."""

    cases: tuple[dict[str, str], ...]

    def count(self, theme: str) -> int:
        """Number of cases on a theme (land or transport)."""
        return sum(1 for c in self.cases if c["theme"] == theme)

    def _brownfields(self) -> list[dict[str, str]]:
        return [c for c in self.cases if c["kind"].startswith("brownfield") and c["hectares"]
                and c["total_cost_eur_m"]]

    def brownfield_cost_m_eur_per_ha(self) -> float:
        """Median redevelopment cost per hectare over the brownfield cases (M EUR/ha)."""
        return float(np.median([float(c["total_cost_eur_m"]) / float(c["hectares"]) for c in self._brownfields()]))

    def brownfield_public_share(self) -> float:
        """Median share of public funding in brownfield redevelopment costs."""
        shares = [float(c["public_funding_eur_m"]) / float(c["total_cost_eur_m"]) for c in self._brownfields()
                  if c["public_funding_eur_m"]]
        return float(np.clip(np.median(shares), 0.0, 1.0))

    def jobs_per_ha(self) -> float:
        """Realised jobs per hectare of redeveloped commercial land (cases with realised job figures)."""
        vals = [float(c["jobs"]) / float(c["hectares"]) for c in self.cases
                if c["jobs"] and c["hectares"] and c.get("jobs_status", "") == "realised"]
        if not vals:
            raise ValueError("good_practice.csv holds no case with realised jobs")
        return float(np.median(vals))


@cache
def load_case_library() -> CaseLibrary:
    """The good-practice case library (good_practice.csv)."""
    with data_path("good_practice.csv").open(encoding="utf-8", newline="") as fh:
        return CaseLibrary(tuple({k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)))


@cache
def load_sourced_parameters() -> dict[str, Fact]:
    """World figures used as parameters (emission factors, targets), with their sources."""
    with data_path("parameters_sourced.csv").open(encoding="utf-8", newline="") as fh:
        return {r["parameter"].strip(): Fact(r["value"].strip(), r["unit"].strip(), r["year"].strip(),
                                             r["status"].strip(), r["source"].strip())
                for r in csv.DictReader(fh)}
