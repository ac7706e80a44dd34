"""Shared fixtures: composing configs the way the command line does, and cached runs."""

from __future__ import annotations

import functools
import os
from typing import Any

import pytest
from hydra import compose, initialize_config_dir
from hypothesis import HealthCheck, settings

from cityregions.config import RunConfig, config_dir, register_configs, to_run_config, with_regions
from cityregions.runs.runner import RunResult, run_scenario

register_configs()

# Property-based tests: a fixed, bounded, derandomized profile in CI (`make test`), a long one by hand:
#   HYPOTHESIS_PROFILE=long make test ARGS="tests/test_properties.py tests/test_fuzz.py"
# (HYPOTHESIS_MAX_EXAMPLES sets the long profile's examples per test; default 2,000)
settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "2000")),
                          deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def make_config(*overrides: str) -> RunConfig:
    """Compose conf/ with Hydra overrides and convert to the validated schema, as the CLI does (region=all: each
    region with its own calibration)."""
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        args = ["plot=false", "progress=false", *overrides]
        return with_regions(to_run_config(compose("config", overrides=args)), args)


@functools.cache
def cached_run(*overrides: str) -> RunResult:
    """Run a configuration once per test session (models kept for inspection)."""
    return run_scenario(make_config(*overrides), keep_models=True)


@pytest.fixture
def config():
    """A factory for composed configs."""
    return make_config


# ------------------------------------------------------------------- lines for the end of the run's output
# `make test` runs the suite on two pytest-xdist workers, whose output never reaches the terminal: a test's
# summary (a fuzz tally) goes to the worker's output and the controller writes it at the end.
SUMMARY = pytest.StashKey[list[str]]()


def summary(config: pytest.Config, lines: list[str]) -> None:
    """Lines to write at the end of the run's output, from this process or from an xdist worker."""
    if hasattr(config, "workeroutput"):  # an xdist worker: sent to the controller when the worker finishes
        config.workeroutput.setdefault("summary", []).extend(lines)
    else:
        config.stash.setdefault(SUMMARY, []).extend(lines)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: the suite still runs where xdist is not installed
def pytest_testnodedown(node: Any, error: object) -> None:
    """An xdist worker finished: keep the summary lines it sent."""
    summary(node.config, list(getattr(node, "workeroutput", {}).get("summary", [])))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The summary lines of this process and of every worker, at the end of the output."""
    for line in config.stash.get(SUMMARY, []):
        terminalreporter.write_line(line)
