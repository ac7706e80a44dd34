"""Worked examples of the cooperation rules (cityregions.rules.cooperation), computed by hand.

Specified here, on 2-4 hand-made municipalities with round numbers, every returned value checked:
- planning capacity: (log10 population - 3) / (log10 core - 3), clipped to [0, 1]; a core of 1 000 or fewer;
- a group's total with each municipality in it, one row or one row per key;
- trust towards a group: the mean trust towards the other members; members out of reach count at the initial
  level (the sparse path); with no other member, self-trust;
- the four transaction costs: size (population / 10 000)^exponent, capacity relief, knowledge, group size and
  heterogeneity (std of log10 population among at least two members), trust, enforcement share, agency;
- dominance and inequity costs; trust gained, decayed (self-trust reset, cap at 1), updated (whole-array path
  where every pair is in reach, pair-by-pair path otherwise), betrayed; initial trust; learning; perception;
  co-financing; the logit choice;
- Payoff's transaction, net, row(s) and the payoff at one of several keys; Agreement's defaults and activity;
  the enums and constants.
Property tests (hypothesis) check laws for all inputs: bounds, symmetry, permutation invariance, monotonicity,
and that the sparse paths equal the dense ones with out-of-reach pairs at the initial level.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityregions.config import CooperationParams, Theme
from cityregions.rules import cooperation as co
from cityregions.rules.cooperation import Action, Agreement, Payoff, Status
from cityregions.world import catchment

T3 = np.array([[1.0, 0.5, 0.4], [0.6, 1.0, 0.2], [0.4, 0.5, 1.0]])  # trust of row towards column (asymmetric)
NO_02 = np.array([[True, True, False], [True, True, True], [False, True, True]])  # 0 and 2 out of each other's reach


def reach(mask: np.ndarray) -> catchment.Catchment:
    """A catchment holding the pairs where mask is True (dense when it is all True)."""
    n = len(mask)
    one = np.ones((n, n))
    dense = catchment.all_pairs(one, one, one)
    if mask.all():
        return dense
    keep = mask.ravel()
    return catchment.Catchment(n=n, indptr=np.concatenate([[0], np.cumsum(mask.sum(axis=1))]),
                               dest=dense.dest[keep], orig=dense.orig[keep], car_min=dense.car_min[keep],
                               road_km=dense.road_km[keep], pt_min=dense.pt_min[keep], cutoff_min=10.0)


def on(mask: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """A matrix's values on the pairs within reach, in pair (CSR) order."""
    return matrix.ravel()[mask.ravel()].astype(float)


class Draws:
    """A stand-in generator whose uniform draws are given."""

    def __init__(self, *u: float) -> None:
        self.u = np.array(u)

    def random(self, n: int) -> np.ndarray:
        assert n == len(self.u)
        return self.u


# ---------------------------------------------------------------- enums, constants, Agreement, Payoff

def test_statuses_actions_and_their_orders_are_fixed():
    assert [int(s) for s in (Status.PILOT, Status.INFORMAL, Status.INSTITUTIONALISED, Status.DISSOLVED,
                             Status.CONTRACT)] == [1, 2, 3, 4, 5]
    assert [int(a) for a in (Action.JOIN_PILOT, Action.VOTE_YES, Action.VOTE_NO, Action.JOIN, Action.LEAVE)] == [
        1, 2, 3, 4, 5]
    assert co.STRENGTH == (Status.DISSOLVED, Status.PILOT, Status.INFORMAL, Status.CONTRACT, Status.INSTITUTIONALISED)
    assert co.BINDING == (Status.CONTRACT, Status.INSTITUTIONALISED)
    # a contract is enforced at 3/4 and a body at 1/2 of informal cooperation's cost
    assert co.ENFORCEMENT == {Status.PILOT: 1.0, Status.INFORMAL: 1.0, Status.CONTRACT: 0.75,
                              Status.INSTITUTIONALISED: 0.5, Status.DISSOLVED: 1.0}


def test_an_agreement_starts_with_no_losses_and_is_active_only_undissolved_with_members():
    a = Agreement(Theme.LAND, np.array([True, False, True]), Status.PILOT, formed_step=4)
    assert a.loss_streak.tolist() == [0, 0, 0] and a.loss_streak.dtype.kind == "i"
    assert (a.strength, a.key, a.side_payments, a.last_payoff) == (1.0, None, None, None)
    assert a.active
    assert not dataclasses.replace(a, status=Status.DISSOLVED).active  # members left, but dissolved
    assert not dataclasses.replace(a, members=np.zeros(3, dtype=bool)).active  # no member left
    kept = Agreement(Theme.TRANSPORT, np.array([True, True]), Status.CONTRACT, 0, loss_streak=np.array([2, 0]))
    assert kept.loss_streak.tolist() == [2, 0] and kept.active
    twin = Agreement(Theme.TRANSPORT, kept.members, Status.CONTRACT, 0, loss_streak=kept.loss_streak)
    assert kept != twin and kept == kept  # the same agreement only as one object
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.status = Status.INFORMAL


