"""CityRegionModel: one city region, quarter by quarter, through the three CITY REGIONS phases and beyond.

Each quarter: the phase decides what the project makes possible (exchange, pilots, council votes), councils
decide on agreements, the region grows and municipalities supply land, residents commute and choose a
mode, budgets are settled, agreements show their results (trust, losses, fading), and Mesa's DataCollector
records the indicators. Wiring and order live here; the state in state.py; the arithmetic in the rules (land,
transport, fiscal, payoffs, cooperation); growth's stages in growth.py; the cooperation procedures in
governance.py, which return what they decide for the quarter to apply.
"""

from __future__ import annotations

import numpy as np
from mesa import DataCollector, Model

from cityregions.config import REGIONS, ConfigError, RunConfig, validate
from cityregions.config.seeds import run_seed
from cityregions.model import governance, growth, indicators, vote
from cityregions.model.agents import Municipality, RegionalPartner
from cityregions.model.blas import one_blas_thread
from cityregions.model.state import (
    Commuting,
    Constants,
    Cooperation,
    Councils,
    LandUse,
    Money,
    People,
    Students,
    TransportTables,
)
from cityregions.rules import boundary, fiscal, gravity, land, transport
from cityregions.rules.cooperation import (
    BINDING,
    Theme,
    betrayal,
    cost_bases,
    initial_trust,
    planning_capacity,
    staff_cost,
)
from cityregions.world.facts import RegionFacts, load_case_library, load_sourced_parameters, region_facts
from cityregions.world.geography import region_geography, region_label, tariff_union
from cityregions.world.institutions import election_days, transport_authority
from cityregions.world.phases import Phase, Timeline

HOUSEHOLD_SIZE0 = 2.0  # persons per household at the start (assumption; only its trend matters)
COUNTRY_CODES = {"Germany": "DE", "Austria": "AT", "Poland": "PL", "Czechia": "CZ", "Italy": "IT"}


