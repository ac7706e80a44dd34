"""The scenario report: one self-contained HTML file a council can read, and the same figures as PNG.

``cityregions report <run-or-sweep-dir>`` writes ``<dir>/report/``: ``report.html`` (figures embedded), per
region ``trajectories_<region>.png``, ``differences_<region>.png`` and ``map_<region>.png``, and the numbers
behind them, ``scorecard.csv`` (one row per region x arm x metric), ``values.csv`` (one row per region x
arm x replicate) and ``winners.csv`` (one row per arm x region x municipality against the baseline; the figure
``winners_<region>.png``, and the maps of change, ``change_<region>.png`` for revenue and
``change_greenfield_<region>.png`` for greenfield); with futures, ``futures.parquet`` and ``futures.json``
(analysis.robustness). Every number in the report comes from those tables, which come from the dataset.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from cityregions.analysis import compare, robustness, scorecard, winners
from cityregions.config import ConfigError
from cityregions.reporting import labels, maps, plots, summary_pdf
from cityregions.reporting.labels import Labels, resolve_language
from cityregions.runs import results
from cityregions.world.facts import RegionFacts, load_region

OUT = "report"


class ReportInputError(ConfigError):
    """A baseline, date or region the dataset does not have; the message lists what it has."""


@dataclass
class Report:
    """What the report was made of and where it went."""

    out_dir: Path
    html: Path
    figures: list[Path]
    scorecard: pd.DataFrame
    values: pd.DataFrame
    summaries: dict[str, list[str]] = field(default_factory=dict)


def default_baseline(arms: list[str]) -> str:
    """no_cooperation when it is there (the counterfactual), else the first arm."""
    return "no_cooperation" if "no_cooperation" in arms else arms[0]


def facts_of(region: str) -> RegionFacts | None:
    """The region's sourced facts, or None for a region without them (e.g. synthetic)."""
    try:
        return load_region(region)
    except (KeyError, ValueError):
        return None


def map_dates(q: pd.DataFrame, asked: list[str] | None) -> list[tuple[str, int]]:
    """(quarter, step) of the map panels: those asked for, else the ends of phases 2 and 3, 2020 Q4 and the
    horizon; a quarter outside the run is an error that lists the run's range."""
    steps = q.drop_duplicates("step").sort_values("step")
    by_label = dict(zip(steps["quarter"], steps["step"], strict=True))
    if asked:
        bad = [d for d in asked if d not in by_label]
        if bad:
            raise ReportInputError(f"dates={bad} not in the run; allowed: quarters {steps['quarter'].iloc[0]} to "
                             f"{steps['quarter'].iloc[-1]}, written like 2016Q4")
        return [(d, by_label[d]) for d in asked]
    wanted = [steps.loc[steps["phase"] == p, "quarter"].iloc[-1] for p in (2, 3) if (steps["phase"] == p).any()]
    wanted += [d for d in ("2020Q4",) if d in by_label] + [steps["quarter"].iloc[-1]]
    return [(d, by_label[d]) for d in dict.fromkeys(wanted)]


def scorecard_table(values: pd.DataFrame, baseline: str | None) -> pd.DataFrame:
    """One row per region x arm x metric: the mean, and against the baseline the paired difference, its
    interval and the verdict (the whole table is the baseline's own when there is none)."""
    if baseline is not None:
        table = compare.paired_differences(values, baseline)
    else:
        rows = []
        for (arm, region), g in values.groupby(["arm", "region"], sort=False):
            for m in scorecard.METRICS:
                rows.append({"arm": arm, "region": region, "metric": m.key, "n": len(g),
                             "mean": float(g[m.key].mean())})
        table = pd.DataFrame(rows)
    meta = pd.DataFrame([{"metric": m.key, "dimension": m.dimension, "unit": m.unit, "better": m.better,
                          "digits": m.digits} for m in scorecard.METRICS])
    return table.merge(meta, on="metric", how="left")


