"""Regions are built from their facts: real municipalities (tests/test_places.py) or, with region.extent=rank_size,
invented ones that keep the sourced totals; either way a deterministic, connected network."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from cityregions.config import REGIONS, ConfigError, RegionConfig, TransportParams
from cityregions.world.facts import load_region
from cityregions.world.geography import build_geography, rank_size_populations
from cityregions.world.user_table import read_municipalities_csv


def _geo(region, seed=0, **kw):
    return build_geography(load_region(region), RegionConfig(name=region, **kw), TransportParams(),
                           np.random.default_rng(seed))


@pytest.mark.parametrize("region", REGIONS)
def test_invented_municipalities_keep_the_sourced_totals(region):
    f = load_region(region)
    g = _geo(region, extent="rank_size")
    assert g.n == f.n_municipalities + 1 + (1 if f.secondary_centre_population else 0)
    assert g.population.sum() == pytest.approx(f.fua_population)
    assert g.area_km2.sum() == pytest.approx(f.fua_area_km2)
    assert g.population[g.core] == f.core_population
    assert (g.population > 0).all() and (g.area_km2 > 0).all()


@pytest.mark.parametrize("region", REGIONS)
def test_network_is_connected_with_finite_travel_times(region):
    g = _geo(region)
    assert nx.is_connected(g.graph)
    assert g.pairs.complete  # every trip in the five regions is shorter than the catchment cutoff
    assert np.isfinite(g.pairs.car_min).all() and np.isfinite(g.pairs.pt_min).all()
    assert (g.pairs.car_min >= 0).all()
    assert (g.corridor >= 0).sum() > 0  # some municipalities sit on a rail/bus corridor


def test_corridors_make_public_transport_faster_to_the_core():
    g = _geo("prague")
    on = g.corridor >= 0
    to_core = g.pairs.positions(np.arange(g.n), np.full(g.n, g.core))
    ratio = g.pairs.pt_min[to_core] / np.maximum(g.pairs.car_min[to_core], 1e-9)
    assert np.median(ratio[on]) < np.median(ratio[~on & ~g.is_core])


def test_same_seed_same_region_other_seed_other_detail():
    a, b, c = (_geo("graz", seed, extent="rank_size") for seed in (1, 1, 2))
    assert np.array_equal(a.x_km, b.x_km) and np.array_equal(a.pairs.car_min, b.pairs.car_min)
    assert not np.array_equal(a.x_km, c.x_km)


def test_real_places_stay_where_they_are_whatever_the_seed():
    a, c = _geo("graz", 1), _geo("graz", 2)
    assert a.names == c.names and np.array_equal(a.x_km, c.x_km) and np.array_equal(a.population, c.population)


def test_rank_size_rule():
    p = rank_size_populations(1000.0, 10, 1.0)
    assert p.sum() == pytest.approx(1000.0)
    assert p[0] / p[1] == pytest.approx(2.0)
    assert (np.diff(p) < 0).all()


def test_secondary_centre_is_placed():
    g = _geo("leipzig")
    assert "Halle (Saale)" in g.names


GOOD = ("name,population,area_km2,x_km,y_km,is_core\n"
        "City,500000,300,0,0,yes\nA,20000,50,10,2,\nB,8000,40,-5,12,\nC,3000,30,4,-15,\n")


def test_user_municipality_table_replaces_synthetic_detail(tmp_path):
    p = tmp_path / "munis.csv"
    p.write_text(GOOD, encoding="utf-8")
    g = _geo("leipzig", municipalities_csv=str(p))
    assert g.names == ["City", "A", "B", "C"]
    assert g.core == 0 and g.population.sum() == 531000
    assert nx.is_connected(g.graph)


@pytest.mark.parametrize(("text", "message"), [
    ("name,population,area_km2,x_km\nA,1,1,1\n", r"row 1 \(header\): missing column\(s\) y_km"),
    (GOOD.replace("20000", "lots"), r"row 3, column 'population': 'lots' is not a number"),
    (GOOD.replace("8000,40", "8000,-40"), r"row 4, column 'area_km2': -40.0 must be > 0"),
    (GOOD.replace("\nB,", "\nA,"), r"row 4, column 'name': duplicate name 'A'"),
    (GOOD.replace("3000,30", "nan,30"), r"row 5, column 'population': nan is not a finite number"),
    ("name,population,area_km2,x_km,y_km\nA,1,1,1,1\n", r"needs a core city and at least one other"),
])
def test_malformed_municipality_table_names_file_row_and_column(tmp_path, text, message):
    p = tmp_path / "bad.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        read_municipalities_csv(p)
    assert str(p) in str(err.value)


def test_municipality_table_in_wrong_encoding(tmp_path):
    p = tmp_path / "latin1.csv"
    data = GOOD.replace("City", "Görlitz").encode("latin-1")
    p.write_bytes(data)
    at = data.index("ö".encode("latin-1"))  # counted from the start of the file
    with pytest.raises(ConfigError, match=f"not UTF-8 text .* at byte {at}"):
        read_municipalities_csv(p)
