"""My municipality: one page for one municipality, what it gains and pays in each scenario and why it joined
or left each agreement (the payoff breakdown every decision rests on)."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cityregions.analysis import compare
from cityregions.config import ConfigError
from cityregions.reporting import labels, plots
from cityregions.reporting.decision_text import rule_words
from cityregions.reporting.labels import Labels, resolve_language
from cityregions.reporting.report import ReportInputError, default_baseline, embed_png, facts_of, template, write_figure
from cityregions.runs import results

OUT = "brief"
GAINS = (  # column of municipalities.parquet, label key, unit, digits
    ("population", "m_population", "residents", 0),
    ("jobs", "m_jobs", "jobs", 0),
    ("revenue_eur", "m_revenue_eur", "EUR/yr", 0),
    ("debt_service_eur", "m_debt_service_eur", "EUR/yr", 0),
    ("transaction_costs_eur", "m_transaction_costs_eur", "EUR/yr", 0),
    ("contributions_eur", "m_contributions_eur", "EUR/yr", 0),
    ("fiscal_capacity_eur", "m_fiscal_capacity_eur", "EUR/yr", 0),
    ("fiscal_capacity_eur_pc", "m_fiscal_capacity_eur_pc", "EUR/resident/yr", 1),
    ("transaction_costs_pv_eur", "m_transaction_costs_pv_eur", "EUR", 0),  # over the run, present values
    ("contributions_pv_eur", "m_contributions_pv_eur", "EUR", 0),
    ("fiscal_capacity_pv_eur", "m_fiscal_capacity_pv_eur", "EUR", 0),
    ("greenfield_taken_ha", "m_greenfield_taken_ha", "ha", 1),
    ("pt_access", "m_pt_access", "0-1", 3),
    ("member_land", "m_member_land", "share", 2),
    ("member_transport", "m_member_transport", "share", 2),
)
PAYOFF_COLUMNS = results.DECISION_COLUMNS
MAX_BARS = 24


class UnknownMunicipality(ConfigError):
    """A municipality name that is not in the region; the message lists the closest names."""


UNDECOMPOSED = str.maketrans({"ł": "l", "ß": "ss", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "ı": "i"})


def _ascii_slug(text: str) -> str:
    """The text in lower-case ASCII letters, digits and single underscores: accents dropped (NFKD), letters that
    do not decompose spelled out (UNDECOMPOSED: "ß" -> "ss", "ł" -> "l"), everything else an underscore."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(UNDECOMPOSED))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")


def file_stem(name: str) -> str:
    """A readable file name for a municipality, in ASCII letters, digits and underscores ("Halle (Saale)" ->
    halle_saale, "Říčany" -> ricany, "Gratwein-Straßengel" -> gratwein_strassengel). Names that read alike in
    ASCII ("Nová Ves", "Nova Ves") share it: file_stems tells the municipalities of a region apart."""
    return _ascii_slug(name) or "municipality"


