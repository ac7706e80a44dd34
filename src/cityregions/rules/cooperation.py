"""Cooperation: agreements, transaction costs, trust, learning, and the decision to join, stay or leave.

A municipality weighs an agreement's expected benefit against four transaction costs (information,
negotiation, enforcement, agency: Feiock's institutional collective action framework, Feiock 2013) and the
autonomy it gives up. Transaction costs grow with group size and heterogeneity and shrink with trust,
planning capacity and knowledge; trust grows with successful joint work, falls when partners leave, and
decays; knowledge comes from the exchange of good practice (phase 1) and from taking part in a pilot.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import IntEnum
from functools import cached_property

import numpy as np

from cityregions.config import CooperationParams, Theme
from cityregions.world.catchment import Catchment


class Status(IntEnum):
    """Life cycle of an agreement."""

    PILOT = 1  # a phase-2 pilot coalition run with project funds
    INFORMAL = 2  # cooperation that was not ratified: it operates but fades
    INSTITUTIONALISED = 3  # ratified by the councils as a body with its own organs: it lasts
    DISSOLVED = 4
    CONTRACT = 5  # ratified by the councils as a contract among them: it lasts, kept at more cost than a body


STRENGTH = (Status.DISSOLVED, Status.PILOT, Status.INFORMAL, Status.CONTRACT, Status.INSTITUTIONALISED)  # weakest first
BINDING = (Status.CONTRACT, Status.INSTITUTIONALISED)  # ratified agreements, binding on their members
ENFORCEMENT = {Status.PILOT: 1.0, Status.INFORMAL: 1.0, Status.CONTRACT: 0.75, Status.INSTITUTIONALISED: 0.5,
               Status.DISSOLVED: 1.0}  # enforcement cost relative to informal cooperation (assumption)


class Action(IntEnum):
    """What a municipality decided about an agreement."""

    JOIN_PILOT = 1
    VOTE_YES = 2
    VOTE_NO = 3
    JOIN = 4
    LEAVE = 5


@dataclass(frozen=True, eq=False)
class Agreement:
    """One agreement on one theme: its members, status and history. Frozen: a procedure that changes it returns a
    new one (dataclasses.replace); two agreements are the same only if they are one object."""

    theme: Theme
    members: np.ndarray  # bool, one entry per municipality
    status: Status
    formed_step: int
    strength: float = 1.0
    key: float | None = None  # the sharing key it was agreed with (None: the scenario's)
    side_payments: np.ndarray | None = None  # EUR/yr each member receives (pays: negative), fixed when agreed
    loss_streak: np.ndarray = field(default=None)  # quarters of net loss in a row, per municipality
    last_payoff: Payoff | None = None  # realised payoff of the last quarter, what councils judge by

    def __post_init__(self) -> None:
        if self.loss_streak is None:
            object.__setattr__(self, "loss_streak", np.zeros(len(self.members), dtype=int))

    @cached_property
    def active(self) -> bool:
        """True while it operates (found once: an agreement is frozen and its members are never changed in place,
        a procedure that changes them makes a new agreement)."""
        return self.status != Status.DISSOLVED and bool(np.count_nonzero(self.members))


@dataclass(frozen=True)
class Payoff:
    """Annual payoff (EUR) of an agreement for every municipality, as its council sees it: what belonging does
    to its budget, its residents' gains at the council's political weight, and what belonging costs (at several
    keys at once, a part a key changes has one row per key: at_key)."""

    benefit: np.ndarray  # to the council's budget
    welfare: np.ndarray  # residents' gains (commuters' time and money, congestion relief) x the political weight
    free_riding: np.ndarray  # what staying out would bring beyond that: firms the members' greenfield cap turns away
    information: np.ndarray
    negotiation: np.ndarray
    enforcement: np.ndarray
    agency: np.ndarray
    autonomy: np.ndarray
    dominance: np.ndarray  # the extra autonomy cost of a group the core city dominates
    inequity: np.ndarray  # the cost of gaining less per resident than the group's average
    contribution: np.ndarray
    trust: np.ndarray
    side_payment: np.ndarray  # received from the other negotiators (paid: negative)

    def at_key(self, k: int) -> Payoff:
        """The payoff at the k-th of the keys it was computed at (payoffs_at_keys with a column of keys: a part a
        key changes has one row per key, a part no key changes is one row for them all)."""
        parts = {f.name: getattr(self, f.name) for f in fields(self)}
        return Payoff(**{name: v[k] if v.ndim == 2 else v for name, v in parts.items()})

    @cached_property
    def transaction(self) -> np.ndarray:
        """Sum of the four transaction costs."""
        return self.information + self.negotiation + self.enforcement + self.agency

    @cached_property
    def net(self) -> np.ndarray:
        """Budget benefit and weighted welfare less the value of staying out, transaction costs, autonomy,
        dominance and inequity costs and the financial contribution, plus side payments received."""
        gains = self.benefit + self.welfare + self.side_payment
        return gains - self.free_riding - self.transaction - self.autonomy - self.dominance - self.inequity \
            - self.contribution

    def row(self, i: int) -> dict[str, float]:
        """The breakdown for one municipality."""
        return self.rows(np.array([i]))[0]

    def rows(self, idx: np.ndarray) -> list[dict[str, float]]:
        """The breakdown for each of several municipalities."""
        return [dict(zip(BREAKDOWN, values, strict=True)) for values in zip(*self.columns(idx), strict=True)]

    def columns(self, idx: np.ndarray) -> list[list[float]]:
        """The breakdown's columns (BREAKDOWN's order) for several municipalities, one list of floats each."""
        return [getattr(self, k)[idx].tolist() for k in BREAKDOWN]


BREAKDOWN = (*(f.name for f in fields(Payoff)), "net")  # the payoff breakdown's columns, as decisions record them


def planning_capacity(population: np.ndarray, core_population: float) -> np.ndarray:
    """Administrative capacity 0-1, rising with the log of population (1 000 inhabitants: 0; the core: 1)."""
    top = max(np.log10(core_population) - 3.0, 1e-9)
    return np.clip((np.log10(population) - 3.0) / top, 0.0, 1.0)


def group_trust(trust: np.ndarray, pairs: Catchment, members: np.ndarray, initial: float) -> np.ndarray:
    """Each municipality's mean trust towards the (other) members of a group (trust: one value per pair within
    reach; members out of reach are trusted at the initial level, as nothing has happened between them)."""
    m = members.astype(float)
    own = trust[pairs.diag]
    total = pairs.matrix(trust) @ m - own * m
    count = m.sum() - m
    if not pairs.complete:
        known = pairs.row_sums(m[pairs.dest]) - m
        total = total + initial * (count - known)
    return np.where(count > 0, total / np.maximum(count, 1.0), own)


def staff_cost(cp: CooperationParams, scale: float, capacity: np.ndarray, log_pop: np.ndarray) -> np.ndarray:
    """Each council's staff effort of belonging to a group, before the four costs' weights (EUR/yr): it grows with
    a municipality's size, (population / 10 000)^tc_size_exponent, and planning capacity relieves part of it."""
    size = 10.0 ** ((log_pop - 4.0) * cp.tc_size_exponent)
    return cp.tc_base_keur * 1000.0 * scale * size * (1.0 - cp.capacity_relief * capacity)


