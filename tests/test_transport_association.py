"""The transport association as the regions found it: tariff unions that already existed, regional service that
runs between municipalities, a cost borne by the residents who commute between them, and the congestion relief a
core city with a veto counts. Worked examples by hand; the five regions' unions as the data hold them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cityregions.config import TransportParams, load_config
from cityregions.model import governance
from cityregions.model.model import CityRegionModel
from cityregions.rules import payoffs, transport
from cityregions.rules.cooperation import Status, Theme
from cityregions.world import catchment
from cityregions.world.geography import tariff_union

TP = TransportParams()  # value of time 10 EUR/h, fare 2.0, tariff penalty 1.5, car 0.30 EUR/km, scale 0.4/EUR


def three_places() -> catchment.Catchment:
    """Three municipalities 20 car minutes, 15 road km and 30 PT minutes apart (and from themselves)."""
    return catchment.all_pairs(np.full((3, 3), 20.0), np.full((3, 3), 15.0), np.full((3, 3), 30.0))


def logistic_pt(car_eur: float, pt_eur: float) -> float:
    return 1.0 / (1.0 + np.exp(-0.4 * (car_eur - pt_eur)))


def test_an_existing_tariff_union_removes_the_tariff_penalty_before_any_association():
    pairs = three_places()
    car = transport.car_cost(pairs.car_min, pairs.road_km, TP)  # 10 * 20/60 + 0.30 * 15 = 7.8333 EUR
    union = np.array([True, True, False])
    modes = transport.mode_tables(pairs, car, np.full(3, 30.0), 1.0, 0.0, TP, union)
    p_out = modes.p_out.reshape(3, 3)
    car_eur = 10 * 20 / 60 + 0.30 * 15
    one_ticket = 10 * (30 + 15) / 60 + 2.0  # in-vehicle time and half the 30-minute headway, the fare: 9.5 EUR
    assert p_out[0, 1] == pytest.approx(logistic_pt(car_eur, one_ticket), rel=1e-12)  # both in the union
    assert p_out[0, 2] == pytest.approx(logistic_pt(car_eur, one_ticket + 1.5), rel=1e-12)  # across its edge
    gain_tariff, shift = modes.gain_tariff.reshape(3, 3), modes.shift_tariff.reshape(3, 3)
    assert gain_tariff[0, 1] == 0 and shift[0, 1] == 0  # an association has no tariff left to integrate there
    assert gain_tariff[0, 2] > 0 and shift[0, 2] > 0  # but it has where the union ends


def test_the_associations_service_runs_between_municipalities_not_within_them():
    pairs = three_places()
    car = transport.car_cost(pairs.car_min, pairs.road_km, TP)
    modes = transport.mode_tables(pairs, car, np.full(3, 30.0), 1.0, 0.0, TP)
    p_out, p_in, gain = (x.reshape(3, 3) for x in (modes.p_out, modes.p_in, modes.gain))
    assert p_in[1, 1] == p_out[1, 1] and gain[1, 1] == 0  # a trip within a municipality runs on its own network
    # across: the headway is halved (service 1.0), 7.5 minutes less wait, 1.25 EUR at 10 EUR/h
    z_out = 0.4 * (10 * 20 / 60 + 0.30 * 15 - (10 * 45 / 60 + 2.0 + 1.5))
    z_in = z_out + 0.4 * 1.25
    assert gain[0, 1] == pytest.approx((np.log1p(np.exp(z_in)) - np.log1p(np.exp(z_out))) / 0.4, rel=1e-12)


def test_the_associations_cost_falls_on_the_residents_who_commute_between_municipalities():
    pairs = three_places()
    car = transport.car_cost(pairs.car_min, pairs.road_km, TP)
    x = payoffs.TransportInputs(
        pairs=pairs, flows=np.full(9, 1.0), modes=transport.mode_tables(pairs, car, np.full(3, 30.0), 1.0, 0.0, TP),
        population=np.array([1000.0, 200.0, 100.0]), pt_trips=np.array([40.0, 20.0, 10.0]), integration=False,
        service=1.0, commuters_across=np.array([100.0, 50.0, 10.0]), cost_per_commuter=37.0, key=0.5,
        autonomy_weight=0.0, congestion_eur=0.0, trips_per_worker=1.0)
    paid = payoffs.transport_association(np.array([True, False, False]), x).contribution  # service alone
    # the core alone: 37 EUR x 100 commuters, all of it at either key
    assert paid[0] == pytest.approx(37 * 100 * (0.5 * 1000 / 1000 + 0.5 * 40 / 40))
    # 1 joining: 37 x (100 + 50) = 5,550 EUR, its share 0.5 x 200/1,200 + 0.5 x 20/60 = 0.25
    assert paid[1] == pytest.approx(5550 * 0.25)
    # 2 joining: 37 x 110 = 4,070 EUR, its share 0.5 x 100/1,100 + 0.5 x 10/50
    assert paid[2] == pytest.approx(4070 * (0.5 * 100 / 1100 + 0.5 * 10 / 50))


def test_one_tariff_costs_its_members_the_second_fare_their_riders_paid():
    pairs = three_places()
    car = transport.car_cost(pairs.car_min, pairs.road_km, TP)
    modes = transport.mode_tables(pairs, car, np.full(3, 30.0), 1.0, 0.0, TP, np.array([False, True, True]))
    p_in = modes.p_in.reshape(3, 3)  # a member origin's PT probability before one tariff
    flows = np.array([[0.0, 10.0, 20.0], [30.0, 0.0, 40.0], [50.0, 60.0, 0.0]])
    x = payoffs.TransportInputs(
        pairs=pairs, flows=flows.ravel(), modes=modes, population=np.full(3, 100.0), pt_trips=np.full(3, 10.0),
        integration=True, service=0.0, commuters_across=np.full(3, 10.0), cost_per_commuter=0.0, key=1.0,
        autonomy_weight=0.0, congestion_eur=0.0, trips_per_worker=2.0)
    paid = payoffs.transport_association(np.array([True, False, False]), x).contribution
    # 1 and 2 are in a union already: only trips between 0 and the other joining paid a second fare (1.5 EUR),
    # and with key 1 the waived fares are split by population between the two members, 2 trips a day per commuter
    assert paid[1] == pytest.approx(1.5 * 2 * (10 * p_in[0, 1] + 30 * p_in[1, 0]) / 2)
    assert paid[2] == pytest.approx(1.5 * 2 * (20 * p_in[0, 2] + 50 * p_in[2, 0]) / 2)
    assert paid[0] == 0  # alone, it waives nothing
    x = dataclasses.replace(x, integration=False)
    assert not payoffs.transport_association(np.array([True, False, False]), x).contribution.any()


def test_public_transport_trips_within_a_municipality_are_not_the_associations_use():
    pairs = catchment.all_pairs(np.full((2, 2), 10.0), np.full((2, 2), 5.0), np.full((2, 2), 15.0))
    flows, p_pt = np.array([10.0, 5.0, 3.0, 20.0]), np.full(4, 0.5)
    out = transport.commute_outcome(flows, p_pt, pairs, TP, 0.2, 0.05)
    np.testing.assert_allclose(out.commuters_across, [5.0, 3.0])
    np.testing.assert_allclose(out.pt_trips_across, [5 * 0.5 * 2 * 220, 3 * 0.5 * 2 * 220])


CLEAR = ["region=synthetic", "region.n_municipalities=8", "scenario=transport_alliance", "timeline.horizon=2014Q4",
         "params.cooperation.perception_bias_mean=0", "params.cooperation.perception_bias_sd=0"]


@pytest.mark.parametrize("veto", [True, False])
def test_the_relief_from_the_others_service_counts_only_for_a_core_whose_veto_makes_it_pivotal(veto):
    m = CityRegionModel(load_config([*CLEAR, f"scenario.core_veto={str(veto).lower()}"]))
    members = np.ones(m.geo.n, dtype=bool)
    external = payoffs.transport_association(members, governance.transport_inputs(m)).external
    assert external[m.geo.core] > 0  # the suburbs' better service keeps car trips off the core's roads
    p = governance.payoff(m, Theme.TRANSPORT, members, Status.CONTRACT)
    w = m.cfg.params.cooperation.welfare_weight
    suburbs = ~m.geo.is_core
    np.testing.assert_allclose(p.free_riding[suburbs], w * external[suburbs])  # had in or out: cancels
    core = m.geo.core
    assert p.free_riding[core] == pytest.approx(0.0 if veto else w * external[core])


def test_the_regions_tariff_unions_cover_them_as_sourced():
    covered = {}
    for region in ("leipzig", "graz", "wroclaw", "prague", "turin"):
        m = CityRegionModel(load_config([f"region={region}"]))
        covered[region] = tariff_union(m.geo, m.facts, 2012)
        if covered[region].all():  # then an association's tariff integration gains nothing anywhere
            assert not m.commuting.tables.modes.gain_tariff.any()
    assert {r for r, c in covered.items() if c.all()} == {"leipzig", "graz", "prague", "turin"}
    assert not covered["wroclaw"].any()  # none found: every boundary a tariff boundary
    m = CityRegionModel(load_config(["region=graz", "region.tariff_union=false"]))
    assert m.commuting.tables.modes.gain_tariff.any()  # the counterfactual without the union


def test_a_union_reaches_as_far_as_its_radius_and_exists_only_from_its_first_year():
    m = CityRegionModel(load_config(["region=graz"]))
    c = m.geo.core
    km = np.hypot(m.geo.x_km - m.geo.x_km[c], m.geo.y_km - m.geo.y_km[c])
    near = dataclasses.replace(m.facts, tariff_union_radius_km=10.0)
    np.testing.assert_array_equal(tariff_union(m.geo, near, 2012), km <= 10.0)
    assert 0 < (km <= 10.0).sum() < m.geo.n
    assert not tariff_union(m.geo, dataclasses.replace(m.facts, tariff_union_since=2013.0), 2012).any()


def test_an_existing_transport_authority_leaves_an_association_no_service_to_add_in_its_area():
    pairs = three_places()
    car = transport.car_cost(pairs.car_min, pairs.road_km, TP)
    authority = np.array([True, True, False])  # 0 and 1 already served by the authority, 2 not
    modes = transport.mode_tables(pairs, car, np.full(3, 30.0), 1.0, 0.0, TP, authority=authority)
    alone = transport.mode_tables(pairs, car, np.full(3, 30.0), 1.0, 0.0, TP)
    shift = modes.shift_service.reshape(3, 3)
    assert (shift[:2] == 0).all()  # no added trains at stations the authority already co-finances
    assert shift[2, 0] == alone.shift_service.reshape(3, 3)[2, 0] > 0  # outside its area, as without it
    assert np.array_equal(modes.p_out, alone.p_out)  # the start is the same: the observed service
    # and the association's cost: only the residents outside the area are newly served
    assert list(governance.served_by_association(np.array([100.0, 50.0, 10.0]), authority)) == [0.0, 0.0, 10.0]
    assert list(governance.served_by_association(np.array([100.0, 50.0, 10.0]), None)) == [100.0, 50.0, 10.0]


def test_turins_agency_serves_the_conurbation_as_sourced():
    m = CityRegionModel(load_config(["region=turin", "scenario=city_regions"]), region="turin")
    area = m.commuting.tables.authority
    served = {n for n, a in zip(m.geo.names, area, strict=True) if a}
    assert {"Torino", "Moncalieri", "Rivoli", "Chieri", "Leini", "Mappano"} <= served and len(served) == 30
    assert {"Gassino Torinese", "Pavarolo", "Sciolze"}.isdisjoint(served)  # the eastern hills lie outside it
    for region in ("leipzig", "graz", "wroclaw", "prague"):  # no authority found for the others
        other = CityRegionModel(load_config([f"region={region}"]), region=region)
        assert other.commuting.tables.authority is None
    off = CityRegionModel(load_config(["region=turin", "region.pt_authority=false"]), region="turin")
    assert off.commuting.tables.authority is None
