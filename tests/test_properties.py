"""Properties of the model for any valid input: the invariants it promises, and what relabelling or rescaling
the municipalities does to its results (property-based, with hypothesis).

Inputs are drawn from the schema itself (``dataclasses.fields(ScenarioConfig)`` metadata ``lo``/``hi``/
``choices``, see ``config.p``; a new lever is covered, or refused, automatically): any of the five regions (the
three small ones more often) or ``region=synthetic`` with 5-60 surrounding municipalities and any template, any
seed in 0..2**32, any scenario and any subset of the scenario's fields overridden with any value in its allowed
range (``project``, ``themes`` and ``pilot_themes`` included). Configurations are built from Hydra overrides as
``conftest.make_config`` does (each choice of config groups composed once; the first test checks that this gives
the same configuration as a fresh Hydra compose). User municipality tables are drawn too: 5-60 rows, a core of
100,000-2 million residents, suburbs of 500-50,000 residents and 5-150 km2 within 10-40 km. Runs are cut short
(horizon 2016Q2 for Prague and Turin, else 2017Q4: the three project phases and 6-12 implementation quarters,
so pilots, votes, leaving and joining all occur). Profiles (tests/conftest.py): ``ci``, the default (25
examples per test, derandomized), and ``long`` (``HYPOTHESIS_PROFILE=long``, 2,000).

What is guaranteed for every valid input, at every quarter (each is a test below):

- land is conserved in every municipality (the six classes sum to its initial area, to 1e-9 relative) and no
  land class is negative (beyond -1e-9 x area of floating-point rounding);
- the regional population and jobs follow the growth input exactly (1e-9 relative); no municipality has
  non-positive population or negative jobs;
- shares lie in [0, 1]: PT share (regional and per pair), member population share, trust, knowledge,
  planning capacity, mean trust, mean knowledge, the fiscal Gini and PT access of the smaller half;
- the membership indicators count the active agreements (members, members_land, members_transport,
  member_population_share, agreements, institutionalised); a municipality is in at most one active agreement
  per theme; every active agreement has at least two members; ``memberships.parquet`` (written and read back)
  replayed to any quarter with ``compare.membership_at`` equals the model's membership at that quarter;
- every indicator of the quarterly table is finite;
- the budget margin may be negative, but it is accounted: revenue - debt service - transaction costs paid -
  contributions == fiscal capacity exactly, per municipality; transaction costs, contributions and debt service
  are never negative; debt service never decreases; pooling business tax in the land compact neither creates
  nor destroys revenue; the partner's project funds never go negative nor grow.

Rescaling every population AND area by the same factor k (a user municipality table) is NOT an exact symmetry
of the model, because several of its quantities are absolute, not per resident or per hectare:
planning capacity rises with log10 population (it sets exchange participation and transaction costs);
transaction costs (``tc_base_keur``), the decision noise (``decision_noise_keur``) and the project's funds are
in EUR, so a k times larger municipality sees the same costs against k times the benefits and decides
differently; the core's jobs are a sourced absolute figure in Leipzig, Graz and Prague (not scaled with the
table); land availability saturates at an absolute 5 ha in location choice; the road length of trips within a
municipality is sqrt(area)/2, so it grows like sqrt(k) (car cost, CO2 and, through the calibrated PT constant,
the PT share). Measured with the default settings (`city_regions`, Wroclaw and Turin, k = 0.5-10, seeds 0-2):
budget margin per resident moves by up to 1.4 %, member population share by up to 8 %, mean trust by up to
90 %, commuting CO2 per resident by up to 84 %; Leipzig's greenfield take per resident by up to 230 %. What
the tests hold (tolerances, measured spreads and reasons in each docstring):

- without cooperation (Wroclaw or Turin, whose core jobs are per resident), land per resident changes by less
  than 1 % and the budget margin per resident, PT access and the fiscal Gini by less than 0.1 % (of their
  largest value in the run), the PT share by less than 5 %;
- with a land compact whose decisions are made scale-free (transaction costs scaled to 0, no exchange, decision
  noise at its 10 EUR/yr minimum: the payoff's terms and the perception bias then all scale with k, so signs
  decide), membership is nearly always identical (not always: near ties flip, see
  tests/data/properties/scale_flips.json); where it is, the per-resident indicators change by 1-2 %, the
  greenfield take by up to 15 %.

Permuting the rows of a municipality table (relabelling) is an exact symmetry only with the model's random draws
switched off: the draws are vectorised by row index (one per row), not keyed by a municipality's identity, so a
permuted table gives every municipality other draws; we do not key them by identity, since that would change
every pinned result. With ``params.cooperation.perception_bias_sd=0`` (no bias draws),
``exchange_participation=0`` (only the core learns; note that ``=1`` is NOT deterministic: a suburb joins with
probability ``capacity``, strictly between 0 and 1 for mid-sized municipalities), ``imitation_rate=0`` (no one
looks) and ``decision_noise_keur=0.01`` with ``decision_noise_share=0`` (each logit choice is then certain
unless a perceived net payoff lies within about 0.5 kEUR/yr of zero, where the draw still decides: runs with
such a decision, about 7 % of random examples, e.g. a suburb of 584 residents voting on a payoff of 9 EUR/yr,
are discarded), a run no longer depends on the model's random stream (tested by swapping the stream), and every
regional total, every municipality's end state and every decision is the same for any row order up to
floating-point summation order (1e-9 relative). With the default, stochastic settings only the distribution over
seeds is the same (a permuted table is an exchangeable relabelling of the iid draws): tested loosely on fixed
seeds and permutations (means within 5 standard errors, ranges overlapping).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import tempfile
import typing
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from conftest import make_config
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hypothesis import assume, example, given, note, settings
from hypothesis import strategies as st
from omegaconf import DictConfig, OmegaConf

from cityregions.analysis import compare
from cityregions.config import REGIONS, RunConfig, ScenarioConfig, config_dir, to_run_config
from cityregions.model import governance, indicators
from cityregions.model.model import CityRegionModel
from cityregions.rules import fiscal, land
from cityregions.rules.cooperation import Theme
from cityregions.runs.runner import run_scenario

SMALL_REGIONS = ("leipzig", "graz", "wroclaw")
HORIZON = {"leipzig": "2017Q4", "graz": "2017Q4", "wroclaw": "2017Q4", "synthetic": "2017Q4",
           "prague": "2016Q2", "turin": "2016Q2"}  # the two large regions: fewer implementation quarters
PER_CAPITA_REGIONS = ("wroclaw", "turin")  # core jobs = core_jobs_per_resident x population, not a sourced figure
DETERMINISTIC = ("params.cooperation.perception_bias_sd=0", "params.cooperation.exchange_participation=0",
                 "params.cooperation.imitation_rate=0", "params.cooperation.decision_noise_keur=0.01",
                 "params.cooperation.decision_noise_share=0")
SCALE_FREE_DECISIONS = ("scenario.transaction_cost_scale=0", "params.cooperation.exchange_participation=0",
                        "params.cooperation.decision_noise_keur=0.01", "params.cooperation.decision_noise_share=0")
LAND_LEVERS = ("revenue_sharing_key", "greenfield_cap", "brownfield_first", "pilots_per_theme", "quorum",
               "cofinancing_rate", "trust_learning_rate")


def fewer(divisor: int) -> int:
    """A fraction of the loaded profile's examples, for the expensive tests (never more than the profile)."""
    return max(1, settings.default.max_examples // divisor)


# ---------------------------------------------------------------------------------------------- strategies
def _value(text: typing.Any) -> str:
    """A Hydra override value."""
    if text is None:
        return "null"
    if isinstance(text, bool):
        return str(text).lower()
    if isinstance(text, list):
        return "[" + ",".join(map(str, text)) + "]"
    return repr(text) if isinstance(text, float) else str(text)


def lever_strategy(f: dataclasses.Field, hint: typing.Any) -> st.SearchStrategy:
    """Every valid value of one scenario field, from its declared type, range and choices."""
    meta, lo, hi = f.metadata, f.metadata.get("lo"), f.metadata.get("hi")
    choices = meta.get("choices")
    optional = type(None) in typing.get_args(hint)
    base = next((a for a in typing.get_args(hint) if a is not type(None)), hint) if optional else hint
    if base is bool:
        s = st.booleans()
    elif base is int:
        s = st.integers(int(lo), int(hi))
    elif base is float:
        s = st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False)
    elif base is str and choices:
        s = st.sampled_from(choices)
    elif typing.get_origin(base) is list and choices:
        s = st.lists(st.sampled_from(choices), unique=True, max_size=len(choices))
    elif typing.get_origin(base) is list and typing.get_args(base) == (float,):  # a [low, high] range
        bound = st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False)
        s = st.tuples(bound, bound).map(sorted)
    else:
        raise TypeError(f"scenario.{f.name}: no strategy for {hint!r}; teach lever_strategy this type")
    return st.none() | s if optional else s


