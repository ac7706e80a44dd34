"""Small pieces both classroom pages draw with: text in HTML, tables, and the words of a mayor's questions."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs, urlencode

import pandas as pd
import solara

from cityregions.app.dilemma import dilemma
from cityregions.config import RunConfig
from cityregions.reporting.labels import LANGUAGES, Labels

QUESTION = {"vote": ("app_q_vote", "app_yes", "app_no"), "stay": ("app_q_stay", "app_stay", "app_leave"),
            "join": ("app_q_join", "app_join", "app_stay_out")}  # label keys: the question, yes, no


def query_of(search: str | None) -> dict[str, str]:
    """The page address's query as one value per key (the first where a key repeats)."""
    return {k: v[0] for k, v in parse_qs(search or "").items() if v}


def page_address(**params: str) -> str:
    """The page's address with these query parameters (empty ones, and English, the default, left out)."""
    kept = {k: v for k, v in params.items() if v and not (k == "lang" and v == "en")}
    return "/?" + urlencode(kept) if kept else "/"


def language_of(query: dict[str, str]) -> str:
    """The language a page's address asks for (`lang=de`), English if none or one the page does not speak."""
    lang = query.get("lang", "en")
    return lang if lang in LANGUAGES else "en"


def html(tag: str, text: str, raw: bool = False, style: str = "margin: 4px 0") -> None:
    """Text in an HTML tag. Not solara.Markdown: it fetches KaTeX from a CDN, which classrooms may not reach."""
    solara.HTML(tag=tag, unsafe_innerHTML=text if raw else escape(text), style=style)


def table(df: pd.DataFrame, fmt: str = "{:,.0f}", size: str = "13px") -> None:
    """A data frame as an HTML table, numbers formatted with fmt."""
    out = df.to_html(index=False, float_format=lambda v: fmt.format(v), border=0, classes="cr-table")
    solara.HTML(tag="div", unsafe_innerHTML=out, style=f"overflow-x: auto; font-size: {size}")


def print_link(label: str) -> None:
    """A link that opens the browser's print dialogue for the page (the debrief on paper)."""
    solara.HTML(tag="div", unsafe_innerHTML=f"<a href='javascript:window.print()'>{escape(label)}</a>",
                style="margin: 4px 0")


def dilemma_table(cfg: RunConfig, L: Labels) -> None:
    """Competing for firms as a payoff matrix in the run's own numbers (app/dilemma.py), with how to read it."""
    d = dilemma(cfg)
    choices = (L("app_dilemma_hold"), L("app_dilemma_undercut", discount=round(100 * d.discount)))
    def cell(a: int, b: int) -> str:
        return L("app_dilemma_cell", a=L.num(d.payoffs[a, b, 0], 0), b=L.num(d.payoffs[a, b, 1], 0))

    cells = "".join(f"<tr><th>{L('app_dilemma_a')}: {escape(choices[a])}</th>"
                    + "".join(f"<td>{cell(a, b)}</td>" for b in (0, 1)) + "</tr>" for a in (0, 1))
    head = "".join(f"<th>{L('app_dilemma_b')}: {escape(c)}</th>" for c in choices)
    p = d.payoffs[:, :, 0]
    html("b", L("app_dilemma_title", jobs=L.num(d.jobs, 0)))
    solara.HTML(tag="div", unsafe_innerHTML=f"<table class='cr-table'><tr><th></th>{head}</tr>{cells}</table>",
                style="overflow-x: auto; font-size: 15px")
    html("p", L("app_dilemma_text", tax=L.num(d.tax_per_job, 0), beta=L.num(d.sensitivity, 1),
                temptation=L.num(p[1, 0], 0), reward=L.num(p[0, 0], 0), punishment=L.num(p[1, 1], 0),
                sucker=L.num(p[0, 1], 0)), style="font-size: 15px")
