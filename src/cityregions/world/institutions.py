"""The institutions a vote meets: which legal forms of inter-municipal cooperation each country offers at each
date, when its councils are elected and which public-transport authority already serves a region
(``world/data/legal_forms.csv``, ``elections.csv``, ``pt_authorities.csv``, each row with its source;
docs/INSTITUTIONS_SOURCES.md).

A form's level says what an agreement made in it can be: a declaration binds no one; a contract binds its
signatories; a body has organs of its own. Statutory metropolitan bodies are made by the state, not by the
councils' agreement, so no vote can create one. A land compact caps its members' greenfield development, which
binds them only through a form that can carry their land-use planning (the `planning` column: Poland and Czechia
reserve the local plan to each council; Germany's planning associations and Italy's unions and conventions may
carry it; where no source was found, a form is taken as able to, an assumption).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np

from cityregions.config import THEMES
from cityregions.world.facts import data_path

LEVELS = ("declaration", "contract", "body", "metropolitan")  # from least to most binding
FORMABLE = ("contract", "body")  # binding levels the councils can create by agreement
PLANNING = {"yes": True, "no": False, "unknown": None}  # legal_forms.csv's planning column


@dataclass(frozen=True)
class LegalForm:
    """One legal form of cooperation in one country, and the dates it exists."""

    country: str
    form: str
    level: str
    binding: bool
    tax_pooling: bool  # members may pool local business tax through it ('unknown' in the data counts as no)
    cross_state: bool  # it joins municipalities of two federal states (a state treaty allows it)
    available_from: dt.date
    available_to: dt.date | None
    source: str
    local_name: str = ""  # the form's name in its country's language and law
    planning: bool | None = None  # whether it can carry its members' land-use planning (None: no source found)
    enacted: dt.date | None = None  # a statutory body: the day the law creating it came into force
    takes_over: tuple[str, ...] = ()  # a statutory body: the themes it takes over from the municipalities
    cores: tuple[str, ...] = ()  # a statutory body: the core cities whose areas it covers (empty: every one)

    def exists(self, day: dt.date) -> bool:
        """Whether the form exists in law on a day."""
        return self.available_from <= day and (self.available_to is None or day <= self.available_to)


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a date; allowed: YYYY-MM-DD") from None


@cache
def legal_forms() -> tuple[LegalForm, ...]:
    """Every legal form in the data."""
    out = []
    with data_path("legal_forms.csv").open(encoding="utf-8", newline="") as fh:
        for n, r in enumerate(csv.DictReader(fh), start=2):
            where = f"legal_forms.csv line {n}"
            level = r["level"].strip()
            if level not in LEVELS:
                raise ValueError(f"{where}: level={level!r}; allowed: {', '.join(LEVELS)}")
            to = r["available_to"].strip()
            out.append(LegalForm(r["country"].strip(), r["form"].strip(), level, r["binding"].strip() == "yes",
                                 r["tax_pooling"].strip() == "yes", r["cross_state"].strip() == "yes",
                                 _date(r["available_from"], where),
                                 _date(to, where) if to else None, r["source"].strip(), r["local_name"].strip(),
                                 PLANNING[_planning(r, where)],
                                 _date(r["enacted"], where) if r.get("enacted", "").strip() else None,
                                 _themes(r.get("takes_over", ""), where), _names(r.get("cores", ""))))
    return tuple(out)


def _names(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(";") if x.strip())


def _themes(text: str, where: str) -> tuple[str, ...]:
    themes = _names(text)
    bad = [t for t in themes if t not in THEMES]
    if bad:
        raise ValueError(f"{where}: takes_over={text!r}; allowed: {', '.join(THEMES)}, separated by ';'")
    return themes


def pending_body(country: str, day: dt.date, theme: str, core_names: tuple[str, ...]) -> LegalForm | None:
    """A statutory metropolitan body that the law has created for the core's area but that does not yet exist on
    the day and that will take the theme over (Turin's Città metropolitana: enacted 8 Apr 2014, from 1 Jan 2015):
    councils do not bind themselves on a theme a body of the state is about to take over."""
    names = {n.casefold() for n in core_names}
    for f in legal_forms():
        if (f.country == country and f.level == "metropolitan" and f.enacted is not None
                and f.enacted <= day < f.available_from and theme in f.takes_over
                and (not f.cores or names & {c.casefold() for c in f.cores})):
            return f
    return None


def _planning(r: dict[str, str], where: str) -> str:
    value = (r.get("planning") or "").strip()
    if value not in PLANNING:
        raise ValueError(f"{where}: planning={value!r}; allowed: {', '.join(PLANNING)}")
    return value


def binding_form(country: str, day: dt.date, pooling: bool, cross_state: bool = False,
                 planning: bool = False) -> LegalForm | None:
    """The most binding form the councils of a country can agree on a day (pooling: one through which they may
    pool business tax; cross_state: one that joins municipalities of two federal states; planning: one that can
    carry their land-use planning, so that a cap on greenfield binds them: a form the law denies it is left out,
    one without a source is taken as able to), or None if there is none."""
    usable = [f for f in legal_forms() if f.country == country and f.level in FORMABLE and f.binding
              and f.exists(day) and (f.tax_pooling or not pooling) and f.cross_state == cross_state
              and not (planning and f.planning is False)]
    return max(usable, key=lambda f: FORMABLE.index(f.level), default=None)


FEDERAL_STATE_DIGITS = {"DE": 2, "AT": 1}  # the leading digits of a municipality's code that name its state


def spans_states(country: str, codes: list[str]) -> bool:
    """Whether municipalities with these official codes lie in more than one federal state of the country."""
    digits = FEDERAL_STATE_DIGITS.get(country)
    return digits is not None and len({c[:digits] for c in codes if c}) > 1


@cache
def election_days(country: str, core_names: tuple[str, ...]) -> tuple[dt.date, ...]:
    """Municipal election days in a country, where the core city votes (its own cycle if it has one, under any of
    its names, else the country's)."""
    rows = []
    with data_path("elections.csv").open(encoding="utf-8", newline="") as fh:
        for n, r in enumerate(csv.DictReader(fh), start=2):
            if r["country"].strip() == country:
                rows.append((r["scope"].strip(), _date(r["date"], f"elections.csv line {n}")))
    names = {n.casefold() for n in core_names}
    own = [d for scope, d in rows if scope.casefold() in names]
    return tuple(sorted(own or [d for scope, d in rows if scope == "all"]))


@dataclass(frozen=True)
class TransportAuthority:
    """A public-transport authority that already plans, tenders and co-finances the regional service of its area
    (pt_authorities.csv): Turin's Agenzia per la mobilità metropolitana, a consortium since 2003."""

    name: str
    since: dict[str, dt.date]  # each municipality of its area and the day it came under it

    def area(self, names: list[str], day: dt.date) -> np.ndarray:
        """One flag per municipality (by name, in order): under the authority on that day."""
        return np.array([n in self.since and self.since[n] <= day for n in names], dtype=bool)


@cache
def transport_authority(region: str) -> TransportAuthority | None:
    """The region's existing public-transport authority, or None where none was found."""
    name, since = None, {}
    with data_path("pt_authorities.csv").open(encoding="utf-8", newline="") as fh:
        for n, r in enumerate(csv.DictReader(fh), start=2):
            if r["region"].strip() != region:
                continue
            name = r["authority"].strip()
            since[r["municipality"].strip()] = _date(r["since"], f"pt_authorities.csv line {n}")
    return TransportAuthority(name, since) if name else None