_HINTS = typing.get_type_hints(ScenarioConfig)
LEVERS = {f.name: lever_strategy(f, _HINTS[f.name]) for f in dataclasses.fields(ScenarioConfig) if f.name != "name"}
SCENARIO_NAMES = dict((f.name, f) for f in dataclasses.fields(ScenarioConfig))["name"].metadata["choices"]


def levers(names: typing.Iterable[str] = tuple(LEVERS)) -> st.SearchStrategy[list[str]]:
    """Overrides of any subset of the named scenario levers, each with any valid value."""
    return st.fixed_dictionaries({}, optional={n: LEVERS[n] for n in names}).map(
        lambda d: [f"scenario.{k}={_value(v)}" for k, v in sorted(d.items())])


@st.composite
def region_overrides(draw: st.DrawFn) -> list[str]:
    """A region (small ones more often) or a small synthetic region, with a horizon that keeps the run cheap."""
    region = draw(st.sampled_from([*SMALL_REGIONS, *SMALL_REGIONS, "prague", "turin", "synthetic"]))
    out = [f"region={region}", f"timeline.horizon={HORIZON[region]}"]
    if region == "synthetic":
        out += [f"region.n_municipalities={draw(st.integers(5, 60))}",
                f"region.template={draw(st.sampled_from(REGIONS))}"]
    return out


