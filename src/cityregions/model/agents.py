"""Mesa agents: municipalities (core city or suburb) and the regional partner body.

Agents are thin: their state lives in the model's state dataclasses (state.py: one entry per municipality in
each array), so that the arithmetic runs over all municipalities at once in numpy; an agent reads and explains
its own entries by index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from cityregions.rules.cooperation import Theme
from cityregions.rules.land import CLASSES

if TYPE_CHECKING:
    from cityregions.model.model import CityRegionModel


class Municipality(mesa.Agent):
    """A core city or a surrounding municipality: a council that develops land and may cooperate."""

    model: CityRegionModel

    def __init__(self, model: CityRegionModel, index: int, name: str, is_core: bool) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.is_core = is_core

    @property
    def population(self) -> float:
        """Residents."""
        return float(self.model.people.population[self.index])

    @property
    def households(self) -> float:
        """Households (residents / mean household size)."""
        return self.population / self.model.people.household_size

    @property
    def jobs(self) -> float:
        """Jobs located here."""
        return float(self.model.people.jobs[self.index])

    @property
    def land(self) -> dict[str, float]:
        """Hectares by land class."""
        return {c: float(getattr(self.model.land, c)[self.index]) for c in CLASSES}

    @property
    def fiscal_capacity(self) -> float:
        """Annual budget margin (EUR/yr): revenue less debt service, transaction costs and contributions."""
        return float(self.model.money.fiscal_capacity[self.index])

    @property
    def planning_capacity(self) -> float:
        """Administrative capacity 0-1."""
        return float(self.model.councils.capacity[self.index])

    @property
    def trust(self) -> dict[str, float]:
        """Trust towards each other municipality, by name."""
        m = self.model
        row = m.geo.pairs.row(self.index, m.coop.trust, m.cfg.params.cooperation.trust_initial)
        return {self.model.geo.names[j]: float(row[j]) for j in range(len(row)) if j != self.index}

    @property
    def memberships(self) -> dict[str, str]:
        """Theme -> status name of the agreement this municipality belongs to."""
        out = {}
        for theme, agreements in self.model.coop.agreements.items():
            for a in agreements:
                if a.active and a.members[self.index]:
                    out[theme.value] = a.status.name.lower()
        return out

    def payoff(self, theme: Theme | str) -> dict[str, float] | None:
        """Latest payoff breakdown of the theme's agreement: benefit, four transaction costs, autonomy, trust."""
        p = self.model.coop.last_payoff.get(Theme(theme))
        return None if p is None else p.row(self.index)

    def why(self) -> list[dict]:
        """Every decision this municipality took, with the payoff breakdown it rested on."""
        return [d for d in self.model.coop.decisions if d["municipality"] == self.name]


class RegionalPartner(mesa.Agent):
    """The partner body (e.g. the Saxon State Ministry of the Interior): runs the exchange and funds the pilots."""

    model: CityRegionModel

    def __init__(self, model: CityRegionModel, name: str, project_funds_eur: float, facilitation: float) -> None:
        super().__init__(model)
        self.name = name
        self.project_funds_eur = project_funds_eur
        self.facilitation = facilitation
