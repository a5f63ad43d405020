"""The data-properties experiment: one rendered binding set, a model trained per grid cell
(knob values x seeds), each evaluated on the scenes it never saw.

A cell is its own resumable job in `OUT/cells/<name>/`: `model/` (a `comco train` folder),
`eval-binding/` (the `binding` task on the held-out test scenes), `eval-probes/` (the
uni-modal `color_probe`, whose test split is those same held-out scenes) and `cell.json`,
written last. Rerunning skips finished cells and resumes a half-trained one; `shard` lets
several machines share one grid folder.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, Field

from comco.eval.dataset import EvalDataset
from comco.eval.evaluate import evaluate
from comco.eval.options import EvalOptions
from comco.eval.results import EvalRun
from comco.io.atomic import write_atomic
from comco.train.config import TrainConfig
from comco.train.grid import Cell
from comco.train.loop import train
from comco.train.metrics import CellMetrics, cell_metrics

CELLS = "cells"
CELL_RESULT = "cell.json"
TEST_SPLIT = "test"


class CellResult(BaseModel):
    """What one cell trained and measured (`cell.json`)."""

    name: str
    values: dict[str, float | str]
    seed: int
    steps: int
    final_loss: float
    train_images_per_s: float
    train_seconds: float
    eval_seconds: float
    n_train: int
    n_test: int = Field(description="held-out scenes the binding task ran on")
    metrics: CellMetrics


def held_out(dataset: EvalDataset) -> EvalDataset:
    """The test-split scenes (they hold an attribute-category pair no training scene has)."""
    kept = [r for r in dataset.records if r.annotation.spec.split == TEST_SPLIT]
    if not kept:
        raise ValueError(
            f"dataset: {dataset.source} has no test-split scene; expected binding scenes "
            "sampled with --holdout-pairs above 0"
        )
    return replace(dataset, records=kept)


def cell_folder(out: Path, cell: Cell) -> Path:
    return out / CELLS / cell.name


def read_cell(out: Path, cell: Cell) -> CellResult | None:
    path = cell_folder(out, cell) / CELL_RESULT
    return CellResult.model_validate_json(path.read_text()) if path.is_file() else None


def run_cell(
    cell: Cell,
    base: TrainConfig,
    fixed: dict[str, float | str | tuple[int, int]],
    dataset: EvalDataset,
    out: Path,
    probe_seeds: int,
    progress: bool,
) -> CellResult:
    """Train (or resume) the cell's model, evaluate it, write `cell.json`; a finished cell
    is read back as it is."""
    done = read_cell(out, cell)
    if done is not None:
        return done
    test = held_out(dataset)
    folder = cell_folder(out, cell)
    config = base.model_copy(update={"knobs": cell.knobs(fixed), "seed": cell.seed})
    summary = train(config, folder / "model", progress=progress)
    start = time.perf_counter()
    model = f"hf:{folder / 'model'}"
    options = EvalOptions(device="cpu", cache_dir=folder / "cache", probe_seeds=probe_seeds)
    binding = evaluate(test, [model], ["binding"], folder / "eval-binding", options)
    probes = evaluate(dataset, [model], ["color_probe"], folder / "eval-probes", options)
    result = CellResult(
        name=cell.name,
        values=dict(cell.values),
        seed=cell.seed,
        steps=summary.step,
        final_loss=summary.history[-1].loss,
        train_images_per_s=summary.images_per_s,
        train_seconds=summary.seconds,
        eval_seconds=time.perf_counter() - start,
        n_train=summary.n_train,
        n_test=len(test.records),
        metrics=cell_metrics(_only_run(binding), _only_run(probes)),
    )
    write_atomic(folder / CELL_RESULT, result.model_dump_json(indent=2))
    return result


def _only_run(run: EvalRun):
    (model_run,) = run.runs
    if model_run.skipped:
        raise RuntimeError(f"eval: tasks skipped for {model_run.model}: {model_run.skipped}")
    return model_run
