"""Real places: the five regions' real municipalities and every functional urban area of the five countries.

The tables are Eurostat LAU 2019 (codes, names, populations of 1 January 2019, areas) with each municipality's
position; the expected figures below are read from the source tables (SOURCES.md beside them) or computed by
hand from them.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter

import numpy as np
import pytest

from cityregions.config import COUNTRIES, ConfigError, load_config
from cityregions.world import places
from cityregions.world.geography import backcast, region_geography

# region: (rows of the table, rows of the partner extent, core name, core's LAU population 2019)
REGIONS = {
    "leipzig": (82, 34, "Leipzig", 587_857),
    "graz": (102, 37, "Graz", 288_806),
    "wroclaw": (53, 19, "Wrocław", 640_648),
    "prague": (588, 188, "Praha", 1_308_632),
    "turin": (312, 39, "Torino", 875_698),
}


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_is_its_real_municipalities(region):
    rows, partner, core, core_population = REGIONS[region]
    every = places.region_places(region, "district")
    chosen = places.region_places(region, "partner")
    assert (len(every), len(chosen)) == (rows, partner)
    for table in (every, chosen):
        assert table.names[table.core] == core and table.population[table.core] == core_population
        assert len(set(table.names)) == len(table) and len(set(table.codes)) == len(table)
    assert set(chosen.codes) <= set(every.codes)


def test_names_keep_their_diacritics_and_lose_only_the_german_status():
    assert {"Markkleeberg", "Halle (Saale)", "Schkeuditz"} <= set(places.region_places("leipzig").names)
    assert {"Seiersberg-Pirka", "Gratwein-Straßengel"} <= set(places.region_places("graz").names)
    assert {"Říčany", "Černošice"} <= set(places.region_places("prague").names)
    assert {"Kąty Wrocławskie", "Długołęka"} <= set(places.region_places("wroclaw").names)
    assert "Moncalieri" in places.region_places("turin").names
    assert places.readable("Kiel, Landeshauptstadt", "DE") == "Kiel"
    assert places.readable("Vysoký Újezd", "CZ") == "Vysoký Újezd"


def test_a_polish_town_and_the_rural_gmina_of_the_same_name_stay_apart():
    names = set(places.region_places("wroclaw", "district").names)
    assert {"Świdnica (miasto)", "Świdnica (gmina wiejska)", "Oława (miasto)", "Oława (gmina wiejska)"} <= names
    assert "Świdnica" not in names


def test_czech_villages_of_one_name_are_told_apart_by_their_district():
    names = places.region_places("prague", "district").names
    assert "Nová Ves (Praha-východ)" in names and "Nová Ves (Mělník)" in names


def test_the_extents_nest_and_are_what_their_rules_say():
    leipzig = places.region_places("leipzig", "partner")
    assert leipzig.names[:2] == ("Leipzig", "Halle (Saale)")  # the two centres and the 32 nearest to either
    graz = places.region_places("graz", "partner")
    assert set(graz.groups) == {"Graz(Stadt)", "Graz-Umgebung"}
    assert set(places.region_places("wroclaw", "partner").fua_ids) == {"PL004L2"}
    assert len(places.region_places("turin", "fua")) == 89


def test_positions_are_kilometres_whose_distances_match_the_great_circle():
    """Leipzig to Halle: the projected distance against the haversine distance of the two WGS84 points."""
    t = places.region_places("leipzig", "district")
    projected = math.hypot(t.x_km[1] - t.x_km[0], t.y_km[1] - t.y_km[0])
    (lat1, lon1), (lat2, lon2) = (51.338288, 12.377931), (51.482478, 11.970666)  # leipzig.csv, rows 2 and 3
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    great_circle = 2 * 6371.0088 * math.asin(math.sqrt(a))
    assert great_circle == pytest.approx(32.48, abs=0.01)
    assert projected == pytest.approx(great_circle, rel=5e-3)  # equal-area, not equidistant: 0.25 % off here


def test_populations_start_from_2019_counts_backcast_at_the_regions_growth():
    """Leipzig's 587,857 residents of 1 January 2019, 6.5 years before July 2012, at 1.7 % a year."""
    assert backcast(np.array([587_857.0]), 0.017)[0] == pytest.approx(587_857 / 1.017 ** 6.5, rel=1e-12)
    assert 587_857 / 1.017 ** 6.5 == pytest.approx(526_848, abs=1)


def test_a_run_of_the_partner_extent_has_the_tables_names_and_backcast_populations():
    cfg = load_config(["region=graz", "region.extent=partner"])
    geo = region_geography(cfg)
    table = places.region_places("graz", "partner")
    assert geo.names == list(table.names) and geo.names[geo.core] == "Graz"
    core = (291_731 / 261_726) ** (1 / 10) - 1  # Graz, census Oct 2011 -> Oct 2021 (region_facts.csv)
    ring = (160_142 / 143_258) ** (1 / 10) - 1  # Graz-Umgebung, the same censuses
    rates = np.where(np.arange(geo.n) == geo.core, core, ring)
    assert geo.population == pytest.approx(table.population * (1 + rates) ** -6.5, rel=1e-12)
    assert geo.x_km[geo.core] == 0 and geo.y_km[geo.core] == 0


def fua_sample() -> list[str]:
    """Each country's largest and smallest FUA of two or more municipalities and three more drawn with a fixed
    seed."""
    chosen = []
    for country in COUNTRIES:
        fuas = sorted((f for f in places.fua_list() if f["country"] == country and int(f["municipalities"]) > 1),
                      key=lambda f: int(f["municipalities"]))
        rest = [f["fua_id"] for f in fuas[1:-1]]
        chosen += [fuas[0]["fua_id"], fuas[-1]["fua_id"], *random.Random(country).sample(rest, 3)]
    return chosen


