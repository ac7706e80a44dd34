"""The documentation a user reads: a README short enough to read in ten minutes, whose commands all exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cityregions.app.commands import BY_NAME

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_readme_is_for_users_and_at_most_15_kb():
    size = len((ROOT / "README.md").read_bytes())
    assert size <= 15_000, f"README.md is {size} bytes: move detail to docs/, history to CHANGELOG.md"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_a_page_shows_is_a_command_of_the_registry(page):
    text = page.read_text(encoding="utf-8")
    code = re.findall(r"```.*?```", text, flags=re.S) + re.findall(r"`[^`\n]+`", re.sub(r"```.*?```", "", text,
                                                                                         flags=re.S))
    code = [re.sub(r"(?m)#.*$", "", chunk) for chunk in code]  # comments in shell blocks are prose
    used = {m for chunk in code for m in re.findall(r"(?m)(?:^|[\s`$;|&(])cityregions ([a-z_]+)(?=[\s`]|$)", chunk)}
    assert used - set(BY_NAME) == set(), f"{page.name} shows commands the CLI does not have"


def test_every_page_the_readme_links_exists():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = [m for m in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text) if not m.startswith("http")]
    assert links and all((ROOT / link).exists() for link in links), [x for x in links if not (ROOT / x).exists()]
