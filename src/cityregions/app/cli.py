"""The `cityregions` command: dispatch to the commands of the registry (`cityregions --help` lists them).

`cityregions <command> [args]` parses the command's arguments with the one parser (app/args.py) and runs its
module's `main`; anything else (`cityregions region=graz --multirun ...`) is a Hydra run. Bad input exits with
status 2 and one line naming the key, the value and what is allowed.
"""

from __future__ import annotations

import importlib
import sys

from cityregions.app.args import Args, UsageError, parse
from cityregions.app.commands import BY_NAME, Command, describe, overview
from cityregions.config import ConfigError

HELP = ("-h", "--help")


def invoke(command: Command, argv: list[str]) -> int:
    """Parse a command's arguments and run it; bad input -> status 2 with the reason on stderr."""
    if command.passthrough:
        return importlib.import_module(command.module).main(argv)
    try:
        args = parse(_flags_as_keys(argv), command.options, command.overrides)
        _check_dirs(command, args)
        return importlib.import_module(command.module).main(args)
    except ModuleNotFoundError as e:
        if e.name not in command.needs:
            raise
        print(f"cityregions {command.name}: needs {e.name}, from the analysis extra: pip install -e '.[analysis]' "
              "(make installs it)", file=sys.stderr)
        return 2
    except (UsageError, ConfigError, OSError) as e:
        print(f"cityregions {command.name}: {e}", file=sys.stderr)
        return 2


def _flags_as_keys(argv: list[str]) -> list[str]:
    """`--out DIR` (as `collect` took it) is `out=DIR`."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--out" and i + 1 < len(argv):
            out.append(f"out={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def _check_dirs(command: Command, args: Args) -> None:
    lo, hi = command.dirs
    if not lo <= len(args.dirs) <= hi:
        got = " ".join(map(str, args.dirs)) or "none"
        want = "no directory" if hi == 0 else ("one directory" if lo == hi == 1 else "at most one directory")
        raise UsageError(f"takes {want} (got: {got}); usage: {command.usage}")


def main() -> None:
    """Console entry point."""
    argv = sys.argv[1:]
    if argv and argv[0] in HELP:
        print(overview())
        sys.exit(0)
    name = argv[0] if argv and argv[0] in BY_NAME else "run"
    command, rest = BY_NAME[name], (argv[1:] if argv and argv[0] == name else argv)
    if any(a in HELP for a in rest) and name != "app":
        print(describe(command))
        if name == "run":  # Hydra's own help: the config groups and the composed configuration
            print()
            sys.exit(invoke(command, ["--help"]))
        sys.exit(0)
    sys.exit(invoke(command, rest))


if __name__ == "__main__":
    main()
