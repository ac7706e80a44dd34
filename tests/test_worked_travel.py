"""Worked examples of travel: mode choice and what commuting amounts to (rules.transport) and the open region's
external zone (rules.boundary); the gravity model's are in tests/test_worked_gravity.py. Every expected number is
worked out by hand in the comments (or by an independent few-line formula in the test, never by the rule's own
helpers), for two or three municipalities and round inputs, and every returned field is checked; then the laws
that hold for any input, by hypothesis."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from cityregions.config import TransportParams
from cityregions.rules import boundary, gravity, transport
from cityregions.rules.gravity import Factors
from cityregions.world.catchment import Catchment, all_pairs

# value of time 12 EUR/h (0.2 EUR/min), car 0.25 EUR/km, fare 2, tariff penalty 1.5, logit scale 0.5/EUR,
# decay 0.05/min, 200 workdays (400 trips a commuter a year)
TP = TransportParams(value_of_time_eur_h=12.0, car_cost_eur_km=0.25, pt_fare_eur=2.0, tariff_penalty_eur=1.5,
                     mode_scale=0.5, distance_decay=0.05, workdays=200.0)
D2 = np.array([[1.0, 0.5], [0.5, 1.0]])  # two towns: deterrence 1 at home, 0.5 to the other
TRI = np.array([[1.0, 0.5], [0.0, 1.0]])  # town 1's workers reach no job in town 0


def expit(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def softplus(z):
    return np.log1p(np.exp(np.asarray(z, dtype=float)))


def flat(*xs):
    """Several arrays as one, to compare them at once."""
    return np.concatenate([np.ravel(x) for x in xs])


def sweeps_by_hand(w, j, d, n, b=None):
    """n Furness sweeps from b (ones): a = 1 / (D (b j)), b = 1 / (D^T (a w)); the flows a w D b j."""
    b = np.ones(len(j)) if b is None else b
    for _ in range(n):
        a = 1.0 / (d @ (b * j))
        b = 1.0 / (d.T @ (a * w))
    return a, b, (a * w)[:, None] * d * (b * j)[None, :]


def sparse_pairs() -> Catchment:
    """Two towns, town 0 out of town 1's reach: the pairs (0,0), (0,1), (1,1) only."""
    return Catchment(n=2, indptr=np.array([0, 2, 3]), dest=np.array([0, 1, 1]), orig=np.array([0, 0, 1]),
                     car_min=np.array([10.0, 30.0, 10.0]), road_km=np.array([4.0, 20.0, 4.0]),
                     pt_min=np.array([15.0, 40.0, 15.0]), cutoff_min=60.0)


# =========================================================================================== transport


def test_the_generalised_costs_are_time_at_the_value_of_time_plus_km_or_fare_half_headway_and_penalty():
    # car: 30 min x 0.2 + 20 km x 0.25 = 6 + 5 = 11; 10 min x 0.2 + 4 km x 0.25 = 3
    assert transport.car_cost(np.array([30.0, 10.0]), np.array([20.0, 4.0]), TP) == pytest.approx([11.0, 3.0])
    # PT: (40 + 20/2) x 0.2 + 2 + 1.5 = 13.5 across a tariff boundary; (15 + 30/2) x 0.2 + 2 = 8 under one tariff
    got = transport.pt_cost(np.array([40, 15]), np.array([20, 30]), np.array([False, True]), TP)
    assert got == pytest.approx([13.5, 8.0]) and got.dtype == float
    # the gap 0.5 (car + 1 - PT): 0.5 (11 + 1 - 13.5) = -0.75; 0.5 (3 + 1 - 8) = -2
    got = transport.utility_gap(np.array([11.0, 3.0]), np.array([13.5, 8.0]), 0.5, 1.0)
    assert got == pytest.approx([-0.75, -2.0])


def test_the_pt_probability_is_the_logit_of_the_gap_for_arrays_and_for_single_trips():
    got = transport.pt_probability(np.array([11.0, 3.0]), np.array([13.5, 8.0]), 0.5, 1.0)
    assert got == pytest.approx([1 / (1 + np.exp(0.75)), 1 / (1 + np.exp(2.0))], rel=1e-12)
    assert transport.pt_probability(11.0, 12.0, 0.5, 1.0) == pytest.approx(0.5)  # 0.5 (11 + 1 - 12) = 0
    one = transport.pt_probability(11.0, 12.0, 0.5, 3.0)  # 0.5 (11 + 3 - 12) = 1
    assert one == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-12) and np.ndim(one) == 0