def cost_bases(cp: CooperationParams, base: np.ndarray) -> tuple[np.ndarray, ...]:
    """The staff cost times each of the four costs' weights (information, negotiation, enforcement, agency): what
    transaction_costs scales, as fixed in a run as the staff cost is."""
    return tuple(base * w for w in cp.tc_weights)


def transaction_costs(cp: CooperationParams, scale: float, capacity: np.ndarray, knowledge: np.ndarray,
                      trust_to_group: np.ndarray, group_size: np.ndarray, log_pop: np.ndarray,
                      members_after: np.ndarray | None, enforcement_share: float,
                      bases: tuple[np.ndarray, ...] | None = None) -> tuple[np.ndarray, ...]:
    """Information, negotiation, enforcement and agency costs (EUR/yr) of belonging to a group.

    The staff effort (staff_cost) grows with a municipality's size and planning capacity relieves part of it.
    group_size is the size each municipality would be in; heterogeneity is the spread of log10 population among
    the members, and agency costs grow with a municipality's distance from the group's typical size.
    enforcement_share: the agreement's enforcement cost relative to informal cooperation (ENFORCEMENT). bases:
    cost_bases of the staff cost where the caller holds them already (the model's councils keep theirs: they
    never change in a run).
    """
    if bases is None:
        bases = cost_bases(cp, staff_cost(cp, scale, capacity, log_pop))
    b_info, b_neg, b_enf, b_agency = bases
    if members_after is not None and np.count_nonzero(members_after) >= 2:
        x = log_pop[members_after]  # np.std and np.mean by their own steps, with the mean computed once
        centre = x.sum() / len(x)
        x = x - centre
        x *= x
        hetero, centre = float(np.sqrt(x.sum() / len(x))), float(centre)
    else:
        hetero, centre = 0.0, float(np.mean(log_pop))
    info = b_info * (1.0 - knowledge)
    neg = b_neg * (np.maximum(group_size, 1) / 10.0) ** cp.group_size_exponent * (1.0 + hetero)
    enf = b_enf * (1.0 - trust_to_group) * enforcement_share
    agency = b_agency * (1.0 + np.abs(log_pop - centre))
    return info, neg, enf, agency


