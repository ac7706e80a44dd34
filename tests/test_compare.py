"""Scenario comparison for regional managers: paired differences, the scorecard, the report and the brief.

One small comparison (Leipzig, no cooperation vs integrated, 3 replicates) is run once through the command a
manager types, and the report's numbers are checked against the dataset it came from.
"""

from __future__ import annotations

import base64
import html.parser
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cityregions.analysis import compare, scorecard
from cityregions.reporting import brief, labels, report
from cityregions.world.facts import load_region

SEEDS = 3


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run `python -m cityregions ...` with a timeout, capturing its output."""
    return subprocess.run([sys.executable, "-m", "cityregions", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd)


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    """The comparison as a manager runs it, and the integrated scenario once more in a separate sweep; without
    the core city's veto, so that the agreements pass in every replicate and the difference is clear in three."""
    root = tmp_path_factory.mktemp("compare")
    done = cli("compare", "region=leipzig", "scenarios=[no_cooperation,integrated]", f"seeds={SEEDS}",
               "scenario.core_veto=false", "futures=4", "out=cmp", cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    again = cli("compare", "region=leipzig", "scenarios=[integrated]", f"seeds={SEEDS}", "scenario.core_veto=false",
                "futures=0", "out=again", cwd=root)
    assert again.returncode == 0, again.stderr[-3000:]
    return {"cmp": root / "cmp", "again": root / "again", "root": root, "stdout": done.stdout}


# ------------------------------------------------------------------------------------------ paired differences
def test_a_scenario_compared_with_itself_differs_by_exactly_zero(sweeps):
    """Two separate sweeps of the same scenario, paired by replicate under common random numbers."""
    first = compare.metric_table(compare.load(sweeps["cmp"]))
    second = compare.metric_table(compare.load(sweeps["again"])).assign(arm="integrated (again)")
    d = compare.paired_differences(pd.concat([first, second]), baseline="integrated")
    same = d[d["arm"] == "integrated (again)"]
    assert len(same) == len(scorecard.METRICS) and (same["n"] == SEEDS).all()
    assert (same["diff"] == 0.0).all() and (same["diff_lo"] == 0.0).all() and (same["diff_hi"] == 0.0).all()
    assert (same["verdict"] == "unclear").all()
    other = d[(d["arm"] == "no_cooperation") & (d["metric"] == "greenfield_ha")].iloc[0]
    assert other["diff"] > 0 and other["diff_lo"] > 0 and other["verdict"] == "worse"


def test_the_sweep_used_common_random_numbers(sweeps):
    ds = compare.load(sweeps["cmp"])
    assert ds.common_random_numbers
    assert ds.arms == ["no_cooperation", "integrated"]
    seeds = ds.quarterly.groupby(["arm", "replicate"])["region_seed"].first().unstack("arm")
    assert (seeds["no_cooperation"] == seeds["integrated"]).all() and seeds["integrated"].nunique() == SEEDS


def test_the_interval_is_students_t_over_the_pairs():
    d = np.array([1.0, 2.0, 4.0])
    mean, lo, hi = compare.interval(d)
    half = 4.302652729911275 * d.std(ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert mean == pytest.approx(7 / 3) and lo == pytest.approx(mean - half) and hi == pytest.approx(mean + half)
    assert np.isnan(compare.interval(np.array([1.0]))[1])


@pytest.mark.parametrize(("diff", "lo", "hi", "better", "base", "verdict"), [
    (-5.0, -6.0, -4.0, scorecard.LOWER, 100.0, "better"),
    (5.0, 4.0, 6.0, scorecard.LOWER, 100.0, "worse"),
    (5.0, -1.0, 11.0, scorecard.HIGHER, 100.0, "unclear"),
    (-0.2, -0.3, -0.1, scorecard.NEAR_ONE, 1.4, "better"),   # a ratio moving towards 1
    (-1.0, -1.1, -0.9, scorecard.NEAR_ONE, 1.4, "worse"),    # overshooting to 0.4 is further from 1
])
def test_the_verdict_follows_the_direction_in_which_a_metric_is_better(diff, lo, hi, better, base, verdict):
    assert scorecard.judge(diff, lo, hi, better, base) == verdict


def test_a_verdict_needs_enough_replicates_and_a_difference_beyond_the_practical_threshold():
    assert scorecard.judge(3e-9, 1e-9, 5e-9, scorecard.LOWER, 12_000.0) == "unclear"  # 3e-9 ha of 12,000 ha
    assert scorecard.judge(100.0, 90.0, 110.0, scorecard.LOWER, 12_000.0) == "unclear"  # within 1 % (120 ha)
    assert scorecard.judge(200.0, 130.0, 270.0, scorecard.LOWER, 12_000.0) == "worse"  # beyond it
    assert scorecard.judge(200.0, 130.0, 270.0, scorecard.LOWER, 12_000.0, n=2) == "unclear"  # two replicates
    assert scorecard.judge(200.0, 130.0, 270.0, scorecard.LOWER, 12_000.0, n=scorecard.MIN_PAIRS) == "worse"


def test_the_intervals_of_shares_stay_inside_what_a_share_can_be():
    values = pd.DataFrame({"arm": ["base"] * 3 + ["pact"] * 3, "region": "r", "replicate": [0, 1, 2] * 2,
                           "member_land": [0.0, 0.0, 0.0, 1.0, 0.0, 1.0]})
    d = compare.paired_differences(values, "base", ["member_land"], {"member_land": (0.0, 1.0)})
    row = d[d["arm"] == "pact"].iloc[0]
    free = compare.interval(np.array([1.0, 0.0, 1.0]))
    assert free[1] < 0 and free[2] > 1  # Student's t alone: from -0.77 to +2.1
    assert (row["diff_lo"], row["diff_hi"]) == (0.0, 1.0)  # a share of 0 to 1 against a baseline of 0
    assert "jobs" not in scorecard.BY_KEY  # the region's jobs grow with its population, an input: no line


def test_every_scenario_is_measured_against_the_baselines_early_land_take(sweeps):
    ds = compare.load(sweeps["cmp"])
    own = compare.metric_table(ds).set_index(["arm", "replicate"])["eu_path"]
    shared = compare.metric_table(ds, "no_cooperation").set_index(["arm", "replicate"])["eu_path"]
    q = ds.quarterly.sort_values("step")
    for rep in range(SEEDS):
        base = q[(q["arm"] == "no_cooperation") & (q["replicate"] == rep)]["greenfield_take_ha"].to_numpy()
        arm = q[(q["arm"] == "integrated") & (q["replicate"] == rep)]["greenfield_take_ha"].to_numpy()
        assert shared[("integrated", rep)] == pytest.approx(100 * arm[-4:].sum() / (base[:12].sum() / 3))
        assert shared[("no_cooperation", rep)] == pytest.approx(own[("no_cooperation", rep)])


# ------------------------------------------------------------------------------------------ the report
def test_the_reports_numbers_equal_those_computed_from_the_dataset(sweeps):
    q = pd.read_parquet(sweeps["cmp"] / "dataset" / "quarterly.parquet")
    green = q.groupby(["scenario", "replicate"])["greenfield_take_ha"].sum().unstack("scenario")
    values = pd.read_csv(sweeps["cmp"] / "report" / "values.csv")
    mine = values.pivot(index="replicate", columns="arm", values="greenfield_ha")
    pd.testing.assert_frame_equal(mine[green.columns], green, check_names=False, rtol=1e-12)
    card = pd.read_csv(sweeps["cmp"] / "report" / "scorecard.csv")
    row = card[(card["arm"] == "integrated") & (card["metric"] == "greenfield_ha")].iloc[0]
    diff = green["integrated"] - green["no_cooperation"]
    assert row["mean"] == pytest.approx(green["integrated"].mean(), rel=1e-12)
    assert row["diff"] == pytest.approx(diff.mean(), rel=1e-12)
    pct = 100 * diff.mean() / green["no_cooperation"].mean()
    text = (sweeps["cmp"] / "report" / "report.html").read_text(encoding="utf-8")
    assert f"takes {abs(pct):.0f} % less greenfield land by 2030" in text
    last = q[q["step"] == q["step"].max()]
    pt = last[last["scenario"] == "integrated"]["pt_share"].mean() * 100
    assert card[(card["arm"] == "integrated") & (card["metric"] == "pt_share")]["mean"].iloc[0] == pytest.approx(pt)
    assert "scorecard" in sweeps["stdout"] or "greenfield_ha" in sweeps["stdout"]


class _Refs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "img":
            self.srcs.append(a["src"])


def test_every_figure_the_report_references_exists_and_is_embedded(sweeps):
    out = sweeps["cmp"] / "report"
    refs = _Refs()
    refs.feed((out / "report.html").read_text(encoding="utf-8"))
    assert sorted(refs.hrefs) == ["change_greenfield_leipzig.png", "change_leipzig.png", "differences_leipzig.png",
                                  "map_leipzig.png", "trajectories_leipzig.png", "winners_leipzig.png"]
    for href, src in zip(refs.hrefs, refs.srcs, strict=True):
        data = (out / href).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000
        assert src == "data:image/png;base64," + base64.b64encode(data).decode()  # self-contained: the same figure


def test_the_map_reads_membership_at_each_date_from_the_change_log(sweeps):
    ds = compare.load(sweeps["cmp"])
    end = int(ds.quarterly["step"].max())
    at_end = compare.membership_at(ds, "integrated", "leipzig", end).set_index("municipality")
    m = ds.municipalities[(ds.municipalities["arm"] == "integrated") & (ds.municipalities["replicate"] == 0)]
    m = m.set_index("municipality")
    assert (at_end["land"] == m["member_land"]).all() and (at_end["transport"] == m["member_transport"]).all()
    assert not compare.membership_at(ds, "integrated", "leipzig", 0)[["land", "transport"]].any().any()
    assert not compare.membership_at(ds, "no_cooperation", "leipzig", end)[["land", "transport"]].any().any()


def test_the_report_speaks_the_regions_language(sweeps, tmp_path):
    rep = report.make_report(sweeps["cmp"], lang="local", out_dir=tmp_path)
    text = rep.html.read_text(encoding="utf-8")
    assert load_region("leipzig").language == "de" and 'lang="de"' in text
    assert "Neuinanspruchnahme von Freiflächen" in text and "Bewertungsübersicht" in " ".join(rep.summaries["leipzig"])
    card = rep.scorecard
    green = card[(card["arm"] == "integrated") & (card["metric"] == "greenfield_ha")].iloc[0]
    assert labels.Labels("de").num(green["mean"], 0) in text  # decimal comma, thousands point
    # every word in German: units, targets, quarters, the glossary; no English unit or country left
    assert "ha/Tag" in text and "EUR/Einw./Jahr" in text and "Deutschland: 30 ha/Tag" in text
    assert "Bewertungsübersicht (4. Quartal 2030)" in text and "Glossar" in text and "Verkehrsverbund" in text
    for english in ("ha/day", "EUR/resident/yr", "municipalities", "agreements", "Germany", "2030Q4", "phase 1"):
        assert english not in text, english


def test_a_single_run_gets_a_report_without_a_baseline(tmp_path):
    done = cli("region=graz", "scenario=city_regions", "timeline.horizon=2016Q4", "plot=false", "progress=false",
               f"output_dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    rep = report.make_report(tmp_path / "run")
    assert [p.name for p in rep.figures] == ["trajectories_graz.png", "map_graz.png"]
    assert "diff" not in rep.scorecard.columns and rep.summaries == {"graz": []}


def test_national_targets_are_scaled_to_the_regions_residents():
    leipzig = load_region("leipzig")
    target, what, national = scorecard.national_target_ha_per_day(leipzig)
    assert target == pytest.approx(30 * leipzig.fua_population / 83_155_031) and what.startswith("Germany")
    assert national == 30.0
    # scaled by the modelled region's own residents when a run gives them: 30 x 1,000,000 / 83,155,031 = 0.3608
    assert scorecard.national_target_ha_per_day(leipzig, 1_000_000)[0] == pytest.approx(0.3608, abs=1e-4)
    q = pd.DataFrame({"step": [0, 0, 1], "population": [1_000.0, 1_002.0, 5_000.0]})
    assert scorecard.residents_at_start(q) == 1_001.0  # the first quarter, averaged over the runs
    assert scorecard.national_target_ha_per_day(load_region("turin")) is None  # Italy: only the EU's 2050 goal


# ------------------------------------------------------------------------------------------ my municipality
def test_the_brief_shows_gains_and_the_payoff_breakdown_of_each_decision(sweeps, tmp_path):
    b = brief.make_brief(sweeps["cmp"], "MARKRANSTÄDT", out_dir=tmp_path)  # a real suburb, found whatever the case
    german = brief.make_brief(sweeps["cmp"], "Markranstädt", lang="de", out_dir=tmp_path / "de").html.read_text(
        encoding="utf-8")
    assert "EUR/Jahr" in german and "Quartal" in german and "Gemeinderat hat zugestimmt" in german
    for english in ("EUR/yr", "residents", ">quarter<", ">theme<", "(perceived)", "voted", "suburban"):
        assert english not in german, english
    assert b.html.name == f"{brief.file_stem('Markranstädt')}.html" == "markranstadt.html"  # no suffix: unique
    assert b.figure.name == "markranstadt_payoffs.png"
    assert b.figure.read_bytes().startswith(b"\x89PNG")
    d = pd.read_parquet(sweeps["cmp"] / "dataset" / "decisions.parquet")
    mine = d[(d["municipality"] == "Markranstädt") & (d["replicate"] == 0)]
    assert len(mine) == len(b.decisions) and set(mine["scenario"]) <= {"integrated"}
    text = b.html.read_text(encoding="utf-8")
    for value in mine["benefit"]:
        assert labels.Labels().num(float(value), 0) in text
    m = pd.read_parquet(sweeps["cmp"] / "dataset" / "municipalities.parquet")
    m = m[m["municipality"] == "Markranstädt"]
    by = m.groupby("scenario")["fiscal_capacity_eur"].mean()
    g = b.gains.set_index(["arm", "quantity"])
    assert g.loc[("integrated", "fiscal_capacity_eur"), "mean"] == pytest.approx(by["integrated"])
    assert g.loc[("integrated", "fiscal_capacity_eur"), "diff"] == pytest.approx(
        by["integrated"] - by["no_cooperation"])


def test_an_unknown_municipality_lists_close_matches(sweeps):
    done = cli("brief", str(sweeps["cmp"]), "municipality=Markleeberg", cwd=sweeps["root"])
    assert done.returncode == 2
    assert "municipality='Markleeberg' is not in region leipzig; close matches:" in done.stderr
    assert "'Markkleeberg'" in done.stderr and "Traceback" not in done.stderr
    named = cli("brief", str(sweeps["cmp"]), "municipality=Halle (Saale)", cwd=sweeps["root"])  # not Hydra grammar
    assert named.returncode == 0 and (sweeps["cmp"] / "brief" / "halle_saale.html").is_file(), named.stderr
    with pytest.raises(brief.UnknownMunicipality, match="close matches: 'Halle"):
        brief.find_municipality("Hale (Saale)", ["Leipzig", "Halle (Saale)", "Markkleeberg"], "leipzig")


# ------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(("args", "message"), [
    (("scenarios=[no_cooperation,utopia]",), "scenarios=['utopia'] not found; allowed: no_cooperation, city_regions"),
    (("seeds=0",), "seeds=0 must be a whole number from 1 to 10000"),
    (("lang=fr",), "lang='fr' is not allowed; allowed: en, de, pl, cs, it"),
    (("scenarios=[land_compact]", "baseline=integrated"), "baseline='integrated' is not among scenarios"),
])
def test_bad_compare_input_is_refused_before_anything_runs(tmp_path, args, message):
    done = cli("compare", "region=graz", "out=here", "futures=0", *args, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tmp_path / "here").exists()


def test_a_report_of_a_date_outside_the_run_names_the_range(sweeps):
    done = cli("report", str(sweeps["cmp"]), "dates=[2040Q1]", cwd=sweeps["root"])
    assert done.returncode == 2
    assert "dates=['2040Q1'] not in the run; allowed: quarters 2012Q3 to 2030Q4" in done.stderr


# ------------------------------------------------------------------------------------------ labels
def test_every_label_exists_in_every_language_with_the_same_placeholders():
    for key, texts in labels.table().items():
        wanted = labels.placeholders(texts["en"])
        for lang in labels.LANGUAGES:
            assert texts[lang].strip(), (key, lang)
            assert labels.placeholders(texts[lang]) == wanted, (key, lang)
    for m in scorecard.METRICS:
        assert f"m_{m.key}" in labels.table()
