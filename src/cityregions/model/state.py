"""The model's state in a few dataclasses, one entry per municipality in each array.

What changes quarter by quarter: people and jobs (`People`), land taken and expected (`LandUse`, beside the land
classes themselves in `rules.land.LandStock`), budgets (`Money`), commuting (`Commuting`), cooperation
(`Cooperation`) and the student-mayors' answers (`Students`). What is made once at build and never changes:
figures derived from data and the scenario (`Constants`), the transport tables commuting reads
(`TransportTables`) and what each council brings to cooperation (`Councils`). CityRegionModel holds one of each;
the agents read them by index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from cityregions.rules import boundary, furness, gravity, transport
from cityregions.rules.cooperation import Agreement, Payoff, Theme
from cityregions.world.catchment import Catchment


# ---------------------------------------------------------------------------------------- made once at build
@dataclass(frozen=True)
class Constants:
    """Figures derived once from the case library, the sourced parameters, the region's facts and the scenario."""

    jobs_per_ha: float  # jobs per hectare of commercial land (case library, realised jobs)
    brownfield_cost: float  # cost of bringing brownfield back into use (M EUR/ha, case library)
    brownfield_subsidy_compact: float  # public share of that cost in the land compact (case library)
    brown_share_solo: float  # share of development a developer puts on brownfield, alone ...
    brown_share_member: float  # ... and in the land compact (binary logit on the net costs)
    case_relevance: dict[Theme, float]  # what the good-practice cases can teach on each theme (0-1)
    co2_car: float  # kg CO2 per commuter-km by car, at the commuting occupancy
    co2_pt: float  # kg CO2 per passenger-km by public transport
    growth_inputs: np.ndarray  # each municipality's part's sourced growth (core or ring, 1/yr): only their sum is
    # imposed, as the regional total; where people settle is the location choice's
    resident_targets: np.ndarray  # the region's residents the growth inputs impose at the end of each quarter t
    # (entry t - 1: each municipality's start population grown at its part's input for t quarters, summed)
    persons_per_ha: np.ndarray  # density of new housing in each municipality (core or suburb)
    brown_shares_alone: np.ndarray  # brown_share_solo in each municipality: the shares where no compact binds
    job_growth_rate: float  # regional job growth (1/yr)
    other_use_share: float  # the country's share of land take for uses other than housing and commerce
    employment_rate: float  # employed residents per resident: the region's sourced figure, else the parameter
    household_size0: float  # persons per household at the start
    project_funds_eur: float  # the project's funds for this region's pilots
    pilot_themes: tuple[Theme, ...]  # themes the project pilots in phase 2
    vote_themes: tuple[Theme, ...]  # themes the councils vote on at the end of phase 3
    vote_step: int | None  # the quarter of that vote: the last of phase 3 (None: the timeline skips phase 3)


@dataclass(frozen=True, eq=False)
class TransportTables:
    """What commuting reads every quarter and never changes."""

    headway_base: np.ndarray  # PT headway at each municipality's stations without the association (min)
    deterrence: np.ndarray | sparse.csr_array  # exp(-decay car minutes) of every pair within reach, as a matrix
    symmetric: bool  # the deterrence is symmetric: its products read one triangle
    pt_target: float  # the observed PT share of commuting that the PT constant reproduces
    asc: float  # the PT constant (EUR/trip)
    modes: transport.ModeTables  # mode choice of every pair in each situation it can be in
    pt_kernel: np.ndarray | sparse.csr_array  # exp(-decay PT minutes) of every pair within reach, as a matrix
    symmetric_kernel: bool  # the PT kernel is symmetric
    weighted: transport.WeightedTables | None  # the mode tables times the deterrence (dense regions only)
    authority: np.ndarray | None = None  # municipalities an existing transport authority serves (None: none)
    zone: boundary.ExternalZone | None = None  # the outside as one zone (None: a closed region)
    open_deterrence: np.ndarray | sparse.csr_array | None = None  # the deterrence with the zone's row and column

    def by_car(self, x: np.ndarray) -> np.ndarray:
        """The deterrence times x, reading one triangle of it where it is symmetric."""
        return gravity.products(self.deterrence, self.symmetric)[0](x)


