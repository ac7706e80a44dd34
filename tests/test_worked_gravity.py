"""Worked examples of the doubly constrained gravity model (rules.gravity): Furness balancing by hand, its
acceleration, the log-space fallback, and what replaces it where no balancing exists (origin-constrained flows with
the maximum-flow proof). Every expected number is worked out by hand in the comments or by an independent few-line
sweep (`sweeps_by_hand`), for two or three towns and round inputs, and every returned field is checked."""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import pytest
from scipy import sparse
from test_worked_travel import D2, TRI, flat, sweeps_by_hand

from cityregions.rules import furness, gravity
from cityregions.rules.gravity import Factors, Shortfall


def test_a_doubly_constrained_flow_of_two_towns_is_the_hand_balanced_table():
    # workers (100, 80), jobs (240, 120) scaled to (120, 60); D = [[1, .5], [.5, 1]]. One sweep from b = 1:
    # D (b j) = (150, 120), a = (1/150, 1/120), a w = (2/3, 2/3), D^T (a w) = (1, 1): b = 1 is the fixed point.
    # F = (2/3) D (120, 60) = [[80, 20], [40, 40]]: rows 100, 80, columns 120, 60.
    w, j = np.array([100.0, 80.0]), np.array([240.0, 120.0])
    flows, b = gravity.gravity_flows(w, j, D2)
    assert flows == pytest.approx([80.0, 20.0, 40.0, 40.0], rel=1e-12) and b == pytest.approx([1.0, 1.0])
    none, b, f = gravity.gravity_flows(w, j, D2, factored=True, symmetric=True)
    assert none is None and b == pytest.approx([1.0, 1.0])
    assert flat(f.origin, f.dest, f.b, f.rows) == pytest.approx(flat([2 / 3, 2 / 3], [120, 60], [1, 1], [100, 80]))
    sparse_flows, _ = gravity.gravity_flows(w, j, sparse.csr_array(D2))
    assert sparse_flows == pytest.approx([80.0, 20.0, 40.0, 40.0], rel=1e-12)


@pytest.mark.parametrize("store, symmetric", [(np.asarray, False), (np.asarray, True), (sparse.csr_array, False)])
def test_an_iterated_balancing_of_two_towns_is_the_root_of_the_cross_ratio(store, symmetric):
    # workers (100, 200), jobs (150, 150): F = [[x, 100 - x], [150 - x, 50 + x]] with the cross ratio of D,
    # x (50 + x) / ((100 - x)(150 - x)) = 4: x^2 - 350 x + 20,000 = 0, x = (350 - sqrt 42,500) / 2 = 71.922
    x = (350 - np.sqrt(42500)) / 2
    flows, b = gravity.gravity_flows(np.array([100.0, 200.0]), np.array([150.0, 150.0]), store(D2),
                                     symmetric=symmetric)
    assert flows == pytest.approx([x, 100 - x, 150 - x, 50 + x], rel=1e-8)
    assert b[0] / b[1] == pytest.approx(x * 0.5 / (100 - x), rel=1e-8)  # b ~ dest / jobs: F00 D01 / (D00 F01)


