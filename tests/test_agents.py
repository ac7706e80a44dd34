"""Municipality and RegionalPartner agents: thin views on the model's arrays that can explain themselves."""

from __future__ import annotations

import pytest
from conftest import cached_run

from cityregions.config import REGIONS
from cityregions.model.agents import Municipality, RegionalPartner
from cityregions.world.facts import load_sourced_parameters


@pytest.fixture(scope="module")
def turin():
    return cached_run("region=turin", "scenario=integrated", "seed=0").models["turin"]


def test_one_agent_per_municipality_and_one_partner(turin):
    assert len(turin.agents_by_type[Municipality]) == turin.geo.n
    assert len(turin.agents_by_type[RegionalPartner]) == 1
    cores = turin.municipalities.select(lambda a: a.is_core)
    assert len(cores) == 1 and cores.to_list()[0].name == "Torino"


def test_agent_state_reads_the_model_arrays(turin):
    a = turin.municipalities.select(lambda a: a.index == 5).to_list()[0]
    assert a.population == turin.people.population[5] and a.jobs == turin.people.jobs[5]
    assert sum(a.land.values()) == pytest.approx(turin.land_use.area_ha[5])
    assert 0 <= a.planning_capacity <= 1
    assert len(a.trust) == turin.geo.n - 1


def test_a_municipality_can_say_why(turin):
    voted = [a for a in turin.municipalities if any(d["action"].startswith("vote") for d in a.why())]
    assert voted
    record = voted[0].why()[0]
    for key in ("benefit", "information", "negotiation", "enforcement", "agency", "autonomy", "trust", "net"):
        assert key in record
    breakdown = voted[0].payoff("land")
    assert breakdown is not None and set(breakdown) >= {"benefit", "net", "trust"}


def test_project_funds_are_a_fifth_of_the_sourced_budget_spent_on_pilots_and_never_overdrawn(turin):
    budget = load_sourced_parameters()["project_budget_eur"]
    assert "leipzig.de" in budget.source  # the CITY REGIONS background page: a total budget of EUR 1.6 million
    share = float(budget.value) / len(REGIONS)
    assert share == 320_000.0  # by hand: EUR 1,600,000 shared equally by the five regions
    assert turin.const.project_funds_eur == share
    assert 0.0 <= turin.partner.project_funds_eur < share
