"""Fuzzed inputs: generated configurations and municipality tables.

Every input is either ACCEPTED, and then the model runs (a short horizon) with finite numbers in all its
tables, or REJECTED with cityregions.config.ConfigError whose one-line message names the field: the config key
(`scenario.quorum`) or the CSV file (with its row and column where there is one). A value of the wrong type
for the schema (`scenario.quorum=true`) is refused by Hydra while composing in-process; that
ConfigCompositionException names the key too and counts as a rejection (the command line refuses it before
composing, with status 2 and one line, as any other bad input). Nothing else may escape, the command
line prints no traceback, and nothing hangs (every example runs under a time limit).

- configs: Hydra overrides for every leaf key of RunConfig (walked from the schema): wrong types, out of range,
  NaN/inf, huge numbers, and valid random values for all keys at once; in-process through make_config (as the
  command line composes), a sample through the real command line.
- tables: generated CSV (text and bytes: encodings, line endings, quoting, degenerate geometry) written to
  files, and the fixed corpus of nasty cases in tests/data/fuzz_corpus/ (its README.md lists every file with
  the expected outcome, and is what the corpus test reads).

Valid inputs the model failed on are kept as regression tests ("model bugs found by fuzzing");
fiscal_gap_core_suburb may be NaN by design.

CI runs the `ci` hypothesis profile (tests/conftest.py; about a minute). The long run, by hand:
    HYPOTHESIS_PROFILE=long FUZZ_KEEP_GOING=1 FUZZ_NO_SHRINK=1 FUZZ_TALLY=fuzz_tally.json \
        .venv/bin/python -m pytest tests/test_fuzz.py --hypothesis-show-statistics
prints the tally of accepted / rejected / crashed inputs at the end and writes it (every few seconds, so a run
stopped early still counts) to $FUZZ_TALLY. FUZZ_KEEP_GOING counts a crash and goes on instead of failing (the
crashing table is kept in $FUZZ_TALLY.crashes/); FUZZ_NO_SHRINK skips shrinking a failure (minutes per test).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import io
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import typing
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from conftest import make_config, summary
from hydra.errors import ConfigCompositionException
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from cityregions.config import REGIONS, ConfigError, RegionConfig, RunConfig, TransportParams, validate
from cityregions.runs.runner import run_scenario
from cityregions.world.facts import load_region
from cityregions.world.geography import build_geography
from cityregions.world.user_table import (
    MAX_AREA_KM2,
    MAX_COORDINATE_KM,
    MAX_POPULATION,
    MIN_POPULATION,
    min_separation_km,
    read_municipalities_csv,
)

CORPUS = Path(__file__).resolve().parent / "data" / "fuzz_corpus"
HORIZON = "timeline.horizon=2014Q4"  # ten quarters: phases 1-3 and the council vote
EXAMPLE_LIMIT_S = 60  # one example (compose + run) that takes longer is reported as a hang
SMALL_REGIONS = ("leipzig", "graz", "wroclaw")


# Examples that run the model take 0.2-2 s; shrinking a failure can take Hypothesis' full five minutes.
# FUZZ_NO_SHRINK=1 skips shrinking (the failing example is printed in full anyway), e.g. for the long run.
heavy = settings(phases=[p for p in Phase if p != Phase.shrink]) if os.environ.get("FUZZ_NO_SHRINK") else settings()


def examples(n: int) -> settings:
    """n examples in CI (cheap tests that run no model), the profile's number if that is more (the long run)."""
    return settings(max_examples=max(n, settings.default.max_examples),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# ---------------------------------------------------------------------------------------------- the tally
TALLY: Counter[tuple[str, str]] = Counter()
# FUZZ_KEEP_GOING=1 (the long run): a crash or a non-finite indicator is counted and written to the report,
# and the test goes on instead of failing, so that the run counts every outcome.
KEEP_GOING = bool(os.environ.get("FUZZ_KEEP_GOING"))
CRASHES: list[str] = []
ACCEPTED = ("accepted", "crashed") if KEEP_GOING else ("accepted",)


def tally(kind: str, outcome: str) -> None:
    """Count one input's outcome (printed at the end of the module) and tell hypothesis' statistics."""
    TALLY[kind, outcome] += 1
    if currently_in_test_context():
        event(f"{kind}: {outcome}")
    if os.environ.get("FUZZ_TALLY") and time.monotonic() - _written[0] > 5:  # a long run may be stopped early
        write_tally()


_written = [0.0]


def write_tally() -> None:
    """The tally as JSON to $FUZZ_TALLY."""
    _written[0] = time.monotonic()
    Path(os.environ["FUZZ_TALLY"]).write_text(json.dumps(
        {"tally": {f"{k}: {o}": n for (k, o), n in sorted(TALLY.items())}, "crashes": CRASHES}, indent=1))


@pytest.fixture(scope="module", autouse=True)
def _print_tally(request):
    yield
    if not TALLY:
        return
    kinds = sorted({k for k, _ in TALLY})
    lines = ["fuzz tally (inputs tried, by outcome):"]
    for kind in kinds:
        counts = {o: n for (k, o), n in sorted(TALLY.items()) if k == kind}
        tried = "" if kind.endswith("[note]") else f" {sum(counts.values())} tried:"
        lines.append(f"  {kind}:{tried} " + ", ".join(f"{n} {o}" for o, n in counts.items()))
    lines += [f"  crash: {c}" for c in CRASHES]
    summary(request.config, ["", *lines])
    if os.environ.get("FUZZ_TALLY"):
        write_tally()


def crashed(kind: str, what: str, e: BaseException, table: Path | None = None) -> str:
    """Count a crash; re-raise it unless FUZZ_KEEP_GOING, which records it (and keeps a copy of the table)."""
    tally(kind, "crashed")
    if not KEEP_GOING:
        raise e
    if table is not None and table.is_file():
        keep = Path(os.environ.get("FUZZ_TALLY", "fuzz_tally.json") + ".crashes")
        keep.mkdir(exist_ok=True)
        what += f" (table kept as {shutil.copy(table, keep / f'{len(CRASHES)}.csv')})"
    msg = str(e).split(": ")[-1] if isinstance(e, AssertionError) else str(e)  # what went wrong, not the input
    CRASHES.append(f"{kind}: {type(e).__name__}: {msg[:300]} <- {what}")
    return "crashed"


@contextlib.contextmanager
def time_limit(seconds: float, what: str):
    """Fail an example that takes longer than `seconds` (SIGALRM: the tests run in the main thread)."""
    def expire(signum, frame):
        raise TimeoutError(f"{what}: no answer within {seconds:g} s (a hang?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# NaN by design: the core's budget margin per resident relative to the suburbs' is undefined (indicators.py
# returns NaN) when the suburbs together have no positive margin, e.g. with params.fiscal.revenue_eur_per_capita=0
UNDEFINED_ALLOWED = {("quarterly", "fiscal_gap_core_suburb")}


def assert_finite(res, what: str) -> None:
    """Every number in every table of a run is finite (no NaN or inf), but for the ratios undefined by design."""
    for name in ("quarterly", "municipalities", "decisions", "memberships"):
        table = getattr(res, name).select_dtypes("number")
        bad = []
        for c in table:
            v = table[c].to_numpy(dtype=float)
            if (name, c) in UNDEFINED_ALLOWED:
                v = v[~np.isnan(v)]
            if not np.isfinite(v).all():
                bad.append(c)
        assert not bad, f"{what}: non-finite values in {name} columns {bad}"


def outcome(kind: str, overrides: list[str], names: tuple[str, ...], table: Path | None = None) -> str:
    """Compose `overrides` as the command line does and run the model: 'accepted' (finite tables), 'rejected'
    (a one-line ConfigError naming one of `names`) or 'hydra' (Hydra's composition error naming one of them).
    Any other exception is a crash: it is counted and fails the test. With `table`, the composed configuration
    (cached: composing takes 0.1 s) gets region.municipalities_csv=table, as an override would set it."""
    what = "overrides " + " ".join(overrides) + (f" region.municipalities_csv={table}" if table else "")
    try:
        with time_limit(EXAMPLE_LIMIT_S, what), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default", RuntimeWarning)  # numpy over/underflow: noted once, judged by the tables
            try:
                cfg = make_config(*overrides) if table is None else with_table(composed(*overrides), table)
            except ConfigCompositionException as e:
                msg = f"{e} {e.__cause__ or ''}"
                assert any(n in msg for n in names), f"{what}: Hydra's message does not name {names}: {msg}"
                tally(kind, "rejected by Hydra (wrong type)")
                return "hydra"
            res = run_scenario(cfg)
    except ConfigError as e:
        msg = str(e)
        assert any(n in msg for n in names), f"{what}: the message does not name {names}: {msg}"
        assert "\n" not in msg, f"{what}: the message is not one line: {msg!r}"
        tally(kind, "rejected")
        return "rejected"
    except AssertionError:
        raise
    except Exception as e:
        return crashed(kind, what, e, table)
    try:
        assert_finite(res, what)
    except AssertionError as e:
        return crashed(kind, what, e, table)
    tally(kind, "accepted")
    if any(issubclass(w.category, RuntimeWarning) for w in caught):
        TALLY[f"{kind} [note]", "accepted with numpy overflow/invalid warnings (results finite)"] += 1
    return "accepted"


@functools.cache
def composed(*overrides: str) -> RunConfig:
    return make_config(*overrides)


def with_table(cfg: RunConfig, path: Path) -> RunConfig:
    return dataclasses.replace(cfg, region=dataclasses.replace(cfg.region, municipalities_csv=str(path)))


# ------------------------------------------------------------------------------------ the schema's leaves
@dataclasses.dataclass(frozen=True)
class Leaf:
    """One leaf key of RunConfig, as the schema declares it."""

    key: str
    kind: str  # int, float, bool, str, list[str] or list[float]
    optional: bool
    lo: float | None
    hi: float | None
    choices: tuple[str, ...] | None


def schema_leaves(cls: type = RunConfig, prefix: str = "") -> list[Leaf]:
    """Every leaf of the schema, walking dataclasses.fields recursively."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            out += schema_leaves(tp, f"{prefix}{f.name}.")
            continue
        optional = typing.get_origin(tp) is typing.Union
        if optional:
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        kind = f"list[{typing.get_args(tp)[0].__name__}]" if typing.get_origin(tp) is list else tp.__name__
        out.append(Leaf(prefix + f.name, kind, optional, f.metadata["lo"], f.metadata["hi"], f.metadata["choices"]))
    return out


LEAVES = schema_leaves()
BY_KEY = {leaf.key: leaf for leaf in LEAVES}
TIMELINE = ("timeline.start", "timeline.phase1_end", "timeline.phase2_end", "timeline.phase3_end", "timeline.horizon")
DEFAULT_TIMELINE = ("2012Q3", "2013Q2", "2014Q2", "2014Q4", "2030Q4")
PATHS = ("region.municipalities_csv", "output_dir")  # free strings
CODES = ("region.fua_id",)  # a code from a list in the data (valid only with region=fua)
SMALL_FUAS = ("AT006L3", "CZ018L2", "PL026L2")  # Klagenfurt, Chomutov-Jirkov, Płock: quick to run


def hydra(v: object) -> str:
    """A Python value written as a Hydra override value."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return "'" + v.replace("'", "\\'") + "'"  # the alphabet has no backslash and no '$' (interpolation)
    if isinstance(v, list):
        return "[" + ",".join(hydra(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}:{hydra(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def quarter(year: int, q: int) -> str:
    return f"{year}Q{q}"


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\$"), max_size=12)
WORD = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
SCALAR = st.one_of(st.integers(-10, 10), st.floats(allow_nan=False, width=32), st.booleans(), WORD)
NONFINITE = st.sampled_from([math.nan, math.inf, -math.inf])
HUGE = st.sampled_from([10**30, -10**30, 2**63, 2**64, 1e308, -1e308, 1.7976931348623157e308])
QUARTER_ISH = st.one_of(st.from_regex(r"\A[0-9]{4}Q[05-9]\Z"), st.from_regex(r"\A[0-9]{1,3}Q[1-4]\Z"),
                        st.from_regex(r"\A[0-9]{5,6}Q[1-4]\Z"), st.from_regex(r"\A[0-9]{4}[q\- ]Q?[1-4]\Z"),
                        st.from_regex(r"\A[0-9]{4}-[0-9]{2}(-[0-9]{2})?\Z"), TEXT, st.integers(-10**6, 10**6))


def out_of_range(leaf: Leaf) -> st.SearchStrategy:
    """Numbers below lo or above hi (integers for int keys)."""
    if leaf.kind == "int":
        return st.one_of(st.integers(max_value=int(leaf.lo) - 1), st.integers(min_value=int(leaf.hi) + 1))
    return st.one_of(st.floats(max_value=leaf.lo, exclude_max=True, allow_nan=False, allow_infinity=False),
                     st.floats(min_value=leaf.hi, exclude_min=True, allow_nan=False, allow_infinity=False))


def in_range(leaf: Leaf) -> st.SearchStrategy:
    if leaf.kind.endswith("int"):
        return st.integers(int(leaf.lo), int(leaf.hi))
    return st.floats(leaf.lo, leaf.hi)


def bad_values(leaf: Leaf) -> st.SearchStrategy[tuple[str, bool, object]]:
    """(category, must be refused, value) of wrong type, out of range, non-finite or huge, for one leaf."""
    def cat(name: str, refuse: bool, values: st.SearchStrategy) -> st.SearchStrategy:
        return values.map(lambda v: (name, refuse, v))

    free = [cat("text", False, TEXT), cat("dict", True, st.dictionaries(WORD, SCALAR, min_size=1, max_size=2))]
    if not leaf.kind.startswith("list"):
        free.append(cat("list", True, st.lists(SCALAR, max_size=3)))
    if leaf.kind in ("int", "float"):
        fraction = st.floats(float(leaf.lo), min(float(leaf.hi), 1e6)).filter(lambda v: v != int(v))
        return st.one_of(*free, cat("out of range", True, out_of_range(leaf)), cat("non-finite", True, NONFINITE),
                         cat("huge", True, HUGE), cat("bool", True, st.booleans()),
                         *([cat("fraction", True, fraction)] if leaf.kind == "int" else []))
    if leaf.kind == "list[float]":
        n = list_length(leaf)
        good = st.floats(leaf.lo, leaf.hi)
        element = st.one_of(out_of_range(leaf), NONFINITE, HUGE, st.lists(good, max_size=2),
                            st.dictionaries(WORD, good, min_size=1, max_size=1))
        return st.one_of(*free, cat("scalar", True, good),
                         cat("wrong length", True, st.lists(good, max_size=8).filter(lambda v: len(v) != n)),
                         cat("bad element", True, st.tuples(st.lists(good, min_size=n, max_size=n).map(sorted),
                                                            st.integers(0, n - 1), element)
                             .map(lambda t: [*t[0][:t[1]], t[2], *t[0][t[1] + 1:]])))
    if leaf.kind == "bool":
        return st.one_of(*free, cat("fraction", True, st.floats(0.01, 0.99)), cat("non-finite", True, NONFINITE))
    if leaf.kind == "list[str]":
        return st.one_of(*free, cat("scalar", True, st.sampled_from(leaf.choices)),
                         cat("duplicate", True, st.sampled_from(leaf.choices).map(lambda c: [c, c])),
                         cat("unknown choice", True, st.lists(WORD.filter(lambda w: w not in leaf.choices),
                                                              min_size=1, max_size=3)),
                         cat("nested", True, st.lists(st.lists(st.sampled_from(leaf.choices), max_size=2),
                                                      min_size=1, max_size=2)))
    if leaf.choices:
        return st.one_of(*free, cat("unknown choice", True, st.one_of(TEXT, WORD).filter(
            lambda s: s.strip() not in leaf.choices)), cat("number", True, st.integers(-5, 5)))
    if leaf.key in TIMELINE:
        i = TIMELINE.index(leaf.key)
        qs = [quarter(y, q) for y in range(2000, 2031) for q in (1, 2, 3, 4)]
        order = [q for q in qs if (i > 0 and q < DEFAULT_TIMELINE[i - 1]) or (i < 3 and q > DEFAULT_TIMELINE[i + 1])]
        return st.one_of(*free, cat("not a quarter", True, QUARTER_ISH.filter(
            lambda s: not re.fullmatch(r"[0-9]{4}Q[1-4]", str(s)))), cat("out of order", True, st.sampled_from(order)))
    assert leaf.key in PATHS + CODES, leaf
    return st.one_of(*free, cat("number", False, st.integers(-5, 5)))


def overrides_for(key: str, value: object) -> list[str]:
    """The override under test, with a short horizon unless the timeline itself is fuzzed."""
    extra = [] if key.startswith("timeline.") else [HORIZON]
    return [*extra, f"{key}={hydra(value)}"]


def test_the_leaves_cover_the_whole_schema():
    flat = {}

    def walk(d, prefix=""):
        for k, v in d.items():
            if isinstance(v, dict):
                walk(v, f"{prefix}{k}.")
            else:
                flat[prefix + k] = v

    walk(dataclasses.asdict(RunConfig()))
    assert sorted(flat) == sorted(BY_KEY)
    assert {leaf.kind for leaf in LEAVES} <= {"int", "float", "bool", "str", "list[str]", "list[float]"}
    for leaf in LEAVES:  # every leaf has a strategy of bad values and one of valid values
        assert leaf.kind in ("bool", "str", "list[str]") or (leaf.lo is not None and leaf.hi is not None), leaf
        assert leaf.kind not in ("str", "list[str]") or leaf.choices or leaf.key in TIMELINE + PATHS + CODES, leaf


# ------------------------------------------------------------------------------------ configs: bad values
@examples(100)
@given(data=st.data())
def test_a_bad_value_for_any_key_is_refused_naming_the_key(data):
    leaf = data.draw(st.sampled_from(LEAVES), label="key")
    category, refuse, value = data.draw(bad_values(leaf), label="value")
    event(f"config category: {category}")
    result = outcome("configs (one bad value)", overrides_for(leaf.key, value), (leaf.key,))
    if refuse:
        assert result != "accepted", f"{leaf.key}={hydra(value)} ({category}) was accepted"


NUMERIC = [leaf for leaf in LEAVES if leaf.kind in ("int", "float", "list[float]")]


def list_length(leaf: Leaf) -> int:
    """How many numbers a list key holds: a range [low, high] (the bargaining bounds) or the four weights."""
    return 2 if leaf.key.endswith("_bounds") else 4


def with_value(cfg: object, key: str, value: object) -> object:
    """A copy of a config dataclass with one dotted key replaced."""
    head, _, rest = key.partition(".")
    return dataclasses.replace(cfg, **{head: with_value(getattr(cfg, head), rest, value) if rest else value})


@pytest.mark.parametrize("leaf", NUMERIC, ids=lambda leaf: leaf.key)
def test_every_numeric_key_refuses_out_of_range_and_nan(leaf):
    """Every numeric key, deterministically, through the schema's validation (the step after Hydra's
    composition, which the hypothesis tests above and the command-line tests below go through)."""
    for value in (leaf.lo - 1, leaf.hi + 1, *(() if leaf.kind == "int" else (math.nan, math.inf, 1e308))):
        v = [value, *[1.0] * (list_length(leaf) - 1)] if leaf.kind == "list[float]" else value
        with pytest.raises(ConfigError) as err:
            validate(with_value(RunConfig(region=RegionConfig(name="synthetic")), leaf.key, v))
        assert leaf.key in str(err.value) and "\n" not in str(err.value)
        tally("configs (one bad value, schema only)", "rejected")


# ---------------------------------------------------------------------------------- configs: valid values
QUARTERS = [quarter(y, q) for y in range(2010, 2018) for q in (1, 2, 3, 4)]


@st.composite
def ordered_quarters(draw) -> list[str]:
    """Five ordered quarters (start <= phase ends <= horizon) within two years from 2010-2014: a valid, short
    timeline (any phase may be empty)."""
    start = draw(st.integers(0, 20))
    return [QUARTERS[start], *sorted(QUARTERS[start + i] for i in draw(st.lists(st.integers(0, 7), min_size=4,
                                                                                 max_size=4)))]


@st.composite
def valid_values(draw, table_dir: Path) -> dict[str, object]:
    """A valid value for every leaf key at once, within the declared ranges and the cross-field rules."""
    values: dict[str, object] = {}
    for leaf in LEAVES:
        if leaf.key in TIMELINE + PATHS + CODES + ("region.n_municipalities",):
            continue
        if leaf.kind == "bool":
            v = draw(st.booleans())
        elif leaf.kind == "list[str]":
            v = draw(st.lists(st.sampled_from(leaf.choices), unique=True))
        elif leaf.kind == "list[float]":
            n = list_length(leaf)
            v = sorted(draw(st.lists(in_range(leaf), min_size=n, max_size=n)))  # a range [low, high] sorted
        elif leaf.key == "region.name":  # the cheap regions more often (all five, Prague: 0.5-3 s)
            v = draw(st.sampled_from([*leaf.choices, *SMALL_REGIONS, *SMALL_REGIONS, "synthetic"]))
        elif leaf.choices:
            v = draw(st.sampled_from(leaf.choices))
        else:
            v = draw(in_range(leaf))
            if leaf.optional:
                v = draw(st.sampled_from([v, None]))
        values[leaf.key] = v
    region = values["region.name"]
    values["region.n_municipalities"] = draw(st.integers(1, 40)) if region == "synthetic" else None
    values["region.fua_id"] = draw(st.sampled_from(SMALL_FUAS)) if region == "fua" else None
    values.update(zip(TIMELINE, draw(ordered_quarters()), strict=True))
    values["batch.replicates"] = draw(st.integers(1, 2))  # a batch runs each of its runs: a few are enough
    values["batch.scenarios"] = values["batch.scenarios"][:2]
    if values["batch.replicates"] > 1 or values["batch.scenarios"]:  # a batch runs one region's replicates itself
        values["replicate"] = 0
        if region == "all":
            values["batch.replicates"], values["batch.scenarios"] = 1, []
    values["output_dir"] = None  # in-process runs write nothing
    values["region.municipalities_csv"] = None
    if region != "all" and draw(st.booleans()):
        path = table_dir / "valid_config_table.csv"
        path.write_bytes(draw(valid_tables()).data)
        values["region.municipalities_csv"] = str(path)
    return values


@pytest.fixture(scope="module")
def table_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz_tables")


@heavy
@given(data=st.data())
def test_valid_random_values_for_every_key_are_accepted_and_run(data, table_dir):
    values = data.draw(valid_values(table_dir))
    event(f"region: {values['region.name']}")
    result = outcome("configs (all keys valid)", [f"{k}={hydra(v)}" for k, v in values.items()], ())
    assert result in ACCEPTED


# ---------------------------------------------------------------------------------------- tables: strategies
HEADER = ("name", "population", "area_km2", "x_km", "y_km", "is_core")
CORE_YES = ("1", "yes", "true", "YES", "True", " 1 ")
CORE_NO = ("", "0", "no", "false", "No", "FALSE")


@dataclasses.dataclass
class Table:
    """A generated municipality table: the file's bytes and, for valid tables, what it must read back as."""

    data: bytes
    names: list[str] = dataclasses.field(default_factory=list)
    population: list[float] = dataclasses.field(default_factory=list)
    core: int | None = None


def number_text(v: float, draw) -> str:
    """A number as a person or a spreadsheet might write it."""
    v = float(v)
    fmt = draw(st.sampled_from(["repr", "g", "e", "int", "pad", "plus"]))
    if fmt == "int" and float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return {"repr": repr(float(v)), "g": f"{v:.17g}", "e": f"{v:.16e}", "int": repr(float(v)),
            "pad": f"  {v!r} ", "plus": f"+{v!r}" if math.copysign(1.0, v) > 0 else repr(v)}[fmt]


NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), min_size=1, max_size=24)
# tables that run span up to 40 km: at the default speeds every municipality is in reach of the others; one out
# of everyone's reach makes the commuting balance infeasible (overflow warnings, see the corpus: ok_limits.csv)
IN_REACH_KM = 40.0


@st.composite
def positions(draw, n: int, extent: float) -> list[tuple[float, float]]:
    """n positions in km spanning at most `extent` km, anywhere within the coordinate limits: scattered,
    collinear, on a grid, a cluster and one far point, or two points; at the least distance the reader allows
    there (min_separation_km) or more (closer ones are refused: see the corpus)."""
    room = MAX_COORDINATE_KM - extent / 2  # how far out the centre may go
    centre = draw(st.sampled_from([0.0, 10.0, 5000.0, room, -room]))  # far out tests the triangulation's precision
    need = min_separation_km(np.array([abs(centre) + extent / 2])) * 1.001
    shape = draw(st.sampled_from(["scatter", "line", "grid", "cluster+far", "two"]))
    if shape == "scatter":
        r = draw(st.floats(need * n, extent / 2))
        pts = draw(st.lists(st.tuples(st.floats(-r, r), st.floats(-r, r)), min_size=n, max_size=n))
    elif shape == "line":
        step = draw(st.floats(need, extent / n))
        angle = draw(st.sampled_from([0.0, 0.5, math.pi / 2, math.pi / 4]))
        pts = [(i * step * math.cos(angle), i * step * math.sin(angle)) for i in range(n)]
    elif shape == "grid":
        k = math.ceil(math.sqrt(n))
        step = draw(st.floats(need, extent / k / 1.5))
        pts = [((i % k) * step, (i // k) * step) for i in range(n)]
    elif shape == "cluster+far":
        pts = [(i * need, 0.0) for i in range(n - 1)] + [(draw(st.floats(n * need, extent / 2)), 0.0)]
    else:
        pts = [(0.0, 0.0), (draw(st.floats(need, extent / 2)), 0.0)]
        pts += [(extent / 3 * math.cos(i), extent / 3 * math.sin(i)) for i in range(n - 2)]
    xy = np.array(pts)
    mid = (xy.max(axis=0) + xy.min(axis=0)) / 2
    pts = [(float(x - mid[0] + centre), float(y - mid[1] + centre)) for x, y in pts]
    xy = np.array(pts)
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(d, np.inf)
    if d.min() < min_separation_km(xy) or np.abs(xy).max() > MAX_COORDINATE_KM:  # a random scatter too close
        pts = [(centre + (i - n / 2) * 2 * need, centre + i % 2 * need) for i in range(n)]
    return pts


@st.composite
def valid_tables(draw, max_rows: int = 12, extents: tuple[float, ...] = (IN_REACH_KM,),
                 populations: tuple[float, float] = (MIN_POPULATION, MAX_POPULATION)) -> Table:
    """Tables the reader must accept: 2..max_rows municipalities, values within the plausibility limits,
    any column order, extra columns, BOM, CRLF/CR line endings, quoting, unicode names, degenerate geometry."""
    n = draw(st.integers(2, max_rows))
    names = draw(st.lists(NAME.map(str.strip).filter(bool), min_size=n, max_size=n, unique=True))
    pop = draw(st.lists(st.one_of(st.floats(*populations), st.integers(*map(int, populations)).map(float)),
                        min_size=n, max_size=n))
    area = draw(st.lists(st.floats(0.0, MAX_AREA_KM2, exclude_min=True), min_size=n, max_size=n))
    pts = draw(positions(n, draw(st.sampled_from(extents))))
    core = draw(st.one_of(st.none(), st.integers(0, n - 1)))
    has_core = core is not None or draw(st.booleans())
    columns = list(HEADER if has_core else HEADER[:-1])
    columns = draw(st.permutations(columns))
    extras = draw(st.lists(st.sampled_from(["note", "Einwohner", "", "id"]), unique=True, max_size=2))
    header = [*columns, *extras]
    rows = []
    for i in range(n):
        cell = {"name": names[i], "population": number_text(pop[i], draw), "area_km2": number_text(area[i], draw),
                "x_km": number_text(pts[i][0], draw), "y_km": number_text(pts[i][1], draw),
                "is_core": draw(st.sampled_from(CORE_YES if i == core else CORE_NO))}
        rows.append([cell.get(c, draw(st.sampled_from(["", "x", "1,5", '"q"']))) for c in header])
    padded = draw(st.booleans())
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])),
                        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    writer.writerow([f" {h} " if padded else h for h in header])
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig"]))
    expected_core = core if core is not None else int(np.argmax(pop))
    return Table(buf.getvalue().encode(encoding), names, pop, expected_core)


NASTY_CELLS = ["", " ", "nan", "NaN", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e400", "1" + "0" * 30, "0", "-0",
               "-1", "0.5", "abc", "1,5", "1.2.3", "0x10", "1_000", "\u0661\u0662", "\u00bd", "5e-324", '"', "'",
               "yes", "2", "TRUE", "x" * 300, "\x00", "\u2028", "\ufeff", "1e5", "-1e5", "100001", "1e9", "1000000001"]


@st.composite
def any_tables(draw) -> Table:
    """Anything: a valid table broken in one or more places, raw text, or bytes in another encoding."""
    how = draw(st.sampled_from(["broken cells", "broken structure", "raw text", "encoding", "bytes"]))
    if how == "bytes":
        return Table(draw(st.binary(max_size=300)))
    if how == "raw text":
        alphabet = st.sampled_from(list(",\"'\n\r\t ;0123456789.-+eE") + ["name", "population", "area_km2", "x_km",
                                                                          "y_km", "is_core", "nan", "inf", "A"])
        return Table("".join(draw(st.lists(alphabet, max_size=120))).encode())
    base = draw(valid_tables(max_rows=6))
    text = base.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if how == "broken cells":
        for _ in range(draw(st.integers(1, 3))):
            r = draw(st.integers(0, len(rows) - 1))
            if not rows[r]:
                continue
            c = draw(st.integers(0, len(rows[r]) - 1))
            rows[r][c] = draw(st.one_of(st.sampled_from(NASTY_CELLS), TEXT))
    if how == "broken structure":
        for _ in range(draw(st.integers(1, 3))):
            if not rows:
                break
            r = draw(st.integers(0, len(rows) - 1))
            op = draw(st.sampled_from(["drop cell", "add cell", "duplicate row", "drop row", "empty row",
                                       "duplicate column", "truncate"]))
            if op == "drop cell" and rows[r]:
                rows[r].pop(draw(st.integers(0, len(rows[r]) - 1)))
            elif op == "add cell":
                rows[r].insert(draw(st.integers(0, len(rows[r]))), draw(st.sampled_from(NASTY_CELLS)))
            elif op == "duplicate row":
                rows.insert(r, list(rows[r]))
            elif op == "drop row":
                rows.pop(r)
            elif op == "empty row":
                rows.insert(r, [])
            elif op == "duplicate column" and rows[0]:
                c = draw(st.integers(0, len(rows[0]) - 1))
                for row in rows:
                    if c < len(row):
                        row.insert(c, row[c])
            elif op == "truncate":
                rows = rows[:r]
    buf = io.StringIO()
    csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])),
               quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_NONE])), escapechar="\\").writerows(rows)
    text = buf.getvalue()
    if how == "encoding":
        enc = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "utf-8-sig"]))
        return Table(text.encode(enc, errors="replace"))
    if draw(st.booleans()):  # an unclosed quote, garbage at the end
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(['"', "\x00", "\ufffd", ",,,", "\n\n", '"a""b'])) + text[cut:]
    return Table(text.encode("utf-8", errors="surrogatepass"))