def test_a_triangle_of_reach_balances_to_the_only_flows_its_margins_allow():
    # town 1 reaches only itself: F11 = 50, F00 = 99 (column 0), F01 = 1. Plain sweeps crawl here (Anderson)
    for d, hand in ((TRI, [99.0, 1.0, 0.0, 50.0]), (sparse.csr_array(TRI), [99.0, 1.0, 50.0])):
        flows, _ = gravity.gravity_flows(np.array([100.0, 50.0]), np.array([99.0, 51.0]), d)
        assert flows == pytest.approx(hand, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("store, symmetric", [(np.asarray, False), (np.asarray, True), (sparse.csr_array, False)])
def test_a_balancings_factors_carry_the_row_sums_one_product_makes_to_the_bit(store, symmetric):
    # the cross-ratio towns above and the triangle: rows 100 and 200, and 100 and 50, each one's workers
    for d, workers, jobs in ((D2, [100.0, 200.0], [150.0, 150.0]), (TRI, [100.0, 50.0], [99.0, 51.0])):
        _, _, f = gravity.gravity_flows(np.array(workers), np.array(jobs), store(d), factored=True,
                                        symmetric=symmetric and d is D2)
        again = Factors(f.origin, f.dest, f.b).row_sums(store(d), symmetric and d is D2)
        assert np.array_equal(f.rows, again) and f.rows == pytest.approx(workers, rel=1e-6)


@pytest.mark.parametrize("store", [np.asarray, sparse.csr_array])
@pytest.mark.parametrize("check", [False, True])
def test_where_no_balancing_exists_the_flows_are_origin_constrained_with_the_proof(store, check, monkeypatch):
    # workers (50, 100), jobs (200, 100) scaled to (100, 50): town 1's 100 workers reach only its 50 jobs.
    # Origin-constrained: row 0 weighs 1 x 100 and .5 x 50, (100, 25) / 125 of 50 = (40, 10); row 1 all at home.
    w, j = np.array([50.0, 100.0]), np.array([200.0, 100.0])
    with monkeypatch.context() as m:
        if check:  # the maximum flow answers before any sweep
            m.setattr(gravity, "_furness", None)
        flows, proof, f = gravity.gravity_flows(w, j, store(TRI), factored=True, check=check)
    assert flows == pytest.approx([40.0, 10.0, 0.0, 100.0] if store is np.asarray else [40.0, 10.0, 100.0])
    assert f is None and (proof.origins == [False, True]).all() and (proof.reachable == [False, True]).all()
    again, same = gravity.gravity_flows(w, j, store(TRI), proof)  # the last proof, checked in O(N)
    assert same is proof and again == pytest.approx(flows)
    # the old proof no longer holds where town 1 has as many jobs as workers: a cold start balances
    flows, b = gravity.gravity_flows(np.array([100.0, 50.0]), np.array([99.0, 51.0]), store(TRI), proof)
    assert isinstance(b, np.ndarray) and flows[1] == pytest.approx(1.0, abs=1e-6)


def test_a_warm_start_out_of_range_is_retried_cold_and_an_overflow_is_balanced_in_log_space():
    w, j = np.array([100.0, 80.0]), np.array([120.0, 60.0])
    none, b, f = gravity.gravity_flows(w, j, D2, np.array([1e300, 1e300]), factored=True)
    assert none is None and f is not None and b == pytest.approx([1.0, 1.0])  # cold: b = 1 as by hand
    # D01 = 1e-200, workers (100, 50), jobs (50, 100): F ~ [[50, 50], [0, 50]], factors beyond 1e299
    e = np.array([[1.0, 1e-200], [1e-200, 1.0]])
    flows, b, f = gravity.gravity_flows(np.array([100.0, 50.0]), np.array([50.0, 100.0]), e, factored=True)
    assert f is None and flows == pytest.approx([50.0, 50.0, 0.0, 50.0], rel=1e-6)
    assert b == pytest.approx([2e-200, 1.0], rel=1e-6)  # b0 / b1 = F00 D01 j1 / (D00 F01 j0) = 1e-200 x 2


@pytest.mark.xfail(strict=True, reason="bug: the log-space fallback stops after max_iter=500 sweeps unconverged and "
                   "gravity_flows returns its flows unchecked (rows 97.8 and 52.2 for workers 100 and 50)")
def test_a_balancing_through_a_pair_of_deterrence_1e_300_still_carries_every_worker():
    # as the 1e-200 case above: F ~ [[50, 50], [0, 50]]; 500 log-space sweeps reach only F01 = 47.8
    e = np.array([[1.0, 1e-300], [1e-300, 1.0]])
    flows, _ = gravity.gravity_flows(np.array([100.0, 50.0]), np.array([50.0, 100.0]), e)
    assert flows == pytest.approx([50.0, 50.0, 0.0, 50.0], rel=1e-6)


@pytest.mark.xfail(strict=True, reason="bug: _log_furness absorbs the log factors into the kernel only after a full "
                   "sweep, so exp(log_a) overflows within the first (log_a ~ 720) and nan_to_num makes it 1.8e308")
def test_the_log_space_balancing_does_not_overflow_on_a_kernel_of_1e_312():
    # the flows do not depend on the kernel's scale: [[80, 20], [40, 40]] as for D2 itself
    flows, _ = gravity._log_furness(np.array([100.0, 80.0]), np.array([120.0, 60.0]), 1e-312 * D2, 1e-9, 500)
    assert flows == pytest.approx([80.0, 20.0, 40.0, 40.0], rel=1e-6)


def test_the_factors_give_the_flows_of_each_stored_pair_and_their_row_sums():
    f = Factors(np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([0.3, 0.4]))
    # origin D dest: [[1 x 1 x 3, 1 x .5 x 4], [2 x 0 x 3, 2 x 1 x 4]] = [[3, 2], [0, 8]]
    assert f.flows(TRI) == pytest.approx([3.0, 2.0, 0.0, 8.0])
    assert f.flows(sparse.csr_array(TRI)) == pytest.approx([3.0, 2.0, 8.0])
    assert f.row_sums(TRI) == pytest.approx([5.0, 8.0]) and f.row_sums(sparse.csr_array(TRI)) == pytest.approx([5, 8])
    # symmetric D2: [[3, 2], [3, 8]], rows 5, 11 by one triangle; a cached sum is returned as it is
    assert f.row_sums(D2, symmetric=True) == pytest.approx([5.0, 11.0])
    assert Factors(f.origin, f.dest, f.b, np.array([7.0, 7.0])).row_sums(D2) == pytest.approx([7.0, 7.0])
    assert gravity.row_sums(np.array([1.0, 2.0, 3.0, 4.0]), D2) == pytest.approx([3.0, 7.0])  # of given flows
    assert gravity.row_sums(np.array([1.0, 2.0, 3.0]), sparse.csr_array(TRI)) == pytest.approx([3.0, 3.0])


def test_origin_constrained_flows_share_each_towns_workers_by_jobs_times_deterrence():
    d = np.array([[1.0, 0.5, 1e-310], [0.0, 0.0, 0.0], [1e-200, 3e-200, 1e-200]])
    w, j = np.array([60.0, 30.0, 50.0]), np.array([10.0, 40.0, 20.0])
    # row 0: (10, 20, ~0) / 30 of 60 = (20, 40, ~0), each term over the row's largest (1e-310 x 1e310 = inf);
    # row 1 reaches nothing; row 2: (10, 120, 20) / 150 of 50
    hand = [20.0, 40.0, 0.0, 0.0, 0.0, 0.0, 10 / 3, 40.0, 20 / 3]
    assert gravity.origin_constrained(w, j, d) == pytest.approx(hand, rel=1e-12)
    s = sparse.csr_array(np.array([[1.0, 0.5, 1e-310], [0.0, 0.0, 0.0], [1e-300, 3e-300, 1e-300]]))
    # sparse: row 1 stores nothing; row 2's total 1e-300 x jobs 1e-30 underflows, so each row is rescaled first
    tiny = np.array([1.0, 4.0, 2.0]) * 1e-30
    assert gravity.origin_constrained(w, tiny, s) == pytest.approx([20, 40, 0, 10 / 3, 40, 20 / 3], rel=1e-12)
    s = sparse.csr_array(np.array([[1.0, 0.5, 0.0], [0.0, 0.0, 0.0], [1.0, 3.0, 1.0]]))  # no underflow: as it is
    assert gravity.origin_constrained(w, j, s) == pytest.approx([20.0, 40.0, 10 / 3, 40.0, 20 / 3], rel=1e-12)
    assert len(gravity.origin_constrained(w, j, sparse.csr_array((3, 3)))) == 0  # nothing within reach at all


def test_the_maximum_flow_proof_names_the_towns_whose_workers_outnumber_the_jobs_they_reach():
    chain = np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])  # 0 reaches 0, 1; 1 reaches 1, 2; 2 itself
    # towns 1 and 2: 20 workers, 5 + 5 jobs within their reach: a deficit of 10 (the largest)
    proof = gravity._infeasible(np.full(3, 10.0), np.array([20.0, 5.0, 5.0]), chain)
    assert (proof.origins == [False, True, True]).all() and (proof.reachable == [False, True, True]).all()
    assert gravity._infeasible(np.full(3, 10.0), np.array([5.0, 5.0, 20.0]), chain) is None  # Hall holds
    assert gravity._infeasible(np.zeros(3), np.array([20.0, 5.0, 5.0]), chain) is None  # no workers at all
    assert gravity._infeasible(np.full(2, 10.0), np.array([20.0, 0.0]), D2) is None  # all reach all
    s = Shortfall(np.array([False, True, True]), np.array([True, False, True]))
    assert s.deficit(np.array([5.0, 10.0, 20.0]), np.array([7.0, 100.0, 4.0])) == 19.0  # 30 - (7 + 4)


