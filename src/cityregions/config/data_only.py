"""Configurations are data: nothing named in one is ever called.

Hydra builds objects from a configuration in four places: its callbacks (`hydra.callbacks`), its launcher and
sweeper (`hydra.launcher`, `hydra.sweeper`, recursively) and the logging it configures (`hydra.job_logging`,
`hydra.hydra_logging`, through `logging.config.dictConfig`, which calls `()` factories, imports `class` names and
resolves `ext://` references). `code_in` lists every place in a composed configuration, from whatever source
(command line, experiment file, a `-cd`/`-cp` directory), where one of them would call something other than
Hydra's own launcher and sweeper plugins, or write a log anywhere but the run's directory; the command refuses
such a configuration before Hydra builds anything from it (runs/hydra_internals.check_compositions).
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

PLUGINS = ("hydra.launcher", "hydra.sweeper")  # Hydra instantiates these from their `_target_`
PLUGIN_PACKAGES = ("hydra_plugins.", "hydra._internal.core_plugins.")
LOGGING = ("hydra.job_logging", "hydra.hydra_logging")
HANDLER_CLASSES = ("logging.StreamHandler", "logging.FileHandler")
STREAMS = ("ext://sys.stdout", "ext://sys.stderr")
LOG_FILE = "${hydra.runtime.output_dir}/${hydra.job.name}.log"  # Hydra's own: the run's directory


def plugin_target(value: Any) -> bool:
    """Whether a launcher's or sweeper's own `_target_` names a class in Hydra's plugin packages: Hydra builds it
    only if it is a registered launcher or sweeper plugin there (hydra.core.plugins), and nothing else."""
    return isinstance(value, str) and value.startswith(PLUGIN_PACKAGES)


def _walk(node: Any, path: str) -> list[tuple[str, Any]]:
    """Every (dotted path, value) below a plain container, dictionaries' keys included as paths."""
    out = [(path, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _walk(v, f"{path}[{i}]")
    return out


def _handler_problems(path: str, handler: Any) -> list[str]:
    if not isinstance(handler, dict):
        return []
    out = []
    cls = handler.get("class")
    if cls not in HANDLER_CLASSES:
        out.append(f"{path}.class={cls!r}: allowed: {', '.join(HANDLER_CLASSES)}")
    if "stream" in handler and handler["stream"] not in STREAMS:
        out.append(f"{path}.stream={handler['stream']!r}: allowed: {', '.join(STREAMS)}")
    if cls == "logging.FileHandler" and handler.get("filename") != LOG_FILE:
        out.append(f"{path}.filename={handler.get('filename')!r}: a log is written only to the run's directory "
                   f"({LOG_FILE})")
    return out


def code_in(cfg: DictConfig) -> list[str]:
    """Each place in a composed configuration (with or without its `hydra` node) that would have something
    called or a log written outside the run: the path, what it holds and what is allowed. Empty: the
    configuration is data only."""
    plain = OmegaConf.to_container(cfg, resolve=False, throw_on_missing=False)
    out = []
    for path, value in _walk(plain, ""):
        leaf = path.rsplit(".", 1)[-1]
        parent = path.rsplit(".", 1)[0] if "." in path else ""
        if leaf == "_target_":
            if parent not in PLUGINS or not plugin_target(value):
                out.append(f"{path}={value!r}: a configuration cannot name code to call (only Hydra's launcher and "
                           "sweeper plugins are built, at hydra.launcher and hydra.sweeper)")
        elif leaf == "()":
            out.append(f"{path}={value!r}: a configuration cannot name a factory to call")
        elif isinstance(value, str) and value.startswith("ext://") and not (
                leaf == "stream" and value in STREAMS and parent.startswith(LOGGING)):
            out.append(f"{path}={value!r}: a configuration cannot import objects (ext://)")
        elif leaf == "class" and parent.startswith(LOGGING) and ".handlers." not in f"{parent}.":
            out.append(f"{path}={value!r}: a logging configuration names a class only for its handlers")
    for section in LOGGING:
        node = plain.get("hydra", {}).get(section.split(".")[1]) if isinstance(plain, dict) else None
        handlers = node.get("handlers") if isinstance(node, dict) else None
        for name, handler in (handlers or {}).items():
            out += _handler_problems(f"{section}.handlers.{name}", handler)
    return out
