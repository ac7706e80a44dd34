"""Small pieces both classroom pages draw with: text in HTML, tables, and the words of a mayor's questions."""

from __future__ import annotations

from html import escape

import pandas as pd
import solara

from cityregions.reporting.labels import LANGUAGES

QUESTION = {"vote": ("app_q_vote", "app_yes", "app_no"), "stay": ("app_q_stay", "app_stay", "app_leave"),
            "join": ("app_q_join", "app_join", "app_stay_out")}  # label keys: the question, yes, no


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
