"""Winners and losers: what a scenario does to each council against the baseline, over the period and at its end,
checked against hand-computed numbers; the report lists them and says what would make the losers whole."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cityregions.analysis import compare, winners
from cityregions.model.state import Money
from cityregions.reporting import report


def test_the_ledger_sums_each_quarter_and_discounts_it_to_the_first():
    money = Money(revenue=np.array([400.0]), debt_service=np.array([40.0]), tc_paid=np.array([20.0]),
                  contributions=np.array([-60.0]))  # a side payment received: a negative contribution
    money.book(0, 0.04)
    money.book(1, 0.04)
    # 400 - 40 - 20 + 60 = 400 EUR a year: 100 a quarter, at mid-quarter 1/8 and 3/8 of a year from the start
    assert money.totals["fiscal_capacity"][0] == pytest.approx(200.0)
    assert money.present["fiscal_capacity"][0] == pytest.approx(100 * 1.04 ** -0.125 + 100 * 1.04 ** -0.375)
    assert money.totals["tc_paid"][0] == pytest.approx(10.0)
    assert money.present["contributions"][0] == pytest.approx(-15 * (1.04 ** -0.125 + 1.04 ** -0.375))


def test_the_ledger_books_every_item_as_summed_one_by_one_to_the_bit():
    rng = np.random.default_rng(3)
    money = Money(*(rng.normal(0.0, 1e6, 7) for _ in range(4)))
    assert money.totals == {} and money.present == {}  # nothing booked before the first quarter
    totals, present = {}, {}
    for t in range(5):
        money.revenue, money.tc_paid = rng.normal(1e6, 1e5, 7), rng.uniform(0.0, 1e4, 7)
        money.book(t, 0.03)
        factor = 1.03 ** (-(t + 0.5) / 4.0)
        for item in Money.LEDGER:
            quarter = getattr(money, item) / 4.0
            totals[item] = totals.get(item, 0.0) + quarter
            present[item] = present.get(item, 0.0) + factor * quarter
    assert list(money.totals) == list(money.present) == list(Money.LEDGER)
    for item in Money.LEDGER:
        np.testing.assert_array_equal(money.totals[item], totals[item])
        np.testing.assert_array_equal(money.present[item], present[item])


def municipalities(budgets: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    """A municipalities table of two arms over three replicates: budget margin per resident by (arm, place)."""
    rows = []
    for (arm, place), values in budgets.items():
        for rep, b in enumerate(values):
            rows.append({"arm": arm, "region": "r", "replicate": rep, "municipality": place, "is_core": place == "A",
                         "population": 100.0, "population_start": 100.0, "fiscal_capacity_eur_pc": b,
                         "fiscal_capacity_eur": 100.0 * b, "fiscal_capacity_pv_eur": 1000.0 * b,
                         "greenfield_taken_ha": 1.0 if arm == "base" else 0.5, "pt_access": 0.2,
                         "fiscal_capacity_cum_eur": 1100.0 * b, "transaction_costs_pv_eur": 0.0 if arm == "base"
                         else 50.0 + rep, "transaction_costs_cum_eur": 0.0 if arm == "base" else 60.0 + rep,
                         "contributions_pv_eur": 0.0 if arm == "base" else 20.0, "contributions_cum_eur": 0.0 if
                         arm == "base" else 25.0,
                         "member_land": arm != "base" and rep < 2, "member_transport": False})
    return pd.DataFrame(rows)


def dataset(m: pd.DataFrame) -> compare.Dataset:
    empty = pd.DataFrame()
    return compare.Dataset(empty, m, empty, empty, empty, Path("."))


BUDGETS = {("base", "A"): [10.0, 12.0, 11.0], ("base", "B"): [5.0, 5.0, 5.0],
           ("pact", "A"): [7.0, 10.0, 7.0], ("pact", "B"): [9.0, 8.0, 10.0]}


def test_each_council_is_compared_with_itself_in_the_baseline_replicate_by_replicate():
    t = winners.winners_table(dataset(municipalities(BUDGETS)), "base")
    assert list(t["municipality"]) == ["A", "B"]  # the loser first
    a = t.iloc[0]
    d = np.array([7 - 10, 10 - 12, 7 - 11])  # paired: -3, -2, -4
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert a["budget_eur_pc_diff"] == pytest.approx(-3.0)
    assert (a["budget_eur_pc_lo"], a["budget_eur_pc_hi"]) == pytest.approx((-3 - half, -3 + half))
    assert a["budget_pv_eur_pc_diff"] == pytest.approx(1000 * -3.0 / 100)  # present value per resident at start
    assert a["greenfield_ha_diff"] == pytest.approx(-0.5) and a["member_land"] == pytest.approx(2 / 3)
    assert a["n"] == 3 and a["is_core"]


def test_the_winners_can_make_the_losers_whole_only_if_they_gain_more_than_the_losers_lose():
    t = winners.winners_table(dataset(municipalities(BUDGETS)), "base")
    c = winners.compensation(t, "pact", "r")
    assert c.losers == ["A"] and c.loss_eur == pytest.approx(300.0) and c.gain_eur == pytest.approx(400.0)
    assert c.feasible  # B gains 4 EUR per resident, 400 EUR a year; A loses 300
    poor = dict(BUDGETS) | {("pact", "B"): [6.0, 6.0, 6.0]}  # B gains only 100 a year
    c = winners.compensation(winners.winners_table(dataset(municipalities(poor)), "base"), "pact", "r")
    assert c.losers == ["A"] and not c.feasible


def test_each_councils_costs_and_gains_over_the_run_are_summed_for_the_region():
    t = winners.winners_table(dataset(municipalities(BUDGETS)), "base")
    a = t[t["municipality"] == "A"].iloc[0]
    assert a["tc_pv_eur"] == pytest.approx(51.0)  # 50, 51, 52 in the three replicates
    assert a["tc_cum_eur"] == pytest.approx(61.0) and a["contributions_pv_eur"] == pytest.approx(20.0)
    assert a["budget_pv_eur_diff"] == pytest.approx(1000 * -3.0)  # the whole council's present value
    assert a["budget_cum_eur_diff"] == pytest.approx(1100 * -3.0)
    c = winners.period_costs(t, "pact", "r")
    # A and B pay 51 + 51 in transaction costs and 20 + 20 in contributions; A loses 3000, B gains
    # 1000 x ((9 + 8 + 10) - 15) / 3 = 4000: together 1000 EUR more revenue left over the run
    assert (c.transaction_costs, c.contributions, c.revenue_left_diff) == pytest.approx((102.0, 40.0, 1000.0))


def test_a_baseline_that_is_not_in_the_dataset_is_refused_with_the_arms_it_has():
    with pytest.raises(ValueError, match=r"baseline='none'.*\['base', 'pact'\]"):
        winners.winners_table(dataset(municipalities(BUDGETS)), "none")


def test_the_report_lists_winners_and_losers_and_writes_them_all(tmp_path):
    from cityregions.app.cli import invoke
    from cityregions.app.commands import BY_NAME
    out = tmp_path / "cmp"
    args = ["region=graz", "scenarios=[no_cooperation,land_compact]", "seeds=2", "timeline.horizon=2016Q4",
            "futures=0", f"out={out}"]
    assert invoke(BY_NAME["compare"], args) == 0
    table = pd.read_csv(out / "report" / "winners.csv")
    assert set(table["arm"]) == {"land_compact"} and len(table) == 37  # every municipality of Graz's partnership
    assert table["budget_pv_eur_pc_diff"].is_monotonic_increasing
    html = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert "Winners and losers" in html and (out / "report" / "winners_graz.png").is_file()
    assert "Where the money moves" in html and (out / "report" / "change_graz.png").is_file()
    assert "Where the land is taken" in html and (out / "report" / "change_greenfield_graz.png").is_file()
    pdf = (out / "report" / "summary.pdf").read_bytes()  # the page a council can table: one A4 page per region
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d* 841\.\d*\s*\]", pdf)  # A4 portrait in points
    rep = report.make_report(out, lang="cs")
    assert any("EUR" in s for s in rep.summaries["graz"])  # who loses, and what would make them whole
    assert any("transakčních nákladů" in s and "současné hodnoty" in s for s in rep.summaries["graz"])
    assert "Kdo získá a kdo ztratí" in rep.html.read_text(encoding="utf-8")


def test_the_one_page_summary_keeps_its_legend_below_the_table_however_long_the_summary():
    from cityregions.analysis import scorecard
    from cityregions.reporting import summary_pdf
    from cityregions.reporting.labels import Labels
    from cityregions.reporting.plots import plt

    arms = ["no_cooperation", "city_regions", "land_compact", "transport_alliance", "integrated"]
    card = pd.DataFrame([{"arm": a, "metric": m.key, "mean": 1.0, "digits": 1, "verdict": "better"}
                         for a in arms for m in scorecard.METRICS])
    summary = ["Ein langer Absatz über Gewerbeflächenpool und Verkehrsverbund. " * 4] * 17  # as long as Prague's
    L = Labels("de")
    fig = plt.figure(figsize=summary_pdf.A4_PORTRAIT)
    summary_pdf.page(fig, "Praha", arms, {a: L.scenario(a) for a in arms}, card, summary, "footer", L)
    table_bottom = fig.axes[0].get_position().y0
    legend = next(t for t in fig.texts if t.get_text().startswith("▲"))
    assert legend.get_position()[1] <= table_bottom  # below the table, not over its last rows
    assert legend.get_position()[1] > 0.05  # and its two lines above the footer
    header = [c.get_text().get_text() for (r, _), c in fig.axes[0].tables[0].get_celld().items() if r == 0]
    assert "Gewerbeflächenpool" in header  # a scenario's name is not broken inside a word
    plt.close(fig)
