"""A user's table of municipalities (`region.municipalities_csv`): read one record at a time, every value checked
against plausibility limits, every error naming the file, the row and the column."""

from __future__ import annotations

import codecs
import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from cityregions.config import ConfigError

MUNICIPALITY_COLUMNS = ("name", "population", "area_km2", "x_km", "y_km")
# Plausibility limits of a user's table: a value beyond them is a unit or typing mistake, and the model's
# arithmetic (hectares, gravity weights, the road network's triangulation) would overflow on it.
MIN_POPULATION = 1.0  # residents: a municipality has at least one (a table in thousands is a unit mistake)
MAX_POPULATION = 1e8  # residents: more than any municipality on Earth (the largest have about 3e7)
MAX_AREA_KM2 = 1e6  # larger than any municipality on Earth (the largest, in Greenland, cover about 0.5 M km2)
MAX_COORDINATE_KM = 1e5  # projected x/y in km: the Earth's circumference is 40,075 km
# Two municipalities' centres are at least 10 m apart, and at least two millionths of the coordinates' magnitude:
# the road network's Delaunay triangulation (Qhull) fails on points closer than its precision (all at one point,
# or a cluster far from the origin)
MIN_SEPARATION_KM = 0.01
SEPARATION_PRECISION = 2e-6
LIMITS = {"population": (MAX_POPULATION, "more residents than any municipality"),
          "area_km2": (MAX_AREA_KM2, "larger than any municipality"),
          "x_km": (MAX_COORDINATE_KM, "kilometres on a projected plane"),
          "y_km": (MAX_COORDINATE_KM, "kilometres on a projected plane")}
MAX_ROWS = 100_000
MAX_ROWS_WHY = ("more than three times the 29,845 municipalities of Germany, Austria, Poland, Czechia and Italy "
                "together, Eurostat LAU 2019")
IS_CORE_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False, "": False}


@dataclass(frozen=True)
class MunicipalityTable:
    """A user's table of real municipalities: the core row (or, if none is marked, the most populous) is the
    core city."""

    names: tuple[str, ...]
    population: np.ndarray
    area_km2: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    core: int
    codes: tuple[str, ...] = ()  # official codes (AGS, GKZ, TERYT, kód obce, ISTAT), where known


def min_separation_km(xy: np.ndarray) -> float:
    """The least distance (km) between two municipalities' centres that a table with these positions may have."""
    return max(MIN_SEPARATION_KM, SEPARATION_PRECISION * float(np.abs(xy).max(initial=0.0)))


