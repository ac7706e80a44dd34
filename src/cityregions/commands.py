"""The commands for regional managers: `cityregions compare`, `cityregions report` and `cityregions brief`; and
for researchers `cityregions validate`.

    cityregions compare region=turin scenarios=[no_cooperation,integrated] seeds=20 [baseline=..] [lang=..]
    cityregions report <run-or-sweep-dir> [baseline=..] [lang=de|pl|cs|it|local] [dates=[2014Q4,2030Q4]]
    cityregions brief region=leipzig municipality="Leipzig region 005" [scenarios=[..]] [seeds=..]
    cityregions brief <sweep-dir> municipality=..
    cityregions validate [regions=[leipzig,graz]] [seeds=5] [out=outputs/validation] [overrides..]

`compare` (and `brief` without a directory) runs the scenarios as one Hydra multirun with common random numbers
(replicate k of every scenario draws the same random numbers) into multirun/compare/<region>/ (resumable: run
again and finished jobs are skipped), collects it and writes the report. Its own keys are the ones above;
every other key=value is a Hydra override passed to every job (e.g. seed=7, timeline.horizon=2020Q4).
`validate` runs the historical scenario (`city_regions`) for each region (default: all five) and replicate in
this process and writes validation.csv and VALIDATION.md (observed patterns against simulated ones, calibration
and out-of-sample validation patterns apart; see validation.py) into `out`; other key=value are Hydra overrides
(e.g. timeline.horizon=2016Q4). Failing patterns are reported, not errors: it exits 0 once the report is written.
Bad input exits with status 2 and a message naming the key, the value and what is allowed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser

from cityregions.config import REGIONS
from cityregions.labels import LANGUAGES

ALL_SCENARIOS = ["no_cooperation", "city_regions", "land_compact", "transport_alliance", "integrated"]
OWN_KEYS = {"scenarios", "seeds", "baseline", "lang", "dates", "out", "municipality"}
RAW_KEYS = {"municipality", "out"}  # taken as written: a name like "Halle (Saale)" is not Hydra grammar
DEFAULT_SEEDS = 10
VALIDATE_KEYS = {"regions", "seeds", "out"}
VALIDATE_REFUSED = {"region": "choose regions with regions=[..] (default: all five)",
                    "scenario": "validate runs the historical scenario only; allowed: city_regions",
                    "replicate": "choose the number of replicates with seeds=N",
                    "output_dir": "choose the report's directory with out=DIR"}
DEFAULT_VALIDATE_SEEDS = 5
DEFAULT_VALIDATE_OUT = "outputs/validation"


class UsageError(ValueError):
    """Bad input on the command line (exit status 2)."""


def parse(args: list[str], own_keys: set[str] | None = None) -> tuple[list[Path], dict[str, object], list[str]]:
    """Split arguments into directories, this command's own keys (values parsed as Hydra parses them) and the
    Hydra overrides passed on to every job."""
    own_keys = OWN_KEYS if own_keys is None else own_keys
    dirs, own, rest = [], {}, []
    parser = OverridesParser.create()
    for a in args:
        if "=" not in a:
            dirs.append(Path(a))
            continue
        key = a.split("=", 1)[0].lstrip("+~")
        if key in RAW_KEYS:
            own[key] = a.split("=", 1)[1].strip().strip("'\"")
        elif key in own_keys:
            try:
                own[key] = parser.parse_override(a).value()
            except Exception as e:  # Hydra's grammar errors carry the reason in their message
                raise UsageError(f"{a}: {e}") from None
        else:
            rest.append(a)
    return dirs, own, rest


def _list(value: object, key: str) -> list[str]:
    if hasattr(value, "list"):  # Hydra reads a,b as a sweep
        value = ",".join(map(str, value.list))
    if isinstance(value, str) and "," not in value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise UsageError(f"{key}={value!r} must be a name or a list of names, e.g. {key}=[a,b]")


def scenarios_of(own: dict[str, object]) -> list[str]:
    """The scenarios asked for (default: all five), each checked against conf/scenario/."""
    from cityregions.cli import config_dir

    available = sorted(p.stem for p in (Path(config_dir()) / "scenario").glob("*.yaml"))
    return _checked(_list(own.get("scenarios", ALL_SCENARIOS), "scenarios"), "scenarios", available)


def _checked(names: list[str], key: str, allowed: list[str], also: str = "") -> list[str]:
    """The names of a list option, each allowed and none twice; else a UsageError naming the key."""
    bad = [n for n in names if n not in allowed]
    if bad:
        raise UsageError(f"{key}={bad} not found; allowed: {', '.join(allowed)}{also}")
    if len(set(names)) != len(names):
        raise UsageError(f"{key}={names} names a {key.removesuffix('s')} twice")
    return names


def seeds_of(own: dict[str, object]) -> int:
    """The number of replicates (at least 1; 2 or more for confidence intervals)."""
    n = own.get("seeds", DEFAULT_SEEDS)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10_000:
        raise UsageError(f"seeds={n!r} must be a whole number of replicates from 1 to 10000")
    return n


def lang_of(own: dict[str, object]) -> str:
    """The report's language (en by default; local = the region's)."""
    lang = str(own.get("lang", "en"))
    if lang not in (*LANGUAGES, "local"):
        raise UsageError(f"lang={lang!r} is not available; allowed: {', '.join(LANGUAGES)}, local (the region's)")
    return lang


def _region(rest: list[str]) -> str:
    regions = [a.split("=", 1)[1] for a in rest if a.split("=", 1)[0] == "region"]
    if len(regions) > 1 or (regions and "," in regions[0]):
        raise UsageError("compare runs one region (or region=all) at a time: region=" + ",".join(regions))
    return regions[0] if regions else "leipzig"


def run_sweep(own: dict[str, object], rest: list[str]) -> Path:
    """Run the comparison's sweep (one Hydra multirun, resumable) and return its directory."""
    scenarios, seeds, region = scenarios_of(own), seeds_of(own), _region(rest)
    baseline = own.get("baseline")
    if baseline is not None and baseline not in scenarios:
        raise UsageError(f"baseline={baseline!r} is not among scenarios={scenarios}")
    out = Path(str(own.get("out", f"multirun/compare/{region}")))
    overrides = [a for a in rest if not a.startswith("region=")]
    cmd = [sys.executable, "-m", "cityregions", "--multirun", f"region={region}", f"scenario={','.join(scenarios)}",
           f"replicate=range({seeds})", f"hydra.sweep.dir={out}", *overrides]
    print(f"cityregions compare: {len(scenarios)} scenarios x {seeds} replicates of {region} into {out}", flush=True)
    code = subprocess.run(cmd, check=False).returncode
    if code == 2:
        raise UsageError("the sweep refused its configuration (see the message above)")
    if code != 0:
        print(f"cityregions compare: some jobs failed (exit status {code}); comparing the complete ones",
              file=sys.stderr)
    return out


