"""Scale: a synthetic region of any size with the same mechanics, pairs kept only within reach, and the
shortcuts that make it cheap giving the numbers the long way gives."""

from __future__ import annotations

import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
from conftest import make_config
from scipy import sparse
from scipy.sparse.csgraph import shortest_path
from scipy.special import logsumexp

from cityregions.config import ConfigError, RegionConfig, TransportParams
from cityregions.model.model import CityRegionModel
from cityregions.model.state import Commuting
from cityregions.rules import anderson, boundary, furness, gravity, land, ordering
from cityregions.runs.runner import run_scenario
from cityregions.world.facts import load_region, synthetic_facts
from cityregions.world.geography import build_geography


def test_a_2000_municipality_synthetic_region_runs_end_to_end():
    m = CityRegionModel(make_config("region=synthetic", "region.n_municipalities=2000", "scenario=integrated"))
    assert m.geo.n == 2002  # 2,000 surrounding municipalities, the core and the template's secondary centre
    assert not m.geo.pairs.complete and m.geo.pairs.nnz < 0.5 * m.geo.n**2  # pairs within reach only
    area = m.land_use.area_ha.copy()
    workers = m.const.employment_rate * m.people.population
    assert m.geo.pairs.row_sums(m.commuting.flows) == pytest.approx(workers, rel=1e-6)  # the gravity model is balanced
    for _ in range(m.timeline.n_steps):
        m.step()
    np.testing.assert_allclose(m.land.total(), area, rtol=1e-9, atol=1e-6)
    assert min(getattr(m.land, c).min() for c in land.CLASSES) >= -1e-9
    years = m.timeline.n_steps / 4
    p = m.people
    assert p.population.sum() == pytest.approx((p.start * (1 + m.const.growth_inputs) ** years).sum(), rel=1e-9)
    q = m.datacollector.get_model_vars_dataframe()
    assert len(q) == m.timeline.n_steps and np.isfinite(q.to_numpy(dtype=float)).all()
    assert 0 < q["pt_share"].iloc[-1] < 1 and q["members"].iloc[-1] > 0


def test_pairs_within_the_cutoff_are_exactly_the_shortest_paths_within_it():
    tp = TransportParams(catchment_min=25.0)
    g = build_geography(load_region("prague"), RegionConfig(name="prague"), tp, np.random.default_rng(0))
    full = shortest_path(nx.to_scipy_sparse_array(g.graph, nodelist=range(g.n), weight="car_min"), method="D",
                         directed=False)
    within = full <= 25.0
    assert not g.pairs.complete
    assert g.pairs.nnz == within.sum()
    off = ~g.pairs.own
    np.testing.assert_allclose(g.pairs.car_min[off], full[g.pairs.orig, g.pairs.dest][off], rtol=1e-12)
    road = shortest_path(nx.to_scipy_sparse_array(g.graph, nodelist=range(g.n), weight="road_km"), method="D",
                         directed=False)  # road km come from car minutes: the quickest road is the shortest
    np.testing.assert_allclose(g.pairs.road_km[off], road[g.pairs.orig, g.pairs.dest][off], rtol=1e-12)
    assert np.isfinite(g.pairs.pt_min).all() and np.isfinite(g.pairs.road_km).all()


def test_accelerated_balancing_reaches_the_plain_fixed_point():
    m = CityRegionModel(make_config("region=synthetic", "region.n_municipalities=300"))
    workers = m.const.employment_rate * m.people.population
    deterrence = m.commuting.tables.deterrence
    plain, _ = gravity.gravity_flows(workers, m.people.jobs, deterrence, plain=20_000, tol=1e-12)
    fast, _ = gravity.gravity_flows(workers, m.people.jobs, deterrence, plain=0, tol=1e-12)
    np.testing.assert_allclose(fast, plain, rtol=1e-8, atol=1e-9 * plain.max())


