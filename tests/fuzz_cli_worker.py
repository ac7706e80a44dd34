"""A worker that runs the `cityregions` command in-process, once per line of JSON read from stdin, for the fuzz of
hostile command lines (tests/test_fuzz_commands.py): the same code path as the command (cli.main: Hydra, its
composition hook, the run or the sweep), without an interpreter's start per case.

Each request is {"argv": [...], "cwd": "..."}; each answer one line of JSON: the exit status, the output (stdout
and stderr together, captured at the file descriptors), and "crash": the traceback of any exception other than
SystemExit that escaped the command (none may). Between requests Hydra's global state and the logging handlers a
run installed are cleared, as a new process would have them.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import traceback


def reset() -> None:
    """Hydra's singleton and every logging handler a run installed (a file handler holds its run's log open)."""
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger):
            for h in list(logger.handlers):
                logger.removeHandler(h)
                h.close()


def run(argv: list[str], cwd: str) -> dict:
    from cityregions.app import cli

    with tempfile.TemporaryFile(mode="w+b") as out:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        code, crash = 0, None
        try:
            os.chdir(cwd)
            sys.argv = ["cityregions", *argv]
            try:
                cli.main()
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except BaseException:  # noqa: BLE001 - what the command let escape is the finding
                crash = traceback.format_exc()
                code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            reset()
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return {"code": code, "output": text[-6000:], "crash": crash}


def main() -> None:
    channel = os.fdopen(os.dup(1), "w", buffering=1)  # answers go here, whatever the command does to fd 1
    for line in sys.stdin:
        request = json.loads(line)
        channel.write(json.dumps(run(request["argv"], request["cwd"])) + "\n")


if __name__ == "__main__":
    main()
