"""The model's behavioural and technical parameters (`params.*` of the configuration): land, transport,
cooperation and fiscal, each with its unit, allowed range and source (assumptions unless a source is given)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cityregions.config.fields import p


@dataclass
class LandParams:
    """Land demand, supply and the land compact."""

    persons_per_ha_core: float = p(120.0, 5, 500, "persons/ha", doc="gross density of new residential land, core")
    persons_per_ha_suburb: float = p(45.0, 5, 500, "persons/ha", doc="gross density of new residential land, suburbs")
    household_size_trend: float = p(-0.003, -0.05, 0.05, "1/yr", doc="change of mean household size per year "
                                    "(falling household size creates housing demand without population growth)")
    job_growth_ratio: float = p(1.0, -2.0, 3.0, "-", doc="regional job growth rate as a multiple of population growth")
    land_using_job_share: float = p(0.5, 0.0, 1.0, "share", doc="share of new jobs that need new commercial land "
                                    "(the rest fit existing buildings)")
    obsolescence_rate: float = p(0.01, 0.0, 0.2, "1/yr", doc="share of occupied commercial land falling derelict "
                                 "per year (becomes brownfield, its jobs relocate)")
    greenfield_cost_m_eur_per_ha: float = p(0.5, 0.01, 10.0, "M EUR/ha", doc="servicing cost of greenfield land")
    brownfield_subsidy_solo: float = p(0.2, 0.0, 1.0, "share", doc="share of brownfield cost covered by state "
                                       "funding for a municipality acting alone")
    cost_choice_scale: float = p(0.5, 0.01, 10.0, "M EUR/ha", doc="logit scale of the greenfield/brownfield choice")
    optimism: float = p(1.5, 1.0, 5.0, "-", doc="alone: a municipality expects this multiple of its share of "
                        "commercial demand (competition for firms)")
    reserve_years: float = p(3.0, 0.0, 20.0, "yr", doc="commercial land held in reserve, in years of expected demand")
    tax_discount_competing: float = p(0.10, 0.0, 0.5, "share", doc="alone: business-tax discount offered to "
                                      "attract firms (tax competition)")
    firm_tax_sensitivity: float = p(4.0, 0.0, 50.0, "-", doc="logit weight of the tax discount in firm location")
    access_weight: float = p(1.0, 0.0, 10.0, "-", doc="logit weight of accessibility in location choice")
    land_price_elasticity: float = p(0.75, 0.0, 10.0, "-", src=(
        "calibrated by hand on Prague's core and ring growth (ČSÚ: core +0.28 %/yr 2012-22, Praha-východ +2.43 %/yr "
        "2014-20; model 0.23 and 2.60 at 0.75; 0.53 and 1.45 at 0.6, -0.34 and 4.40 at 1.0); docs/VALIDATION.md"),
        doc="weight of the land price (odds of the developed share of buildable land) in residents' location choice")
    residential_mobility: float = p(0.03, 0.0, 0.5, "1/yr", doc="share of residents moving to another "
                                    "municipality of the region each year (assumption)")
    core_developed_share: float = p(0.60, 0.05, 0.95, "share", src="assumption; Turin's core is ~65 % sealed "
                                    "(ISPRA via corriere.it)", doc="initial developed share of the core city")
    suburb_developed_share: float = p(0.10, 0.01, 0.9, "share", src="assumption; Città metropolitana di Torino "
                                      "8.5 % (ISPRA 2021); Germany 14.5 % incl. transport (Destatis)",
                                      doc="initial developed share of suburbs")
    protected_share: float = p(0.30, 0.0, 0.9, "share", doc="share of undeveloped land that is protected")
    brownfield_share_core: float = p(0.04, 0.0, 0.5, "share", doc="initial brownfield share of developed land, core")
    brownfield_share_suburb: float = p(0.015, 0.0, 0.5, "share", doc="initial brownfield share of developed land, "
                                       "suburbs")
    commercial_share: float = p(0.25, 0.01, 0.9, "share", doc="commercial share of developed (non-brownfield) land")
    vacancy_initial: float = p(0.10, 0.0, 0.9, "share", doc="initial vacant share of commercial land")
    annuity_rate: float = p(0.08, 0.0, 1.0, "1/yr", doc="annual debt service per EUR of development cost "
                            "(about 5 % over 20 years)")


@dataclass
class TransportParams:
    """Travel times, commuting and mode choice."""

    car_speed_kmh: float = p(45.0, 5, 150, "km/h", doc="mean car speed on regional links")
    pt_speed_corridor_kmh: float = p(40.0, 5, 150, "km/h", doc="rail/bus speed on radial corridors")
    pt_speed_local_kmh: float = p(18.0, 5, 150, "km/h", doc="bus speed off the corridors")
    circuity: float = p(1.3, 1.0, 3.0, "-", doc="network distance / straight-line distance")
    value_of_time_eur_h: float = p(10.0, 0.0, 100.0, "EUR/h", doc="commuters' value of time")
    car_cost_eur_km: float = p(0.30, 0.0, 5.0, "EUR/km", doc="perceived car operating and parking cost")
    pt_fare_eur: float = p(2.0, 0.0, 20.0, "EUR/trip", doc="public-transport fare per trip")
    tariff_penalty_eur: float = p(1.5, 0.0, 20.0, "EUR/trip", doc="extra cost of a trip across tariff boundaries "
                                  "without tariff integration")
    headway_core_min: float = p(10.0, 1, 240, "min", doc="public-transport headway in the core")
    headway_corridor_min: float = p(30.0, 1, 240, "min", doc="headway at suburban corridor stations")
    headway_local_min: float = p(60.0, 1, 240, "min", doc="headway at suburban stops off the corridors")
    mode_scale: float = p(0.4, 0.01, 10.0, "1/EUR", doc="logit scale of car/public-transport choice")
    distance_decay: float = p(0.06, 0.0, 1.0, "1/min", doc="gravity model decay per minute of car travel time")
    intrazonal_min: float = p(8.0, 0.0, 60.0, "min", doc="travel time within a municipality")
    catchment_min: float = p(180.0, 10.0, 1440.0, "min", doc="one-way car time beyond which no one commutes and "
                             "municipalities do not deal with each other (no flows, trust stays at its initial "
                             "level); 180 min exceeds every trip in the five regions, so their results are exact")
    commute_share_default: float = p(0.2, 0.0, 1.0, "share", doc="public-transport share where no figure was found")
    workdays: float = p(220.0, 1, 366, "days/yr", doc="commuting days per year")
    congestion_eur_per_car_trip: float = p(0.5, 0.0, 20.0, "EUR/trip", doc="external cost of a car trip "
                                           "into a municipality, counted by that municipality's council")
    service_cost_eur_per_commuter: float = p(
        37.0, 0.0, 1500.0, "EUR/commuter/yr", src="derived: 12 EUR per member resident (assumption) at the five "
        "rings' mean 0.32 residents commuting to another municipality per resident (measured on the model)",
        doc="cost of the association's added regional service per member resident who commutes to another "
            "municipality (the service runs between municipalities, so a core pays for its out-commuters, not for "
            "its population)")
    employment_rate: float = p(0.47, 0.1, 0.9, "workers/resident", doc="employed residents per resident where the "
                             "region's facts have no figure (Prague's is the 2021 census's)")
    core_jobs_per_resident: float = p(0.60, 0.1, 2.0, "jobs/resident", doc="jobs per resident in the core "
                                      "where no figure was found")
    ring_jobs_per_worker: float = p(0.87, 0.05, 3.0, "jobs/employed resident", src=(
        "derived from Land Steiermark AEST: Graz-Umgebung's 79,660 employed residents (2019), 78.8 % of whom work "
        "outside their municipality (2016), and 75.7 % of its jobs held by in-commuters (2019): 79,660 x 0.212 / "
        "0.243 = 69,500 jobs, 0.87 per employed resident; applied to every region's surrounding municipalities "
        "(assumption)"), doc="jobs by place of work per employed resident outside the core")


@dataclass
class CooperationParams:
    """Transaction costs (Feiock's institutional collective action), trust and decisions."""

    tc_base_keur: float = p(60.0, 0.0, 10000.0, "kEUR/yr", doc="base transaction cost of one agreement for one "
                            "municipality (about one staff position)")
    tc_weights: list[float] = p([0.25, 0.35, 0.2, 0.2], 0.0, 10.0, "-", doc="weights of the information, "
                                "negotiation, enforcement and agency costs")
    group_size_exponent: float = p(0.3, 0.0, 2.0, "-", doc="negotiation cost grows with (members/10)^exponent")
    capacity_relief: float = p(0.5, 0.0, 1.0, "share", doc="share of transaction costs a full planning capacity "
                               "saves")
    autonomy_weight_land: float = p(0.05, 0.0, 5.0, "share", doc="autonomy cost of the land compact, as a share "
                                    "of the business tax subject to pooling")
    autonomy_weight_transport: float = p(0.1, 0.0, 5.0, "share", doc="autonomy cost of the transport association, "
                                         "as a share of the member's contribution")
    trust_initial: float = p(0.3, 0.0, 1.0, "0-1", doc="initial mutual trust")
    trust_decay: float = p(0.02, 0.0, 1.0, "1/quarter", doc="pull of trust back to its initial level per quarter")
    betrayal_penalty: float = p(0.2, 0.0, 1.0, "0-1", doc="trust lost towards a member that leaves")
    learning_rate: float = p(0.25, 0.0, 1.0, "1/quarter", doc="knowledge gained per quarter of exchange (phase 1)")
    perception_bias_mean: float = p(-0.4, -1.0, 1.0, "share", doc="mean misjudgement of cooperation benefits "
                                    "before learning (negative: underestimated)")
    perception_bias_sd: float = p(0.3, 0.0, 2.0, "share", doc="spread of that misjudgement across municipalities")
    decision_noise_keur: float = p(20.0, 0.01, 10000.0, "kEUR/yr", doc="logit scale of join/leave decisions: "
                                   "its fixed part")
    decision_noise_share: float = p(0.002, 0.0, 0.5, "share of revenue", doc="logit scale of join/leave "
                                    "decisions: the part proportional to the council's annual revenue (what is at "
                                    "stake politically grows with the budget)")
    welfare_weight: float = p(0.5, 0.0, 2.0, "EUR budget/EUR welfare", doc="political weight a council gives its "
                              "residents' gains (commuters' time and money, congestion relief) against its own "
                              "budget (assumption)")
    dominance_weight: float = p(1.0, 0.0, 10.0, "-", doc="a suburb's autonomy cost grows by this multiple of the "
                                "core city's share of the group's residents (assumption)")
    inequity_aversion: float = p(0.25, 0.0, 2.0, "-", src="Fehr and Schmidt 1999 (alpha, disadvantageous "
                                 "inequity)", doc="cost, per EUR per resident, of gaining less per resident than "
                                 "the group's average (assumption for councils)")
    tc_size_exponent: float = p(0.5, 0.0, 1.0, "-", doc="transaction costs grow with (population/10 000)^exponent: "
                                "staff effort rises with size, less than proportionally (assumption)")
    outside_competition: float = p(0.5, 0.0, 1.0, "share", doc="weight of the outside's residents in the tax "
                                   "competition a land compact cannot end (assumption)")
    exit_patience: int = p(4, 1, 40, "quarters", doc="consecutive quarters of net loss before a member leaves")
    fade_rate: float = p(0.15, 0.0, 1.0, "1/quarter", doc="decay of non-institutionalised cooperation")
    imitation_rate: float = p(0.25, 0.0, 1.0, "1/quarter", doc="chance per quarter that a non-member reconsiders, "
                              "per share of its neighbours that are successful members")
    exchange_participation: float = p(0.5, 0.0, 1.0, "share", doc="chance a suburb with full planning capacity "
                                      "takes part in a quarter's exchange")


@dataclass
class FiscalParams:
    """Municipal revenue and costs."""

    business_tax_eur_per_job: float = p(700.0, 0.0, 100000.0, "EUR/job/yr", doc="local business tax per job")
    revenue_eur_per_capita: float = p(1000.0, 0.0, 100000.0, "EUR/resident/yr", doc="income-tax share and "
                                      "general grants per resident")
    discount_rate: float = p(0.04, 0.0, 0.2, "1/yr", src="Commission Delegated Regulation (EU) No 480/2014, "
                             "Art. 19: a 4 % financial discount rate in real terms as the indicative benchmark for "
                             "projects co-financed by the funds", doc="discounts each council's budget items to the "
                             "first quarter (present values over the run; the model's money is in constant EUR)")


@dataclass
class ModelParams:
    """All behavioural and technical parameters (assumptions unless a source is given)."""

    land: LandParams = field(default_factory=LandParams)
    transport: TransportParams = field(default_factory=TransportParams)
    cooperation: CooperationParams = field(default_factory=CooperationParams)
    fiscal: FiscalParams = field(default_factory=FiscalParams)
