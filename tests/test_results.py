"""Results are written so that a crash never leaves a half-written file that looks complete."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import cached_run

from cityregions.runs.results import atomic_write, config_digest, is_complete, read_config, read_run, write_run


def test_written_run_reads_back(tmp_path):
    res = cached_run("region=graz", "scenario=city_regions")
    write_run(res, tmp_path)
    assert is_complete(tmp_path)
    back = read_run(tmp_path)
    pd.testing.assert_frame_equal(back["quarterly"], res.quarterly)


def test_the_saved_config_reads_back_as_the_same_configuration(tmp_path, config):
    cfg = config("region=graz", "scenario=land_compact", "scenario.greenfield_cap=0.8", "replicate=2", "seed=5")
    res = cached_run("region=graz", "scenario=city_regions")
    write_run(dataclasses.replace(res, config=cfg), tmp_path)  # only the config matters
    back = read_config(tmp_path / "config.yaml")
    assert back == cfg and config_digest(back) == config_digest(cfg)
    assert config_digest(config("region=graz", "scenario=land_compact", "scenario.greenfield_cap=0.9", "replicate=2",
                                "seed=5")) != config_digest(cfg)


def test_a_failing_writer_leaves_no_file_under_the_final_name(tmp_path):
    def crash(path):
        path.write_text("half")
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "quarterly.parquet", crash)
    assert list(tmp_path.iterdir()) == []


def test_run_without_manifest_or_with_a_damaged_file_is_incomplete(tmp_path):
    res = cached_run("region=graz", "scenario=city_regions")
    write_run(res, tmp_path)
    (tmp_path / "quarterly.parquet").write_bytes(b"truncated")
    assert not is_complete(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_run(tmp_path)
    write_run(res, tmp_path)
    (tmp_path / "manifest.json").unlink()
    assert not is_complete(tmp_path)


def test_source_draws_no_global_randomness():
    import re
    from pathlib import Path

    import cityregions
    pattern = re.compile(r"(^|[^.\w])np\.random\.(seed|rand|randn|randint|choice|uniform|normal|shuffle|random)\("
                         r"|^\s*import random\s*$|(^|[^.\w])random\.(random|choice|shuffle|randint|uniform)\(", re.M)
    for path in Path(cityregions.__file__).parent.rglob("*.py"):
        assert not pattern.search(path.read_text()), path