def _payoff() -> Payoff:
    """Powers of two, so that each term's sign shows in the sum; municipality 1 has three times 0's terms."""
    v = dict(benefit=1024, welfare=512, side_payment=256, free_riding=128, information=64, negotiation=32,
             enforcement=16, agency=8, autonomy=4, dominance=2, inequity=1, contribution=0.5, trust=0.25)
    return Payoff(**{k: np.array([x, 3 * x], dtype=float) for k, x in v.items()})


def test_a_payoffs_net_is_its_gains_less_every_cost_and_its_transaction_the_four_costs():
    p = _payoff()
    assert p.transaction.tolist() == [120.0, 360.0]  # 64 + 32 + 16 + 8
    # 1024 + 512 + 256 - 128 - 120 - 4 - 2 - 1 - 0.5 = 1536.5 (trust is not money)
    assert p.net.tolist() == [1536.5, 4609.5]


def test_a_payoff_at_several_keys_gives_each_keys_payoff_a_part_no_key_changes_shared():
    p = _payoff()
    keyed = dataclasses.replace(p, benefit=np.array([[1024.0, 3072.0], [0.0, 8.0]]))  # two keys: two rows
    first, second = keyed.at_key(0), keyed.at_key(1)
    assert first.benefit.tolist() == [1024.0, 3072.0] and second.benefit.tolist() == [0.0, 8.0]
    assert second.welfare is p.welfare and first.net.tolist() == p.net.tolist()
    assert keyed.net.tolist() == [[1536.5, 4609.5], [512.5, 1545.5]]  # 1024 and 3064 less for the second key


def test_a_payoff_row_is_every_column_of_the_breakdown_for_one_municipality():
    assert co.BREAKDOWN == ("benefit", "welfare", "free_riding", "information", "negotiation", "enforcement",
                            "agency", "autonomy", "dominance", "inequity", "contribution", "trust", "side_payment",
                            "net")
    one = {"benefit": 1024.0, "welfare": 512.0, "free_riding": 128.0, "information": 64.0, "negotiation": 32.0,
           "enforcement": 16.0, "agency": 8.0, "autonomy": 4.0, "dominance": 2.0, "inequity": 1.0,
           "contribution": 0.5, "trust": 0.25, "side_payment": 256.0, "net": 1536.5}
    p = _payoff()
    assert p.row(0) == one and list(p.row(0)) == list(co.BREAKDOWN)
    assert p.row(1) == {k: 3 * v for k, v in one.items()}
    assert p.rows(np.array([1, 0])) == [p.row(1), one]


# ---------------------------------------------------------------- planning capacity

def test_planning_capacity_rises_with_log_population_from_a_thousand_to_the_core():
    # core of 100 000: log10 5 - 3 = 2; 10 000 -> (4 - 3) / 2 = 0.5; 10^3.5 -> 0.25; below 1 000 -> 0; above -> 1
    cap = co.planning_capacity(np.array([100.0, 1000.0, 10 ** 3.5, 1e4, 1e5, 1e7]), 1e5)
    assert cap == pytest.approx([0.0, 0.0, 0.25, 0.5, 1.0, 1.0])


def test_planning_capacity_with_a_core_of_a_thousand_or_fewer_is_all_or_nothing():
    # top = max(log10 100 - 3, 1e-9) = 1e-9: 1 001 residents -> 0.00043 / 1e-9 -> clipped to 1
    assert co.planning_capacity(np.array([10.0, 1000.0, 1001.0]), 100.0).tolist() == [0.0, 0.0, 1.0]


# ---------------------------------------------------------------- trust towards a group

def test_group_trust_is_the_mean_trust_towards_the_other_members():
    pairs = reach(np.ones((3, 3), dtype=bool))
    t = T3.ravel().copy()
    # members 0, 1: 0 -> 1 is 0.5, 1 -> 0 is 0.6; outsider 2 trusts both: (0.4 + 0.5) / 2 = 0.45
    assert co.group_trust(t, pairs, np.array([True, True, False]), 0.3) == pytest.approx([0.5, 0.6, 0.45])
    # all three: (0.5 + 0.4) / 2 = 0.45, (0.6 + 0.2) / 2 = 0.4, (0.4 + 0.5) / 2 = 0.45
    assert co.group_trust(t, pairs, np.ones(3, dtype=bool), 0.3) == pytest.approx([0.45, 0.4, 0.45])
    # a lone member has no one else to trust: its self-trust 1; the others trust it: 0.5 and 0.5
    assert co.group_trust(t, pairs, np.array([False, True, False]), 0.3) == pytest.approx([0.5, 1.0, 0.5])


