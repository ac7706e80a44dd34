"""One parser for every command's arguments: directories, the command's own `key=value` options (typed and
checked, each error naming the key, the value and what is allowed) and the Hydra overrides passed on to runs.

Option values are read with Hydra's override grammar (so `scenarios=[a,b]` and `seeds=20` mean what they mean on
a run's command line), except options declared `raw`, which are taken as written: a municipality such as
`Halle (Saale)`, a directory, or a condition such as `members<30` is not Hydra grammar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("text", "raw", "int", "float", "names")


class UsageError(ValueError):
    """Bad input on the command line (exit status 2)."""


@dataclass(frozen=True)
class Option:
    """One `key=value` option of a command.

    kind: text (a Hydra value read as text), raw (taken as written), int or float (a number within [lo, hi]),
    names (one name or a list of names, each in `choices` when given, none twice).
    """

    key: str
    help: str
    kind: str = "text"
    default: Any = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Option {self.key}: kind={self.kind!r}; allowed: {', '.join(KINDS)}")

    def convert(self, value: Any) -> Any:
        """The value as this option's kind, or a UsageError naming the key, the value and what is allowed."""
        if self.kind in ("int", "float"):
            return self._number(value)
        if self.kind == "names":
            return self._names(value)
        text = str(value)
        if self.choices and text not in self.choices:
            raise UsageError(f"{self.key}={text!r} is not allowed; allowed: {', '.join(self.choices)}")
        return text

    def _number(self, value: Any) -> int | float:
        whole = self.kind == "int"
        ok = not isinstance(value, bool) and isinstance(value, int if whole else (int, float))
        lo = -float("inf") if self.lo is None else self.lo
        hi = float("inf") if self.hi is None else self.hi
        if not ok or not lo <= value <= hi:
            what = "a whole number" if whole else "a number"
            bounds = (f" from {self.lo:g}" if self.lo is not None else "") + (
                f" to {self.hi:g}" if self.hi is not None else "")
            raise UsageError(f"{self.key}={value!r} must be {what}{bounds}")
        return int(value) if whole else float(value)

    def _names(self, value: Any) -> list[str]:
        if hasattr(value, "list"):  # Hydra reads a,b as a sweep
            value = [str(v) for v in value.list]
        if isinstance(value, str):
            value = value.split(",") if "," in value else [value]
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise UsageError(f"{self.key}={value!r} must be a name or a list of names, e.g. {self.key}=[a,b]")
        names = list(value)
        bad = [n for n in names if self.choices and n not in self.choices]
        if bad:
            raise UsageError(f"{self.key}={bad} not found; allowed: {', '.join(self.choices)}")
        if len(set(names)) != len(names):
            raise UsageError(f"{self.key}={names} names a {self.key.removesuffix('s')} twice")
        return names


@dataclass
class Args:
    """A command's parsed arguments."""

    dirs: list[Path] = field(default_factory=list)
    own: dict[str, Any] = field(default_factory=dict)  # only the options given; defaults through get()
    overrides: list[str] = field(default_factory=list)  # key=value for Hydra, in the order given
    options: dict[str, Option] = field(default_factory=dict)
    raw: list[str] = field(default_factory=list)  # the arguments as given

    def get(self, key: str) -> Any:
        """The option's value, or its declared default."""
        return self.own[key] if key in self.own else self.options[key].default

    def given(self, key: str) -> bool:
        """Whether the option was given on the command line."""
        return key in self.own


def is_path(arg: str) -> bool:
    """Whether an argument names a directory rather than a key: it has no "=", or it exists, or a "/" comes before
    its first "=" (a sweep job's directory is named by its overrides: multirun/x/region=graz,replicate=1)."""
    return "=" not in arg or "/" in arg.split("=", 1)[0] or Path(arg).exists()


def parse(argv: Sequence[str], options: Sequence[Option] = (), overrides: bool = False) -> Args:
    """Split arguments into directories, the command's own options and (if the command passes them on to runs)
    Hydra overrides; without overrides, a key that is not an option is refused, naming the options allowed."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    by_key = {o.key: o for o in options}
    out = Args(options=by_key, raw=list(argv))
    parser = None
    for a in argv:
        if is_path(a):
            out.dirs.append(Path(a))
            continue
        key, raw = a.split("=", 1)
        opt = by_key.get(key.lstrip("+~"))
        if opt is None:
            if not overrides:
                allowed = ", ".join(by_key) or "none"
                raise UsageError(f"unknown key {key!r}; allowed: {allowed}")
            out.overrides.append(a)
            continue
        if opt.kind == "raw":
            out.own[opt.key] = opt.convert(raw.strip().strip("'\""))
            continue
        parser = parser or OverridesParser.create()
        try:
            value = parser.parse_override(a).value()
        except Exception as e:  # Hydra's grammar errors carry the reason in their message
            raise UsageError(f"{a}: {e}") from None
        out.own[opt.key] = opt.convert(value)
    return out