def _two_valleys(jobs_factor: float) -> tuple[sparse.csr_array, np.ndarray, np.ndarray]:
    """Eight municipalities in two groups out of each other's reach; the first group's jobs scaled by jobs_factor
    (above 1: more jobs than its workers, which no commuter from the other group can reach)."""
    rng = np.random.default_rng(3)
    t = rng.uniform(5.0, 30.0, (8, 8))
    deterrence = np.exp(-0.1 * (t + t.T) / 2)
    deterrence[:4, 4:] = deterrence[4:, :4] = 0.0
    workers = rng.uniform(100.0, 1000.0, 8)
    jobs = workers.copy()
    jobs[:4] *= jobs_factor
    return sparse.csr_array(deterrence), workers, jobs


def test_where_no_balancing_exists_every_worker_commutes_to_a_job_within_reach_singly_constrained():
    deterrence, workers, jobs = _two_valleys(3.0)
    closed = jobs * workers.sum() / jobs.sum()
    assert gravity._infeasible(workers, closed, deterrence)
    dense = deterrence.toarray()
    expected = workers[:, None] * dense * closed / (dense * closed).sum(axis=1, keepdims=True)  # Wilson 1971
    proof = gravity._infeasible(workers, closed, deterrence)
    for b, check in ((None, False), (np.ones(8), False), (np.ones(8), True), (proof, False)):  # found after a
        flows, factors = gravity.gravity_flows(workers, jobs, deterrence, b, check=check)  # failure, or first
        np.testing.assert_allclose(flows, expected[dense > 0], rtol=1e-12)
        assert isinstance(factors, gravity.Shortfall)  # no balancing factors but the proof: singly constrained
    flows, _ = gravity.gravity_flows(workers, jobs, dense)  # the same from a dense matrix
    np.testing.assert_allclose(flows.reshape(8, 8).sum(axis=1), workers, rtol=1e-12)
    np.testing.assert_allclose(flows.reshape(8, 8), expected, rtol=1e-12, atol=1e-12)


def test_a_balancing_within_reach_is_not_taken_for_infeasible():
    deterrence, workers, jobs = _two_valleys(1.0)  # each group's jobs match its workers
    assert not gravity._infeasible(workers, jobs, deterrence)
    flows, b = gravity.gravity_flows(workers, jobs, deterrence, np.ones(8), check=True)
    assert gravity.balanced(gravity.row_sums(flows, deterrence), b, workers)
    assert not gravity._infeasible(workers, jobs, deterrence.toarray() + 1e-300)  # everyone within reach


def test_the_proof_of_no_balancing_names_the_workers_short_of_jobs_and_is_reused_only_while_it_holds():
    deterrence, workers, jobs = _two_valleys(3.0)
    closed = jobs * workers.sum() / jobs.sum()
    proof = gravity._infeasible(workers, closed, deterrence)
    valley = np.arange(8) >= 4  # the second group: its workers outnumber the jobs they can reach
    np.testing.assert_array_equal(proof.origins, valley)
    np.testing.assert_array_equal(proof.reachable, valley)
    assert proof.deficit(workers, closed) == pytest.approx(workers[valley].sum() - closed[valley].sum())
    assert gravity._infeasible(workers, closed * 1.001, deterrence, hint=proof) is proof  # still a proof
    _, fitting, fitting_jobs = _two_valleys(1.0)
    assert gravity._infeasible(fitting, fitting_jobs, deterrence, hint=proof) is None  # no longer: searched anew
    flows, b = gravity.gravity_flows(fitting, fitting_jobs, deterrence, proof)  # balances, starting cold
    assert isinstance(b, np.ndarray) and gravity.balanced(gravity.row_sums(flows, deterrence), b, fitting)


def test_stalled_sweeps_ask_once_whether_a_balancing_exists_and_stop_only_if_none_does():
    deterrence, workers, jobs = _two_valleys(3.0)
    closed = jobs * workers.sum() / jobs.sum()
    asked: list[int] = []
    with np.errstate(over="ignore", invalid="ignore"):  # as in gravity_flows: failing sweeps leave the range
        stopped = gravity._furness(workers, closed, deterrence, None, 1e-9, 500, 100, 12,
                                   lambda: asked.append(1) is None)
        carried_on = gravity._furness(workers, closed, deterrence, None, 1e-9, 500, 100, 12, lambda: False)
        unasked = gravity._furness(workers, closed, deterrence, None, 1e-9, 500, 100, 12)
    assert stopped is None and asked == [1]
    for a, b in ((carried_on.origin, unasked.origin), (carried_on.b, unasked.b)):  # the answer never changes them
        np.testing.assert_array_equal(a, b)


