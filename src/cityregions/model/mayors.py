"""Mayor mode: students decide for chosen municipalities where the model's rule would otherwise decide.

A student-mayor answers the questions her council faces: the vote on each agreement at the end of phase 3
(and again after a municipal election while a theme has no binding agreement); afterwards, once a year (each
first quarter) and whenever her municipality has made losses in an agreement for `exit_patience` quarters in a
row, whether to stay in or leave it, or to join a binding agreement she is not in. Questions left unanswered are
decided by the rule, so a batch run with mayors but no answers is the ordinary model. Answers are consumed by
the quarter they were given for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cityregions.rules.cooperation import BINDING, Theme
from cityregions.world.phases import Phase

if TYPE_CHECKING:
    from cityregions.model.model import CityRegionModel

KINDS = ("vote", "stay", "join")  # yes/no, stay/leave, join/stay out


@dataclass(frozen=True)
class Question:
    """One decision a student-mayor must take before the next quarter is simulated."""

    municipality: int
    name: str
    theme: Theme
    kind: str  # one of KINDS; the answer True means yes / stay / join
    quarter: str

    @property
    def key(self) -> tuple[int, Theme]:
        """Where its answer is kept (model.students.answers)."""
        return self.municipality, self.theme


def due(m: CityRegionModel) -> list[Question]:
    """The questions the student-mayors face in the quarter about to be simulated."""
    t = m.steps  # index of the next quarter (Mesa's step counter is the number of quarters done)
    if not m.students.mayors or t >= m.timeline.n_steps:
        return []
    label = m.timeline.label(t)
    out = []
    out += [Question(i, m.geo.names[i], theme, "vote", label) for i in sorted(m.students.mayors)
            for theme in m.vote_themes(t)]
    if m.timeline.phase(t) != Phase.IMPLEMENTATION:
        return out
    session = m.timeline.quarter(t)[1] == 1  # the council's yearly session on cooperation
    patience = m.cfg.params.cooperation.exit_patience
    for i in sorted(m.students.mayors):
        for theme, agreements in m.coop.agreements.items():
            active = [a for a in agreements if a.active]
            mine = [a for a in active if a.members[i]]
            if mine:
                if session or any(a.loss_streak[i] >= patience for a in mine):
                    out.append(Question(i, m.geo.names[i], theme, "stay", label))
            elif session and any(a.status in BINDING for a in active):
                out.append(Question(i, m.geo.names[i], theme, "join", label))
    return out


def vote(m: CityRegionModel, theme: Theme, yes: np.ndarray, choices: list[dict]) -> np.ndarray:
    """The councils' votes with the student-mayors' answers in place of the rule's (each answer applied is added
    to choices, beside what the rule would have done)."""
    return _override(m, theme, yes, np.ones_like(yes), "vote", choices)


def leavers(m: CityRegionModel, theme: Theme, members: np.ndarray, rule: np.ndarray,
            choices: list[dict]) -> np.ndarray:
    """Who leaves: the rule's leavers, except student-mayors who stay; plus those who chose to leave."""
    return members & ~_override(m, theme, ~rule, members, "stay", choices)


def joiners(m: CityRegionModel, theme: Theme, members: np.ndarray, rule: np.ndarray,
            choices: list[dict]) -> np.ndarray:
    """Who joins: the rule's joiners, except student-mayors who stay out; plus those who chose to join."""
    return ~members & _override(m, theme, rule, ~members, "join", choices)


def _override(m: CityRegionModel, theme: Theme, rule: np.ndarray, eligible: np.ndarray, kind: str,
              choices: list[dict]) -> np.ndarray:
    out = rule.copy()
    for i in sorted(m.students.mayors):
        answer = m.students.answers.get((i, theme))
        if answer is not None and eligible[i]:
            out[i] = answer
            choices.append({"step": m.step_index, "quarter": m.timeline.label(m.step_index),
                                      "municipality": m.geo.names[i], "theme": theme.value, "question": kind,
                                      "answer": bool(answer), "rule": bool(rule[i])})
    return out
