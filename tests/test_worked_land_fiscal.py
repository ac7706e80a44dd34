"""Worked examples for the land, location and fiscal rules (rules/land.py, rules/location.py, rules/fiscal.py).

Specified by numbers computed by hand on two to four municipalities: how an area is split into the seven land
classes; how a total is allocated by weights and how firms weigh size, accessibility, tax and land; the developer's
brownfield/greenfield logit; how land is supplied (preferred shares, each source covering for the other, the land
compact's greenfield allowance, unmet demand), converted, occupied, left derelict and zoned in reserve; how the
compact places firms and reserves on members' land in stages (vacant, brownfield, greenfield, then by residents);
the greenfield other uses take; the residents' land-price factor, pull and moves; tax competition, business tax,
revenue pooling and the Gini coefficient. Then laws for any input (hypothesis): the given hectares, residents and
revenue are conserved, shares stay in [0, 1], and a permutation of the municipalities permutes the results.
Only the rule functions run here, on hand-made arrays (no model run), so a change in one rule fails its own tests.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityregions.config import LandParams
from cityregions.rules import fiscal, land, location

LN2, LN3 = math.log(2.0), math.log(3.0)


def _stock(**given_ha: list[float]) -> land.LandStock:
    """A stock with the given classes (ha) and 1 ha in every class not given."""
    n = len(next(iter(given_ha.values())))
    return land.LandStock(**{c: np.array(given_ha.get(c, [1.0] * n), dtype=float) for c in land.CLASSES})


def _assert_stock(s: land.LandStock, **expected_ha: list[float]) -> None:
    """Every class equals its expected hectares (1 ha where none is given)."""
    for c in land.CLASSES:
        want = expected_ha.get(c, [1.0] * len(s.residential))
        assert getattr(s, c) == pytest.approx(want, abs=1e-12), c


def _powers() -> land.LandStock:
    """1, 2, 4, ..., 64 ha in the seven classes of the first municipality, ten times that in the second."""
    return land.LandStock(*(np.array([2.0**k, 10 * 2.0**k]) for k in range(7)))


# ------------------------------------------------------------------------------------------------ the stock
def test_an_area_is_the_sum_of_its_seven_classes_and_developed_land_is_the_built_classes_and_brownfield():
    s = _powers()
    assert land.CLASSES == ("residential", "commercial_occupied", "commercial_vacant", "other_built", "brownfield",
                            "greenfield", "protected")
    assert s.total() == pytest.approx([127.0, 1270.0])  # 1 + 2 + 4 + 8 + 16 + 32 + 64 = 127 ha
    assert s.developed() == pytest.approx([31.0, 310.0])  # residential 1 + occupied 2 + vacant 4 + other 8 + brown 16


def test_a_copied_stock_holds_the_same_hectares_in_the_same_classes_and_changes_independently():
    s = _powers()
    c = s.copy()
    for k, name in enumerate(land.CLASSES):
        assert getattr(c, name) == pytest.approx([2.0**k, 10 * 2.0**k]), name
        getattr(c, name)[0] = -1.0
    assert all(getattr(s, name)[0] == 2.0**k for k, name in enumerate(land.CLASSES))


def test_the_initial_stock_splits_core_and_suburb_by_their_own_shares():
    lp = LandParams(core_developed_share=0.6, suburb_developed_share=0.1, brownfield_share_core=0.05,
                    brownfield_share_suburb=0.02, commercial_share=0.25, vacancy_initial=0.1, protected_share=0.3)
    s = land.initial_stock(np.array([10.0, 5.0]), np.array([True, False]), lp)
    # core 10 km2 = 1,000 ha: developed 1,000 x 0.6 = 600, brownfield 600 x 0.05 = 30, built 570, commercial
    # 570 x 0.25 = 142.5 of which vacant 142.5 x 0.1 = 14.25; open 400, protected 400 x 0.3 = 120.
    # suburb 500 ha: developed 50, brownfield 50 x 0.02 = 1, built 49, commercial 12.25, vacant 1.225; open 450.
    _assert_stock(s, residential=[427.5, 36.75], commercial_occupied=[128.25, 11.025],
                  commercial_vacant=[14.25, 1.225], other_built=[0.0, 0.0], brownfield=[30.0, 1.0],
                  greenfield=[280.0, 315.0], protected=[120.0, 135.0])


# ------------------------------------------------------------------------------ allocation and firms' choice
def test_a_total_is_allocated_in_proportion_to_the_positive_weights():
    # weights 1, 3, -2 -> 0, 0: 12 x 1/4 = 3, 12 x 3/4 = 9
    assert land.allocate(12.0, np.array([1.0, 3.0, -2.0, 0.0])) == pytest.approx([3.0, 9.0, 0.0, 0.0])


def test_a_total_is_allocated_evenly_when_no_weight_is_positive():
    assert land.allocate(12.0, np.array([0.0, -1.0, 0.0])) == pytest.approx([4.0, 4.0, 4.0])


def test_weights_summing_to_less_than_one_still_allocate_in_proportion():
    # weights 0.2, 0.6 (sum 0.8, not evenly): 10 x 1/4 = 2.5, 10 x 3/4 = 7.5
    assert land.allocate(10.0, np.array([0.2, 0.6])) == pytest.approx([2.5, 7.5])


def test_shares_are_the_positive_weights_over_their_sum_or_even_and_allocate_splits_a_total_by_them():
    # weights 1, 3, -2 -> 0, 0: 1/4, 3/4, 0, 0; none positive: 1/3 each; 12 allocated is 12 x the shares exactly
    assert land.shares(np.array([1.0, 3.0, -2.0, 0.0])) == pytest.approx([0.25, 0.75, 0.0, 0.0])
    assert land.shares(np.array([0.0, -1.0, 0.0])) == pytest.approx([1 / 3] * 3)
    w = np.array([0.3, 0.1, 0.7])
    assert (land.allocate(12.0, w) == 12.0 * land.shares(w)).all()


def test_location_weights_are_size_times_exp_of_access_times_land_saturating_at_5_ha_by_default():
    # 2 x access = 0, ln2, 2 ln2 -> exp(util - max) = 1/4, 1/2, 1; land 5, 15, 45 ha -> 5/10, 15/20, 45/50
    w = land.location_weights(np.array([10.0, 20.0, 30.0]), np.array([0.0, LN2 / 2, LN2]),
                              np.array([5.0, 15.0, 45.0]), 2.0)
    assert w == pytest.approx([10 * 0.25 * 0.5, 20 * 0.5 * 0.75, 30 * 1.0 * 0.9])  # 1.25, 7.5, 27


def test_location_weights_add_the_tax_utility_and_saturate_at_the_given_half():
    # util = 2 x access + (ln2, 0, 0) = ln2, ln2, 2 ln2 -> 1/2, 1/2, 1; half 15 ha: 5/20, 15/30, 45/60
    w = land.location_weights(np.array([10.0, 20.0, 30.0]), np.array([0.0, LN2 / 2, LN2]),
                              np.array([5.0, 15.0, 45.0]), 2.0, np.array([LN2, 0.0, 0.0]), half_ha=15.0)
    assert w == pytest.approx([10 * 0.5 * 0.25, 20 * 0.5 * 0.5, 30 * 1.0 * 0.75])  # 1.25, 5, 22.5


def test_the_developer_chooses_brownfield_by_a_binary_logit_of_the_cost_difference():
    # (net - 0.5) / 0.5 = 0, ln3, -ln3 -> 1 / (1 + 1), 1 / (1 + 3), 1 / (1 + 1/3)
    net = np.array([0.5, 0.5 + 0.5 * LN3, 0.5 - 0.5 * LN3])
    assert land.brownfield_share(0.5, net, 0.5) == pytest.approx([0.5, 0.25, 0.75])


def test_the_brownfield_logit_is_clipped_at_50_so_it_never_overflows():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = land.brownfield_share(0.0, np.array([100.0, -100.0, 1e6]), 1.0)
    # (100 - 0) / 1 = 100 is clipped to 50: 1 / (1 + e^50) = 1.93e-22, not 1 / (1 + e^100) = 3.7e-44
    assert got == pytest.approx([1 / (1 + math.exp(50)), 1.0, 1 / (1 + math.exp(50))], rel=1e-12, abs=0)


# ----------------------------------------------------------------------------------------------- supply
def test_a_land_compact_allows_its_cap_in_m2_per_resident_as_hectares():
    # 20 m2 x 1,000 residents = 20,000 m2 = 2 ha; 20 m2 x 5,000 = 10 ha
    assert land.greenfield_allowance(20.0, np.array([1000.0, 5000.0])) == pytest.approx([2.0, 10.0])


def test_land_comes_in_the_preferred_shares_and_each_source_covers_what_the_other_cannot():
    s = _stock(brownfield=[20.0, 3.0, 3.0, 20.0], greenfield=[20.0, 20.0, 4.0, 4.0])
    conv = land.supply(np.array([10.0, 10.0, 10.0, 10.0]), s, np.array([0.5, 0.5, 0.5, 0.2]))
    # 0: 5 brown + 5 green as preferred; 1: brown has 3, green covers 7; 2: 3 brown + 4 green, 3 ha unmet;
    # 3: wants 2 brown and 8 green, green has 4, so brown covers 10 - 4 = 6
    assert conv.brownfield == pytest.approx([5.0, 3.0, 3.0, 6.0])
    assert conv.greenfield == pytest.approx([5.0, 7.0, 4.0, 4.0])
    assert conv.unmet == pytest.approx([0.0, 0.0, 3.0, 0.0])
    _assert_stock(s, brownfield=[20.0, 3.0, 3.0, 20.0], greenfield=[20.0, 20.0, 4.0, 4.0])  # not changed here


def test_the_greenfield_allowance_limits_greenfield_and_a_negative_allowance_or_need_counts_as_zero():
    s = _stock(brownfield=[0.0, 0.0, 5.0, 5.0], greenfield=[20.0, 20.0, 20.0, 20.0])
    conv = land.supply(np.array([5.0, 5.0, 5.0, -5.0]), s, np.zeros(4), np.array([2.0, np.inf, -1.0, 10.0]))
    # 0: allowance 2 of 5 ha, no brownfield: 3 unmet; 1: no cap; 2: allowance 0, brownfield gives 5; 3: no need
    assert conv.greenfield == pytest.approx([2.0, 5.0, 0.0, 0.0])
    assert conv.brownfield == pytest.approx([0.0, 0.0, 5.0, 0.0])
    assert conv.unmet == pytest.approx([3.0, 0.0, 0.0, 0.0])
    assert s.greenfield == pytest.approx([20.0] * 4)


def test_applying_a_conversion_moves_its_hectares_from_greenfield_and_brownfield_into_the_built_class():
    s = _stock(residential=[1.0, 2.0], commercial_vacant=[3.0, 4.0], brownfield=[10.0, 10.0], greenfield=[10.0, 10.0])
    conv = land.Conversion(greenfield=np.array([1.0, 2.0]), brownfield=np.array([3.0, 4.0]), unmet=np.ones(2))
    land.apply(s, conv, "residential")  # residential 1 + 1 + 3 = 5, 2 + 2 + 4 = 8
    _assert_stock(s, residential=[5.0, 8.0], commercial_vacant=[3.0, 4.0], brownfield=[7.0, 6.0],
                  greenfield=[9.0, 8.0])
    land.apply(s, conv, "commercial_vacant")  # vacant 3 + 4 = 7, 4 + 6 = 10
    _assert_stock(s, residential=[5.0, 8.0], commercial_vacant=[7.0, 10.0], brownfield=[4.0, 2.0],
                  greenfield=[8.0, 6.0])


def test_taking_land_supplies_and_applies_it_in_one_step_and_returns_greenfield_and_brownfield():
    s = _stock(residential=[1.0, 2.0], brownfield=[20.0, 3.0], greenfield=[20.0, 20.0])
    # 0: 10 ha at half brownfield, 5 + 5; 1: brownfield has 3, greenfield covers 7; residential 1 + 10, 2 + 10
    g, b = land.take(np.array([10.0, 10.0]), s, np.array([0.5, 0.5]), None, "residential")
    assert g == pytest.approx([5.0, 7.0]) and b == pytest.approx([5.0, 3.0])
    _assert_stock(s, residential=[11.0, 12.0], brownfield=[15.0, 0.0], greenfield=[15.0, 13.0])


def test_land_taken_for_firms_is_zoned_and_occupied_at_once_within_the_greenfield_allowance():
    s = _stock(commercial_occupied=[10.0, 10.0], commercial_vacant=[2.0, 0.0], brownfield=[0.0, 0.0],
               greenfield=[20.0, 20.0])
    # 0: allowance 4 of 6 ha, 2 unmet; 1: 6 ha; all of it occupied: occupied 10 + 4, 10 + 6, vacant unchanged
    g, b = land.take(np.array([6.0, 6.0]), s, np.zeros(2), np.array([4.0, np.inf]), "commercial_occupied")
    assert g == pytest.approx([4.0, 6.0]) and b == pytest.approx([0.0, 0.0])
    _assert_stock(s, commercial_occupied=[14.0, 16.0], commercial_vacant=[2.0, 0.0], brownfield=[0.0, 0.0],
                  greenfield=[16.0, 14.0])


def test_obsolete_occupied_commercial_land_becomes_brownfield():
    s = _stock(commercial_occupied=[100.0, 40.0], brownfield=[1.0, 2.0])
    derelict = land.obsolescence(s, 0.05)  # 100 x 0.05 = 5 ha, 40 x 0.05 = 2 ha
    assert derelict == pytest.approx([5.0, 2.0])
    _assert_stock(s, commercial_occupied=[95.0, 38.0], brownfield=[6.0, 4.0])


def test_firms_occupy_vacant_land_first_and_the_rest_of_their_need_remains():
    s = _stock(commercial_occupied=[10.0, 10.0, 10.0], commercial_vacant=[5.0, 4.0, 6.0])
    remaining = land.occupy(s, np.array([3.0, 10.0, -2.0]))  # 3 of 5 taken; 4 of 10 taken, 6 remain; none
    assert remaining == pytest.approx([0.0, 6.0, 0.0])
    _assert_stock(s, commercial_occupied=[13.0, 14.0, 10.0], commercial_vacant=[2.0, 0.0, 6.0])


def test_a_municipality_zones_a_quarter_of_its_reserve_gap_by_default_and_nothing_above_its_target():
    s = _stock(commercial_vacant=[2.0, 6.0, 6.0])
    target = np.array([10.0, 2.0, 6.0])
    assert land.reserve_gap(s, target) == pytest.approx([2.0, 0.0, 0.0])  # (10 - 2) x 0.25; above; at target
    assert land.reserve_gap(s, target, speed=0.5) == pytest.approx([4.0, 0.0, 0.0])
    assert s.commercial_vacant == pytest.approx([2.0, 6.0, 6.0])


# ------------------------------------------------------------------------------------------- the land compact
def test_an_amount_fills_each_pool_in_turn_in_proportion_to_what_it_holds():
    pools = [np.array([2.0, 6.0]), np.array([4.0, 4.0])]
    # 10 ha: the first pool's 8 ha (2, 6), then 2 of the second's 8 evenly (1, 1)
    assert land._staged(10.0, pools, np.array([1.0, 3.0])) == pytest.approx([3.0, 7.0])
    # 20 ha: 8 + 8, and the 4 ha no pool holds by the fallback weights 1:3
    assert land._staged(20.0, pools, np.array([1.0, 3.0])) == pytest.approx([2 + 4 + 1.0, 6 + 4 + 3.0])
    # exactly the first pool: the second is not touched
    assert land._staged(8.0, pools, np.array([1.0, 3.0])) == pytest.approx([2.0, 6.0])


def test_an_empty_pool_is_skipped_and_nothing_or_less_is_spread_nowhere():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert land._staged(2.0, [np.zeros(2), np.array([1.0, 3.0])], np.ones(2)) == pytest.approx([0.5, 1.5])
        assert land._staged(0.0, [np.array([1.0, 3.0])], np.ones(2)) == pytest.approx([0.0, 0.0])
        assert land._staged(-4.0, [np.array([1.0, 3.0])], np.ones(2)) == pytest.approx([0.0, 0.0])
        # no pool and no fallback weight: the 5 ha are dropped (reported as an oddity; distribute_* is only
        # called for a compact with members, whose residents give the fallback weight)
        assert land._staged(5.0, [np.zeros(2)], np.zeros(2)) == pytest.approx([0.0, 0.0])


def test_pools_and_leftovers_under_one_hectare_are_placed_and_fallback_weights_may_be_shares():
    # 0.4 ha into a pool of 0.2 + 0.6 = 0.8 ha: 0.4 x (1/4, 3/4) = 0.1, 0.3 (the fallback is not needed)
    assert land._staged(0.4, [np.array([0.2, 0.6])], np.ones(2)) == pytest.approx([0.1, 0.3])
    # 0.5 ha: the pool's 0.2 ha (0.1, 0.1), the 0.3 ha left by the fallback shares 0.25 : 0.75 (0.075, 0.225)
    assert land._staged(0.5, [np.array([0.1, 0.1])], np.array([0.25, 0.75])) == pytest.approx([0.175, 0.325])


def _compact_stock() -> tuple[land.LandStock, np.ndarray, np.ndarray]:
    """Two members (vacant 3 and 1 ha, brownfield 1 and 3, greenfield 30 and 10, 100 and 300 residents) and a
    non-member with 10 ha of each."""
    s = _stock(commercial_vacant=[3.0, 1.0, 10.0], brownfield=[1.0, 3.0, 10.0], greenfield=[30.0, 10.0, 10.0])
    return s, np.array([100.0, 300.0, 1000.0]), np.array([True, True, False])


@pytest.mark.parametrize(("hectares", "expected"), [
    (6.0, [3.0 + 0.5, 1.0 + 1.5, 0.0]),  # vacant 4 ha (3, 1), then 2 of brownfield's 4 by 1:3
    (28.0, [3 + 1 + 15.0, 1 + 3 + 5.0, 0.0]),  # vacant 4, brownfield 4, 20 of greenfield's 40 by 3:1
    (56.0, [3 + 1 + 30 + 2.0, 1 + 3 + 10 + 6.0, 0.0]),  # all 48 ha, the 8 left by residents 1:3
])
def test_the_land_compact_places_firms_on_members_vacant_land_then_brownfield_then_greenfield(hectares, expected):
    s, population, compact = _compact_stock()
    assert land.distribute_pool(s, population, hectares, compact) == pytest.approx(expected)
    _assert_stock(s, commercial_vacant=[3.0, 1.0, 10.0], brownfield=[1.0, 3.0, 10.0], greenfield=[30.0, 10.0, 10.0])


@pytest.mark.parametrize(("hectares", "expected"), [
    (6.0, [1.0 + 1.5, 3.0 + 0.5, 0.0]),  # brownfield 4 ha (1, 3), then 2 of greenfield's 40 by 3:1
    (52.0, [1 + 30 + 2.0, 3 + 10 + 6.0, 0.0]),  # brownfield 4, greenfield 40, the 8 left by residents 1:3
])
def test_the_land_compact_zones_its_reserve_on_members_brownfield_then_greenfield(hectares, expected):
    s, population, compact = _compact_stock()
    assert land.distribute_reserve(s, population, hectares, compact) == pytest.approx(expected)


def test_the_compact_spreads_its_land_as_over_its_members_weighted_pools_read_while_some_is_left():
    rng = np.random.default_rng(5)
    for _ in range(50):
        s = _stock(**{c: rng.uniform(0.0, 20.0, 12) for c in ("commercial_vacant", "brownfield", "greenfield")})
        population, compact, hectares = rng.uniform(1.0, 1e4, 12), rng.random(12) < 0.5, rng.uniform(0.0, 300.0)
        z = np.where(compact, 1.0, 0.0)  # the members' pools, all made first
        pools = [s.commercial_vacant * z, s.brownfield * z, s.greenfield * z]
        np.testing.assert_array_equal(land.distribute_pool(s, population, hectares, compact),
                                      land._staged(hectares, pools, population * z))
        np.testing.assert_array_equal(land.distribute_reserve(s, population, hectares, compact),
                                      land._staged(hectares, pools[1:], population * z))
    read = []
    pools = (read.append(p) or p for p in (np.array([3.0, 1.0]), np.array([5.0, 5.0])))
    assert land._staged(4.0, pools, np.ones(2)) == pytest.approx([3.0, 1.0])  # the first pool holds it all
    assert len(read) == 1


def test_other_uses_take_their_share_of_all_land_take_from_the_greenfield_left():
    # share 0.2: 8 ha of housing and commerce bring 8 x 0.2 / 0.8 = 2 ha; 1 ha left caps the second;
    # a negative take or negative greenfield counts as zero
    got = land.other_uses(np.array([8.0, 8.0, -4.0, 8.0]), 0.2, np.array([10.0, 1.0, 5.0, -3.0]))
    assert got == pytest.approx([2.0, 1.0, 0.0, 0.0])
    assert land.other_uses(np.array([8.0]), 0.0, np.array([10.0])) == pytest.approx([0.0])


@pytest.mark.parametrize("share", [1.0, -0.1, 1.5, float("nan")])
def test_other_uses_refuse_a_share_outside_zero_to_one(share):
    with pytest.raises(ValueError, match=f"^{re.escape(f'other_share={share!r}: allowed 0 <= share < 1')}$"):
        land.other_uses(np.array([1.0]), share, np.array([1.0]))


# ----------------------------------------------------------------------------------------- where residents live
def test_the_land_price_factor_is_the_buildable_to_built_ratio_to_the_elasticity_with_at_least_1_ha_built():
    # 30/60, 80/10, 0/50, (-5 -> 0)/20, 10/(0.5 -> 1) squared
    got = location.price_factor(np.array([30.0, 80.0, 0.0, -5.0, 10.0]), np.array([60.0, 10.0, 50.0, 20.0, 0.5]),
                                2.0)
    assert got == pytest.approx([0.25, 64.0, 0.0, 0.0, 100.0])


def test_the_land_price_factor_is_zero_where_nothing_is_left_even_at_elasticity_zero():
    assert location.price_factor(np.array([0.0]), np.array([50.0]), 0.0) == pytest.approx([0.0])


def test_half_a_hectare_left_to_build_on_still_has_a_land_price():
    # (0.5 / 2)^1 = 0.25: land is left, however little
    assert location.price_factor(np.array([0.5]), np.array([2.0]), 1.0) == pytest.approx([0.25])


def test_the_pull_per_resident_is_access_times_land_left_times_its_price():
    # exp(2 x access - max) = 1/4, 1/2, 1, 1/4; land 5, 15, 45, (-10 -> 0) over + 5 ha: 1/2, 3/4, 9/10, 0;
    # price (elasticity 1) 5/5, 15/15, 45/15, 0
    got = location.attractiveness(np.array([0.0, LN2 / 2, LN2, 0.0]), np.array([5.0, 15.0, 45.0, -10.0]),
                                  np.array([5.0, 15.0, 15.0, 10.0]), 2.0, 1.0)
    assert got == pytest.approx([0.25 * 0.5, 0.5 * 0.75, 1.0 * 0.9 * 3.0, 0.0])  # 0.125, 0.375, 2.7, 0


def test_without_a_land_price_the_pull_is_the_land_left_saturating_at_the_given_half():
    # elasticity 0: price factor 1; land 15, 45, (-10 -> 0) over + 15 ha: 1/2, 3/4, 0
    got = location.attractiveness(np.zeros(3), np.array([15.0, 45.0, -10.0]), np.array([5.0, 5.0, 5.0]), 1.0, 0.0,
                                  half_ha=15.0)
    assert got == pytest.approx([0.5, 0.75, 0.0])


POP, PULL = np.array([100.0, 50.0, 50.0]), np.array([0.5, 1.0, 2.0])  # residents x pull = 50, 50, 100


@pytest.mark.parametrize(("net", "expected"), [
    (20.0, [100.0, 55.0, 65.0]),  # 10 % move (10, 5, 5); 20 + 20 settle 1:1:2 (10, 10, 20)
    (-10.0, [92.5, 47.5, 50.0]),  # 20 move, 10 settle (2.5, 2.5, 5)
    (-30.0, [85.0, 42.5, 42.5]),  # shrinking by 15 % > 10 %: 15 % leave (15, 7.5, 7.5), nobody settles
])
def test_movers_and_the_net_change_settle_by_residents_times_pull(net, expected):
    assert location.relocate(POP, PULL, net, 0.1) == pytest.approx(expected)


def test_with_no_pull_anywhere_movers_and_newcomers_settle_by_residents():
    # 20 move, 40 settle by 100:50:50 (20, 10, 10)
    assert location.relocate(POP, np.zeros(3), 20.0, 0.1) == pytest.approx([110.0, 55.0, 55.0])


def test_movers_settle_by_residents_times_pull_however_small_the_pull():
    # 10 % move (10, 30); residents x pull = 0.1, 0.6 (sum 0.7): the 40 settle 1:6 (40/7, 240/7)
    got = location.relocate(np.array([100.0, 300.0]), np.array([0.001, 0.002]), 0.0, 0.1)
    assert got == pytest.approx([90.0 + 40.0 / 7.0, 270.0 + 240.0 / 7.0])


def test_relocation_is_the_same_whether_residents_are_counted_one_by_one_or_in_thousands():
    # 200 and 600 residents, pull 1 and 2, 100 newcomers: 10 % move (20, 60); 80 + 100 settle by 200:1200 = 1:6
    # (180/7, 1080/7). In thousands (0.2, 0.6; 0.1 newcomers) the same numbers / 1000.
    expected = np.array([180.0 + 180.0 / 7.0, 540.0 + 1080.0 / 7.0])
    pull = np.array([1.0, 2.0])
    assert location.relocate(np.array([200.0, 600.0]), pull, 100.0, 0.1) == pytest.approx(expected)
    assert location.relocate(np.array([0.2, 0.6]), pull, 0.1, 0.1) == pytest.approx(expected / 1000.0)
    # no pull anywhere, in thousands: 0.08 move, 0.08 + 0.4 settle by residents 1:3 (0.12, 0.36)
    assert location.relocate(np.array([0.2, 0.6]), np.zeros(2), 0.4, 0.1) == pytest.approx([0.3, 0.9])


def test_an_empty_region_stays_empty_and_finite():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert location.relocate(np.zeros(2), np.ones(2), 0.0, 0.1) == pytest.approx([0.0, 0.0])


def test_an_empty_region_receives_its_newcomers_evenly():
    assert location.relocate(np.zeros(2), np.ones(2), 10.0, 0.1) == pytest.approx([5.0, 5.0])


# ---------------------------------------------------------------------------------------------------- fiscal
def test_members_of_a_tax_pool_cut_their_discount_by_coverage_times_key():
    # 0.2 x (1 - 0.5 x 0.6) = 0.14 for members, 0.2 for the non-member
    d = fiscal.tax_discount(np.array([True, False, True]), 0.5, 0.2, 0.6)
    assert d == pytest.approx([0.14, 0.2, 0.14])
    # coverage 0, 0.5, 1 at key 0.4: 0.1 x (1 - 0), (1 - 0.2), (1 - 0.4)
    assert fiscal.member_discount(np.array([0.0, 0.5, 1.0]), 0.1, 0.4) == pytest.approx([0.1, 0.08, 0.06])


def test_business_tax_is_tax_per_job_times_jobs_less_the_discount():
    # 700 x 100 x 0.9 = 63,000; 700 x 200 x 1.0 = 140,000
    got = fiscal.business_tax(np.array([100.0, 200.0]), 700.0, np.array([0.1, 0.0]))
    assert got == pytest.approx([63_000.0, 140_000.0])


def test_one_discount_for_all_taxes_as_the_same_discount_in_each_and_as_a_pool_that_pools_nothing():
    rng = np.random.default_rng(11)
    jobs, population = rng.uniform(0.0, 5e4, 30), rng.uniform(1e3, 1e5, 30)
    nobody = np.zeros(30, dtype=bool)
    alike = fiscal.business_tax(jobs, 700.0, 0.08)
    np.testing.assert_array_equal(alike, fiscal.business_tax(jobs, 700.0, np.full(30, 0.08)))
    own = fiscal.business_tax(jobs, 700.0, fiscal.tax_discount(nobody, 0.0, 0.08, 0.0))
    np.testing.assert_array_equal(alike, fiscal.pool_revenue(own, nobody, population, 0.0))
    some = rng.random(30) < 0.5  # a pool covering none of the competitors, or pooling nothing: one number for all,
    for coverage, key in ((0.0, 0.6), (0.4, 0.0)):  # each member's own discount as it would be
        got = fiscal.tax_discount(some, coverage, 0.08, key)
        assert np.ndim(got) == 0 and got == 0.08
        each = np.where(some, fiscal.member_discount(coverage, 0.08, key), 0.08)
        np.testing.assert_array_equal(each, np.full(30, got))


def test_the_land_compact_pays_a_member_its_kept_share_plus_its_population_share_of_the_pool():
    own = np.array([100.0, 20.0, 60.0, 50.0])
    got = fiscal.pool_revenue(own, np.array([True, True, True, False]), np.array([1.0, 3.0, 4.0, 10.0]), 0.4)
    # pool 0.4 x (100 + 20 + 60) = 72 split by residents 1:3:4 (9, 27, 36) plus the kept 0.6 x own (60, 12, 36)
    assert got == pytest.approx([69.0, 39.0, 72.0, 50.0])


def test_without_members_pooling_returns_an_independent_copy_of_own_revenue():
    own = np.array([100.0, 20.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by the members' (zero) population
        got = fiscal.pool_revenue(own, np.array([False, False]), np.array([1.0, 3.0]), 0.5)
    assert got == pytest.approx([100.0, 20.0]) and got is not own
    got[0] = 0.0
    assert own[0] == 100.0


@pytest.mark.parametrize(("values", "weights", "expected"), [
    ([4.0, 1.0, 3.0, 2.0], None, 0.25),  # sum |xi - xj| = 2 x 10 = 20 over 2 n^2 mean = 2 x 16 x 2.5 = 80
    ([3.0, 1.0], [1.0, 4.0], 8 / 35),  # as 1, 1, 1, 1, 3: 2 x 4 x 2 = 16 over 2 x 25 x 1.4 = 70
    ([0.0, 0.0, 0.0], None, 0.0),  # no revenue: 0, not 0/0
    ([-1.0, -2.0], None, 0.0),  # a negative total counts as none
])
def test_the_gini_coefficient_is_the_mean_absolute_difference_over_twice_the_mean(values, weights, expected):
    w = None if weights is None else np.array(weights)
    assert fiscal.gini(np.array(values), w) == pytest.approx(expected, abs=1e-12)


def test_the_gini_coefficient_of_random_weighted_values_is_their_weighted_mean_absolute_difference():
    rng = np.random.default_rng(7)
    for n in (1, 2, 19, 37, 188):
        v, w = rng.gamma(2.0, 500.0, n), rng.uniform(1e2, 1e6, n)
        # sum_ij w_i w_j |v_i - v_j| / (2 W^2 mean), mean = sum_i w_i v_i / W
        expected = (w[:, None] * w[None, :] * np.abs(v[:, None] - v[None, :])).sum() / (2.0 * w.sum() * (w @ v))
        assert fiscal.gini(v, w) == pytest.approx(expected, rel=1e-12, abs=1e-15), n


def test_the_gini_of_a_yes_no_indicator_counts_yes_as_one_and_no_as_zero():
    # 1, 1, 0: sum |xi - xj| = 4 over 2 n^2 mean = 2 x 9 x 2/3 = 12 -> 1/3, as for the numbers 1.0, 1.0, 0.0
    assert fiscal.gini(np.array([True, True, False])) == pytest.approx(1.0 / 3.0)
    assert fiscal.gini(np.array([1.0, 1.0, 0.0])) == pytest.approx(1.0 / 3.0)


# ------------------------------------------------------------------------------------------ laws for any input
def _ha(lo: float = 0.0, hi: float = 1e3) -> st.SearchStrategy:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def _rows(*columns: st.SearchStrategy) -> st.SearchStrategy:
    """Two to four municipalities, one tuple of the given columns each, as one array per column."""
    return st.lists(st.tuples(*columns), min_size=2, max_size=4).map(
        lambda rows: [np.array(col, dtype=float) for col in zip(*rows, strict=True)])


@settings(max_examples=50)
@given(_rows(_ha(0.01, 1e3), st.booleans()), st.floats(0.05, 0.95), st.floats(0.01, 0.9), st.floats(0.0, 0.5),
       st.floats(0.01, 0.9), st.floats(0.0, 0.9), st.floats(0.0, 0.9))
def test_the_initial_classes_sum_to_the_given_area_and_none_is_negative(cols, dev, suburb, brown, comm, vac, prot):
    area_km2, is_core = cols
    lp = LandParams(core_developed_share=dev, suburb_developed_share=suburb, brownfield_share_core=brown,
                    brownfield_share_suburb=brown / 2, commercial_share=comm, vacancy_initial=vac,
                    protected_share=prot)
    s = land.initial_stock(area_km2, is_core.astype(bool), lp)
    assert s.total() == pytest.approx(area_km2 * 100.0, rel=1e-12)
    assert all((getattr(s, c) >= 0).all() for c in land.CLASSES)


@settings(max_examples=50)
@given(_rows(_ha(-10, 100), _ha(), _ha(), st.floats(0, 1), _ha(-10, 1e3) | st.just(np.inf)))
def test_supply_splits_the_given_need_into_greenfield_brownfield_and_unmet_within_what_each_source_has(cols):
    need, brown, green, share, allowance = cols
    s = _stock(brownfield=list(brown), greenfield=list(green))
    conv = land.supply(need, s, share, allowance)
    assert conv.greenfield + conv.brownfield + conv.unmet == pytest.approx(np.maximum(need, 0), abs=1e-9)
    assert (conv.greenfield >= 0).all() and (conv.brownfield >= 0).all() and (conv.unmet >= -1e-9).all()
    cap = np.minimum(green, np.maximum(allowance, 0))
    assert (conv.greenfield <= cap).all() and (conv.brownfield <= brown).all()
    short = conv.unmet > 1e-9  # demand stays unmet only where both sources are used up
    assert conv.greenfield[short] == pytest.approx(cap[short]) and conv.brownfield[short] == pytest.approx(brown[short])


@settings(max_examples=50)
@given(_rows(*(_ha() for _ in land.CLASSES), _ha(-10, 100), _ha(-10, 100), st.floats(0, 1)), st.floats(0, 0.2))
def test_supplying_converting_leaving_derelict_and_occupying_keep_each_given_area(cols, rate):
    *classes, need, firms, share = cols
    s = land.LandStock(*classes)
    area = sum(classes)
    land.apply(s, land.supply(need, s, share), "residential")
    land.obsolescence(s, rate)
    left = land.occupy(s, firms)
    land.apply(s, land.supply(left, s, share), "commercial_vacant")
    assert s.total() == pytest.approx(area, rel=1e-9, abs=1e-9)
    assert all((getattr(s, c) >= -1e-9).all() for c in land.CLASSES)


@settings(max_examples=50)
@given(_rows(_ha(-10, 100)), _ha(-100, 100), st.randoms(use_true_random=False))
def test_allocation_sums_to_the_total_and_follows_a_permutation(cols, total, rnd):
    (w,) = cols
    got = land.allocate(total, w)
    assert got.sum() == pytest.approx(total, abs=1e-9)
    order = np.array(rnd.sample(range(len(w)), len(w)))
    assert land.allocate(total, w[order]) == pytest.approx(got[order], abs=1e-9)


@settings(max_examples=50)
@given(_rows(_ha(), _ha(), _ha(), _ha(1, 1e4), st.booleans()), _ha(0, 5e3))
def test_the_compact_places_exactly_the_given_hectares_on_its_members_and_fills_vacant_land_first(cols, hectares):
    vacant, brown, green, population, compact = cols
    compact = compact.astype(bool)
    compact[0] = True
    s = _stock(commercial_vacant=list(vacant), brownfield=list(brown), greenfield=list(green))
    for placed in (land.distribute_pool(s, population, hectares, compact),
                   land.distribute_reserve(s, population, hectares, compact)):
        assert placed.sum() == pytest.approx(hectares, rel=1e-9, abs=1e-9)
        assert (placed >= 0).all() and (placed[~compact] == 0).all()
    if hectares <= vacant[compact].sum():
        assert (land.distribute_pool(s, population, hectares, compact) <= vacant * (1 + 1e-9)).all()


@settings(max_examples=50)
@given(_ha(-5, 5), _ha(-5, 5), st.floats(0.01, 10))
def test_the_brownfield_share_is_a_share_and_swapping_the_costs_gives_its_complement(g, b, scale):
    share = land.brownfield_share(g, np.array([b]), scale)[0]
    assert 0.0 <= share <= 1.0
    assert share + land.brownfield_share(b, np.array([g]), scale)[0] == pytest.approx(1.0)


@settings(max_examples=50)
@given(_rows(_ha(0.0, 1e4), _ha(0.0, 10.0)), st.floats(-1.0, 1.0), st.floats(0.0, 0.5),
       st.randoms(use_true_random=False))
def test_relocation_changes_the_total_by_the_net_change_and_follows_a_permutation(cols, frac, mobility, rnd):
    population, pull = cols
    population[0] += 1.0  # a region with residents
    net = frac * population.sum()
    got = location.relocate(population, pull, net, mobility)
    assert got.sum() == pytest.approx(population.sum() + net, rel=1e-9, abs=1e-6)
    assert (got >= -1e-6 * population.sum()).all()
    order = np.array(rnd.sample(range(len(pull)), len(pull)))
    assert location.relocate(population[order], pull[order], net, mobility) == pytest.approx(got[order], rel=1e-9,
                                                                                           abs=1e-9)


@settings(max_examples=50)
@given(_rows(_ha(), _ha(0.0, 10.0), _ha(-5.0, 5.0), _ha(-10.0, 100.0), _ha(1.0, 1e4), st.booleans()),
       st.floats(0, 1), st.randoms(use_true_random=False))
def test_weights_pulls_and_pooling_follow_a_permutation_of_the_municipalities(cols, key, rnd):
    base, access, tax, avail, population, members = cols
    members = members.astype(bool)
    o = np.array(rnd.sample(range(len(base)), len(base)))
    w = land.location_weights(base, access, avail.clip(0), 1.5, tax)
    assert (w >= 0).all() and land.location_weights(base[o], access[o], avail[o].clip(0), 1.5, tax[o]) == \
        pytest.approx(w[o])
    pull = location.attractiveness(access, avail, base, 1.5, 0.75)
    assert (pull >= 0).all() and location.attractiveness(access[o], avail[o], base[o], 1.5, 0.75) == \
        pytest.approx(pull[o])
    pooled = fiscal.pool_revenue(base, members, population, key)
    assert pooled.sum() == pytest.approx(base.sum()) and (pooled[~members] == base[~members]).all()
    assert fiscal.pool_revenue(base[o], members[o], population[o], key) == pytest.approx(pooled[o])


@settings(max_examples=50)
@given(_rows(_ha(0.0, 100.0), st.integers(1, 4)), st.randoms(use_true_random=False))
def test_the_gini_is_the_weighted_mean_absolute_difference_over_twice_the_mean_and_ignores_the_order(cols, rnd):
    v, w = cols
    g = fiscal.gini(v, w)
    mean = (w @ v) / w.sum()
    expected = 0.0 if mean == 0 else (np.outer(w, w) * np.abs(np.subtract.outer(v, v))).sum() / (
        2 * w.sum() ** 2 * mean)
    assert g == pytest.approx(expected, abs=1e-9) and -1e-12 <= g < 1.0  # 0 up to rounding
    o = np.array(rnd.sample(range(len(v)), len(v)))
    assert fiscal.gini(v[o], w[o]) == pytest.approx(g, abs=1e-12)
    assert fiscal.gini(np.repeat(v, w.astype(int))) == pytest.approx(g, abs=1e-9)  # weights as repeated values


@settings(max_examples=50)
@given(_rows(_ha(-10, 100), _ha(-10, 1e3)), st.floats(0.0, 0.9))
def test_other_uses_are_their_share_of_the_whole_take_unless_the_greenfield_runs_out(cols, share):
    taken, green = cols
    other = land.other_uses(taken, share, green)
    assert (other >= 0).all() and (other <= np.maximum(green, 0)).all()
    free = np.maximum(taken, 0) * share / (1 - share) <= np.maximum(green, 0)
    whole = np.maximum(taken, 0) + other
    assert other[free] == pytest.approx(share * whole[free], abs=1e-9)


@settings(max_examples=50)
@given(_rows(*(_ha() for _ in land.CLASSES), _ha(-10, 100), st.floats(0, 1), _ha(-10, 1e3) | st.just(np.inf)),
       st.booleans())
def test_taking_land_is_bit_for_bit_supplying_then_applying_it_and_for_firms_occupying_it(cols, capped):
    *classes, need, share, allowance = cols
    allowance = allowance if capped else None
    for to in ("residential", "commercial_vacant", "commercial_occupied"):
        s, t = land.LandStock(*classes).copy(), land.LandStock(*classes).copy()
        conv = land.supply(need, s, share, allowance)
        land.apply(s, conv, "commercial_vacant" if to == "commercial_occupied" else to)
        if to == "commercial_occupied":
            land.occupy(s, conv.greenfield + conv.brownfield)
        g, b = land.take(need, t, share, allowance, to)
        assert (g == conv.greenfield).all() and (b == conv.brownfield).all()
        for c in land.CLASSES:
            np.testing.assert_array_equal(getattr(t, c), getattr(s, c), err_msg=f"{to}: {c}")


@settings(max_examples=50)
@given(_rows(_ha(-5.0, 5.0), _ha(-10.0, 100.0) | st.just(0.0), _ha(0.0, 1e3)), st.floats(0.0, 3.0) | st.just(0.0),
       st.floats(-2.0, 0.0))
def test_the_pull_is_bit_for_bit_the_access_land_left_and_price_factor_product(cols, elasticity, negative):
    access, developable, developed = cols
    for e in (elasticity, negative):
        util = 1.5 * access
        avail = np.maximum(developable, 0.0)
        with np.errstate(divide="ignore", over="ignore"):  # little land left to a negative power: price_factor's
            expected = np.exp(util - util.max()) * avail / (avail + 5.0) * location.price_factor(avail, developed, e)
            np.testing.assert_array_equal(location.attractiveness(access, developable, developed, 1.5, e), expected)