def test_group_trust_counts_members_out_of_reach_at_the_initial_level():
    pairs = reach(NO_02)
    t = on(NO_02, T3)
    # all three, initial 0.1: 0 -> (0.5 + 0.1 for 2) / 2 = 0.3; 1 -> (0.6 + 0.2) / 2 = 0.4; 2 -> (0.1 + 0.5) / 2
    assert co.group_trust(t, pairs, np.ones(3, dtype=bool), 0.1) == pytest.approx([0.3, 0.4, 0.3])
    # members 0 and 2 only know each other at 0.1; outsider 1 trusts them (0.6 + 0.2) / 2
    assert co.group_trust(t, pairs, np.array([True, False, True]), 0.1) == pytest.approx([0.1, 0.4, 0.1])
    # member 2 alone: 0 trusts it at 0.1 (out of reach), 1 at 0.2, itself 1
    assert co.group_trust(t, pairs, np.array([False, False, True]), 0.1) == pytest.approx([0.1, 0.2, 1.0])


# ---------------------------------------------------------------- transaction costs

CP = CooperationParams(tc_base_keur=10.0, tc_weights=[0.1, 0.2, 0.3, 0.4], group_size_exponent=2.0,
                       capacity_relief=0.5, tc_size_exponent=0.5)


def test_transaction_costs_of_a_group_of_two_with_every_term():
    """log10 population 4, 8, 2: size (pop / 10 000)^0.5 = 1, 100, 0.1; capacity 0, 0.5, 1 relieves 0, 25, 50 %;
    base = 10 kEUR * 1000 * scale 2 * size * relief = 20 000, 1 500 000, 1 000 EUR.
    Members 0 and 1 (log 4 and 8): centre 6, heterogeneity std 2 (variance 4)."""
    info, neg, enf, agency = co.transaction_costs(
        CP, 2.0, capacity=np.array([0.0, 0.5, 1.0]), knowledge=np.array([0.0, 0.5, 1.0]),
        trust_to_group=np.array([0.5, 0.0, 0.25]), group_size=np.array([10, 40, 0]),
        log_pop=np.array([4.0, 8.0, 2.0]), members_after=np.array([True, True, False]), enforcement_share=0.75)
    assert info == pytest.approx([2000.0, 75000.0, 0.0])  # base * 0.1 * (1 - knowledge 0, 0.5, 1)
    # base * 0.2 * (size 10, 40, 0 -> at least 1, / 10)^2 = 1, 16, 0.01 * (1 + 2)
    assert neg == pytest.approx([12000.0, 14_400_000.0, 6.0])
    assert enf == pytest.approx([2250.0, 337500.0, 168.75])  # base * 0.3 * (1 - trust 0.5, 0, 0.25) * 0.75
    assert agency == pytest.approx([24000.0, 1_800_000.0, 2000.0])  # base * 0.4 * (1 + |4, 8, 2 - 6| = 3, 3, 5)


@pytest.mark.parametrize("members_after", [None, np.array([False, True, False])], ids=["none", "one member"])
def test_transaction_costs_without_a_group_of_two_centre_on_everyone_with_no_heterogeneity(members_after):
    """log10 population 2, 6, 4: size 0.1, 10, 1, base 20 000 * size = 2 000, 200 000, 20 000; the centre is the
    mean log of all, 4 (not member 1's 6), heterogeneity 0."""
    info, neg, enf, agency = co.transaction_costs(CP, 2.0, np.zeros(3), np.zeros(3), np.zeros(3), np.full(3, 10),
                                                  np.array([2.0, 6.0, 4.0]), members_after, 1.0)
    assert info == pytest.approx([200.0, 20000.0, 2000.0])  # base * 0.1
    assert neg == pytest.approx([400.0, 40000.0, 4000.0])  # base * 0.2 * 1 * (1 + 0)
    assert enf == pytest.approx([600.0, 60000.0, 6000.0])  # base * 0.3 * (1 - 0) * 1
    assert agency == pytest.approx([2400.0, 240000.0, 8000.0])  # base * 0.4 * (1 + 2, 2, 0)


def test_transaction_costs_at_the_default_parameters_for_ten_thousand_residents():
    """Defaults: 60 kEUR, weights 0.25, 0.35, 0.2, 0.2; size 1 at 10 000 residents; a group of 10; trust 0.3."""
    cp = CooperationParams()
    info, neg, enf, agency = co.transaction_costs(cp, 1.0, np.zeros(1), np.zeros(1), np.array([cp.trust_initial]),
                                                  np.array([10]), np.array([4.0]), None,
                                                  co.ENFORCEMENT[Status.INFORMAL])
    assert [info[0], neg[0], enf[0], agency[0]] == pytest.approx([15000.0, 21000.0, 8400.0, 12000.0])
    # a capacity of 1 saves capacity_relief 0.5 of each; group of 40: (40 / 10)^0.3 = 1.5157
    info, neg, *_ = co.transaction_costs(cp, 1.0, np.ones(1), np.zeros(1), np.zeros(1), np.array([40]),
                                         np.array([4.0]), None, 1.0)
    assert info[0] == pytest.approx(7500.0) and neg[0] == pytest.approx(10500.0 * 4 ** 0.3)


