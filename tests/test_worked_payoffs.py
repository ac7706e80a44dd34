"""What belonging to an agreement is worth, how the group settles its key and how the councils ratify it, worked
by hand (rules/payoffs.py, rules/bargaining.py, rules/ratification.py).

Specified here, on two to four municipalities with round numbers, every returned field checked to rounding:

- the land compact (payoffs.land_compact): a municipality's budget gains the pool's share of the group's business
  tax (the group with it, M + i) less its own, plus the reserve land it need not service, less the extra cost of
  brownfield-first; its autonomy cost is the pooled share of its own tax; staying out is worth the firms it draws
  by undercutting the members (_undercutting) and, under a greenfield cap, the firms the others turn away less
  those its own cap would turn away (_turned_away);
- the transport association (payoffs.transport_association): residents gain the commuters' logsum change and the
  congestion relief of one tariff (_commuters_gain, and _commuters_gain_factored from the flows' factors: the same
  numbers); the external relief of the others' service is had in or out; the budget pays the service per member
  commuter and the second fares one tariff waives (_fares_lost), shared by population (key) and by use;
- bargaining: the keys tried, the Nash product over them, its fallback where no key pleases everyone, ties within
  TIE, and side payments towards the mean;
- ratification: the three rules, the core's veto and the reasons the record shows.

Property tests (hypothesis) hold for any input: the pool conserves the members' revenue, the members' contributions
add up to the association's cost, the flows and the factored sums agree, relabelling the municipalities relabels
every result, side payments sum to zero, and more yes votes never undo a ratification. Only the rule functions on
hand-made arrays: no model runs.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityregions.rules import bargaining, payoffs, ratification, transport
from cityregions.rules import cooperation as co
from cityregions.rules.gravity import Factors
from cityregions.world import catchment


def near(value):
    """Equal to floating-point rounding (tight, so that a mutant moving a result by 1e-6 is seen)."""
    return pytest.approx(value, rel=1e-12, abs=1e-9)


# ---------------------------------------------------------------- the land compact

MEMBERS = np.array([True, True, False])  # 0 and 1 are members, 2 is deciding whether to join


def _land(**changes) -> payoffs.LandInputs:
    """Three municipalities: jobs 100/20/80, residents 200/100/100, 100 EUR tax per job, a 10 % competing discount,
    key 0.25, the outside's 100 competing residents and 40 jobs; 2/2/3 ha of expected development, 1/3/0 ha of
    brownfield, 1/0.4/0.2 ha of reserve saved; greenfield 0.5 M EUR/ha, brownfield 0.7 after the subsidy, 1 %
    annuity; cap 0.5/0.5/1 ha, 10 jobs/ha, firm tax sensitivity 5."""
    base = dict(jobs=np.array([100.0, 20.0, 80.0]), population=np.array([200.0, 100.0, 100.0]), tax_per_job=100.0,
                competing_discount=0.1, key=0.25, autonomy_weight=0.2, expected_dev_ha=np.array([2.0, 2.0, 3.0]),
                brownfield_ha=np.array([1.0, 3.0, 0.0]), reserve_saving_ha=np.array([1.0, 0.4, 0.2]),
                greenfield_cost=0.5, brownfield_cost_member=0.7, brownfield_first=True, annuity=0.01,
                outside_competitors=100.0, outside_jobs=40.0, cap_ha=np.array([0.5, 0.5, 1.0]), jobs_per_ha=10.0,
                firm_tax_sensitivity=5.0)
    return payoffs.LandInputs(**{**base, **changes})


# coverage (M + i) / (all + outside): 300/500, 300/500, 400/500; d = 0.1 (1 - 0.25 coverage)
D_IN = np.array([0.085, 0.085, 0.08])
# undercutting: 100 x 0.9 x new jobs (2/2/3 ha x 10) x (e^(5 (0.1 - d)) - 1)
UNDERCUT = [1800 * math.expm1(0.075), 1800 * math.expm1(0.075), 2700 * math.expm1(0.1)]


def test_the_land_compact_pays_a_member_its_pool_share_minus_its_lost_revenue():
    """Revenue out, with the competing discount: 100 x jobs x 0.9 = 9,000 / 1,800 / 7,200.
    Own revenue in, at d: 100 x 100 x 0.915 = 9,150; 100 x 20 x 0.915 = 1,830; 100 x 80 x 0.92 = 7,360.
    Pooled: 0.75 own + 0.25 x (residents / group's residents) x the group's tax
      0: 0.75 x 9,150 + 0.25 x 200/300 x 100 x 120 x 0.915 = 6,862.5 + 1,830 = 8,692.5
      1: 0.75 x 1,830 + 0.25 x 100/300 x 10,980 = 1,372.5 + 915 = 2,287.5
      2: 0.75 x 7,360 + 0.25 x 100/400 x 100 x 200 x 0.92 = 5,520 + 1,150 = 6,670
    Reserve saved: ha x 0.5 M EUR x 1 % = 5,000 / 2,000 / 1,000; brownfield-first: min(brownfield, development)
    1/2/0 ha x (0.7 - 0.5) M EUR x 1 % = 2,000 / 4,000 / 0.
    Budget: 8,692.5 - 9,000 + 5,000 - 2,000 = 2,692.5; 2,287.5 - 1,800 + 2,000 - 4,000 = -1,512.5;
    6,670 - 7,200 + 1,000 = 470. Autonomy: 0.2 x 0.25 x own revenue in = 457.5 / 91.5 / 368.
    Free riding: undercutting + turned away (next test) = UNDERCUT + 457.5 / 64.29 / 2,140."""
    s = payoffs.land_compact(MEMBERS, _land())
    assert s.budget == near([2692.5, -1512.5, 470.0])
    assert s.autonomy == near([457.5, 91.5, 368.0])
    assert s.free_riding == near(np.add(UNDERCUT, [457.5, 90 * 5 * 20 / 140, 2140.0]))
    assert s.welfare == near([0.0, 0.0, 0.0]) and s.contribution == near([0.0, 0.0, 0.0])
    assert s.external is None


def test_staying_out_is_worth_the_firms_it_undercuts_and_those_the_others_cap_turns_away():
    """Turned away: max(development - brownfield used - cap, 0) x 10 jobs/ha: (2 - 1 - 0.5) x 10 = 5;
    2 - 2 - 0.5 < 0: none; (3 - 0 - 1) x 10 = 20. The rest of the group turns away 5 - 5 = 0, 5 - 0 = 5, 5.
    The jobs outside the compact were 1 to stay out: 80 + own 100/20/0 + 40 outside = 220 / 140 / 120.
    Gained out: 100 x 0.9 x (0, 5 x 20/140, 5 x 80/120) = 0 / 64.29 / 300; lost in: 100 x (1 - d) x turned
    = 91.5 x 5 = 457.5 / 0 / 92 x 20 = 1,840."""
    x = _land()
    assert payoffs._turned_away(MEMBERS, x, D_IN) == near([457.5, 90 * 5 * 20 / 140, 300.0 + 1840.0])
    assert payoffs._undercutting(x, D_IN) == near(UNDERCUT)


def test_undercutting_gains_the_odds_a_deeper_discount_adds_in_the_firms_location_logit():
    """New jobs 2/2/3 ha x 10 = 20/20/30; at d = 0.1 (no truce) the odds are e^0 - 1 = 0; at d = 0.05 they are
    e^(5 x 0.05) - 1 = e^0.25 - 1; at d = 0.2 (a deeper member discount) e^-0.5 - 1 < 0."""
    got = payoffs._undercutting(_land(), np.array([0.1, 0.05, 0.2]))
    assert got == near([0.0, 100 * 0.9 * 20 * math.expm1(0.25), 100 * 0.9 * 30 * math.expm1(-0.5)])


def test_without_brownfield_first_the_cap_binds_on_all_development_and_costs_no_brownfield_extra():
    """Turned away: (2 - 0.5) x 10 = 15, 15, (3 - 1) x 10 = 20; the rest of the group: 30 - 15 = 15, 15, 30.
    Gained out: 90 x (15 x 100/220, 15 x 20/140, 30 x 80/120); lost in: 91.5 x 15, 91.5 x 15, 92 x 20.
    Budget: the pool and the reserve as before, no extra: 2,692.5 + 2,000 = 4,692.5; -1,512.5 + 4,000 = 2,487.5;
    470."""
    s = payoffs.land_compact(MEMBERS, _land(brownfield_first=False))
    assert s.budget == near([4692.5, 2487.5, 470.0])
    turned = [90 * 15 * 100 / 220 + 1372.5, 90 * 15 * 20 / 140 + 1372.5, 90 * 30 * 80 / 120 + 1840.0]
    assert s.free_riding == near(np.add(UNDERCUT, turned))
    assert s.autonomy == near([457.5, 91.5, 368.0])


def test_brownfield_cheaper_than_greenfield_costs_a_member_nothing_extra():
    """max(0.3 - 0.5, 0) = 0: the budget is the pool and the reserve alone (2,692.5 + 2,000 = 4,692.5, ...)."""
    s = payoffs.land_compact(MEMBERS, _land(brownfield_cost_member=0.3))
    assert s.budget == near([4692.5, 2487.5, 470.0])


def test_by_default_the_compact_has_no_outside_no_cap_and_no_firms_that_move_for_tax():
    """Coverage 300/400, 300/400, 400/400: d = 0.1 x (1 - 0.25 x 0.75) = 0.08125 and 0.1 x 0.75 = 0.075.
    Pooled: 0: 0.75 x 100 x 100 x 0.91875 + 0.25 x 200/300 x 100 x 120 x 0.91875 = 6,890.625 + 1,837.5;
    1: 0.75 x 1,837.5 + 0.25 x 100/300 x 11,025 = 1,378.125 + 918.75; 2: 0.75 x 7,400 + 0.25 x 100/400 x 18,500.
    Budget (reserve 5,000/2,000/1,000, extra 2,000/4,000/0): 8,728.125 - 9,000 + 3,000 = 2,728.125;
    2,296.875 - 1,800 - 2,000 = -1,503.125; 6,706.25 - 7,200 + 1,000 = 506.25. No cap and no mobility: no free
    riding."""
    x = _land()
    required = {f.name: getattr(x, f.name) for f in dataclasses.fields(x) if f.default is dataclasses.MISSING}
    bare = payoffs.LandInputs(**required)
    assert (bare.outside_competitors, bare.outside_jobs, bare.cap_ha, bare.jobs_per_ha,
            bare.firm_tax_sensitivity) == (0.0, 0.0, None, 0.0, 0.0)
    s = payoffs.land_compact(MEMBERS, bare)
    assert s.budget == near([2728.125, -1503.125, 506.25])
    assert s.autonomy == near([0.05 * 9187.5, 0.05 * 1837.5, 0.05 * 7400])
    assert s.free_riding == near([0.0, 0.0, 0.0])
    no_cap = payoffs.land_compact(MEMBERS, _land(cap_ha=None))  # the undercutting alone
    assert no_cap.free_riding == near(UNDERCUT)
    assert payoffs._turned_away(MEMBERS, _land(cap_ha=None), D_IN) == near([0.0, 0.0, 0.0])
    only_mobile = payoffs.land_compact(MEMBERS, _land(cap_ha=None, jobs_per_ha=0.0))  # no new jobs to draw
    assert only_mobile.free_riding == near([0.0, 0.0, 0.0])


def test_the_outsides_jobs_count_at_least_one_when_turned_away_firms_are_shared_out():
    """0 a member with 10 jobs, cap 0: (2 - 0) x 10 = 20 jobs turned away a year. 1 outside with 0.5 jobs and no
    outside beyond: its share is 0.5 / max(0.5, 1) = 0.5, not 0.5 / 0.5: 100 x 0.9 x 20 x 0.5 = 900 gained out,
    plus what its own cap would cost: (1 - 0) x 10 = 10 jobs at d = 0.1 (1 - 0.25 x 1) = 0.075: 925."""
    x = _land(jobs=np.array([10.0, 0.5]), population=np.array([1.0, 1.0]), expected_dev_ha=np.array([2.0, 1.0]),
              brownfield_ha=np.zeros(2), reserve_saving_ha=np.zeros(2), outside_competitors=0.0, outside_jobs=0.0,
              cap_ha=np.zeros(2), brownfield_first=False)
    d_in = np.array([0.1 * (1 - 0.25 * 0.5), 0.075])
    assert payoffs._turned_away(np.array([True, False]), x, d_in) == near([100 * 0.9125 * 20, 900.0 + 925.0])


# ---------------------------------------------------------------- the transport association

FLOWS = np.array([[5.0, 10.0, 20.0], [30.0, 5.0, 40.0], [50.0, 60.0, 5.0]])  # commuters, origin by destination
GAIN = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 1.0], [1.0, 2.0, 0.0]])  # EUR a trip
GAIN_TARIFF = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.5], [0.5, 1.0, 0.0]])
SHIFT_TARIFF = np.array([[0.0, 0.1, 0.2], [0.1, 0.0, 0.1], [0.2, 0.3, 0.0]])
SHIFT_SERVICE = np.array([[0.0, 0.2, 0.1], [0.1, 0.0, 0.3], [0.2, 0.1, 0.0]])
FARE_LOST = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
ORIGIN, DEST = np.array([1.0, 2.0, 1.0]), np.array([1.0, 1.0, 2.0])  # FLOWS = ORIGIN[i] D[i, j] DEST[j]


def _modes(n: int = 3, tables=(GAIN, GAIN_TARIFF, SHIFT_TARIFF, SHIFT_SERVICE, FARE_LOST)) -> transport.ModeTables:
    """Hand-made mode tables: only the gains, shifts and lost fares enter the payoff."""
    g, gt, stt, ss, fl = (np.ravel(t) for t in tables)
    z = np.zeros(n * n)
    return transport.ModeTables(p_out=z, p_in=z, p_in_one_tariff=z, gain=g, kernel=z, wait_out=np.zeros(n),
                                wait_in=np.zeros(n), gain_tariff=gt, shift_tariff=stt, shift_service=ss, fare_lost=fl)


def _transport(**changes) -> payoffs.TransportInputs:
    """Residents 600/200/200, PT trips across 30/10/20, commuters across 100/50/10; 10 EUR per commuter at half
    the service, key 0.25, autonomy 0.1, 1.5 EUR congestion per car trip, 2 trips a worker: a car trip 3 EUR."""
    pairs = catchment.all_pairs(*(np.ones((3, 3)) for _ in range(3)))
    base = dict(pairs=pairs, flows=FLOWS.ravel(), modes=_modes(), population=np.array([600.0, 200.0, 200.0]),
                pt_trips=np.array([30.0, 10.0, 20.0]), integration=True, service=0.5,
                commuters_across=np.array([100.0, 50.0, 10.0]), cost_per_commuter=10.0, key=0.25,
                autonomy_weight=0.1, congestion_eur=1.5, trips_per_worker=2.0)
    return payoffs.TransportInputs(**{**base, **changes})


def _factored(x: payoffs.TransportInputs, origin=ORIGIN, dest=DEST, flows=FLOWS) -> payoffs.TransportInputs:
    """x with its flows as factors: D = F / (origin dest), the weighted tables D x each table."""
    d = flows / np.outer(origin, dest)
    n = len(origin)
    m = x.modes
    z2, z3 = np.zeros((n, n)), np.zeros((2, n, n))
    w = transport.WeightedTables(d=d, road=z2, symmetric=False, out=z3, inside=z3, one_tariff=z3,
                                 **{k: d * getattr(m, k).reshape(n, n) for k in
                                    ("gain", "gain_tariff", "shift_tariff", "shift_service", "fare_lost")})
    return dataclasses.replace(x, flows=None, factors=Factors(origin, dest, np.zeros(n)), weighted=w)


# consumer: rows of F x gain (50, 130, 170) plus F x gain_tariff to the members (5, 30, 85), x 2 trips;
# relief: columns of F x shift_tariff from the members (3, 1, 8) x 3 EUR; external: F x shift_service (3, 2, 14) x 3
CONSUMER, RELIEF, EXTERNAL = [110.0, 320.0, 510.0], [9.0, 3.0, 24.0], [9.0, 6.0, 42.0]


def test_the_association_gives_residents_the_commuters_gain_and_charges_the_budget_its_share_of_the_cost():
    """Cost: 10 EUR x 0.5 x the group's commuters across (150, 150, 160) = 750, 750, 800, plus the waived fares
    80, 80, 560 (next tests) = 830, 830, 1,360. Share: 0.25 x residents / group's + 0.75 x PT trips / group's
      0: 0.25 x 600/800 + 0.75 x 30/40 = 0.75;  1: 0.25 x 200/800 + 0.75 x 10/40 = 0.25;
      2: 0.25 x 200/1,000 + 0.75 x 20/60 = 0.3.
    Contribution 622.5, 207.5, 408; autonomy 0.1 of it. Welfare: consumer + relief = 119, 323, 534."""
    s = payoffs.transport_association(MEMBERS, _transport())
    assert s.contribution == near([622.5, 207.5, 408.0])
    assert s.autonomy == near([62.25, 20.75, 40.8])
    assert s.welfare == near(np.add(CONSUMER, RELIEF))
    assert s.external == near(EXTERNAL)
    assert s.budget == near([0.0, 0.0, 0.0]) and s.free_riding == near([0.0, 0.0, 0.0])


def test_the_commuters_gain_splits_into_consumer_gain_congestion_relief_and_the_others_external_relief():
    """Row 0: 5 x 0 + 10 x 1 + 20 x 2 = 50, tariff to members 10 x 0.5 = 5: (50 + 5) x 2 = 110; row 1: 30 x 3 +
    40 x 1 = 130, 30 x 1 = 30: 320; row 2: 50 x 1 + 60 x 2 = 170, 50 x 0.5 + 60 x 1 = 85: 510.
    Relief into 0: 30 x 0.1 = 3; into 1: 10 x 0.1 = 1; into 2: 20 x 0.2 + 40 x 0.1 = 8; x (2 x 1.5) = 9, 3, 24.
    External: into 0: 30 x 0.1 = 3; 1: 10 x 0.2 = 2; 2: 20 x 0.1 + 40 x 0.3 = 14; x 3 = 9, 6, 42.
    Without one tariff: consumer 100, 260, 340, no relief, the same external."""
    fast = _factored(_transport())
    for got in (payoffs._commuters_gain(MEMBERS, _transport()),
                payoffs._commuters_gain_factored(MEMBERS, fast, fast.factors, fast.weighted)):
        assert got == (near(CONSUMER), near(RELIEF), near(EXTERNAL))
    x = _transport(integration=False)
    fx = _factored(x)
    for got in (payoffs._commuters_gain(MEMBERS, x), payoffs._commuters_gain_factored(MEMBERS, fx, fx.factors,
                                                                                       fx.weighted)):
        assert got == (near([100.0, 260.0, 340.0]), near([0.0, 0.0, 0.0]), near(EXTERNAL))


def test_one_tariff_makes_good_the_second_fare_of_the_trips_among_its_members():
    """To the members: 0: 10 x 1 = 10; 1: 30 x 1 = 30; 2: 50 x 2 + 60 x 1 = 160. From the members: into 0:
    30 x 1 = 30; 1: 10 x 1 = 10; 2: 20 x 2 + 40 x 1 = 80. Among the members 10 + 30 = 40, x 2 trips: 80 for
    each member; 2 joining adds its own both ways: (40 + 160 + 80) x 2 = 560."""
    assert payoffs._fares_lost(MEMBERS, _transport()) == near([80.0, 80.0, 560.0])
    assert payoffs._fares_lost(MEMBERS, _factored(_transport())) == near([80.0, 80.0, 560.0])


def test_without_one_tariff_the_association_pays_only_its_service_and_its_residents_gain_no_relief():
    """Cost 750, 750, 800 x the shares 0.75, 0.25, 0.3 = 562.5, 187.5, 240; welfare the consumer gain alone."""
    for x in (_transport(integration=False), _factored(_transport(integration=False))):
        s = payoffs.transport_association(MEMBERS, x)
        assert s.contribution == near([562.5, 187.5, 240.0])
        assert s.autonomy == near([56.25, 18.75, 24.0])
        assert s.welfare == near([100.0, 260.0, 340.0])
        assert s.external == near(EXTERNAL)


def test_the_factored_sums_give_the_worked_numbers_and_either_part_alone_falls_back_to_the_flows():
    """F = origin D dest with origin 1/2/1, dest 1/1/2: every field as from the flows (the worked numbers above);
    factors without weighted tables, or tables without factors, are read from the flows."""
    expected = payoffs.transport_association(MEMBERS, _transport())
    fast = _factored(_transport())
    for x in (fast, dataclasses.replace(fast, flows=FLOWS.ravel(), weighted=None),
              dataclasses.replace(fast, flows=FLOWS.ravel(), factors=None)):
        got = payoffs.transport_association(MEMBERS, x)
        for a, b in zip(dataclasses.astuple(got), dataclasses.astuple(expected), strict=True):
            assert a == near(b)
        assert payoffs._fares_lost(MEMBERS, x) == near([80.0, 80.0, 560.0])


def test_pairs_out_of_reach_carry_no_commuters_and_waive_no_fares():
    """0 and 2 out of each other's reach: row 0 loses 20 x 2 and 20 x 0.5 x 0, row 2 loses 50 x 1 and 50 x 0.5:
    consumer (10 + 5) x 2 = 30, 320, (120 + 60) x 2 = 360; relief into 2: 40 x 0.1 x 3 = 12; external into 2:
    40 x 0.3 x 3 = 36; fares: among 40, 2 joining (40 + 60 + 40) x 2 = 280; cost 830, 830, 800 + 280."""
    dense = catchment.all_pairs(*(np.ones((3, 3)) for _ in range(3)))
    keep = ~np.isin(np.arange(9), [2, 6])
    pairs = catchment.Catchment(n=3, indptr=np.array([0, 2, 5, 7]), dest=dense.dest[keep], orig=dense.orig[keep],
                                car_min=dense.car_min[keep], road_km=dense.road_km[keep], pt_min=dense.pt_min[keep],
                                cutoff_min=1.0)
    modes = _modes()
    modes = dataclasses.replace(modes, **{f.name: getattr(modes, f.name)[keep] for f in dataclasses.fields(modes)
                                          if getattr(modes, f.name).shape == (9,)})
    x = _transport(pairs=pairs, flows=FLOWS.ravel()[keep], modes=modes)
    assert payoffs._commuters_gain(MEMBERS, x) == (near([30.0, 320.0, 360.0]), near([9.0, 3.0, 12.0]),
                                                   near([9.0, 6.0, 36.0]))
    assert payoffs._fares_lost(MEMBERS, x) == near([80.0, 80.0, 280.0])
    assert payoffs.transport_association(MEMBERS, x).contribution == near([0.75 * 830, 0.25 * 830, 0.3 * 1080])


def test_the_use_share_divides_by_the_groups_actual_trips_however_few():
    """PT trips 0.3/0.1/0.2 a year (under one): the same shares as 30/10/20, 0.75, 0.25, 0.3 of 830, 830, 1,360."""
    s = payoffs.transport_association(MEMBERS, _transport(pt_trips=np.array([0.3, 0.1, 0.2])))
    assert s.contribution == near([622.5, 207.5, 408.0])
    tiny = payoffs.transport_association(MEMBERS, _transport(pt_trips=np.array([3e-10, 1e-10, 2e-10])))
    # use below the 1e-9 floor counts as 1e-9: 0.25 x 600/800 + 0.75 x 3e-10 / 1e-9 = 0.1875 + 0.225;
    # 0.0625 + 0.75 x 0.1 = 0.1375; 2 joining: 0.25 x 200/1,000 + 0.75 x 2e-10 / 1e-9 = 0.05 + 0.15 = 0.2
    assert tiny.contribution == near([830 * 0.4125, 830 * 0.1375, 1360 * 0.2])


def test_the_members_pay_the_whole_cost_even_when_none_of_them_rides_across():
    s = payoffs.transport_association(MEMBERS, _transport(pt_trips=np.zeros(3)))
    # no PT trips in the group: the use part goes by residents too, 600/800 and 200/800 of 830
    assert s.contribution[MEMBERS] == near([830 * 0.75, 830 * 0.25])


# ---------------------------------------------------------------- bargaining

def test_the_keys_tried_are_eleven_between_the_bounds_or_the_lower_bound_alone():
    assert bargaining.GRID == 11
    assert list(bargaining.candidates(0.1, 0.5)) == near([0.1 + 0.04 * k for k in range(11)])
    assert list(bargaining.candidates(0.0, 1.0, 3)) == near([0.0, 0.5, 1.0])
    assert list(bargaining.candidates(0.3, 0.3)) == [0.3]
    assert list(bargaining.candidates(0.4, 0.2)) == [0.4]  # inverted bounds: the lower one given


def test_nash_bargaining_maximises_the_product_of_gains_not_their_sum_among_keys_everyone_gains_from():
    keys = np.array([0.1, 0.2, 0.3, 0.4])
    # products 1 x 9 = 9, 4 x 4 = 16, 5 x 3 = 15 (sums 10, 8, 8); 20 x -1 leaves one party worse off
    assert bargaining.nash(keys, [[1.0, 9.0], [4.0, 4.0], [5.0, 3.0], [20.0, -1.0]]) == bargaining.Bargain(0.2, True)
    # three parties: 1 x 9 x 1 = 9, 4 x 4 x 1 = 16, 5 x 3 x 2 = 30
    assert bargaining.nash(keys[:3], [[1.0, 9, 1], [4, 4, 1], [5, 3, 2]]) == bargaining.Bargain(0.3, True)
    # a zero surplus is no gain: the key that gives one party 0 and the other 5 is not agreeable, 1 x 1 is
    assert bargaining.nash(keys[:2], [[0.0, 5.0], [1.0, 1.0]]) == bargaining.Bargain(0.2, True)
    # equal products (2 x 8 = 4 x 4): the lower key
    assert bargaining.nash(keys[:2], [[2.0, 8.0], [4.0, 4.0]]) == bargaining.Bargain(0.1, True)


def test_the_nash_key_does_not_depend_on_the_unit_surpluses_are_counted_in():
    keys = np.array([0.1, 0.2])
    # products 0.5 x 0.5 = 0.25 < 0.9 x 0.9 = 0.81: the second key, in EUR as in thousands of EUR (250 000 < 810 000)
    assert bargaining.nash(keys, [[0.5, 0.5], [0.9, 0.9]]) == bargaining.Bargain(0.2, True)
    assert bargaining.nash(keys, [[500.0, 500.0], [900.0, 900.0]]) == bargaining.Bargain(0.2, True)


def test_without_an_agreeable_key_the_group_takes_the_most_accepted_and_then_the_best_worst_off():
    keys = np.array([0.0, 0.1, 0.2, 0.3])
    surplus = np.array([[5.0, -1.0, -1.0],  # accepted by 1
                        [4.0, 2.0, -2.0],  # by 2, worst -2 (best 4)
                        [1.0, 3.0, -1.0],  # by 2, worst -1 (best 3): taken
                        [0.0, 0.0, 9.0]])  # by 1 (0 is no gain), worst 0
    assert bargaining.nash(keys, surplus) == bargaining.Bargain(0.2, False)
    tie = np.array([[-1.0, 2.0], [-1.0, 3.0], [-5.0, 9.0]])  # equal acceptance and worst-off: the lower key
    assert bargaining.nash(keys[:3], tie) == bargaining.Bargain(0.0, False)


def test_a_group_without_parties_agrees_on_the_first_key():
    assert bargaining.nash(np.array([0.2, 0.4]), np.zeros((2, 0))) == bargaining.Bargain(0.2, True)
    assert bargaining.nash(np.array([0.3]), np.array([])) == bargaining.Bargain(0.3, True)


def test_scores_within_a_relative_tie_count_as_equal_and_the_first_is_taken():
    first = bargaining._first_best
    assert bargaining.TIE == 1e-9
    assert first(np.array([1.0, 1.0 + 5e-10])) == 0  # within 1e-9 of 1
    assert first(np.array([1.0, 1.0 + 1.5e-9])) == 1  # beyond it
    assert first(np.array([1.0 - 1e-9, 1.0])) == 0  # exactly at the edge still counts
    assert first(np.array([1e6, 1e6 + 5e-4])) == 0  # relative: 1e-9 x 1e6 = 1e-3
    assert first(np.array([-1e6 - 5e-4, -1e6])) == 0  # relative to the size of a negative best too
    assert first(np.array([0.0, 5e-10])) == 0  # near zero: within 1e-9 absolute
    assert first(np.array([3.0, 1.0, 2.0, 3.0])) == 0 and first(np.array([1.0, 2.0, 3.0])) == 2


def test_side_payments_move_each_surplus_a_share_of_the_way_to_the_mean():
    """(30, -10, -5): mean 5, a share 0.4 of (mean - surplus) = 0.4 x (-25, 15, 10) = -10, 6, 4. A row whose mean
    is -2 or exactly 0 has nothing to share; a share 0 pays nothing; a group of none pays none (and warns not)."""
    got = bargaining.side_payments(np.array([[30.0, -10.0, -5.0], [10.0, -20.0, 4.0], [6.0, -6.0, 0.0]]), 0.4)
    assert got[0] == near([-10.0, 6.0, 4.0]) and got[1] == near([0.0] * 3) and got[2] == near([0.0] * 3)
    assert bargaining.side_payments(np.array([30.0, -10.0, -5.0]), 1.0) == near([-25.0, 15.0, 10.0])
    assert bargaining.side_payments(np.array([30.0, -10.0, -5.0]), 0.0) == near([0.0] * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bargaining.side_payments(np.zeros((2, 0)), 1.0).shape == (2, 0)


def test_a_group_whose_mean_surplus_is_positive_but_below_one_shares_it_too():
    # (0.2, 1.0): mean 0.6 > 0, a share 0.5 of (0.4, -0.4) = 0.2, -0.2
    assert bargaining.side_payments(np.array([0.2, 1.0]), 0.5) == near([0.2, -0.2])


# ---------------------------------------------------------------- ratification

POP = np.array([500.0, 200.0, 200.0, 100.0])  # 0 is the core
CORE = np.array([True, False, False, False])
ALL = np.ones(4, dtype=bool)


def _yes(*votes: int) -> np.ndarray:
    return np.array(votes, dtype=bool)


def test_core_and_quorum_ratifies_when_the_yes_voting_suburbs_hold_the_quorum_of_suburban_residents():
    """Suburbs 200 + 200 + 100 = 500 residents; 1 and 3 say yes: 300 / 500 = 60 %."""
    v = ratification.decide("core_and_quorum", _yes(1, 1, 0, 1), ALL, POP, CORE, 0.6, True)
    assert v == ratification.Verdict(True, "ratified: 60% of suburban residents >= quorum 60%")
    v = ratification.decide("core_and_quorum", _yes(1, 1, 0, 1), ALL, POP, CORE, 0.61, True)
    assert v == ratification.Verdict(False, "failed: 60% of suburban residents < quorum 61%")
    # the core alone, no suburbs: 0 / max(0, 1) = 0 %, which a quorum of 0 accepts
    v = ratification.decide("core_and_quorum", _yes(1), _yes(1), np.array([500.0]), _yes(1), 0.0, True)
    assert v == ratification.Verdict(True, "ratified: 0% of suburban residents >= quorum 0%")
    # suburbs of half a resident count as one: 0.5 / 1 = 50 % < 75 %
    v = ratification.decide("core_and_quorum", _yes(1, 1), _yes(1, 1), np.array([5.0, 0.5]), _yes(1, 0), 0.75, True)
    assert v == ratification.Verdict(False, "failed: 50% of suburban residents < quorum 75%")


def test_a_double_majority_needs_more_than_half_the_councils_and_more_than_half_the_residents():
    """Councils 3/4 and residents 800/1,000 pass; 2/4 councils (700 residents) or 500/1,000 residents (3/4
    councils) do not: both must exceed one half."""
    decide = ratification.decide
    v = decide("double_majority", _yes(1, 1, 0, 1), ALL, POP, CORE, 0.6, False)
    assert v == ratification.Verdict(True, "ratified: 75% of councils and 80% of residents (both must exceed 50 %)")
    v = decide("double_majority", _yes(1, 1, 0, 0), ALL, POP, CORE, 0.6, False)
    assert v == ratification.Verdict(False, "failed: 50% of councils and 70% of residents (both must exceed 50 %)")
    v = decide("double_majority", _yes(0, 1, 1, 1), ALL, POP, CORE, 0.6, False)
    assert v == ratification.Verdict(False, "failed: 75% of councils and 50% of residents (both must exceed 50 %)")
    # residents counted as at least one: 0.4 of 0.6 residents is 40 %, not 67 %
    v = decide("double_majority", _yes(1, 1, 0), np.ones(3, bool), np.full(3, 0.2), np.zeros(3, bool), 0.0, False)
    assert v == ratification.Verdict(False, "failed: 67% of councils and 40% of residents (both must exceed 50 %)")


def test_the_vote_record_never_rounds_a_share_onto_the_wrong_side_of_its_threshold():
    """Rounded, 5,996 / 10,000 = 59.96 % reads 60 %, which a 60 % quorum accepts: a failed vote shows 59 %. Against
    a quorum of 60.5 % (shown 60 %), 60.6 % passes and shows 61 %, and 60.04 % fails and shows 59 %. 2,501 of 5,000
    councils (50.02 %) exceed one half: 51 %, never 50 %. The verdict is a Python bool."""
    suburbs = np.array([1000.0, 5996.0, 4004.0])
    core = _yes(1, 0, 0)
    v = ratification.decide("core_and_quorum", _yes(1, 1, 0), np.ones(3, bool), suburbs, core, 0.6, False)
    assert v == ratification.Verdict(False, "failed: 59% of suburban residents < quorum 60%") and v.passed is False
    v = ratification.decide("core_and_quorum", _yes(1, 1, 0), np.ones(3, bool), np.array([1.0, 6060.0, 3940.0]),
                            core, 0.605, False)
    assert v == ratification.Verdict(True, "ratified: 61% of suburban residents >= quorum 60%") and v.passed is True
    v = ratification.decide("core_and_quorum", _yes(1, 1, 0), np.ones(3, bool), np.array([1.0, 6004.0, 3996.0]),
                            core, 0.605, False)
    assert v == ratification.Verdict(False, "failed: 59% of suburban residents < quorum 60%")
    yes = np.arange(5000) < 2501  # 50.02 % of councils, and of residents (one each)
    v = ratification.decide("double_majority", yes, np.ones(5000, bool), np.ones(5000), np.zeros(5000, bool), 0.0,
                            False)
    assert v == ratification.Verdict(True, "ratified: 51% of councils and 51% of residents (both must exceed 50 %)")
    assert v.passed is True
    v = ratification.decide("double_majority", ~yes, np.ones(5000, bool), np.ones(5000), np.zeros(5000, bool), 0.0,
                            False)
    assert v == ratification.Verdict(False, "failed: 50% of councils and 50% of residents (both must exceed 50 %)")


def test_unanimity_needs_every_council_of_the_group_and_no_one_outside_it():
    group = _yes(1, 1, 1, 0)
    v = ratification.decide("unanimity", _yes(1, 1, 1, 0), group, POP, CORE, 0.6, True)
    assert v == ratification.Verdict(True, "ratified: every council of the group voted yes")
    v = ratification.decide("unanimity", _yes(1, 0, 0, 1), group, POP, CORE, 0.6, True)
    assert v == ratification.Verdict(False, "failed: 2 council(s) of the group voted no (unanimity)")
    v = ratification.decide("unanimity", _yes(1, 1, 0, 0), group, POP, CORE, 0.6, True)  # one no is enough
    assert v == ratification.Verdict(False, "failed: 1 council(s) of the group voted no (unanimity)")


@pytest.mark.parametrize("rule", ratification.RULES)
def test_a_core_with_a_veto_ends_the_agreement_by_voting_no_whatever_the_rule(rule):
    v = ratification.decide(rule, _yes(0, 1, 1, 1), _yes(0, 1, 1, 1), POP, CORE, 0.6, True)
    assert v == ratification.Verdict(False, "failed: the core city voted no (veto)")
    without = ratification.decide(rule, _yes(0, 1, 1, 1), _yes(0, 1, 1, 1), POP, CORE, 0.6, False)
    assert without.reason != v.reason
    # a region without a core city: no veto; the suburbs are everyone (1,000 residents, 500 say yes: 50 %)
    v = ratification.decide("core_and_quorum", _yes(1, 0, 0, 0), ALL, POP, np.zeros(4, bool), 0.5, True)
    assert v == ratification.Verdict(True, "ratified: 50% of suburban residents >= quorum 50%")


def test_the_rules_are_the_three_and_any_other_is_refused():
    assert ratification.RULES == ("core_and_quorum", "double_majority", "unanimity")
    with pytest.raises(ValueError, match=r"^ratification='majority' is not a rule; allowed: core_and_quorum, "
                                         r"double_majority, unanimity$"):
        ratification.decide("majority", ALL, ALL, POP, CORE, 0.5, True)


def test_the_results_cannot_be_changed_after_the_fact():
    for frozen in (payoffs.land_compact(MEMBERS, _land()), bargaining.Bargain(0.1, True),
                   ratification.Verdict(True, "ratified")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            frozen.reason = "changed"  # type: ignore[misc]


# ---------------------------------------------------------------- properties for any input

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)
amount = st.floats(1.0, 1000.0, allow_nan=False)


@st.composite
def land_cases(draw):
    n = draw(st.integers(2, 4))
    arr = lambda lo, hi: np.array(draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n)))  # noqa: E731
    members = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    x = payoffs.LandInputs(jobs=arr(0, 1000), population=arr(1, 1000), tax_per_job=draw(amount),
                           competing_discount=draw(st.floats(0, 0.5)), key=draw(st.floats(0, 1)),
                           autonomy_weight=draw(st.floats(0, 1)), expected_dev_ha=arr(0, 10), brownfield_ha=arr(0, 10),
                           reserve_saving_ha=arr(0, 10), greenfield_cost=0.5, brownfield_cost_member=0.7,
                           brownfield_first=draw(st.booleans()), annuity=0.08, outside_competitors=draw(amount),
                           outside_jobs=draw(amount), cap_ha=arr(0, 10), jobs_per_ha=20.0,
                           firm_tax_sensitivity=draw(st.floats(0, 10)))
    return members, x, np.array(draw(st.permutations(range(n))))


@SETTINGS
@given(land_cases())
def test_pooling_conserves_the_members_revenue_and_relabelling_relabels_every_land_result(case):
    members, x, perm = case
    s = payoffs.land_compact(members, x)
    if members.any():  # the members' budgets add up to the competition the pool ends, plus the reserve, less extra
        c = x.competing_discount
        d = c * (1 - x.key * x.population[members].sum() / (x.population.sum() + x.outside_competitors))
        brown = np.minimum(x.brownfield_ha, x.expected_dev_ha) * x.brownfield_first
        rest = x.reserve_saving_ha * 0.5e6 * 0.08 - brown * 0.2e6 * 0.08
        expected = x.tax_per_job * (c - d) * x.jobs[members].sum() + rest[members].sum()
        assert s.budget[members].sum() == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert (s.free_riding >= -1e-9).all() and (s.autonomy >= 0).all()
    moved = payoffs.land_compact(members[perm], dataclasses.replace(x, **{
        k: getattr(x, k)[perm] for k in ("jobs", "population", "expected_dev_ha", "brownfield_ha",
                                         "reserve_saving_ha", "cap_ha")}))
    for field in ("budget", "free_riding", "autonomy"):
        assert getattr(moved, field) == pytest.approx(getattr(s, field)[perm], rel=1e-9, abs=1e-6)


@st.composite
def transport_cases(draw):
    n = draw(st.integers(2, 4))
    arr = lambda lo, hi, k=n: np.array(draw(st.lists(st.floats(lo, hi), min_size=k, max_size=k)))  # noqa: E731
    members = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    origin, dest, d = arr(0.1, 10), arr(0.1, 10), arr(0.01, 1, n * n).reshape(n, n)
    flows = np.outer(origin, dest) * d
    tables = [arr(0, 2, n * n).reshape(n, n) for _ in range(5)]
    pairs = catchment.all_pairs(*(np.ones((n, n)) for _ in range(3)))
    x = payoffs.TransportInputs(pairs=pairs, flows=flows.ravel(), modes=_modes(n, tables), population=arr(1, 1000),
                                pt_trips=arr(1, 1000), integration=draw(st.booleans()), service=draw(st.floats(0, 2)),
                                commuters_across=arr(0, 1000), cost_per_commuter=draw(amount),
                                key=draw(st.floats(0, 1)), autonomy_weight=0.1, congestion_eur=0.5,
                                trips_per_worker=440.0)
    return members, x, origin, dest, flows, tables, np.array(draw(st.permutations(range(n))))


@SETTINGS
@given(transport_cases())
def test_the_members_pay_the_associations_whole_cost_by_the_flows_or_their_factors_under_any_labels(case):
    members, x, origin, dest, flows, tables, perm = case
    s = payoffs.transport_association(members, x)
    fast = payoffs.transport_association(members, _factored(x, origin, dest, flows))
    for a, b in zip(dataclasses.astuple(fast), dataclasses.astuple(s), strict=True):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6)
    if members.any():
        fares = x.integration * x.trips_per_worker * (flows * tables[4])[np.ix_(members, members)].sum()
        cost = x.cost_per_commuter * x.service * x.commuters_across[members].sum() + fares
        assert s.contribution[members].sum() == pytest.approx(cost, rel=1e-9, abs=1e-6)
    assert (s.contribution >= 0).all() and (s.welfare >= 0).all() and (s.external >= 0).all()
    p = np.ix_(perm, perm)
    moved = dataclasses.replace(x, flows=flows[p].ravel(), modes=_modes(len(perm), [t[p] for t in tables]),
                                population=x.population[perm], pt_trips=x.pt_trips[perm],
                                commuters_across=x.commuters_across[perm])
    for a, b in zip(dataclasses.astuple(payoffs.transport_association(members[perm], moved)),
                    dataclasses.astuple(s), strict=True):
        assert a == pytest.approx(b[perm], rel=1e-9, abs=1e-6)


surpluses = st.integers(1, 5).flatmap(lambda k: st.integers(1, 4).flatmap(lambda n: st.lists(
    st.lists(st.floats(-100, 100), min_size=n, max_size=n), min_size=k, max_size=k)))


@SETTINGS
@given(surpluses, st.floats(0, 1), st.randoms(use_true_random=False))
def test_nash_picks_a_key_tried_whatever_the_parties_order_and_side_payments_sum_to_zero(rows, share, rnd):
    surplus = np.array(rows)
    keys = np.linspace(0.0, 0.5, len(surplus))
    deal = bargaining.nash(keys, surplus)
    feasible = (surplus > 0).all(axis=1)
    assert deal.key in keys and deal.agreed == feasible.any()
    if deal.agreed:
        chosen = np.log(surplus[keys == deal.key][0]).sum()
        assert all(chosen >= np.log(r).sum() - 1e-6 for r in surplus[feasible])
    order = list(range(surplus.shape[1]))
    rnd.shuffle(order)
    assert bargaining.nash(keys, surplus[:, order]) == deal
    paid = bargaining.side_payments(surplus, share)
    mean = surplus.mean(axis=1, keepdims=True)
    assert paid.sum(axis=1) == pytest.approx(np.zeros(len(surplus)), abs=1e-9)
    assert surplus + paid == pytest.approx(np.where(mean > 0, (1 - share) * surplus + share * mean, surplus),
                                           abs=1e-9)
    assert bargaining.side_payments(surplus[:, order], share) == pytest.approx(paid[:, order], abs=1e-12)
    low, high = sorted(keys[[0, -1]])
    assert (bargaining.candidates(low, high) >= low - 1e-12).all()
    assert (np.diff(bargaining.candidates(low, high)) >= 0).all()


@SETTINGS
@given(st.integers(2, 5).flatmap(lambda n: st.tuples(
    st.lists(st.booleans(), min_size=n, max_size=n), st.lists(st.booleans(), min_size=n, max_size=n),
    st.lists(st.floats(1, 1000), min_size=n, max_size=n), st.integers(0, n - 1), st.permutations(range(n)))),
    st.sampled_from(ratification.RULES), st.floats(0, 1), st.booleans())
def test_one_more_yes_never_undoes_a_ratification_and_the_order_of_councils_never_matters(case, rule, quorum, veto):
    yes, group, population, extra, perm = (np.array(v) for v in case)
    core = np.arange(len(yes)) == 0
    before = ratification.decide(rule, yes, group, population, core, quorum, veto)
    more = yes.copy()
    more[extra] = True
    assert ratification.decide(rule, more, group, population, core, quorum, veto).passed >= before.passed
    relabelled = ratification.decide(rule, yes[perm], group[perm], population[perm], core[perm], quorum, veto)
    assert relabelled.passed == before.passed


def test_the_stakes_at_several_keys_are_those_at_each_key_alone():
    # a vote's bargaining computes what no key changes once for a column of keys: row by row, to the bit, the
    # stakes at each key alone (a stake no key changes is one row for all keys)
    keys = (0.0, 0.2, 0.5)
    for one, many in ((payoffs.land_compact, payoffs.land_compact_keys),
                      (payoffs.transport_association, payoffs.transport_association_keys)):
        for x in ((_land(), _land(cap_ha=np.array([1.0, 0.5, 2.0]))) if one is payoffs.land_compact
                  else (_transport(), _factored(_transport()))):
            grid = many(MEMBERS, x, np.array(keys)[:, None])
            for k, key in enumerate(keys):
                want = one(MEMBERS, dataclasses.replace(x, key=key))
                for a, b in zip(dataclasses.astuple(grid), dataclasses.astuple(want), strict=True):
                    assert (a is None and b is None) or np.array_equal(a[k] if a.ndim == 2 else a, b)


def test_the_stakes_with_the_groups_residents_given_are_the_same_numbers():
    # the payoff computes the group's residents with each municipality in once, for the stakes and the costs
    for many, x in ((payoffs.land_compact_keys, _land()), (payoffs.transport_association_keys, _transport()),
                    (payoffs.transport_association_keys, _factored(_transport()))):
        after = co.with_each(x.population, MEMBERS)
        for keys in (0.4, np.array([[0.0], [0.4]])):
            got, want = many(MEMBERS, x, keys, after), many(MEMBERS, x, keys)
            for a, b in zip(dataclasses.astuple(got), dataclasses.astuple(want), strict=True):
                assert (a is None and b is None) or np.array_equal(a, b)
    x = _factored(_transport())
    ends = np.where(MEMBERS, x.factors.origin, 0.0), np.where(MEMBERS, x.factors.dest, 0.0)
    assert np.array_equal(payoffs._fares_lost(MEMBERS, x, ends), payoffs._fares_lost(MEMBERS, x))
    for a, b in zip(payoffs._commuters_gain_factored(MEMBERS, x, x.factors, x.weighted, ends),
                    payoffs._commuters_gain_factored(MEMBERS, x, x.factors, x.weighted), strict=True):
        assert np.array_equal(a, b)