@st.composite
def any_run(draw: st.DrawFn) -> list[str]:
    """The overrides of any valid run: region, seed, scenario and levers."""
    return [*draw(region_overrides()), f"seed={draw(st.integers(0, 2**32))}",
            f"scenario={draw(st.sampled_from(SCENARIO_NAMES))}", *draw(levers())]


@functools.cache
def _composed(*groups: str) -> DictConfig:
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        return compose("config", overrides=["plot=false", "progress=false", *groups])


def config(*overrides: str) -> RunConfig:
    """conftest.make_config, faster: Hydra composes each choice of config groups (region=, scenario=) once, and
    the other overrides are parsed by Hydra's override parser and applied as Hydra applies them (its compose
    costs more than a short run; test_the_fast_composition_equals_hydras checks the two agree)."""
    is_group = [o.split("=", 1)[0] in ("region", "scenario") for o in overrides]
    cfg = copy.deepcopy(_composed(*(o for o, g in zip(overrides, is_group, strict=True) if g)))
    leaves = [o for o, g in zip(overrides, is_group, strict=True) if not g]
    for o in OverridesParser.create().parse_overrides(leaves):
        OmegaConf.update(cfg, o.key_or_group, o.value(), merge=True)
    return to_run_config(cfg)


def quarters(overrides: list[str]) -> Iterator[CityRegionModel]:
    """The model after every quarter of the run."""
    note(f"overrides: {' '.join(overrides)}")
    m = CityRegionModel(config(*overrides))
    for _ in range(m.timeline.n_steps):
        m.step()
        yield m


def last_row(m: CityRegionModel) -> dict[str, float]:
    """The indicators the DataCollector recorded for the quarter just simulated."""
    return {name: values[-1] for name, values in m.datacollector.model_vars.items()}


# ------------------------------------------------------------------------------------------- invariants
@settings(max_examples=fewer(5))
@given(any_run())
def test_the_fast_composition_equals_hydras(overrides):
    assert config(*overrides) == make_config(*overrides)


@given(any_run())
def test_land_is_conserved_in_every_municipality_for_any_valid_levers(overrides):
    area = None
    for m in quarters(overrides):
        if area is None:
            area = m.land_use.area_ha.copy()
            np.testing.assert_allclose(area, m.geo.area_km2 * 100.0, rtol=1e-12)
        where = m.timeline.label(m.step_index)
        np.testing.assert_allclose(m.land.total(), area, rtol=1e-9, atol=0, err_msg=where)
        for c in land.CLASSES:
            stock = getattr(m.land, c)
            assert (stock >= -1e-9 * area).all(), (where, c, stock.min())


@given(any_run())
def test_population_and_jobs_follow_the_growth_input_and_stay_positive_for_any_valid_levers(overrides):
    for m in quarters(overrides):
        years = (m.step_index + 1) / 4
        p, c = m.people, m.const
        assert p.population.sum() == pytest.approx((p.start * (1 + c.growth_inputs) ** years).sum(), rel=1e-9)
        assert p.jobs.sum() == pytest.approx(p.jobs0 * (1 + c.job_growth_rate) ** years, rel=1e-9)
        assert (p.population > 0).all(), p.population.min()
        assert (p.jobs >= 0).all(), p.jobs.min()
        row = last_row(m)
        assert row["population"] == pytest.approx(p.population.sum(), rel=1e-12)
        assert row["jobs"] == pytest.approx(p.jobs.sum(), rel=1e-12)


