"""The classroom session behind the page: a run, its no-cooperation counterfactual and the students' mayors.

`Classroom` is the Mesa model the page steps. It holds the chosen scenario's run, the same region and seed
without the project (`no_cooperation`) stepped in lockstep as the counterfactual, and, once a student has
decided anything, a shadow run in which the rule decided instead, so that the page can show what the
students' choices did. No Solara here: the page (app.py) only draws what this module computes.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

import mesa
import pandas as pd

from cityregions.config import BARGAINING, RATIFICATION, REGIONS, SCENARIOS, ScenarioConfig
from cityregions.model import indicators, mayors, vote
from cityregions.model.model import CityRegionModel
from cityregions.reporting.decision_text import form_name, rule_words
from cityregions.reporting.labels import Labels
from cityregions.rules import cooperation
from cityregions.rules.cooperation import Theme
from cityregions.world.phases import Phase

ENGLISH = Labels("en")  # the page's words: reporting/labels.csv, keys app_*, in five languages
PHASE_NAMES = {Phase.EXCHANGE: "app_phase_1", Phase.PILOTS: "app_phase_2", Phase.AGREEMENTS: "app_phase_3",
               Phase.IMPLEMENTATION: "app_phase_4"}
CHARTS = (("greenfield_take_cum_ha", "app_chart_greenfield"), ("pt_share", "app_chart_pt"),
          ("fiscal_inequality", "app_chart_gini"), ("members", "app_chart_members"))  # indicator, label key
# the least span of each chart's y axis: a change smaller than this does not fill the chart (an axis fitted to
# the data made a change of 0.0006 in the PT share look dramatic)
MIN_SPAN = {"greenfield_take_cum_ha": 500.0, "pt_share": 0.05, "fiscal_inequality": 0.05, "members": 5.0}
LEVERS = ("revenue_sharing_key", "bargaining", "ratification", "greenfield_cap", "transaction_cost_scale",
          "cofinancing_rate", "pilots_per_theme")
SETTINGS = ("revenue_sharing_key", "bargaining", "ratification", "greenfield_cap", "cap_greenfield",
            "transaction_cost_scale", "cofinancing_rate", "pilots_per_theme")  # the page's levers, as given
BREAKDOWN = (*(k for k in cooperation.BREAKDOWN if k != "trust"), "trust")  # the payoff's EUR terms, then trust


def overrides(region: str, scenario: str, seed: int, levers: dict[str, object]) -> list[str]:
    """The Hydra overrides of a classroom run (a greenfield cap of None lifts the cap)."""
    out = [f"region={region}", f"scenario={scenario}", f"seed={seed}", "plot=false", "progress=false"]
    for key, value in levers.items():
        if key not in LEVERS:
            raise ValueError(f"classroom: unknown lever {key!r}; allowed: {', '.join(LEVERS)}")
        out.append(f"scenario.{key}={'null' if value is None else value}")
    return out


@dataclass(frozen=True)
class Effect:
    """What the students' choices did so far: their run against the run in which the rule decided."""

    municipalities: pd.DataFrame  # one row per student-mayor
    region: pd.DataFrame  # one row per indicator


