"""`comco experiment data-properties`: the grid's cells, one resumable job each, and the
report over whatever cells are finished."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from comco.cli import main
from comco.train.grid import cells, parse_vary
from support.scenes import binding_dataset

TINY = ["--steps", "3", "--warmup", "1", "--batch-size", "4", "--width", "16", "--layers", "1",
        "--heads", "1", "--image-size", "32", "--patch-size", "16", "--projection-dim", "8",
        "--context", "16", "--probe-seeds", "1", "--quiet"]  # fmt: skip


def test_vary_parses_knob_values_and_names_bad_ones() -> None:
    assert parse_vary("attribute-density=0,0.5,1") == ("attribute_density", [0.0, 0.5, 1.0])
    assert parse_vary("order=spec,saliency") == ("order", ["spec", "saliency"])
    with pytest.raises(ValueError, match="expected a knob among"):
        parse_vary("density=0,1")
    with pytest.raises(ValueError, match="completeness='x' is not a number"):
        parse_vary("completeness=0.5,x")
    with pytest.raises(ValueError, match="attribute_density"):
        parse_vary("attribute-density=0,2")


def test_cells_are_the_product_of_values_and_seeds() -> None:
    grid = cells([("attribute_density", [0.0, 1.0]), ("order", ["spec", "saliency"])], 2)
    assert len(grid) == 8
    assert grid[0].name == "attribute-density-0.0_order-spec_seed-0"
    assert grid[-1].knobs({"completeness": 0.5}).model_dump() == {
        "attribute_density": 1.0, "completeness": 0.5, "order": "saliency"
    }  # fmt: skip


@pytest.mark.models
def test_a_grid_runs_each_cell_once_and_reports_them(tmp_path: Path) -> None:
    dataset = binding_dataset(tmp_path / "binding", 48, objects=2)
    out = tmp_path / "exp"
    args = ["experiment", "data-properties", "--dataset", str(dataset), "--out", str(out),
            "--vary", "attribute-density=0,1", "--seeds", "1", *TINY]  # fmt: skip
    runner = CliRunner()
    first = runner.invoke(main, [*args, "--shard", "1/2"])
    assert first.exit_code == 0, first.output
    results = json.loads((out / "results.json").read_text())
    assert [c["name"] for c in results["cells"]] == ["attribute-density-1.0_seed-0"]
    assert results["missing"] == ["attribute-density-0.0_seed-0"]
    done = out / "cells" / "attribute-density-1.0_seed-0" / "cell.json"
    stamp = done.stat().st_mtime_ns
    second = runner.invoke(main, args)
    assert second.exit_code == 0, second.output
    assert done.stat().st_mtime_ns == stamp  # a finished cell is not trained again
    results = json.loads((out / "results.json").read_text())
    assert len(results["cells"]) == 2 and not results["missing"]
    for cell in results["cells"]:
        assert cell["n_test"] > 0 and cell["steps"] == 3
        figures = cell["metrics"]["figures"]
        assert {"attribute_swap", "R@1", "image_colour_probe", "text_colour_probe"} <= set(figures)
    report = (out / "report.md").read_text()
    assert "| 0.0 | 1 |" in report and "| 1.0 | 1 |" in report
    assert (out / "plots" / "binding_vs_attribute_density.png").stat().st_size > 0


def test_a_grid_without_held_out_scenes_fails_with_the_reason(tmp_path: Path) -> None:
    from support.planted_binding import planted_dataset

    dataset = planted_dataset(tmp_path / "planted", 8, 0)
    result = CliRunner().invoke(main, ["experiment", "data-properties", "--dataset", str(dataset),
                                       "--out", str(tmp_path / "exp"), "--vary",
                                       "attribute-density=1", "--seeds", "1", *TINY])  # fmt: skip
    assert result.exit_code == 2
    assert "no test-split scene" in result.output
