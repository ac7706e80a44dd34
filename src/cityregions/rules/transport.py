"""Mode choice, CO2 and the transport association, as pure functions over the pairs within reach.

The commuting flows come from the gravity model (gravity.py). Each flow splits between car and public
transport by a binary logit on generalised cost (Ben-Akiva & Lerman 1985). A transport association
integrates tariffs among its members (no boundary penalty) and co-finances service at member stations
(shorter headways, so shorter waits).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import brentq
from scipy.special import expit

from cityregions.config import TransportParams
from cityregions.rules.gravity import Factors, is_symmetric, products
from cityregions.world.catchment import Catchment


def car_cost(car_min: np.ndarray, road_km: np.ndarray, tp: TransportParams) -> np.ndarray:
    """Generalised car cost per trip: time plus operating cost."""
    return tp.value_of_time_eur_h * car_min / 60 + tp.car_cost_eur_km * road_km


def pt_cost(pt_min: np.ndarray, headway_min: np.ndarray, integrated: np.ndarray, tp: TransportParams) -> np.ndarray:
    """Generalised public-transport cost per trip: in-vehicle time, half the headway as wait, fare, tariff penalty.

    headway_min is the headway at each trip's origin; integrated is True where one tariff covers the trip
    (same municipality, or both ends in the association).
    """
    # value of time x (in-vehicle + half the headway) / 60 + fare + penalty, in place: one array, not five
    cost = np.add(pt_min, np.divide(headway_min, 2), dtype=float)
    cost *= tp.value_of_time_eur_h
    cost /= 60
    cost += tp.pt_fare_eur
    cost += np.where(integrated, 0.0, tp.tariff_penalty_eur)
    return cost


def pt_probability(car: np.ndarray, pt: np.ndarray, scale: float, asc: float) -> np.ndarray:
    """Binary logit probability of public transport (asc: its alternative-specific constant, in EUR)."""
    z = utility_gap(car, pt, scale, asc)
    return logistic(z) if np.ndim(z) else expit(z)


def logistic(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), in place of z: numpy's vectorised exp, cheaper than scipy's expit on the arrays of every
    pair (equal to rounding); e^-z may overflow to inf, which gives the right 0."""
    with np.errstate(over="ignore"):
        np.negative(z, out=z)
        np.exp(z, out=z)
    z += 1.0
    return np.reciprocal(z, out=z)


def softplus(z: np.ndarray) -> np.ndarray:
    """ln(1 + e^z) as max(z, 0) + ln(1 + e^-|z|), which cannot overflow: numpy's vectorised exp and log1p,
    cheaper than np.logaddexp(0, z) on the arrays of every pair (equal to rounding)."""
    out = np.abs(z)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(z, 0.0)
    return out


def utility_gap(car: np.ndarray, pt: np.ndarray, scale: float, asc: float) -> np.ndarray:
    """z = scale (car + asc - pt): how much better PT is than the car, in utility. Its logit is the PT probability,
    and the logsum (expected maximum utility, EUR) is softplus(z) / scale - car, so a logsum gain between two
    cases of one trip is a difference of softplus terms, without the cancellation of two logsums."""
    z = np.add(car, asc, dtype=float)
    z -= pt
    z *= scale
    return z


def calibrate_asc(flows: np.ndarray, car: np.ndarray, pt: np.ndarray, scale: float, target: float) -> float:
    """The public-transport constant (EUR) that makes the flow-weighted PT share equal the observed target."""
    flows = np.ravel(flows)
    total = flows.sum()
    base = np.ravel(utility_gap(car, pt, scale, 0.0))  # a trial constant shifts it by scale x asc: two passes

    def gap(asc: float) -> float:
        z = np.add(base, scale * asc)
        return float(flows @ logistic(z) / total - target)

    lo, hi = -50.0, 50.0
    if gap(lo) > 0 or gap(hi) < 0:
        return lo if gap(lo) > 0 else hi
    return float(brentq(gap, lo, hi, xtol=1e-9))


@dataclass(frozen=True)
class CommuteResult:
    """What the region's commuting amounts to in one quarter."""

    pt_share: float
    car_pkm_year: float
    pt_pkm_year: float
    co2_t_year: float
    pt_trips_across: np.ndarray  # annual PT trips of each municipality's residents to other municipalities
    commuters_across: np.ndarray  # each municipality's residents who commute to another (any mode)


