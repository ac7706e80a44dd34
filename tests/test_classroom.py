"""The classroom session behind the page: it replays the model exactly, waits for student-mayors, applies their
choices (a forced leave shows in the membership) and explains every municipality's payoffs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cityregions.app.classroom import BREAKDOWN, Classroom, overrides
from cityregions.config import load_config
from cityregions.model.model import CityRegionModel
from cityregions.rules.cooperation import Status, Theme


@pytest.fixture(scope="module")
def at_vote() -> Classroom:
    """Leipzig with its core city and one suburb played by students, stopped before the council vote (seed 2: a
    history in which the rule, too, makes the compact and keeps the suburb in it)."""
    c = Classroom(region="leipzig", policy="land_compact", seed=2)
    c.set_mayors([c.names[0], c.names[5]])
    while not c.waiting:
        c.step()
    return c


def _to_session(c: Classroom, kind: str) -> None:
    """Step (answering 'stay' to every yearly question) until a question of this kind is due."""
    while c.running and not any(q.kind == kind for q in c.unanswered()):
        for q in c.unanswered():
            c.answer(q.name, q.theme, True)
        c.step()


def test_without_mayors_the_classroom_is_the_command_lines_run_with_the_same_seed():
    c = Classroom(region="graz", policy="integrated", seed=3)
    plain = CityRegionModel(load_config(["region=graz", "scenario=integrated", "seed=3"]))
    assert c.cfg.scenario == plain.cfg.scenario  # the scenario's own levers, not the page's sliders
    for _ in range(20):
        c.step()
        plain.step()
    a = c.run.datacollector.get_model_vars_dataframe()
    b = plain.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    assert c.counterfactual.cfg.scenario.name == "no_cooperation" and c.counterfactual.steps == 20


def test_the_page_applies_its_levers_only_when_the_teacher_asks():
    levers = {"revenue_sharing_key": 0.4, "greenfield_cap": 2.0, "transaction_cost_scale": 2.0,
              "cofinancing_rate": 0.5, "pilots_per_theme": 2}
    c = Classroom(region="leipzig", policy="city_regions", seed=0, own_levers=True, **levers)
    sc = c.cfg.scenario
    assert (sc.revenue_sharing_key, sc.greenfield_cap, sc.transaction_cost_scale, sc.cofinancing_rate,
            sc.pilots_per_theme) == (0.4, 2.0, 2.0, 0.5, 2)
    cli = load_config(["region=leipzig", "scenario=city_regions", "seed=0"]).scenario
    assert Classroom(region="leipzig", policy="city_regions", seed=0, **levers).cfg.scenario == cli


def test_the_page_waits_for_the_council_vote_and_then_applies_it(at_vote: Classroom):
    c = at_vote
    questions = c.unanswered()
    assert {q.kind for q in questions} == {"vote"} and {q.name for q in questions} == {c.names[0], c.names[5]}
    before = c.quarter
    c.step()
    assert c.quarter == before, "a quarter was simulated before the mayors answered"
    with pytest.raises(ValueError, match="faces no decision"):
        c.answer(c.names[1], "land", True)
    for q in questions:
        c.answer(q.name, q.theme, True)
    c.step()
    assert c.quarter == before + 1
    applied = {(d["municipality"], d["question"], d["answer"]) for d in c.run.students.choices}
    assert applied == {(c.names[0], "vote", True), (c.names[5], "vote", True)}
    assert c.membership().set_index("municipality").loc[c.names[5], "land"]


def test_a_forced_leave_shows_in_the_membership_and_in_the_effect(at_vote: Classroom):
    c = at_vote
    _to_session(c, "stay")
    suburb = c.names[5]
    assert c.membership().set_index("municipality").loc[suburb, "land"], "the suburb should still be a member"
    c.answer(suburb, "land", False)
    for q in c.unanswered():
        c.answer(q.name, q.theme, True)
    c.step()
    assert not c.membership().set_index("municipality").loc[suburb, "land"]
    assert any(d["municipality"] == suburb and d["action"] == "leave" and d["step"] == c.quarter - 1
               for d in c.run.coop.decisions)
    effect = c.effect()
    row = effect.municipalities.set_index("municipality").loc[suburb]
    assert row["member now"] == "none" and row["member under the rule"] == "land compact"
    assert set(effect.region.columns) == {"indicator", "your choices", "rule's choices", "difference"}


def test_a_core_city_voting_no_blocks_the_agreement():
    statuses = {}
    for choice in (True, False):
        c = Classroom(region="leipzig", policy="land_compact")
        c.set_mayors([c.names[0]])
        while not c.waiting:
            c.step()
        c.answer(c.names[0], "land", choice)
        c.step()
        statuses[choice] = {a.status for a in c.run.coop.agreements[Theme.LAND]}
    assert Status.INSTITUTIONALISED in statuses[True]
    assert Status.INSTITUTIONALISED not in statuses[False]


def test_why_gives_the_payoff_breakdown_and_the_decisions():
    c = Classroom(region="turin", policy="integrated")
    for _ in range(6):
        c.step()
    breakdown, decisions = c.why(c.names[0])
    assert list(breakdown.columns) == ["theme", "status", *BREAKDOWN]
    assert set(breakdown["theme"]) == {"land", "transport"}
    costs = ["free_riding", "information", "negotiation", "enforcement", "agency", "autonomy", "dominance", "inequity",
             "contribution"]
    net = breakdown["benefit"] + breakdown["welfare"] - breakdown[costs].sum(axis=1)
    assert net.to_numpy() == pytest.approx(breakdown["net"].to_numpy())
    assert set(decisions["action"]) <= {"join_pilot", "vote_yes", "vote_no", "join", "leave"} and len(decisions)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="unknown lever 'quorum'"):
        overrides("graz", "integrated", 0, {"quorum": 0.2})
    c = Classroom(region="graz")
    with pytest.raises(ValueError, match="unknown municipality 'Atlantis'"):
        c.set_mayors(["Atlantis"])


def test_a_mayor_sees_before_the_vote_the_key_and_payoff_the_vote_then_uses():
    c = Classroom(region="leipzig", policy="city_regions", seed=2)
    c.set_mayors([c.names[5]])
    while not c.waiting:
        c.step()
    (q,) = c.unanswered()
    text = c.proposal(q)
    c.answer(q.name, q.theme, True)
    c.step()
    row = next(d for d in c.run.coop.decisions if d["municipality"] == q.name and d["action"] == "vote_yes")
    assert f"Sharing key {row['key']:.2f} (bargained)" in text
    assert f"net {row['net']:+,.0f}" in text and f"as the council sees it {row['perceived_net']:+,.0f}" in text
    assert "the core city and councils holding 30% of the suburban residents must vote yes" in text


def test_ten_sessions_opening_at_once_each_get_their_configuration():
    """Ten browser sessions open the page within a second: Hydra's global state is composed in turn, not raced
    (it raised 'GlobalHydra is already initialized' in two to four of five)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(10)

    def open_page(seed: int) -> int:
        start.wait(timeout=30)
        return load_config(["region=graz", f"seed={seed}"]).seed

    with ThreadPoolExecutor(10) as pool:
        assert list(pool.map(open_page, range(10), timeout=120)) == list(range(10))