# ---------------------------------------------------------------- dominance and inequity

def test_with_each_is_the_members_total_plus_a_non_members_own():
    values, members = np.array([3.0, -1.5, 4.0, 2.5]), np.array([True, True, False, False])
    assert co.with_each(values, members).tolist() == [1.5, 1.5, 5.5, 4.0]  # 3 - 1.5, plus 4 or 2.5 outside


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 12))
def test_with_each_row_by_row_is_with_each_of_each_row_to_the_bit(seed, n, k):
    # one row per key (a vote's grid) sums each row's members as a single row would: the same bits; and a
    # non-member's own value is added where the members' total alone is taken for a member (the np.where form)
    rnd = np.random.default_rng(seed)
    values, members = rnd.normal(0.0, 1e6, (k, n)), rnd.random(n) < 0.5
    rows = co.with_each(values, members)
    for row, got in zip(values, rows, strict=True):
        assert np.array_equal(got, co.with_each(row, members))
        assert np.array_equal(got, row[members].sum() + np.where(members, 0.0, row))


def test_dominance_is_weight_times_the_cores_share_times_a_suburbs_autonomy_cost():
    pop, core, autonomy = np.array([60.0, 20.0, 20.0]), np.array([True, False, False]), np.array([7.0, 10.0, 5.0])
    # core and 1 in: 60 of 80 for member 1, 60 of 100 for 2 if it joins; weight 2
    d = co.dominance(autonomy, pop, np.array([True, True, False]), core, 2.0)
    assert d.tolist() == pytest.approx([0.0, 15.0, 6.0])  # 2 * 0.75 * 10, 2 * 0.6 * 5
    assert co.dominance(autonomy, pop, np.array([False, True, True]), core, 2.0).tolist() == [0.0, 0.0, 0.0]


def test_inequity_is_aversion_times_the_gain_per_resident_below_the_groups_mean_times_residents():
    gain, pop = np.array([300.0, 100.0, 50.0, 0.0]), np.array([10.0, 10.0, 5.0, 20.0])
    d = co.inequity(gain, pop, np.array([True, True, False, False]), 0.5)
    # members: mean 400 / 20 = 20; 0 gains 30 (none), 1 gains 10: 0.5 * 10 * 10 = 50
    # joiner 2: mean 450 / 25 = 18, own 10: 0.5 * 8 * 5 = 20; joiner 3: mean 400 / 40 = 10, own 0: 0.5 * 10 * 20
    assert d == pytest.approx([0.0, 50.0, 20.0, 100.0])


def test_inequity_counts_fewer_than_one_resident_as_one():
    # members of 0.25 residents each: mean 1 / max(0.5, 1) = 1; 1 gains 0: 1 * 1 * 0.25 (unfloored: mean 2, 0.5)
    assert co.inequity(np.array([1.0, 0.0]), np.array([0.25, 0.25]), np.array([True, True]), 1.0) == \
        pytest.approx([0.0, 0.25])
    # joiner of 0.5 residents gaining 1: mean 5 / 2 = 2.5, own 1 / max(0.5, 1) = 1: 1.5 * 0.5 (unfloored: 0.25)
    assert co.inequity(np.array([4.0, 1.0]), np.array([1.5, 0.5]), np.array([True, False]), 1.0) == \
        pytest.approx([0.0, 0.75])


# ---------------------------------------------------------------- trust: gain, decay, update, betrayal, start

def test_trust_gain_closes_part_of_the_gap_for_successful_co_members_and_accumulates_in_out():
    pairs = reach(np.ones((3, 3), dtype=bool))
    t = T3.ravel().copy()
    # 0, 1 succeed, rate 0.5: 0 -> 1: 0.5 * (1 - 0.5) = 0.25, 1 -> 0: 0.5 * (1 - 0.6) = 0.2; self: 0.5 * 0
    g = co.trust_gain(t, pairs, np.array([True, True, False]), 0.5)
    assert g.reshape(3, 3) == pytest.approx(np.array([[0, 0.25, 0], [0.2, 0, 0], [0, 0, 0]]))
    out = np.full(9, 0.1)
    assert co.trust_gain(t, pairs, np.array([True, True, False]), 0.5, out=out) is out
    assert out.reshape(3, 3) == pytest.approx(np.array([[0.1, 0.35, 0.1], [0.3, 0.1, 0.1], [0.1, 0.1, 0.1]]))
    assert t.tolist() == T3.ravel().tolist()


def test_trust_gain_skips_pairs_out_of_reach():
    pairs = reach(NO_02)
    t = on(NO_02, T3)  # pairs 00 01 10 11 12 21 22
    # all succeed, rate 0.5: 0.5 * (1 - 0.5, 0.6, 0.2, 0.5) on 01, 10, 12, 21
    g = co.trust_gain(t, pairs, np.ones(3, dtype=bool), 0.5)
    assert g == pytest.approx([0.0, 0.25, 0.2, 0.0, 0.4, 0.25, 0.0])
    assert co.trust_gain(t, pairs, np.array([True, False, True]), 0.5).tolist() == [0.0] * 7  # 0 and 2: no pair