def targets(region: str, q: pd.DataFrame, L: Labels) -> dict[str, str]:
    """The scorecard's target column: the national ha/day target scaled to the region, the EU path."""
    out = {}
    facts = facts_of(region)
    nat = scorecard.national_target_ha_per_day(facts, scorecard.residents_at_start(q)) if facts else None
    if nat:
        target = L("target_national", country=L(f"country_{facts.country}"), unit=L.unit("ha/day"),
                   target=L.num(nat[2], 0 if nat[2] >= 10 else 1))
        out["greenfield_ha_per_day"] = f"≤ {L.num(nat[0], 3)} ({target})"
    allowed = scorecard.eu_path_allowed(q.sort_values("step"), scorecard.eu_net_zero_year())
    out["eu_path"] = f"≤ {L.num(allowed, 0)} % ({L('target_eu')})"
    return out


def summary_sentences(card: pd.DataFrame, region: str, baseline: str, horizon: str, n: int, crn: bool,
                      L: Labels, residents: float | None = None) -> list[str]:
    """The plain-language summary of one region, generated from the scorecard's numbers."""
    out = []
    facts = facts_of(region)
    nat = scorecard.national_target_ha_per_day(facts, residents) if facts else None
    c = card[card["region"] == region].set_index(["arm", "metric"])
    base = L.scenario(baseline)
    for arm in dict.fromkeys(card.loc[card["region"] == region, "arm"]):
        if arm == baseline:
            continue
        g = c.loc[(arm, "greenfield_ha")]
        ci = (g["rel_hi_pct"] - g["rel_lo_pct"]) / 2
        kind = {"better": "less", "worse": "more"}.get(g["verdict"], "same")
        pct = abs(g["rel_diff_pct"]) if kind != "same" else g["rel_diff_pct"]
        parts = [L(f"sum_greenfield_{kind}", region=L.region(region), scenario=L.scenario(arm),
                   pct=L.num(pct, 0), ci=L.num(ci, 0), horizon=horizon[:4], baseline=base)]
        rate = c.loc[(arm, "greenfield_ha_per_day"), "mean"]
        if nat:
            parts.append(L("sum_target_below" if rate <= nat[0] else "sum_target_above",
                           rate=L.num(rate, 2), target=L.num(nat[0], 2)))
        pt = c.loc[(arm, "pt_share")]
        parts.append(L("sum_pt", value=L.num(pt["mean"], 1), diff=L.num(pt["diff"], 1, sign=True), baseline=base))
        fi = c.loc[(arm, "fiscal_inequality")]
        parts.append(L("sum_fiscal", value=L.num(fi["mean"], 3), base=L.num(fi["baseline_mean"], 3),
                       baseline=base))
        parts.append(L("sum_members", members=L.num(c.loc[(arm, "members"), "mean"], 0),
                       inst=L.num(c.loc[(arm, "institutionalised"), "mean"], 1)))
        verdicts = c.loc[arm, "verdict"]
        better, worse = int((verdicts == "better").sum()), int((verdicts == "worse").sum())
        parts.append(L("sum_counts", n=len(verdicts), better=better, worse=worse, baseline=base) if better
                     else L("sum_none_better", baseline=base))
        out.append(" ".join(parts))
    out.append(L("sum_method" if crn else "sum_method_independent", n=n) if n > 1 else L("sum_single"))
    if n < scorecard.RECOMMENDED_PAIRS:
        out.append(L("sum_few_replicates", n=n, recommended=scorecard.RECOMMENDED_PAIRS))
    return out


def _cell(row: pd.Series, L: Labels) -> dict[str, str]:
    digits = int(row["digits"])
    cell = {"value": L.num(row["mean"], digits), "diff": "", "verdict": "", "robust": ""}
    if "diff" in row and row.get("verdict") not in (None, "baseline") and pd.notna(row.get("verdict")):
        cell["diff"] = L.difference(row["diff"], row["diff_lo"], row["diff_hi"], digits)
        cell["verdict"] = row["verdict"]
        cell["verdict_text"] = L(row["verdict"])
        if row.get("futures", 0) > 0:
            cell["robust"] = L("robust_cell", n=int(row["futures"]), better=L.num(100 * row["futures_better"], 0),
                               worse=L.num(100 * row["futures_worse"], 0))
    return cell