class Classroom(mesa.Model):
    """A region and scenario played in class: step, the counterfactual beside it, and student-mayors."""

    # `policy`, not `scenario`: Mesa's Model has a `scenario` of its own, which SolaraViz passes on reset
    def __init__(self, region: str = "leipzig", policy: str = "city_regions", seed: int = 0,
                 own_levers: bool = False, revenue_sharing_key: float = 0.25, bargaining: str = "scenario",
                 ratification: str = "core_and_quorum", greenfield_cap: float = 1.3, cap_greenfield: bool = True,
                 transaction_cost_scale: float = 1.0, cofinancing_rate: float = 0.75, pilots_per_theme: int = 1,
                 rng: int | None = None) -> None:
        """own_levers: apply the levers given here; otherwise the scenario runs with its own, exactly as
        `cityregions region=<region> scenario=<policy> seed=<seed>` runs it."""
        from cityregions.config import load_config  # the command line's composition: conf/ → validated RunConfig

        super().__init__(rng=seed if rng is None else rng)
        levers = {"revenue_sharing_key": revenue_sharing_key, "ratification": ratification,
                  **({} if bargaining == "scenario" else {"bargaining": bargaining}),  # else the scenario's own
                  "greenfield_cap": greenfield_cap if cap_greenfield else None,
                  "transaction_cost_scale": transaction_cost_scale, "cofinancing_rate": cofinancing_rate,
                  "pilots_per_theme": int(pilots_per_theme)} if own_levers else {}
        self.cfg = load_config(overrides(region, policy, seed, levers))
        self.settings = {"region": region, "policy": policy, "seed": seed, "own_levers": own_levers,
                         **{k: v for k, v in locals().items() if k in SETTINGS}}  # to open a room like it
        self.run = CityRegionModel(self.cfg)
        self.counterfactual = CityRegionModel(load_config(overrides(region, "no_cooperation", seed, {})))
        self.shadow: CityRegionModel | None = None  # the rule deciding for the mayors, from their first choice
        self.running = True

    # ------------------------------------------------------------------ mayors
    @property
    def names(self) -> list[str]:
        """Municipality names, core city first as in the region's table."""
        return self.run.geo.names

    def set_mayors(self, names: list[str]) -> None:
        """Hand these municipalities to students (an empty list hands them back to the rule)."""
        unknown = [n for n in names if n not in self.names]
        if unknown:
            raise ValueError(f"mayors: unknown municipality {unknown[0]!r} in {self.run.region}")
        self.run.students.mayors = {self.names.index(n) for n in names}
        if self.shadow is not None:
            self.shadow.students.mayors = set(self.run.students.mayors)

    def proposal(self, q: mayors.Question, L: Labels = ENGLISH) -> str:
        """What a student-mayor's council votes on, in words: the key the group bargained (or the scenario
        imposes), what belonging at it would bring her municipality, the rule and the form a yes would make. The
        same numbers the vote will use: nothing is drawn."""
        m = self.run
        sc = m.cfg.scenario
        pr = vote.proposal(m, m.steps, q.theme, m.coop.agreements[q.theme])
        p, i = pr.payoff, q.municipality
        gains = float(p.benefit[i] + p.welfare[i])
        who = L(f"app_rule_{sc.ratification}", quorum=round(100 * sc.quorum))
        made = (L("app_made_form", level=L(f"level_{pr.form.level}"), form=form_name(pr.form.form)) if pr.form
                else L("app_made_declaration"))
        rule = L("app_rule_with_veto" if sc.core_veto else "app_rule_without_veto", who=who, made=made)
        return L("app_proposal", share_key=L.num(pr.key, 2),
                 how=L("app_key_imposed" if sc.bargaining == "fixed" else "app_key_bargained"), name=q.name,
                 gains=L.num(gains, 0), budget=L.num(float(p.benefit[i]), 0), welfare=L.num(float(p.welfare[i]), 0),
                 costs=L.num(gains - float(p.net[i]), 0), net=L.num(float(p.net[i]), 0, sign=True),
                 seen=L.num(float(pr.seen[i]), 0, sign=True), rule=rule)

    def questions(self) -> list[mayors.Question]:
        """Questions the students must answer before the next quarter can be simulated."""
        return mayors.due(self.run)

    def unanswered(self) -> list[mayors.Question]:
        """The questions still waiting for an answer."""
        return [q for q in self.questions() if q.key not in self.run.students.answers]

    def answer(self, name: str, theme: Theme | str, choice: bool) -> None:
        """A student-mayor's answer for the coming quarter (True: yes / stay / join)."""
        key = (self.names.index(name), Theme(theme))
        if key not in {q.key for q in self.questions()}:
            raise ValueError(f"{name} faces no decision on {Theme(theme).value} in the coming quarter")
        self.run.students.answers[key] = bool(choice)

    # ------------------------------------------------------------------ time
    def step(self) -> None:
        """One quarter of the run and its counterfactual; waits (does nothing) while a mayor has not answered."""
        self.advance()

    def advance(self, rule_decides_rest: bool = False) -> None:
        """One quarter, as step; rule_decides_rest: the rule decides the questions left unanswered (a room whose
        answers are overdue) instead of waiting."""
        if (self.unanswered() and not rule_decides_rest) or not self.run.running:
            return
        if self.run.students.answers and self.shadow is None:
            self.shadow = copy.deepcopy(self.run)
            self.shadow.students.answers = {}
        for m in (self.run, self.counterfactual, self.shadow):
            if m is not None:
                m.step()
        self.running = self.run.running

    @property
    def quarter(self) -> int:
        """Quarters simulated so far."""
        return self.run.steps

    @property
    def waiting(self) -> bool:
        """True while the next quarter waits for the students."""
        return bool(self.unanswered())

    def banner(self, L: Labels = ENGLISH) -> str:
        """Quarter and project phase, as the page shows them."""
        tl = self.run.timeline
        if self.quarter == 0:
            return L("app_banner_start", quarter=L.quarter(tl.label(0)), phase=L(PHASE_NAMES[tl.phase(0)]))
        t = self.quarter - 1
        if not self.run.running:
            return L("app_banner_over", quarter=L.quarter(tl.label(t)), n=self.quarter, total=tl.n_steps)
        return L("app_banner", n=self.quarter, total=tl.n_steps, quarter=L.quarter(tl.label(t)),
                 phase=L(PHASE_NAMES[tl.phase(t)]))

    def last_votes(self, L: Labels = ENGLISH) -> list[str]:
        """What the latest council vote decided on each theme ("Council vote 2014Q4, land compact: failed: the
        core city voted no (veto)"); empty before the first vote."""
        votes = [d for d in self.run.coop.decisions if d["action"] in ("vote_yes", "vote_no")]
        if not votes:
            return []
        last = votes[-1]
        verdicts = {d["theme"]: d["rule"] for d in votes if d["step"] == last["step"]}
        return [L("app_vote_verdict", quarter=L.quarter(last["quarter"]), theme=L(f"legend_{theme}"),
                  rule=rule_words(rule, L)) for theme, rule in verdicts.items()]

    # ------------------------------------------------------------------ what the page draws
    def series(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The run's and the counterfactual's indicators so far, by decimal year."""
        return self._series(self.run), self._series(self.counterfactual)

    @staticmethod
    def _series(m: CityRegionModel) -> pd.DataFrame:
        df = m.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "year", [m.timeline.decimal_year(t) for t in range(len(df))])
        return df

    def membership(self) -> pd.DataFrame:
        """Per municipality: position, residents and current membership on each theme."""
        m = self.run
        return pd.DataFrame({"municipality": m.geo.names, "x_km": m.geo.x_km, "y_km": m.geo.y_km,
                             "population": m.people.population, "is_core": m.geo.is_core,
                             **{t.value: m.members(t) for t in Theme}})

    def why(self, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """A municipality's payoff breakdown on each theme now (EUR/yr), and every decision it took, with why."""
        i = self.names.index(name)
        rows = []
        for theme in Theme:
            p = self.run.coop.last_payoff.get(theme)
            if p is None:
                continue
            status = next((a.status.name.lower() for a in self.run.coop.agreements[theme] if a.active and a.members[i]),
                          "not a member")
            rows.append({"theme": theme.value, "status": status, **{k: p.row(i)[k] for k in BREAKDOWN}})
        decisions = pd.DataFrame([d for d in self.run.coop.decisions if d["municipality"] == name])
        return pd.DataFrame(rows, columns=["theme", "status", *BREAKDOWN]), decisions

    def effect(self, L: Labels = ENGLISH) -> Effect | None:
        """The students' run against the rule's, for their municipalities and for the region (None before any
        student decided)."""
        if self.shadow is None:
            return None
        a, b = self.run, self.shadow

        def member(m: CityRegionModel, i: int) -> str:
            return ", ".join(L(f"legend_{t.value}") for t in Theme if m.members(t)[i]) or L("app_none")

        rows = [{L("app_col_municipality"): a.geo.names[i],
                 L("app_col_revenue_yours"): float(a.money.fiscal_capacity[i]),
                 L("app_col_revenue_rule"): float(b.money.fiscal_capacity[i]),
                 L("app_col_member_now"): member(a, i), L("app_col_member_rule"): member(b, i)}
                for i in sorted(a.students.mayors)]
        keys = [k for k, _ in CHARTS]
        yours, rule = ([float(indicators.REPORTERS[k](m)) for k in keys] for m in (a, b))
        region = pd.DataFrame({L("app_col_indicator"): [L(label) for _, label in CHARTS], L("app_run_yours"): yours,
                               L("app_run_rule"): rule})
        region[L("app_col_difference")] = region[L("app_run_yours")] - region[L("app_run_rule")]
        return Effect(pd.DataFrame(rows), region)


DEBRIEF_RUNS = (("app_run_yours", "run"), ("app_run_rule", "shadow"), ("app_run_none", "counterfactual"))
DEBRIEF_ITEMS = (("app_item_revenue", "fiscal_capacity"), ("app_item_tc", "tc_paid"),
                 ("app_item_contributions", "contributions"))


def debrief(c: Classroom, L: Labels = ENGLISH) -> pd.DataFrame:
    """The class's debrief, one row per student-mayor's municipality (every municipality if no student played)
    and one for the region: what the run so far cost and earned each council in total (EUR, summed over the
    quarters: revenue left after debt service and cooperation, transaction costs, contributions), in the
    students' run, in the run where the rule decided for them (the same run before any student decided), and
    without cooperation (same seed). Columns in the language of L (the quarters' column is `quarters`)."""
    runs = {L(label): getattr(c, attr) or c.run for label, attr in DEBRIEF_RUNS}
    chosen = sorted(c.run.students.mayors) or list(range(len(c.names)))
    rows = []
    for who, index in [*((c.names[i], [i]) for i in chosen), (L("app_region_row"), list(range(len(c.names))))]:
        row: dict[str, object] = {L("app_col_municipality"): who, "quarters": c.quarter}
        for label, m in runs.items():
            for item, key in DEBRIEF_ITEMS:
                total = m.money.totals.get(key)
                row[L("app_debrief_column", item=L(item), run=label)] = (float(total[index].sum()) if total is not None
                                                                        else 0.0)
        rows.append(row)
    return pd.DataFrame(rows)


def lever_params(L: Labels = ENGLISH) -> dict[str, dict]:
    """Mesa's ModelCreator parameters: region, scenario, seed and the main levers, with the schema's ranges."""
    meta = {f.name: f.metadata for f in dataclasses.fields(ScenarioConfig)}
    default = ScenarioConfig()

    def slider(key: str, label: str, step: float, kind: str = "SliderFloat") -> dict:
        return {"type": kind, "label": L(label), "value": getattr(default, key), "min": meta[key]["lo"],
                "max": meta[key]["hi"], "step": step}

    cap = slider("greenfield_cap", "app_lever_cap", 0.1)
    cap.update(value=1.3, max=10.0)
    return {
        "region": {"type": "Select", "label": L("app_lever_region"), "value": "leipzig", "values": list(REGIONS)},
        "policy": {"type": "Select", "label": L("app_lever_scenario"), "value": "city_regions",
                   "values": list(SCENARIOS)},
        "seed": {"type": "SliderInt", "label": L("app_lever_seed"), "value": 0, "min": 0, "max": 99, "step": 1},
        "own_levers": {"type": "Checkbox", "label": L("app_lever_own"), "value": False},
        "bargaining": {"type": "Select", "label": L("app_lever_bargaining"), "value": "scenario",
                       "values": ["scenario", *BARGAINING]},
        "revenue_sharing_key": slider("revenue_sharing_key", "app_lever_key", 0.05),
        "ratification": {"type": "Select", "label": L("app_lever_rule"), "value": "core_and_quorum",
                         "values": list(RATIFICATION)},
        "cap_greenfield": {"type": "Checkbox", "label": L("app_lever_cap_on"), "value": True},
        "greenfield_cap": cap,
        "transaction_cost_scale": slider("transaction_cost_scale", "app_lever_tc", 0.1),
        "cofinancing_rate": slider("cofinancing_rate", "app_lever_cofin", 0.05),
        "pilots_per_theme": slider("pilots_per_theme", "app_lever_pilots", 1, "SliderInt"),
    }