def test_trust_decays_towards_its_initial_level_and_self_trust_stays_one():
    pairs = reach(np.ones((3, 3), dtype=bool))
    t = T3.ravel().copy()
    # T * (1 - 0.25) + 0.25 * 0.2: 0.5 -> 0.425, 0.4 -> 0.35, 0.6 -> 0.5, 0.2 -> 0.2; self 0.8 -> reset to 1
    expected = np.array([[1.0, 0.425, 0.35], [0.5, 1.0, 0.2], [0.35, 0.425, 1.0]])
    assert co.decay_trust(t, pairs, 0.25, 0.2).reshape(3, 3) == pytest.approx(expected)
    assert t.tolist() == T3.ravel().tolist()  # a new array unless out is given
    assert co.decay_trust(t, pairs, 0.25, 0.2, out=t) is t and t.reshape(3, 3) == pytest.approx(expected)
    # at most 1: a value above it (as gains from several agreements leave) is capped
    assert co.decay_trust(np.full(9, 1.2), pairs, 0.0, 0.3).tolist() == [1.0] * 9


UPDATED = np.array([[1.0, 0.66, 0.498], [0.714, 1.0, 0.354], [0.498, 0.57, 1.0]])


def test_trust_update_adds_a_gain_per_shared_success_then_decays_where_every_pair_is_in_reach():
    """Successes {0, 1} and {0, 1, 2}, rate 0.2, decay 0.1, initial 0.3; T -> (T + C 0.2 (1 - T)) 0.9 + 0.03:
    0 -> 1 (C = 2): (0.5 + 0.2) 0.9 + 0.03 = 0.66; 1 -> 0: (0.6 + 0.16) 0.9 + 0.03 = 0.714;
    0 -> 2 (C = 1): (0.4 + 0.12) 0.9 + 0.03 = 0.498; 1 -> 2: 0.354; 2 -> 1: 0.57; self 1."""
    pairs = reach(np.ones((3, 3), dtype=bool))
    t = T3.ravel().copy()
    s = [np.array([True, True, False]), np.array([True, True, True])]
    assert co.update_trust(t, pairs, s, 0.2, 0.1, 0.3).reshape(3, 3) == pytest.approx(UPDATED)
    assert t.tolist() == T3.ravel().tolist()
    # no success: decay alone, T 0.9 + 0.03: 0.5 -> 0.48, 0.4 -> 0.39, 0.6 -> 0.57, 0.2 -> 0.21
    decayed = np.array([[1.0, 0.48, 0.39], [0.57, 1.0, 0.21], [0.39, 0.48, 1.0]])
    assert co.update_trust(t, pairs, [], 0.2, 0.1, 0.3).reshape(3, 3) == pytest.approx(decayed)


def test_trust_update_pair_by_pair_where_not_every_pair_is_in_reach():
    pairs = reach(NO_02)
    t = on(NO_02, T3)
    s = [np.array([True, True, False]), np.array([True, True, True])]
    assert co.update_trust(t, pairs, s, 0.2, 0.1, 0.3) == pytest.approx(on(NO_02, UPDATED))  # the same numbers
    assert t.tolist() == on(NO_02, T3).tolist()


@pytest.mark.parametrize("mask", [np.ones((3, 3), dtype=bool), NO_02], ids=["dense", "sparse"])
def test_trust_update_caps_trust_at_one_after_the_decay(mask):
    """Two shared successes at rate 0.6: 0 -> 1: 0.5 + 2 * 0.6 * 0.5 = 1.1 (1 -> 0: 0.6 + 1.2 * 0.4 = 1.08);
    decay 0.05 to 0.3: 1.1 * 0.95 + 0.015 = 1.06 -> 1; 1.08 -> 1.041 -> 1; others decay: 1 -> 2: 0.2 * 0.95 +
    0.015 = 0.205; 2 -> 1: 0.49; 0 -> 2 and 2 -> 0: 0.395."""
    pairs = reach(mask)
    both = np.array([True, True, False])
    out = co.update_trust(on(mask, T3), pairs, [both, both], 0.6, 0.05, 0.3)
    assert out == pytest.approx(on(mask, np.array([[1.0, 1.0, 0.395], [1.0, 1.0, 0.205], [0.395, 0.49, 1.0]])))