def read_outcome(path: Path) -> str:
    """Read a table: 'accepted' or 'rejected' (a one-line ConfigError naming the file); a crash fails the test."""
    try:
        with time_limit(EXAMPLE_LIMIT_S, f"reading {path}"):
            table = read_municipalities_csv(path)
    except ConfigError as e:
        assert str(path) in str(e), f"the message does not name the file: {e}"
        assert "\n" not in str(e), f"the message is not one line: {str(e)!r}"
        return "rejected"
    n = len(table.names)
    assert n >= 2 and len(set(table.names)) == n and all(name == name.strip() and name for name in table.names)
    for values in (table.population, table.area_km2, table.x_km, table.y_km):
        assert values.shape == (n,) and np.isfinite(values).all()
    assert (table.population >= MIN_POPULATION).all() and (table.population <= MAX_POPULATION).all()
    assert (table.area_km2 > 0).all() and (table.area_km2 <= MAX_AREA_KM2).all()
    assert 0 <= table.core < n
    return "accepted"


# ------------------------------------------------------------------------------------------- tables: tests
@examples(200)
@given(table=any_tables())
def test_any_table_is_read_or_refused_naming_the_file(table, table_dir):
    path = table_dir / "any.csv"
    path.write_bytes(table.data)
    try:
        result = read_outcome(path)
    except AssertionError:
        raise
    except Exception as e:
        crashed("tables (anything, read)", f"reading {path}", e, path)
        return
    tally("tables (anything, read)", result)


