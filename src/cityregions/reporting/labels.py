"""Words for people: the report's and the brief's labels in English, German, Polish, Czech and Italian.

The texts live in ``data/labels.csv`` (one row per key, one column per language) so that a translator edits a
table, not code. Numbers are written with the language's decimal comma and thousands separator.
"""

from __future__ import annotations

import csv
import functools
import math
import string
from importlib import resources

LANGUAGES = ("en", "de", "pl", "cs", "it")
NEUTRAL_UNITS = ("%", "ha", "EUR", "km", "0-1", "Gini 0-1")  # written alike in every language
SEPARATORS = {"en": (".", ","), "de": (",", "."), "pl": (",", "\u00a0"), "cs": (",", "\u00a0"), "it": (",", ".")}


@functools.cache
def table() -> dict[str, dict[str, str]]:
    """key -> language -> text."""
    text = resources.files("cityregions.reporting").joinpath("labels.csv").read_text(encoding="utf-8")
    return {row["key"]: {lang: row[lang] for lang in LANGUAGES} for row in csv.DictReader(text.splitlines())}


def resolve_language(lang: str, region_language: str | None) -> str:
    """'local' -> the region's language (English if it has none); else the language asked for, checked."""
    if lang == "local":
        return region_language if region_language in LANGUAGES else "en"
    if lang not in LANGUAGES:
        raise ValueError(f"lang={lang!r} is not available; allowed: {', '.join(LANGUAGES)} or local "
                         "(the region's language)")
    return lang


class Labels:
    """The labels of one language, with number formatting."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = resolve_language(lang, None)

    def __call__(self, key: str, **values: object) -> str:
        """The text of a key in this language, with its {placeholders} filled."""
        text = table()[key][self.lang]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        """True if the key exists."""
        return key in table()

    def scenario(self, arm: str) -> str:
        """A scenario's name for people; an arm with levers keeps its levers as written."""
        name, _, rest = arm.partition(" · ")
        key = f"scen_{name}"
        return (self(key) if self.has(key) else name) + (f" · {rest}" if rest else "")

    def unit(self, unit: str) -> str:
        """A unit in this language (u_<unit as a key>), or as written when it is the same in every language."""
        key = unit_key(unit)
        return self(key) if self.has(key) else unit

    def quarter(self, label: str) -> str:
        """A quarter such as 2030Q4 as this language writes it; anything else as given."""
        year, q, num = label.partition("Q")
        return self("quarter", year=year, q=num) if q and year.isdigit() and num.isdigit() else label

    def region(self, region: str) -> str:
        """A region's name in this language."""
        key = f"region_{region}"
        return self(key) if self.has(key) else region

    def num(self, x: float, digits: int = 1, sign: bool = False) -> str:
        """A number with the language's decimal and thousands separators ('–' when not a number)."""
        if x is None or not math.isfinite(x):
            return "–"
        text = f"{x:+,.{digits}f}" if sign else f"{x:,.{digits}f}"
        dec, thousands = SEPARATORS[self.lang]
        return text.replace(",", "\0").replace(".", dec).replace("\0", thousands)

    def difference(self, diff: float, lo: float, hi: float, digits: int) -> str:
        """A signed difference with its interval after it, "+1,2 (-0,3 … +2,7)" (no interval where it is not a
        number, e.g. with fewer than two pairs)."""
        text = self.num(diff, digits, sign=True)
        if lo is not None and math.isfinite(lo):
            text += f" ({self.num(lo, digits, sign=True)} … {self.num(hi, digits, sign=True)})"
        return text


def unit_key(unit: str) -> str:
    """The label key of a unit: u_ and its letters and digits, e.g. EUR/resident/yr -> u_eur_resident_yr."""
    return "u_" + "_".join("".join(c if c.isalnum() else " " for c in unit.lower()).split())


@functools.cache
def glossary(lang: str) -> list[dict[str, str]]:
    """The glossary of one language (glossary.csv): each concept's one term, its definition, the English term,
    and the words not to use for it."""
    text = resources.files("cityregions.reporting").joinpath("glossary.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    english = {r["concept"]: r["term"] for r in rows if r["lang"] == "en"}
    return [{"concept": r["concept"], "term": r["term"], "definition": r["definition"],
             "english": english[r["concept"]], "avoid": [a.strip() for a in r["avoid"].split(";") if a.strip()]}
            for r in rows if r["lang"] == lang]


def placeholders(text: str) -> set[str]:
    """The {names} a text expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
