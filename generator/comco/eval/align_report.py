"""The report's before/after section: each table of a run with a text map beside the same
table without it (same model, same test scenes)."""

from __future__ import annotations

import math

from comco.eval.results import Cell, EvalRun, ModelRun, Table


def _value(cell: Cell | None) -> str:
    return "–" if cell is None or math.isnan(cell.pct) else f"{cell.pct:.1f}"


def _side_by_side(before: Table, after: Table) -> list[str]:
    rows_after = {r.group: r for r in after.rows}
    header = ["rows", *before.columns]
    lines = [f"**{before.title}** ({before.unit}; before → after)", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in before.rows:
        mapped = rows_after.get(row.group)
        cells = [
            f"{_value(row.cells.get(c))} → {_value(mapped.cells.get(c) if mapped else None)}"
            for c in before.columns
        ]
        lines.append(f"| {row.group} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def pairs(run: EvalRun) -> list[tuple[ModelRun, ModelRun]]:
    """(without map, with map) runs of the same model, in run order."""
    plain = {r.model: r for r in run.runs if r.text_map is None}
    return [(plain[r.model], r) for r in run.runs if r.text_map and r.model in plain]


def comparison_lines(run: EvalRun) -> list[str]:
    lines: list[str] = []
    for before, after in pairs(run):
        lines += [
            f"## Before / after the text map: {before.model}",
            "",
            f"Map `{after.text_map}`, applied to text embeddings only; both runs use the map's "
            "held-out test scenes (the map never saw them).",
            "",
        ]
        mapped = {r.task: r for r in after.results}
        for result in before.results:
            if result.task not in mapped:
                continue
            tables_after = {t.name: t for t in mapped[result.task].tables}
            lines += [f"### {result.task}", ""]
            for table in result.tables:
                if table.name in tables_after:
                    lines += _side_by_side(table, tables_after[table.name])
    return lines