def test_a_deficit_counts_beyond_a_millionth_of_the_workers_and_the_rounding_and_so_does_the_last_proof():
    tri = sparse.csr_array(TRI)
    half = 5e5  # a million workers: the tolerance is 1 worker, the rounding 2 / 1,074 of one
    assert gravity._infeasible(np.full(2, half), np.array([half + 0.5, half - 0.5]), tri) is None
    assert gravity._infeasible(np.full(2, half), np.array([half + 2.0, half - 2.0]), tri) is not None
    assert gravity._infeasible(np.full(2, 0.5), np.array([0.999, 0.001]), tri) is not None  # 0.499 > 2e-6
    # 2^30 workers (scale 1, counts exact) and a tolerance of exactly 1,000: town 1 short of 1,002 jobs is a
    # deficit of 1,002 - 2 = 1,000, not beyond it; short of 1,003, 1,001 is
    w, rtol = np.full(2, 2.0**29), 1000 / 2.0**30
    assert gravity._infeasible(w, 2.0**29 + np.array([1002.0, -1002.0]), tri, rtol) is None
    assert gravity._infeasible(w, 2.0**29 + np.array([1003.0, -1003.0]), tri, rtol) is not None
    # the last proof at the default tolerance 1e-6 x 2^30 = 1,073.7 and a rounding of 3 x 2 = 6 units
    hint = Shortfall(np.array([False, True]), np.array([False, True]))
    clear = np.array([2.0**29 + 1100, 2.0**29 - 1100])  # deficit 1,100 - 6 > 1,073.7: taken as it is
    assert gravity._infeasible(w, clear, sparse.csr_array(TRI), hint=hint) is hint
    close = np.array([2.0**29 + 1077, 2.0**29 - 1077])  # 1,077 - 6 < 1,073.7: searched again, found again
    again = gravity._infeasible(w, close, sparse.csr_array(TRI), hint=hint)
    assert again is not hint and (again.origins == hint.origins).all()


@pytest.mark.parametrize("rows, b, workers, ok", [
    ([100.0, 80.0], [1.0, 1.0], [100.0, 80.0], True),
    ([100.00009, 80.0], [1.0, 1.0], [100.0, 80.0], True),  # 0.9e-6 of 100
    ([100.0002, 80.0], [1.0, 1.0], [100.0, 80.0], False),  # 2e-6 of 100
    ([9e-7, 0.0], [1.0, 1.0], [0.0, 0.0], True),  # no workers: within 1e-6 of 1
    ([2e-6, 0.0], [1.0, 1.0], [0.0, 0.0], False),
    ([100.0, 80.0], [1e298, 1e-298], [100.0, 80.0], True),
    ([100.0, 80.0], [1e299, 1.0], [100.0, 80.0], False),  # a factor at the range's edge
    ([100.0, 80.0], [1.0, 1e-299], [100.0, 80.0], False),
    ([np.nan, 80.0], [1.0, 1.0], [100.0, 80.0], False),
    ([100.0, 80.0], [1.0, np.nan], [100.0, 80.0], False),  # a factor that is not a number
    ([100.0, 80.0], [np.inf, 1.0], [100.0, 80.0], False),
    ([], [], [], True),  # no municipality: nothing out of range, nobody left without a job
])
def test_a_balancing_counts_as_balanced_within_a_millionth_and_the_range_of_its_factors(rows, b, workers, ok):
    assert gravity.balanced(np.array(rows), np.array(b), np.array(workers)) is ok