def compare_command(args: list[str]) -> int:
    """`cityregions compare ...`: run (or read) the sweep, print the scorecard, write the report."""
    from cityregions import report

    dirs, own, rest = parse(args)
    lang = lang_of(own)
    if dirs:
        if rest or len(dirs) > 1:
            raise UsageError("give either one sweep directory or overrides to run, not both")
        source = dirs[0]
    else:
        source = run_sweep(own, rest)
    rep = report.make_report(source, baseline=own.get("baseline"), lang=lang, dates=_dates(own))
    _print_scorecard(rep)
    print(f"\nreport: {rep.html}\nfigures: {', '.join(p.name for p in rep.figures)} in {rep.out_dir}")
    return 0


def report_command(args: list[str]) -> int:
    """`cityregions report <dir> ...`: the report of an existing run, sweep or dataset."""
    from cityregions import report

    dirs, own, rest = parse(args)
    if len(dirs) != 1 or rest:
        raise UsageError("usage: cityregions report <run-or-sweep-dir> [baseline=NAME] [lang=LANG] "
                         f"[dates=[2014Q4,2030Q4]] [out=DIR]; unexpected: {' '.join(map(str, dirs[1:] + rest))}")
    rep = report.make_report(dirs[0], baseline=own.get("baseline"), lang=lang_of(own), dates=_dates(own),
                             out_dir=own.get("out"))
    print("\n".join(p for ps in rep.summaries.values() for p in ps))
    print(f"\nreport: {rep.html}")
    return 0


def brief_command(args: list[str]) -> int:
    """`cityregions brief ...`: one municipality's page, from a sweep directory or a sweep run now."""
    from cityregions import brief

    dirs, own, rest = parse(args)
    name = own.get("municipality")
    if not isinstance(name, str) or not name:
        raise UsageError('municipality=NAME is required, e.g. municipality="Leipzig region 005"')
    lang = lang_of(own)
    if dirs:
        source = dirs[0]
    else:
        _check_name(name, rest)
        source = run_sweep(own, rest)
    b = brief.make_brief(source, name, baseline=own.get("baseline"), lang=lang)
    print(f"brief: {b.html}\nfigure: {b.figure}")
    return 0