def test_betrayal_cuts_the_members_trust_in_those_who_left():
    pairs = reach(np.ones((3, 3), dtype=bool))
    t = T3.ravel().copy()
    # members 0, 1 lose a quarter of their trust in leaver 2: 0.4 -> 0.3, 0.2 -> 0.15; 2's own trust stays
    expected = np.array([[1.0, 0.5, 0.3], [0.6, 1.0, 0.15], [0.4, 0.5, 1.0]])
    after = co.betrayal(t, pairs, np.array([False, False, True]), np.array([True, True, False]), 0.25)
    assert after.reshape(3, 3) == pytest.approx(expected) and t.tolist() == T3.ravel().tolist()
    assert co.betrayal(t, pairs, np.array([False, False, True]), np.array([True, True, False]), 0.25, out=t) is t
    assert t.reshape(3, 3) == pytest.approx(expected)
    sparse = co.betrayal(on(NO_02, T3), reach(NO_02), np.array([False, False, True]), np.array([True, True, False]),
                         0.25)
    assert sparse == pytest.approx([1.0, 0.5, 0.6, 1.0, 0.15, 0.5, 1.0])  # 0 -> 2 is out of reach


def test_initial_trust_is_the_initial_level_between_municipalities_and_one_to_oneself():
    assert co.initial_trust(reach(np.ones((3, 3), dtype=bool)), 0.3).tolist() == [1, .3, .3, .3, 1, .3, .3, .3, 1]
    assert co.initial_trust(reach(NO_02), 0.3).tolist() == [1, .3, .3, 1, .3, .3, 1]


# ---------------------------------------------------------------- knowledge, perception, co-financing, choice

def test_learning_closes_rate_times_relevance_of_the_gap_for_participants():
    # 0.5 * 0.5 = 0.25 of the gap: 0 -> 0.25, 0.5 -> 0.625; 2 does not take part
    k = co.learn(np.array([0.0, 0.5, 0.2]), np.array([True, True, False]), 0.5, 0.5)
    assert k == pytest.approx([0.25, 0.625, 0.2])
    assert co.learn(np.array([0.4]), np.array([True]), 0.5, 1.0) == pytest.approx([0.7])  # 0.4 + 0.5 * 0.6


def test_perceived_benefit_is_distorted_by_the_bias_that_knowledge_removes():
    # 100 (1 - 0.5); 100 (1 + 0.5 * 0.5); -200 (1 + 0.25 * 0.8) = -240
    seen = co.perceived(np.array([100.0, 100.0, -200.0]), np.array([-0.5, 0.5, 0.25]), np.array([0.0, 0.5, 0.2]))
    assert seen == pytest.approx([50.0, 125.0, -240.0])


def test_cofinancing_pays_the_request_while_the_funds_last_and_nothing_for_a_negative_one():
    assert co.cofinanced(30.0, 50.0) == 30.0
    assert co.cofinanced(80.0, 50.0) == 50.0
    assert co.cofinanced(-100.0, 50.0) == 0.0
    assert co.cofinanced(0.5, 50.0) == 0.5


def test_a_logit_choice_says_yes_when_the_draw_is_below_its_probability():
    # noise 2: net 0 -> 1 / (1 + 1) = 0.5; net 2 ln 3 -> 1 / (1 + 1/3) = 0.75; net -2 ln 3 -> 0.25
    net = np.array([0.0, 2 * math.log(3), -2 * math.log(3)])
    assert co.choose(net, 2.0, Draws(0.49, 0.74, 0.24)).tolist() == [True, True, True]
    assert co.choose(net, 2.0, Draws(0.5, 0.76, 0.26)).tolist() == [False, False, False]  # 0.5 < 0.5: no
    rng, draws = np.random.default_rng(7), np.random.default_rng(7).random(3)
    assert co.choose(net, 2.0, rng).tolist() == (draws < [0.5, 0.75, 0.25]).tolist()


def test_a_logit_choice_keeps_a_chance_of_one_in_e_to_the_fifty_however_bad_the_net():
    # the exponent is clipped to 50: probability 1 / (1 + e^50) = 1.93e-22, not 0 (nor e^-51, nor e^-49)
    p50 = 1.0 / (1.0 + math.exp(50.0))
    assert co.choose(np.array([-1e6, -1e6]), 1.0, Draws(0.9 * p50, 1.1 * p50)).tolist() == [True, False]
    assert co.choose(np.array([1e6]), 1.0, Draws(0.999999)).tolist() == [True]


# ---------------------------------------------------------------- laws for all inputs (hypothesis)

unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def regions(draw, lo: int = 2, hi: int = 4):
    """A symmetric reach mask (self always in reach), a trust matrix in [0, 1] with self-trust 1, and a group."""
    n = draw(st.integers(lo, hi))
    upper = np.array(draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n))).reshape(n, n)
    mask = np.triu(upper) | np.triu(upper).T | np.eye(n, dtype=bool)
    trust = np.array(draw(st.lists(unit, min_size=n * n, max_size=n * n))).reshape(n, n)
    np.fill_diagonal(trust, 1.0)
    members = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return mask, trust, members


