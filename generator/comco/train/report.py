"""The grid's outputs: results.json (every finished cell), report.md (cells and the mean over
seeds per knob value) and a plot of binding against the first varied knob, with the spread
over seeds."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from pydantic import BaseModel

from comco.io.atomic import write_atomic
from comco.train.config import TrainConfig
from comco.train.experiment import CellResult

PLOTTED = ("attribute_swap", "object_swap", "image_colour_probe", "text_colour_probe")
COLUMNS = ("attribute_swap", "object_swap", "attribute_replace", "R@1",
           "image_colour_probe", "text_colour_probe")  # fmt: skip


class GridResults(BaseModel):
    """results.json: the grid, the shared training settings and every finished cell."""

    dataset: str
    vary: dict[str, list[float | str]]
    seeds: int
    fixed_knobs: dict[str, float | str | tuple[int, int]]
    train: TrainConfig
    cells: list[CellResult]
    missing: list[str]


def _value_key(cell: CellResult, fields: list[str]) -> tuple:
    return tuple(cell.values[f] for f in fields)


def spread(values: list[float]) -> tuple[float, float, float]:
    """Mean, min and max over seeds."""
    return float(np.mean(values)), float(np.min(values)), float(np.max(values))


def by_setting(results: GridResults, metric: str, group: str = "all") -> dict[tuple, list[float]]:
    """Knob values -> the metric of each seed's cell."""
    fields = list(results.vary)
    table: dict[tuple, list[float]] = defaultdict(list)
    for cell in results.cells:
        figure = cell.metrics.figures.get(metric, {}).get(group)
        if figure is not None and figure.pct is not None:
            table[_value_key(cell, fields)].append(figure.pct)
    return dict(table)


def write_outputs(results: GridResults, out: Path) -> None:
    write_atomic(out / "results.json", results.model_dump_json(indent=2))
    plot = plot_grid(results, out / "plots")
    write_atomic(out / "report.md", report_text(results, plot.relative_to(out)))


def report_text(results: GridResults, plot: Path) -> str:
    fields = list(results.vary)
    knob_head = " | ".join(fields)
    lines = [
        "# Data-properties experiment",
        "",
        f"Dataset `{results.dataset}`; varied: "
        + ", ".join(f"`{k}` = {v}" for k, v in results.vary.items())
        + f"; {results.seeds} seeds; fixed knobs {results.fixed_knobs or 'defaults'}.",
        f"Each cell trains {results.train.steps} steps of {results.train.batch_size} images "
        f"(lr {results.train.learning_rate}, model {results.train.shape.model_dump()}) on the "
        "train split, then is evaluated on the held-out test scenes (an attribute-category pair "
        "never seen in training): `binding` pairwise accuracy (chance 50) and recall@1, and "
        "the uni-modal colour probes (mean test accuracy over slots; chance = the train "
        "split's most common colour).",
        "",
        f"![binding vs {fields[0]}]({plot.as_posix()})",
        "",
        "## Mean over seeds (min-max over seeds), all held-out images",
        "",
        f"| {knob_head} | seeds | " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * (len(fields) + 1 + len(COLUMNS)),
    ]
    settings = sorted({_value_key(c, fields) for c in results.cells}, key=str)
    for setting in settings:
        cells = [c for c in results.cells if _value_key(c, fields) == setting]
        row = [str(v) for v in setting] + [str(len(cells))]
        for metric in COLUMNS:
            values = by_setting(results, metric).get(setting, [])
            if not values:
                row.append("-")
                continue
            mean, low, high = spread(values)
            row.append(f"{mean:.1f} ({low:.1f}-{high:.1f})")
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "## Every cell (95 % bootstrap intervals over held-out images)",
        "",
        "| cell | group | " + " | ".join(COLUMNS) + " | final loss | train img/s |",
        "|" + "---|" * (len(COLUMNS) + 4),
    ]
    for cell in results.cells:
        groups = sorted({g for m in cell.metrics.figures.values() for g in m}, key=_group_order)
        for group in groups:
            row = [cell.name, group]
            for metric in COLUMNS:
                figure = cell.metrics.figures.get(metric, {}).get(group)
                if figure is None or figure.pct is None:
                    row.append("-")
                elif figure.lo is None or figure.hi is None:
                    row.append(f"{figure.pct:.1f}")
                else:
                    row.append(f"{figure.pct:.1f} [{figure.lo:.1f}, {figure.hi:.1f}]")
            row += [f"{cell.final_loss:.3f}", f"{cell.train_images_per_s:.0f}"]
            lines.append("| " + " | ".join(row) + " |")
    chance = []
    for metric in ("image_colour_probe", "text_colour_probe"):
        levels = [v for values in by_setting(results, metric + "_chance").values() for v in values]
        if levels:
            chance.append(f"{metric}: {np.mean(levels):.1f}")
    if chance:
        lines += ["", "Probe chance (mean over cells): " + "; ".join(chance) + "."]
    if results.missing:
        lines += ["", "Cells not finished yet: " + ", ".join(results.missing) + "."]
    return "\n".join(lines) + "\n"


def _group_order(group: str) -> tuple[int, str]:
    head = group.split(" ", 1)[0]
    return (int(head) if head.isdigit() else 10**6, group)


def plot_grid(results: GridResults, folder: Path) -> Path:
    """Each plotted metric against the first varied knob: the mean over seeds, bars from
    the lowest to the highest seed, one line per setting of the other varied knobs."""
    fields = list(results.vary)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"binding_vs_{fields[0]}.png"
    # a metric no cell measured (object swaps of colour-only scenes) gets no empty panel
    tables = {m: t for m in PLOTTED if (t := by_setting(results, m))}
    fig, axes = plt.subplots(1, len(tables), figsize=(4.2 * len(tables), 3.6), squeeze=False)
    for ax, (metric, table) in zip(axes[0], tables.items(), strict=True):
        lines: dict[tuple, list[tuple]] = defaultdict(list)
        for setting, values in table.items():
            lines[setting[1:]].append((setting[0], *spread(values)))
        for rest, points in sorted(lines.items(), key=str):
            points.sort(key=lambda p: p[0])
            named = isinstance(points[0][0], str)
            x = list(range(len(points))) if named else [p[0] for p in points]
            mean = [p[1] for p in points]
            errors = [[p[1] - p[2] for p in points], [p[3] - p[1] for p in points]]
            label = ", ".join(f"{f}={v}" for f, v in zip(fields[1:], rest, strict=True)) or None
            ax.errorbar(x, mean, yerr=errors, marker="o", capsize=4, label=label)
            if named:
                ax.set_xticks(x, [p[0] for p in points])
        if metric in ("attribute_swap", "object_swap"):
            ax.axhline(50, color="grey", linestyle="--", linewidth=1, label="chance")
        else:
            chance = by_setting(results, f"{metric}_chance")
            if chance:
                level = float(np.mean([v for values in chance.values() for v in values]))
                ax.axhline(level, color="grey", linestyle="--", linewidth=1, label="chance")
        ax.set_title(metric.replace("_", " "), fontsize=10)
        ax.set_xlabel(fields[0].replace("_", " "))
        ax.set_ylabel("% (held-out scenes)")
        ax.legend(fontsize=7)
    fig.suptitle(f"mean over {results.seeds} seeds, bars: min-max over seeds", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