@given(any_run())
def test_shares_stay_between_zero_and_one_for_any_valid_levers(overrides):
    def unit(x, what):
        x = np.asarray(x, dtype=float)
        assert ((x >= 0.0) & (x <= 1.0)).all(), (what, float(x.min()), float(x.max()))

    for m in quarters(overrides):
        row = last_row(m)
        for name in ("pt_share", "member_population_share", "mean_trust", "mean_knowledge", "fiscal_inequality",
                     "pt_access_small"):
            unit(row[name], name)
        unit(m.commuting.p_pt, "p_pt (every pair)")
        unit(m.coop.trust, "trust")
        unit(m.councils.capacity, "planning capacity")
        for theme in Theme:
            unit(m.coop.knowledge[theme], f"knowledge {theme}")


def at_most_one_agreement_per_theme(m: CityRegionModel, where: str, min_members: int = 2) -> dict[Theme, np.ndarray]:
    """Check that no municipality is in two active agreements on one theme, and that every active agreement has
    min_members or more (at the end of a quarter two: settlement dissolves smaller ones); return each theme's
    members."""
    per_theme = {}
    for theme in Theme:
        count = np.zeros(m.geo.n, dtype=int)
        for a in (a for a in m.coop.agreements[theme] if a.status.name != "DISSOLVED" and a.members.any()):
            assert a.members.sum() >= min_members, (where, theme.value, a.status.name, "an agreement of one",
                                          [m.geo.names[i] for i in np.flatnonzero(a.members)])
            count += a.members
        twice = np.flatnonzero(count > 1)
        assert not len(twice), (where, theme.value, "in two agreements:", [m.geo.names[i] for i in twice])
        per_theme[theme] = count > 0
    return per_theme


# Found by the long profile: the three first transport pilots take all 45 municipalities, and the fourth's lead,
# "the most populous municipality not yet in a pilot of the theme", is then Wroclaw (row 0), already in the first.
@example(["region=wroclaw", "timeline.horizon=2017Q4", "seed=1", "scenario=city_regions",
          "scenario.pilots_per_theme=4"])
@given(any_run())
def test_membership_indicators_count_the_active_agreements_for_any_valid_levers(overrides):
    """Also while the quarter's agreements are settled (their costs paid, their members' trust updated), not only
    at its end: an agreement that settlement then dissolves has still cost its members a quarter."""
    settle = governance.settle

    def spy(m, t):
        at_most_one_agreement_per_theme(m, f"{m.timeline.label(t)}, at settlement", min_members=1)
        return settle(m, t)

    with mock.patch.object(governance, "settle", spy):
        for m in quarters(overrides):
            check_membership_indicators(m)


def check_membership_indicators(m: CityRegionModel) -> None:
    """The membership indicators of the quarter just recorded, against the agreements."""
    row, where = last_row(m), m.timeline.label(m.step_index)
    per_theme = at_most_one_agreement_per_theme(m, where)
    for theme in Theme:
        assert (m.members(theme) == per_theme[theme]).all(), where
    either = per_theme[Theme.LAND] | per_theme[Theme.TRANSPORT]
    assert row["members_land"] == per_theme[Theme.LAND].sum(), where
    assert row["members_transport"] == per_theme[Theme.TRANSPORT].sum(), where
    assert row["members"] == either.sum(), where
    assert row["member_population_share"] == pytest.approx(
        m.people.population[either].sum() / m.people.population.sum(), rel=1e-12, abs=1e-15), where
    every = [a for t in Theme for a in m.coop.agreements[t] if a.status.name != "DISSOLVED" and a.members.any()]
    assert row["agreements"] == len(every), where
    assert row["institutionalised"] == sum(a.status.name == "INSTITUTIONALISED" for a in every), where
    for agent in m.municipalities:
        assert set(agent.memberships) == {t.value for t in Theme if per_theme[t][agent.index]}, where


@given(any_run())
def test_memberships_table_replayed_to_any_quarter_equals_the_model_state(overrides):
    states = []
    for m in quarters(overrides):
        states.append({t.value: m.members(t).copy() for t in Theme})
    tag = {"arm": "a", "replicate": 0}
    municipalities = indicators.municipality_table(m).assign(**tag)
    with tempfile.TemporaryDirectory() as tmp:  # through Parquet, as memberships.parquet is read back
        path = Path(tmp) / "memberships.parquet"
        indicators.membership_table(m).to_parquet(path)
        memberships = pd.read_parquet(path).assign(**tag)
    ds = compare.Dataset(quarterly=pd.DataFrame(), municipalities=municipalities, decisions=pd.DataFrame(),
                         memberships=memberships, jobs=pd.DataFrame(), source=Path("."))
    names = list(m.geo.names)
    for step, state in enumerate(states):
        replay = compare.membership_at(ds, "a", m.region, step).set_index("municipality").loc[names]
        for theme, members in state.items():
            assert (replay[theme].to_numpy() == members).all(), (m.timeline.label(step), theme)


