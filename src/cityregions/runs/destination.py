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


JOB_NUMBERS = ("${hydra.job.num}", "${hydra.job.id}")


def subdir_problems(raw: object) -> list[str]:
    """What is wrong with `hydra.sweep.subdir` (as written, before interpolation): a job's directory must be one
    directory inside the sweep's, its own: the default (named by the job's parameters, made safe by the sweeper)
    or one name holding the job's number or id."""
    if raw == sweep.KEY_SUBDIR:
        return []
    text = str(raw)
    literal = text
    for number in JOB_NUMBERS:
        literal = literal.replace(number, "0")
    if ("/" in literal or "\\" in literal or literal in (".", "..") or "${" in literal
            or not any(n in text for n in JOB_NUMBERS) or len(literal.encode()) > sweep.NAME_MAX):
        return [f"hydra.sweep.subdir={text[:60]!r} would not give each job a directory of its own inside the "
                f"sweep's; allowed: {sweep.KEY_SUBDIR} (the default: named by the job's parameters) or one directory "
                "name, without / or .., holding ${hydra.job.num} or ${hydra.job.id}"]
    return []


def refused(cfg: DictConfig, multirun: bool) -> list[str]:
    """The problems of where a composed configuration (with its `hydra` node) would write: its sweep directory
    and its jobs' directories for a sweep, else its run directory and `output_dir`."""
    keys = ["hydra.sweep.dir"] if multirun else ["hydra.run.dir", "output_dir"]
    out = []
    if multirun:
        sweep_node = OmegaConf.to_container(cfg.hydra.sweep, resolve=False) if "hydra" in cfg else {}
        out += subdir_problems(sweep_node.get("subdir", sweep.KEY_SUBDIR))
    for key in keys:
        try:
            value = OmegaConf.select(cfg, key, throw_on_missing=False)
        except Exception:  # noqa: BLE001 - an interpolation only Hydra's runtime resolves: Hydra judges it
            continue
        if value is not None and not str(value).strip():
            out.append(f"{key}={value!r} is an empty path; allowed: the path of a directory (or leave the key out)")
        elif value is not None:
            out += problems(key, str(value))
    return out