def with_each(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """The group's total of values with each municipality in it: the members' total, plus its own for a
    non-member (values: one per municipality, or one row of them per key, each row on its own)."""
    if values.ndim == 1:
        total = np.add.reduce(values[members])
    else:  # the members' values row by row, each row contiguous: summed in the order of a single row
        total = np.add.reduce(np.compress(members, values, axis=-1), axis=-1, keepdims=True)
    return total + np.where(members, 0.0, values)


def dominance(autonomy: np.ndarray, population: np.ndarray, members: np.ndarray, is_core: np.ndarray,
              weight: float, pop_after: np.ndarray | None = None) -> np.ndarray:
    """The extra autonomy cost of a group the core city dominates: a suburb's autonomy cost times the weight
    times the core's share of the group's residents with the suburb in it; the core bears none (pop_after:
    with_each of the population, where the caller has it)."""
    if not members[is_core].any():
        return np.zeros_like(autonomy)
    if pop_after is None:
        pop_after = with_each(population, members)
    return np.where(is_core, 0.0, weight * population[is_core].sum() / pop_after * autonomy)


def inequity(gain: np.ndarray, population: np.ndarray, members: np.ndarray, aversion: float,
             pop_after: np.ndarray | None = None) -> np.ndarray:
    """Disadvantageous inequity (Fehr and Schmidt 1999) of belonging: aversion times what a municipality gains
    per resident below the group's average with it in, times its residents (EUR/yr; pop_after: with_each of the
    population, where the caller has it)."""
    total_pop = with_each(population, members) if pop_after is None else pop_after
    mean = with_each(gain, members) / np.maximum(total_pop, 1.0)
    own = gain / np.maximum(population, 1.0)
    return aversion * np.maximum(mean - own, 0.0) * population


def trust_gain(trust: np.ndarray, pairs: Catchment, successful: np.ndarray, rate: float,
               out: np.ndarray | None = None) -> np.ndarray:
    """Trust gained in a quarter by each pair of co-members (within reach) whose joint work succeeded (added to
    out when given, so a quarter's gains from several agreements accumulate in place)."""
    out = np.zeros_like(trust) if out is None else out
    pos = pairs.block(successful, successful)
    out[pos] += rate * (1.0 - trust[pos])
    return out


def decay_trust(trust: np.ndarray, pairs: Catchment, decay: float, initial: float,
                out: np.ndarray | None = None) -> np.ndarray:
    """Trust pulled back towards its initial level, T (1 - decay) + decay initial; self-trust stays 1, values
    stay at most 1 (and at least 0, as every term is). out may be trust itself."""
    out = np.multiply(trust, 1.0 - decay, out=out)
    out += decay * initial
    out[pairs.diag] = 1.0
    return at_most_one(out)


def at_most_one(x: np.ndarray) -> np.ndarray:
    """x with every value above 1 set to 1, in place: np.minimum(x, 1, out=x) in a cheaper pass over it."""
    np.copyto(x, 1.0, where=x > 1.0)
    return x


def update_trust(trust: np.ndarray, pairs: Catchment, successes: list[np.ndarray], rate: float, decay: float,
                 initial: float) -> np.ndarray:
    """Trust after a quarter: co-members of each successful agreement grow closer by rate (1 - T), once per
    agreement they share; then all trust decays to its start (decay_trust).

    Where every pair is within reach it is a few whole-array passes however many agreements succeed and however
    large they are: with C = (1 - decay) rate (agreements the pair shares), one product of the members'
    indicator columns, the quarter is T (1 - decay - C) + C + decay initial."""
    if successes and pairs.complete:
        if len(successes) == 1:  # the product of one column and its transpose: their outer product
            gained = np.multiply.outer(successes[0] * (rate * (1.0 - decay)), successes[0]).ravel()
        else:
            s = np.column_stack(successes).astype(float)
            gained = ((s * (rate * (1.0 - decay))) @ s.T).ravel()
        gained += decay * initial
        out = np.subtract(1.0 - decay + decay * initial, gained)
        out *= trust
        out += gained
        out[pairs.diag] = 1.0
        return at_most_one(out)
    if not successes:
        return decay_trust(trust, pairs, decay, initial)
    out = trust.copy()
    for successful in successes:
        trust_gain(trust, pairs, successful, rate, out=out)
    return decay_trust(out, pairs, decay, initial, out=out)


def betrayal(trust: np.ndarray, pairs: Catchment, leavers: np.ndarray, members: np.ndarray,
             penalty: float, out: np.ndarray | None = None) -> np.ndarray:
    """Members lose trust in those who left them (free riding on what was built together); out may be trust."""
    out = trust.copy() if out is None else out
    out[pairs.block(members, leavers)] *= 1.0 - penalty
    return out


def initial_trust(pairs: Catchment, initial: float) -> np.ndarray:
    """Trust at the start: the initial level between municipalities, 1 towards oneself."""
    out = np.full(pairs.nnz, initial)
    out[pairs.diag] = 1.0
    return out


def learn(knowledge: np.ndarray, participants: np.ndarray, rate: float, relevance: float) -> np.ndarray:
    """Knowledge after a quarter of exchange: participants close part of the gap to full knowledge."""
    return knowledge + participants * rate * relevance * (1.0 - knowledge)


def perceived(benefit: np.ndarray, bias: np.ndarray, knowledge: np.ndarray) -> np.ndarray:
    """The benefit a council expects: the true one distorted by a bias that knowledge removes."""
    return benefit * (1.0 + bias * (1.0 - knowledge))


def cofinanced(request_eur: float, funds_eur: float) -> float:
    """What the project pays of a request (EUR): all of it while its funds last, never more than is left."""
    return min(max(request_eur, 0.0), funds_eur)


def choose(net: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Logit decision: True with probability 1 / (1 + exp(-net / noise))."""
    prob = 1.0 / (1.0 + np.exp(np.clip(-net / noise, -50, 50)))
    return rng.random(len(net)) < prob