@examples(100)
@given(table=valid_tables())
def test_a_valid_table_reads_back_exactly(table, table_dir):
    path = table_dir / "valid.csv"
    path.write_bytes(table.data)
    got = read_municipalities_csv(path)
    assert list(got.names) == table.names
    np.testing.assert_allclose(got.population, table.population, rtol=1e-15)
    assert got.core == table.core
    tally("tables (valid, read)", "accepted")


@examples(60)
@given(table=valid_tables(max_rows=40, extents=(IN_REACH_KM, 1000.0, 2 * MAX_COORDINATE_KM)),
       region=st.sampled_from(REGIONS), corridors=st.integers(1, 16))
def test_a_valid_table_builds_a_road_network(table, region, corridors, table_dir):
    """Degenerate geometry (collinear, two points, clusters, far offsets) still triangulates."""
    path = table_dir / "geometry.csv"
    path.write_bytes(table.data)
    rc = RegionConfig(name=region, municipalities_csv=str(path), n_corridors=corridors)
    try:
        with time_limit(EXAMPLE_LIMIT_S, f"building {path}"):
            geo = build_geography(load_region(region), rc, TransportParams(), np.random.default_rng(0))
    except Exception as e:
        crashed("tables (valid, road network)", f"building region={region} n_corridors={corridors}", e, path)
        return
    assert geo.n == len(table.names) and geo.graph.number_of_nodes() == geo.n
    assert nx.is_connected(geo.graph)
    assert np.isfinite(geo.pairs.car_min).all() and np.isfinite(geo.pairs.pt_min).all()
    tally("tables (valid, road network)", "accepted")