def test_the_log_space_balancing_gives_the_hand_flows_and_factors_normalised_to_one():
    flows, b = gravity._log_furness(np.array([100.0, 80.0]), np.array([120.0, 60.0]), D2, 1e-12, 500)
    assert flows == pytest.approx([80.0, 20.0, 40.0, 40.0], rel=1e-9) and b == pytest.approx([1.0, 1.0])
    x = (350 - np.sqrt(42500)) / 2  # the cross-ratio root, as above
    # scaled by e^-40 the log factors pass 30 and are absorbed into the kernel: the same flows
    for d in (D2, np.exp(-40.0) * D2, sparse.csr_array(D2)):
        flows, b = gravity._log_furness(np.array([100.0, 200.0]), np.array([150.0, 150.0]), d, 1e-12, 500)
        assert flows == pytest.approx([x, 100 - x, 150 - x, 50 + x], rel=1e-9)
        assert b == pytest.approx([1.0, (100 - x) / (x * 0.5)], rel=1e-9)  # b0 / b1 = F00 D01 / (D00 F01) > 1
    w, j = np.array([100.0, 200.0]), np.array([150.0, 150.0])  # one sweep only: the hand sweep's flows
    a, b, f = sweeps_by_hand(w, j, D2, 1)
    flows, b_log = gravity._log_furness(w, j, D2, 1e-12, 1)
    assert flows == pytest.approx(f.ravel(), rel=1e-12) and b_log == pytest.approx(b / b.max(), rel=1e-12)
    flows, b = gravity._log_furness(np.array([100.0, 50.0]), np.array([90.0, 60.0]), sparse.csr_array(TRI), 1e-12,
                                    500)
    assert flows == pytest.approx([90.0, 10.0, 50.0], rel=1e-6)  # F00 = 90 (column 0), F11 = 50
    got = gravity._log_factor(np.array([np.exp(2.0), 0.0, 1.0]), np.array([1.0, 5.0, 0.0]))
    assert got == pytest.approx([-1.0, 0.0, 0.0])  # a log factor: offset - log sum: 1 - 2; out of reach 0; 0 - 0


def test_products_multiply_by_the_matrix_and_its_transpose_by_one_triangle_where_symmetric():
    x = np.array([1.0, 10.0, 100.0])
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]])
    for m, sym in ((a, True), (a, False), (sparse.csr_array(a), False)):
        by_rows, by_cols = gravity.products(m, sym)
        assert by_rows(x) == pytest.approx([321.0, 542.0, 653.0]) and by_cols(x) == pytest.approx([321, 542, 653])
    by_rows, by_cols = gravity.products(TRI, False)
    assert by_rows(x[:2]) == pytest.approx([6.0, 10.0]) and by_cols(x[:2]) == pytest.approx([1.0, 10.5])
    assert gravity.is_symmetric(D2) and not gravity.is_symmetric(TRI)  # symmetric: dense and equal to the bit
    assert not gravity.is_symmetric(D2 + np.array([[0.0, 1e-16], [0.0, 0.0]]))
    assert not gravity.is_symmetric(sparse.csr_array(D2))


def test_plain_sweeps_from_the_warm_start_hand_over_after_six_when_their_rate_shows_no_convergence():
    # margins (100, 50) and (99, 51) over the triangle: the sweeps' change shrinks by .69, .76, .80, ... and after
    # the sixth, change x rate^94 > 1e-9: acceleration takes over. With no accelerated sweeps, six plain ones.
    w, j = np.array([100.0, 50.0]), np.array([99.0, 51.0])
    f = gravity._furness(w, j, TRI, None, 1e-9, 0, 100, 12)
    a, b, _ = sweeps_by_hand(w, j, TRI, 6)
    assert f.b == pytest.approx(b, rel=1e-12) and f.origin == pytest.approx(a * w, rel=1e-12)
    assert f.dest == pytest.approx(b * j, rel=1e-12)
    assert np.array_equal(f.rows, f.origin * (TRI @ f.dest))  # with their row sums, as Factors.row_sums makes them
    # D2 with (100, 200) and (150, 150) converges by plain sweeps (change 1e-5, 1e-6, ..., < 1e-9 at the ninth)
    w, j = np.array([100.0, 200.0]), np.array([150.0, 150.0])
    f = gravity._furness(w, j, D2, None, 1e-9, 0, 100, 12)
    assert f.b == pytest.approx(sweeps_by_hand(w, j, D2, 9)[1], rel=1e-14)
    f = gravity._furness(w, j, D2, None, 1e-9, 0, 3, 12)  # `plain` sweeps at most
    assert f.b == pytest.approx(sweeps_by_hand(w, j, D2, 3)[1], rel=1e-14)
    # from a warm start b = (2, 2), a fixed point as b = 1 is (a common scale): a = (1/300, 1/240), b kept
    warm = np.array([2.0, 2.0])
    f = gravity._furness(np.array([100.0, 80.0]), np.array([120.0, 60.0]), D2, warm, 1e-9, 500, 100, 12)
    assert flat(f.b, f.origin, f.dest) == pytest.approx(flat([2.0, 2.0], [1 / 3, 1 / 3], [240.0, 120.0]))
    assert (warm == 2.0).all()


def test_accelerated_sweeps_balance_the_triangle_in_twenty_one_where_plain_ones_need_hundreds():
    w, j = np.array([100.0, 50.0]), np.array([99.0, 51.0])
    for depth, ok in ((12, True), (0, False)):  # depth 0: no history, plain sweeps again
        f = gravity._furness(w, j, TRI, None, 1e-9, 21, 0, depth)
        assert gravity.balanced(f.origin * (TRI @ f.dest), f.b, w, 1e-9) is ok
    assert f.origin * TRI[1, 1] * f.dest[1] != pytest.approx(50.0, rel=1e-3)