def test_the_debrief_sums_each_councils_costs_and_earnings_in_the_three_runs():
    from cityregions.app.classroom import debrief

    c = Classroom(region="graz", policy="integrated", seed=1)
    c.set_mayors([c.names[0], c.names[3]])
    for _ in range(12):
        if c.waiting:
            for q in c.unanswered():
                c.answer(q.name, q.theme, False)
        c.step()
    d = debrief(c).set_index("municipality")
    assert list(d.index) == [c.names[0], c.names[3], "region"]
    money = c.run.money.totals
    assert d.loc[c.names[3], "transaction costs, your choices (EUR)"] == money["tc_paid"][3]
    assert d.loc["region", "revenue left, your choices (EUR)"] == pytest.approx(money["fiscal_capacity"].sum())
    cf = c.counterfactual.money.totals
    assert d.loc["region", "revenue left, no cooperation (EUR)"] == pytest.approx(cf["fiscal_capacity"].sum())
    assert d.loc["region", "transaction costs, no cooperation (EUR)"] == 0.0  # no agreement, no costs
    assert (d["quarters"] == c.quarter).all()


def test_the_end_of_the_run_is_announced():
    c = Classroom(region="graz", policy="no_cooperation", seed=0)
    while c.running:
        c.step()
    assert c.banner().startswith("The run is over: 2030 Q4, quarter 74 of 74")


def test_a_chart_never_makes_a_tiny_change_look_dramatic():
    import numpy as np

    from cityregions.app.figures import y_range

    lo, hi = y_range(np.array([0.1795, 0.1801]), 0.05)  # a PT share moving by 0.0006
    assert hi - lo == pytest.approx(0.05) and lo < 0.1795 and hi > 0.1801
    assert y_range(np.array([0.0, 1000.0]), 500.0) == pytest.approx((0.0, 1100.0))  # wide data: 5 % margins
    assert y_range(np.array([0.0, 0.0, 1.0]), 5.0) == (0.0, 5.0)  # counts never go below zero


def test_the_dilemma_in_numbers_is_a_prisoners_dilemma_worked_by_hand():
    """Two equal councils, 1,000 new jobs, 700 EUR of business tax per job, a 10 % discount that enters the firms'
    utility with weight 4: the one that undercuts draws e^0.4 / (1 + e^0.4) = 59.9 % of the jobs."""
    from cityregions.app.dilemma import dilemma

    d = dilemma(load_config([]))
    up = math.exp(0.4) / (1 + math.exp(0.4))
    np.testing.assert_allclose(d.payoffs[0, 0], [350_000, 350_000])  # both hold back: half the jobs, full tax
    np.testing.assert_allclose(d.payoffs[1, 0], [700_000 * 0.9 * up, 700_000 * (1 - up)])  # 377,173 and 280,919
    np.testing.assert_allclose(d.payoffs[0, 1], d.payoffs[1, 0][::-1])
    np.testing.assert_allclose(d.payoffs[1, 1], [315_000, 315_000])  # both undercut: half the jobs, 10 % less
    assert d.is_prisoners_dilemma
    assert not dilemma(load_config(["params.land.firm_tax_sensitivity=0"])).is_prisoners_dilemma  # firms blind
    assert not dilemma(load_config(["params.land.firm_tax_sensitivity=1"])).is_prisoners_dilemma  # too little pull