def test_log_space_sweeps_are_furness_sweeps_on_the_logarithms():
    x = np.linspace(0.0, 400.0, 12)
    log_k = -(np.abs(np.subtract.outer(x, x)) + 30.0)  # factors far out of floating-point range
    workers, jobs = np.linspace(1.0, 1e5, 12), np.linspace(1e5, 1.0, 12)
    log_w, log_j, log_a, log_b = np.log(workers), np.log(jobs), np.zeros(12), np.zeros(12)
    for _ in range(60):
        log_a = -logsumexp(log_k + log_b + log_j, axis=1)
        log_b = -logsumexp(log_k + (log_a + log_w)[:, None], axis=0)
    expected = np.exp((log_w + log_a)[:, None] + log_k + log_b + log_j)
    for store in (np.asarray, sparse.csr_array):
        flows, _ = gravity._log_furness(workers, jobs, store(np.exp(log_k)), 0.0, 60)
        np.testing.assert_allclose(flows.reshape(12, 12), expected, rtol=1e-10, atol=1e-12 * expected.max())


def test_the_synthetic_region_repeats_its_templates_average_municipality():
    t = load_region("graz")
    big = synthetic_facts(t, 5700)
    assert big.core_population == t.core_population and big.growth_rate == t.growth_rate
    mean = (t.fua_population - t.core_population) / t.n_municipalities
    assert big.fua_population == pytest.approx(t.core_population + 5700 * mean)
    assert big.n_municipalities == 5700


def test_n_municipalities_belongs_to_the_synthetic_region_only():
    with pytest.raises(ConfigError, match=r"region.n_municipalities=50 applies to region=synthetic only"):
        make_config("region=graz", "region.n_municipalities=50")