def test_stalled_accelerated_sweeps_ask_once_at_the_twenty_fifth_whether_any_balancing_exists():
    w, j = np.array([50.0, 100.0]), np.array([100.0, 50.0])  # no balancing: the factors drift apart
    asked = []

    def hopeless(answer):
        return lambda: asked.append(1) or answer

    with np.errstate(over="ignore", invalid="ignore"):
        assert gravity._furness(w, j, TRI, None, 1e-9, 25, 0, 12, hopeless(True)) is not None and not asked
        assert gravity._furness(w, j, TRI, None, 1e-9, 26, 0, 12, hopeless(True)) is None and len(asked) == 1
        asked.clear()
        f = gravity._furness(w, j, TRI, None, 1e-9, 200, 0, 12, hopeless(False))
    assert len(asked) == 1 and np.isfinite(f.b).all()


def test_the_gravity_rules_warn_about_nothing_where_factors_leave_range_or_nothing_is_within_reach():
    # the overflow of the factors is detected (balanced), not warned about: the 1e-200 case above, the
    # triangle without a balancing, log space over a zero deterrence, no workers at all, a log factor of 0 jobs
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = np.array([[1.0, 1e-200], [1e-200, 1.0]])
        flows, _ = gravity.gravity_flows(np.array([100.0, 50.0]), np.array([50.0, 100.0]), e)
        assert flows == pytest.approx([50.0, 50.0, 0.0, 50.0], rel=1e-6)
        for d in (TRI, sparse.csr_array(TRI)):  # as origin-constrained above: town 1's workers reach only its jobs
            _, proof = gravity.gravity_flows(np.array([50.0, 100.0]), np.array([200.0, 100.0]), d)
            assert (proof.origins == [False, True]).all()
        # column 0 takes 90 of town 0's 100 workers, town 1's 50 stay at home
        flows, _ = gravity._log_furness(np.array([100.0, 50.0]), np.array([90.0, 60.0]), TRI, 1e-12, 500)
        assert flows == pytest.approx([90.0, 10.0, 0.0, 50.0], rel=1e-6, abs=1e-9)
        assert gravity._infeasible(np.zeros(2), np.array([2.0, 1.0]), TRI) is None
        assert gravity._log_factor(np.array([0.0]), np.array([5.0])) == pytest.approx([0.0])


def test_origin_constrained_flows_share_workers_however_small_the_totals_and_zero_where_nothing_is_within_reach():
    # dense, jobs (.2, .3): row 0 weighs (.2, .15) of .35 of 4 workers = (16/7, 12/7); row 1 (.1, .3) of .4 of 6
    got = gravity.origin_constrained(np.array([4.0, 6.0]), np.array([0.2, 0.3]), D2)
    assert got == pytest.approx([16 / 7, 12 / 7, 1.5, 4.5], rel=1e-12)
    # sparse, each town reaching itself: town 0 has no workers and no jobs (0 of 0 is 0), town 2 a total of .5
    eye = sparse.csr_array(np.eye(3))
    got = gravity.origin_constrained(np.array([0.0, 10.0, 4.0]), np.array([0.0, 10.0, 0.5]), eye)
    assert got.dtype == np.float64 and got == pytest.approx([0.0, 10.0, 4.0], rel=1e-12)
    # sparse with a single pair in row 1 and two stored deterrences of 0 in row 2 (underflowed): town 2's total 0
    # sends every row through the rescaling; row 0: (10, 20) of 30 of 60, row 1 all 30 to town 1, row 2 nothing
    s = sparse.csr_array((np.array([1.0, 0.5, 1.0, 0.0, 0.0]), np.array([0, 1, 1, 0, 2]), np.array([0, 2, 3, 5])),
                         shape=(3, 3))
    got = gravity.origin_constrained(np.array([60.0, 30.0, 50.0]), np.array([10.0, 40.0, 20.0]), s)
    assert got.dtype == np.float64 and got == pytest.approx([20.0, 40.0, 30.0, 0.0, 0.0], rel=1e-12)


def test_origin_constrained_dense_rows_of_subnormal_deterrence_are_rescaled_to_their_own_largest_term():
    # row 1's deterrence (1, 3) x 2^-1074 (the least subnormal) over its largest term is (1/3, 1): weights
    # (10.3 / 3, 40.7) x 3 = (10.3, 122.1) of 132.4 of 50 workers; row 0: (10.3, 20.35) of 30.65 of 60.
    # Unrescaled, 2^-1074 x 10.3 would round to 10 x 2^-1074.
    t = 2.0**-1074
    got = gravity.origin_constrained(np.array([60.0, 50.0]), np.array([10.3, 40.7]), np.array([[1.0, 0.5], [t, 3 * t]]))
    hand = [60 * 10.3 / 30.65, 60 * 20.35 / 30.65, 50 * 10.3 / 132.4, 50 * 122.1 / 132.4]
    assert got == pytest.approx(hand, rel=1e-12)


def test_a_deficit_counts_for_towns_of_less_than_one_worker_and_a_stored_zero_deterrence_is_out_of_reach():
    # half a worker a town: the tolerance is 1e-6 x (1 + 1) = 2e-6 (each town counts as at least one worker); town
    # 1 short of 3e-6 jobs: a deficit of 3e-6 less the rounding of 2 / 2^30, beyond it
    tri = sparse.csr_array(TRI)
    assert gravity._infeasible(np.full(2, 0.5), 0.5 + np.array([3e-6, -3e-6]), tri) is not None
    # the triangle with its pair (1, 0) stored but 0: town 1's 100 workers still reach only its 50 jobs
    s = sparse.csr_array((np.array([1.0, 0.5, 0.0, 1.0]), np.array([0, 1, 0, 1]), np.array([0, 2, 4])), shape=(2, 2))
    proof = gravity._infeasible(np.array([50.0, 100.0]), np.array([100.0, 50.0]), s)
    assert (proof.origins == [False, True]).all() and (proof.reachable == [False, True]).all()


