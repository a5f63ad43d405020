"""The figures a grid compares, read from the eval's result tables: binding's pairwise
accuracy per negative kind and recall@1, and the colour probes' mean accuracy over slots,
per object count and pooled over images."""

from __future__ import annotations

import math

from pydantic import BaseModel

from comco.eval.results import ModelRun, Table

SWAP_KINDS = ("attribute_swap", "object_swap", "attribute_replace")


class Figure(BaseModel):
    """A percentage with the eval's 95 % bootstrap interval (None where it has none)."""

    pct: float | None
    lo: float | None = None
    hi: float | None = None


def figure(pct: float, lo: float | None = None, hi: float | None = None) -> Figure:
    """NaN (no data, no interval) becomes None, which JSON can hold."""
    clean = [None if v is None or math.isnan(v) else float(v) for v in (pct, lo, hi)]
    return Figure(pct=clean[0], lo=clean[1], hi=clean[2])


class CellMetrics(BaseModel):
    """metric name -> group ('2 objects', ..., 'all') -> figure."""

    figures: dict[str, dict[str, Figure]]


def _table(run: ModelRun, task: str, name: str) -> Table:
    for result in run.results:
        if result.task == task:
            for table in result.tables:
                if table.name == name:
                    return table
    raise KeyError(f"eval: no table {name!r} of task {task!r} for {run.model}")


def _pooled(groups: dict[str, Figure], weights: dict[str, int]) -> Figure:
    """Mean over groups weighted by their images (the groups' intervals do not pool)."""
    known = [g for g in groups if groups[g].pct is not None]
    total = sum(weights[g] for g in known)
    if not total:
        return figure(float("nan"))
    return figure(sum(groups[g].pct * weights[g] for g in known) / total)


def _column(table: Table, column: str) -> dict[str, Figure]:
    groups = {
        row.group: figure(**row.cells[column].model_dump())
        for row in table.rows
        if column in row.cells and not row.group.endswith("chance")
    }
    weights = {row.group: row.n_images for row in table.rows}
    return {**groups, "all": _pooled(groups, weights)} if groups else {}


def _slot_mean(table: Table, chance: bool) -> dict[str, Figure]:
    """Mean accuracy over a probe table's slots per object count (its chance rows with
    `chance`); the slots' intervals do not pool, so bounds are NaN."""
    groups, weights = {}, {}
    for row in table.rows:
        if row.group.endswith(", chance") != chance:
            continue
        group = row.group.removesuffix(", chance")
        values = [c.pct for c in row.cells.values() if not math.isnan(c.pct)]
        groups[group] = figure(sum(values) / len(values) if values else float("nan"))
        weights[group] = row.n_images
    return {**groups, "all": _pooled(groups, weights)} if groups else {}


def cell_metrics(binding: ModelRun, probes: ModelRun) -> CellMetrics:
    pairwise = _table(binding, "binding", "pairwise")
    retrieval = _table(binding, "binding", "retrieval")
    figures = {kind: _column(pairwise, kind) for kind in SWAP_KINDS}
    figures["R@1"] = _column(retrieval, "R@1")
    for modality, name in (("image", "image_by_size_rank"), ("text", "text_by_position")):
        table = _table(probes, "color_probe", name)
        figures[f"{modality}_colour_probe"] = _slot_mean(table, chance=False)
        figures[f"{modality}_colour_probe_chance"] = _slot_mean(table, chance=True)
    return CellMetrics(figures={k: v for k, v in figures.items() if v})