def test_the_logistic_in_place_and_softplus_beside_its_input_never_overflow():
    z = np.array([0.0, np.log(3.0), -np.log(3.0), -1000.0, 1000.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        soft = transport.softplus(z)
        assert (z[3], z[4]) == (-1000.0, 1000.0)  # untouched
        got = transport.logistic(z)
    assert got is z  # 1 / (1 + 1), 1 / (1 + 1/3), 1 / (1 + 3), 1 / (1 + inf), 1 / (1 + 0), 1 / (1 + e^-2)
    assert got == pytest.approx([0.5, 0.75, 0.25, 0.0, 1.0, 1 / (1 + np.exp(-2))], rel=1e-12, abs=0)
    # ln 2, ln 4, ln 4/3, ln(1 + e^-1000) = 0, 1000 + ln(1 + e^-1000), 2 + ln(1 + e^-2)
    assert soft == pytest.approx([np.log(2), np.log(4), np.log(4 / 3), 0.0, 1000.0, 2 + np.log1p(np.exp(-2))],
                                 rel=1e-12, abs=0)


def test_the_calibrated_constant_makes_the_flow_weighted_share_the_target_within_50_eur():
    # one pair, car 10, PT 12, scale 0.5: share 3/4 at 0.5 (asc - 2) = ln 3, asc = 2 + 2 ln 3 = 4.1972
    asc = transport.calibrate_asc(np.array([[4.0]]), np.array([[10.0]]), np.array([[12.0]]), 0.5, 0.75)
    assert asc == pytest.approx(2 + 2 * np.log(3), abs=1e-7)
    # PT 0 and 4 EUR dearer, equal flows, share 1/2: logistic(0.5 asc) + logistic(0.5 (asc - 4)) = 1 at asc = 2
    two = transport.calibrate_asc(np.array([5.0, 5.0]), np.array([10.0, 10.0]), np.array([10.0, 14.0]), 0.5, 0.5)
    assert two == pytest.approx(2.0, abs=1e-7)
    # weights 3 : 1 at share 0.6 against logit scale 1 on the same costs: checked against the definition
    three = transport.calibrate_asc(np.array([3.0, 1.0]), np.array([10.0, 10.0]), np.array([10.0, 14.0]), 1.0, 0.6)
    assert (3 * expit(three) + expit(three - 4)) / 4 == pytest.approx(0.6, abs=1e-9)
    flows, car, pt = np.array([1.0]), np.array([10.0]), np.array([12.0])  # out of reach: the search's bounds
    assert transport.calibrate_asc(flows, car, pt, 0.5, 1.0) == 50.0  # even +50 EUR leaves some by car
    assert transport.calibrate_asc(flows, car, pt, 0.5, 0.0) == -50.0  # even -50 EUR leaves some by PT


def test_the_commuting_outcome_is_the_hand_sums_of_shares_km_and_co2_over_every_pair_or_those_in_reach():
    pairs = all_pairs(np.full((2, 2), 10.0), np.array([[2.0, 10.0], [10.0, 3.0]]), np.full((2, 2), 20.0))
    flows, p = np.array([10.0, 5.0, 3.0, 20.0]), np.array([0.1, 0.5, 0.4, 0.2])
    out = transport.commute_outcome(flows, p, pairs, TP, 0.2, 0.05)
    # PT riders by home: 10 x 0.1 + 5 x 0.5 = 3.5, 3 x 0.4 + 20 x 0.2 = 5.2; 8.7 of 38
    assert out.pt_share == pytest.approx(8.7 / 38)
    # PT km (2 + 25 + 12 + 12) x 400 = 20,400; all km (20 + 50 + 30 + 60) x 400 = 64,000, by car 43,600
    assert out.pt_pkm_year == pytest.approx(20400.0) and out.car_pkm_year == pytest.approx(43600.0)
    assert out.co2_t_year == pytest.approx((43600 * 0.2 + 20400 * 0.05) / 1000)  # 9.74 t
    assert out.pt_trips_across == pytest.approx([2.5 * 400, 1.2 * 400]) and out.commuters_across == pytest.approx(
        [5.0, 3.0])
    # sparse: the pair (1, 0) out of reach; riders 3.5 and 4 of 35; PT km (2 + 25 + 12) x 400 of 130 x 400
    pairs = Catchment(**{**sparse_pairs().__dict__, "road_km": np.array([2.0, 10.0, 3.0])})
    out = transport.commute_outcome(np.array([10.0, 5.0, 20.0]), np.array([0.1, 0.5, 0.2]), pairs, TP, 0.2, 0.05)
    assert out.pt_share == pytest.approx(7.5 / 35)
    assert (out.pt_pkm_year, out.car_pkm_year, out.co2_t_year) == pytest.approx((15600.0, 36400.0, 8.06))
    assert out.pt_trips_across == pytest.approx([1000.0, 0.0]) and out.commuters_across == pytest.approx([5.0, 0.0])


def hand_tables(n: int, **fields) -> transport.ModeTables:
    """PT probability 0.1 from an origin outside, 0.3 from a member, 0.5 under one tariff, 0.2 within a town."""
    eye = np.eye(n, dtype=bool).ravel()
    p = {k: np.where(eye, 0.2, v) for k, v in (("p_out", 0.1), ("p_in", 0.3), ("p_in_one_tariff", 0.5))}
    zero = np.zeros(n * n)
    rest = dict(gain=zero, kernel=zero, wait_out=np.zeros(n), wait_in=np.zeros(n), gain_tariff=zero,
                shift_tariff=zero, shift_service=zero, fare_lost=zero)
    return transport.ModeTables(**{**p, **rest, **fields})


def p_by_hand(members, integration):
    """Within a town 0.2; from an origin outside 0.1; from a member 0.5 to a member under one tariff, else 0.3."""
    n = len(members)
    return np.array([[0.2 if i == j else 0.1 if not members[i] else 0.5 if integration and members[j] else 0.3
                      for j in range(n)] for i in range(n)]).ravel()


@pytest.mark.parametrize("members, integration, share, across, pt_pkm", [
    # riders by home (80 x .2 + 20 x .1, 40 x .1 + 40 x .2) = (18, 12); PT km 32 + 20 + 40 + 16 = 108
    ([False, False], True, 30 / 180, [2, 4], 108),
    ([True, False], True, 34 / 180, [6, 4], 148),  # 0's row: 80 x .2 + 20 x .3 = 22; PT km 32 + 60 + 40 + 16
    ([True, True], True, 54 / 180, [10, 20], 348),  # one tariff: 16 + 20 x .5, 40 x .5 + 8; 32 + 100 + 200 + 16
    ([True, True], False, 42 / 180, [6, 12], 228),  # service only: 16 + 6, 12 + 8; 32 + 60 + 120 + 16
])
def test_the_factored_outcome_of_two_balanced_towns_is_the_hand_sums(members, integration, share, across, pt_pkm):
    # flows 2/3 x D x (120, 60) = [[80, 20], [40, 40]] (180 commuters, 20 and 40 across); road 2 km, 10 across
    pairs = all_pairs(np.full((2, 2), 10.0), np.array([[2.0, 10.0], [10.0, 2.0]]), np.full((2, 2), 20.0))
    w = transport.weighted_tables(hand_tables(2), pairs, D2, symmetric=True)
    members = np.array(members)
    for rows in (None, np.array([100.0, 80.0])):
        f = Factors(np.array([2 / 3, 2 / 3]), np.array([120.0, 60.0]), np.ones(2), rows)
        out = transport.commute_outcome_factored(f, w, members, integration, TP, 0.2, 0.05)
        car_pkm = (840 - pt_pkm) * 400.0  # all km 160 + 200 + 400 + 80 = 840 a day
        assert out.pt_share == pytest.approx(share) and out.pt_pkm_year == pytest.approx(pt_pkm * 400.0)
        assert out.car_pkm_year == pytest.approx(car_pkm)
        assert out.co2_t_year == pytest.approx((car_pkm * 0.2 + pt_pkm * 400.0 * 0.05) / 1000)
        assert out.pt_trips_across == pytest.approx(np.array(across) * 400.0)
        assert out.commuters_across == pytest.approx([20.0, 40.0])
    flows = np.array([80.0, 20.0, 40.0, 40.0])  # and the same as from the flows themselves
    plain = transport.commute_outcome(flows, p_by_hand(members, integration), pairs, TP, 0.2, 0.05)
    assert plain.pt_pkm_year == pytest.approx(out.pt_pkm_year) and plain.pt_share == pytest.approx(out.pt_share)


def test_the_weighted_tables_are_the_mode_tables_times_the_deterrence_up_to_a_thousand_towns():
    pairs = all_pairs(np.full((2, 2), 10.0), np.array([[2.0, 10.0], [10.0, 2.0]]), np.full((2, 2), 20.0))
    k = np.arange(1.0, 5.0)  # 1, 2, 3, 4 in each table, told apart by a factor
    t = hand_tables(2, gain=k, gain_tariff=10 * k, shift_tariff=100 * k, shift_service=1000 * k, fare_lost=-k)
    w = transport.weighted_tables(t, pairs, D2, symmetric=True)
    road = np.array([[2.0, 10.0], [10.0, 2.0]])
    assert w.d is D2 and w.symmetric and w.road == pytest.approx(D2 * road)  # [[2, 5], [5, 2]]
    for got, p in ((w.out, t.p_out), (w.inside, t.p_in), (w.one_tariff, t.p_in_one_tariff)):
        assert got.shape == (2, 2, 2)
        assert got[0] == pytest.approx(D2 * p.reshape(2, 2)) and got[1] == pytest.approx(D2 * p.reshape(2, 2) * road)
    assert np.array_equal(w.own, np.diagonal(w.d)) and np.array_equal(w.own_out, np.diagonal(w.out[0]))  # kept
    for view, table in zip(w.by_row, (w.out, w.inside, w.one_tariff), strict=True):  # kept: the same tables by row
        assert view.shape == (4, 2) and np.shares_memory(view, table) and np.array_equal(view, table.reshape(4, 2))
    assert w.own == pytest.approx([1.0, 1.0]) and w.own_out == pytest.approx([0.2, 0.2])  # within a town: 0.2
    k2 = k.reshape(2, 2) * D2  # [[1, 1], [1.5, 4]]
    assert flat(w.gain, w.gain_tariff, w.shift_tariff, w.shift_service, w.fare_lost) == pytest.approx(
        flat(k2, 10 * k2, 100 * k2, 1000 * k2, -k2))
    assert not transport.weighted_tables(t, pairs, D2).symmetric  # not told it is
    lopsided = all_pairs(np.full((2, 2), 10.0), np.array([[2.0, 10.0], [12.0, 2.0]]), np.full((2, 2), 20.0))
    assert not transport.weighted_tables(t, lopsided, D2, symmetric=True).symmetric  # D road km is not
    assert transport.weighted_tables(t, sparse_pairs(), sparse.csr_array(TRI)) is None  # not every pair
    region = Catchment(1000, np.arange(1001) * 1000, np.zeros(10**6, dtype=np.int8), None, None, np.ones(10**6), None,
                       np.inf)  # every pair of 1,000 towns: the most with tables
    zero = np.broadcast_to(0.0, 10**6)
    assert transport.weighted_tables(transport.ModeTables(*(zero,) * 11), region, np.ones((1000, 1000))) is not None
    region = Catchment(1001, None, np.zeros(1001**2, dtype=np.int8), None, None, None, None, np.inf)
    assert transport.weighted_tables(None, region, None) is None


def test_member_stations_get_one_plus_the_service_times_the_trains_and_so_their_wait_factor():
    got = transport.member_headways(np.array([20.0, 60.0, 30.0]), np.array([True, False, True]), 0.5)
    assert got == pytest.approx([20 / 1.5, 60.0, 20.0])
    t = hand_tables(2, wait_out=np.array([0.5, 0.25]), wait_in=np.array([0.7, 0.6]))
    assert transport.pt_wait_factor(t, np.array([True, False])) == pytest.approx([0.7, 0.25])


def test_one_ticket_covers_trips_within_a_town_and_within_an_existing_union():
    pairs = all_pairs(*(np.ones((3, 3)),) * 3)
    own = np.eye(3, dtype=bool).ravel()
    assert (transport.one_tariff(pairs, None) == own).all()
    assert (transport.one_tariff(pairs, np.zeros(3, dtype=bool)) == own).all()
    union = transport.one_tariff(pairs, np.array([True, True, False])).reshape(3, 3)
    assert (union == [[True, True, False], [True, True, False], [False, False, True]]).all()
    assert (transport.one_tariff(sparse_pairs(), np.array([True, True])) == [True, True, True]).all()


# Two towns: car 10 min and 4 km at home, 30 min and 20 km across: car cost [[3, 11], [11, 3]] EUR. PT 15 min at
# home, 40 across; base headways 20 and 60 min, halved by the association's service 1.0 (10 and 30); asc 0.5.
# PT cost: home (15 + 10) x .2 + 2 = 7 and (15 + 30) x .2 + 2 = 11 (the association adds nothing within a town);
# across from 0: (40 + 10) x .2 + 2 + 1.5 = 13.5, member (40 + 5) x .2 + 3.5 = 12.5, one tariff 11;
# across from 1: (40 + 30) x .2 + 3.5 = 17.5, member (40 + 15) x .2 + 3.5 = 14.5, one tariff 13.
# z = 0.5 (car + 0.5 - PT): out [-1.75, -1, -3, -3.75], in [-1.75, -.5, -1.5, -3.75], one [-1.75, .25, -.75, -3.75]
Z_OUT, Z_IN, Z_ONE = np.array([-1.75, -1, -3, -3.75]), np.array([-1.75, -.5, -1.5, -3.75]), np.array(
    [-1.75, .25, -.75, -3.75])


def check_tables(t, z_out, z_in, z_one, base, wait_in):
    assert t.p_out == pytest.approx(expit(z_out), rel=1e-12) and t.p_in == pytest.approx(expit(z_in), rel=1e-12)
    assert t.p_in_one_tariff == pytest.approx(expit(z_one), rel=1e-12)
    assert t.gain == pytest.approx((softplus(z_in) - softplus(z_out)) / 0.5, rel=1e-12, abs=1e-15)
    assert t.gain_tariff == pytest.approx((softplus(z_one) - softplus(z_in)) / 0.5, rel=1e-12, abs=1e-15)
    own = np.array([True, False, False, True])
    assert t.shift_tariff == pytest.approx(np.where(own, 0, expit(z_one) - expit(z_in)), abs=1e-15)
    assert t.shift_service == pytest.approx(expit(z_in) - expit(z_out), abs=1e-15)
    assert t.fare_lost == pytest.approx(np.where(base, 0, 1.5 * expit(z_in)), abs=1e-15)
    assert t.kernel == pytest.approx(np.exp([-0.75, -2.0, -2.0, -0.75]))  # e^(-0.05 x 15), e^(-0.05 x 40)
    assert t.wait_out == pytest.approx(np.exp([-0.5, -1.5])) and t.wait_in == pytest.approx(np.exp(wait_in))


def two_towns():
    pairs = all_pairs(np.array([[10.0, 30.0], [30.0, 10.0]]), np.array([[4.0, 20.0], [20.0, 4.0]]),
                      np.array([[15.0, 40.0], [40.0, 15.0]]))
    return pairs, transport.car_cost(pairs.car_min, pairs.road_km, TP)


def test_the_mode_tables_of_two_towns_are_the_hand_logits_logsums_and_kernels_dense_or_sparse():
    pairs, car = two_towns()
    t = transport.mode_tables(pairs, car, np.array([20.0, 60.0]), 1.0, 0.5, TP)
    check_tables(t, Z_OUT, Z_IN, Z_ONE, np.array([True, False, False, True]), [-0.25, -0.75])
    pairs = sparse_pairs()  # the same pairs within reach, (1, 0) out of it
    t = transport.mode_tables(pairs, transport.car_cost(pairs.car_min, pairs.road_km, TP), np.array([20.0, 60.0]),
                              1.0, 0.5, TP)
    assert t.p_in == pytest.approx(expit(Z_IN[[0, 1, 3]])) and t.p_out == pytest.approx(expit(Z_OUT[[0, 1, 3]]))
    assert t.fare_lost == pytest.approx([0.0, 1.5 * expit(-0.5), 0.0])


def test_an_existing_union_waives_the_penalty_and_an_authority_leaves_no_service_to_add():
    pairs, car = two_towns()
    t = transport.mode_tables(pairs, car, np.array([20.0, 60.0]), 1.0, 0.5, TP, union=np.array([True, True]))
    # no penalty anywhere: out across 12 and 16 EUR (z -.25, -2.25), member 11 and 13 (z .25, -.75) = one tariff
    z_in = np.array([-1.75, 0.25, -0.75, -3.75])
    check_tables(t, np.array([-1.75, -0.25, -2.25, -3.75]), z_in, z_in, np.ones(4, dtype=bool), [-0.25, -0.75])
    t = transport.mode_tables(pairs, car, np.array([20.0, 60.0]), 1.0, 0.5, TP, authority=np.array([True, False]))
    # town 0's service is co-financed already: its member headway stays 20 (PT 13.5, one tariff 12, z -.25)
    z_in, z_one = np.array([-1.75, -1, -1.5, -3.75]), np.array([-1.75, -0.25, -0.75, -3.75])
    check_tables(t, Z_OUT, z_in, z_one, np.array([True, False, False, True]), [-0.5, -0.75])


@pytest.mark.parametrize("members", [[False, False, False], [True, True, False], [False, True, True],
                                     [True, False, True]])
@pytest.mark.parametrize("integration", [True, False])
def test_the_pt_probability_now_chooses_each_pairs_case_by_its_origin_and_destination(members, integration):
    members = np.array(members)
    t = hand_tables(3)
    got = transport.pt_probability_now(t, all_pairs(*(np.ones((3, 3)),) * 3), members, integration)
    assert got == pytest.approx(p_by_hand(members, integration)) and got is not t.p_out
    keep = np.array([0, 1, 3, 4, 5, 8])  # the pairs of a sparse region: (0,0) (0,1) (1,0) (1,1) (1,2) (2,2)
    pairs = Catchment(n=3, indptr=np.array([0, 2, 5, 6]), dest=np.array([0, 1, 0, 1, 2, 2]),
                      orig=np.array([0, 0, 1, 1, 1, 2]), car_min=None, road_km=None, pt_min=None, cutoff_min=1.0)
    sub = transport.ModeTables(**{k: v[keep] if len(v) == 9 else v for k, v in t.__dict__.items()})
    assert transport.pt_probability_now(sub, pairs, members, integration) == pytest.approx(
        p_by_hand(members, integration)[keep])


@pytest.mark.parametrize("before, after", [([1, 0, 0, 0], [1, 1, 0, 0]), ([1, 1, 0, 0], [1, 0, 0, 0]),
                                           ([0, 1, 1, 0], [0, 1, 1, 1]), ([1, 0, 0, 0], [0, 1, 0, 0]),
                                           ([1, 0, 0, 0], [0, 1, 1, 0])])
@pytest.mark.parametrize("integration", [True, False])
def test_updating_the_pt_probability_for_new_members_gives_the_hand_table(before, after, integration):
    before, after = np.array(before, dtype=bool), np.array(after, dtype=bool)
    pairs, t = all_pairs(*(np.ones((4, 4)),) * 3), hand_tables(4)
    p = p_by_hand(before, integration)
    got = transport.pt_probability_update(p, t, pairs, after, before, integration)
    assert got == pytest.approx(p_by_hand(after, integration))
    assert (got is p) == ((after != before).sum() == 1)  # one change of four: rows and columns in place


# =========================================================================================== boundary


def test_the_external_zone_is_the_resident_weighted_deterrence_of_the_outside():
    # towns at x = 0, 10; outside at 20 (3,000 residents) and -10 (1,000): weights .75, .25; 1 km = 1 min;
    # beta = ln 2 / 10, so deterrence 2^(-min / 10); intrazonal 5 min within each outside town
    zone = boundary.external_zone(np.array([0.0, 10.0]), np.zeros(2), np.array([20.0, -10.0]), np.zeros(2),
                                  np.array([3000.0, 1000.0]), 0.5, np.log(2) / 10, 1.0, 60.0, 5.0)
    # town 0 (20 and 10 min away): .75 x 2^-2 + .25 x 2^-1 = .3125; town 1 (10 and 20): .75 / 2 + .25 / 4 = .4375
    assert zone.deterrence == pytest.approx([0.3125, 0.4375], rel=1e-12)
    # own: (.75^2 + .25^2) 2^-0.5 + 2 x .75 x .25 x 2^-3 (30 min apart)
    assert zone.own == pytest.approx(0.625 * 2**-0.5 + 0.375 * 0.125, rel=1e-12)
    assert zone.workers == pytest.approx(2000.0)  # 0.5 x 4,000
    # car minutes 60 x 3 km x 1.5 / 45 = 6 -> 8 (intrazonal); 60 x 10 x 1.5 / 45 = 20
    assert boundary.travel_min(np.array([3.0, 10.0]), 1.5, 45.0, 8.0) == pytest.approx([8.0, 20.0])
    ox = np.arange(600.0)  # 600 towns 1 km apart on a line: the outside's pairs in two blocks of rows
    res = 1.0 + ox % 7
    zone = boundary.external_zone(np.zeros(1), np.zeros(1), ox, np.zeros(600), res, 0.5, 0.1, 1.0, 60.0, 2.0)
    w = res / res.sum()
    assert zone.own == pytest.approx(w @ np.exp(-0.1 * np.maximum(np.abs(ox[:, None] - ox), 2.0)) @ w, rel=1e-12)


def test_the_open_deterrence_adds_the_zone_as_last_row_and_column():
    zone = boundary.ExternalZone(np.array([0.3, 0.2]), 0.4, 100.0)
    hand = np.array([[1.0, 0.5, 0.3], [0.0, 1.0, 0.2], [0.3, 0.2, 0.4]])
    assert boundary.open_deterrence(TRI, zone) == pytest.approx(hand)
    s = boundary.open_deterrence(sparse.csr_array(TRI), zone)
    assert isinstance(s, sparse.csr_array) and s.nnz == 8 and s.toarray() == pytest.approx(hand)


@pytest.mark.parametrize("jobs, region_jobs, outside_jobs", [
    ([120.0, 60.0], [120.0, 60.0], 100.0),  # 100 + 180 - 180
    ([150.0, 70.0], [150.0, 70.0], 60.0),  # 220 jobs < 180 + 100 / 2: 100 + 180 - 220
    ([200.0, 60.0], [200 * 230 / 260, 60 * 230 / 260], 50.0),  # 260 > 230: scaled to 230, the outside keeps half
])
def test_the_zones_jobs_balance_the_region_but_keep_at_least_half_the_outsides_workers(jobs, region_jobs,
                                                                                        outside_jobs):
    w, j = boundary.open_margins(np.array([100.0, 80.0]), np.array(jobs), boundary.ExternalZone(None, 0.0, 100.0))
    assert w == pytest.approx([100.0, 80.0, 100.0]) and j == pytest.approx([*region_jobs, outside_jobs])


def test_the_internal_factors_and_crossings_are_read_off_the_open_factors_or_flows():
    f = Factors(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]), np.array([0.1, 0.2, 0.3]), np.ones(3))
    inner = boundary.internal_factors(f, 2)
    assert flat(inner.origin, inner.dest, inner.b) == pytest.approx(flat([1, 2], [4, 5], [.1, .2]))
    assert inner.rows is None
    c = boundary.crossings_from_factors(f, boundary.ExternalZone(np.array([0.5, 0.25]), 1.0, 10.0))
    # out: origin x d x dest_zone = (1 x .5 x 6, 2 x .25 x 6); into: origin_zone x d x dest = (3 x .5 x 4, 3 x .25 x 5)
    assert c.out == pytest.approx([3.0, 3.0]) and c.into == pytest.approx([6.0, 3.75])
    # or split off the open flows, dense or sparse
    inner, c = boundary.split_flows(np.arange(9.0), np.ones((3, 3)), 2)
    assert inner == pytest.approx([0, 1, 3, 4]) and c.out == pytest.approx([2, 5]) and c.into == pytest.approx([6, 7])
    open_matrix = boundary.open_deterrence(sparse.csr_array(TRI), boundary.ExternalZone(np.array([.3, .2]), .4, 1.0))
    # stored: (0,0) (0,1) (0,Z) (1,1) (1,Z) (Z,0) (Z,1) (Z,Z) carrying 1 ... 8
    inner, c = boundary.split_flows(np.arange(1.0, 9.0), open_matrix, 2)
    assert inner == pytest.approx([1, 2, 4]) and c.out == pytest.approx([3, 5]) and c.into == pytest.approx([6, 7])