@given(any_run())
def test_every_indicator_is_finite_for_any_valid_levers(overrides):
    *_, m = quarters(overrides)
    q = indicators.quarterly_table(m)
    assert len(q) == m.timeline.n_steps
    numeric = q.select_dtypes("number")
    assert set(indicators.REPORTERS) <= set(numeric.columns)
    bad = numeric.columns[~np.isfinite(numeric.to_numpy(dtype=float)).all(axis=0)]
    assert not len(bad), {c: q.loc[~np.isfinite(q[c]), ["quarter", c]].head(3).to_dict("records") for c in bad}


@given(any_run())
def test_budget_margin_is_revenue_less_debt_service_costs_and_contributions_for_any_valid_levers(overrides):
    settled = []  # the tax pool when the quarter's budget was drawn up (settlement may dissolve it after)
    settle = governance.settle

    def spy(m, t):
        settled.append(m.tax_pool())
        return settle(m, t)

    with mock.patch.object(governance, "settle", spy):
        for m in quarters(overrides):
            fp, lp = m.cfg.params.fiscal, m.cfg.params.land
            where = m.timeline.label(m.step_index)
            money, population = m.money, m.people.population
            margin = money.revenue - money.debt_service - money.tc_paid - money.contributions
            assert (money.fiscal_capacity == margin).all(), where  # exactly: the margin is an account, not an estimate
            assert (money.tc_paid >= 0).all() and (money.contributions >= 0).all(), where
            assert last_row(m)["fiscal_capacity_eur_pc"] == pytest.approx(margin.sum() / population.sum(),
                                                                           rel=1e-12, abs=1e-9), where
            # pooling redistributes business tax among compact members: the region's revenue is what it collects
            pool, coverage, key = settled[-1]
            own = fiscal.business_tax(m.people.jobs, fp.business_tax_eur_per_job,
                                      fiscal.tax_discount(pool, coverage, lp.tax_discount_competing, key))
            assert (money.revenue >= fp.revenue_eur_per_capita * population * (1 - 1e-12)).all(), where
            assert money.revenue.sum() == pytest.approx(own.sum() + fp.revenue_eur_per_capita * population.sum(),
                                                        rel=1e-12), where
            if not any(m.coop.agreements.values()):  # no agreement has ever existed: nothing was paid
                assert not money.tc_paid.any() and not money.contributions.any(), where
    table = indicators.municipality_table(m)
    accounted = (table.revenue_eur - table.debt_service_eur - table.transaction_costs_eur
                 - table.contributions_eur)
    assert (table.fiscal_capacity_eur == accounted).all()


@given(any_run())
def test_debt_service_is_non_negative_and_never_decreases_for_any_valid_levers(overrides):
    debt, funds = None, None
    for m in quarters(overrides):
        where = m.timeline.label(m.step_index)
        assert (m.money.debt_service >= 0).all(), where
        if debt is not None:
            assert (m.money.debt_service >= debt).all(), (where, float((m.money.debt_service - debt).min()))
            assert 0.0 <= m.partner.project_funds_eur <= funds, where
        debt, funds = m.money.debt_service.copy(), m.partner.project_funds_eur


# ------------------------------------------------------------------------- user tables: metamorphic tests
def _table(rng: np.random.Generator, n: int, core_population: float, core_area_km2: float,
           radius_km: float) -> pd.DataFrame:
    """A user municipality table: a core city at the origin and n - 1 suburbs of 500 to 50,000 residents and
    5 to 150 km2, placed uniformly within radius_km of it, no two centres closer than 0.5 km (the reader
    refuses centres closer than data.MIN_SEPARATION_KM)."""
    xy = np.zeros((n, 2))
    for i in range(1, n):
        while True:
            r, angle = radius_km * np.sqrt(rng.uniform(0.05, 1.0)), rng.uniform(0.0, 2 * np.pi)
            xy[i] = r * np.cos(angle), r * np.sin(angle)
            if np.hypot(*(xy[:i] - xy[i]).T).min() >= 0.5:
                break
    return pd.DataFrame({
        "name": ["Core city", *(f"Municipality {i:03d}" for i in range(1, n))],
        "population": [core_population, *np.exp(rng.uniform(np.log(500), np.log(5e4), n - 1))],
        "area_km2": [core_area_km2, *rng.uniform(5.0, 150.0, n - 1)],
        "x_km": xy[:, 0], "y_km": xy[:, 1], "is_core": [1, *([0] * (n - 1))]})


