"""Each rule of the model against hand-made inputs: the arithmetic a planner would check."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from cityregions.config import CooperationParams, LandParams, TimelineConfig, TransportParams
from cityregions.rules import cooperation as co
from cityregions.rules import fiscal, gravity, land, payoffs, transport
from cityregions.world import catchment
from cityregions.world.phases import Phase, Timeline


def _commuting_case(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric travel times (min), workers and jobs of n random municipalities."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(5, 60, (n, n))
    return (t + t.T) / 2, rng.uniform(100, 1000, n), rng.uniform(100, 1000, n)


def test_gravity_flows_match_workers_and_jobs():
    t, workers, jobs = _commuting_case(0, 6)
    f, _ = gravity.gravity_flows(workers, jobs, np.exp(-0.05 * t))
    f = f.reshape(6, 6)
    assert f.sum(axis=1) == pytest.approx(workers, rel=1e-6)
    assert f.sum(axis=0) == pytest.approx(jobs * workers.sum() / jobs.sum(), rel=1e-6)


def test_more_distance_decay_keeps_commuters_closer():
    t = np.array([[5.0, 30.0], [30.0, 5.0]])
    w = np.array([100.0, 100.0])
    near, _ = gravity.gravity_flows(w, w, np.exp(-0.2 * t))
    far, _ = gravity.gravity_flows(w, w, np.exp(-0.01 * t))
    assert near[1] < far[1]  # flows in row-major order: [1] is from 0 to 1


def test_sparse_and_dense_gravity_flows_agree():
    t, w, j = _commuting_case(2, 5)
    dense, _ = gravity.gravity_flows(w, j, np.exp(-0.05 * t))
    sparse_, _ = gravity.gravity_flows(w, j, sparse.csr_array(np.exp(-0.05 * t)))
    assert sparse_ == pytest.approx(dense, rel=1e-12)


def _steep_line(decay: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Twelve municipalities on a 400 km line, 30 to 430 minutes apart: deterrence down to exp(-430 * decay)."""
    x = np.linspace(0.0, 400.0, 12)
    deterrence = np.exp(-decay * (np.abs(np.subtract.outer(x, x)) + 30.0))
    return deterrence, np.linspace(1.0, 1e5, 12), np.linspace(1e5, 1.0, 12)