def test_a_closed_region_balances_without_crossings():
    got = boundary.balance(np.array([100.0, 80.0]), np.array([120.0, 60.0]), D2, True, None)
    assert got.flows is None and got.crossings is None and got.warm_start == pytest.approx([1.0, 1.0])
    assert got.factors.flows(D2) == pytest.approx([80.0, 20.0, 40.0, 40.0])
    warm = boundary.balance(np.array([100.0, 80.0]), np.array([120.0, 60.0]), D2, True, np.array([2.0, 2.0]))
    assert warm.warm_start == pytest.approx([2.0, 2.0]) and warm.factors.origin == pytest.approx([1 / 3, 1 / 3])


@pytest.mark.parametrize("store", [np.asarray, sparse.csr_array])
def test_an_open_region_balances_with_its_zone_as_a_third_town(store):
    zone = boundary.ExternalZone(np.array([0.5, 0.25]), 1.0, 100.0)
    d = store(D2)
    got = boundary.balance(np.array([100.0, 80.0]), np.array([120.0, 60.0]), d, False, None, zone,
                           boundary.open_deterrence(d, zone))
    # workers (100, 80, 100), jobs (120, 60, 100) over [[1, .5, .5], [.5, 1, .25], [.5, .25, 1]], swept by hand
    big = np.array([[1.0, 0.5, 0.5], [0.5, 1.0, 0.25], [0.5, 0.25, 1.0]])
    f = sweeps_by_hand(np.array([100.0, 80.0, 100.0]), np.array([120.0, 60.0, 100.0]), big, 300)[2]
    assert got.flows is None and got.factors.flows(D2) == pytest.approx(f[:2, :2].ravel(), rel=1e-7)
    assert got.crossings.out == pytest.approx(f[:2, 2], rel=1e-7)
    assert got.crossings.into == pytest.approx(f[2, :2], rel=1e-7)