@settings(max_examples=50)
@given(regions(), unit)
def test_group_trust_lies_in_unit_and_treats_pairs_out_of_reach_as_at_the_initial_level(region, initial):
    mask, trust, members = region
    sparse = co.group_trust(on(mask, trust), reach(mask), members, initial)
    dense = co.group_trust(np.where(mask, trust, initial).ravel(), reach(np.ones_like(mask)), members, initial)
    assert sparse == pytest.approx(dense, abs=1e-12)
    assert ((sparse >= -1e-12) & (sparse <= 1 + 1e-12)).all()


@settings(max_examples=30)
@given(regions(), unit, st.randoms())
def test_group_trust_is_invariant_under_renumbering_the_municipalities(region, initial, rnd):
    _, trust, members = region
    n = len(members)
    perm = np.array(rnd.sample(range(n), n))
    full = reach(np.ones((n, n), dtype=bool))
    before = co.group_trust(trust.ravel(), full, members, initial)
    after = co.group_trust(trust[np.ix_(perm, perm)].ravel(), full, members[perm], initial)
    assert after == pytest.approx(before[perm], abs=1e-12)


@settings(max_examples=50)
@given(regions(), st.lists(st.lists(st.booleans(), min_size=4, max_size=4), max_size=3), unit, unit, unit)
def test_trust_update_stays_in_unit_and_its_pair_by_pair_path_equals_the_whole_array_path(
        region, groups, rate, decay, initial):
    mask, trust, _ = region
    n = len(mask)
    successes = [np.array(g[:n]) for g in groups]
    dense = co.update_trust(trust.ravel(), reach(np.ones_like(mask)), successes, rate, decay, initial)
    sparse = co.update_trust(on(mask, trust), reach(mask), successes, rate, decay, initial)
    assert sparse == pytest.approx(dense[mask.ravel()], abs=1e-12)
    assert ((dense >= -1e-12) & (dense <= 1.0)).all() and (dense.reshape(n, n).diagonal() == 1.0).all()


@settings(max_examples=30)
@given(regions(), st.lists(st.lists(st.booleans(), min_size=4, max_size=4), max_size=3), unit, unit, unit)
def test_trust_update_keeps_symmetric_trust_symmetric(region, groups, rate, decay, initial):
    _, trust, _ = region
    n = len(trust)
    sym = np.triu(trust) + np.triu(trust, 1).T
    out = co.update_trust(sym.ravel(), reach(np.ones((n, n), dtype=bool)), [np.array(g[:n]) for g in groups],
                          rate, decay, initial).reshape(n, n)
    assert out == pytest.approx(out.T, abs=1e-12)


@settings(max_examples=30)
@given(regions(), st.lists(st.booleans(), min_size=4, max_size=4), unit)
def test_betrayal_only_lowers_the_members_trust_in_the_leavers(region, left, penalty):
    mask, trust, members = region
    n = len(mask)
    leavers = np.array(left[:n]) & ~members
    after = co.betrayal(on(mask, trust), reach(mask), leavers, members, penalty)
    hit = on(mask, np.outer(members, leavers).astype(float)) > 0
    assert after[hit] == pytest.approx(on(mask, trust)[hit] * (1 - penalty))
    assert (after[~hit] == on(mask, trust)[~hit]).all()


@settings(max_examples=30)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=4), st.floats(0.0, 1e6), st.floats(0.01, 1e4),
       st.integers(0, 2**32 - 1))
def test_a_better_net_payoff_never_turns_a_yes_into_a_no(net, more, noise, seed):
    net = np.array(net)
    worse = co.choose(net, noise, np.random.default_rng(seed))
    better = co.choose(net + more, noise, np.random.default_rng(seed))
    assert (better | ~worse).all()


@settings(max_examples=30)
@given(st.lists(st.tuples(unit, st.booleans()), min_size=1, max_size=4), unit, unit)
def test_learning_keeps_knowledge_in_unit_and_never_loses_it(cases, rate, relevance):
    k, part = (np.array(x) for x in zip(*cases, strict=True))
    after = co.learn(k, part, rate, relevance)
    assert ((after >= k) & (after <= 1.0 + 1e-12)).all() and (after[~part] == k[~part]).all()


@settings(max_examples=30)
@given(st.lists(st.floats(1.0, 1e8), min_size=2, max_size=4), st.floats(1e3, 1e8))
def test_planning_capacity_lies_in_unit_and_rises_with_population(population, core):
    pop = np.sort(np.array(population))
    cap = co.planning_capacity(pop, core)
    assert ((cap >= 0) & (cap <= 1)).all() and (np.diff(cap) >= 0).all()


@settings(max_examples=30)
@given(st.lists(st.tuples(unit, unit, unit, st.integers(0, 50), st.floats(2.0, 7.0), st.booleans()),
                min_size=2, max_size=4), st.floats(0.0, 2.0), unit, st.randoms())