def robust_sentences(card: pd.DataFrame, region: str, arms: list[str], baseline: str, L: Labels) -> list[str]:
    """Per arm: in how many futures of the uncertain parameters it saves greenfield, leaves the councils more or
    less revenue, and keeps an agreement with members."""
    c = card[card["region"] == region].set_index(["arm", "metric"])
    out = []
    for arm in arms:
        g, f, m = (c.loc[(arm, k)] for k in ("greenfield_ha", "fiscal_capacity_eur_pc", "members"))
        if not g["futures"]:
            continue
        out.append(L("sum_robust", scenario=L.scenario(arm), n=int(g["futures"]),
                     green=L.num(100 * g["futures_better"], 0), fiscal=L.num(100 * f["futures_better"], 0),
                     fiscal_worse=L.num(100 * f["futures_worse"], 0), members=L.num(100 * m["futures_better"], 0),
                     baseline=L.scenario(baseline)))
    return out


WINNERS_SHOWN = 8  # largest losers and winners listed per scenario in the report (all are in winners.csv)


def compensation_sentences(table: pd.DataFrame, region: str, arms: list[str], baseline: str, horizon: str,
                           L: Labels) -> list[str]:
    """Per arm: who loses budget against the baseline and whether the winners could make them whole."""
    out = []
    for arm in arms:
        c = winners.compensation(table, arm, region)
        common = {"scenario": L.scenario(arm), "baseline": L.scenario(baseline)}
        if not c.losers:
            out.append(L("win_comp_none", **common))
            continue
        out.append(L("win_comp_feasible" if c.feasible else "win_comp_infeasible", **common, n=len(c.losers),
                     names=", ".join(c.losers[:3]), loss=L.num(c.loss_eur, 0), gain=L.num(c.gain_eur, 0),
                     horizon=horizon[:4]))
    return out


def period_sentences(table: pd.DataFrame, region: str, arms: list[str], baseline: str, horizon: str, rate: float,
                     L: Labels) -> list[str]:
    """Per arm: what the councils pay and gain over the whole run, as present values."""
    out = []
    for arm in arms:
        c = winners.period_costs(table, arm, region)
        out.append(L("sum_costs_period", scenario=L.scenario(arm), baseline=L.scenario(baseline),
                     horizon=horizon[:4], tc=L.num(c.transaction_costs, 0), contrib=L.num(c.contributions, 0),
                     gain=L.num(c.revenue_left_diff, 0, sign=True), rate=L.num(100 * rate, 1)))
    return out


def winners_rows(table: pd.DataFrame, L: Labels, top: int = WINNERS_SHOWN) -> list[dict[str, str]]:
    """The largest losers and winners of one arm in one region, as the report's table rows."""
    shown = winners.extremes(table, top)

    def diff(r: pd.Series, q: str, digits: int) -> str:
        return L.difference(r[f"{q}_diff"], r[f"{q}_lo"], r[f"{q}_hi"], digits)
    return [{"name": r["municipality"], "core": bool(r["is_core"]), "budget": diff(r, "budget_eur_pc", 0),
             "pv": diff(r, "budget_pv_eur_pc", 0), "greenfield": diff(r, "greenfield_ha", 1),
             "access": diff(r, "pt_access", 3), "tc": L.num(r["tc_pv_eur"], 0),
             "contrib": L.num(r["contributions_pv_eur"], 0),
             "member": f"{L.num(r['member_land'], 1)} / {L.num(r['member_transport'], 1)}"}
            for _, r in shown.iterrows()]


def discount_rate(run_dir: Path | None) -> float:
    """The discount rate of the run's present values (its configuration's, else the schema's default)."""
    from cityregions.config import FiscalParams
    from cityregions.runs.results import read_config
    if run_dir is not None and (Path(run_dir) / "config.yaml").is_file():
        try:
            return float(read_config(Path(run_dir) / "config.yaml").params.fiscal.discount_rate)
        except (OSError, ValueError, AttributeError):
            pass
    return FiscalParams().discount_rate