@pytest.mark.parametrize("store", [np.asarray, sparse.csr_array])
def test_an_open_region_without_a_balancing_keeps_its_origin_constrained_flows_and_crossings(store):
    # each town reaches only itself; town 0 also the zone (d = 1). Margins: workers (100, 100, 100), jobs
    # (100, 50, 150): town 1 has 100 workers for 50 jobs. Origin-constrained: town 0 and the zone weigh
    # (100, 150): 40 stay, 60 leave; town 1 all at home; the zone's 100: 40 come to town 0
    zone = boundary.ExternalZone(np.array([1.0, 0.0]), 1.0, 100.0)
    d = store(np.eye(2))
    got = boundary.balance(np.full(2, 100.0), np.array([100.0, 50.0]), d, False, None, zone,
                           boundary.open_deterrence(d, zone))
    inner = [40.0, 0.0, 0.0, 100.0] if store is np.asarray else [40.0, 100.0]
    assert got.factors is None and got.flows == pytest.approx(inner)
    assert got.crossings.out == pytest.approx([60.0, 0.0]) and got.crossings.into == pytest.approx([40.0, 0.0])
    assert (got.warm_start.origins == [False, True, False]).all()


# =========================================================================================== laws for any input

positive = st.floats(1.0, 1000.0)
towns = st.lists(positive, min_size=3, max_size=3).map(np.array)
nearness = st.lists(st.floats(0.05, 1.0), min_size=9, max_size=9).map(lambda v: np.array(v).reshape(3, 3))


