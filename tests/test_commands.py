"""The command line: one registry of commands, one parser of their arguments, one form of error.

Every command is declared once (app/commands/__init__.py) with its options and help; `cityregions --help` lists
them and `cityregions <command> --help` explains one. Arguments are directories, the command's own key=value
options (typed and checked) and, for commands that run the model, Hydra overrides passed on to every run.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from cityregions.app import cli
from cityregions.app.args import Option, UsageError, parse
from cityregions.app.commands import BY_NAME, COMMANDS, describe
from cityregions.config import REGIONS, SCENARIOS, config_dir

EXPECTED = {"run", "compare", "report", "brief", "validate", "calibrate", "sensitivity", "discover", "search",
            "status", "collect", "rerun", "fuas", "country", "app"}
SEEDS = Option("seeds", "replicates", "int", 10, lo=1, hi=10_000)
NAMES = Option("scenarios", "scenarios", "names", ["a"], choices=("a", "b", "c"))
TOWN = Option("municipality", "a name", "raw")


# ------------------------------------------------------------------------------------------------ the registry
def test_the_registry_holds_every_command_once_each_with_a_module_that_runs_it():
    assert [c.name for c in COMMANDS] == list(BY_NAME) and set(BY_NAME) == EXPECTED
    for command in COMMANDS:
        assert callable(importlib.import_module(command.module).main), command.name


def test_help_lists_every_command_and_explains_each(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["cityregions", "--help"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    listing = capsys.readouterr().out
    assert done.value.code == 0
    assert all(f"  {name} " in listing for name in EXPECTED)
    for name in EXPECTED - {"run", "app"}:  # run and app show their program's help too (Hydra, Solara)
        monkeypatch.setattr(sys, "argv", ["cityregions", name, "--help"])
        with pytest.raises(SystemExit) as done:
            cli.main()
        text = capsys.readouterr().out
        assert done.value.code == 0 and text == describe(BY_NAME[name]) + "\n"
        assert text.startswith(f"usage: cityregions {name}")
        assert all(f"  {o.key}=" in text for o in BY_NAME[name].options)


def test_the_console_script_lists_the_commands():
    done = subprocess.run([sys.executable, "-m", "cityregions", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "rerun" in done.stdout and "discover" in done.stdout


def test_scenario_and_region_choices_are_the_schemas_and_every_scenario_has_its_config():
    assert BY_NAME["compare"].options[0].choices == SCENARIOS
    assert {p.stem for p in (Path(config_dir()) / "scenario").glob("*.yaml")} == set(SCENARIOS)
    assert {o.key: o for o in BY_NAME["calibrate"].options}["region"].choices == REGIONS


# ------------------------------------------------------------------------------------------------ the parser
def test_arguments_split_into_directories_options_and_overrides():
    args = parse(["sweep", "seeds=3", "scenarios=[b,a]", "seed=7", "+x.y=1"], [SEEDS, NAMES], overrides=True)
    assert args.dirs == [Path("sweep")]
    assert args.own == {"seeds": 3, "scenarios": ["b", "a"]}
    assert args.overrides == ["seed=7", "+x.y=1"]
    assert args.get("seeds") == 3 and args.given("scenarios")


def test_an_option_not_given_takes_its_declared_default():
    args = parse([], [SEEDS, NAMES])
    assert args.own == {} and args.get("seeds") == 10 and args.get("scenarios") == ["a"]
    assert not args.given("seeds")


def test_a_raw_option_is_taken_as_written_not_as_hydra_grammar():
    assert parse(["municipality=Halle (Saale)"], [TOWN]).get("municipality") == "Halle (Saale)"
    assert parse(["municipality='Markranstädt'"], [TOWN]).get("municipality") == "Markranstädt"


def test_hydra_lists_and_sweeps_of_names_both_read_as_lists():
    assert parse(["scenarios=a,c"], [NAMES]).get("scenarios") == ["a", "c"]
    assert parse(["scenarios=[a,c]"], [NAMES]).get("scenarios") == ["a", "c"]
    assert parse(["scenarios=b"], [NAMES]).get("scenarios") == ["b"]


@pytest.mark.parametrize(("arg", "message"), [
    ("seeds=0", "seeds=0 must be a whole number from 1 to 10000"),
    ("seeds=2.5", "seeds=2.5 must be a whole number from 1 to 10000"),
    ("seeds=true", "seeds=True must be a whole number from 1 to 10000"),
    ("seeds=10001", "seeds=10001 must be a whole number from 1 to 10000"),
    ("scenarios=[a,z]", "scenarios=['z'] not found; allowed: a, b, c"),
    ("scenarios=[a,a]", "scenarios=['a', 'a'] names a scenario twice"),
    ("seeds=[1", "seeds=[1: "),
    ("colour=red", "unknown key 'colour'; allowed: seeds, scenarios"),
])
def test_a_bad_argument_names_the_key_the_value_and_what_is_allowed(arg, message):
    with pytest.raises(UsageError) as e:
        parse([arg], [SEEDS, NAMES])
    assert str(e.value).startswith(message)


def test_a_choice_outside_its_list_is_refused():
    lang = Option("lang", "language", default="en", choices=("en", "de"))
    assert parse(["lang=de"], [lang]).get("lang") == "de"
    with pytest.raises(UsageError, match=r"^lang='fr' is not allowed; allowed: en, de$"):
        parse(["lang=fr"], [lang])


def test_an_unknown_kind_of_option_is_a_programming_error():
    with pytest.raises(ValueError, match="kind='date'"):
        Option("at", "a quarter", "date")


# ------------------------------------------------------------------------------------------------ dispatch
def test_a_command_given_the_wrong_number_of_directories_says_its_usage(capsys):
    assert cli.invoke(BY_NAME["report"], []) == 2
    err = capsys.readouterr().err
    assert err.startswith("cityregions report: takes one directory (got: none); usage: cityregions report <run")
    assert cli.invoke(BY_NAME["status"], ["a", "b"]) == 2
    assert "takes one directory (got: a b)" in capsys.readouterr().err


def test_collect_takes_out_as_a_key_and_as_the_flag_it_had(tmp_path, capsys):
    for args in (["out=x"], ["--out", "x"]):
        assert cli.invoke(BY_NAME["collect"], [str(tmp_path / "missing"), *args]) == 2
        assert f"no sweep directory {tmp_path / 'missing'}" in capsys.readouterr().err


def test_an_unknown_key_of_a_command_that_runs_nothing_is_refused(capsys):
    assert cli.invoke(BY_NAME["sensitivity"], ["somewhere", "seeds=3"]) == 2
    assert capsys.readouterr().err == "cityregions sensitivity: unknown key 'seeds'; allowed: out\n"


def test_a_sweep_jobs_directory_named_by_its_overrides_is_a_directory_not_a_key(tmp_path):
    job = tmp_path / "region=graz,replicate=1"
    job.mkdir()
    assert parse([str(job), "out=x"], [Option("out", "where", "raw")]).dirs == [job]
    assert parse(["multirun/s/region=graz,replicate=1"]).dirs == [Path("multirun/s/region=graz,replicate=1")]
    with pytest.raises(UsageError, match="unknown key 'region'"):
        parse(["region=graz"])  # in the working directory, with no such directory: a key


def test_fuas_lists_a_countrys_runnable_areas_largest_first(capsys):
    assert cli.invoke(BY_NAME["fuas"], ["country=AT"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("AT001L4   Wien") and lines[2].startswith("AT002L4   Graz")  # by population
    assert lines[-1].startswith("6 functional urban areas of two or more municipalities (0 of one left out")
    assert cli.invoke(BY_NAME["fuas"], ["country=DE"]) == 0
    text = capsys.readouterr().out
    assert "85 functional urban areas" in text and "(11 of one left out" in text and "DE017L0" not in text