def test_transaction_costs_are_non_negative_and_follow_their_municipality_when_renumbered(rows, scale, share, rnd):
    cap, know, trust, size, log_pop, members = (np.array(x) for x in zip(*rows, strict=True))
    perm = np.array(rnd.sample(range(len(rows)), len(rows)))
    before = co.transaction_costs(CP, scale, cap, know, trust, size, log_pop, members, share)
    after = co.transaction_costs(CP, scale, cap[perm], know[perm], trust[perm], size[perm], log_pop[perm],
                                 members[perm], share)
    for b, a in zip(before, after, strict=True):
        assert (b >= 0).all() and a == pytest.approx(b[perm], rel=1e-9)


@settings(max_examples=30)
@given(st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(0.0, 1e4), st.booleans()), min_size=2, max_size=4),
       st.floats(0.0, 2.0))
def test_dominance_and_inequity_are_never_negative_and_the_core_bears_no_dominance(rows, weight):
    gain, pop, members = (np.array(x) for x in zip(*rows, strict=True))
    core = np.zeros(len(rows), dtype=bool)
    core[0] = True
    d = co.dominance(np.abs(gain), pop + 1.0, members, core, weight)
    assert (d >= 0).all() and d[0] == 0.0
    assert (co.inequity(gain, pop, members, weight) >= 0).all()


@settings(max_examples=30)
@given(st.floats(-1e6, 1e6), st.floats(0.0, 1e6))
def test_cofinancing_is_between_nothing_and_both_the_request_and_the_funds(request_eur, funds):
    paid = co.cofinanced(request_eur, funds)
    assert 0.0 <= paid <= funds and paid <= max(request_eur, 0.0)


def test_a_groups_total_with_each_municipality_in_it_adds_a_non_members_own():
    # members 0 and 1 hold 3 + 5; municipality 2 (7) would make it 15; a member is counted once
    assert co.with_each(np.array([3.0, 5.0, 7.0]), np.array([True, True, False])).tolist() == [8.0, 8.0, 15.0]


def test_the_weighted_staff_costs_give_the_transaction_costs_of_the_staff_cost_itself():
    # the councils keep the staff cost times each weight (it never changes in a run): the same four costs
    rng = np.random.default_rng(3)
    n = 9
    log_pop = rng.uniform(3.0, 6.0, n)
    capacity, knowledge, trust = rng.random(n), rng.random(n), rng.random(n)
    members = rng.random(n) < 0.5
    size = np.where(members, members.sum(), members.sum() + 1)
    base = co.staff_cost(CP, 1.3, capacity, log_pop)
    for b, w in zip(co.cost_bases(CP, base), CP.tc_weights, strict=True):
        assert np.array_equal(b, base * w)
    plain = co.transaction_costs(CP, 1.3, capacity, knowledge, trust, size, log_pop, members, 0.75)
    weighted = co.transaction_costs(CP, 1.3, capacity, knowledge, trust, size, log_pop, members, 0.75,
                                    bases=co.cost_bases(CP, base))
    for a, b in zip(plain, weighted, strict=True):
        assert np.array_equal(a, b)


def test_dominance_and_inequity_with_the_groups_residents_given_are_the_same_numbers():
    rng = np.random.default_rng(4)
    for _ in range(20):
        n = int(rng.integers(2, 8))
        pop, gain = rng.uniform(1.0, 1e5, n), rng.normal(0.0, 1e4, n)
        members, core = rng.random(n) < 0.6, np.arange(n) == 0
        after = co.with_each(pop, members)
        assert np.array_equal(co.dominance(np.abs(gain), pop, members, core, 0.7, after),
                              co.dominance(np.abs(gain), pop, members, core, 0.7))
        assert np.array_equal(co.inequity(gain, pop, members, 0.4, after), co.inequity(gain, pop, members, 0.4))


def test_capping_at_one_is_np_minimum_to_the_bit():
    x = np.array([0.2, 1.0, 1.0 + 1e-16, 1.5, np.nextafter(1.0, 2.0), -0.0, np.nan, np.inf])
    want = np.minimum(x, 1.0)
    got = co.at_most_one(x.copy())
    assert np.array_equal(got, want, equal_nan=True)


def test_one_successful_groups_trust_update_is_the_product_of_its_columns_to_the_bit():
    # one group: the product of its indicator column and its transpose is their outer product (the product
    # path itself, taken with a second group that has no member: its column adds exact zeros)
    rng = np.random.default_rng(5)
    for n in (3, 19, 60):
        pairs = reach(np.ones((n, n), dtype=bool))
        for _ in range(10):
            trust = rng.random(n * n)
            trust[pairs.diag] = 1.0
            group = rng.random(n) < 0.6
            rate, decay, initial = rng.random(3)
            got = co.update_trust(trust, pairs, [group], rate, decay, initial)
            by_product = co.update_trust(trust, pairs, [group, np.zeros(n, dtype=bool)], rate, decay, initial)
            assert np.array_equal(got, by_product)
            decayed = trust * (1.0 - decay) + decay * initial
            decayed[pairs.diag] = 1.0
            assert np.array_equal(co.update_trust(trust, pairs, [], rate, decay, initial), np.minimum(decayed, 1.0))