def _dates(own: dict[str, object]) -> list[str] | None:
    return _list(own["dates"], "dates") if "dates" in own else None


def _check_name(name: str, rest: list[str]) -> None:
    """Refuse an unknown municipality before running anything (the names come from the region's geography)."""
    from cityregions.brief import find_municipality
    from cityregions.cli import load_config
    from cityregions.model import CityRegionModel

    region = _region(rest)
    if region == "all":
        raise UsageError("brief is for one municipality of one region: choose region=<name>")
    keep = [a for a in rest if not a.startswith(("hydra.", "replicate=", "region="))]
    cfg = load_config([f"region={region}", *keep])
    find_municipality(name, CityRegionModel(cfg, region=region).geo.names, region)


def _print_scorecard(rep) -> None:
    import pandas as pd

    card = rep.scorecard
    if "verdict" in card.columns:
        card = card[card["verdict"] != "baseline"]
    cols = [c for c in ("region", "arm", "dimension", "metric", "unit", "baseline_mean", "mean", "diff", "diff_lo",
                        "diff_hi", "verdict") if c in card.columns]
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.float_format", "{:.4g}".format):
        print(card[cols].to_string(index=False))
    for paragraphs in rep.summaries.values():
        print("\n" + "\n".join(paragraphs))


def regions_of(own: dict[str, object]) -> list[str]:
    """The regions asked for (default, or 'all': the five CITY REGIONS partnerships)."""
    names = _list(own.get("regions", list(REGIONS)), "regions")
    return _checked(list(REGIONS) if names == ["all"] else names, "regions", list(REGIONS), ", all")


def validate_command(args: list[str]) -> int:
    """`cityregions validate ...`: run the historical scenario per region and replicate, write the report."""
    from cityregions import __version__, validation, validation_report
    from cityregions.cli import load_config

    dirs, own, rest = parse(args, VALIDATE_KEYS)
    if dirs:
        raise UsageError(f"validate takes no directory: {' '.join(map(str, dirs))}; usage: cityregions validate "
                         "[regions=[..]] [seeds=N] [out=DIR] [overrides..]")
    for a in rest:
        key = a.split("=", 1)[0].lstrip("+~")
        if a != "scenario=city_regions" and (key in VALIDATE_REFUSED or key.startswith("hydra.")):
            raise UsageError(f"{a}: {VALIDATE_REFUSED.get(key, 'no Hydra settings: validate runs in this process')}")
    regions = regions_of(own)
    seeds = seeds_of({"seeds": own.get("seeds", DEFAULT_VALIDATE_SEEDS)})
    raw_out = str(own.get("out", DEFAULT_VALIDATE_OUT))
    out = Path(raw_out)
    if not raw_out.strip() or (out.exists() and not out.is_dir()):
        raise UsageError(f"out={raw_out!r} must name a directory (it is created if missing)")
    cfg = load_config([f"region={regions[0]}", "scenario=city_regions", *rest])  # bad overrides fail here, early
    print(f"cityregions validate: scenario city_regions, {seeds} replicate(s) of {', '.join(regions)}", flush=True)
    report = validation.run(regions, seeds, rest)
    meta = {"command": " ".join(["cityregions", "validate", *args]), "regions": regions, "seeds": seeds,
            "seed": cfg.seed, "horizon": cfg.timeline.horizon, "overrides": rest, "version": __version__}
    csv_path, md_path = validation_report.write(report, out, meta)
    print(validation_report.summary_table(report))
    bad = report[report["verdict"] != "pass"]
    for _, r in bad.iterrows():
        print(f"  {r['verdict']:>14}  {r['use']:<11} {r['region']:<8} {r['pattern']} {r['period']}: observed "
              f"{r['observed_in_region']}, simulated {r['simulated']}")
    print(f"\nreport: {md_path}\ntable: {csv_path}")
    return 0


COMMANDS = {"compare": compare_command, "report": report_command, "brief": brief_command,
            "validate": validate_command}


def main(argv: list[str]) -> int:
    """Dispatch `cityregions compare|report|brief|validate`; bad input -> status 2 with the reason."""
    from cityregions.brief import UnknownMunicipality
    from cityregions.config import ConfigError
    from cityregions.report import ReportInputError

    command, args = argv[0], argv[1:]
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        return 0
    try:
        return COMMANDS[command](args)
    except (UsageError, UnknownMunicipality, ReportInputError, ConfigError, FileNotFoundError) as e:
        print(f"cityregions {command}: {e}", file=sys.stderr)
        return 2