@st.composite
def municipality_tables(draw: st.DrawFn, min_rows: int = 5, max_rows: int = 60) -> pd.DataFrame:
    """Any valid user municipality table of 5-60 rows (core 100,000-2 million residents, 50-500 km2; suburbs
    within 10-40 km)."""
    return _table(np.random.default_rng(draw(st.integers(0, 2**32))), draw(st.integers(min_rows, max_rows)),
                  core_population=draw(st.floats(1e5, 2e6)), core_area_km2=draw(st.floats(50.0, 500.0)),
                  radius_km=draw(st.floats(10.0, 40.0)))


def write_table(df: pd.DataFrame, folder: str, name: str) -> str:
    """Write a municipality table as CSV (full float precision) and return its path."""
    path = Path(folder) / f"{name}.csv"
    df.to_csv(path, index=False, float_format="%.17g")
    return str(path)


def with_table(df: pd.DataFrame, folder: str, name: str, *overrides: str):
    """Run a configuration on a user municipality table; the result keeps its model."""
    return run_scenario(config(f"region.municipalities_csv={write_table(df, folder, name)}", *overrides),
                        keep_models=True)


def scaled(df: pd.DataFrame, k: float) -> pd.DataFrame:
    """Every population and area times k (positions unchanged)."""
    return df.assign(population=df.population * k, area_km2=df.area_km2 * k)


def assert_scale_invariant(a: pd.DataFrame, b: pd.DataFrame, k: float, tolerance: dict[str, float]) -> None:
    """Runs on a table (a) and on its k-scaled copy (b), quarter by quarter: land per resident and the other
    indicators agree within tolerance x the largest value the indicator takes in a (so that the first quarters'
    tiny cumulative figures do not count as large relative errors); the Gini to tolerance absolute."""
    np.testing.assert_allclose(b.population, k * a.population, rtol=1e-9, err_msg="population")
    for c, tol in tolerance.items():
        x, y = (a[c], b[c]) if c in ("fiscal_capacity_eur_pc", "fiscal_inequality", "pt_access_small", "pt_share") \
            else (a[c] / a.population, b[c] / b.population)
        scale = 1.0 if c == "fiscal_inequality" else float(np.abs(x).max())
        worst = float(np.abs(y - x).max())
        assert worst <= tol * scale, (c, f"off by {worst / scale:.3g} (relative to its largest value)", k)


@given(table=municipality_tables(), k=st.floats(0.5, 10.0), region=st.sampled_from(PER_CAPITA_REGIONS),
       seed=st.integers(0, 2**32), lever=levers())
def test_scaling_population_and_area_leaves_per_resident_indicators_unchanged_without_cooperation(
        table, k, region, seed, lever):
    """Without cooperation no absolute money figure decides anything, and what remains scale-dependent is small:
    the 5-ha saturation of land availability in location choice, and the road length of trips within a
    municipality, sqrt(area)/2, which grows like sqrt(k) (their car cost and so, through the PT constant
    calibrated to the observed share at the start, the PT share). Tolerances, relative to the indicator's
    largest value in the run, with the largest deviation measured over 600 examples (hypothesis, derandomized) in
    brackets: greenfield taken, developed and vacant land per resident 1 % (0.49 %, 0.10 %, 0.10 %), budget margin
    per resident 0.1 % (0.027 %), PT access of the smaller half 0.5 % (0.13 %; 0.17 % before the tariff unions), PT
    share 8 % (5.7 %: one ticket across a tariff union leaves the intrazonal trips' car cost, which grows with
    sqrt(k), a larger part of what sets the calibrated PT constant; 4.0 % before); the fiscal Gini 0.001
    absolute (0.00038). Any lever may be set (they act only through agreements, and there are none).
    Regions whose core jobs are a sourced absolute figure (Leipzig, Graz, Prague) are excluded: their core's
    jobs do not scale with the table."""
    runs = [f"region={region}", "scenario=no_cooperation", f"seed={seed}", "timeline.horizon=2017Q4", *lever,
            "scenario.project=false"]
    with tempfile.TemporaryDirectory() as tmp:
        a = with_table(table, tmp, "table", *runs).quarterly
        b = with_table(scaled(table, k), tmp, "scaled", *runs).quarterly
    assert (a.members == 0).all() and (b.members == 0).all()
    assert_scale_invariant(a, b, k, {"greenfield_take_cum_ha": 0.01, "developed_ha": 0.01,
                                     "vacant_commercial_ha": 0.01, "fiscal_capacity_eur_pc": 1e-3,
                                     "pt_access_small": 5e-3, "pt_share": 0.08, "fiscal_inequality": 1e-3})


@given(table=municipality_tables(), k=st.floats(0.5, 10.0), region=st.sampled_from(PER_CAPITA_REGIONS),
       seed=st.integers(0, 2**32), lever=levers(LAND_LEVERS))
