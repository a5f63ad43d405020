"""The Markdown report: one section per model and task, tables laid out like the paper's,
with the paper's published rows beside ours and our 95% bootstrap intervals."""

from __future__ import annotations

import math
import re
from pathlib import Path

from comco.core.catalog import load_vocabulary
from comco.eval.align_report import comparison_lines
from comco.eval.paper import rows_for
from comco.eval.plots import plot_series, plot_table
from comco.eval.results import Cell, EvalRun, Table
from comco.eval.tasks import TASKS
from comco.io.atomic import write_atomic


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def format_cell(cell: Cell | None) -> str:
    if cell is None or math.isnan(cell.pct):
        return "–"
    return f"{cell.pct:.2f} [{cell.lo:.1f}, {cell.hi:.1f}]"


PROTOCOLS = "docs/PROTOCOLS.md"


def protocol_line(table: Table, task: str) -> str:
    """Which protocol made the table, and where it is written down."""
    info = TASKS[task]
    where = f"`{PROTOCOLS}#{info.protocol}`"
    if table.name in info.paper_tables:
        return f"Protocol: the paper's ({where}); published figures, where any, in italics."
    return f"Protocol: comco's own ({where}); not comparable with a published figure."


def table_markdown(table: Table, task: str, with_paper: bool = True) -> list[str]:
    """Rows: ours per group, each followed by the paper's rows for that group (labelled) when
    the table is computed the paper's way (and `with_paper`: not on SimCO images)."""
    header = ["rows", "n images", "n queries", *table.columns]
    lines = [f"**{table.title}** ({table.unit}, 95% CI)", "", protocol_line(table, task), ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for row in table.rows:
        cells = [format_cell(row.cells.get(c)) for c in table.columns]
        lines.append(
            f"| ours: {row.group} | {row.n_images} | {row.n_queries} | " + " | ".join(cells) + " |"
        )
        published = with_paper and table.name in TASKS[task].paper_tables
        for paper in rows_for(task, table.name, row.group) if published else []:
            values = [
                paper.text.get(c, f"{paper.values[c]:.2f}") if c in paper.values else ""
                for c in table.columns
            ]
            lines.append(
                f"| *{paper.label}* | | | "
                + " | ".join(f"*{v}*" if v else "" for v in values)
                + " |"
            )
    lines.append("")
    return lines


def shapes_only(preset: str) -> bool:
    """A SimCO preset: the paper's published rows (ComCO objects) are not set beside it."""
    return all(c.kind == "shape" for c in load_vocabulary().preset(preset))


def write_report(run: EvalRun, out: Path) -> Path:
    """report.md plus a PNG per table under out/plots/; returns the report path."""
    lines = [
        "# comco eval report",
        "",
        f"Dataset `{run.dataset}`: {run.n_images} multi-object images; comco {run.comco_version}.",
        "Numbers in *italics* are the paper's (CLIP Under the Microscope, CVPR 2025), from "
        "`comco/data/paper_results.yaml`; they appear only beside tables computed the way the "
        f"paper computed them (each table names its protocol in `{PROTOCOLS}`). The paper used "
        "real pretrained weights and its own renders.",
        "",
    ]
    for model_run in run.runs:
        mapped = f" + text map `{model_run.text_map}`" if model_run.text_map else ""
        stem = slug(model_run.model + (" mapped" if model_run.text_map else ""))
        lines += [
            f"## {model_run.model}{mapped}",
            "",
            f"Device {model_run.device}, {model_run.seconds:.1f} s, "
            f"model fingerprint `{model_run.fingerprint[:12]}`.",
            "",
        ]
        for task, reason in model_run.skipped.items():
            lines += [f"- skipped `{task}`: {reason}"]
        if model_run.skipped:
            lines.append("")
        for result in model_run.results:
            lines += [f"### {result.heading}: {TASKS[result.task].summary}", ""]
            task_stem = f"{stem}_{result.task}" + (f"_{result.subset}" if result.subset else "")
            with_paper = result.subset is None or not shapes_only(result.subset)
            for table in result.tables:
                lines += table_markdown(table, result.task, with_paper)
                name = f"{task_stem}_{table.name}.png"
                plot_table(
                    table, result.task, model_run.model, out / "plots" / name, with_paper,
                    result.heading,
                )  # fmt: skip
                lines += [f"![{result.task} {table.name}](plots/{name})", ""]
                if table.extra:
                    series_name = f"{task_stem}_{table.name}_layers.png"
                    plot_series(
                        table.extra,
                        f"{result.task}: {model_run.model}",
                        out / "plots" / series_name,
                    )
                    lines += [f"![{result.task} per layer](plots/{series_name})", ""]
            lines += [f"- {note}" for note in result.notes] + [""]
    lines += comparison_lines(run)
    path = out / "report.md"
    write_atomic(path, "\n".join(lines))
    return path
