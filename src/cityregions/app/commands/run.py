"""`cityregions [run] key=value ... [--multirun]`: one Hydra run, or a sweep of them.

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
from omegaconf import DictConfig

from cityregions.config import (
    ConfigError,
    RunConfig,
    config_dir,
    override_error,
    register_configs,
    to_run_config,
    with_regions,
)
from cityregions.config.compose import with_scenario
from cityregions.config.data_only import code_in
from cityregions.runs import destination, hydra_internals
from cityregions.runs.sweep import Job


def run(cfg: RunConfig, out_dir: Path, job: Job | None = None) -> Path:
    """Run the configuration, write the run directory (labelled with the sweep job, if any) and, for a single
    run, print the summary table."""
    import pandas as pd

    from cityregions.runs import results, runner
    from cityregions.world.phases import Timeline

    if cfg.batch.active:  # several runs of one region in this job: each other scenario composed once
        overrides = list(HydraConfig.get().overrides.task)
        res = runner.run_batch(cfg, lambda scenario: with_scenario(overrides, scenario))
    else:
        res = runner.run_scenario(cfg, progress=cfg.progress and job is None)
    if job is not None:
        res = job.label(res)
    extra = {}
    if cfg.plot and not cfg.batch.active:  # the one-page figure is of one run
        from cityregions.reporting import plots  # matplotlib only when a figure is wanted

        title = f"cityregions: scenario {cfg.scenario.name}, seed {cfg.seed}"
        extra["summary.png"] = lambda p: plots.save_summary(res.quarterly, Timeline.from_config(cfg.timeline), title, p)
    table = runner.summary_of(res.quarterly, runs=cfg.batch.active)
    extra["summary.csv"] = lambda p: table.to_csv(p, index=False)
    results.write_run(res, out_dir, extra, meta=job.meta() if job else None)
    if job is not None:
        return out_dir
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print(runner.shown(table).to_string(index=False))
    print(f"\nwritten: {out_dir}")
    return out_dir


def _run_config(cfg: DictConfig) -> RunConfig:
    """The validated configuration of this Hydra job: for region=all, with each region's own values, composed
    from the job's own overrides (Hydra's record of them: the command line's, or the sweeper's for a job)."""
    return with_regions(to_run_config(cfg), list(HydraConfig.get().overrides.task))


def _cleanup(out_dir: Path) -> None:
    """Remove a run directory that holds nothing but Hydra's own bookkeeping (after bad input)."""
    if out_dir.is_dir() and all(p.name == ".hydra" or p.suffix == ".log" for p in out_dir.iterdir()):
        shutil.rmtree(out_dir, ignore_errors=True)


def _sweep_job(cfg: DictConfig) -> None:
    """One job of a multirun: skip it if already complete, else run it; record a failure and re-raise it."""
    from cityregions.runs.results import config_digest

    job = Job.from_hydra(HydraConfig.get())
    try:
        run_cfg = _run_config(cfg)
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
        run_cfg = _run_config(cfg)
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


def main(argv: list[str]) -> int:
    """Run Hydra on the arguments: refuse code named in a key and overrides the schema refuses (status 2), then
    compose and run (Hydra reads sys.argv, so it is set to the arguments)."""
    refused = [a.split("=", 1)[0] for a in argv if "=" in a and ("_target_" in a.split("=", 1)[0]
                                                                or "()" in a.split("=", 1)[0])]
    if refused:  # configs are data: nothing named in them is ever called (see also the sweeper's check)
        print(f"cityregions: refused: {', '.join(refused)}: a configuration cannot name code to call "
              "(_target_ or a logging factory)", file=sys.stderr)
        return 2
    register_configs()
    if "--multirun" in argv or "-m" in argv:
        argv = [swept_list(a) for a in argv]
    try:
        wrong = override_error(argv)
    except Exception:  # noqa: BLE001 - an override this check does not understand: Hydra judges it
        wrong = None
    if wrong:
        print(f"cityregions: invalid configuration: {wrong}", file=sys.stderr)
        return 2
    # argparse cannot take overrides on both sides of a flag; `... +experiment=x --multirun seed=3` is natural
    args = list(argv)
    for flag in ("--multirun", "-m"):
        if flag in args:
            args.remove(flag)
            args.insert(0, flag)
    sys.argv = [sys.argv[0], *args]
    hydra_internals.check_compositions(refuse, composition_failed)
    hydra.main(version_base="1.3", config_path=config_dir(), config_name="config")(_task)()
    return 0


SWEPT_LISTS = ("replicate", "seed")  # keys whose list, in a sweep, means each of its values


def swept_list(arg: str) -> str:
    """`replicate=[0,1]` in a sweep as `replicate=0,1` (each replicate a job); other arguments unchanged."""
    key, sep, value = arg.partition("=")
    value = value.strip()
    if sep and key in SWEPT_LISTS and value.startswith("[") and value.endswith("]") and value[1:-1].strip():
        return f"{key}={value[1:-1]}"
    return arg


def composition_failed(e: Exception) -> None:
    """Stop (exit 2) with one line when Hydra cannot compose the configuration (an override it cannot merge),
    instead of Hydra's report of several lines and status 1."""
    parts = [str(e), str(e.__cause__ or "")]
    said = "; ".join(line.strip() for part in parts for line in part.splitlines()[:1] if line.strip())
    options = getattr(e, "options", None)  # a missing config file or group option: the ones that exist
    if options:
        said += f"; allowed: {', '.join(map(str, options))}"
    print(f"cityregions: invalid configuration: {said}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def refuse(cfg: DictConfig, multirun: bool) -> None:
    """Stop (exit 2) before anything is built or created from a configuration that names code to call
    (data_only.code_in) or would write where results may not go (destination.refused)."""
    found = code_in(cfg)
    if found:
        print("cityregions: refused: configurations are data, and nothing named in them is called:\n  "
              + "\n  ".join(found), file=sys.stderr, flush=True)
        raise SystemExit(2)
    wrong = destination.refused(cfg, multirun)
    if wrong:
        print("cityregions: invalid configuration: " + "; ".join(wrong), file=sys.stderr, flush=True)
        raise SystemExit(2)
    if not multirun:  # a run's values are checked before Hydra names and makes its directory from them
        from omegaconf import open_dict

        job = cfg.copy()
        with open_dict(job):
            del job["hydra"]
        try:
            to_run_config(job)
        except ConfigError as e:
            print(f"cityregions: invalid configuration: {e}", file=sys.stderr, flush=True)
            raise SystemExit(2) from None