@pytest.mark.parametrize("store", [np.asarray, sparse.csr_array])
def test_gravity_flows_balance_when_a_municipality_has_almost_no_jobs(store):
    deterrence, workers, jobs = _steep_line(1.0)  # plain Furness sweeps stall here (found by fuzzing)
    jobs[3] = 1e-12
    f, b = gravity.gravity_flows(workers, jobs, store(deterrence))
    f = f.reshape(12, 12)
    assert np.isfinite(f).all() and np.isfinite(b).all()
    assert f.sum(axis=1) == pytest.approx(workers, rel=1e-6)
    assert f.sum(axis=0) == pytest.approx(jobs * workers.sum() / jobs.sum(), rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("decay", [0.05, 0.2, 0.5, 1.0])
@pytest.mark.parametrize("scale", [1e-290, 1e290])
def test_a_warm_start_far_out_of_scale_gives_the_cold_start_flows(decay, scale):
    deterrence, workers, jobs = _steep_line(decay)  # the factors are only fixed up to a common scale
    cold, b = gravity.gravity_flows(workers, jobs, deterrence)
    warm, _ = gravity.gravity_flows(workers, jobs, deterrence, b * scale)
    assert warm == pytest.approx(cold, rel=1e-6, abs=1e-9 * workers.sum())


def test_mode_choice_responds_to_cost():
    car = np.array([5.0, 5.0])
    p = transport.pt_probability(car, np.array([4.0, 8.0]), 0.5, 0.0)
    assert p[0] > 0.5 > p[1]


def test_asc_calibration_hits_the_observed_share():
    rng = np.random.default_rng(1)
    flows, car, pt = rng.uniform(1, 10, (5, 5)), rng.uniform(3, 8, (5, 5)), rng.uniform(3, 8, (5, 5))
    asc = transport.calibrate_asc(flows, car, pt, 0.4, 0.3)
    share = (flows * transport.pt_probability(car, pt, 0.4, asc)).sum() / flows.sum()
    assert share == pytest.approx(0.3, abs=1e-6)


def test_tariff_integration_and_service_raise_the_public_transport_share():
    tp = TransportParams()
    pairs = catchment.all_pairs(np.full((3, 3), 20.0), np.full((3, 3), 15.0), np.full((3, 3), 30.0))
    car = transport.car_cost(pairs.car_min, pairs.road_km, tp)
    modes = transport.mode_tables(pairs, car, np.full(3, 30.0), 1.0, 0.0, tp)
    members = np.array([True, True, False])
    before = transport.pt_probability_now(modes, pairs, np.zeros(3, dtype=bool), True).reshape(3, 3)
    after = transport.pt_probability_now(modes, pairs, members, True).reshape(3, 3)
    assert after[0, 1] > before[0, 1]  # both ends members: no tariff penalty, shorter wait
    assert after[0, 2] > before[0, 2]  # member origin: shorter wait, but the tariff boundary stays
    assert after[0, 1] > after[0, 2]
    assert after[2, 0] == before[2, 0]  # non-member origin: nothing changes
    separate = transport.pt_probability_now(modes, pairs, members, False).reshape(3, 3)
    assert separate[0, 1] == after[0, 2]  # without tariff integration only the service improves


def test_transport_payoff_of_joining_is_the_commuters_gain():
    tp = TransportParams()
    pairs = catchment.all_pairs(np.full((3, 3), 20.0), np.full((3, 3), 15.0), np.full((3, 3), 30.0))
    car = transport.car_cost(pairs.car_min, pairs.road_km, tp)
    modes = transport.mode_tables(pairs, car, np.full(3, 30.0), 1.0, 0.0, tp)
    x = payoffs.TransportInputs(pairs=pairs, flows=np.full(9, 10.0), modes=modes, population=np.full(3, 100.0),
                                pt_trips=np.full(3, 50.0), integration=True, service=1.0,
                                commuters_across=np.full(3, 20.0), cost_per_commuter=0.0,
                                key=0.5, autonomy_weight=0.0, congestion_eur=0.0, trips_per_worker=1.0)
    alone = payoffs.transport_association(np.array([True, False, False]), x).welfare
    together = payoffs.transport_association(np.array([True, True, False]), x).welfare
    assert (alone > 0).all()  # better service alone is already worth something
    assert together[2] > alone[2]  # more members: more destinations under one tariff


def test_supply_prefers_brownfield_and_respects_the_greenfield_cap():
    s = land.LandStock(*(np.array([10.0, 10.0]) for _ in land.CLASSES))
    conv = land.supply(np.array([15.0, 15.0]), s, np.array([1.0, 0.0]), np.array([np.inf, 2.0]))
    assert conv.brownfield[0] == 10 and conv.greenfield[0] == 5
    assert conv.greenfield[1] == 2 and conv.brownfield[1] == 10 and conv.unmet[1] == 3


def test_land_conversions_conserve_area():
    s = land.initial_stock(np.array([100.0, 20.0]), np.array([True, False]), LandParams())
    total = s.total().copy()
    land.apply(s, land.supply(np.array([50.0, 5.0]), s, np.array([0.3, 0.3])), "residential")
    land.obsolescence(s, 0.05)
    land.occupy(s, np.array([3.0, 1.0]))
    assert s.total() == pytest.approx(total)
    assert min(getattr(s, c).min() for c in land.CLASSES) >= 0


def test_pooling_keeps_total_revenue_and_shares_by_population():
    own = np.array([100.0, 10.0, 50.0])
    members = np.array([True, True, False])
    pooled = fiscal.pool_revenue(own, members, np.array([1.0, 1.0, 1.0]), 1.0)
    assert pooled.sum() == pytest.approx(own.sum())
    assert pooled[0] == pooled[1] == 55.0 and pooled[2] == 50.0


def test_pooling_members_compete_less_on_tax_by_their_key():
    d = fiscal.tax_discount(np.array([True, False]), 0.75, 0.1, 1.0)
    assert d[0] == pytest.approx(0.025) and d[1] == 0.1  # all pooled: only the non-members' quarter still bites
    d = fiscal.tax_discount(np.array([True, False]), 0.75, 0.1, 0.4)
    assert d[0] == pytest.approx(0.1 * (1 - 0.75 * 0.4))  # 0.07: a member keeps 60 % of a firm it draws
    assert (fiscal.tax_discount(np.array([True, False]), 0.75, 0.1, 0.0) == 0.1).all()  # no pooling, no truce


def test_gini():
    assert fiscal.gini(np.ones(5)) == pytest.approx(0.0)
    assert fiscal.gini(np.array([0.0, 0, 0, 1])) == pytest.approx(0.75)


def test_transaction_costs_grow_with_group_size_and_fall_with_trust_knowledge_capacity():
    cp = CooperationParams()
    one = np.ones(1)

    def costs(size=10, trust=0.3, knowledge=0.0, capacity=0.0):
        return sum(c[0] for c in co.transaction_costs(cp, 1.0, capacity * one, knowledge * one, trust * one,
                                                      size * one, np.array([4.0]), None, 1.0))
    assert costs(size=40) > costs(size=10)
    assert costs(trust=0.9) < costs(trust=0.1)
    assert costs(knowledge=1.0) < costs(knowledge=0.0)
    assert costs(capacity=1.0) < costs(capacity=0.0)


def _three() -> catchment.Catchment:
    return catchment.all_pairs(*(np.full((3, 3), 10.0) for _ in range(3)))


def test_trust_grows_with_joint_success_and_decays_towards_its_start():
    pairs = _three()
    t = co.initial_trust(pairs, 0.3)
    after = co.update_trust(t, pairs, [np.array([True, True, False])], 0.2, 0.0, 0.3).reshape(3, 3)
    assert after[0, 1] > 0.3 and after[0, 2] == pytest.approx(0.3) and after[0, 0] == 1.0
    decayed = co.update_trust(after.ravel(), pairs, [], 0.0, 0.5, 0.3).reshape(3, 3)
    assert 0.3 < decayed[0, 1] < after[0, 1]


def test_leaving_costs_trust():
    pairs = _three()
    t = np.full(9, 0.5)
    after = co.betrayal(t, pairs, np.array([False, False, True]), np.array([True, True, False]), 0.5).reshape(3, 3)
    assert after[0, 2] == 0.25 and after[0, 1] == 0.5


def test_trust_towards_a_group_counts_members_out_of_reach_at_the_initial_level():
    inf = np.inf
    car = np.array([[1.0, 5.0, inf], [5.0, 1.0, 5.0], [inf, 5.0, 1.0]])  # 0 and 2 are out of each other's reach
    dense = catchment.all_pairs(car, car, car)
    keep = np.isfinite(dense.car_min)
    pairs = catchment.Catchment(n=3, indptr=np.array([0, 2, 5, 7]), dest=dense.dest[keep], orig=dense.orig[keep],
                                car_min=dense.car_min[keep], road_km=dense.road_km[keep], pt_min=dense.pt_min[keep],
                                cutoff_min=10.0)
    t = co.initial_trust(pairs, 0.3)
    t[pairs.positions([0], [1])] = 0.9
    group = co.group_trust(t, pairs, np.array([False, True, True]), 0.3)
    assert group[0] == pytest.approx((0.9 + 0.3) / 2)  # 2 is out of reach: trusted at the initial 0.3


def test_knowledge_removes_misperception():
    b = np.array([100.0, 100.0])
    seen = co.perceived(b, np.array([-0.5, -0.5]), np.array([0.0, 1.0]))
    assert seen[0] == 50.0 and seen[1] == 100.0


def test_timeline_phases():
    tl = Timeline.from_config(TimelineConfig())
    assert tl.label(0) == "2012Q3" and tl.n_steps == 74 and tl.label(73) == "2030Q4"
    assert [tl.phase(s) for s in (0, 3, 4, 7, 8, 9, 10)] == [
        Phase.EXCHANGE, Phase.EXCHANGE, Phase.PILOTS, Phase.PILOTS, Phase.AGREEMENTS, Phase.AGREEMENTS,
        Phase.IMPLEMENTATION]


def test_the_vectorised_logistic_and_softplus_equal_scipy_and_numpy_to_rounding_and_never_overflow():
    from scipy.special import expit
    z = np.concatenate([np.linspace(-60, 60, 1001), [-800.0, -40.0, 0.0, 40.0, 800.0]])
    np.testing.assert_allclose(transport.logistic(z.copy()), expit(z), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(transport.softplus(z), np.logaddexp(0.0, z), rtol=1e-15, atol=1e-300)
    assert transport.logistic(np.array([-800.0]))[0] == 0.0 and transport.softplus(np.array([800.0]))[0] == 800.0