def write_figure(path: Path, fig: plots.plt.Figure) -> None:
    """Save a figure as PNG, atomically, and free it."""
    results.atomic_write(path, lambda p: plots.save(fig, p))


def embed_png(path: Path) -> str:
    """A PNG file as a data URI, so the HTML holds its figures itself."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def template(name: str) -> jinja2.Template:
    """One of the package's HTML templates, autoescaped; a missing value is an error, not a blank."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("cityregions.reporting", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)
    return env.get_template(name)


def make_report(source: str | Path, baseline: str | None = None, lang: str = "en", dates: list[str] | None = None,
                out_dir: str | Path | None = None, futures: int = 0) -> Report:
    """Write the report of a sweep, a collected dataset or one run; returns where and what it wrote. futures: run
    each scenario in that many futures of the uncertain parameters (analysis.robustness) and say in how many its
    verdicts hold; with 0, an ensemble the comparison already has is read."""
    ds = compare.load(source)
    arms = ds.arms
    if baseline is not None and baseline not in arms:
        raise ReportInputError(f"baseline={baseline!r} is not in {ds.source}; allowed: {', '.join(arms)}")
    if baseline is None and len(arms) > 1:
        baseline = default_baseline(arms)
    region0 = ds.regions[0]
    facts0 = facts_of(region0)
    L = Labels(resolve_language(lang, facts0.language if facts0 else None))
    out = Path(out_dir) if out_dir else ds.source / OUT
    out.mkdir(parents=True, exist_ok=True)
    values = compare.metric_table(ds, baseline)
    card = scorecard_table(values, baseline)
    ensemble = None
    if baseline is not None:
        ensemble = (robustness.run(ds, baseline, futures, out) if futures > 0 else robustness.read(out, baseline))
    if ensemble is not None:
        card = card.merge(robustness.verdicts(ensemble, baseline), on=["arm", "region", "metric"], how="left")
        card["futures"] = card["futures"].fillna(0).astype(int)
    names = {a: L.scenario(a) for a in arms}
    figures: list[Path] = []
    sections = []
    n = int(values.groupby(["arm", "region"]).size().min())
    crn = ds.common_random_numbers
    summaries = {}
    trajectories = compare.trajectories(ds, [c for c, *_ in plots.TRAJECTORY_PANELS])
    gains = winners.winners_table(ds, baseline) if baseline is not None else None
    others = [a for a in arms if a != baseline]
    for region in ds.regions:
        q = ds.quarterly[ds.quarterly["region"] == region]
        horizon = str(q.sort_values("step")["quarter"].iloc[-1])
        rate = discount_rate(ds.run_dir(arms[0], region))
        title = f"{L.region(region)}"
        phases = q.drop_duplicates("step")[["year", "phase"]]
        traj = trajectories[trajectories["region"] == region]
        figs = {}
        path = out / f"trajectories_{region}.png"
        write_figure(path, plots.trajectories_figure(traj, phases, arms, names, L, title))
        figs["trajectories"] = path
        graph = maps.road_network(ds.run_dir(arms[0], region), region)
        if baseline is not None:
            d = card[(card["region"] == region) & (card["arm"] != baseline)]
            path = out / f"differences_{region}.png"
            metrics = [(m.key, L.unit(m.unit)) for m in scorecard.METRICS]
            write_figure(path, plots.differences_figure(
                d, metrics, others, names, L, f"{title}: {L('fig_differences', baseline=names[baseline])}"))
            figs["differences"] = path
            mine = gains[gains["region"] == region]
            path = out / f"winners_{region}.png"
            write_figure(path, plots.winners_figure(mine, others, names, L,
                                                    f"{title}: {L('fig_winners', baseline=names[baseline])}"))
            figs["winners"] = path
            first = ds.municipalities[(ds.municipalities["region"] == region) & (ds.municipalities["arm"] == baseline)]
            first = first[first["replicate"] == first["replicate"].min()]
            for what, stem in (("budget", "change"), ("greenfield", "change_greenfield")):
                path = out / f"{stem}_{region}.png"
                write_figure(path, maps.change_map(first, mine, others, names, graph, L, title, what))
                figs[stem] = path
        when = map_dates(q, dates)
        munis = ds.municipalities[(ds.municipalities["region"] == region) & (ds.municipalities["arm"] == arms[0])]
        munis = munis[munis["replicate"] == munis["replicate"].min()]
        panels = [(f"{names[a]} – {L.quarter(d)}", compare.membership_at(ds, a, region, s))
                  for a in arms for d, s in when]
        path = out / f"map_{region}.png"
        write_figure(path, maps.membership_map(munis, panels, graph, L, title, ncol=len(when)))
        figs["map"] = path
        figures += figs.values()
        tgt = targets(region, q, L)
        rows = []
        c = card[card["region"] == region]
        for dim in scorecard.DIMENSIONS:
            for m in scorecard.METRICS:
                if m.dimension != dim:
                    continue
                cells = [_cell(c[(c["arm"] == a) & (c["metric"] == m.key)].iloc[0], L) for a in arms]
                better = {1: L("higher"), -1: L("lower"), 0: L("closer_to_1")}[m.better]
                rows.append({"dimension": L(f"dim_{dim}"), "label": L(f"m_{m.key}"), "unit": L.unit(m.unit),
                             "better": better, "target": tgt.get(m.key, ""), "cells": cells})
        summaries[region] = (summary_sentences(card, region, baseline, horizon, n, crn, L,
                                               scorecard.residents_at_start(q))
                             if baseline is not None else [])
        if ensemble is not None:
            summaries[region] += robust_sentences(card, region, others, baseline, L)
        losers = []
        if baseline is not None:
            summaries[region] += compensation_sentences(gains, region, others, baseline, horizon, L)
            summaries[region] += period_sentences(gains, region, others, baseline, horizon, rate, L)
            losers = [{"name": names[a], "rows": winners_rows(gains[(gains["region"] == region)
                                                                    & (gains["arm"] == a)], L)} for a in others]
        sections.append({"region": region, "title": title, "horizon": L.quarter(horizon), "year": horizon[:4],
                         "rows": rows,
                         "summary": summaries[region], "winners": losers,
                         "rate": L.num(100 * rate, 1), "shown": WINNERS_SHOWN,
                         "figures": {k: {"file": p.name, "src": embed_png(p)} for k, p in figs.items()}})
    ordered = ([baseline] if baseline is not None else []) + others
    pages = [{"region": s["region"], "title": f"{s['title']} · {s['horizon']}", "summary": s["summary"]}
             for s in sections]
    footer = f"{ds.source} · " + ", ".join(f"{k} {v}" for k, v in results.versions().items())
    results.atomic_write(out / "summary.pdf", lambda p: summary_pdf.write(p, pages, ordered, names, card, L, footer))
    card_out = card.drop(columns=["digits"])
    results.atomic_write(out / "scorecard.csv", lambda p: card_out.to_csv(p, index=False))
    results.atomic_write(out / "values.csv", lambda p: values.to_csv(p, index=False))
    if gains is not None:
        results.atomic_write(out / "winners.csv", lambda p: gains.to_csv(p, index=False))
    html = template("report.html").render(
        L=L, lang=L.lang, sections=sections, arms=[{"key": a, "name": names[a], "baseline": a == baseline}
                                                    for a in arms],
        baseline=names.get(baseline, ""), source=str(ds.source), n=n, crn=crn,
        verdict_rule=L("verdict_rule", min=scorecard.MIN_PAIRS, pct=L.num(100 * scorecard.PRACTICAL_SHARE, 0)),
        robust_rule=(L("robust_rule", k=len(robustness.UNCERTAIN), pct=L.num(100 * scorecard.PRACTICAL_SHARE, 0))
                     if ensemble is not None else ""),
        glossary=labels.glossary(L.lang), versions=results.versions())
    path = out / "report.html"
    results.atomic_write(path, lambda p: p.write_text(html, encoding="utf-8"))
    return Report(out, path, figures, card_out, values, summaries)
