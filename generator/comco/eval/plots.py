"""Bar plots of result tables (PNG, matplotlib's Agg backend: no display needed).

Layout rules a reader relies on: the title is wrapped to the figure's width and kept inside
it (constrained layout), the legend sits under the panels rather than over the bars, the
y-axis starts at 0 (an all-zero table still reads as 0 %), chance is a dashed line drawn over
the bars of its own panel, and a published range ("47-72") is drawn as a floating bar.
"""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from comco.eval.paper import PaperRow, rows_for
from comco.eval.results import Row, Table

CHANCE_SUFFIX = ", chance"  # a row of per-column chance values for the row it follows
CHANCE_STYLE = {"colors": "black", "linestyles": "--", "linewidths": 1.2, "zorder": 4}
RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)\s*$")
PANEL_WIDTH_IN, MIN_WIDTH_IN = 3.6, 5.0
CHARS_PER_INCH = 15  # fontsize 9: a wrapped title line this many characters per inch wide


def legend_width_in(labels: list[str], columns: int) -> float:
    """About how wide a fontsize-7 legend of these labels in that many columns is, in inches."""
    rows = [labels[i : i + columns] for i in range(0, len(labels), columns)]
    widest = [max(len(r[j]) for r in rows if j < len(r)) for j in range(columns)]
    return sum(0.6 + 0.05 * w for w in widest) + 0.3


def panels(table: Table) -> list[tuple[Row, Row | None]]:
    """Each row with its chance row ('<group>, chance'), which is drawn in the same panel."""
    chance = {
        r.group[: -len(CHANCE_SUFFIX)]: r for r in table.rows if r.group.endswith(CHANCE_SUFFIX)
    }
    return [(r, chance.get(r.group)) for r in table.rows if not r.group.endswith(CHANCE_SUFFIX)]


def paper_range(paper: PaperRow, column: str) -> tuple[float, float] | None:
    """(low, high) when the paper printed a range for this column, else None."""
    match = RANGE.match(paper.text.get(column, ""))
    return (float(match[1]), float(match[2])) if match else None


def _chance_line(ax: Axes, values: list[float], width: float) -> None:
    """One dashed segment per column across its bars, over them (one legend entry)."""
    known = [(i, v) for i, v in enumerate(values) if not math.isnan(v)]
    ax.hlines(
        [v for _, v in known], [i - width for i, _ in known], [i + width for i, _ in known],
        label="chance", **CHANCE_STYLE,
    )  # fmt: skip


def _panel(ax: Axes, table: Table, row: Row, chance: Row | None, papers: list[PaperRow]) -> float:
    """Draw one group; returns the highest value drawn (for a shared y-range)."""
    columns = [  # a column without data (no object swap in a colour-only set) is no bar slot
        c for c in row.cells
        if not math.isnan(row.cells[c].pct) or any(c in p.values for p in papers)
    ]  # fmt: skip
    width = 0.8 / (1 + len(papers))
    x = range(len(columns))
    ours = [row.cells[c].pct for c in columns]
    errors = [
        [max(0.0, row.cells[c].pct - row.cells[c].lo) for c in columns],
        [max(0.0, row.cells[c].hi - row.cells[c].pct) for c in columns],
    ]
    errors = [[0.0 if math.isnan(e) else e for e in side] for side in errors]
    ax.bar([i - 0.4 + width / 2 for i in x], ours, width, yerr=errors, capsize=3, label="ours")
    drawn = [v + e for v, e in zip(ours, errors[1], strict=True)]
    for j, paper in enumerate(papers, start=1):
        offsets = [i - 0.4 + width * (j + 0.5) for i in x]
        bottoms, heights = [], []
        for c in columns:
            span = paper_range(paper, c)
            low, high = span if span else (0.0, paper.values.get(c, 0.0))
            bottoms.append(low)
            heights.append(high - low)
            drawn.append(high)
        ax.bar(offsets, heights, width, bottom=bottoms, hatch="//", alpha=0.6, label=paper.label)
    chance_values = [table.chance.get(c, math.nan) for c in columns]
    if chance is not None:
        chance_values = [chance.cells[c].pct if c in chance.cells else math.nan for c in columns]
    if any(not math.isnan(v) for v in chance_values):
        _chance_line(ax, chance_values, 0.45)
        drawn += [v for v in chance_values if not math.isnan(v)]
    ax.set_xticks(list(x), columns, rotation=30)
    label = f"{row.group} (n={row.n_queries})"
    ax.set_title("\n".join(textwrap.wrap(label, int(PANEL_WIDTH_IN * CHARS_PER_INCH))), fontsize=9)
    ax.set_ylabel(table.unit, fontsize=8)
    finite = [v for v in drawn if not math.isnan(v)]
    return max(finite, default=0.0)


def plot_table(
    table: Table,
    task: str,
    model: str,
    path: Path,
    with_paper: bool = True,
    heading: str | None = None,
) -> Path:
    """The table's figure (`table_figure`) as a PNG."""
    fig = table_figure(table, task, model, with_paper, heading)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def table_figure(
    table: Table, task: str, model: str, with_paper: bool = True, heading: str | None = None
) -> Figure:
    """One panel per group: our bars with 95% intervals, the paper's hatched beside them (when
    `with_paper`), chance dashed over them; legend under the panels. The title starts with
    `heading` (e.g. 'tor, simco18 images'), else the task."""
    groups = panels(table)
    width_in = max(MIN_WIDTH_IN, PANEL_WIDTH_IN * len(groups))
    fig, axes = plt.subplots(
        1, max(1, len(groups)), figsize=(width_in, 3.8), squeeze=False, layout="constrained"
    )
    top = 0.0
    for ax, (row, chance) in zip(axes[0], groups, strict=False):
        papers = rows_for(task, table.name, row.group) if with_paper else []
        top = max(top, _panel(ax, table, row, chance, papers))
    for ax in axes[0]:
        ax.set_ylim(0, min(105.0, max(10.0, 1.12 * top)))
    if not groups:
        axes[0][0].text(0.5, 0.5, "no rows", ha="center", va="center")
    handles: dict[str, object] = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    if handles:
        labels = list(handles)
        columns = len(labels)
        while columns > 1 and legend_width_in(labels, columns) > width_in:
            columns -= 1
        fig.legend(
            list(handles.values()), labels, loc="outside lower center", ncol=columns, fontsize=7
        )
    title = f"{heading or task}: {table.title}"
    wrapped = [*textwrap.wrap(title, int(width_in * CHARS_PER_INCH)), model]
    fig.suptitle("\n".join(wrapped), fontsize=9)
    return fig


def plot_series(series: dict[str, list[float]], title: str, path: Path) -> Path:
    """Line plot of per-layer values (e.g. attention share by size role)."""
    fig, ax = plt.subplots(figsize=(5, 3.2), layout="constrained")
    for name, values in series.items():
        ax.plot(range(1, len(values) + 1), [100 * v for v in values], marker="o", label=name)
    ax.set_xlabel("layer")
    ax.set_ylabel("% of CLS attention")
    ax.set_title("\n".join(textwrap.wrap(title, 5 * CHARS_PER_INCH)), fontsize=9)
    ax.legend(fontsize=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
