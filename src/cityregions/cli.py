"""The command line: `cityregions region=graz scenario=integrated seed=3` (Hydra overrides).

A thin Hydra entry point: compose the config, convert it once into the validated schema, run, write the run
directory, print a summary. Bad input exits with status 2 and a message naming the key, the value and what
is allowed, before anything is written.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from cityregions.config import ConfigError, RunConfig, register_configs, validate


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
        raise ConfigError(str(e).split("\n    full_key")[0]) from None
    return validate(obj)


def run(cfg: RunConfig, out_dir: Path) -> Path:
    """Run the configuration, write the run directory and print the summary table."""
    import pandas as pd

    from cityregions import plots, results, runner
    from cityregions.phases import Timeline

    res = runner.run_scenario(cfg, progress=cfg.progress)
    extra = {}
    if cfg.plot:
        title = f"cityregions: scenario {cfg.scenario.name}, seed {cfg.seed}"
        extra["summary.png"] = lambda p: plots.save_summary(res.quarterly, Timeline.from_config(cfg.timeline), title, p)
    table = runner.summary(res)
    extra["summary.csv"] = lambda p: table.to_csv(p, index=False)
    results.write_run(res, out_dir, extra)
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print(table.to_string(index=False))
    print(f"\nwritten: {out_dir}")
    return out_dir


def _cleanup(out_dir: Path) -> None:
    """Remove a run directory that holds nothing but Hydra's own bookkeeping (after bad input)."""
    if out_dir.is_dir() and all(p.name == ".hydra" or p.suffix == ".log" for p in out_dir.iterdir()):
        shutil.rmtree(out_dir, ignore_errors=True)


def _task(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
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
        run(run_cfg, out_dir)
    except ConfigError as e:  # raised while reading input data (e.g. a municipality CSV)
        _cleanup(out_dir)
        print(f"cityregions: invalid input: {e}", file=sys.stderr)
        sys.exit(2)


def main() -> None:
    """Console entry point."""
    register_configs()
    hydra.main(version_base="1.3", config_path=config_dir(), config_name="config")(_task)()


if __name__ == "__main__":
    main()
