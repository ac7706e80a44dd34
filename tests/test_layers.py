"""The package's layers: imports run one way only, and no two sub-packages import each other.

    app -> analysis, reporting -> runs -> model -> rules -> world -> config

Every `import` of the package is read from the source (Python's ast), wherever it stands: at the top, inside a
function or under TYPE_CHECKING. Rules are pure arithmetic (no Mesa, no model); analysis and reporting read
results, never a model's internals; nothing below the app imports the app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "cityregions"
LAYERS = ("config", "world", "rules", "model", "runs", "analysis", "reporting", "app")
ALLOWED = {
    "config": set(),
    "world": {"config"},
    "rules": {"config", "world"},
    "model": {"config", "world", "rules"},
    "runs": {"config", "world", "rules", "model"},
    "analysis": {"config", "world", "runs"},
    "reporting": {"config", "world", "runs", "analysis"},
    "app": set(LAYERS) - {"app"},
}
THIRD_PARTY_REFUSED = {"rules": {"mesa", "hydra", "solara", "matplotlib", "pandas"},
                       "model": {"hydra", "solara", "matplotlib"},
                       "world": {"mesa", "hydra", "solara"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, text: str | None = None) -> list[tuple[str, bool, int]]:
    """(imported module, whether it runs at import time, line) for every import in the file (or in the text,
    read as if it were that file)."""
    tree = ast.parse(path.read_text(encoding="utf-8") if text is None else text)
    type_checking = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                     and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    top = {id(n) for n in tree.body} | {id(n) for node in tree.body if isinstance(node, ast.Try | ast.If)
                                         and id(node) not in type_checking for n in ast.walk(node)}
    this = module_name(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = this.split(".")[: len(this.split(".")) - node.level + (path.name == "__init__.py")]
                base = ".".join([*package, base] if base else package)
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        found += [(n, id(node) in top and id(node) not in type_checking, node.lineno) for n in names]
    return found


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "cityregions" and len(parts) > 1 and parts[1] in LAYERS else None


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_lives_in_a_layer():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert loose == [], f"modules outside the layers' folders: {loose}"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()} == set(LAYERS)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_down_the_layers_only(path):
    own = layer(module_name(path))
    if own is None:
        return  # the package's public face and `python -m cityregions` may reach any layer
    wrong = sorted({f"line {line}: {name}" for name, _, line in imports(path)
                    if layer(name) not in (None, own) and layer(name) not in ALLOWED[own]})
    assert wrong == [], f"{own}/ may import only {sorted(ALLOWED[own])}; {path.name} imports {wrong}"
    refused = sorted({f"line {line}: {name}" for name, _, line in imports(path)
                      if name.split(".")[0] in THIRD_PARTY_REFUSED.get(own, ())})
    assert refused == [], f"{own}/ must not depend on {sorted(THIRD_PARTY_REFUSED[own])}: {refused}"


def test_no_private_name_is_imported_from_another_module():
    private = []
    for path in SOURCES:
        for name, _, line in imports(path):
            leaf = name.rsplit(".", 1)[-1]
            if name.startswith("cityregions.") and leaf.startswith("_") and not leaf.startswith("__"):
                private.append(f"{path.relative_to(PACKAGE)}:{line}: {name}")
    assert private == []


def test_no_import_cycle_between_sub_packages_or_modules():
    packages, modules = nx.DiGraph(), nx.DiGraph()
    known = {module_name(p) for p in SOURCES}
    for path in SOURCES:
        here = module_name(path)
        for name, at_import, _ in imports(path):
            if layer(here) and layer(name) and layer(here) != layer(name):
                packages.add_edge(layer(here), layer(name))
            target = name if name in known else name.rsplit(".", 1)[0]
            if at_import and target in known and target != here and not here.startswith(target + "."):
                modules.add_edge(here, target)
    assert list(nx.simple_cycles(packages)) == []
    assert list(nx.simple_cycles(modules)) == []


def test_the_walker_sees_imports_in_functions_under_type_checking_and_relative():
    text = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cityregions.model.model import M\n"
            "def f():\n    from ..runs import results\n    import mesa\n")
    found = imports(PACKAGE / "rules" / "probe.py", text)
    assert ("cityregions.model.model", False, 3) in found
    assert ("cityregions.runs.results", False, 5) in found and ("mesa", False, 6) in found
    assert ("typing", True, 1) in found