def test_scaling_population_and_area_leaves_a_land_compacts_per_resident_indicators_nearly_unchanged(
        table, k, region, seed, lever):
    """With transaction costs scaled to 0, no exchange (participation depends on log population) and the
    decision noise at its minimum (10 EUR/yr, so a logit choice is decided by the sign of the perceived net
    payoff), every term of the land compact's payoff (tax gains, avoided reserves, brownfield extra cost,
    autonomy cost, perception bias) scales with k up to the residual effects above, and the perception bias and
    imitation draws are the same for the same rows. So the councils nearly always decide alike: membership differed
    in about 1 of 200 random examples (7 of 1,450 measured). It is not a guarantee: a decision whose
    perceived net payoff is near zero compared with its terms (a benefit and an autonomy cost that nearly cancel,
    or a net within a few 10 EUR of zero, where the logit is a coin toss) can go the other way, and a member's
    loss streak can start a quarter earlier or later: three reproductions are in
    tests/data/properties/scale_flips.json. So identical membership is assumed (examples where it
    differs are discarded), and then the land compact's mechanics (pooled firms and reserves, brownfield first,
    the greenfield cap per resident) must scale. Tolerances as without cooperation, with the largest deviation
    measured over 300 derandomized and 400 random examples in brackets: greenfield taken per resident 15 % (3.6 %;
    7.4 % in an earlier profile: when a municipality runs out of greenfield, the date it does so turns the 0.1 %
    residual differences into a few per cent of the region's take), developed land per resident 1 % (0.66 %),
    vacant commercial land per resident 10 % (4.6 %, and 2.6 % before the tariff unions: a reserve zoned a quarter
    earlier or later), budget margin per resident 1 % (0.15 %), PT access of the smaller half 10 % (0.17 %; the
    long profile found 8.4 %: Wroclaw, k = 2, seed 0, a 1.4-million core; access is a kernel of absolute travel
    minutes, and a trip within a municipality grows with the square root of its area), PT share 6 % (3.6 %; one
    earlier example, Wroclaw k = 10, was 5.0 %), fiscal Gini 0.01 absolute (0.0012)."""
    runs = [f"region={region}", "scenario=land_compact", f"seed={seed}", "timeline.horizon=2017Q4",
            *SCALE_FREE_DECISIONS, *lever]
    with tempfile.TemporaryDirectory() as tmp:
        a = with_table(table, tmp, "table", *runs)
        b = with_table(scaled(table, k), tmp, "scaled", *runs)
    cols = ["step", "municipality", "theme", "member"]
    assume(a.memberships[cols].equals(b.memberships[cols]))
    assert_scale_invariant(a.quarterly, b.quarterly, k, {
        "greenfield_take_cum_ha": 0.15, "developed_ha": 0.01, "vacant_commercial_ha": 0.10,
        "fiscal_capacity_eur_pc": 0.01, "pt_access_small": 0.10, "pt_share": 0.06, "fiscal_inequality": 0.01})


TOTALS = ("population", "jobs", "greenfield_take_cum_ha", "greenfield_take_ha", "brownfield_reuse_ha",
          "developed_ha", "vacant_commercial_ha", "commuting_co2_t", "pt_share", "fiscal_capacity_eur_pc",
          "fiscal_inequality", "fiscal_gap_core_suburb", "pt_access_gap_core_suburb", "pt_access_small",
          "agreements", "institutionalised", "members", "members_land", "members_transport",
          "member_population_share", "mean_trust", "mean_knowledge")


NEAR_TIE_EUR = 500.0  # at decision_noise_keur=0.01 the logit is certain (P(yes) < 2e-22 or > 1 - 2e-22) beyond it


def decided_by_chance(decisions: pd.DataFrame) -> bool:
    """True if a council's choice (pilot, vote or join; leaving is a rule) had a perceived net payoff within
    NEAR_TIE_EUR of zero, where even the minimum decision noise leaves it to the draw. Every choice that can go
    either way is logged on at least one side (a pilot or join only when taken, a vote always)."""
    choices = decisions[decisions.action != "leave"]
    return bool((choices.perceived_net.abs() < NEAR_TIE_EUR).any())


@given(any_run())
def test_with_the_random_parts_switched_off_the_model_stream_changes_nothing(overrides):
    """Examples with a near-tie decision (see decided_by_chance) are discarded: there the draw still decides."""
    overrides = [*overrides, *DETERMINISTIC]
    cfg = config(*overrides)
    note(f"overrides: {' '.join(overrides)}")
    a, b = CityRegionModel(cfg), CityRegionModel(cfg)
    b.rng = np.random.default_rng(b.seed + 1)  # another stream from the first quarter on
    for _ in range(a.timeline.n_steps):
        a.step()
        b.step()
    assume(not decided_by_chance(indicators.decision_table(a)) and not decided_by_chance(indicators.decision_table(b)))
    pd.testing.assert_frame_equal(indicators.quarterly_table(a), indicators.quarterly_table(b), check_exact=True)
    pd.testing.assert_frame_equal(indicators.membership_table(a), indicators.membership_table(b))


