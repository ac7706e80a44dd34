"""The command registry: every `cityregions <command>`, its arguments and its help, declared once.

Each command is a module of this package with `main(args: Args) -> int`, imported only when the command runs.
`cityregions --help` lists the commands; `cityregions <command> --help` explains one. A bare
`cityregions key=value ...` is `run`: one Hydra run (or a sweep with `--multirun`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from cityregions.app.args import Option
from cityregions.config import COUNTRIES, REGIONS, SCENARIOS
from cityregions.reporting.labels import LANGUAGES


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, what it is for, how it is called and what it takes."""

    name: str
    summary: str
    usage: str
    options: tuple[Option, ...] = ()
    dirs: tuple[int, int] = (0, 0)  # how many directories it takes, at least and at most
    overrides: bool = False  # whether other key=value are Hydra overrides passed on to its runs
    passthrough: bool = False  # its arguments go unparsed to the program it starts (run: Hydra; app: Solara)
    needs: tuple[str, ...] = ()  # optional libraries (the analysis extra)

    @property
    def module(self) -> str:
        """The module that carries out the command."""
        return f"cityregions.app.commands.{self.name}"


def _scenarios(default: object = SCENARIOS) -> Option:
    return Option("scenarios", "the scenarios to compare", "names", list(default), choices=SCENARIOS)


_BASELINE = Option("baseline", "the scenario the others are measured against (default: no_cooperation if run, "
                               "else the first)", choices=SCENARIOS)
_LANG = Option("lang", "the report's language, or local: the region's", default="en", choices=(*LANGUAGES, "local"))
_DATES = Option("dates", "the quarters the report tabulates, e.g. [2014Q4,2030Q4] (default: end of project and "
                         "horizon)", "names")
_FUTURES = Option("futures", "futures of the uncertain parameters each verdict is tested in (0: none; an ensemble "
                             "the report already has is read)", "int", 0, lo=0, hi=100_000)
_SEEDS = Option("seeds", "replicates per scenario (common random numbers)", "int", 10, lo=1, hi=10_000)


def _out(default: str) -> Option:
    return Option("out", f"where to write (default: {default})", "raw")


