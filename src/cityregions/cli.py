"""The command line: `cityregions region=graz scenario=integrated seed=3` (Hydra overrides), sweeps with
`--multirun`, `cityregions collect|status <sweep-dir>`, and the comparison commands
`cityregions compare|report|brief|validate` (commands.py), the classroom page `cityregions app` (app.py),
`cityregions rerun <run-dir>` (rerun.py), `cityregions sensitivity <sweep-dir>` (sensitivity.py) and
`cityregions discover <sweep-dir> outcome=...` (discovery.py) and `cityregions search region=...` (search.py).

A thin Hydra entry point: compose the config, convert it once into the validated schema, run, write the run
directory, print a summary. Bad input exits with status 2 and a message naming the key, the value and what
is allowed, before anything is written. In a multirun each job records its own failure (error.json) and
the sweep goes on; a job whose complete results for the same configuration exist is skipped.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from cityregions.config import ConfigError, RunConfig, register_configs, validate
from cityregions.sweep import Job


def config_dir() -> str:
    """conf/ of a source checkout (editable install), else the copy packaged in the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "conf", here / "conf"):
        if (candidate / "config.yaml").is_file():
            return str(candidate)
    raise FileNotFoundError("cityregions: no conf/config.yaml found beside the package")


def to_run_config(cfg: DictConfig) -> RunConfig:
    """Convert Hydra's composed config into the validated schema."""
    try:
        obj = OmegaConf.to_object(cfg)
    except OmegaConfBaseException as e:
        message = str(e).split("\n    full_key")[0]
        raise ConfigError(f"{e.full_key}: {message}" if getattr(e, "full_key", None) else message) from None
    return validate(obj)


def override_error(args: list[str]) -> str | None:
    """The first command-line override the schema refuses (a wrong type, an unknown key or group choice) in one
    line, before Hydra composes (its own report is several lines, status 1); None if Hydra should judge."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf.errors import ConfigKeyError, ValidationError

    try:
        overrides = OverridesParser.create().parse_overrides([a for a in args if "=" in a and not a.startswith("-")])
    except HydraException:
        return None  # a grammar error: Hydra's message says where
    schema = OmegaConf.structured(RunConfig)
    for o in overrides:
        key = o.key_or_group
        if key.startswith("hydra") or o.is_delete() or o.package is not None:
            continue
        try:
            node = OmegaConf.select(schema, key, throw_on_missing=False)
        except OmegaConfBaseException:
            continue
        group = (Path(config_dir()) / key).is_dir() and "." not in key
        if node is None and not _in_schema(schema, key) and not group:
            if o.is_add() or key.split(".")[0] == "experiment":
                continue  # +key=... and experiments: Hydra's defaults list decides
            return _unknown(schema, key)
        if group:  # a config group choice (region=graz, calibration=graz)
            options = sorted(p.stem for p in (Path(config_dir()) / key).glob("*.yaml"))
            chosen = list(o.sweep_iterator()) if o.is_sweep_override() and not o.is_interval_sweep() else [o.value()]
            for value in chosen:
                if options and str(value) not in options:
                    return f"{key}={value}: no such {key}; allowed: {', '.join(options)}"
            continue
        values = list(o.sweep_iterator()) if o.is_sweep_override() and not o.is_interval_sweep() else [o.value()]
        for value in values:
            try:
                OmegaConf.update(schema.copy(), key, value, merge=True)
            except ValidationError as e:
                shown = str(value) if o.is_sweep_override() else o.get_value_element_as_str()
                return f"{key}={shown}: {str(e).splitlines()[0]}"
            except (ConfigKeyError, OmegaConfBaseException):
                break
    return None


def _in_schema(schema: DictConfig, key: str) -> bool:
    """Whether a dotted key names a field of the schema."""
    *parents, leaf = key.split(".")
    node = OmegaConf.select(schema, ".".join(parents), throw_on_missing=False) if parents else schema
    return OmegaConf.is_config(node) and leaf in node


def _unknown(schema: DictConfig, key: str) -> str:
    """An unknown key, with the keys allowed where it was meant (the closest first)."""
    import difflib

    *parents, leaf = key.split(".")
    node, known = schema, []
    for i, part in enumerate(parents):
        if not (OmegaConf.is_config(node) and part in node and OmegaConf.is_config(node[part])):
            leaf = ".".join(parents[i:] + [leaf])
            parents = parents[:i]
            break
        node = node[part]
    known = [str(k) for k in node]
    close = difflib.get_close_matches(leaf, known, n=3, cutoff=0.6)
    where = ".".join(parents) or "the top level"
    hint = f"did you mean {', '.join(close)}? " if close else ""
    return f"{key}: no such key; {hint}allowed at {where}: {', '.join(known)}"


def load_config(overrides: list[str] | tuple[str, ...] = ()) -> RunConfig:
    """The validated configuration that `cityregions <overrides>` would run (for notebooks and the page)."""
    from hydra import compose, initialize_config_dir

    register_configs()
    wrong = override_error(list(overrides))
    if wrong:
        raise ConfigError(wrong)
    with initialize_config_dir(config_dir(), version_base="1.3"):
        return to_run_config(compose("config", overrides=list(overrides)))


def run(cfg: RunConfig, out_dir: Path, job: Job | None = None) -> Path:
    """Run the configuration, write the run directory (labelled with the sweep job, if any) and, for a single
    run, print the summary table."""
    import pandas as pd

    from cityregions import results, runner
    from cityregions.phases import Timeline

    res = runner.run_scenario(cfg, progress=cfg.progress and job is None)
    if job is not None:
        res = job.label(res)
    extra = {}
    if cfg.plot:
        from cityregions import plots  # matplotlib only when a figure is wanted

        title = f"cityregions: scenario {cfg.scenario.name}, seed {cfg.seed}"
        extra["summary.png"] = lambda p: plots.save_summary(res.quarterly, Timeline.from_config(cfg.timeline), title, p)
    table = runner.summary(res)
    extra["summary.csv"] = lambda p: table.to_csv(p, index=False)
    results.write_run(res, out_dir, extra, meta=job.meta() if job else None)
    if job is not None:
        return out_dir
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print(table.to_string(index=False))
    print(f"\nwritten: {out_dir}")
    return out_dir


def _cleanup(out_dir: Path) -> None:
    """Remove a run directory that holds nothing but Hydra's own bookkeeping (after bad input)."""
    if out_dir.is_dir() and all(p.name == ".hydra" or p.suffix == ".log" for p in out_dir.iterdir()):
        shutil.rmtree(out_dir, ignore_errors=True)


