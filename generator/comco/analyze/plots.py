"""The report's two figures: first-mention probability by size rank, completeness by object
count (PNG through matplotlib's Agg backend, written atomically)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from comco.eval.results import Cell, Table
from comco.io.atomic import write_atomic

NO_ROWS = "no caption names two or more annotated categories"


def _errors(cells: list[Cell]) -> list[list[float]]:
    """Error-bar lengths below and above each value (none where the interval is missing)."""
    below = [0.0 if math.isnan(c.lo) else max(0.0, c.pct - c.lo) for c in cells]
    above = [0.0 if math.isnan(c.hi) else max(0.0, c.hi - c.pct) for c in cells]
    return [below, above]


def _save(fig: plt.Figure, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
    return path


def plot_first_mention(table: Table, path: Path) -> Path:
    """`first_mention_figure` as a PNG."""
    return _save(first_mention_figure(table), path)


def first_mention_figure(table: Table) -> plt.Figure:
    """One line per k: how often the first-named category has each size rank, with chance
    (1/k) as a dashed line of the same colour drawn over the data, so at k = 2, where the
    data line crosses 50 %, it stays visible."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for row in table.rows:
        columns = list(row.cells)
        ranks = list(range(1, len(columns) + 1))
        line = ax.errorbar(
            ranks,
            [row.cells[c].pct for c in columns],
            yerr=_errors([row.cells[c] for c in columns]),
            marker="o",
            capsize=3,
            label=f"{row.group} (n={row.n_queries})",
            zorder=2,
        )
        ax.hlines(
            100 / len(ranks), 0.8, len(ranks) + 0.2, colors=line[0].get_color(),
            linestyles=(0, (4, 2)), linewidths=2.0, zorder=3, label=f"chance 1/{len(ranks)}",
        )  # fmt: skip
    ax.set_xticks(range(1, 1 + max((len(r.cells) for r in table.rows), default=1)))
    ax.set_xlabel("size rank of the first-named category (1 = largest)")
    ax.set_ylabel("% of captions")
    ax.set_ylim(0, 105)
    ax.set_title("First mention vs size (dashed: chance 1/k)", fontsize=9)
    if table.rows:
        ax.legend(fontsize=7)
    else:
        ax.text(0.5, 0.5, NO_ROWS, ha="center", va="center", transform=ax.transAxes, fontsize=8)
    return fig


def plot_completeness(table: Table, path: Path, total: str) -> Path:
    """Share of present categories named, and share of captions naming the largest, against
    the number of categories in the image."""
    rows = [r for r in table.rows if r.group != total]
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    x = list(range(len(rows)))
    for column in table.columns:
        ax.errorbar(
            x,
            [r.cells[column].pct for r in rows],
            yerr=_errors([r.cells[column] for r in rows]),
            marker="o",
            capsize=3,
            label=column,
        )
    ax.set_xticks(x, [r.group.split(" ")[0] for r in rows])
    ax.set_xlabel("annotated categories in the image (above --min-area)")
    ax.set_ylabel("%")
    ax.set_ylim(0, 105)
    ax.set_title("Completeness vs object count", fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, path)
