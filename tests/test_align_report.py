"""The report's before/after section on planted runs: intervals shown, empty kinds and tables
the map cannot change left out, no heading without a table under it."""

from __future__ import annotations

import math

from comco.eval.align_report import comparison_lines
from comco.eval.results import Cell, EvalRun, ModelRun, Row, Table, TaskResult

NAN = Cell(pct=math.nan, lo=math.nan, hi=math.nan)


def table(name: str, swap: float) -> Table:
    cells = {"attribute_swap": Cell(pct=swap, lo=swap - 10, hi=swap + 10), "object_swap": NAN}
    row = Row(group="3 objects", n_images=4, n_queries=12, cells=cells)
    return Table(name=name, title=name, unit="%", columns=list(cells), rows=[row])


def run(text_map: str | None, swap: float) -> ModelRun:
    results = [
        TaskResult(task="binding", model="m", subset="simco18",
                   tables=[table("pairwise", swap), table("image_only", 40.0)]),
        TaskResult(task="itm", model="m", tables=[]),
    ]  # fmt: skip
    return ModelRun(model="m", fingerprint="f", device="cpu", seconds=1.0, results=results,
                    text_map=text_map)  # fmt: skip


def test_the_comparison_shows_what_the_map_changed_with_intervals() -> None:
    runs = [run(None, 50.0), run("A.safetensors", 75.0)]
    lines = comparison_lines(EvalRun(dataset="d", n_images=4, comco_version="0", runs=runs))
    text = "\n".join(lines)
    assert "### binding, simco18 images" in text and "### itm" not in text
    assert "| rows | attribute_swap |\n" in text  # object_swap has no value on either side
    assert "| 3 objects | 50.0 [40.0, 60.0] → 75.0 [65.0, 85.0] |" in text
    assert "**image_only**" not in text
    assert "The same before and after the map: image_only." in text
