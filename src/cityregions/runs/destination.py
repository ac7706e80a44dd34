"""Where results may go: checked before any directory is created.

A run writes into `hydra.run.dir` (or `output_dir`), a sweep into `hydra.sweep.dir`. Such a directory is refused,
with the key, the value and what is allowed, when a name in its path is longer than file systems allow (255
bytes), when it lies in a system directory, or when it already holds files that are not a cityregions run or
sweep (results would be mixed with, or overwrite, someone else's data). A directory that is empty, missing, or
an earlier run or sweep of cityregions is accepted: that is how a sweep resumes.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from cityregions.runs import results, sweep

SYSTEM = tuple(Path(p) for p in ("/proc", "/sys", "/dev", "/boot", "/etc", "/bin", "/sbin", "/lib", "/lib64",
                                 "/usr", "/var/lib", "/run"))


def _ours(directory: Path) -> bool:
    """An earlier run (its manifest, or Hydra's record of it) or sweep (its plan) of cityregions."""
    return any((directory / name).exists() for name in (results.MANIFEST, sweep.PLAN, sweep.LOCK, ".hydra"))


def problems(key: str, value: str, cwd: Path | None = None) -> list[str]:
    """What is wrong with `value` as the directory of `key` (empty: nothing)."""
    path = Path(value)
    out = [f"{key}: the name {part[:40]!r}... has {len(part.encode())} bytes; allowed: at most {sweep.NAME_MAX} per "
           "directory name (shorten the scenario's or the key's name, or set the directory)"
           for part in path.parts if len(part.encode()) > sweep.NAME_MAX]
    if out:
        return out
    where = ((cwd or Path.cwd()) / path).resolve()
    system = next((s for s in SYSTEM if where == s or s in where.parents), None)
    if system is not None:
        return [f"{key}={value!r} lies in the system directory {system}; allowed: a directory of your own"]
    if where.is_file():
        return [f"{key}={value!r} is a file; allowed: a directory that is empty, new, or a cityregions run or sweep"]
    if where.is_dir() and any(where.iterdir()) and not _ours(where):
        return [f"{key}={value!r} holds other files and is not a cityregions run or sweep; allowed: a directory "
                "that is empty, new, or an earlier cityregions run or sweep (so nothing of yours is overwritten)"]
    return []


def refused(cfg: DictConfig, multirun: bool) -> list[str]:
    """The problems of where a composed configuration (with its `hydra` node) would write: its sweep directory
    for a sweep, else its run directory and `output_dir`."""
    keys = ["hydra.sweep.dir"] if multirun else ["hydra.run.dir", "output_dir"]
    out = []
    for key in keys:
        try:
            value = OmegaConf.select(cfg, key, throw_on_missing=False)
        except Exception:  # noqa: BLE001 - an interpolation only Hydra's runtime resolves: Hydra judges it
            continue
        if value not in (None, ""):
            out += problems(key, str(value))
    return out
