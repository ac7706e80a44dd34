"""The project timeline: quarters from 2012 Q3 and the three CITY REGIONS phases, then implementation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

from cityregions.config import TimelineConfig, parse_quarter


class Phase(IntEnum):
    """What the project makes possible in a quarter."""

    EXCHANGE = 1  # phase 1: collect and analyse good practice through exchange
    PILOTS = 2  # phase 2: regional pilot projects on land development and transport
    AGREEMENTS = 3  # phase 3: agreements on durable structures, council votes
    IMPLEMENTATION = 4  # after the project: agreements operate, join, leave or fade


def _index(year: int, quarter: int) -> int:
    return year * 4 + (quarter - 1)


@dataclass(frozen=True)
class Timeline:
    """Maps a step number (0 = the first quarter) to its calendar quarter and project phase."""

    start: int
    phase1_end: int
    phase2_end: int
    phase3_end: int
    horizon: int

    @classmethod
    def from_config(cls, cfg: TimelineConfig) -> Timeline:
        """Build from validated 'YYYYQn' strings."""
        return cls(*(_index(*parse_quarter(f"timeline.{n}", getattr(cfg, n)))
                     for n in ("start", "phase1_end", "phase2_end", "phase3_end", "horizon")))

    @property
    def n_steps(self) -> int:
        """Number of quarters simulated."""
        return self.horizon - self.start + 1

    def quarter(self, step: int) -> tuple[int, int]:
        """Calendar (year, quarter) of a step."""
        i = self.start + step
        return i // 4, i % 4 + 1

    def label(self, step: int) -> str:
        """'YYYYQn' of a step."""
        y, q = self.quarter(step)
        return f"{y}Q{q}"

    def day(self, step: int) -> dt.date:
        """Last day of a step's quarter (when what was decided in it takes effect)."""
        y, q = self.quarter(step)
        return dt.date(y, 12, 31) if q == 4 else dt.date(y, 3 * q + 1, 1) - dt.timedelta(days=1)

    def step_of(self, day: dt.date) -> int:
        """The step whose quarter contains a day (may lie outside the timeline)."""
        return _index(day.year, (day.month - 1) // 3 + 1) - self.start

    def decimal_year(self, step: int) -> float:
        """Mid-quarter time as a decimal year, for plotting."""
        y, q = self.quarter(step)
        return y + (q - 1) / 4 + 0.125

    def phase(self, step: int) -> Phase:
        """Project phase of a step."""
        i = self.start + step
        if i <= self.phase1_end:
            return Phase.EXCHANGE
        if i <= self.phase2_end:
            return Phase.PILOTS
        if i <= self.phase3_end:
            return Phase.AGREEMENTS
        return Phase.IMPLEMENTATION

    def first_of(self, phase: Phase) -> int | None:
        """Step at which a phase starts, or None if the timeline skips it."""
        bounds = {Phase.EXCHANGE: (self.start, self.phase1_end),
                  Phase.PILOTS: (self.phase1_end + 1, self.phase2_end),
                  Phase.AGREEMENTS: (self.phase2_end + 1, self.phase3_end),
                  Phase.IMPLEMENTATION: (self.phase3_end + 1, self.horizon)}
        lo, hi = bounds[phase]
        return lo - self.start if lo <= hi else None

    def last_of(self, phase: Phase) -> int | None:
        """Step at which a phase ends, or None if the timeline skips it."""
        ends = {Phase.EXCHANGE: self.phase1_end, Phase.PILOTS: self.phase2_end,
                Phase.AGREEMENTS: self.phase3_end, Phase.IMPLEMENTATION: self.horizon}
        first = self.first_of(phase)
        return None if first is None else ends[phase] - self.start

    def phase_spans(self) -> list[tuple[Phase, float, float]]:
        """(phase, start, end) in decimal years, for shading plots."""
        spans = []
        for ph in Phase:
            a, b = self.first_of(ph), self.last_of(ph)
            if a is not None and b is not None:
                spans.append((ph, self.decimal_year(a) - 0.125, self.decimal_year(b) + 0.125))
        return spans
