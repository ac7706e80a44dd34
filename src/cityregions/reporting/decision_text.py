"""A council vote's recorded outcome in the reader's language.

The decisions table records, on every vote row, what the ratification rule decided in English words
(rules/ratification.py and model/vote.py write them; they are the run's record and stay as written). A brief in
German or Czech says the same from the labels: each part of the record is read by one pattern, and a record no
pattern reads is shown as recorded.
"""

from __future__ import annotations

import re

from cityregions.reporting.labels import Labels
from cityregions.world import institutions

VERDICTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"failed: the core city voted no \(veto\)"), "rule_veto"),
    (re.compile(r"(?P<ok>ratified|failed): (?P<share>\d+)% of suburban residents (>=|<) quorum (?P<quorum>\d+)%"),
     "rule_quorum"),
    (re.compile(r"(?P<ok>ratified|failed): (?P<councils>\d+)% of councils and (?P<residents>\d+)% of residents "
                r"\(both must exceed 50 %\)"), "rule_double"),
    (re.compile(r"ratified: every council of the group voted yes"), "rule_unanimity_pass"),
    (re.compile(r"failed: (?P<n>\d+) council\(s\) of the group voted no \(unanimity\)"), "rule_unanimity_fail"),
)
CLAUSES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"no key gave every negotiator a gain"), "rule_no_key"),
    (re.compile(r"no binding legal form in (?P<country>\w+) on (?P<day>[\d-]+): a declaration of the yes-voters"),
     "rule_no_form"),
    (re.compile(r"as a (?P<level>\w+) \((?P<form>\w+)\)"), "rule_form"),
    (re.compile(r"(?P<form>\w+) takes the theme over from (?P<day>[\d-]+): a declaration of the yes-voters"),
     "rule_pending"),
)


def form_name(code: str) -> str:
    """A legal form's name in its country's language (legal_forms.csv), or its code."""
    names = {f.form: f.local_name for f in institutions.legal_forms()}
    return names.get(code, code)


def _part(text: str, patterns: tuple[tuple[re.Pattern[str], str], ...], L: Labels) -> str | None:
    for pattern, key in patterns:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        values = dict(m.groupdict())
        if "ok" in values:
            key += "_pass" if values.pop("ok") == "ratified" else "_fail"
        if "level" in values:
            values["level"] = L(f"level_{values['level']}") if L.has(f"level_{values['level']}") else values["level"]
        if "form" in values:
            values["form"] = form_name(values["form"])
        return L(key, **values)
    return None


def rule_words(rule: str, L: Labels) -> str:
    """The recorded outcome of a vote in the labels' language; as recorded if a part is not recognised."""
    if not rule:
        return ""
    first, *rest = rule.split("; ")
    parts = [_part(first, VERDICTS, L), *(_part(r, CLAUSES, L) for r in rest)]
    return rule if any(p is None for p in parts) else "; ".join(p for p in parts if p is not None)