@given(data=st.data(), table=municipality_tables(), region=st.sampled_from(REGIONS), seed=st.integers(0, 2**32),
       scenario=st.sampled_from(SCENARIO_NAMES), lever=levers())
def test_permuting_the_municipality_table_changes_nothing_when_the_random_parts_are_switched_off(
        data, table, region, seed, scenario, lever):
    """Examples with a near-tie decision (see decided_by_chance) are discarded: there the draw still decides."""
    order = data.draw(st.permutations(range(len(table))), label="row order")
    runs = [f"region={region}", f"scenario={scenario}", f"seed={seed}", f"timeline.horizon={HORIZON[region]}",
            *DETERMINISTIC, *lever]
    with tempfile.TemporaryDirectory() as tmp:
        a = with_table(table, tmp, "table", *runs)
        b = with_table(table.iloc[list(order)], tmp, "permuted", *runs)
    assume(not decided_by_chance(a.decisions) and not decided_by_chance(b.decisions))
    # every regional total, every quarter
    for c in TOTALS:
        np.testing.assert_allclose(b.quarterly[c], a.quarterly[c], rtol=1e-9, atol=1e-12, err_msg=c)
    # every municipality's end state, matched by name
    key = "municipality"
    ma, mb = (r.municipalities.set_index(key).sort_index() for r in (a, b))
    num = ma.select_dtypes("number").columns.drop("seed")
    np.testing.assert_allclose(mb[num].to_numpy(float), ma[num].to_numpy(float), rtol=1e-9, atol=1e-6)
    for c in ("is_core", "member_land", "member_transport"):
        assert (mb[c] == ma[c]).all(), c
    # every membership change and every decision
    sort = ["step", "theme", key]
    pd.testing.assert_frame_equal(*(r.memberships.sort_values(sort).reset_index(drop=True) for r in (b, a)))
    da, db = (r.decisions.sort_values([*sort, "action"]).reset_index(drop=True) for r in (a, b))
    pd.testing.assert_frame_equal(db[[*sort, "action"]], da[[*sort, "action"]])
    payoff = ["benefit", "information", "negotiation", "enforcement", "agency", "autonomy", "contribution", "trust",
              "net", "perceived_net"]
    np.testing.assert_allclose(db[payoff].to_numpy(float), da[payoff].to_numpy(float), rtol=1e-9, atol=1e-6)


STATISTICAL = ("greenfield_take_cum_ha", "vacant_commercial_ha", "pt_share", "fiscal_capacity_eur_pc",
               "fiscal_inequality", "members", "member_population_share", "mean_trust", "mean_knowledge")


@pytest.mark.parametrize(("region", "scenario", "table_seed", "perm_seed"),
                         [("wroclaw", "city_regions", 0, 1), ("graz", "integrated", 1, 2),
                          ("turin", "land_compact", 2, 3)])
def test_permuting_the_municipality_table_leaves_the_distribution_of_regional_totals_unchanged(
        region, scenario, table_seed, perm_seed):
    """With the default, random settings a permuted table gives its municipalities other draws, so single runs
    differ, but the draws are iid per row, so the distribution over seeds is the same: over 10 seeds the means
    of the horizon's totals lie within 5 standard errors of each other (Welch) and their ranges overlap. Loose on
    purpose; fixed seeds and permutations, so it cannot flicker."""
    table = _table(np.random.default_rng(table_seed), 30, core_population=5e5, core_area_km2=200.0, radius_km=25.0)
    order = np.random.default_rng(perm_seed).permutation(len(table))
    seeds = range(10)
    ends = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, df in (("table", table), ("permuted", table.iloc[order])):
            ends[label] = pd.DataFrame([
                with_table(df, tmp, label, f"region={region}", f"scenario={scenario}", f"seed={s}",
                           "timeline.horizon=2017Q4").quarterly.iloc[-1] for s in seeds])
    a, b = ends["table"], ends["permuted"]
    assert not np.allclose(a[list(STATISTICAL)].to_numpy(float), b[list(STATISTICAL)].to_numpy(float)), \
        "no run changed: the permutation did not reach the random draws"
    for c in STATISTICAL:
        x, y = a[c].to_numpy(float), b[c].to_numpy(float)
        assert x.max() >= y.min() and y.max() >= x.min(), (c, x, y)
        se = np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        assert abs(x.mean() - y.mean()) <= 5 * se + 1e-9 * max(abs(x.mean()), 1.0), (c, x.mean(), y.mean(), se)