def test_the_last_proof_is_taken_only_strictly_beyond_the_tolerance_and_three_units_a_town():
    w, hint = np.full(2, 2.0**29), Shortfall(np.array([False, True]), np.array([False, True]))
    # default tolerance 1,073.7, rounding 3 x 2 = 6: a deficit of 1,081 - 6 = 1,075 clears it, taken as it is
    assert gravity._infeasible(w, 2.0**29 + np.array([1081.0, -1081.0]), sparse.csr_array(TRI), hint=hint) is hint
    # tolerance exactly 1,000: 1,006 - 6 is not beyond it, so the maximum flow is asked (deficit 1,006 - 2 = 1,004)
    again = gravity._infeasible(w, 2.0**29 + np.array([1006.0, -1006.0]), sparse.csr_array(TRI), 1000 / 2.0**30,
                                hint=hint)
    assert again is not hint and (again.origins == [False, True]).all()


def test_a_row_exactly_a_millionth_of_one_off_still_counts_as_balanced():
    # no workers: |1e-6 - 0| = 1e-6 x max(0, 1), not beyond the tolerance
    assert gravity.balanced(np.array([1e-6, 0.0]), np.array([1.0, 1.0]), np.array([0.0, 0.0])) is True


def test_log_space_sweeps_stop_at_the_first_change_below_tol_and_balance_a_single_town():
    # one town: all 5 workers at home, b = 1
    flows, b = gravity._log_furness(np.array([5.0]), np.array([5.0]), np.array([[0.5]]), 1e-12, 500)
    assert flows == pytest.approx([5.0], rel=1e-12) and b == pytest.approx([1.0], rel=1e-12)
    # the cross-ratio case: log b changes by about .125, .011, .001, 1e-4: below tol 1e-3 at the fourth sweep
    w, j = np.array([100.0, 200.0]), np.array([150.0, 150.0])
    flows, _ = gravity._log_furness(w, j, D2, 1e-3, 500)
    assert flows == pytest.approx(sweeps_by_hand(w, j, D2, 4)[2].ravel(), rel=1e-12)


def test_plain_sweeps_stop_at_convergence_and_hand_over_by_the_sweeps_left_in_plain():
    # the cross-ratio case: changes .125, .011, .001, ... shrinking by .096 a sweep, below 1e-9 at the ninth; no
    # accelerated sweep follows a converged plain one
    w, j = np.array([100.0, 200.0]), np.array([150.0, 150.0])
    f = gravity._furness(w, j, D2, None, 1e-9, 500, 100, 12)
    assert f.b == pytest.approx(sweeps_by_hand(w, j, D2, 9)[1], rel=1e-14)
    # room for 7 plain sweeps: after the sixth (change 9.4e-7), 9.4e-7 x .096^(7 - 5) = 8.7e-9 > 1e-9: hand over
    f = gravity._furness(w, j, D2, None, 1e-9, 0, 7, 12)
    assert f.b == pytest.approx(sweeps_by_hand(w, j, D2, 6)[1], rel=1e-14)
    # a warm start with town 1's factor (3e-7 jobs) at .6 of its balanced value: the first sweep raises it by 2/3
    # (and lowers town 0's by 6e-10), the second changes it by 2e-10 < 1e-9: two sweeps
    w, j = np.array([100.0, 100.0]), np.array([200.0 - 3e-7, 3e-7])
    warm = sweeps_by_hand(w, j, D2, 50)[1] * np.array([1.0, 0.6])
    f = gravity._furness(w, j, D2, warm, 1e-9, 0, 100, 12)
    assert f.b == pytest.approx(sweeps_by_hand(w, j, D2, 2, warm)[1], rel=1e-14)


def test_accelerated_sweeps_of_depth_one_balance_the_triangle_in_eleven():
    w, j = np.array([100.0, 50.0]), np.array([99.0, 51.0])  # plain sweeps (depth 0) are still far off after 11
    f = gravity._furness(w, j, TRI, None, 1e-9, 11, 0, 1)
    assert gravity.balanced(f.origin * (TRI @ f.dest), f.b, w, 1e-9)


def test_a_steep_decay_balances_by_sweeps_with_factors_beyond_one():
    # D2 / 1,000: a = 1 / (D (b j)) = 1 / (.15, .12) with b = 1, the fixed point as for D2: origin a w = 2,000 / 3
    none, b, f = gravity.gravity_flows(np.array([100.0, 80.0]), np.array([120.0, 60.0]), 1e-3 * D2, factored=True)
    assert none is None and b == pytest.approx([1.0, 1.0])
    assert flat(f.origin, f.dest, f.b, f.rows) == pytest.approx(flat([2000 / 3, 2000 / 3], [120, 60], [1, 1],
                                                                     [100, 80]))