@pytest.mark.parametrize("fua_id", [*fua_sample(), "DE003L1", "DE064L1"])
def test_a_functional_urban_area_builds_its_geography(fua_id):
    fua = places.find_fua(fua_id)
    cfg = load_config(["region=fua", f"region.fua_id={fua_id}"])
    geo = region_geography(cfg)
    chosen = places.fua_places(fua_id)
    assert geo.n == len(chosen) == int(fua["municipalities_with_coordinates"]) - unpopulated(fua_id)
    assert chosen.population.sum() == int(fua["population"]) - left_out(chosen.label)
    assert geo.population[geo.core] == pytest.approx(backcast(np.array([float(fua["core_population"])]),
                                                              places.fua_facts(fua_id).growth_of_core)[0])
    assert geo.pairs.orig.size >= geo.n  # every municipality reaches at least itself


def unpopulated(fua_id: str) -> int:
    """Rows of the FUA with a position but no residents (areas outside any municipality)."""
    return sum(1 for r in places.country_rows(fua_id[:2])
               if r["fua_id"] == fua_id and float(r["population"]) == 0 and r["lat"])


def left_out(label: str) -> int:
    return int(label.split(" municipalities, ")[1].split(" residents")[0].replace(",", "")) if "left out" in label \
        else 0


def test_municipalities_without_a_position_are_left_out_and_named():
    """Neubrandenburg's FUA: 156 municipalities in the LAU table, 147 with a position (fua.csv)."""
    chosen = places.fua_places("DE064L1")
    assert len(chosen) == 147 and "left out for want of a position: 9 municipalities" in chosen.label
    assert "Duckow" in chosen.label and "Duckow" not in chosen.names


def test_an_unknown_fua_names_the_closest_codes_and_names():
    with pytest.raises(ConfigError, match=r"region.fua_id='Lepzig' .* closest: DE008L2 \(Leipzig, DE\)"):
        places.find_fua("Lepzig")
    with pytest.raises(ConfigError, match=r"region.fua_id='DE08L2' .* closest: .*DE008L2"):
        places.find_fua("DE08L2")


def test_a_fua_of_one_municipality_is_refused_it_has_no_one_to_cooperate_with():
    with pytest.raises(ConfigError, match=r"region.fua_id='DE017L0' \(Bielefeld\) is one municipality"):
        places.fua_places("DE017L0")


def test_region_fua_needs_its_code_and_the_code_needs_region_fua():
    with pytest.raises(ConfigError, match="region=fua needs region.fua_id=<code>"):
        load_config(["region=fua"])
    with pytest.raises(ConfigError, match="fua_id applies to it only"):
        load_config(["region=graz", "region.fua_id=AT002L4"])


def test_a_row_without_a_position_is_named_by_file_row_and_column():
    rows = [dict(r) for r in places._region_rows("graz")]
    rows[5]["lat"] = ""
    with pytest.raises(ConfigError, match=r"^places/graz.csv, row 7, column 'lat': '' is not a number"):
        places._places(rows, "AT", "graz")


def test_every_real_name_has_its_own_readable_file_name():
    from cityregions.reporting.brief import file_stem, file_stems

    assert file_stem("Halle (Saale)") == "halle_saale" and file_stem("Moncalieri") == "moncalieri"
    assert file_stem("Říčany") == "ricany" and file_stem("Řež") == "rez"
    assert file_stem("Gratwein-Straßengel") == "gratwein_strassengel"
    assert file_stem("Łódź") == "lodz" and file_stem("Žďár nad Sázavou") == "zdar_nad_sazavou"
    assert file_stem("Świdnica (miasto)") != file_stem("Świdnica (gmina wiejska)")
    for region in REGIONS:
        table = places.region_places(region, "district")
        names = list(table.names)
        stems = file_stems(names, list(table.codes))
        assert list(stems) == names and len(set(stems.values())) == len(names), region
        assert all(re.fullmatch(r"[a-z0-9_]+", s) for s in stems.values()), region
        shared = Counter(file_stem(n) for n in names)
        assert all(stems[n] == file_stem(n) for n in names if shared[file_stem(n)] == 1), region  # no suffix
        if region == "prague":
            assert stems["Říčany"] == "ricany" and stems["Praha"] == "praha"


def test_names_alike_in_ascii_take_their_codes_and_else_a_hash_of_the_name():
    from cityregions.reporting.brief import file_stems

    stems = file_stems(["Nová Ves", "Nova Ves", "Říčany"], ["CZ_A", "CZ_B", "CZ_C"])
    assert stems == {"Nová Ves": "nova_ves_cz_a", "Nova Ves": "nova_ves_cz_b", "Říčany": "ricany"}
    assert file_stems(["Nová Ves", "Nova Ves"], ["CZ 01/Ä", ""])["Nová Ves"] == "nova_ves_cz_01_a"
    no_codes = file_stems(["Nová Ves", "Nova Ves"], ["", ""])  # synthetic places: a hash of the exact name
    one_code = file_stems(["Nová Ves", "Nova Ves"], ["X", "x"])  # codes alike too
    for stems in (no_codes, one_code):
        assert len(set(stems.values())) == 2 and all(re.fullmatch(r"nova_ves_[0-9a-f]{6}", s) for s in stems.values())
    with pytest.raises(ValueError, match="2 names but 1 codes"):
        file_stems(["A", "B"], ["1"])
