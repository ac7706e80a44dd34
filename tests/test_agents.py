"""Municipality and RegionalPartner agents: thin views on the model's arrays that can explain themselves."""

from __future__ import annotations

import pytest
from conftest import cached_run

from cityregions.model.agents import Municipality, RegionalPartner


@pytest.fixture(scope="module")
def turin():
    return cached_run("region=turin", "scenario=integrated", "seed=0").models["turin"]


def test_one_agent_per_municipality_and_one_partner(turin):
    assert len(turin.agents_by_type[Municipality]) == turin.geo.n
    assert len(turin.agents_by_type[RegionalPartner]) == 1
    cores = turin.municipalities.select(lambda a: a.is_core)
    assert len(cores) == 1 and cores.to_list()[0].name == "Turin"


def test_agent_state_reads_the_model_arrays(turin):
    a = turin.municipalities.select(lambda a: a.index == 5).to_list()[0]
    assert a.population == turin.population[5] and a.jobs == turin.jobs[5]
    assert sum(a.land.values()) == pytest.approx(turin.area_ha[5])
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


def test_project_funds_are_spent_on_pilots_and_never_overdrawn(turin):
    assert 0.0 <= turin.partner.project_funds_eur < 1_600_000 / 5
