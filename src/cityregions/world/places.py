"""Real places: the municipalities of the five CITY REGIONS regions and of every functional urban area (FUA) of
Germany, Austria, Poland, Czechia and Italy.

Eurostat LAU 2019 codes, names, populations (1 January 2019) and areas, with each municipality's position (a town
centre or a polygon centroid), packaged in world/data/places/ (sources, licences and checks:
world/data/places/SOURCES.md). Positions are projected to ETRS89-LAEA (EPSG:3035, the equal-area grid Eurostat
uses for European statistics) and given in km.

A region's extent says which municipalities of its table the model runs (rank_size, the fourth, invents them
from the region's sourced totals: world/geography.py):
- partner: the area the CITY REGIONS partnership worked on (`PARTNER` below; where the member list is not in the
  data, a labelled proxy);
- fua: the Eurostat functional urban areas of the core city (and, for Leipzig, of Halle);
- district: every municipality of the table: the districts around the core (Kreise, Bezirke, powiaty, okresy) or
  the Città metropolitana.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import gzip
import io
from collections import Counter
from dataclasses import dataclass
from functools import cache

import numpy as np

from cityregions.config import COUNTRIES, EXTENTS, REGIONS, ConfigError
from cityregions.world.facts import RegionFacts, data_path, load_region


@dataclass(frozen=True)
class Partner:
    """How a region's partner extent is chosen from its table, and why."""

    rule: str  # "nearest": the core(s) and the n municipalities nearest to one of them; "group": these districts;
    #            "fua": the core's FUA
    n: int = 0
    groups: tuple[str, ...] = ()
    centres: int = 1  # how many of the largest rows are centres (Leipzig and Halle)
    note: str = ""


PARTNER = {
    "leipzig": Partner("nearest", n=32, centres=2, note=(
        "Leipzig, Halle (Saale) and the 32 municipalities nearest to either: the CITY REGIONS pilot region was "
        "Leipzig, Halle and 32 surrounding municipalities (about 1.09 million residents, c. 2013); its member list "
        "is not in the data, so nearness stands in for it (assumption)")),
    "graz": Partner("group", groups=("Graz-Umgebung",), note=(
        "Graz and the 36 municipalities of Bezirk Graz-Umgebung: the partner body was Regionalmanagement Graz & "
        "Graz-Umgebung (the municipalities as merged in 2015; the 57 of 2013 are not in the data)")),
    "wroclaw": Partner("fua", note=(
        "Wrocław and the gminy of its functional urban area (19 in all): a proxy for the ZIT Wrocław Functional "
        "Area (Wrocław and 14 gminy), whose member list is not in the data (assumption)")),
    "prague": Partner("group", groups=("Praha-východ", "Praha-západ"), note=(
        "Praha and the obce of okres Praha-východ and Praha-západ: the core of the EMTA metropolitan area, which "
        "adds parts of the adjacent districts")),
    "turin": Partner("nearest", n=38, note=(
        "Torino and the 38 comuni nearest to it: the pilot's spatial strategy covered Torino and 38 comuni (the "
        "CoMeTo perimeter), whose list is not in the data, so nearness stands in for it (assumption)")),
}


@dataclass(frozen=True)
class Places:
    """Municipalities with their codes, names and positions (km, EPSG:3035); the core is the most populous."""

    codes: tuple[str, ...]
    names: tuple[str, ...]  # readable and unique within the table
    population: np.ndarray
    area_km2: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    groups: tuple[str, ...]  # district (Kreis, Bezirk, powiat, okres, metropolitan city)
    fua_ids: tuple[str, ...]
    country: str
    core: int
    label: str  # what the table is, e.g. "leipzig, extent partner: ..."

    def __len__(self) -> int:
        return len(self.codes)

    def subset(self, keep: np.ndarray, label: str) -> Places:
        """The places where keep is True (the core must be among them), names made unique again."""
        idx = np.flatnonzero(keep)
        if self.core not in idx:
            raise ValueError("a subset of places must keep the core city")
        rows = [_Row(self.codes[i], self.names[i], self.groups[i], self.fua_ids[i]) for i in idx]
        return Places(tuple(self.codes[i] for i in idx), unique_names(rows, self.country),
                      self.population[idx], self.area_km2[idx], self.x_km[idx], self.y_km[idx],
                      tuple(self.groups[i] for i in idx), tuple(self.fua_ids[i] for i in idx), self.country,
                      int(np.searchsorted(idx, self.core)), label)


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    group: str
    fua_id: str


def readable(name: str, country: str) -> str:
    """The name people use: German LAU names carry a status after a comma ("Leipzig, Stadt", "Kiel,
    Landeshauptstadt"), which is dropped."""
    return name.split(", ")[0].strip() if country == "DE" else name.strip()


