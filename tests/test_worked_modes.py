"""Worked examples for the mode choice and the open boundary that complement tests/test_worked_travel.py: the
costs' and gaps' float64 arithmetic whatever the inputs' number type, the factored commuting outcome over a
deterrence that is neither symmetric nor one on its diagonal, the external zone's distances in both axes, and an
open region's balancing from a warm start. Every expected number is worked out by hand in the comments."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from cityregions.config import TransportParams
from cityregions.rules import boundary, transport
from cityregions.rules.gravity import Factors
from cityregions.world.catchment import all_pairs

# value of time 12 EUR/h (0.2 EUR/min), car 0.25 EUR/km, fare 2, tariff penalty 1.5, logit scale 0.5/EUR,
# decay 0.05/min, 200 workdays (400 trips a commuter a year)
TP = TransportParams(value_of_time_eur_h=12.0, car_cost_eur_km=0.25, pt_fare_eur=2.0, tariff_penalty_eur=1.5,
                     mode_scale=0.5, distance_decay=0.05, workdays=200.0)


# =========================================================================================== transport


def test_pt_costs_and_utility_gaps_are_float64_whether_given_whole_euros_minutes_or_single_precision():
    # PT: (40 + 20/2) x 0.2 + 2 + 1.5 = 13.5 across a tariff boundary; (15 + 30/2) x 0.2 + 2 = 8 under one tariff
    for minutes, headway in ((np.array([40, 15]), np.array([20, 30])),
                             (np.array([40, 15], dtype=np.float32), np.array([20, 30], dtype=np.float32))):
        got = transport.pt_cost(minutes, headway, np.array([False, True]), TP)
        assert got == pytest.approx([13.5, 8.0], rel=1e-15) and got.dtype == np.float64
    # the gap 0.5 (car + 1 - PT): 0.5 (11 + 1 - 13.5) = -0.75; 0.5 (3 + 1 - 8) = -2, from car costs in whole euros
    # and a whole-euro constant, or in single precision
    for car in (np.array([11, 3]), np.array([11, 3], dtype=np.float32)):
        got = transport.utility_gap(car, np.array([13.5, 8.0]), 0.5, 1)
        assert got == pytest.approx([-0.75, -2.0], rel=1e-15) and got.dtype == np.float64
    # and so the PT probabilities 1 / (1 + e^0.75), 1 / (1 + e^2)
    got = transport.pt_probability(np.array([11, 3]), np.array([13.5, 8.0]), 0.5, 1)
    assert got == pytest.approx([1 / (1 + np.exp(0.75)), 1 / (1 + np.exp(2.0))], rel=1e-12)


def test_a_target_share_met_exactly_at_minus_50_eur_calibrates_to_that_bound_even_where_every_constant_meets_it():
    # share 0 with PT 30 EUR dearer at scale 10: at asc = -50, z = 10 (10 - 50 - 40) = -800, e^800 overflows and
    # the share is exactly 0: -50 is a root (at +50, z = 200 and the share is 1)
    asc = transport.calibrate_asc(np.array([1.0]), np.array([10.0]), np.array([40.0]), 10.0, 0.0)
    assert asc == pytest.approx(-50.0, abs=0)
    # share 1 with the car 90 EUR dearer: z >= 10 (100 - 50 - 10) = 400 for every asc in [-50, 50], e^-400 is
    # below half an ulp of 1 and the share is exactly 1 throughout: still the lower bound
    asc = transport.calibrate_asc(np.array([1.0]), np.array([100.0]), np.array([10.0]), 10.0, 1.0)
    assert asc == pytest.approx(-50.0, abs=0)


def two_town_tables() -> transport.ModeTables:
    """PT probability 0.2 within a town, 0.1 across from an origin outside the association (no members here)."""
    p = np.array([0.2, 0.1, 0.1, 0.2])
    zero = np.zeros(4)
    return transport.ModeTables(p_out=p, p_in=p, p_in_one_tariff=p, gain=zero, kernel=zero, wait_out=np.zeros(2),
                                wait_in=np.zeros(2), gain_tariff=zero, shift_tariff=zero, shift_service=zero,
                                fare_lost=zero)


def test_the_factored_outcome_reads_a_lopsided_deterrence_by_its_rows_and_its_diagonal_as_it_is():
    # D = [[.8, .4], [.1, .5]]: neither symmetric nor one at home; factors origin (1, 2), dest (100, 50): the flows
    # F = origin D dest = [[80, 20], [20, 50]], 100 and 70 commuters by home (170), 20 and 20 across
    d = np.array([[0.8, 0.4], [0.1, 0.5]])
    pairs = all_pairs(np.full((2, 2), 10.0), np.array([[2.0, 10.0], [10.0, 2.0]]), np.full((2, 2), 20.0))
    w = transport.weighted_tables(two_town_tables(), pairs, d)
    f = Factors(np.array([1.0, 2.0]), np.array([100.0, 50.0]), np.ones(2))
    out = transport.commute_outcome_factored(f, w, np.zeros(2, dtype=bool), True, TP, 0.2, 0.05)
    # PT riders by home: 80 x .2 + 20 x .1 = 18, 20 x .1 + 50 x .2 = 12: 30 of 170; across 18 - 16 = 2, 12 - 10 = 2
    assert out.pt_share == pytest.approx(30 / 170) and out.commuters_across == pytest.approx([20.0, 20.0])
    assert out.pt_trips_across == pytest.approx([800.0, 800.0])  # 2 x 400 trips a year
    # PT km a day 80 x .2 x 2 + 20 x .1 x 10 + 20 x .1 x 10 + 50 x .2 x 2 = 32 + 20 + 20 + 20 = 92;
    # all km 160 + 200 + 200 + 100 = 660, by car 568; a year x 400: 36,800 and 227,200
    assert out.pt_pkm_year == pytest.approx(36800.0) and out.car_pkm_year == pytest.approx(227200.0)
    assert out.co2_t_year == pytest.approx((227200 * 0.2 + 36800 * 0.05) / 1000)  # 45.44 + 1.84 = 47.28 t


# =========================================================================================== boundary


def test_the_external_zone_measures_straight_line_distances_across_both_axes():
    # towns at (0, 0) and (12, 16); outside A at (6, 8) (3,000 residents), B at (-6, -8) (1,000): weights .75, .25.
    # 1 km = 1 min, beta = ln 2 / 10 (deterrence 2^(-min / 10)), intrazonal 5 min.
    # town 0: A and B 10 km away: .75 / 2 + .25 / 2 = .5; town 1: A 10 km, B 30 km: .75 / 2 + .25 / 8 = .40625
    zone = boundary.external_zone(np.array([0.0, 12.0]), np.array([0.0, 16.0]), np.array([6.0, -6.0]),
                                  np.array([8.0, -8.0]), np.array([3000.0, 1000.0]), 0.5, np.log(2) / 10, 1.0, 60.0,
                                  5.0)
    assert zone.deterrence == pytest.approx([0.5, 0.40625], rel=1e-12)
    # own: (.75^2 + .25^2) 2^-0.5 (5 min within each) + 2 x .75 x .25 x 2^-2 (A and B 20 km apart)
    assert zone.own == pytest.approx(0.625 * 2**-0.5 + 0.375 * 0.25, rel=1e-12)
    assert zone.workers == pytest.approx(2000.0)  # 0.5 x 4,000


@pytest.mark.parametrize("store", [np.asarray, sparse.csr_array])
@pytest.mark.parametrize("warm, scale", [(None, 1.0), (np.full(3, 2.0), 2.0)])
def test_an_open_region_keeps_a_balanced_warm_start_and_hands_its_factors_to_the_next_quarter(store, warm, scale):
    # two towns of 100 workers and 100 jobs, 0.5 apart, the zone 0.5 from each and 1 to itself, its 100 workers:
    # margins (100, 100, 100) both ways (the zone's jobs 100 + 200 - 200). b = 1 is balanced: a = 1 / (D j) =
    # 1/200, and D^T (a w) = 0.5 (1 + .5 + .5) = 1. From b = 2 (a common scale): a = 1/400, b = 1 / (2 x .25) = 2,
    # kept. The factors: origin a w = .5 / scale, dest b j = 100 scale; the flows 50 at home, 25 to each other place
    zone = boundary.ExternalZone(np.array([0.5, 0.5]), 1.0, 100.0)
    d = store(np.array([[1.0, 0.5], [0.5, 1.0]]))
    got = boundary.balance(np.full(2, 100.0), np.full(2, 100.0), d, False, warm, zone,
                           boundary.open_deterrence(d, zone))
    assert got.flows is None and got.warm_start == pytest.approx([scale] * 3)
    assert got.factors.origin == pytest.approx([0.5 / scale] * 2)
    assert got.factors.dest == pytest.approx([100 * scale] * 2) and got.factors.b == pytest.approx([scale] * 2)
    assert got.factors.flows(np.array([[1.0, 0.5], [0.5, 1.0]])) == pytest.approx([50.0, 25.0, 25.0, 50.0])
    assert got.crossings.out == pytest.approx([25.0, 25.0]) and got.crossings.into == pytest.approx([25.0, 25.0])
