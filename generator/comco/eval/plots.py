"""Bar plots of result tables (PNG, matplotlib's Agg backend: no display needed)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from comco.eval.paper import rows_for
from comco.eval.results import Table


def plot_table(table: Table, task: str, model: str, path: Path) -> Path:
    """One panel per row (group): our bars with 95% intervals, the paper's hatched beside."""
    n = len(table.rows)
    fig, axes = plt.subplots(1, n, figsize=(max(4.0, 3.6 * n), 3.4), squeeze=False)
    for ax, row in zip(axes[0], table.rows, strict=True):
        columns = list(row.cells)
        papers = rows_for(task, table.name, row.group)
        width = 0.8 / (1 + len(papers))
        x = range(len(columns))
        ours = [row.cells[c].pct for c in columns]
        errors = [
            [max(0.0, row.cells[c].pct - row.cells[c].lo) for c in columns],
            [max(0.0, row.cells[c].hi - row.cells[c].pct) for c in columns],
        ]
        errors = [[0.0 if math.isnan(e) else e for e in side] for side in errors]
        ax.bar([i - 0.4 + width / 2 for i in x], ours, width, yerr=errors, capsize=3, label="ours")
        for j, paper in enumerate(papers, start=1):
            values = [paper.values.get(c, 0.0) for c in columns]
            offsets = [i - 0.4 + width * (j + 0.5) for i in x]
            ax.bar(offsets, values, width, hatch="//", alpha=0.6, label=paper.label)
        ax.set_xticks(list(x), columns, rotation=30)
        ax.set_title(f"{row.group} (n={row.n_queries})", fontsize=9)
        ax.set_ylabel(table.unit, fontsize=8)
        if papers:
            ax.legend(fontsize=6)
    fig.suptitle(f"{task}: {table.title}\n{model}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_series(series: dict[str, list[float]], title: str, path: Path) -> Path:
    """Line plot of per-layer values (e.g. attention share by size role)."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for name, values in series.items():
        ax.plot(range(1, len(values) + 1), [100 * v for v in values], marker="o", label=name)
    ax.set_xlabel("layer")
    ax.set_ylabel("% of CLS attention")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
