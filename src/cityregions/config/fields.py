"""How a configuration field is declared: its default with its allowed range, unit, source and meaning, which
the schema's validation and the generated docs/PARAMETERS.md read."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def p(default: Any, lo: float | None = None, hi: float | None = None, unit: str = "", src: str = "assumption",
      doc: str = "", choices: tuple[str, ...] | None = None) -> Any:
    """Declare a config field with its allowed range, unit, source and meaning (used by validate and the docs)."""
    meta = {"lo": lo, "hi": hi, "unit": unit, "src": src, "doc": doc, "choices": choices}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)
