"""How often the councils ratify: for each run of the historical scenario, whether a binding agreement (a
contract or a body) came out of the vote at the end of phase 3, whether one is in force at the horizon, and when
the first came; over replicates, the share of runs in which each happened (a distribution, not a verdict)."""

from __future__ import annotations

import pandas as pd

from cityregions.config import THEMES, RunConfig
from cityregions.runs.trace import BINDING_STATUSES, Tables
from cityregions.world.phases import Phase, Timeline


def outcome(tables: Tables, cfg: RunConfig) -> dict[str, object]:
    """One run: ratified at the vote, binding at the horizon, and the first quarter with a binding agreement."""
    timeline = Timeline.from_config(cfg.timeline)
    trace = tables.trace[tables.trace["step"] >= 0].reset_index(drop=True)
    binding = trace[[f"status_{x}" for x in THEMES]].isin(BINDING_STATUSES).any(axis=1)
    vote = timeline.last_of(Phase.AGREEMENTS)
    first = int(binding.to_numpy().argmax()) if binding.any() else None
    return {"ratified_at_vote": bool(vote is not None and vote < len(binding) and binding.iloc[vote]),
            "binding_at_horizon": bool(binding.iloc[-1]),
            "first_binding": timeline.label(first) if first is not None else ""}


def frequencies(votes: pd.DataFrame) -> pd.DataFrame:
    """Per region over its replicates: runs, the share ratified at the vote, the share with a binding agreement
    at the horizon, and the earliest and latest first binding quarter."""
    rows = []
    for region, g in votes.groupby("region", sort=False):
        firsts = sorted(q for q in g["first_binding"] if q)
        rows.append({"region": region, "runs": len(g), "ratified_at_vote": float(g["ratified_at_vote"].mean()),
                     "binding_at_horizon": float(g["binding_at_horizon"].mean()),
                     "first_binding": f"{firsts[0]}–{firsts[-1]}" if firsts else "never"})
    return pd.DataFrame(rows, columns=["region", "runs", "ratified_at_vote", "binding_at_horizon", "first_binding"])