@dataclass(frozen=True, eq=False)
class Councils:
    """What each council brings to cooperation and keeps: planning capacity, size, bias and neighbours."""

    capacity: np.ndarray  # administrative capacity 0-1, from the start population
    log_pop: np.ndarray  # log10 of the start population
    cost_bases: tuple[np.ndarray, ...]  # staff effort of belonging (EUR/yr) x each transaction cost's weight
    bias: dict[Theme, np.ndarray]  # how far a council misjudges an agreement's benefit until knowledge corrects it
    adjacency: sparse.csr_array  # 1 between neighbours (road or rail edge), indices sorted
    degree: np.ndarray  # neighbours of each municipality (at least 1)
    neighbour_pairs: np.ndarray  # each neighbour pair's position among the pairs within reach (-1: out of reach)
    neighbours_in_reach: bool  # every neighbour pair is within reach


# ------------------------------------------------------------------------------------- changes each quarter
@dataclass
class People:
    """Residents, jobs and the mean household size, with the region's totals at the start."""

    population: np.ndarray
    jobs: np.ndarray
    household_size: float  # persons per household
    population0: float  # the region's residents at the start
    start: np.ndarray  # each municipality's residents at the start
    jobs0: float  # the region's jobs at the start
    small: np.ndarray  # the smaller half of municipalities at the start (indicators.smaller_half)


@dataclass
class LandUse:
    """Each municipality's area, the land taken (greenfield) and reused (brownfield), and expected demand."""

    area_ha: np.ndarray  # constant: the land classes always sum to it
    greenfield_by_muni: np.ndarray  # greenfield taken since the start (ha)
    expected_commercial_ha: np.ndarray  # expected annual commercial demand (ha/yr)
    greenfield_q: float = 0.0  # greenfield taken this quarter (ha)
    brownfield_q: float = 0.0  # brownfield brought back into use this quarter (ha)
    greenfield_cum: float = 0.0  # greenfield taken since the start (ha)
    demand_ema: float | None = None  # smoothed regional commercial demand (ha/quarter); None before any


@dataclass
class Money:
    """Each municipality's budget (EUR/yr): revenue, debt service on the land it developed, and cooperation's costs."""

    revenue: np.ndarray
    debt_service: np.ndarray
    tc_paid: np.ndarray  # transaction costs paid this quarter (annualised)
    contributions: np.ndarray  # financial contributions to agreements, net of side payments received (annualised)
    booked: np.ndarray | None = None  # each LEDGER item (a row) summed over the quarters so far (EUR; None: none)
    discounted: np.ndarray | None = None  # the same, discounted to the first quarter (EUR)

    LEDGER = ("fiscal_capacity", "tc_paid", "contributions")  # the items summed (the municipalities table's)

    def book(self, t: int, rate: float) -> None:
        """Add quarter t's amounts (a quarter of each annual figure) to the totals, and discounted at the annual
        rate to the first quarter (mid-quarter: t + 1/2 quarters) to the present values: the items as the rows
        of one array, in a few operations for all of them."""
        factor = (1.0 + rate) ** (-(t + 0.5) / 4.0)
        quarter = np.divide([getattr(self, item) for item in self.LEDGER], 4.0)
        booked, discounted = (0.0, 0.0) if self.booked is None else (self.booked, self.discounted)
        self.booked, self.discounted = booked + quarter, discounted + factor * quarter

    @property
    def totals(self) -> dict[str, np.ndarray]:
        """Each LEDGER item summed over the quarters so far (EUR), by name (empty before the first quarter)."""
        return {} if self.booked is None else dict(zip(self.LEDGER, self.booked, strict=True))

    @property
    def present(self) -> dict[str, np.ndarray]:
        """The totals discounted to the first quarter (EUR), by name (empty before the first quarter)."""
        return {} if self.discounted is None else dict(zip(self.LEDGER, self.discounted, strict=True))

    @property
    def fiscal_capacity(self) -> np.ndarray:
        """Annual budget margin per municipality (EUR/yr): revenue less debt service, costs and contributions."""
        return self.revenue - self.debt_service - self.tc_paid - self.contributions