def _sweep_job(cfg: DictConfig) -> None:
    """One job of a multirun: skip it if already complete, else run it; record a failure and re-raise it."""
    from cityregions.results import config_digest

    job = Job.from_hydra(HydraConfig.get())
    try:
        run_cfg = to_run_config(cfg)
        if run_cfg.output_dir:
            raise ConfigError(f"output_dir={run_cfg.output_dir!r} cannot be used in a multirun: every job writes "
                              "its own directory under hydra.sweep.dir")
        if job.is_done(config_digest(run_cfg)):
            job.mark("skipped")
            print(job.progress("skipped"), flush=True)
            return
        job.start()
        run(run_cfg, job.out_dir, job)
    except Exception as e:
        job.fail(e)
        print(job.progress("failed") + f"\n    {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        raise
    job.mark("ok")
    print(job.progress("ok"), flush=True)


def _task(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        _sweep_job(cfg)
        return
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        run_cfg = to_run_config(cfg)
    except ConfigError as e:
        _cleanup(out_dir)
        print(f"cityregions: invalid configuration: {e}", file=sys.stderr)
        sys.exit(2)
    if run_cfg.output_dir:
        out_dir = Path(run_cfg.output_dir)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:  # a file of that name, no permission, ...
            _cleanup(Path(HydraConfig.get().runtime.output_dir))
            reason = "a file of that name exists" if isinstance(e, FileExistsError) else (e.strerror or str(e))
            print(f"cityregions: invalid configuration: output_dir={run_cfg.output_dir!r} cannot be used as the "
                  f"run directory ({reason}); allowed: a directory that can be created or written", file=sys.stderr)
            sys.exit(2)
    try:
        run(run_cfg, out_dir)
    except ConfigError as e:  # raised while reading input data (e.g. a municipality CSV)
        _cleanup(out_dir)
        print(f"cityregions: invalid input: {e}", file=sys.stderr)
        sys.exit(2)


def _sweep_command(argv: list[str]) -> int:
    """`cityregions collect <sweep-dir> [--out DIR]` and `cityregions status <sweep-dir>`."""
    import argparse

    import pandas as pd

    from cityregions import collect, sweep

    parser = argparse.ArgumentParser(prog=f"cityregions {argv[0]}")
    parser.add_argument("sweep_dir", type=Path, help="the sweep's directory (hydra.sweep.dir)")
    if argv[0] == "collect":
        parser.add_argument("--out", type=Path, help="where to write the dataset (default: <sweep-dir>/dataset)")
    args = parser.parse_args(argv[1:])
    try:
        if argv[0] == "collect":
            gathered = collect.collect(args.sweep_dir, args.out)
            print(gathered.report())
            return 0 if gathered.not_ok.empty else 1
        table = sweep.sweep_status(args.sweep_dir)
    except FileNotFoundError as e:
        print(f"cityregions {argv[0]}: {e}", file=sys.stderr)
        return 2
    planned = table[table["planned"]]
    counts = planned["state"].value_counts()
    print(f"{args.sweep_dir}: {len(planned)} jobs: " + ", ".join(
        f"{counts.get(s, 0)} {s}" for s in ("ok", "failed", "incomplete", "missing")))
    rest = planned[planned["state"] != "ok"][["state", "job", "error"]]
    if len(rest):
        with pd.option_context("display.width", 200, "display.max_colwidth", 100):
            print(rest.to_string(index=False))
    return 0 if rest.empty else 1


def _app_command(argv: list[str]) -> int:
    """`cityregions app [solara run options]`: serve the classroom page (Solara's server, production mode)."""
    import os

    app = Path(__file__).with_name("app.py")
    cmd = [sys.executable, "-m", "solara", "run", str(app), "--production", *argv]
    os.execv(sys.executable, cmd)  # the server replaces this process, so Ctrl-C and signals reach it directly
    return 0  # pragma: no cover


ANALYSES = {"sensitivity": "sensitivity", "discover": "discovery", "search": "search", "calibrate": "calibration"}


def _analysis_command(command: str, argv: list[str]) -> int:
    """Run an analysis command; a missing optional library is named with how to install it."""
    import importlib

    try:
        return importlib.import_module(f"cityregions.{ANALYSES[command]}").main(argv)
    except ModuleNotFoundError as e:
        if e.name in ("optuna", "ema_workbench", "SALib"):
            print(f"cityregions {command}: needs {e.name}, from the analysis extra: pip install -e '.[analysis]' "
                  "(make installs it)", file=sys.stderr)
            return 2
        raise


def main() -> None:
    """Console entry point."""
    if len(sys.argv) > 1 and sys.argv[1] == "app":
        sys.exit(_app_command(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "rerun":
        from cityregions import rerun

        sys.exit(rerun.main(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] in ANALYSES:
        sys.exit(_analysis_command(sys.argv[1], sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] in ("collect", "status"):
        sys.exit(_sweep_command(sys.argv[1:]))
    if len(sys.argv) > 1 and sys.argv[1] in ("compare", "report", "brief", "validate"):
        from cityregions import commands

        sys.exit(commands.main(sys.argv[1:]))
    refused = [a.split("=", 1)[0] for a in sys.argv[1:] if "=" in a and ("_target_" in a.split("=", 1)[0]
                                                                       or "()" in a.split("=", 1)[0])]
    if refused:  # configs are data: nothing named in them is ever called (see also the sweeper's check)
        print(f"cityregions: refused: {', '.join(refused)}: a configuration cannot name code to call "
              "(_target_ or a logging factory)", file=sys.stderr)
        sys.exit(2)
    register_configs()
    try:
        wrong = override_error(sys.argv[1:])
    except Exception:  # noqa: BLE001 - an override this check does not understand: Hydra judges it
        wrong = None
    if wrong:
        print(f"cityregions: invalid configuration: {wrong}", file=sys.stderr)
        sys.exit(2)
    # argparse cannot take overrides on both sides of a flag; `... +experiment=x --multirun seed=3` is natural
    for flag in ("--multirun", "-m"):
        if flag in sys.argv[2:]:
            sys.argv.remove(flag)
            sys.argv.insert(1, flag)
    hydra.main(version_base="1.3", config_path=config_dir(), config_name="config")(_task)()


if __name__ == "__main__":
    main()
