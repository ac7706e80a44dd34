"""CityRegionModel: one city region, quarter by quarter, through the three CITY REGIONS phases and beyond.

Each quarter: the phase decides what the project makes possible (exchange, pilots, council votes), councils
decide on agreements, the region grows and municipalities supply land, residents commute and choose a
mode, budgets are settled, agreements show their results (trust, losses, fading), and Mesa's DataCollector
records the indicators. Wiring and order live here; the arithmetic lives in land, transport, fiscal,
payoffs and cooperation; the cooperation procedures in governance.
"""

from __future__ import annotations

import numpy as np
from mesa import DataCollector, Model

from cityregions.config import REGIONS, ConfigError, RunConfig, validate
from cityregions.config.seeds import run_seed
from cityregions.model import governance, indicators
from cityregions.model.agents import Municipality, RegionalPartner
from cityregions.model.blas import one_blas_thread
from cityregions.rules import fiscal, gravity, land, transport
from cityregions.rules.cooperation import Agreement, Payoff, Theme, initial_trust, planning_capacity
from cityregions.world.facts import RegionFacts, load_case_library, load_sourced_parameters, region_facts
from cityregions.world.geography import region_geography
from cityregions.world.phases import Phase, Timeline


class CityRegionModel(Model):
    """One city region: a core city, its surrounding municipalities and the regional partner body."""

    def __init__(self, config: RunConfig | None = None, *, region: str | None = None, seed: int | None = None,
                 facts: RegionFacts | None = None) -> None:
        with one_blas_thread():
            self._build(config, region, seed, facts)

    def _build(self, config: RunConfig | None, region: str | None, seed: int | None,
               facts: RegionFacts | None) -> None:
        cfg = validate(config if config is not None else RunConfig())
        name = region or cfg.region.name
        if name == "all":
            raise ConfigError("region='all' runs five models; build one model per region (see run_scenario)")
        self.region = name
        self.seed = run_seed(cfg, name) if seed is None else int(seed)
        super().__init__(rng=self.seed)
        self.cfg = cfg
        self.facts = facts if facts is not None else region_facts(cfg.region, name)
        lp, tp, cp = cfg.params.land, cfg.params.transport, cfg.params.cooperation
        self.timeline = Timeline.from_config(cfg.timeline)
        self.geo = region_geography(cfg, name, self.facts, self.seed)
        n = self.geo.n
        cases = load_case_library()
        sourced = load_sourced_parameters()

        # derived figures from the case library and the sourced parameters
        self.jobs_per_ha = cases.jobs_per_ha()
        self.brownfield_cost = cases.brownfield_cost_m_eur_per_ha()
        self.brownfield_subsidy_compact = cases.brownfield_public_share()
        self._brown_shares: np.ndarray | None = None  # brownfield share alone and in the compact, made once
        self.case_relevance = {t: cases.count(t.value) / (cases.count(t.value) + 3.0) for t in Theme}
        occ = float(sourced["car_occupancy_commute"].value)
        basis = float(sourced["co2_car_occupancy_basis"].value)
        self.co2_car = float(sourced["co2_car_kg_per_pkm"].value) * basis / occ
        self.co2_pt = float(sourced["co2_pt_kg_per_pkm"].value)
        self.growth_rate = self.facts.growth_rate
        self.job_growth_rate = self.facts.growth_rate * lp.job_growth_ratio

        # people and jobs
        self.population = self.geo.population.copy()
        self.population0 = float(self.population.sum())
        self.household_size0 = 2.0  # persons per household at the start (assumption; only its trend matters)
        self.household_size = self.household_size0
        workers = tp.employment_rate * self.population
        core = self.geo.core
        core_jobs = self.facts.core_jobs or tp.core_jobs_per_resident * self.population[core]
        core_jobs = min(core_jobs, 0.9 * workers.sum())
        self.jobs = workers * (workers.sum() - core_jobs) / max(workers.sum() - workers[core], 1.0)
        self.jobs[core] = core_jobs
        self.jobs0 = float(self.jobs.sum())

        # land, money, knowledge, trust
        self.land = land.initial_stock(self.geo.area_km2, self.geo.is_core, lp)
        self.area_ha = self.land.total().copy()
        self.debt_service = np.zeros(n)
        self.capacity = planning_capacity(self.population, self.population[core])
        self.log_pop = np.log10(self.population)
        self.knowledge = {t: np.zeros(n) for t in Theme}
        self.bias = {t: self.rng.normal(cp.perception_bias_mean, cp.perception_bias_sd, n) for t in Theme}
        pairs = self.geo.pairs
        self.trust = initial_trust(pairs, cp.trust_initial)  # one value per pair within reach
        self.adjacency = self.geo.network.matrix(n, None)  # 1 between neighbours (road or rail edge)
        self.adjacency.sort_indices()
        self.neighbour_pairs = pairs.positions(*self.adjacency.nonzero())  # -1: neighbours out of reach
        self.neighbours_in_reach = bool((self.neighbour_pairs >= 0).all())
        self.degree = np.maximum(self.adjacency.sum(axis=1), 1.0)  # neighbours of each municipality (at least 1)

        # transport
        self.headway_base = np.where(self.geo.is_core, tp.headway_core_min,
                                     np.where(self.geo.corridor >= 0, tp.headway_corridor_min, tp.headway_local_min))
        self.deterrence = pairs.matrix(np.exp(-tp.distance_decay * pairs.car_min))
        self._symmetric = gravity.is_symmetric(self.deterrence)
        car = transport.car_cost(pairs.car_min, pairs.road_km, tp)
        self._b: np.ndarray | gravity.Shortfall | None = None  # last balancing's factors, or proof it had none
        self._assoc: np.ndarray | None = None  # the association's members at the last quarter's commute
        self._p_pt: np.ndarray | None = None  # PT probability of every pair, once something asks for it
        self._balance()
        pt0 = transport.pt_cost(pairs.pt_min, pairs.by_origin(self.headway_base), pairs.own, tp)
        self.pt_target = self.facts.pt_share if self.facts.pt_share is not None else tp.commute_share_default
        self.asc = transport.calibrate_asc(self.flows, car, pt0, tp.mode_scale, self.pt_target)
        self.modes = transport.mode_tables(pairs, car, self.headway_base, cfg.scenario.service_cofinancing, self.asc,
                                           tp)
        self._pt_kernel = pairs.matrix(self.modes.kernel)
        self._symmetric_kernel = gravity.is_symmetric(self._pt_kernel)
        self.weighted = transport.weighted_tables(self.modes, pairs, self.deterrence, self._symmetric)  # or None

        # cooperation state
        self.agreements: dict[Theme, list[Agreement]] = {t: [] for t in Theme}
        self.last_payoff: dict[Theme, Payoff] = {}
        self.decisions: list[dict] = []
        self.membership_log: list[tuple[int, str, np.ndarray, np.ndarray]] = []  # (step, theme, who, member)
        self.mayors: set[int] = set()  # municipalities whose decisions students take (mayor mode)
        self.answers: dict[tuple[int, Theme], bool] = {}  # their answers for the coming quarter (mayors.due)
        self.student_choices: list[dict] = []  # every answer applied, beside what the rule would have done
        self._members_before = {t: np.zeros(n, dtype=bool) for t in Theme}
        self.pilots_formed = 0
        self.pilot_themes = self._resolve_themes(cfg.scenario.pilot_themes)
        self.vote_themes = tuple(dict.fromkeys(t for name_ in cfg.scenario.themes for t in self._resolve_themes(name_)))

        # per-quarter results read by the indicators
        self.greenfield_take_q = 0.0
        self.brownfield_reuse_q = 0.0
        self.greenfield_take_cum = 0.0
        self.greenfield_by_muni = np.zeros(n)
        self.demand_ema = None
        self.expected_comm_ha = np.zeros(n)  # expected annual commercial demand per municipality (ha/yr)
        self.commute = None
        self.pt_access = np.zeros(n)
        self.tc_paid = np.zeros(n)
        self.contributions = np.zeros(n)

        for i in range(n):
            Municipality(self, i, self.geo.names[i], bool(self.geo.is_core[i]))
        self.municipalities = self.agents_by_type[Municipality]
        budget = float(sourced["project_budget_eur"].value) / len(REGIONS)
        self.partner = RegionalPartner(self, self.facts.partner_body or "regional partner", budget,
                                       facilitation=1.0)
        self._commute()
        self._finance()
        self.datacollector = DataCollector(model_reporters=indicators.REPORTERS)

    # ------------------------------------------------------------------ helpers
    def _resolve_themes(self, spec: str) -> tuple[Theme, ...]:
        if spec == "none":
            return ()
        if spec == "region":
            return tuple(Theme(t) for t in self.facts.pilot_themes)
        return tuple(Theme(t) for t in spec.split("+"))

    def members(self, theme: Theme) -> np.ndarray:
        """Municipalities in an active agreement on a theme."""
        out = np.zeros(self.geo.n, dtype=bool)
        for a in self.agreements[theme]:
            if a.active:
                out |= a.members
        return out

    @property
    def step_index(self) -> int:
        """0-based index of the quarter being simulated (Mesa counts steps from 1)."""
        return self.steps - 1

    @property
    def phase(self) -> Phase:
        """Project phase of the current quarter."""
        return self.timeline.phase(max(self.step_index, 0))

    def _balance(self) -> None:
        """This quarter's commuting: the balancing's factors (`factors`), or the flows themselves where it has none
        (singly constrained or balanced in log space, `factors` None)."""
        workers = self.cfg.params.transport.employment_rate * self.population
        self._flows_now, self._b, self.factors = gravity.gravity_flows(
            workers, self.jobs, self.deterrence, self._b, factored=True, symmetric=self._symmetric)

    @property
    def factored(self) -> bool:
        """Whether this quarter's flow-weighted sums read the balancing's factors and the weighted tables."""
        return self.factors is not None and self.weighted is not None

    @property
    def flows(self) -> np.ndarray:
        """Commuters per pair within reach this quarter, made from the balancing's factors when first asked for
        (the model's own sums read the factors)."""
        if self._flows_now is None:
            self._flows_now = self.factors.flows(self.deterrence)
        return self._flows_now

    # ------------------------------------------------------------------ the quarter
    def step(self) -> None:
        """One quarter."""
        with one_blas_thread():
            self._quarter()

    def run_model(self) -> None:
        """Every quarter to the horizon (Mesa's run), on one BLAS thread throughout."""
        with one_blas_thread():
            super().run_model()

    def _quarter(self) -> None:
        t = self.step_index
        phase = self.phase
        if self.cfg.scenario.project:
            if phase == Phase.EXCHANGE:
                governance.exchange(self)
            if phase == Phase.PILOTS:
                if t == self.timeline.first_of(Phase.PILOTS):
                    governance.form_pilots(self, t)
                governance.pilot_learning(self)
            if t == self.timeline.last_of(Phase.AGREEMENTS):
                governance.council_vote(self, t)
        if phase == Phase.IMPLEMENTATION:
            governance.join_or_leave(self, t)
        self._grow()
        self._commute()
        self._finance()
        governance.settle(self, t)
        self._log_membership(t)
        self.answers = {}
        self.datacollector.collect(self)
        self.running = self.steps < self.timeline.n_steps  # Mesa's flag: False once the horizon is reached

    def _log_membership(self, t: int) -> None:
        """Record who entered or left an active agreement this quarter (pilots, votes, joins, leaves, fading)."""
        for theme in Theme:
            now = self.members(theme)
            who = np.flatnonzero(now != self._members_before[theme])
            if who.size:
                self.membership_log.append((t, theme.value, who, now[who]))
                self._members_before[theme] = now

    def _grow(self) -> None:
        """Regional growth: people and jobs, their allocation, and the land they take."""
        lp = self.cfg.params.land
        t = self.step_index + 1
        compact, coverage = self._compact()
        # people: regional total follows the growth input exactly
        target = self.population0 * (1.0 + self.growth_rate) ** (t / 4)
        d_pop = target - self.population.sum()
        access = self._access()
        avail = self.land.greenfield + self.land.brownfield
        if d_pop > 0:
            w = land.location_weights(self.population, access, avail, lp.access_weight)
        else:
            w = self.population
        households_before = self.population / self.household_size
        self.population = self.population + land.allocate(d_pop, w)
        self.household_size = self.household_size0 * (1.0 + lp.household_size_trend) ** (t / 4)
        new_households = np.maximum(self.population / self.household_size - households_before, 0.0)
        density = np.where(self.geo.is_core, lp.persons_per_ha_core, lp.persons_per_ha_suburb)
        res_need = new_households * self.household_size / density

        allowance = None
        if compact.any() and self.cfg.scenario.greenfield_cap is not None:
            cap_ha = self.cfg.scenario.greenfield_cap * self.population / 1e4 / 4
            allowance = np.where(compact, cap_ha, np.inf)
        brown_share = self._brown_share(compact)
        res = land.supply(res_need, self.land, brown_share, allowance)
        land.apply(self.land, res, "residential")
        g_used = res.greenfield.copy()
        b_used = res.brownfield.copy()
        if allowance is not None:
            allowance = allowance - res.greenfield

        # jobs: displaced by obsolescence, regional growth, allocated by firms' location choice
        derelict = land.obsolescence(self.land, 1.0 - (1.0 - lp.obsolescence_rate) ** 0.25)
        displaced = np.minimum(derelict * self.jobs_per_ha, self.jobs)
        self.jobs = self.jobs - displaced
        job_target = self.jobs0 * (1.0 + self.job_growth_rate) ** (t / 4)
        growth = job_target - self.jobs.sum() - displaced.sum()
        land_jobs = displaced.sum() + lp.land_using_job_share * max(growth, 0.0)
        other_jobs = job_target - self.jobs.sum() - land_jobs
        self.jobs = self.jobs + land.allocate(other_jobs, self.jobs)
        discount = fiscal.tax_discount(compact, coverage, lp.tax_discount_competing)
        comm_avail = self.land.commercial_vacant + self.land.greenfield + self.land.brownfield
        w = land.location_weights(self.jobs + 1.0, access, comm_avail, lp.access_weight,
                                  lp.firm_tax_sensitivity * discount)
        share = land.allocate(1.0, w)
        need_ha = land_jobs * share / self.jobs_per_ha
        q_demand = float(need_ha.sum())
        self.demand_ema = q_demand if self.demand_ema is None else 0.8 * self.demand_ema + 0.2 * q_demand
        if compact.any():
            pooled = float(need_ha[compact].sum())
            need_ha = np.where(compact, 0.0, need_ha)
            need_ha = need_ha + governance.distribute_pool(self, pooled, compact)
        remaining = land.occupy(self.land, need_ha)
        conv = land.supply(remaining, self.land, brown_share, allowance)
        land.apply(self.land, conv, "commercial_vacant")
        land.occupy(self.land, conv.greenfield + conv.brownfield)
        g_used += conv.greenfield
        b_used += conv.brownfield
        if allowance is not None:
            allowance = allowance - conv.greenfield
        placed = need_ha * self.jobs_per_ha
        self.jobs = self.jobs + land.allocate(land_jobs, np.where(placed.sum() > 0, placed, share))

        # reserves: alone every municipality zones ahead of its optimistic share; the compact zones once, jointly
        annual = 4.0 * self.demand_ema * share
        self.expected_comm_ha = annual
        target_res = lp.reserve_years * annual * np.where(compact, 1.0, lp.optimism)
        gap = land.reserve_gap(self.land, target_res)
        if compact.any():
            pool_gap = max(float(target_res[compact].sum() - self.land.commercial_vacant[compact].sum()), 0.0) * 0.25
            gap = np.where(compact, 0.0, gap) + governance.distribute_reserve(self, pool_gap, compact)
        zoned = land.supply(gap, self.land, brown_share, allowance)
        land.apply(self.land, zoned, "commercial_vacant")
        g_used += zoned.greenfield
        b_used += zoned.brownfield

        capital = (g_used * lp.greenfield_cost_m_eur_per_ha
                   + b_used * self.brownfield_cost * (1.0 - self._subsidy(compact))) * 1e6
        self.debt_service = self.debt_service + capital * lp.annuity_rate
        self.greenfield_take_q = float(g_used.sum())
        self.brownfield_reuse_q = float(b_used.sum())
        self.greenfield_take_cum += self.greenfield_take_q
        self.greenfield_by_muni += g_used

    def _compact(self) -> tuple[np.ndarray, float]:
        """Members of the land compact and their share of the region's residents."""
        compact = self.members(Theme.LAND)
        return compact, float(self.population[compact].sum() / self.population.sum())

    def _subsidy(self, compact: np.ndarray) -> np.ndarray:
        return np.where(compact, self.brownfield_subsidy_compact, self.cfg.params.land.brownfield_subsidy_solo)

    def _brown_share(self, compact: np.ndarray) -> np.ndarray:
        """Share of development on brownfield: the developer's logit for the net cost alone or in the compact,
        two values chosen by membership (compact members all brownfield under brownfield-first)."""
        if self._brown_shares is None:
            lp = self.cfg.params.land
            net = self.brownfield_cost * (1.0 - np.array([lp.brownfield_subsidy_solo, self.brownfield_subsidy_compact]))
            self._brown_shares = land.brownfield_share(lp.greenfield_cost_m_eur_per_ha, net, lp.cost_choice_scale)
        solo, member = self._brown_shares
        return np.where(compact, 1.0 if self.cfg.scenario.brownfield_first else member, solo)

    def _access(self) -> np.ndarray:
        acc = np.log(self._by_car(self.jobs) + 1.0)
        return acc - acc.mean()

    def _commute(self) -> None:
        """Commuting flows, mode choice and public-transport access with the association's current members."""
        tp, sc = self.cfg.params.transport, self.cfg.scenario
        pairs = self.geo.pairs
        self._balance()
        assoc = self.members(Theme.TRANSPORT)
        if self._p_pt is not None and (assoc != self._assoc).any():  # mode choice changes only in their rows
            self._p_pt = transport.pt_probability_update(self._p_pt, self.modes, pairs, assoc, self._assoc,
                                                         sc.tariff_integration)
        self._assoc = assoc
        if self.factored:
            self.commute = transport.commute_outcome_factored(self.factors, self.weighted, assoc,
                                                              sc.tariff_integration, tp, self.co2_car, self.co2_pt)
        else:
            self.commute = transport.commute_outcome(self.flows, self.p_pt, pairs, tp, self.co2_car, self.co2_pt)
        by_pt = gravity.products(self._pt_kernel, self._symmetric_kernel)[0](self.jobs)
        self.pt_access = by_pt * transport.pt_wait_factor(self.modes, assoc) / self._by_car(self.jobs)

    def _by_car(self, x: np.ndarray) -> np.ndarray:
        """The deterrence times x, reading one triangle of it where it is symmetric."""
        return gravity.products(self.deterrence, self._symmetric)[0](x)

    @property
    def p_pt(self) -> np.ndarray:
        """PT probability of every pair within reach with the association's current members: chosen when first
        asked for (the flows' own sums in a dense region do without), then kept up to date as members change."""
        if self._p_pt is None:
            self._p_pt = transport.pt_probability_now(self.modes, self.geo.pairs, self._assoc,
                                                      self.cfg.scenario.tariff_integration)
        return self._p_pt

    def _finance(self) -> None:
        fp, lp = self.cfg.params.fiscal, self.cfg.params.land
        compact, coverage = self._compact()
        own = fiscal.business_tax(self.jobs, fp.business_tax_eur_per_job,
                                  fiscal.tax_discount(compact, coverage, lp.tax_discount_competing))
        pooled = fiscal.pool_revenue(own, compact, self.population, self.cfg.scenario.revenue_sharing_key)
        self.revenue = pooled + fp.revenue_eur_per_capita * self.population

    @property
    def fiscal_capacity(self) -> np.ndarray:
        """Annual budget margin per municipality (EUR/yr): revenue less debt service, costs and contributions."""
        return self.revenue - self.debt_service - self.tc_paid - self.contributions


def build_model(cfg: RunConfig, region: str | None = None) -> CityRegionModel:
    """A model for one region of a configuration (region defaults to cfg.region.name)."""
    return CityRegionModel(cfg, region=region)
