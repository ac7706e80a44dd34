"""The open region: residents choose where to live with a land-price feedback, commuting crosses the region's
boundary, and land is taken for other uses as the monitors count them. Worked examples by hand, then the
mechanisms in the model."""

from __future__ import annotations

import numpy as np
import pytest

from cityregions.config import load_config
from cityregions.model.model import CityRegionModel
from cityregions.rules import boundary, gravity, land, location
from cityregions.world import outside, places

# ----------------------------------------------------------------------------------------- location choice


def test_the_land_price_factor_is_the_odds_of_the_buildable_land_left_to_the_elasticity():
    # developable / developed = 30/60, 80/10, 0/50; to the power 0.75: 0.5^0.75, 8^0.75, 0
    got = location.price_factor(np.array([30.0, 80.0, 0.0]), np.array([60.0, 10.0, 50.0]), 0.75)
    assert got == pytest.approx([0.594604, 4.756828, 0.0], rel=1e-6)


def test_movers_and_newcomers_settle_by_residents_times_pull():
    # 10 % of 100, 50, 50 move (10, 5, 5); with 20 newcomers 40 settle by residents x pull = 50, 50, 100
    got = location.relocate(np.array([100.0, 50.0, 50.0]), np.array([0.5, 1.0, 2.0]), 20.0, 0.1)
    assert got == pytest.approx([100.0 - 10 + 10, 50.0 - 5 + 10, 50.0 - 5 + 20])


def test_decline_is_allocated_by_the_same_choice_not_in_proportion_to_residents():
    # 20 move, 10 fewer arrive: the 10 left settle 2.5, 2.5, 5; the least attractive loses the most
    got = location.relocate(np.array([100.0, 50.0, 50.0]), np.array([0.5, 1.0, 2.0]), -10.0, 0.1)
    assert got == pytest.approx([92.5, 47.5, 50.0])
    assert got.sum() == pytest.approx(190.0)


def test_a_region_shrinking_faster_than_its_residents_move_loses_everywhere_alike():
    got = location.relocate(np.array([100.0, 50.0, 50.0]), np.array([0.5, 1.0, 2.0]), -30.0, 0.1)
    assert got == pytest.approx([85.0, 42.5, 42.5])  # 15 % leave, nobody arrives


def test_a_core_with_no_free_land_pushes_its_growth_out():
    m = CityRegionModel(load_config(["region=graz", "scenario=no_cooperation"]))
    core, stock = m.geo.core, m.land
    stock.protected[core] += stock.greenfield[core] + stock.brownfield[core]  # the core's land all built or kept
    stock.greenfield[core] = stock.brownfield[core] = 0.0
    before = m.people.population.copy()
    m.step()
    mobility = 1 - (1 - m.cfg.params.land.residential_mobility) ** 0.25
    assert m.people.population[core] == pytest.approx(before[core] * (1 - mobility), rel=1e-12)  # no one arrives
    ring = ~m.geo.is_core
    assert m.people.population[ring].sum() > before[ring].sum() + mobility * before[core]  # the ring takes them


# ----------------------------------------------------------------------------------------- the boundary