def test_a_user_table_of_any_size_builds_a_region(tmp_path):
    rng = np.random.default_rng(5)
    n = 800
    rows = ["name,population,area_km2,x_km,y_km,is_core", "Core,250000,120,0,0,1"]
    rows += [f"M{i:04d},{rng.integers(200, 20000)},{rng.uniform(3, 40):.2f},{rng.uniform(-60, 60):.3f},"
             f"{rng.uniform(-60, 60):.3f},0" for i in range(n)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = run_scenario(make_config("region=graz", f"region.municipalities_csv={path}", "timeline.horizon=2015Q4"))
    assert len(res.municipalities) == n + 1
    assert res.municipalities["population_start"].sum() == pytest.approx(250000 + sum(
        int(r.split(",")[1]) for r in rows[2:]))
    assert np.isfinite(res.quarterly.select_dtypes("number").to_numpy()).all()


def test_a_model_builds_and_steps_on_one_blas_thread_and_gives_the_callers_setting_back(monkeypatch):
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    seen: list[set[int]] = []
    original = CityRegionModel._grow
    monkeypatch.setattr(CityRegionModel, "_grow", lambda self: (seen.append(blas_threads()), original(self))[1])
    with threadpool_limits(limits=2, user_api="blas"):
        m = CityRegionModel(make_config("region=leipzig"))
        assert blas_threads() == {2}  # the caller's setting, back after building
        m.step()
        assert blas_threads() == {2}  # and after a step
    assert seen == [{1}]  # during the step: one thread


def test_the_blas_controls_find_numpys_and_scipys_libraries_whoever_asks_first():
    # in a fresh process that has imported nothing else: the first caller's moment must not hide a library
    code = ("from cityregions.model import blas; found = len(blas.controllers()); import numpy, scipy.linalg; "
            "from threadpoolctl import threadpool_info; "
            "print(found, sum(lib['user_api'] == 'blas' for lib in threadpool_info()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    found, loaded = map(int, out.stdout.split())
    assert found == loaded >= 1


def test_a_whole_run_sets_blas_to_one_thread_once_and_back_once(monkeypatch):
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> int:
        return max(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")

    from cityregions.model import blas
    calls: list[int] = []
    for lib in blas.controllers():
        monkeypatch.setattr(lib, "set_num_threads", lambda k, set_=lib.set_num_threads: (calls.append(k), set_(k))[1])
    seen: list[int] = []
    original = CityRegionModel._grow
    monkeypatch.setattr(CityRegionModel, "_grow", lambda self: (seen.append(blas_threads()), original(self))[1])
    with threadpool_limits(limits=2, user_api="blas"):
        m = CityRegionModel(make_config("region=leipzig", "timeline.horizon=2015Q4"))
        calls.clear()
        m.run_model()  # as run_scenario holds it: each step inside leaves the setting alone
        assert m.steps == m.timeline.n_steps > 1
        assert blas._open == 0  # after the run, a step on its own takes its own block again
    libs = len(blas.controllers())
    assert calls == [1] * libs + [2] * libs
    assert seen == [1] * m.steps  # every step on one thread


@pytest.mark.parametrize("integration", [True, False])
def test_pt_probabilities_updated_where_members_changed_equal_those_chosen_afresh(integration):
    from cityregions.rules import transport
    m = CityRegionModel(make_config("region=graz"))
    pairs, rng, modes = m.geo.pairs, np.random.default_rng(5), m.commuting.tables.modes
    members = np.zeros(m.geo.n, dtype=bool)
    p = transport.pt_probability_now(modes, pairs, members, integration)
    for k in (1, 3, 9, 30, 2):  # joins and leaves, a few at a time and (30) more than the update handles
        before = members.copy()
        members[rng.choice(m.geo.n, k, replace=False)] ^= True
        p = transport.pt_probability_update(p, modes, pairs, members, before, integration)
        np.testing.assert_array_equal(p, transport.pt_probability_now(modes, pairs, members, integration))
    assert not np.shares_memory(p, modes.p_out)  # the tables it chooses from are never overwritten


@pytest.mark.parametrize("integration", [True, False])
def test_sums_over_the_factored_flows_equal_those_over_the_flows(integration):
    import dataclasses

    from cityregions.model import governance
    from cityregions.rules import payoffs, transport
    m = CityRegionModel(make_config("region=graz", "region.tariff_union=false"))  # a tariff boundary everywhere
    for _ in range(6):
        m.step()
    c, tables, co2_car, co2_pt = m.commuting, m.commuting.tables, m.const.co2_car, m.const.co2_pt
    assert c.factors is not None and tables.weighted is not None  # a dense region: the factored path is taken
    f = c.factors
    n = m.geo.n
    np.testing.assert_allclose((f.origin[:, None] * tables.deterrence * f.dest[None, :]).ravel(), c.flows,
                               rtol=1e-14)
    x = dataclasses.replace(governance.transport_inputs(m), integration=integration)
    tp = m.cfg.params.transport
    for members in (np.zeros(n, dtype=bool), np.random.default_rng(2).random(n) < 0.4, np.ones(n, dtype=bool)):
        p_pt = transport.pt_probability_now(tables.modes, m.geo.pairs, members, integration)
        slow = transport.commute_outcome(c.flows, p_pt, m.geo.pairs, tp, co2_car, co2_pt)
        fast = transport.commute_outcome_factored(f, tables.weighted, members, integration, tp, co2_car, co2_pt)
        for field in ("pt_share", "car_pkm_year", "pt_pkm_year", "co2_t_year", "pt_trips_across",
                      "commuters_across"):
            np.testing.assert_allclose(getattr(fast, field), getattr(slow, field), rtol=1e-12, err_msg=field)
        by_flows = payoffs.transport_association(members, dataclasses.replace(x, factors=None, weighted=None,
                                                                              flows=c.flows))
        fast_stakes = dataclasses.astuple(payoffs.transport_association(members, x))
        for a, b in zip(fast_stakes, dataclasses.astuple(by_flows), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9)


def test_trust_of_a_dense_region_updates_as_pair_by_pair():
    from scipy import sparse as sp

    from cityregions.rules import cooperation
    from cityregions.world import catchment
    rng = np.random.default_rng(4)
    n = 30
    dense = catchment.all_pairs(*(rng.random((n, n)) for _ in range(3)))
    trust = cooperation.initial_trust(dense, 0.3) + rng.random(n * n) * 0.5
    successes = [rng.random(n) < 0.5, rng.random(n) < 0.7]
    whole = cooperation.update_trust(trust, dense, successes, 0.08, 0.02, 0.3)
    # the same pairs, taken as a catchment that is not complete (one pair dropped): the pair-by-pair path
    keep = np.ones(n * n, dtype=bool)
    keep[1] = False
    part = sp.csr_array((np.arange(n * n)[keep] + 1.0, dense.dest[keep], np.r_[0, np.cumsum([n - 1] + [n] * (n - 1))]),
                        shape=(n, n))
    sparse_pairs = catchment.Catchment(n=n, indptr=part.indptr, dest=part.indices, orig=dense.orig[keep],
                                       car_min=dense.car_min[keep], road_km=dense.road_km[keep],
                                       pt_min=dense.pt_min[keep], cutoff_min=1e9)
    assert dense.complete and not sparse_pairs.complete
    by_pair = cooperation.update_trust(trust[keep], sparse_pairs, successes, 0.08, 0.02, 0.3)
    np.testing.assert_allclose(whole[keep], by_pair, rtol=1e-15)
    assert whole[dense.diag].tolist() == [1.0] * n and (whole <= 1).all() and (whole >= 0).all()


def test_a_dense_region_is_symmetric_and_its_sweeps_read_one_triangle_to_the_same_flows():
    m = CityRegionModel(make_config("region=leipzig"))
    n, pairs = m.geo.n, m.geo.pairs
    for x in (pairs.car_min, pairs.pt_min, pairs.road_km):
        np.testing.assert_array_equal(x.reshape(n, n), x.reshape(n, n).T)  # i to j as long as j to i, to the bit
    assert m.commuting.tables.symmetric
    workers, deterrence = m.const.employment_rate * m.people.population, m.commuting.tables.deterrence
    both, b_both = gravity.gravity_flows(workers, m.people.jobs, deterrence)
    one, b_one = gravity.gravity_flows(workers, m.people.jobs, deterrence, symmetric=True)
    np.testing.assert_allclose(one, both, rtol=1e-12)
    np.testing.assert_allclose(b_one, b_both, rtol=1e-12)


def test_the_renumbered_products_of_a_sparse_deterrence_are_scipys_to_rounding_and_made_once():
    rng = np.random.default_rng(5)
    d = sparse.random_array((300, 300), density=0.05, format="csr", rng=rng)
    x = rng.random(300)
    kept = ordering.renumbered(d)
    by_rows, by_cols = kept.products()
    np.testing.assert_allclose(by_rows(x), d @ x, rtol=1e-13)
    np.testing.assert_allclose(by_cols(x), d.T @ x, rtol=1e-13)
    assert ordering.renumbered(d) is kept  # made once per matrix, reused by every quarter's sweeps
    assert np.array_equal(np.sort(kept.order), np.arange(300)) and np.array_equal(kept.order[kept.back], np.arange(300))


def test_a_renumbered_deterrence_cannot_be_changed_in_place_behind_its_kept_copy():
    d = sparse.random_array((50, 50), density=0.2, format="csr", rng=np.random.default_rng(8))
    ordering.renumbered(d)
    for part in (d.data, d.indices, d.indptr):
        with pytest.raises(ValueError, match="read-only"):
            part[0] = part[0]


def test_a_large_deterrence_is_multiplied_in_two_blocks_of_rows_to_the_same_bits(monkeypatch):
    monkeypatch.setattr(ordering, "SPLIT_PAIRS", 100)
    rng = np.random.default_rng(7)
    d = sparse.random_array((400, 400), density=0.05, format="csr", rng=rng)
    x = rng.random(400)
    kept = ordering.renumbered(d)
    assert len(kept.matrix) == 2 and abs(kept.matrix[0].nnz - kept.matrix[1].nnz) <= 400  # as many pairs each
    whole = sparse.csr_array(sparse.vstack(kept.matrix))
    whole_t = sparse.csr_array(sparse.vstack(kept.transpose))
    by_rows, by_cols = kept.products()
    assert np.array_equal(by_rows(x), (whole @ x[kept.order])[kept.back])
    assert np.array_equal(by_cols(x), (whole_t @ x[kept.order])[kept.back])


def test_a_large_regions_anderson_history_takes_the_step_the_least_squares_fit_takes():
    rng = np.random.default_rng(6)
    n = anderson.LARGE
    large, small = anderson.History(4, n), anderson.History(4, n - 1)
    diffs = [(rng.standard_normal(n), rng.standard_normal(n)) for _ in range(7)]  # more than the depth: some dropped
    for df, dg in diffs:
        large.add(df, dg)
        small.add(df[:-1], dg[:-1])
    f, g = rng.standard_normal(n), rng.standard_normal(n)
    kept_f = np.column_stack([df for df, _ in diffs[-4:]])
    kept_g = np.column_stack([dg for _, dg in diffs[-4:]])
    expected = g - kept_g @ np.linalg.lstsq(kept_f, f, rcond=None)[0]
    np.testing.assert_allclose(large.extrapolate(f, g), expected, rtol=1e-9, atol=1e-12)
    assert np.array_equal(small.extrapolate(f[:-1], g[:-1]),
                          g[:-1] - kept_g[:-1] @ np.linalg.lstsq(kept_f[:-1], f[:-1], rcond=None)[0])


def test_a_warm_start_from_two_quarters_extrapolates_their_logarithms_and_else_is_the_last():
    before, last = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0])
    np.testing.assert_allclose(gravity.extrapolated(before, last), [4.0, 2.0, 1.0])  # 2 log last - log before
    proof = gravity.Shortfall(np.ones(3, dtype=bool), np.ones(3, dtype=bool))
    assert gravity.extrapolated(None, last) is last and gravity.extrapolated(before, proof) is proof
    assert gravity.extrapolated(before[:2], last) is last  # not the same region's factors
    assert gravity.extrapolated(np.array([1e-300, 1.0, 1.0]), last) is last  # out of range: the last as it is


def test_a_large_regions_deeper_history_reaches_the_plain_fixed_point():
    m = CityRegionModel(make_config("region=synthetic", "region.n_municipalities=1000"))
    workers = m.const.employment_rate * m.people.population
    deterrence = m.commuting.tables.deterrence
    assert deterrence.shape[0] >= anderson.LARGE  # the history kept as fixed arrays, 30 sweeps deep
    plain, _ = gravity.gravity_flows(workers, m.people.jobs, deterrence, plain=5_000, tol=1e-12)
    fast, _ = gravity.gravity_flows(workers, m.people.jobs, deterrence, plain=0, tol=1e-12)
    np.testing.assert_allclose(fast, plain, rtol=1e-8, atol=1e-9 * plain.max())
    _, _, f = gravity.gravity_flows(workers, m.people.jobs, deterrence, factored=True)  # swept renumbered, its
    assert np.array_equal(f.rows, gravity.Factors(f.origin, f.dest, f.b).row_sums(deterrence))  # rows in order


def test_a_dense_regions_chord_inverse_is_made_once_at_its_first_balancing_and_balances_to_the_plain_flows(
        monkeypatch):
    seen = []
    balance = Commuting.balance
    monkeypatch.setattr(Commuting, "balance", lambda self, w, j: (seen.append((w.copy(), j.copy(), self.warm_start)),
                                                                  balance(self, w, j))[1])
    m = CityRegionModel(make_config("region=wroclaw"))  # its first balancing: the build's commute
    c, t = m.commuting, m.commuting.tables
    assert isinstance(t.deterrence, np.ndarray) and t.zone is not None and len(seen) == 1
    made = c.inverse
    w_open, j_open = boundary.open_margins(*seen[0][:2], t.zone)
    np.testing.assert_array_equal(made, furness.linearised(t.open_deterrence, w_open, j_open, seen[0][2]))
    for _ in range(4):  # run-constant: kept as made
        m.step()
    assert c.inverse is made and len(seen) == 5
    w_open, j_open = boundary.open_margins(*seen[-1][:2], t.zone)
    plain = gravity.gravity_flows(w_open, j_open, t.open_deterrence, seen[-1][2], factored=True, symmetric=True)[2]
    inner = boundary.internal_factors(plain, t.deterrence.shape[0])
    np.testing.assert_allclose(c.factors.flows(t.deterrence), inner.flows(t.deterrence), rtol=1e-8)
