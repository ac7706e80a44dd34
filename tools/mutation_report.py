"""Mutation testing of the rules: run mutmut (configured in pyproject.toml, [tool.mutmut]) over src/cityregions/rules/
against the fast tests that specify them, then score each module and list every survivor.

A mutant is detected when a test fails (killed) or the tests run out of time on it (timeout). Each module shows the
share detected of all its mutants, and its score: detected / (all mutants - those kept on purpose), where a mutant
kept on purpose is one listed in docs/mutation_survivors.csv with the reason it cannot change a result (an
equivalent mutant). Any other survivor, and any mutant no test reaches, counts against the score and is printed
with its diff. The target, at least 85 %, applies to both.

Writes docs/mutation.csv (one row per module) and the table between the markers in docs/TESTING.md.
Usage: python tools/mutation_report.py [--no-run] [--max-children N]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEPT = ROOT / "docs" / "mutation_survivors.csv"
SCORES = ROOT / "docs" / "mutation.csv"
TESTING = ROOT / "docs" / "TESTING.md"
BEGIN, END = "<!-- mutation:begin -->", "<!-- mutation:end -->"
DETECTED = ("killed", "timeout")
TARGET = 0.85
LINE = re.compile(r"^\s*(cityregions\.rules\.(\w+)\.\S+):\s*(.+?)\s*$")


def mutmut(*args: str, timeout: float = 3600) -> str:
    done = subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode not in (0, 1):
        raise SystemExit(f"mutmut {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def kept() -> dict[str, str]:
    """Mutants kept on purpose: name -> why it cannot change a result."""
    if not KEPT.is_file():
        return {}
    with KEPT.open(encoding="utf-8", newline="") as fh:
        return {r["mutant"]: r["reason"] for r in csv.DictReader(fh)}


def table(rows: list[dict]) -> str:
    head = ("| module | mutants | killed | timeout | survived | kept on purpose | no test | detected of all | score |\n"
            "|---|" + "---:|" * 8)
    body = [f"| {r['module']} | {r['mutants']} | {r['killed']} | {r['timeout']} | {r['survived']} | {r['kept']} | "
            f"{r['no_tests']} | {r['detected']:.1%} | {r['score']:.1%} |" for r in rows]
    return "\n".join([head, *body])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-run", action="store_true", help="report the last run's results only")
    ap.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    if not a.no_run:
        print("mutmut run (a few minutes) ...", flush=True)
        mutmut("run", "--max-children", str(a.max_children))
    status = {m.group(1): (m.group(2), m.group(3)) for line in mutmut("results", "--all", "true").splitlines()
              if (m := LINE.match(line))}
    if not status:
        raise SystemExit("no mutants found: did mutmut run? (mutants/ in the project directory)")
    why = kept()
    counts: dict[str, Counter] = {}
    unexplained = []
    for name, (module, state) in sorted(status.items()):
        c = counts.setdefault(module, Counter())
        c["mutants"] += 1
        if state in DETECTED:
            c[state] += 1
        elif state == "survived" and name in why:
            c["kept"] += 1
        elif state == "survived":
            c["survived"] += 1
            unexplained.append(name)
        else:
            c["no_tests"] += 1
            unexplained.append(name)
    rows = []
    for module, c in sorted(counts.items()):
        scored = c["mutants"] - c["kept"]
        rows.append({"module": module, **{k: c[k] for k in ("mutants", "killed", "timeout", "survived", "kept",
                                                          "no_tests")},
                     "detected": (c["killed"] + c["timeout"]) / c["mutants"],
                     "score": (c["killed"] + c["timeout"]) / scored if scored else 1.0})
    with SCORES.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**r, "detected": round(r["detected"], 4), "score": round(r["score"], 4)} for r in rows)
    text = table(rows)
    print(text)
    if TESTING.is_file() and BEGIN in (doc := TESTING.read_text(encoding="utf-8")):
        stamp = f"Last run {date.today().isoformat()} (`make mutation`), mutmut {mutmut('--version').split()[-1]}:"
        TESTING.write_text(doc[:doc.index(BEGIN) + len(BEGIN)] + f"\n{stamp}\n\n{text}\n" + doc[doc.index(END):],
                           encoding="utf-8")
    for name in unexplained:
        print("\n" + mutmut("show", name).strip())
    stale = sorted(n for n in why if status.get(n, ("", ""))[1] != "survived")
    if stale:  # mutmut numbers a function's mutants anew when its code changes: re-examine those functions
        print(f"\n{len(stale)} mutants kept on purpose in {KEPT.name} no longer survive under that name "
              "(killed now, or renumbered by a change of their function): " + ", ".join(stale))
    low = [r["module"] for r in rows if min(r["score"], r["detected"]) < TARGET]
    print(f"\n{len(unexplained)} mutants neither detected nor kept on purpose; modules below {TARGET:.0%}: "
          f"{', '.join(low) or 'none'}")
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
