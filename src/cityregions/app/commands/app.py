"""`cityregions app [solara run options]`: serve the classroom page (Solara's server, production mode)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Replace this process with Solara's server for the page, so Ctrl-C and signals reach it directly."""
    page = Path(__file__).resolve().parents[1] / "page.py"
    os.execv(sys.executable, [sys.executable, "-m", "solara", "run", str(page), "--production", *argv])
    return 0  # pragma: no cover