class CityRegionModel(Model):
    """One city region: a core city, its surrounding municipalities and the regional partner body."""

    def __init__(self, config: RunConfig | None = None, *, region: str | None = None, seed: int | None = None,
                 facts: RegionFacts | None = None) -> None:
        with one_blas_thread():
            self._build(config, region, seed, facts)

    # ------------------------------------------------------------------ building
    def _build(self, config: RunConfig | None, region: str | None, seed: int | None,
               facts: RegionFacts | None) -> None:
        cfg = validate(config if config is not None else RunConfig())
        name = region or cfg.region.name
        if name == "all":
            raise ConfigError("region='all' runs five models; build one model per region (see run_scenario)")
        self.region = region_label(cfg, name)
        self.seed = run_seed(cfg, self.region) if seed is None else int(seed)
        super().__init__(rng=self.seed)
        self.cfg = cfg
        self.facts = facts if facts is not None else region_facts(cfg.region, name)
        self.timeline = Timeline.from_config(cfg.timeline)
        self.country = COUNTRY_CODES[self.facts.country]
        self.geo = region_geography(cfg, name, self.facts, self.seed)
        self.const = self._derive_constants()
        self.rivals = governance.outside_rivals(cfg, self.geo, self.const.employment_rate)
        self.core_names = (self.facts.core_city, self.geo.names[self.geo.core])  # the core's names in data tables
        self.election_steps = frozenset(self.timeline.step_of(d) for d in election_days(self.country,
                                                                                        self.core_names))
        self.people = self._people_and_jobs()
        self.land, self.land_use, self.money = self._land_and_money()
        self.councils, self.coop = self._councils_and_cooperation()  # the model's first random draws
        self._members_of: dict | None = None  # the agreements members() last found the members of, and them
        self._members: dict[Theme, np.ndarray] = {}
        self.commuting = self._transport()
        self.students = Students()
        self._agents()
        self._commute()
        self._finance()
        self.datacollector = DataCollector(model_reporters=indicators.REPORTERS)

    def _derive_constants(self) -> Constants:
        """Figures from the case library, the sourced parameters, the region's facts and the scenario."""
        lp, sc = self.cfg.params.land, self.cfg.scenario
        cases, sourced = load_case_library(), load_sourced_parameters()
        brownfield_cost = cases.brownfield_cost_m_eur_per_ha()
        subsidy_compact = cases.brownfield_public_share()
        net = brownfield_cost * (1.0 - np.array([lp.brownfield_subsidy_solo, subsidy_compact]))
        solo, member = land.brownfield_share(lp.greenfield_cost_m_eur_per_ha, net, lp.cost_choice_scale)
        inputs = np.where(self.geo.is_core, self.facts.growth_of_core, self.facts.growth_of_ring)
        regional_growth = float(np.average(inputs, weights=self.geo.population))
        quarters = np.arange(1, self.timeline.n_steps + 1)
        occupancy = float(sourced["car_occupancy_commute"].value)
        basis = float(sourced["co2_car_occupancy_basis"].value)
        return Constants(
            jobs_per_ha=cases.jobs_per_ha(), brownfield_cost=brownfield_cost,
            brownfield_subsidy_compact=subsidy_compact, brown_share_solo=solo, brown_share_member=member,
            case_relevance={t: cases.count(t.value) / (cases.count(t.value) + 3.0) for t in Theme},
            co2_car=float(sourced["co2_car_kg_per_pkm"].value) * basis / occupancy,
            co2_pt=float(sourced["co2_pt_kg_per_pkm"].value),
            growth_inputs=inputs,
            resident_targets=growth.resident_targets(self.geo.population, inputs, quarters),
            persons_per_ha=np.where(self.geo.is_core, lp.persons_per_ha_core, lp.persons_per_ha_suburb),
            brown_shares_alone=np.full(self.geo.n, solo), job_growth_rate=regional_growth * lp.job_growth_ratio,
            other_use_share=float(sourced[f"land_take_other_share_{self.country}"].value),
            employment_rate=self.facts.employment_rate or self.cfg.params.transport.employment_rate,
            household_size0=HOUSEHOLD_SIZE0,
            project_funds_eur=float(sourced["project_budget_eur"].value) / len(REGIONS),  # an equal share each
            pilot_themes=self._resolve_themes(sc.pilot_themes),
            vote_themes=tuple(dict.fromkeys(t for spec in sc.themes for t in self._resolve_themes(spec))),
            vote_step=self.timeline.last_of(Phase.AGREEMENTS))

    def _people_and_jobs(self) -> People:
        """Residents from the region's table; jobs by place of work: the core's as sourced (else per resident), the
        other municipalities' in proportion to their employed residents. No cap: where the region has more jobs
        than workers, the outside fills them (an open region); a closed one scales jobs to its workers."""
        tp = self.cfg.params.transport
        population = self.geo.population.copy()
        workers = self.const.employment_rate * population
        core = self.geo.core
        jobs = workers * tp.ring_jobs_per_worker
        jobs[core] = self.facts.core_jobs or tp.core_jobs_per_resident * population[core]
        return People(population=population, jobs=jobs, household_size=self.const.household_size0,
                      population0=float(population.sum()), start=population.copy(), jobs0=float(jobs.sum()),
                      small=indicators.smaller_half(population))

    def _land_and_money(self) -> tuple[land.LandStock, LandUse, Money]:
        """The land classes from the initial shares; no land taken yet, no debt, nothing paid."""
        n = self.geo.n
        stock = land.initial_stock(self.geo.area_km2, self.geo.is_core, self.cfg.params.land)
        use = LandUse(area_ha=stock.total().copy(), greenfield_by_muni=np.zeros(n),
                      expected_commercial_ha=np.zeros(n))
        return stock, use, Money(revenue=np.zeros(n), debt_service=np.zeros(n), tc_paid=np.zeros(n),
                                 contributions=np.zeros(n))

    def _councils_and_cooperation(self) -> tuple[Councils, Cooperation]:
        """Each council's capacity, size, perception bias (drawn) and neighbours; no knowledge, initial trust, no
        agreement."""
        cp, n, pairs = self.cfg.params.cooperation, self.geo.n, self.geo.pairs
        population = self.people.population
        capacity = planning_capacity(population, population[self.geo.core])
        log_pop = np.log10(population)
        knowledge = {t: np.zeros(n) for t in Theme}
        bias = {t: self.rng.normal(cp.perception_bias_mean, cp.perception_bias_sd, n) for t in Theme}
        trust = initial_trust(pairs, cp.trust_initial)  # one value per pair within reach
        adjacency = self.geo.network.matrix(n, None)  # 1 between neighbours (road or rail edge)
        adjacency.sort_indices()
        neighbour_pairs = pairs.positions(*adjacency.nonzero())  # -1: neighbours out of reach
        staff = staff_cost(cp, self.cfg.scenario.transaction_cost_scale, capacity, log_pop)
        councils = Councils(capacity=capacity, log_pop=log_pop, cost_bases=cost_bases(cp, staff),
                            bias=bias, adjacency=adjacency,
                            degree=np.maximum(adjacency.sum(axis=1), 1.0), neighbour_pairs=neighbour_pairs,
                            neighbours_in_reach=bool((neighbour_pairs >= 0).all()))
        coop = Cooperation(knowledge=knowledge, trust=trust, agreements={t: [] for t in Theme},
                           members_before={t: np.zeros(n, dtype=bool) for t in Theme})
        return councils, coop

    def _transport(self) -> Commuting:
        """Headways, the gravity model's deterrence, the PT constant that reproduces the observed PT share at the
        start, and the mode tables (weighted by the deterrence in a dense region)."""
        tp, sc, pairs, geo = self.cfg.params.transport, self.cfg.scenario, self.geo.pairs, self.geo
        headway_base = np.where(geo.is_core, tp.headway_core_min,
                                np.where(geo.corridor >= 0, tp.headway_corridor_min, tp.headway_local_min))
        deterrence = pairs.matrix(np.exp(-tp.distance_decay * pairs.car_min))
        symmetric = gravity.is_symmetric(deterrence)
        zone = open_matrix = None
        if geo.outside is not None and len(geo.outside):
            o = geo.outside
            zone = boundary.external_zone(geo.x_km, geo.y_km, o.x_km, o.y_km, o.population, self.const.employment_rate,
                                          tp.distance_decay, tp.circuity, tp.car_speed_kmh, tp.intrazonal_min)
            open_matrix = boundary.open_deterrence(deterrence, zone)
        car = transport.car_cost(pairs.car_min, pairs.road_km, tp)
        start = boundary.balance(self.const.employment_rate * self.people.population, self.people.jobs, deterrence,
                                 symmetric, None, zone, open_matrix)
        flows = start.flows if start.flows is not None else start.factors.flows(deterrence)
        union = tariff_union(geo, self.facts, self.timeline.quarter(0)[0]) if self.cfg.region.tariff_union else None
        pt0 = transport.pt_cost(pairs.pt_min, pairs.by_origin(headway_base), transport.one_tariff(pairs, union), tp)
        pt_target = self.facts.pt_share if self.facts.pt_share is not None else tp.commute_share_default
        asc = transport.calibrate_asc(flows, car, pt0, tp.mode_scale, pt_target)
        authority = self._authority()
        modes = transport.mode_tables(pairs, car, headway_base, sc.service_cofinancing, asc, tp, union, authority)
        pt_kernel = pairs.matrix(modes.kernel)
        tables = TransportTables(headway_base=headway_base, deterrence=deterrence, symmetric=symmetric,
                                 pt_target=pt_target, asc=asc, modes=modes, pt_kernel=pt_kernel,
                                 symmetric_kernel=gravity.is_symmetric(pt_kernel),
                                 weighted=transport.weighted_tables(modes, pairs, deterrence, symmetric),
                                 zone=zone, open_deterrence=open_matrix, authority=authority)
        return Commuting(tables=tables, pairs=pairs, integration=sc.tariff_integration, warm_start=start.warm_start)

    def _authority(self) -> np.ndarray | None:
        """The municipalities an existing public-transport authority serves at the start (None: none)."""
        found = transport_authority(self.region) if self.cfg.region.pt_authority else None
        area = found.area(list(self.geo.names), self.timeline.day(0)) if found is not None else None
        return area if area is not None and area.any() else None

    def _agents(self) -> None:
        """One Municipality per row of the region's table (in its order) and the regional partner body."""
        for i in range(self.geo.n):
            Municipality(self, i, self.geo.names[i], bool(self.geo.is_core[i]))
        self.municipalities = self.agents_by_type[Municipality]
        self.partner = RegionalPartner(self, self.facts.partner_body or "regional partner",
                                       self.const.project_funds_eur, facilitation=1.0)

    def _resolve_themes(self, spec: str) -> tuple[Theme, ...]:
        if spec == "none":
            return ()
        if spec == "region":
            return tuple(Theme(t) for t in self.facts.pilot_themes)
        return tuple(Theme(t) for t in spec.split("+"))

    # ------------------------------------------------------------------ views
    def members(self, theme: Theme) -> np.ndarray:
        """Municipalities in an active agreement on a theme (read-only): found once for each set of agreements, as
        a procedure that changes any agreement replaces the whole set (Cooperation.agreements) and agreements are
        frozen."""
        agreements = self.coop.agreements
        if self._members_of is not agreements:
            self._members_of, self._members = agreements, {}
        out = self._members.get(theme)
        if out is None:
            out = np.zeros(self.geo.n, dtype=bool)
            for a in agreements[theme]:
                if a.active:
                    out |= a.members
            out.flags.writeable = False
            self._members[theme] = out
        return out

    def vote_themes(self, t: int) -> tuple[Theme, ...]:
        """The themes the councils vote on in quarter t: the scenario's at the end of phase 3, where the regional
        partner body is still there to put the proposal to the councils of the ring; after each later municipal
        election, those with no binding agreement (scenario.revote_at_elections)."""
        if not self.cfg.scenario.project:
            return ()
        if t == self.const.vote_step:
            return () if self.partner_left(t) else self.const.vote_themes
        if not (self.cfg.scenario.revote_at_elections and t in self.election_steps
                and self.timeline.phase(t) == Phase.IMPLEMENTATION):
            return ()
        return tuple(theme for theme in self.const.vote_themes
                     if not any(a.active and a.status in BINDING for a in self.coop.agreements[theme]))

    def partner_left(self, t: int) -> bool:
        """Whether the regional partner body had left the project by the end of quarter t (region facts'
        partner_until): then no regional proposal is put at the end of phase 3 and the pilots carry on as
        the core's own, as Prague 9's district master plan did after the Central Bohemian partner left."""
        until = self.facts.partner_until
        return until is not None and until < self.timeline.day(t)

    def tax_pool(self) -> tuple[np.ndarray, float, float]:
        """Members that pool business tax, their share of the residents competing for the region's firms, and the
        key they agreed: those of a binding land compact (pilots and declarations pool nothing)."""
        population = self.people.population
        for a in self.coop.agreements[Theme.LAND]:
            if a.active and a.status in BINDING and a.key:
                return a.members, float(population[a.members].sum() / (population.sum() + self.rivals[0])), a.key
        return np.zeros(self.geo.n, dtype=bool), 0.0, 0.0

    @property
    def step_index(self) -> int:
        """0-based index of the quarter being simulated (Mesa counts steps from 1)."""
        return self.steps - 1

    @property
    def phase(self) -> Phase:
        """Project phase of the current quarter."""
        return self.timeline.phase(max(self.step_index, 0))

    # ------------------------------------------------------------------ the quarter
    def step(self) -> None:
        """One quarter, on one BLAS thread (inside run_model's block, the step's own costs nothing)."""
        with one_blas_thread():
            self._quarter()

    def run_model(self) -> None:
        """Every quarter to the horizon (Mesa's run), on one BLAS thread throughout: one block for the whole run."""
        with one_blas_thread():
            super().run_model()

    def _quarter(self) -> None:
        """The project's procedures of the phase, growth, commuting, finance, settlement, and the records."""
        t = self.step_index
        phase = self.phase
        if self.cfg.scenario.project:
            if phase == Phase.EXCHANGE:
                self._apply(governance.exchange(self, self.rng))
            if phase == Phase.PILOTS:
                if t == self.timeline.first_of(Phase.PILOTS):
                    self._apply(governance.form_pilots(self, t, self.rng))
                self._apply(governance.pilot_learning(self))
            themes = self.vote_themes(t)
            if themes or (t == self.const.vote_step and self.partner_left(t)):
                self._apply(vote.council_vote(self, t, self.rng, themes))  # no theme: the pilots go on informally
        if phase == Phase.IMPLEMENTATION:
            self._apply(governance.join_or_leave(self, t, self.rng))
        self._grow()
        self._commute()
        self._finance()
        self._settle(governance.settle(self, t))
        self._log_membership(t)
        self.students.answers = {}
        self.datacollector.collect(self)
        self.running = self.steps < self.timeline.n_steps  # Mesa's flag: False once the horizon is reached

    def _apply(self, out: governance.Outcome) -> None:
        """What a cooperation procedure decided: knowledge, agreements, records, and trust lost to leavers."""
        coop = self.coop
        if out.knowledge is not None:
            coop.knowledge = out.knowledge
        if out.agreements is not None:
            coop.agreements = out.agreements
        coop.decisions.extend(out.decisions)
        self.students.choices.extend(out.choices)
        coop.pilots_formed += out.pilots_formed
        penalty = self.cfg.params.cooperation.betrayal_penalty
        for leavers, members in out.betrayals:  # in place: a copy of every pair's trust per leave would cost more
            coop.trust = betrayal(coop.trust, self.geo.pairs, leavers, members, penalty, out=coop.trust)

    def _settle(self, s: governance.Settlement) -> None:
        """The quarter's settlement: agreements, their last payoffs, what cooperation cost, trust, project funds."""
        self.coop.agreements, self.coop.last_payoff, self.coop.trust = s.agreements, s.last_payoff, s.trust
        self.money.tc_paid, self.money.contributions = s.tc_paid, s.contributions
        self.money.book(self.step_index, self.cfg.params.fiscal.discount_rate)
        self.partner.project_funds_eur = s.project_funds_eur

    def _log_membership(self, t: int) -> None:
        """Record who entered or left an active agreement this quarter (pilots, votes, joins, leaves, fading)."""
        coop = self.coop
        for theme, before in coop.members_before.items():
            now = self.members(theme)
            who = (now != before).nonzero()[0]
            if who.size:
                coop.membership_log.append((t, theme.value, who, now[who]))
                coop.members_before[theme] = now

    def _grow(self) -> None:
        """Regional growth: people and jobs, their allocation, and the land they take (growth.py, stage by stage)."""
        s = growth.setting(self)
        g_used, b_used = growth.residential_land(self, s, growth.residents(self, s))
        land_jobs = growth.jobs(self, s)
        share, need_ha = growth.firms_location(self, s, land_jobs)
        converted = growth.commercial_land(self, s, land_jobs, share, need_ha)
        if converted is not None:
            g_used, b_used = g_used + converted[0], b_used + converted[1]
        g_zoned, b_zoned = growth.reserves(self, s, share)
        g_used, b_used = g_used + g_zoned, b_used + b_zoned
        other = growth.other_land(self, g_used)
        growth.capital_costs(self, s, g_used, b_used, other)

    def _commute(self) -> None:
        """Commuting flows, mode choice and public-transport access with the association's current members."""
        tp, c = self.cfg.params.transport, self.commuting
        tables, jobs = c.tables, self.people.jobs
        c.balance(self.const.employment_rate * self.people.population, jobs)
        assoc = self.members(Theme.TRANSPORT)
        c.associate(assoc)
        if c.factored:
            c.outcome = transport.commute_outcome_factored(c.factors, tables.weighted, assoc, c.integration, tp,
                                                           self.const.co2_car, self.const.co2_pt)
        else:
            c.outcome = transport.commute_outcome(c.flows, c.p_pt, c.pairs, tp, self.const.co2_car,
                                                  self.const.co2_pt)
        by_pt = gravity.products(tables.pt_kernel, tables.symmetric_kernel)[0](jobs)
        c.car_access = tables.by_car(jobs)
        c.pt_access = by_pt * transport.pt_wait_factor(tables.modes, assoc) / c.car_access

    def _finance(self) -> None:
        """Revenue: business tax (discounted where municipalities compete, pooled in the compact) and a per-capita
        part."""
        fp, lp = self.cfg.params.fiscal, self.cfg.params.land
        people = self.people
        pool, coverage, key = self.tax_pool()
        own = fiscal.business_tax(people.jobs, fp.business_tax_eur_per_job,
                                  fiscal.tax_discount(pool, coverage, lp.tax_discount_competing, key))
        pooled = fiscal.pool_revenue(own, pool, people.population, key)
        self.money.revenue = pooled + fp.revenue_eur_per_capita * people.population


def build_model(cfg: RunConfig, region: str | None = None) -> CityRegionModel:
    """A model for one region of a configuration (region defaults to cfg.region.name)."""
    return CityRegionModel(cfg, region=region)