@settings(max_examples=40, deadline=None)
@given(towns, towns, nearness, st.permutations(range(3)))
def test_balanced_flows_carry_the_workers_and_jobs_in_any_order_of_the_towns_and_keep_symmetry(w, j, d, order):
    f = gravity.gravity_flows(w, j, d)[0].reshape(3, 3)
    assert f.sum(axis=1) == pytest.approx(w, rel=1e-6)
    assert f.sum(axis=0) == pytest.approx(j * w.sum() / j.sum(), rel=1e-6)
    o = np.array(order)
    g = gravity.gravity_flows(w[o], j[o], d[np.ix_(o, o)])[0].reshape(3, 3)
    assert g == pytest.approx(f[np.ix_(o, o)], rel=1e-5, abs=1e-9 * w.sum())
    assert gravity.origin_constrained(w, j, d).reshape(3, 3).sum(axis=1) == pytest.approx(w, rel=1e-12)
    f = gravity.gravity_flows(w, w, (d + d.T) / 2, symmetric=True)[0].reshape(3, 3)  # symmetric, equal margins
    assert f == pytest.approx(f.T, rel=1e-6, abs=1e-9 * w.sum())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-700, 700), min_size=1, max_size=5).map(np.array))
def test_the_logistic_is_a_probability_symmetric_about_a_half_and_softplus_bounds_the_hinge(z):
    p = transport.logistic(z.copy())
    assert ((p >= 0) & (p <= 1)).all() and p + transport.logistic(-z) == pytest.approx(np.ones(len(z)), abs=1e-15)
    s = transport.softplus(z)
    assert (s >= np.maximum(z, 0)).all() and s - transport.softplus(-z) == pytest.approx(z, rel=1e-12, abs=1e-12)
    p = transport.pt_probability(z, np.zeros(len(z)), 1.0, 0.5)  # car and PT swapped, the constant negated
    assert p + transport.pt_probability(np.zeros(len(z)), z, 1.0, -0.5) == pytest.approx(np.ones(len(z)), abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(positive, min_size=2, max_size=2), st.lists(st.floats(0, 3000), min_size=2, max_size=2), positive)
def test_the_open_margins_balance_whatever_the_regions_jobs(w, j, outside):
    w, j = boundary.open_margins(np.array(w), np.array(j), boundary.ExternalZone(None, 0.0, outside))
    assert w.sum() == pytest.approx(j.sum()) and j[-1] >= 0.5 * outside - 1e-9 and w[-1] == outside
