"""The world's figures: every one carries a source and a status; derived figures follow from them."""

from __future__ import annotations

import csv
import datetime as dt
from importlib import resources

import pytest

from cityregions.config import REGIONS
from cityregions.world import facts
from cityregions.world.facts import STATUSES, growth_rate, load_case_library, load_region, load_sourced_parameters


def _rows(name):
    path = resources.files("cityregions.world") / "data" / name
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("name", ["region_facts.csv", "good_practice.csv", "parameters_sourced.csv"])
def test_every_figure_has_a_status_and_a_source(name):
    rows = _rows(name)
    assert rows
    for row in rows:
        assert row["status"] in STATUSES, row
        assert row["source"].strip(), row
        if row["status"] == "assumption":
            assert "assumption" in row["source"].lower() or row.get("quantity") == "language", row


@pytest.mark.parametrize("region", REGIONS)
def test_region_facts_are_complete_and_plausible(region):
    f = load_region(region)
    assert f.core_population < f.fua_population
    assert f.core_area_km2 < f.fua_area_km2
    assert f.n_municipalities >= 30
    assert f.pilot_theme in ("land", "transport", "land+transport")
    assert f.partner_body and f.pt_authority and f.pilot_title
    assert -0.01 < f.growth_rate < 0.03


def test_project_period_municipality_counts():
    assert load_region("graz").n_municipalities == 57  # Graz-Umgebung before the 2015 Styrian merger
    assert load_region("leipzig").n_municipalities == 32
    assert load_region("prague").n_municipalities == 359


def test_real_pilot_themes():
    assert load_region("leipzig").pilot_themes == ("land",)
    assert load_region("graz").pilot_themes == ("transport",)
    assert load_region("prague").pilot_themes == ("transport",)
    assert set(load_region("wroclaw").pilot_themes) == {"land", "transport"}


def test_only_pragues_partner_body_left_before_the_vote():
    assert load_region("prague").partner_until == dt.date(2013, 12, 31)  # RRA Střední Čechy, "until 12/2013"
    assert all(load_region(r).partner_until is None for r in REGIONS if r != "prague")
    wrong = facts.Fact("12/2013", "date", "2013", "sourced", "")
    with pytest.raises(ValueError, match=r"prague.partner_until='12/2013' is not a date; allowed: YYYY-MM-DD"):
        facts._date_of("prague", "partner_until", wrong)


def test_growth_rate_arithmetic():
    assert growth_rate(100.0, 2000, 121.0, 2002) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        growth_rate(100.0, 2002, 121.0, 2000)


def test_brownfield_figures_derive_from_the_case_library():
    lib = load_case_library()
    per_ha = sorted(float(c["total_cost_eur_m"]) / float(c["hectares"]) for c in lib.cases
                    if c["kind"].startswith("brownfield"))
    assert len(per_ha) >= 4
    assert lib.brownfield_cost_m_eur_per_ha() == pytest.approx(per_ha[len(per_ha) // 2])
    assert lib.jobs_per_ha() == pytest.approx(3000 / 70)  # Mark 51°7: jobs realised by 2023 on 70 ha
    assert 0.0 < lib.brownfield_public_share() < 1.0
    assert lib.count("land") > 0 and lib.count("transport") > 0


def test_emission_factors_are_sourced():
    p = load_sourced_parameters()
    assert float(p["co2_car_kg_per_pkm"].value) > float(p["co2_pt_kg_per_pkm"].value) > 0


def test_parameter_table_in_docs_matches_the_schema():
    from pathlib import Path

    from cityregions.reporting.paramdoc import render
    doc = Path(__file__).resolve().parents[1] / "docs" / "PARAMETERS.md"
    assert doc.read_text(encoding="utf-8") == render(), \
        "regenerate: python -m cityregions.reporting.paramdoc > docs/PARAMETERS.md"