def _name_hash(name: str, digits: int) -> str:
    """The first `digits` hex digits of the SHA-256 of the exact name (UTF-8)."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:digits]


def file_stems(names: list[str], codes: list[str]) -> dict[str, str]:
    """A distinct readable file name for every municipality of one region, by name (codes[i] is names[i]'s
    official code, "" if it has none; a name given twice keeps its first code).

    Each is the name's file_stem, so a council finds its own file by its name; only where two names of the region
    read alike in ASCII ("Nová Ves" and "Nova Ves") does each get its code after it (nova_ves_cz_a), and a name
    with no code, or whose code does not tell it apart either, a short hash of its exact name (nova_ves_260525).
    """
    if len(names) != len(codes):
        raise ValueError(f"file_stems: {len(names)} names but {len(codes)} codes; give one code per name")
    code_of: dict[str, str] = {}
    for n, c in zip(names, codes, strict=True):
        code_of.setdefault(n, _ascii_slug(c or ""))
    base = {n: file_stem(n) for n in code_of}
    shared = Counter(base.values())
    stems = {n: s for n, s in base.items() if shared[s] == 1}
    alike = [n for n in base if shared[base[n]] > 1]
    with_code = {n: f"{base[n]}_{code_of[n]}" for n in alike if code_of[n]}
    taken = Counter([*stems.values(), *with_code.values()])
    for n in alike:
        stem = with_code.get(n)
        if stem is None or taken[stem] > 1:
            stem = f"{base[n]}_{_name_hash(n, 6)}"
        stems[n] = stem
    clash = Counter(stems.values())
    for n in [n for n in alike if clash[stems[n]] > 1]:  # six hex digits alike, or alike a real name: all of them
        stems[n] = f"{base[n]}_{_name_hash(n, 64)}"
    return {n: stems[n] for n in code_of}


def find_municipality(name: str, names: list[str], region: str) -> str:
    """The municipality called `name` (case and spacing forgiven), or an error listing close matches."""
    norm = {re.sub(r"\s+", " ", n.strip().casefold()): n for n in names}
    key = re.sub(r"\s+", " ", name.strip().casefold())
    if key in norm:
        return norm[key]
    close = difflib.get_close_matches(key, list(norm), n=5, cutoff=0.5)
    hint = ("; close matches: " + ", ".join(repr(norm[c]) for c in close)) if close else \
        f"; its {len(names)} municipalities include: " + ", ".join(repr(n) for n in names[:5]) + ", ..."
    raise UnknownMunicipality(f"municipality={name!r} is not in region {region}{hint}")


@dataclass
class Brief:
    """Where the brief went and the numbers in it."""

    html: Path
    figure: Path
    gains: pd.DataFrame
    decisions: pd.DataFrame


def gains_table(munis: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """One row per arm x quantity: the municipality's mean at the horizon and the paired difference to the
    baseline (by replicate) with its 95 % interval."""
    cols = [col for col, *_ in GAINS if col in munis.columns]  # a dataset from before the run totals lacks them
    values = munis[["arm", "region", "replicate", *cols]].astype({c: float for c in cols})
    shares = {c: (0.0, 1.0) for c in ("member_land", "member_transport", "pt_access")}
    return compare.paired_differences(values, baseline, cols, shares).rename(columns={"metric": "quantity"})


def region_file_stems(m_all: pd.DataFrame) -> dict[str, str]:
    """file_stems of every municipality of a region's rows of municipalities.parquet (each name with its first
    code; a dataset written before codes were recorded has none, and names alike then take the hash)."""
    first = m_all.drop_duplicates("municipality")
    codes = first["code"] if "code" in first.columns else pd.Series("", index=first.index)
    return file_stems([str(n) for n in first["municipality"]], [c if isinstance(c, str) else "" for c in codes])


def make_brief(source: str | Path, municipality: str, baseline: str | None = None, lang: str = "en",
               region: str | None = None, out_dir: str | Path | None = None) -> Brief:
    """Write the brief of one municipality from a sweep, a dataset or a run; returns where and what."""
    ds = compare.load(source)
    region = region or ds.regions[0]
    if region not in ds.regions:
        raise ReportInputError(f"region={region!r} is not in {ds.source}; allowed: {', '.join(ds.regions)}")
    arms = ds.arms
    if baseline is not None and baseline not in arms:
        raise ReportInputError(f"baseline={baseline!r} is not in {ds.source}; allowed: {', '.join(arms)}")
    baseline = baseline or default_baseline(arms)
    m_all = ds.municipalities[ds.municipalities["region"] == region]
    name = find_municipality(municipality, list(dict.fromkeys(m_all["municipality"])), region)
    facts = facts_of(region)
    L = Labels(resolve_language(lang, facts.language if facts else None))
    munis = m_all[m_all["municipality"] == name]
    gains = gains_table(munis, baseline)
    dec = ds.decisions[(ds.decisions["region"] == region) & (ds.decisions["municipality"] == name)].copy()
    first = dec.groupby("arm")["replicate"].transform("min") if len(dec) else pd.Series(dtype=int)
    shown = dec[dec["replicate"] == first] if len(dec) else dec
    shown = shown.assign(arm_name=shown["arm"].map(L.scenario),
                         action_name=shown["action"].map(lambda a: L(f"act_{a}")),
                         theme_name=shown["theme"].map(lambda t: L(f"legend_{t}")),
                         quarter_name=shown["quarter"].map(L.quarter))
    out = Path(out_dir) if out_dir else ds.source / OUT
    slug = region_file_stems(m_all)[name]
    fig_path = out / f"{slug}_payoffs.png"
    bars = shown.head(MAX_BARS)
    title = L("title_brief", municipality=name, region=L.region(region))
    write_figure(fig_path, plots.payoffs_figure(bars, L, title))
    counts = dec.groupby(["arm", "action"]).size().unstack(fill_value=0) if len(dec) else pd.DataFrame()
    n_rep = munis.groupby("arm")["replicate"].nunique()
    sections = []
    for arm in arms:
        g = gains[gains["arm"] == arm].set_index("quantity")
        rows = []
        for col, key, unit, digits in (row for row in GAINS if row[0] in g.index):
            r = g.loc[col]
            diff = ""
            if arm != baseline and np.isfinite(r["diff"]):
                diff = L.difference(r["diff"], r["diff_lo"], r["diff_hi"], digits)
            rows.append({"label": L(key), "unit": L.unit(unit), "value": L.num(r["mean"], digits), "diff": diff})
        d = shown[shown["arm"] == arm]
        tally = counts.loc[arm].to_dict() if arm in counts.index else {}
        sections.append({"name": L.scenario(arm), "baseline": arm == baseline, "rows": rows,
                         "n": int(n_rep.get(arm, 0)),
                         "tally": ", ".join(f"{L(f'act_{a}')}: {int(k)}" for a, k in tally.items() if k),
                         "decisions": [
                             {"quarter": r["quarter_name"], "theme": r["theme_name"], "action": r["action_name"],
                              "rule": rule_words(r["rule"], L) if isinstance(r.get("rule"), str) else "",
                              **{c: L.num(float(r[c]), 2 if c in ("trust", "key") else 0) for c in PAYOFF_COLUMNS}}
                             for _, r in d.iterrows()]})
    html = template("brief.html").render(
        L=L, lang=L.lang, title=title, sections=sections, columns=PAYOFF_COLUMNS,
        figure={"file": fig_path.name, "src": embed_png(fig_path)}, more=max(len(shown) - MAX_BARS, 0),
        baseline=L.scenario(baseline), glossary=labels.glossary(L.lang), source=str(ds.source))
    path = out / f"{slug}.html"
    results.atomic_write(path, lambda p: p.write_text(html, encoding="utf-8"))
    return Brief(path, fig_path, gains, shown.drop(columns=["arm_name", "action_name", "theme_name", "quarter_name"]))