@heavy
@given(table=valid_tables(max_rows=8), region=st.sampled_from(SMALL_REGIONS),
       scenario=st.sampled_from(["city_regions", "integrated", "no_cooperation"]))
def test_a_valid_table_runs_with_finite_indicators(table, region, scenario, table_dir):
    path = table_dir / "run.csv"
    path.write_bytes(table.data)
    assert outcome("tables (valid, run)", [f"region={region}", f"scenario={scenario}", HORIZON], (str(path),),
                   path) in ACCEPTED


@heavy
@given(table=any_tables(), region=st.sampled_from(SMALL_REGIONS))
def test_any_table_runs_or_is_refused(table, region, table_dir):
    path = table_dir / "any_run.csv"
    path.write_bytes(table.data)
    outcome("tables (anything, run)", [f"region={region}", HORIZON], (str(path),), path)


# ---------------------------------------------------------------------------- model bugs found by fuzzing
# Valid inputs the model failed on, reduced by hand; kept as regression tests. Both came from the commuting model's
# balancing (gravity.gravity_flows) where the margins are nearly infeasible: the factors left floating-point
# range. gravity_flows now checks its result and falls back to a cold start, then to log-space sweeps.
BALANCE_COLLAPSES = (
    "region.name=wroclaw region.size_exponent=2.477624897206021 scenario.name=no_cooperation "
    "scenario.themes=[transport,region] scenario.pilots_per_theme=4 scenario.cofinancing_rate=0.03792762851115273 "
    "scenario.revenue_sharing_key=0.6144096198824177 scenario.greenfield_cap=11.627850388397091 "
    "scenario.service_cofinancing=0.7380929079245993 scenario.cost_sharing_key=0.7663115677390333 "
    "scenario.transaction_cost_scale=8.657743302362427 scenario.trust_learning_rate=0.1054265925841387 "
    "scenario.quorum=0.5115980885845434 params.land.obsolescence_rate=0.2 "
    "params.land.cost_choice_scale=8.404704169711625 params.land.reserve_years=6.990623845428053 "
    "params.land.firm_tax_sensitivity=5e-324 params.land.access_weight=3.2060136925528586 "
    "params.land.core_developed_share=0.9495465874524257 params.land.suburb_developed_share=0.5094659586409634 "
    "params.land.protected_share=0.8498920225653614 params.land.brownfield_share_core=0.0510726195806034 "
    "params.land.brownfield_share_suburb=0.30411412429903656 params.land.commercial_share=0.6441813757703189 "
    "params.land.annuity_rate=0.6019798076786426 params.transport.car_speed_kmh=60.8661575866087 "
    "params.transport.circuity=2.9773427948736018 params.transport.distance_decay=0.21361817743471084 "
    "params.transport.intrazonal_min=33.05942105462728 params.transport.catchment_min=699.92763967912 "
    "params.transport.employment_rate=0.1 params.cooperation.tc_base_keur=4344.9368638670185 replicate=2445 "
    "common_random_numbers=false timeline.start=2014Q1 timeline.phase1_end=2014Q1 timeline.phase2_end=2014Q4").split()


