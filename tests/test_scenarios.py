"""Scenario contrasts a planner would expect, over many seeds, in every region."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import cached_run

from cityregions.config import REGIONS, SCENARIOS
from cityregions.world.phases import Phase

SEEDS = range(10)


def _per_region(scenario, column, how):
    """Mean over seeds of a per-region summary of one indicator."""
    values = {r: [] for r in REGIONS}
    for seed in SEEDS:
        q = cached_run("region=all", f"scenario={scenario}", f"seed={seed}").quarterly
        for r, g in q.groupby("region"):
            values[r].append(g[column].sum() if how == "sum" else g[column].iloc[-1])
    return {r: float(np.mean(v)) for r, v in values.items()}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_region_and_scenario_runs_to_the_horizon(scenario):
    q = cached_run("region=all", f"scenario={scenario}", "seed=0").quarterly
    assert sorted(q.region.unique()) == sorted(REGIONS)
    assert (q.groupby("region").quarter.last() == "2030Q4").all()


@pytest.mark.slow
def test_land_compact_takes_less_greenfield_than_no_cooperation_in_every_region():
    alone = _per_region("no_cooperation", "greenfield_take_ha", "sum")
    compact = _per_region("land_compact", "greenfield_take_ha", "sum")
    for r in REGIONS:
        assert alone[r] > compact[r], (r, alone[r], compact[r])


@pytest.mark.slow
def test_transport_alliance_raises_public_transport_share_in_every_region():
    alone = _per_region("no_cooperation", "pt_share", "last")
    alliance = _per_region("transport_alliance", "pt_share", "last")
    for r in REGIONS:
        assert alliance[r] > alone[r], (r, alone[r], alliance[r])


def test_no_cooperation_forms_no_pilots_and_no_agreements():
    res = cached_run("region=all", "scenario=no_cooperation", "seed=0")
    for m in res.models.values():
        assert m.coop.pilots_formed == 0
        assert all(len(v) == 0 for v in m.coop.agreements.values())
    assert res.quarterly["agreements"].max() == 0
    assert res.decisions.empty


def test_the_project_runs_each_regions_real_pilot():
    res = cached_run("region=all", "scenario=city_regions", "seed=0")
    for name, m in res.models.items():
        piloted = {a.theme.value for t in m.coop.agreements for a in m.coop.agreements[t]
                   if a.formed_step == m.timeline.first_of(Phase.PILOTS)}
        assert piloted == set(m.facts.pilot_themes), name
        assert m.coop.pilots_formed == len(m.facts.pilot_themes)


def test_pilots_happen_in_phase_two_and_votes_at_the_end_of_phase_three_and_after_elections():
    res = cached_run("region=all", "scenario=integrated", "seed=0")
    d = res.decisions
    assert set(d[d.action == "join_pilot"].quarter) == {"2013Q3"}
    for region, m in res.models.items():
        votes = d[(d.region == region) & d.action.str.startswith("vote")]
        left = m.partner_left(m.timeline.last_of(Phase.AGREEMENTS))  # Prague's partner body left in 12/2013
        assert (votes.quarter.min() == "2014Q4") != left and (region == "prague") == left, region
        later = set(votes.step[votes.quarter != "2014Q4"])
        assert later <= m.election_steps, (region, later - m.election_steps)  # a new council votes again


def test_the_quarter_of_the_vote_kept_at_build_is_the_last_of_phase_three():
    for region, m in cached_run("region=all", "scenario=integrated", "seed=0").models.items():
        assert m.const.vote_step == m.timeline.last_of(Phase.AGREEMENTS), region


def test_every_join_and_leave_keeps_its_payoff_breakdown():
    d = cached_run("region=all", "scenario=integrated", "seed=0").decisions
    gains = ["benefit", "welfare"]
    costs = ["free_riding", "information", "negotiation", "enforcement", "agency", "autonomy", "dominance",
             "inequity", "contribution"]
    assert d[[*gains, *costs, "trust", "key"]].notna().all().all()
    net = d[gains].sum(axis=1) - d[costs].sum(axis=1)
    np.testing.assert_allclose(net, d.net, rtol=1e-9, atol=1e-6)
    leaves = d[d.action == "leave"]
    assert (leaves.net < 0).all()  # members leave only after losses