def _first_bad_byte(path: Path) -> UnicodeDecodeError:
    """The file's first invalid UTF-8 sequence, with its offset counted from the start of the file."""
    decoder, offset = codecs.getincrementaldecoder("utf-8-sig")(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                return UnicodeDecodeError(e.encoding, e.object, offset + e.start, offset + e.end, e.reason)
            offset += len(chunk)
    return UnicodeDecodeError("utf-8", b"", offset, offset, "unexpected end of data")


def _csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The file's non-blank CSV records, each with the line it starts on, read one at a time (a large file is
    never held whole); unreadable input is a ConfigError."""
    key = f"region.municipalities_csv={str(path)!r}"
    try:
        if path.is_dir():
            raise ConfigError(f"{key}: is a directory, not a file")
        if not path.is_file():
            raise ConfigError(f"{key}: " + ("not a regular file (a device or a pipe?)" if path.exists() else
                                            "file not found"))
        fh = path.open("rb")
    except OSError as e:  # a name too long, no permission, ...
        raise ConfigError(f"{key}: cannot be read ({e.strerror or e})") from None
    with fh, io.TextIOWrapper(fh, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        try:
            while True:
                start = reader.line_num + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                if fields:
                    yield start, fields
        except UnicodeDecodeError:
            fh.seek(0)
            utf16 = fh.read(2) in (b"\xff\xfe", b"\xfe\xff")
            e = _first_bad_byte(path)
            hint = "; save it as UTF-8" + (" (it looks like UTF-16)" if utf16 else "")
            raise ConfigError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}){hint}") from None
        except csv.Error as e:  # e.g. a field longer than the csv module's limit (131,072 characters)
            raise ConfigError(f"{path}, row {reader.line_num}: not readable as CSV ({e})") from None
        except OSError as e:  # the file could be opened but not read (/proc/self/mem, a failing disk)
            raise ConfigError(f"{key}: cannot be read ({e.strerror or e})") from None


def read_municipalities_csv(path: str | Path) -> MunicipalityTable:
    """Read and check a municipality CSV; errors name the file, the row and the column."""
    path = Path(path)
    records = _csv_records(path)
    first = next(records, None)
    if first is None:
        raise ConfigError(f"{path}: the file is empty; expected a header row {','.join(MUNICIPALITY_COLUMNS)}"
                          "[,is_core] and one row per municipality")
    hline, raw = first
    header = [h.strip() for h in raw]
    missing = [c for c in MUNICIPALITY_COLUMNS if c not in header]
    if missing:
        raise ConfigError(f"{path}, row {hline} (header): missing column(s) {', '.join(missing)}; "
                          f"required: {', '.join(MUNICIPALITY_COLUMNS)} (optional: is_core)")
    for c in (*MUNICIPALITY_COLUMNS, "is_core"):
        if header.count(c) > 1:
            raise ConfigError(f"{path}, row {hline} (header): column {c!r} appears {header.count(c)} times")
    col = {c: header.index(c) for c in (*MUNICIPALITY_COLUMNS, "is_core") if c in header}
    needed = max(col[c] for c in MUNICIPALITY_COLUMNS) + 1
    names: list[str] = []
    seen: set[str] = set()
    cols: dict[str, list[float]] = {c: [] for c in MUNICIPALITY_COLUMNS[1:]}
    core_rows: list[tuple[int, int]] = []  # (index, row)
    rows: list[int] = []
    for rownum, fields in records:
        if len(names) == MAX_ROWS:
            raise ConfigError(f"{path}, row {rownum}: more than {MAX_ROWS:,} municipalities; allowed: at most "
                              f"{MAX_ROWS:,} rows ({MAX_ROWS_WHY})")
        if any("\n" in f or "\r" in f for f in fields):
            raise ConfigError(f"{path}, row {rownum}: a field runs over several lines (a quote left open?)")
        if len(fields) < needed or len(fields) > len(header):
            short = [c for c in MUNICIPALITY_COLUMNS if col[c] >= len(fields)]
            raise ConfigError(f"{path}, row {rownum}: {len(fields)} fields but the header has {len(header)} columns "
                              + (f"(no value for {', '.join(short)})" if short else
                                 "(a comma inside a name or a number? quote such names, write decimals with a point)"))
        row = {c: (fields[i].strip() if i < len(fields) else "") for c, i in col.items()}
        name = row["name"]
        if not name:
            raise ConfigError(f"{path}, row {rownum}, column 'name': empty name")
        if name in seen:
            raise ConfigError(f"{path}, row {rownum}, column 'name': duplicate name {name[:40]!r}")
        names.append(name)
        seen.add(name)
        rows.append(rownum)
        for c in cols:
            try:
                v = float(row[c])
            except ValueError:
                raise ConfigError(f"{path}, row {rownum}, column {c!r}: {row[c][:40]!r} is not a number") from None
            if not math.isfinite(v):
                raise ConfigError(f"{path}, row {rownum}, column {c!r}: {v!r} is not a finite number")
            if c in ("population", "area_km2") and v <= 0:
                raise ConfigError(f"{path}, row {rownum}, column {c!r}: {v!r} must be > 0")
            if c == "population" and v < MIN_POPULATION:
                raise ConfigError(f"{path}, row {rownum}, column 'population': {v!r} is too small; allowed: at least "
                                  f"{MIN_POPULATION:g} (residents, not thousands)")
            limit, why = LIMITS[c]
            if abs(v) > limit:
                raise ConfigError(f"{path}, row {rownum}, column {c!r}: {v!r} is too large; allowed: at most "
                                  f"{limit:g} in absolute value ({why})")
            cols[c].append(v)
        flag = row.get("is_core", "")
        if flag.lower() not in IS_CORE_VALUES:
            raise ConfigError(f"{path}, row {rownum}, column 'is_core': {flag[:40]!r} is not allowed; allowed: "
                              "1, yes or true for the core city; 0, no, false or empty for the others")
        if IS_CORE_VALUES[flag.lower()]:
            core_rows.append((len(names) - 1, rownum))
    if len(names) < 2:
        raise ConfigError(f"{path}: needs a core city and at least one other municipality (found {len(names)} rows)")
    if len(core_rows) > 1:
        raise ConfigError(f"{path}, column 'is_core': rows {core_rows[0][1]} and {core_rows[1][1]} are both marked "
                          "as the core city; mark one (or none: the most populous is the core)")
    xy = np.column_stack([cols["x_km"], cols["y_km"]])
    need = min_separation_km(xy)
    close = cKDTree(xy).query_pairs(np.nextafter(need, 0), output_type="ndarray")  # closer than `need`
    if len(close):
        i, j = close[np.lexsort((close[:, 1], close[:, 0]))[0]]
        far = f", {SEPARATION_PRECISION:g} of the coordinates' magnitude" if need > MIN_SEPARATION_KM else ""
        raise ConfigError(f"{path}, rows {rows[i]} and {rows[j]}, columns 'x_km', 'y_km': the two municipalities are "
                          f"{float(np.hypot(*(xy[i] - xy[j]))):.3g} km apart; allowed: at least {need:.3g} km "
                          f"({MIN_SEPARATION_KM * 1000:g} m{far}; x_km and y_km are kilometres on a projected plane)")
    pop = np.array(cols["population"])
    core = core_rows[0][0] if core_rows else int(np.argmax(pop))
    return MunicipalityTable(tuple(names), pop, np.array(cols["area_km2"]), np.array(cols["x_km"]),
                             np.array(cols["y_km"]), core)
