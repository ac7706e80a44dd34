"""Invariants that hold in every region, every scenario, every quarter."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_config

from cityregions.config import REGIONS
from cityregions.model import growth
from cityregions.model.model import CityRegionModel
from cityregions.rules import land
from cityregions.rules.cooperation import Theme


def _stepwise(region, scenario, seed=0):
    """Yield the model after every quarter."""
    m = CityRegionModel(make_config(f"region={region}", f"scenario={scenario}", f"seed={seed}"))
    for _ in range(m.timeline.n_steps):
        m.step()
        yield m


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("scenario", ["no_cooperation", "integrated"])
def test_land_is_conserved_in_every_municipality_at_every_step(region, scenario):
    area = None
    for m in _stepwise(region, scenario):
        if area is None:
            area = m.land_use.area_ha
        np.testing.assert_allclose(m.land.total(), area, rtol=1e-9, atol=1e-6)
        for c in land.CLASSES:
            assert getattr(m.land, c).min() >= -1e-9, (m.timeline.label(m.step_index), c)


@pytest.mark.parametrize("region", REGIONS)
def test_population_and_jobs_follow_the_growth_inputs(region):
    for m in _stepwise(region, "city_regions"):
        years = (m.step_index + 1) / 4
        p, c = m.people, m.const
        core, ring = m.geo.is_core, ~m.geo.is_core  # the core and the ring each at its own sourced input
        expected = (p.start[core] * (1 + c.growth_inputs[core]) ** years).sum() + (
            p.start[ring] * (1 + c.growth_inputs[ring]) ** years).sum()
        assert p.population.sum() == pytest.approx(expected, rel=1e-9)
        assert p.jobs.sum() == pytest.approx(p.jobs0 * (1 + c.job_growth_rate) ** years, rel=1e-9)
        assert (p.population > 0).all() and (p.jobs >= 0).all()


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("scenario", ["city_regions", "integrated"])
def test_the_growth_constants_are_what_each_quarter_would_compute(region, scenario):
    m = CityRegionModel(make_config(f"region={region}", f"scenario={scenario}"))
    c, p, lp = m.const, m.people, m.cfg.params.land
    assert len(c.resident_targets) == m.timeline.n_steps
    for t in range(1, m.timeline.n_steps + 1):  # bit for bit, each quarter's sum in its own order
        assert c.resident_targets[t - 1] == float((p.start * (1.0 + c.growth_inputs) ** (t / 4)).sum()), t
    for t in range(m.timeline.n_steps + 1, m.timeline.n_steps + 9):  # a step past the horizon, one quarter alone
        alone = growth.resident_targets(p.start, c.growth_inputs, np.array([t]))[0]
        assert alone == float((p.start * (1.0 + c.growth_inputs) ** (t / 4)).sum()), t
    np.testing.assert_array_equal(c.persons_per_ha, np.where(m.geo.is_core, lp.persons_per_ha_core,
                                                             lp.persons_per_ha_suburb))
    np.testing.assert_array_equal(c.brown_shares_alone, growth.brown_share(m, np.zeros(m.geo.n, dtype=bool)))


def test_firms_the_vacant_land_holds_convert_nothing_and_the_others_convert_what_it_lacks():
    m = CityRegionModel(make_config("region=graz", "scenario=no_cooperation"))
    s, share = growth.setting(m), np.full(m.geo.n, 1.0 / m.geo.n)
    before = m.land.copy()
    assert growth.commercial_land(m, s, 1.0, share, 0.5 * before.commercial_vacant) is None  # half of it
    np.testing.assert_array_equal(m.land.commercial_vacant, before.commercial_vacant - 0.5 * before.commercial_vacant)
    np.testing.assert_array_equal(m.land.greenfield, before.greenfield)
    np.testing.assert_array_equal(m.land.brownfield, before.brownfield)
    before = m.land.copy()
    g, b = growth.commercial_land(m, s, 1.0, share, before.commercial_vacant + 2.0)  # 2 ha more than is vacant
    np.testing.assert_allclose(g + b, 2.0)
    np.testing.assert_array_equal(m.land.greenfield, before.greenfield - g)
    np.testing.assert_array_equal(m.land.brownfield, before.brownfield - b)


@pytest.mark.parametrize("region", ["graz", "prague"])
def test_the_car_accessibility_growth_reads_is_that_of_the_jobs_there_are_when_it_grows(region):
    # kept from the last commuting stage: no stage between it and the next quarter's growth moves a job
    m = CityRegionModel(make_config(f"region={region}", "scenario=integrated"))
    for _ in range(m.timeline.n_steps):
        jobs = m.people.jobs.copy()
        np.testing.assert_array_equal(m.commuting.car_access, m.commuting.tables.by_car(jobs))
        m.step()


@pytest.mark.parametrize("region", ["graz", "turin"])
def test_shares_bounded_and_memberships_consistent(region):
    for m in _stepwise(region, "integrated"):
        assert 0.0 <= m.commuting.outcome.pt_share <= 1.0
        assert ((m.commuting.p_pt >= 0) & (m.commuting.p_pt <= 1)).all()
        assert (m.coop.trust >= 0).all() and (m.coop.trust <= 1).all()
        for theme in Theme:
            count = np.zeros(m.geo.n, dtype=int)  # the active agreements each municipality is in
            for a in (a for a in m.coop.agreements[theme] if a.active):
                assert a.members.sum() >= 2
                count += a.members
            assert (m.members(theme) == (count > 0)).all()
            assert count.max() <= 1  # a municipality is in at most one active agreement per theme
        for agent in m.municipalities:
            for theme_name in agent.memberships:
                assert m.members(Theme(theme_name))[agent.index]


def test_indicators_are_finite():
    from conftest import cached_run
    q = cached_run("region=all", "scenario=integrated").quarterly
    numeric = q.select_dtypes("number")
    assert np.isfinite(numeric.to_numpy()).all()
