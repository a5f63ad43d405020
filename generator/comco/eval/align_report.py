"""The report's before/after section: each table of a run with a text map beside the same
table without it (same model, same test scenes)."""

from __future__ import annotations

import math

from comco.eval.results import Cell, EvalRun, ModelRun, Table


def _value(cell: Cell | None) -> str:
    if cell is None or math.isnan(cell.pct):
        return "–"
    return f"{cell.pct:.1f} [{cell.lo:.1f}, {cell.hi:.1f}]"


def _side_by_side(before: Table, after: Table) -> list[str]:
    """Columns that hold a value on either side (an empty kind, e.g. no object swap in a
    colour-only set, is left out)."""
    rows_after = {r.group: r for r in after.rows}
    pairs = [(row, rows_after.get(row.group)) for row in before.rows]
    columns = [
        c
        for c in before.columns
        if any(_value(r.cells.get(c)) != "–" or (m and _value(m.cells.get(c)) != "–")
               for r, m in pairs)
    ]  # fmt: skip
    header = ["rows", *columns]
    lines = [f"**{before.title}** ({before.unit}, 95% CI; before → after)", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row, mapped in pairs:
        cells = [
            f"{_value(row.cells.get(c))} → {_value(mapped.cells.get(c) if mapped else None)}"
            for c in columns
        ]
        lines.append(f"| {row.group} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def unchanged(before: Table, after: Table) -> bool:
    """Every row and cell the same (tables of image embeddings, which the map never touches)."""
    return [(r.group, r.cells) for r in before.rows] == [(r.group, r.cells) for r in after.rows]


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
            "held-out test scenes (the map never saw them); the trained probes train on the "
            "train split and test on the same held-out scenes. Tasks that embed images only "
            "are not repeated: the map cannot change them.",
            "",
        ]
        mapped = {(r.task, r.subset): r for r in after.results}
        for result in before.results:
            counterpart = mapped.get((result.task, result.subset))
            tables_after = {t.name: t for t in counterpart.tables} if counterpart else {}
            paired = [t for t in result.tables if t.name in tables_after]
            changed = [t for t in paired if not unchanged(t, tables_after[t.name])]
            if not changed:
                continue
            lines += [f"### {result.heading}", ""]
            for table in changed:
                lines += _side_by_side(table, tables_after[table.name])
            same = [t.name for t in paired if t not in changed]
            if same:
                lines += [f"The same before and after the map: {', '.join(same)}.", ""]
    return lines