def _corner_case() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A core (1,000 workers, 1,900 jobs) and four suburbs (250 workers, 25 jobs each) 10 km apart, and an
    outside of four towns of 2,000 residents 20 km beyond them."""
    x = np.array([0.0, 10.0, -10.0, 0.0, 0.0])
    y = np.array([0.0, 0.0, 0.0, 10.0, -10.0])
    workers = np.array([1000.0, 250.0, 250.0, 250.0, 250.0])
    jobs = np.array([1900.0, 25.0, 25.0, 25.0, 25.0])
    return x, y, workers, jobs, np.array([30.0, -30.0, 0.0, 0.0]), np.array([0.0, 0.0, 30.0, -30.0])


def test_the_external_zone_pulls_as_the_sum_of_its_municipalities():
    x, y, _, _, ox, oy = _corner_case()
    residents = np.array([2000.0, 1000.0, 500.0, 500.0])
    zone = boundary.external_zone(x, y, ox, oy, residents, 0.5, 0.06, 1.3, 45.0, 8.0)
    t = np.maximum(60 * np.hypot(x[:, None] - ox, y[:, None] - oy) * 1.3 / 45.0, 8.0)
    jobs_k = 0.5 * residents  # the outside's jobs equal its employed residents
    assert zone.workers * zone.deterrence == pytest.approx(np.exp(-0.06 * t) @ jobs_k, rel=1e-12)


@pytest.mark.parametrize("region", ["leipzig", "graz", "wroclaw", "prague", "turin"])
def test_the_outside_is_every_other_municipality_of_the_country_within_the_band(region):
    # against every pair's distance: the country's municipalities not in the region, nearer than 40 km to one of it
    chosen = places.region_places(region, "partner")
    codes, residents, x, y = places.country_points(chosen.country)
    gap = np.hypot(x[:, None] - chosen.x_km[None, :], y[:, None] - chosen.y_km[None, :]).min(axis=1)
    expected = np.flatnonzero(~np.isin(codes, chosen.codes) & (gap <= outside.BAND_KM))
    got = outside.surroundings(chosen)
    c = chosen.core
    assert len(got) == expected.size > 0
    np.testing.assert_array_equal(got.population, residents[expected])
    np.testing.assert_array_equal(got.x_km, x[expected] - chosen.x_km[c])
    np.testing.assert_array_equal(got.y_km, y[expected] - chosen.y_km[c])


def test_an_open_boundary_lets_the_suburban_share_to_the_core_fall_below_what_a_closed_region_forces():
    x, y, workers, jobs, ox, oy = _corner_case()
    t = np.maximum(60 * np.hypot(x[:, None] - x, y[:, None] - y) * 1.3 / 45.0, 8.0)
    deterrence = np.exp(-0.06 * t)
    closed, _ = gravity.gravity_flows(workers, jobs, deterrence)
    closed = closed.reshape(5, 5)
    forced = (jobs[0] - workers[0]) / workers[1:].sum()  # 900 of the core's jobs must go to suburban workers
    assert forced == pytest.approx(0.9)
    assert closed[1:, 0].sum() / workers[1:].sum() >= forced - 1e-6

    zone = boundary.external_zone(x, y, ox, oy, np.full(4, 2000.0), 0.5, 0.06, 1.3, 45.0, 8.0)
    w, j = boundary.open_margins(workers, jobs, zone)
    flows, _ = gravity.gravity_flows(w, j, boundary.open_deterrence(deterrence, zone))
    inner, crossing = boundary.split_flows(flows, boundary.open_deterrence(deterrence, zone), 5)
    inner = inner.reshape(5, 5)
    assert inner[1:, 0].sum() / workers[1:].sum() < forced - 0.05
    assert inner.sum(axis=1) + crossing.out == pytest.approx(workers, rel=1e-6)  # every worker works somewhere
    assert inner.sum(axis=0) + crossing.into == pytest.approx(jobs, rel=1e-6)  # every job is held
    assert crossing.into[0] > 0 and crossing.out[1:].sum() > 0


def test_sparse_and_dense_open_regions_cross_the_boundary_alike():
    from scipy import sparse

    x, y, workers, jobs, ox, oy = _corner_case()
    t = np.maximum(60 * np.hypot(x[:, None] - x, y[:, None] - y) * 1.3 / 45.0, 8.0)
    deterrence = np.exp(-0.06 * t)
    zone = boundary.external_zone(x, y, ox, oy, np.full(4, 2000.0), 0.5, 0.06, 1.3, 45.0, 8.0)
    w, j = boundary.open_margins(workers, jobs, zone)
    results = []
    for matrix in (deterrence, sparse.csr_array(deterrence)):
        open_matrix = boundary.open_deterrence(matrix, zone)
        flows, _ = gravity.gravity_flows(w, j, open_matrix)
        results.append(boundary.split_flows(flows, open_matrix, 5))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-9)
    assert results[0][1].out == pytest.approx(results[1][1].out, rel=1e-9)


def test_a_real_region_commutes_across_its_boundary_and_balances():
    m = CityRegionModel(load_config(["region=graz"]))
    c, pairs = m.commuting, m.commuting.pairs
    workers = m.const.employment_rate * m.people.population
    assert pairs.row_sums(c.flows) + c.crossings.out == pytest.approx(workers, rel=1e-6)
    core = m.geo.core
    assert c.crossings.into[core] > 0.2 * m.people.jobs[core]  # Graz draws workers from beyond Graz-Umgebung
    closed = CityRegionModel(load_config(["region=graz", "region.open_boundary=false"]))
    assert closed.commuting.crossings is None


# ----------------------------------------------------------------------------------------- other land uses


def test_other_uses_take_their_countrys_share_of_all_land_take():
    # 10 ha for housing and commerce at a share of 0.33 bring 10 x 0.33 / 0.67 = 4.925 ha; the third has 1 ha left
    got = land.other_uses(np.array([10.0, 0.0, 5.0]), 0.33, np.array([100.0, 100.0, 1.0]))
    assert got == pytest.approx([4.925373, 0.0, 1.0], rel=1e-6)
    with pytest.raises(ValueError, match="other_share=1.0"):
        land.other_uses(np.array([1.0]), 1.0, np.array([1.0]))


def test_land_is_conserved_with_the_other_uses_and_they_are_their_share_of_the_land_take():
    m = CityRegionModel(load_config(["region=leipzig", "timeline.horizon=2016Q4"]))
    area = m.land.total().copy()
    for _ in range(m.timeline.n_steps):
        m.step()
    np.testing.assert_allclose(m.land.total(), area, rtol=1e-12)
    assert min(getattr(m.land, c).min() for c in land.CLASSES) >= 0.0
    assert m.const.other_use_share == 0.33  # Germany, Destatis 2021
    assert m.land.other_built.sum() == pytest.approx(0.33 * m.land_use.greenfield_cum, rel=1e-9)