def test_commuting_flows_do_not_vanish_after_a_warm_start_far_out_of_scale():
    """A valid configuration of a real region (found by the all-keys test in the long run): warm-started from the
    last quarter's factors, balancing ended with every column factor clamped at 1e300, all-zero flows and a NaN
    PT share."""
    res = run_scenario(make_config(*BALANCE_COLLAPSES))
    assert_finite(res, "wroclaw reproducer")


BALANCE_TABLE = """name,population,area_km2,x_km,y_km,is_core
M0,100.0,744864.8439092088,-100000.0,-100000.0,
M1,498.0,1.3639706088155713e-161,-99997.65766079006,-99997.65766079006,
M2,219027.0,887281.1866408752,-99995.31532158013,-99995.31532158013,1
M3,970175.5652851055,36282.320610770534,-99992.9729823702,-99992.9729823702,
M4,743.0,1.192092896e-07,-99990.63064316026,-99990.63064316026,
M5,498.0,859351.5815381745,-99988.28830395032,-99988.28830395032,
M6,498.0,426497.9023981982,-99985.94596474039,-99985.94596474039,
"""


def test_commuting_balance_does_not_overflow_with_steep_decay(tmp_path):
    """A valid table (within every limit) with valid transport parameters (found by the all-keys test): balancing
    overflowed from a cold start, the flows were NaN and the PT calibration (brentq) raised ValueError."""
    path = tmp_path / "line.csv"
    path.write_text(BALANCE_TABLE, encoding="utf-8")
    res = run_scenario(make_config(
        "region=leipzig", HORIZON, f"region.municipalities_csv={path}",
        "params.transport.car_speed_kmh=12.648117798997683",
        "params.transport.circuity=2.9981267934444342", "params.transport.distance_decay=1.0",
        "params.transport.intrazonal_min=31.720298059868764", "params.transport.catchment_min=882.977388836703",
        "params.transport.employment_rate=0.8152977071143814"))
    assert_finite(res, "line reproducer")