@dataclass
class Commuting:
    """This quarter's commuting: the gravity model's balancing, mode choice with the association's members, what
    it amounts to and PT job access. The flows and PT probabilities of every pair are made only when asked for
    (the flow-weighted sums of a dense region read the balancing's factors and the weighted tables instead)."""

    tables: TransportTables
    pairs: Catchment
    integration: bool  # the association integrates tariffs
    warm_start: np.ndarray | gravity.Shortfall | None  # the last balancing's factors, or proof it had none
    before: np.ndarray | None = None  # the balancing's factors the quarter before warm_start's (None: none)
    inverse: np.ndarray | None = None  # a dense region's chord inverse (rules.furness), made at its first balancing
    # (the build's commute) from the build's factors and kept: run-constant
    factors: gravity.Factors | None = None  # this quarter's balancing factors (None: the flows were made directly)
    association: np.ndarray | None = None  # the association's members at this quarter's commute
    outcome: transport.CommuteResult | None = None  # mode shares, passenger-km and CO2
    pt_access: np.ndarray | None = None  # jobs reachable by PT relative to by car
    car_access: np.ndarray | None = None  # jobs reachable by car (the deterrence times jobs), at commuting's jobs
    crossings: boundary.Crossings | None = None  # this quarter's commuters across the boundary (None: closed)
    _flows: np.ndarray | None = field(default=None, init=False, repr=False)
    _p_pt: np.ndarray | None = field(default=None, init=False, repr=False)

    def balance(self, workers: np.ndarray, jobs: np.ndarray) -> None:
        """This quarter's balancing: its factors, or the flows themselves where it has none (singly constrained or
        balanced in log space). An open region balances with the external zone and keeps the flows among its own
        municipalities and the commuters across its boundary."""
        t = self.tables
        # the factors drift steadily: start from the last two extrapolated (where all pairs are within reach, in
        # two calls, and by chord sweeps with the inverse made at the first balancing)
        extrapolated = furness.extrapolated if isinstance(t.deterrence, np.ndarray) else gravity.extrapolated
        start = extrapolated(self.before, self.warm_start)
        first = self.before is None and self.inverse is None
        r = boundary.balance(workers, jobs, t.deterrence, t.symmetric, start, t.zone, t.open_deterrence, self.inverse,
                             linearise=first)
        self.before = self.warm_start if isinstance(self.warm_start, np.ndarray) else None
        self._flows, self.warm_start, self.factors, self.crossings = r.flows, r.warm_start, r.factors, r.crossings
        self.inverse = r.inverse

    def associate(self, members: np.ndarray) -> None:
        """The association's members for this quarter: PT probabilities, where already made, change only in the
        rows (and columns) of those who joined or left."""
        if self._p_pt is not None and (members != self.association).any():
            self._p_pt = transport.pt_probability_update(self._p_pt, self.tables.modes, self.pairs, members,
                                                         self.association, self.integration)
        self.association = members

    @property
    def factored(self) -> bool:
        """Whether this quarter's flow-weighted sums read the balancing's factors and the weighted tables."""
        return self.factors is not None and self.tables.weighted is not None

    @property
    def flows(self) -> np.ndarray:
        """Commuters per pair within reach this quarter, made from the balancing's factors when first asked for."""
        if self._flows is None:
            self._flows = self.factors.flows(self.tables.deterrence)
        return self._flows

    @property
    def p_pt(self) -> np.ndarray:
        """PT probability of every pair within reach with the association's current members: chosen when first
        asked for, then kept up to date as members change."""
        if self._p_pt is None:
            self._p_pt = transport.pt_probability_now(self.tables.modes, self.pairs, self.association,
                                                      self.integration)
        return self._p_pt


@dataclass
class Cooperation:
    """Where cooperation stands: knowledge and trust, the agreements, and the record of every decision and every
    membership change."""

    knowledge: dict[Theme, np.ndarray]  # knowledge of cooperation practice per theme (0-1)
    trust: np.ndarray  # one value per pair within reach (0-1)
    agreements: dict[Theme, list[Agreement]]
    members_before: dict[Theme, np.ndarray]  # active members at the last membership record
    last_payoff: dict[Theme, Payoff] = field(default_factory=dict)  # the last realised payoff on each theme
    decisions: list[dict] = field(default_factory=list)  # every decision with the payoff breakdown it rested on
    membership_log: list[tuple[int, str, np.ndarray, np.ndarray]] = field(default_factory=list)  # step, theme,
    # who changed, whether each is now a member
    pilots_formed: int = 0


@dataclass
class Students:
    """Mayor mode: the municipalities whose decisions students take, their answers for the coming quarter
    (mayors.due), and every answer applied beside what the rule would have done."""

    mayors: set[int] = field(default_factory=set)
    answers: dict[tuple[int, Theme], bool] = field(default_factory=dict)
    choices: list[dict] = field(default_factory=list)