def commute_outcome(flows: np.ndarray, p_pt: np.ndarray, pairs: Catchment, tp: TransportParams,
                    co2_car: float, co2_pt: float) -> CommuteResult:
    """Mode shares, passenger-km and CO2 (tonnes per year) of the commuting flows (two trips a workday)."""
    road_km = pairs.road_km
    per_year = 2 * tp.workdays
    pt_by_origin = pairs.row_dot(flows, p_pt)
    own = pairs.diag
    pt_across = pt_by_origin - flows[own] * p_pt[own]
    across = pairs.row_sums(flows) - flows[own]
    pt_pkm = float(np.einsum("k,k,k->", flows, p_pt, road_km)) * per_year
    car_pkm = float(flows @ road_km) * per_year - pt_pkm
    return CommuteResult(pt_share=float(pt_by_origin.sum() / flows.sum()), car_pkm_year=car_pkm, pt_pkm_year=pt_pkm,
                         co2_t_year=(car_pkm * co2_car + pt_pkm * co2_pt) / 1000.0,
                         pt_trips_across=pt_across * per_year, commuters_across=across)


@dataclass(frozen=True)
class WeightedTables:
    """The mode tables times the deterrence D, as N x N matrices, for a region where every pair is within reach.

    The balanced flows are F = origin[i] D[i, j] dest[j] (gravity.Factors), so a flow-weighted sum over
    destinations is origin * (table @ dest): one matrix-vector product over a table made once per run, where
    the flows would have to be made (two passes) and then read with the table (and the members' weights) every
    quarter. Tables taking the same vector are stacked, one product for them all.
    """

    d: np.ndarray  # D itself (the model's deterrence matrix, not a copy)
    road: np.ndarray  # D road km
    symmetric: bool  # D and D road km are symmetric: their products read one triangle (gravity.products)
    out: np.ndarray  # (2, N, N): D p_out, D p_out road km (origin outside the association)
    inside: np.ndarray  # (2, N, N): D p_in, D p_in road km (origin a member, tariff boundary)
    one_tariff: np.ndarray  # (2, N, N): D p_in_one_tariff and times road km
    gain: np.ndarray  # D gain
    gain_tariff: np.ndarray  # D gain_tariff
    shift_tariff: np.ndarray  # D shift_tariff
    shift_service: np.ndarray  # D shift_service
    fare_lost: np.ndarray  # D fare_lost
    own: np.ndarray = field(init=False, repr=False, compare=False)  # D's diagonal (within each municipality)
    own_out: np.ndarray = field(init=False, repr=False, compare=False)  # D p_out's diagonal
    # out, inside and one_tariff as (2N, N) views: each stacked pair of tables takes dest in one product
    by_row: tuple[np.ndarray, np.ndarray, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """The diagonals and views every quarter's outcome reads, made once from the tables."""
        n = len(self.d)
        object.__setattr__(self, "own", np.diagonal(self.d).copy())
        object.__setattr__(self, "own_out", np.diagonal(self.out[0]).copy())
        object.__setattr__(self, "by_row", tuple(x.reshape(2 * n, n) for x in (self.out, self.inside, self.one_tariff)))


WEIGHTED_TABLES_MAX = 1000  # municipalities: larger dense regions keep no weighted tables (10 x 8 MB at 1,000)


def weighted_tables(t: ModeTables, pairs: Catchment, deterrence: np.ndarray | sparse.csr_array,
                    symmetric: bool = False) -> WeightedTables | None:
    """The weighted tables of a region where every pair is within reach and N is at most WEIGHTED_TABLES_MAX
    (symmetric: the deterrence is)."""
    if not pairs.complete or pairs.n > WEIGHTED_TABLES_MAX:
        return None
    n = pairs.n
    road = pairs.road_km.reshape(n, n)

    def by_d(x: np.ndarray) -> np.ndarray:
        return deterrence * x.reshape(n, n)

    def with_km(x: np.ndarray) -> np.ndarray:
        return np.stack([x, x * road])

    d_road = by_d(pairs.road_km)
    symmetric = symmetric and is_symmetric(d_road)
    return WeightedTables(d=deterrence, road=d_road, symmetric=symmetric, out=with_km(by_d(t.p_out)),
                          inside=with_km(by_d(t.p_in)), one_tariff=with_km(by_d(t.p_in_one_tariff)), gain=by_d(t.gain),
                          gain_tariff=by_d(t.gain_tariff), shift_tariff=by_d(t.shift_tariff),
                          shift_service=by_d(t.shift_service), fare_lost=by_d(t.fare_lost))


def commute_outcome_factored(f: Factors, w: WeightedTables, members: np.ndarray, integration: bool,
                             tp: TransportParams, co2_car: float, co2_pt: float) -> CommuteResult:
    """commute_outcome from the flows' factors and the weighted tables, with the association's current members
    (the PT probabilities chosen as in pt_probability_now: per origin, and under one tariff per destination).
    Each stacked pair of tables (PT, PT km) takes dest in one product, and the members' rows are chosen from
    both at once."""
    dest, a = f.dest, f.origin
    n = len(dest)
    out, inside, one_tariff = w.by_row
    pt_both = (out @ dest).reshape(2, n)  # PT and PT km of origins outside the association
    if members.any():
        if integration:
            pt_in = inside @ np.where(members, 0.0, dest) + one_tariff @ np.where(members, dest, 0.0)
        else:
            pt_in = inside @ dest
        pt_both = np.where(members, pt_in.reshape(2, n), pt_both)
    pt, pt_km = pt_both[0], pt_both[1]
    rows = f.rows if f.rows is not None else a * products(w.d, w.symmetric)[0](dest)
    total = float(np.add.reduce(rows))
    across = rows - a * w.own * dest
    pt_by_origin = a * pt
    pt_across = pt_by_origin - a * w.own_out * dest  # a trip within its municipality: as if outside
    per_year = 2 * tp.workdays
    pt_pkm = float(np.dot(a, pt_km)) * per_year
    car_pkm = float(np.dot(a, products(w.road, w.symmetric)[0](dest))) * per_year - pt_pkm
    return CommuteResult(pt_share=float(np.add.reduce(pt_by_origin) / total), car_pkm_year=car_pkm,
                         pt_pkm_year=pt_pkm, co2_t_year=(car_pkm * co2_car + pt_pkm * co2_pt) / 1000.0,
                         pt_trips_across=pt_across * per_year, commuters_across=across)


def member_headways(base: np.ndarray, members: np.ndarray, service: float) -> np.ndarray:
    """Headways with the association's co-financed service: member stations get (1 + service) times the trains."""
    return np.where(members, base / (1.0 + service), base)


@dataclass(frozen=True)
class ModeTables:
    """Mode choice for each pair in the few situations it can be in, computed once per run.

    Whether a commuter takes PT depends on the association only through two facts: is the origin a member
    (co-financed headway) and does one tariff cover the trip (both ends members of an integrating body, or the
    same municipality). Precomputing the logit for each case turns every later quarter into selections and
    sums, with the same numbers as evaluating it afresh.
    """

    p_out: np.ndarray  # origin outside: base headway, tariff boundary (unless one ticket covers the pair already)
    p_in: np.ndarray  # origin a member: co-financed headway, tariff boundary (likewise)
    p_in_one_tariff: np.ndarray  # origin a member: co-financed headway, one tariff
    gain: np.ndarray  # logsum gain (EUR/trip) of joining, destination across a tariff boundary
    kernel: np.ndarray  # PT access kernel exp(-beta minutes) of each pair; times the origin's wait factor below
    wait_out: np.ndarray  # exp(-beta half the headway) of each origin outside
    wait_in: np.ndarray  # the same, origin a member
    gain_tariff: np.ndarray  # what a destination under one tariff adds to the gain of joining
    shift_tariff: np.ndarray  # p_in_one_tariff - p_in: PT probability one tariff adds (0 within a municipality)
    shift_service: np.ndarray  # p_in - p_out: PT probability the co-financed service adds (0 within a municipality)
    fare_lost: np.ndarray  # EUR per commuter a trip: the second fare one tariff waives, on the trips that paid it


def one_tariff(pairs: Catchment, union: np.ndarray | None) -> np.ndarray:
    """Pairs one ticket covers before any association: within a municipality, or both ends in an existing tariff
    union (union: one flag per municipality, None for none)."""
    if union is None or not union.any():
        return pairs.own
    return pairs.own | (union[pairs.orig] & union[pairs.dest])


def mode_tables(pairs: Catchment, car: np.ndarray, headway_base: np.ndarray, service: float, asc: float,
                tp: TransportParams, union: np.ndarray | None = None,
                authority: np.ndarray | None = None) -> ModeTables:
    """The PT probabilities, logsum gains and access kernels of every pair in each case; union flags the
    municipalities an existing tariff union covers, whose pairs have one tariff whether members or not; authority
    those whose regional service an existing transport authority already co-finances, where an association adds
    none (their base headway is the co-financed one)."""
    own = pairs.own
    base = one_tariff(pairs, union)
    served = np.ones(pairs.n, dtype=bool) if authority is None else ~authority
    headway_in = member_headways(headway_base, served, service)
    h_out = pairs.by_origin(headway_base)
    h_in = np.where(own, h_out, pairs.by_origin(headway_in))  # the association runs no trips within a municipality
    pt_out = pt_cost(pairs.pt_min, h_out, base, tp)
    pt_in = pt_cost(pairs.pt_min, h_in, base, tp)
    pt_one = pt_cost(pairs.pt_min, h_in, np.ones(pairs.nnz, dtype=bool), tp)
    scale = tp.mode_scale
    z_out, z_in, z_one = (utility_gap(car, pt, scale, asc) for pt in (pt_out, pt_in, pt_one))
    # logsum gains: logsum = softplus(z) / scale - car, so the car term cancels exactly
    soft_out, soft_in, soft_one = (softplus(z) for z in (z_out, z_in, z_one))
    gain = np.subtract(soft_in, soft_out, out=soft_out)
    gain /= scale
    gain_tariff = np.subtract(soft_one, soft_in, out=soft_in)
    gain_tariff /= scale
    p_out, p_in, p_one = (logistic(z) for z in (z_out, z_in, z_one))
    return ModeTables(
        p_out=p_out, p_in=p_in, p_in_one_tariff=p_one, gain=gain,
        kernel=np.exp(-tp.distance_decay * pairs.pt_min),
        wait_out=np.exp(-tp.distance_decay * headway_base / 2),
        wait_in=np.exp(-tp.distance_decay * headway_in / 2),
        gain_tariff=gain_tariff,
        shift_tariff=np.where(own, 0.0, p_one - p_in), shift_service=p_in - p_out,
        fare_lost=np.where(base, 0.0, tp.tariff_penalty_eur * p_in))


def pt_probability_now(t: ModeTables, pairs: Catchment, members: np.ndarray, integration: bool) -> np.ndarray:
    """PT probability of every pair with the association's current members."""
    if not members.any():
        return t.p_out.copy()
    if pairs.complete:  # rows are origins, columns destinations: broadcast the members, no array per pair
        n = pairs.n
        inside = (np.where(members[None, :], t.p_in_one_tariff.reshape(n, n), t.p_in.reshape(n, n)) if integration
                  else t.p_in.reshape(n, n))
        return np.where(members[:, None], inside, t.p_out.reshape(n, n)).ravel()
    at_origin = pairs.by_origin(members)
    inside = np.where(members[pairs.dest], t.p_in_one_tariff, t.p_in) if integration else t.p_in
    return np.where(at_origin, inside, t.p_out)


def pt_probability_update(p: np.ndarray, t: ModeTables, pairs: Catchment, members: np.ndarray, before: np.ndarray,
                          integration: bool) -> np.ndarray:
    """pt_probability_now for new members, from p, its value for the members before: where every pair is held, only
    the rows of the municipalities that joined or left and, under one tariff, their columns in members' rows are
    chosen afresh (the same numbers as choosing every pair again); p is overwritten and returned."""
    changed = np.flatnonzero(members != before)
    n = pairs.n
    if not pairs.complete or 4 * len(changed) > n:
        return pt_probability_now(t, pairs, members, integration)
    out, p_out, p_in, p_one = (x.reshape(n, n) for x in (p, t.p_out, t.p_in, t.p_in_one_tariff))
    for i in changed:
        if not members[i]:
            out[i] = p_out[i]
        elif integration:
            out[i] = np.where(members, p_one[i], p_in[i])
        else:
            out[i] = p_in[i]
    if integration:
        rows = np.flatnonzero(members)[:, None]
        out[rows, changed] = np.where(members[changed], p_one[rows, changed], p_in[rows, changed])
    return p


def pt_wait_factor(t: ModeTables, members: np.ndarray) -> np.ndarray:
    """Each origin's factor exp(-beta half the headway) of the PT access kernel exp(-beta (minutes + wait)) with
    the association's current members: the wait depends on the origin alone, so PT access is this factor times
    one product of exp(-beta minutes) (ModeTables.kernel) with the jobs, for members and the others alike."""
    return np.where(members, t.wait_in, t.wait_out)

