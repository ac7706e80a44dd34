"""The one-page summary a council can table: per region one A4 page (PDF, drawn by matplotlib) with the plain-language
summary, the scorecard's lines for every scenario with their verdicts, and who loses and whether they could be
made whole. The numbers are the report's own (its scorecard table and summary sentences)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages

from cityregions.analysis import scorecard
from cityregions.reporting.labels import Labels
from cityregions.reporting.plots import plt

A4_PORTRAIT = (8.27, 11.69)  # inches
MARK = {"better": "▲", "worse": "▼", "unclear": "·"}


def _cell(row: pd.Series, L: Labels) -> str:
    text = L.num(row["mean"], int(row["digits"]))
    verdict = row.get("verdict")
    return f"{text} {MARK[verdict]}" if verdict in MARK else text


def _line(size: float) -> float:
    """One line of text at a font size, as a fraction of the page's height."""
    return size * 1.3 / 72 / A4_PORTRAIT[1]


def _wrapped(summary: list[str], size: float) -> list[list[str]]:
    """The summary's paragraphs wrapped to the page's width at a font size (about half an em a character)."""
    width = int(0.88 * A4_PORTRAIT[0] * 72 / (0.56 * size))
    return [textwrap.wrap(p, width) for p in summary]


def page(fig: plt.Figure, title: str, arms: list[str], names: dict[str, str], card: pd.DataFrame,
         summary: list[str], footer: str, L: Labels) -> None:
    """Draw one region's page on an A4 figure: title, summary paragraphs, the scorecard table, the legend; the
    summary's type shrinks (7 to 5 pt) until the page holds it all; the legend follows the table."""
    table_size = 6.5
    chars = max(10, int(0.58 / len(arms) * 0.88 * A4_PORTRAIT[0] * 72 / (0.6 * table_size)))  # a column's width
    header = [L("col_indicator"), L("col_unit"),
              *[textwrap.fill(names[a], chars, break_long_words=False) for a in arms]]
    rows = []
    for m in scorecard.METRICS:
        cells = []
        for a in arms:
            r = card[(card["arm"] == a) & (card["metric"] == m.key)]
            cells.append(_cell(r.iloc[0], L) if len(r) else "")
        rows.append([textwrap.fill(L(f"m_{m.key}"), 34), L.unit(m.unit), *cells])
    lines = [max(str(c).count("\n") + 1 for c in row) for row in [header, *rows]]
    height = (sum(lines) + 0.7 * len(lines)) * _line(table_size)  # each row its tallest cell and some air
    for size in (7.0, 6.5, 6.0, 5.5, 5.0):
        paragraphs = _wrapped(summary, size)
        text_height = sum(len(p) * _line(size) + 0.006 for p in paragraphs)
        if 0.94 - text_height - 0.01 - height >= 0.075:  # the legend's two lines and the footer below
            break
    fig.text(0.06, 0.965, title, fontsize=14, weight="bold", va="top")
    y = 0.935
    for lines_of_para in paragraphs:
        fig.text(0.06, y, "\n".join(lines_of_para), fontsize=size, va="top", linespacing=1.3)
        y -= len(lines_of_para) * _line(size) + 0.006
    top = y - 0.01
    ax = fig.add_axes((0.06, top - height, 0.88, height))
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=header, loc="upper center", cellLoc="right",
                     colWidths=[0.3, 0.12, *[0.58 / len(arms)] * len(arms)])
    table.auto_set_font_size(False)
    table.set_fontsize(table_size)
    for (r, c), cell in table.get_celld().items():
        cell.set_linewidth(0.3)
        cell.set_height((lines[r] + 0.7) * _line(table_size) / height)
        if r == 0:
            cell.set_facecolor("0.92")
        if c < 2:
            cell.set_text_props(ha="left")
    legend = L("pdf_legend", baseline=names[arms[0]], min=scorecard.MIN_PAIRS,
               pct=L.num(100 * scorecard.PRACTICAL_SHARE, 0))
    fig.text(0.06, min(0.085, top - height - 0.008), "\n".join(textwrap.wrap(legend, 150)), fontsize=6.5, va="top")
    fig.text(0.06, 0.02, footer, fontsize=5.5, color="0.4", va="bottom")


def write(path: Path, pages: list[dict], arms: list[str], names: dict[str, str], card: pd.DataFrame,
          L: Labels, footer: str) -> None:
    """One A4 page per region (pages: dicts of region, title, summary) into a PDF at path."""
    with PdfPages(path, metadata={"Title": ", ".join(p["title"] for p in pages), "Creator": "cityregions"}) as pdf:
        for p in pages:
            fig = plt.figure(figsize=A4_PORTRAIT)
            page(fig, p["title"], arms, names, card[card["region"] == p["region"]], p["summary"], footer, L)
            pdf.savefig(fig)
            plt.close(fig)