COMMANDS: tuple[Command, ...] = (
    Command("run", "run one scenario for a region, or sweep with --multirun (Hydra)",
            "cityregions [run] [key=value ...] [--multirun]", passthrough=True),
    Command("compare", "run scenarios as paired replicates and write the scorecard and report",
            "cityregions compare region=R [scenarios=[..]] [seeds=N] [futures=N] [baseline=S] [lang=L] [key=value ...]"
            "\n       cityregions compare <sweep-dir> [futures=N] [baseline=S] [lang=L]",
            (_scenarios(), _SEEDS, dataclasses.replace(_FUTURES, default=100), _BASELINE, _LANG, _DATES,
             _out("multirun/compare/<region>")),
            dirs=(0, 1), overrides=True),
    Command("report", "the HTML report of a finished run, sweep or dataset",
            "cityregions report <run-or-sweep-dir> [futures=N] [baseline=S] [lang=L] [dates=[..]] [out=DIR]",
            (_FUTURES, _BASELINE, _LANG, _DATES, _out("<dir>/report")), dirs=(1, 1)),
    Command("brief", "one municipality's page: what each scenario means for its budget, land and commuters",
            'cityregions brief region=R municipality="NAME" [scenarios=[..]] [seeds=N] [key=value ...]\n'
            '       cityregions brief <sweep-dir> municipality="NAME"',
            (Option("municipality", "the municipality, by its name in the region", "raw"), _scenarios(), _SEEDS,
             _BASELINE, _LANG, _out("multirun/compare/<region>")), dirs=(0, 1), overrides=True),
    Command("validate", "observed patterns of the five regions against the historical scenario",
            "cityregions validate [regions=[..]] [seeds=N] [out=DIR] [key=value ...]",
            (Option("regions", "the regions (default: all five)", "names", list(REGIONS), choices=(*REGIONS, "all")),
             Option("seeds", "replicates per region (20: how often a region ratifies is a frequency)", "int", 20,
                    lo=1, hi=10_000),
             Option("out", "where to write validation.csv and VALIDATION.md", "raw", "outputs/validation")),
            overrides=True),
    Command("calibrate", "fit the free parameters to a region's calibration patterns (Optuna TPE)",
            "cityregions calibrate region=R [trials=40] [seeds=2] [sampler_seed=0] [out=DIR] [key=value ...]",
            (Option("region", "the region to fit", choices=REGIONS),
             Option("trials", "trials of the search", "int", 40, lo=1),
             Option("seeds", "replicates per trial", "int", 2, lo=1),
             Option("sampler_seed", "the sampler's seed", "int", 0, lo=0), _out("outputs/calibration/<region>")),
            overrides=True, needs=("optuna",)),
    Command("sensitivity", "Morris or Sobol' indices of a sensitivity sweep (SALib)",
            "cityregions sensitivity <sweep-dir> [out=DIR]", (_out("<sweep-dir>/sensitivity"),), dirs=(1, 1)),
    Command("discover", "scenario discovery: under which conditions an outcome happens (PRIM, EMA Workbench)",
            "cityregions discover <sweep-dir> outcome='<indicator><op><number>' [at=YYYYQn] [density=0.8] [out=DIR]",
            (Option("outcome", "the condition, e.g. 'institutionalised==0' (parsed, never evaluated)", "raw"),
             Option("at", "the quarter (default: each run's last)", "raw"),
             Option("density", "the least density of the chosen box (0 < density <= 1)", "float", 0.8, lo=0, hi=1),
             _out("<sweep-dir>/discovery")), dirs=(1, 1), needs=("ema_workbench",)),
    Command("search", "policy search: levers no other setting beats on land, fairness and cost (Optuna NSGA-II)",
            "cityregions search region=R [trials=120] [levers=a,b] [sampler_seed=0] [out=DIR] [key=value ...]",
            (Option("trials", "trials of the search", "int", 120, lo=2),
             Option("levers", "the levers searched (default: all five)", "names"),
             Option("sampler_seed", "the sampler's seed", "int", 0, lo=0), _out("multirun/search/<region>")),
            overrides=True, needs=("optuna",)),
    Command("status", "which jobs of a sweep are done, failed, incomplete or missing",
            "cityregions status <sweep-dir>", dirs=(1, 1)),
    Command("collect", "gather a sweep's jobs into one dataset (Parquet), reporting those not done",
            "cityregions collect <sweep-dir> [out=DIR]", (_out("<sweep-dir>/dataset"),), dirs=(1, 1)),
    Command("rerun", "run a finished run again from its saved configuration; say whether it is identical",
            "cityregions rerun <run-dir>", dirs=(1, 1)),
    Command("fuas", "list the functional urban areas of DE, AT, PL, CZ and IT that region=fua can run",
            "cityregions fuas [country=DE|AT|PL|CZ|IT]",
            (Option("country", "only this country's", choices=COUNTRIES),)),
    Command("country", "what cooperation saves in every functional urban area: a collected country-study sweep",
            "cityregions country <sweep-dir> [scenario=integrated] [baseline=no_cooperation] [out=DIR]",
            (Option("scenario", "the scenario whose saving is shown", default="integrated", choices=SCENARIOS),
             Option("baseline", "the scenario it is measured against", default="no_cooperation", choices=SCENARIOS),
             _out("<sweep-dir>/country")), dirs=(1, 1)),
    Command("app", "serve the classroom page (Solara); options go to `solara run`",
            "cityregions app [--port N] [--host H]", passthrough=True),
)
BY_NAME = {c.name: c for c in COMMANDS}


def overview() -> str:
    """What `cityregions --help` prints: every command with its one-line summary."""
    width = max(len(c.name) for c in COMMANDS)
    lines = ["usage: cityregions <command> [args] | cityregions [key=value ...] [--multirun]", "", "commands:"]
    lines += [f"  {c.name:<{width}}  {c.summary}" for c in COMMANDS]
    lines += ["", "cityregions <command> --help explains one command."]
    return "\n".join(lines)


def describe(command: Command) -> str:
    """What `cityregions <command> --help` prints: usage, purpose and options with their defaults."""
    lines = [f"usage: {command.usage}", "", command.summary]
    if command.options:
        lines += ["", "options:"]
        width = max(len(o.key) for o in command.options) + 1
        for o in command.options:
            shown = f"[{','.join(o.default)}]" if isinstance(o.default, list) else o.default
            default = "" if shown is None else f" (default: {shown})"
            lines.append(f"  {o.key + '=':<{width}}  {o.help}{default}")
    if command.overrides:
        lines += ["", "Any other key=value is a Hydra override passed on to every run (e.g. seed=7)."]
    if command.needs:
        lines += ["", f"Needs {', '.join(command.needs)} (the analysis extra: pip install 'cityregions[analysis]')."]
    return "\n".join(lines)