def unique_names(rows: list[_Row], country: str) -> tuple[str, ...]:
    """Readable names, made unique within the table: a name shared by several municipalities gets its district in
    brackets (a Polish urban and rural gmina of one name: "(miasto)" and "(gmina wiejska)"), and its code if that
    is still not enough."""
    base = [readable(r.name, country) for r in rows]
    counts = Counter(base)
    named = []
    for r, b in zip(rows, base, strict=True):
        if counts[b] == 1:
            named.append(b)
        elif country == "PL" and r.code[-1:] in ("1", "2", "3"):
            named.append(f"{b} ({ {'1': 'miasto', '2': 'gmina wiejska', '3': 'gmina miejsko-wiejska'}[r.code[-1]]})")
        else:
            named.append(f"{b} ({r.group})" if r.group else b)
    counts = Counter(named)
    return tuple(n if counts[n] == 1 else f"{n} [{r.code}]" for n, r in zip(named, rows, strict=True))


def project_km(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 degrees to ETRS89-LAEA (EPSG:3035) kilometres (east, north)."""
    x, y = _to_laea().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x) / 1000.0, np.asarray(y) / 1000.0


@cache
def _to_laea():
    from pyproj import Transformer

    return Transformer.from_crs(4326, 3035, always_xy=True)


def _places(records: list[dict[str, str]], country: str, label: str, code_key: str = "national_code") -> Places:
    """Places from table rows (sorted by population, largest first: the core is row 0)."""
    for r in records:
        for col in ("lat", "lon", "population", "area_km2"):
            try:
                float(r[col])
            except (KeyError, ValueError):
                raise ConfigError(f"{r['_file']}, row {r['_line']}, column {col!r}: {r.get(col)!r} is not a number "
                                  f"(municipality {r.get('name', '?')!r}, {r.get('lau_code', '?')})") from None
    records = sorted(records, key=lambda r: (-float(r["population"]), r["lau_code"]))
    lat = np.array([float(r["lat"]) for r in records])
    lon = np.array([float(r["lon"]) for r in records])
    x, y = project_km(lat, lon)
    rows = [_Row(r[code_key], r["name"], r.get("group", "") or r.get("nuts3_name", ""), r["fua_id"])
            for r in records]
    return Places(tuple(r[code_key] for r in records), unique_names(rows, country),
                  np.array([float(r["population"]) for r in records]),
                  np.array([float(r["area_km2"]) for r in records]), x, y, tuple(r.group for r in rows),
                  tuple(r["fua_id"] for r in records), country, 0, label)


@cache
def _region_rows(region: str) -> tuple[dict[str, str], ...]:
    return _read(f"places/{region}.csv")


def _read(name: str) -> tuple[dict[str, str], ...]:
    """A packaged table's rows, each with its file and line (for error messages); .gz files are decompressed."""
    data = data_path(name).read_bytes()
    text = (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return tuple({**row, "_file": name, "_line": str(reader.line_num)} for row in reader)


@cache
def region_places(region: str, extent: str = "partner") -> Places:
    """A CITY REGIONS region's municipalities for the extent (partner, fua or district)."""
    if region not in REGIONS:
        raise ConfigError(f"region={region!r} has no table of real places; allowed: {', '.join(REGIONS)}")
    if extent not in EXTENTS or extent == "rank_size":
        raise ConfigError(f"region.extent={extent!r} is not a table of real places; allowed: "
                          f"{', '.join(e for e in EXTENTS if e != 'rank_size')}")
    rows = _region_rows(region)
    every = _places(list(rows), rows[0]["country"], f"{region}, extent district: every municipality of the table")
    if extent == "district":
        return every
    rule = PARTNER[region]
    cores = list(range(rule.centres))
    if extent == "fua" or rule.rule == "fua":
        fuas = {every.fua_ids[i] for i in cores}
        keep = np.isin(np.array(every.fua_ids), sorted(fuas)) & (np.array(every.fua_ids) != "")
        what = "functional urban area " + " and ".join(sorted(fuas))
        return every.subset(keep, f"{region}, extent {extent}: {rule.note if extent == 'partner' else what}")
    keep = np.zeros(len(every), dtype=bool)
    keep[cores] = True
    if rule.rule == "group":
        keep |= np.isin(np.array(every.groups), rule.groups)
    else:
        d = np.min([np.hypot(every.x_km - every.x_km[c], every.y_km - every.y_km[c]) for c in cores], axis=0)
        d[cores] = -1.0
        keep[np.argsort(d, kind="stable")[: len(cores) + rule.n]] = True
    return every.subset(keep, f"{region}, extent partner: {rule.note}")


@cache
def fua_list() -> tuple[dict[str, str], ...]:
    """Every functional urban area of the five countries: code, name, country, municipalities, population, area
    and core."""
    with data_path("places/lau/fua.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def find_fua(fua_id: str) -> dict[str, str]:
    """One FUA by its code; an unknown code names the closest codes and names."""
    fuas = {f["fua_id"]: f for f in fua_list()}
    if fua_id in fuas:
        return fuas[fua_id]
    by_name = {f["fua_name"].lower(): f["fua_id"] for f in fuas.values()}
    close = difflib.get_close_matches(fua_id, list(fuas), n=3, cutoff=0.6)
    close += [by_name[n] for n in difflib.get_close_matches(fua_id.lower(), list(by_name), n=3, cutoff=0.6)]
    hint = ", ".join(f"{c} ({fuas[c]['fua_name']}, {fuas[c]['country']})" for c in dict.fromkeys(close))
    raise ConfigError(f"region.fua_id={fua_id!r} is not a functional urban area of {', '.join(COUNTRIES)}; "
                      + (f"closest: {hint}" if hint else "`cityregions fuas` lists them"))


@cache
def country_rows(country: str) -> tuple[dict[str, str], ...]:
    if country not in COUNTRIES:
        raise ConfigError(f"country={country!r} is not allowed; allowed: {', '.join(COUNTRIES)}")
    return _read(f"places/lau/{country}.csv.gz")


@cache
def country_points(country: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every populated municipality of a country whose position is known: national codes, residents and positions
    (km, EPSG:3035), made once per process (every model of a region around it reads them)."""
    rows = [r for r in country_rows(country) if r["lat"].strip() and r["lon"].strip() and float(r["population"]) > 0]
    x, y = project_km(np.array([float(r["lat"]) for r in rows]), np.array([float(r["lon"]) for r in rows]))
    return (np.array([r["national_code"] for r in rows]), np.array([float(r["population"]) for r in rows]), x, y)


@cache
def fua_places(fua_id: str) -> Places:
    """The municipalities of one functional urban area (made once per process: a FUA's facts and its geography
    both read it; callers take copies of its arrays): those with residents (the unpopulated areas outside any
    municipality, such as Bavaria's gemeindefreie Gebiete, are left out), and of those, the ones whose position
    is known (the others are left out and named in the label: mostly German municipalities merged in 2019-20)."""
    fua = find_fua(fua_id)
    if int(fua["municipalities"]) < 2:
        raise ConfigError(f"region.fua_id={fua_id!r} ({fua['fua_name']}) is one municipality: no neighbour to "
                          "cooperate with; allowed: a functional urban area of two or more (`cityregions fuas`)")
    rows = [r for r in country_rows(fua["country"]) if r["fua_id"] == fua_id and float(r["population"]) > 0]
    placed = [r for r in rows if r["lat"].strip() and r["lon"].strip()]
    label = f"FUA {fua_id} {fua['fua_name']} ({fua['country']})"
    if len(placed) < len(rows):
        lost = sum(float(r["population"]) for r in rows if r not in placed)
        label += (f"; left out for want of a position: {len(rows) - len(placed)} municipalities, {lost:,.0f} "
                  f"residents ({', '.join(r['name'] for r in rows if r not in placed)})")
    return _places(placed, fua["country"], label)


POPULATION_YEAR = 2019.0  # the LAU 2019 populations are counts of 1 January 2019
TEMPLATE = {"DE": "leipzig", "AT": "graz", "PL": "wroclaw", "CZ": "prague", "IT": "turin"}


def fua_facts(fua_id: str) -> RegionFacts:
    """The facts of a functional urban area: its own municipalities, core and totals (Eurostat LAU 2019), and the
    country's CITY REGIONS region for what is not sourced per FUA: growth, PT share, pilot themes and size
    (assumption, labelled in pilot_title)."""
    fua = find_fua(fua_id)
    template = load_region(TEMPLATE[fua["country"]])
    chosen = fua_places(fua_id)
    core = chosen.core
    return dataclasses.replace(
        template, name="fua", core_city=chosen.names[core], partner_city=chosen.names[core], partner_body="",
        core_population=float(chosen.population[core]), core_area_km2=float(chosen.area_km2[core]),
        fua_population=float(chosen.population.sum()), fua_area_km2=float(chosen.area_km2.sum()),
        n_municipalities=len(chosen) - 1, in_commuters=None, core_jobs=None, secondary_centre_name=None,
        secondary_centre_population=None,
        pilot_title=f"functional urban area {fua_id} {fua['fua_name']} ({fua['country']}); growth, PT share and "
                    f"pilot as in {template.name} (assumption)")