def test_an_origin_one_worker_short_of_its_jobs_is_on_the_proofs_side_of_the_cut():
    """Two towns reaching only their own jobs; workers sum to 2^30, so capacities are the workers themselves.
    Town 0: 1,000 workers, 999 jobs: the maximum flow leaves exactly one unit on its source edge, so town 0 is
    reachable from the source in the residual network and belongs to the proof with town 1, whose 2^30 - 1,000
    workers have 1,000 jobs. deficit = 2^30 - (999 + 1,000) - 2 (one unit of rounding per row)."""
    workers = np.array([1000.0, 2.0**30 - 1000.0])
    proof = gravity._infeasible(workers, np.array([999.0, 1000.0]), np.eye(2))
    assert isinstance(proof, Shortfall)
    assert proof.origins.tolist() == [True, True] and proof.reachable.tolist() == [True, True]
    assert proof.deficit(workers, np.array([999.0, 1000.0])) == pytest.approx(2.0**30 - 1999.0)


def plain_sweeps_one_by_one(by_rows, by_cols, w, j, b, tol, plain):
    """The plain sweeps as they are specified: each sweep's change (b's largest relative change) checked at once."""
    b, a, change_before = b.copy(), None, np.inf
    for k in range(plain):
        a = 1.0 / np.maximum(by_rows(b * j), 1e-300)
        b_new = 1.0 / np.maximum(by_cols(a * w), 1e-300)
        ratio = b_new / np.maximum(b, 1e-300)
        change = max(ratio.max() - 1.0, 1.0 - ratio.min())
        b = b_new
        if change < tol:
            return a, b, False, k + 1
        rate = change / change_before
        if k >= 5 and (rate >= 1.0 or change * rate ** (plain - k) > tol):
            return a, b, True, k + 1
        change_before = change
    return a, b, True, plain