# ------------------------------------------------------------------------------------------- the corpus
def corpus_cases() -> list[tuple[str, str]]:
    """(file, expected) from the table in tests/data/fuzz_corpus/README.md: 'accepted' or a message fragment."""
    cases = []
    for line in (CORPUS / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| `([^`]+)` \| .* \| (accepted|`(.+)`) \|$", line)
        if m:
            cases.append((m.group(1), "accepted" if m.group(2) == "accepted" else m.group(3)))
    return cases


CORPUS_CASES = corpus_cases()


def test_the_corpus_readme_lists_every_file():
    listed = {name for name, _ in CORPUS_CASES}
    present = {p.name for p in CORPUS.iterdir() if p.name != "README.md"}
    assert present <= listed, f"not in README.md: {sorted(present - listed)}"
    assert listed - present == {"does_not_exist.csv"}, sorted(listed - present)
    assert len(CORPUS_CASES) >= 40


@pytest.mark.parametrize(("name", "expected"), CORPUS_CASES, ids=[name for name, _ in CORPUS_CASES])
def test_corpus_case(name, expected):
    path = CORPUS / name
    result = outcome("tables (corpus)", ["region=leipzig", HORIZON], (str(path),), path)
    if expected == "accepted":
        assert result == "accepted"
    else:
        assert result == "rejected"
        with pytest.raises(ConfigError) as err:
            read_municipalities_csv(path)
        assert expected in str(err.value)


# ----------------------------------------------------------------------------------- the real command line
def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cityregions", "progress=false", "plot=false", *args],
                          capture_output=True, text=True, timeout=180, env={**os.environ, "HYDRA_FULL_ERROR": ""})


CLI_BAD = {  # args -> what the one-line message must say
    "range": (["params.land.persons_per_ha_core=1e308"], "params.land.persons_per_ha_core=1e+308 is out of range"),
    "nested list": (["params.cooperation.tc_weights=[[1],1,1,1]"], "params.cooperation.tc_weights[0]=[1]"),
    "bad table": (["region.municipalities_csv=" + str(CORPUS / "decimal_comma.csv")],
                  f"{CORPUS / 'decimal_comma.csv'}, row 3: 7 fields but the header has 6 columns"),
    "directory": (["region.municipalities_csv=" + str(CORPUS / "a_directory.csv")], "is a directory"),
}


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """Every command-line case at once, two at a time (each is a Python process of about 2 s)."""
    out = tmp_path_factory.mktemp("cli")
    cases = {**{k: (a, out / k.replace(" ", "_")) for k, (a, _) in CLI_BAD.items()},
             "accepted table": ([f"region.municipalities_csv={CORPUS / 'ok_crlf_bom_quoted.csv'}", HORIZON],
                                out / "accepted"),
             "wrong type": (["scenario.quorum=true"], out / "wrong_type"),
             "output_dir is a file": ([HORIZON, f"output_dir={out / 'a_file'}"], out / "output_dir_file")}
    (out / "a_file").write_text("not a directory\n")
    with ThreadPoolExecutor(2) as pool:
        futures = {k: pool.submit(cli, *a, f"hydra.run.dir={d}") for k, (a, d) in cases.items()}
        return {k: (f.result(), cases[k][1]) for k, f in futures.items()}


@pytest.mark.parametrize("case", sorted(CLI_BAD))
def test_cli_refuses_bad_input_with_status_2_and_one_line(cli_runs, case):
    r, out = cli_runs[case]
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and lines[0].startswith("cityregions: invalid "), r.stderr
    assert CLI_BAD[case][1] in lines[0]
    assert not out.exists()
    tally("command line", "rejected")


def test_cli_runs_an_accepted_nasty_table(cli_runs):
    r, out = cli_runs["accepted table"]
    assert r.returncode == 0, r.stderr
    assert (out / "manifest.json").is_file() and "Traceback" not in r.stderr
    tally("command line", "accepted")


def test_cli_wrong_type_names_the_key_without_a_traceback(cli_runs):
    r, _ = cli_runs["wrong type"]
    assert r.returncode != 0 and "scenario.quorum" in r.stderr and "Traceback" not in r.stderr
    tally("command line", "rejected")


def test_cli_wrong_type_exits_2_with_one_line(cli_runs):
    r, _ = cli_runs["wrong type"]
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "scenario.quorum" in lines[0], r.stderr


def test_cli_output_dir_that_is_a_file_is_refused(cli_runs):
    r, _ = cli_runs["output_dir is a file"]
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "output_dir" in lines[0], r.stderr


def test_an_interpolation_error_names_the_key():
    with pytest.raises(ConfigError) as err:
        make_config("scenario.name='${oops}'")
    assert "scenario.name" in str(err.value)
