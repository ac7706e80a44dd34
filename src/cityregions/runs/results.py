"""Writing a run to disk: Parquet tables, the resolved config and a manifest, each file written atomically.

Every file is written to a temporary name in the same directory and renamed into place, so a crash never
leaves a half-written file under a final name; manifest.json is written last and lists every file with its
SHA-256, so a run directory without a manifest is incomplete by definition.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from omegaconf import OmegaConf

from cityregions.config import RunConfig, fingerprint, validate
from cityregions.config.regional import with_per_region
from cityregions.rules.cooperation import BREAKDOWN

if TYPE_CHECKING:
    import pandas as pd

    from cityregions.runs.runner import RunResult

MANIFEST = "manifest.json"
TABLES = ("quarterly", "municipalities", "decisions", "memberships")
DECISION_COLUMNS = (*BREAKDOWN, "perceived_net", "key")  # each decision's payoff breakdown (EUR/yr; trust 0-1),
# and the sharing key it was computed at; a vote's rows also say what the ratification rule decided ("rule")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through a temporary sibling and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


RESULT_PACKAGES = ("cityregions", "mesa", "numpy", "scipy", "networkx", "hydra-core", "omegaconf", "pandas",
                   "pyarrow")


@functools.cache
def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape results (looked up once per process)."""
    return {"python": platform.python_version(), **{p: version(p) for p in RESULT_PACKAGES}}


@functools.cache
def provenance() -> dict[str, Any]:
    """The source the run came from: the git commit of the package's checkout, if it is one, and whether tracked
    files differed from it (None outside a checkout, e.g. an installed wheel)."""
    src = Path(__file__).resolve().parents[1]  # the package: every layer
    try:
        head = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--untracked-files=no", "--", "."],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": head, "git_dirty": bool(dirty)}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def config_yaml(cfg: RunConfig) -> str:
    """The resolved configuration as YAML (plain PyYAML: cheaper per job than OmegaConf's structured round trip)."""
    return yaml.safe_dump(dataclasses.asdict(cfg), sort_keys=False, default_flow_style=False, allow_unicode=True)


def read_config(path: str | Path) -> RunConfig:
    """A saved config.yaml back as the validated schema (to re-run or inspect a result); a region=all run's
    per-region values (config.regional) come back with it."""
    saved = OmegaConf.load(path)
    per_region = saved.pop("per_region", None)
    merged = OmegaConf.merge(OmegaConf.structured(RunConfig), saved)
    run = validate(OmegaConf.to_object(merged))
    return run if per_region is None else with_per_region(run, OmegaConf.to_container(per_region))


def config_digest(cfg: RunConfig) -> str:
    """SHA-256 of everything in the configuration that can change results (not where or how it is shown)."""
    bare = dataclasses.replace(cfg, output_dir=None, plot=False, progress=False, max_memory_gb=None)
    return fingerprint(bare).hex()


def write_run(result: RunResult, out_dir: str | Path, extra: dict[str, Callable[[Path], None]] | None = None,
              meta: dict[str, Any] | None = None) -> Path:
    """Write tables, config and any extra files (name -> writer), then the manifest (with `meta`, e.g. the
    sweep job's key and parameters); returns the directory."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # a rewrite is incomplete until its new manifest exists
    files: list[str] = []
    for name in TABLES:
        df: pd.DataFrame = getattr(result, name)
        atomic_write(out / f"{name}.parquet", lambda p, df=df: df.to_parquet(p, index=False))
        files.append(f"{name}.parquet")
    text = config_yaml(result.config)
    atomic_write(out / "config.yaml", lambda p: p.write_text(text, encoding="utf-8"))
    files.append("config.yaml")
    for name, writer in (extra or {}).items():
        atomic_write(out / name, writer)
        files.append(name)
    manifest = {
        "complete": True, "regions": sorted(result.quarterly["region"].unique().tolist()),
        "scenario": result.config.scenario.name, "seed": result.config.seed, "replicate": result.config.replicate,
        "config_sha256": config_digest(result.config), **(meta or {}),
        "versions": versions(), **provenance(), "platform": platform.platform(),
        "files": {f: _sha256(out / f) for f in files}}
    atomic_write(out / MANIFEST, lambda p: p.write_text(json.dumps(manifest, indent=2), encoding="utf-8"))
    return out


def read_manifest(run_dir: str | Path) -> dict[str, Any] | None:
    """The run directory's manifest, or None if it has none (or an unreadable one)."""
    try:
        return json.loads((Path(run_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(run_dir: str | Path) -> bool:
    """True if the directory holds a manifest whose files all exist with the recorded checksums."""
    d = Path(run_dir)
    manifest = read_manifest(d)
    if manifest is None:
        return False
    return bool(manifest.get("complete")) and all(
        (d / f).is_file() and _sha256(d / f) == h for f, h in manifest.get("files", {}).items())


def read_run(run_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a complete run directory."""
    d = Path(run_dir)
    if not is_complete(d):
        raise FileNotFoundError(f"{d} is not a complete run (no valid {MANIFEST})")
    return read_tables(d)


def read_tables(run_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a run directory already known to be complete (checking costs a hash of every file)."""
    import pandas as pd  # here, not at import: a sweep's own process never reads a table

    return {name: pd.read_parquet(Path(run_dir) / f"{name}.parquet") for name in TABLES}