@pytest.mark.parametrize("seed", range(6))
def test_plain_sweeps_made_ahead_in_batches_stop_where_one_by_one_they_would_with_the_same_bits(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    d = np.exp(-rng.uniform(0.0, 4.0, (n, n)))
    d = (d + d.T) / 2 if seed % 2 else d
    w, j = rng.uniform(1.0, 100.0, n), rng.uniform(1e-3, 100.0, n)
    j *= w.sum() / j.sum()
    for store, symmetric in ((np.asarray, bool(seed % 2)), (sparse.csr_array, False)):
        by_rows, by_cols = gravity.products(store(d), symmetric)
        for tol, plain, b in ((1e-9, 100, None), (1e-12, 100, rng.uniform(0.5, 2.0, n)), (1e-9, 7, None),
                              (1e-300, 30, None), (1e-9, 0, None)):
            start = np.ones(n) if b is None else b
            got = furness.plain_sweeps(by_rows, by_cols, w, j, start.copy(), tol, plain)
            a, b_hand, accelerate, _ = plain_sweeps_one_by_one(by_rows, by_cols, w, j, start, tol, plain)
            assert got[2] is accelerate and np.array_equal(got[1], b_hand)
            assert (got[0] is None and a is None) or np.array_equal(got[0], a)
    # the triangle hands over to acceleration after six sweeps (rate 0.8, see above), made in a batch of two and
    # one of four or more: the factors are the sixth's
    w, j = np.array([100.0, 50.0]), np.array([99.0, 51.0])
    by_rows, by_cols = gravity.products(TRI, False)
    got = furness.plain_sweeps(by_rows, by_cols, w, j, np.ones(2), 1e-9, 100)
    a, b, accelerate, sweeps = plain_sweeps_one_by_one(by_rows, by_cols, w, j, np.ones(2), 1e-9, 100)
    assert sweeps == 6 and accelerate and got[2] and np.array_equal(got[0], a) and np.array_equal(got[1], b)


@pytest.mark.parametrize("change, rate, ahead", [
    (1e-3, 0.2, 8),  # ln(1e-6) / ln(0.2) = 8.6: nine more sweeps, at most AHEAD = 8
    (5e-8, 0.2, 3),  # ln(0.02) / ln(0.2) = 2.4: the third takes it below 1e-9
    (2e-9, 0.1, 1),  # ln(0.5) / ln(0.1) = 0.3: the next
    (1e-6, 1.2, 1), (1e-6, np.nan, 1), (np.inf, 0.5, 1), (1e-6, 0.0, 1),  # not shrinking, or nothing to go by
])
def test_the_sweeps_made_ahead_are_those_a_geometric_shrinking_change_needs_below_the_tolerance(change, rate, ahead):
    assert furness.AHEAD == 8 and furness.sweeps_ahead(change, rate, 1e-9) == ahead


def test_the_chord_inverse_of_two_towns_is_the_hand_inverse_and_maps_one_to_one():
    # the hand table above: F = [[80, 20], [40, 40]], rows (100, 80), columns c = (120, 60). P = F / rows =
    # [[.8, .2], [.5, .5]], Q = F / columns = [[2/3, 1/3], [1/3, 2/3]], M = Q^T P = [[.7, .3], [.6, .4]]
    # (eigenvalues 1 and .1, the plain sweeps' rate). I - M + 1 c^T / 180 = [[29, 1], [2, 28]] / 30, of
    # determinant .9: the inverse [[28, -1], [-2, 29]] / 27
    inverse = furness.linearised(D2, np.array([100.0, 80.0]), np.array([240.0, 120.0]), np.ones(2))
    assert inverse == pytest.approx(np.array([[28.0, -1.0], [-2.0, 29.0]]) / 27, rel=1e-12)
    assert inverse.flags.f_contiguous and inverse @ np.ones(2) == pytest.approx([1.0, 1.0], rel=1e-12)
    w, j = np.array([100.0, 80.0]), np.array([240.0, 120.0])
    assert furness.linearised(sparse.csr_array(D2), w, j, np.ones(2)) is None  # dense only
    assert furness.linearised(D2, w, j, Shortfall(np.ones(2, bool), np.ones(2, bool))) is None  # factors only
    assert furness.linearised(np.array([[1.0, 0.0], [0.0, 0.0]]), w, j, np.ones(2)) is None  # no flows to town 1


@pytest.mark.parametrize("seed", range(3))
def test_the_chord_inverse_is_that_of_the_jacobian_of_a_sweep_by_finite_differences(seed):
    rng = np.random.default_rng(seed)
    n = 6
    d = np.exp(-rng.uniform(0.0, 3.0, (n, n)))
    d = (d + d.T) / 2
    w, j, b = rng.uniform(1.0, 100.0, n), rng.uniform(1.0, 100.0, n), rng.uniform(0.5, 2.0, n)
    scaled = j * (w.sum() / j.sum())

    def sweep(x):  # log b -> log b after one sweep
        return np.log(sweeps_by_hand(w, scaled, d, 1, np.exp(x))[1])

    x, h = np.log(b), 1e-6
    m = np.column_stack([(sweep(x + h * e) - sweep(x - h * e)) / (2 * h) for e in np.eye(n)])
    flows = (w / (d @ (b * scaled)))[:, None] * d * (b * scaled)[None, :]  # at b, its rows the workers
    c = flows.sum(axis=0)
    hand = np.linalg.inv(np.eye(n) - m + np.outer(np.ones(n), c / c.sum()))
    np.testing.assert_allclose(furness.linearised(d, w, j, b), hand, rtol=1e-6, atol=1e-8)


def chord_by_hand(w, j, d, inverse, b, tol):
    """Sweeps from b, each followed by b = b (inverse @ (b' / b)), until b's largest relative change is below tol:
    the last sweep's b' and the sweeps made."""
    j = j * (w.sum() / j.sum())
    for k in range(1, 100):
        new = sweeps_by_hand(w, j, d, 1, b)[1]
        if np.max(np.abs(new / b - 1.0)) < tol:
            return new, k
        b = b * (inverse @ (new / b))
    raise AssertionError("no convergence")


def test_chord_sweeps_balance_the_cross_ratio_in_five_sweeps_where_plain_ones_need_nine():
    # workers (100, 200), jobs (150, 150): plain sweeps from b = 1 shrink the change by .096 a sweep and stop at
    # the ninth (above). The chord inverse made at b = 1 (not at the fixed point, b = (1.139, .889)) shrinks it
    # by about 1/230 a sweep: .125, 1.7e-4, 7.2e-7, 3.1e-9, 1.3e-11, the fifth below 1e-9
    w, j = np.array([100.0, 200.0]), np.array([150.0, 150.0])
    inverse = furness.linearised(D2, w, j, np.ones(2))
    f = gravity._furness(w, j, D2, np.ones(2), 1e-9, 500, 100, 12, symmetric=True, inverse=inverse)
    hand, sweeps = chord_by_hand(w, j, D2, inverse, np.ones(2), 1e-9)
    assert sweeps == 5 and f.b == pytest.approx(hand, rel=1e-12)
    x = (350 - np.sqrt(42500)) / 2  # the cross ratio's root, as above
    assert f.origin[0] * D2[0] * f.dest == pytest.approx([x, 100 - x], rel=1e-9)
    # counted: five products each way, where the plain sweeps make nine
    counts = []
    for step in (partial(np.dot, inverse), None):
        by_rows, by_cols = gravity.products(D2, True)
        made = []
        def counting(x, by_rows=by_rows, made=made):
            made.append(1)
            return by_rows(x)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            if step is None:
                furness.plain_sweeps(counting, by_cols, w, j, np.ones(2), 1e-9, 100)
            else:
                furness.chord_sweeps(counting, by_cols, w, j, np.ones(2), 1e-9, step, 100)
        counts.append(len(made))
    assert counts == [5, 9]


@pytest.mark.parametrize("inverse", [3.0 * np.eye(2), -np.eye(2), np.full((2, 2), np.nan)])
def test_a_chord_that_does_not_halve_the_change_hands_over_to_the_plain_sweeps_and_their_fixed_point(inverse):
    # 3 I scales b by 3 at each step, which changes no flow (the change stays .125): the plain sweeps go on from the
    # second sweep; -I and a NaN inverse make factors that are not positive and finite: they start over from b
    w, j = np.array([100.0, 200.0]), np.array([150.0, 150.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flows, b = gravity.gravity_flows(w, j, D2, np.ones(2), symmetric=True, inverse=np.asfortranarray(inverse))
    x = (350 - np.sqrt(42500)) / 2
    assert flows == pytest.approx([x, 100 - x, 150 - x, 50 + x], rel=1e-8)


def test_the_chords_warm_start_is_the_log_linear_extrapolation_in_two_calls():
    # factors (1, 2) then (2, 2): log-linear, (4, 2); the same as gravity.extrapolated's to rounding on any input
    assert furness.extrapolated(np.array([1.0, 2.0]), np.array([2.0, 2.0])).tolist() == [4.0, 2.0]
    rng = np.random.default_rng(0)
    before, last = rng.uniform(1e-3, 1e3, 50), rng.uniform(1e-3, 1e3, 50)
    np.testing.assert_allclose(furness.extrapolated(before, last), gravity.extrapolated(before, last), rtol=1e-13)
    proof = Shortfall(np.ones(2, bool), np.ones(2, bool))
    for b in (None, proof, np.ones(3)):  # no two factors of the same region: the last as it is
        assert furness.extrapolated(b, last) is last
    assert furness.extrapolated(before[:2], proof) is proof
