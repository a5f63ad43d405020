"""The eval report on the site: every model's task tables from `results.json` (with 95 %
intervals) and, beside each table, the plot `comco eval` drew of it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from comco.core.errors import describe_validation_error
from comco.eval.report import slug
from comco.eval.results import EvalRun


class EvalResultsError(ValueError):
    """--eval does not point at a `comco eval` output folder."""


def read_results(folder: Path) -> EvalRun:
    path = folder / "results.json"
    if not path.is_file():
        raise EvalResultsError(
            f"eval: {folder} has no results.json; expected the --out folder of `comco eval`"
        )
    try:
        return EvalRun.model_validate_json(path.read_text())
    except ValidationError as error:
        problem = describe_validation_error(error)
        raise EvalResultsError(f"eval: {path} is not a comco eval result: {problem}") from None


def eval_payload(folder: Path, site: Path) -> dict[str, Any]:
    """The report's data for the page; plots and report.md are copied under site/eval/."""
    run = read_results(folder)
    target = site / "eval"
    target.mkdir(parents=True, exist_ok=True)
    if (folder / "report.md").is_file():
        shutil.copyfile(folder / "report.md", target / "report.md")
    models = []
    for model_run in run.runs:
        stem = slug(model_run.model + (" mapped" if model_run.text_map else ""))
        tasks = []
        for result in model_run.results:
            tables = []
            for table in result.tables:
                plot = folder / "plots" / f"{stem}_{result.task}_{table.name}.png"
                shown = None
                if plot.is_file():
                    (target / "plots").mkdir(exist_ok=True)
                    shutil.copyfile(plot, target / "plots" / plot.name)
                    shown = f"eval/plots/{plot.name}"
                tables.append({**table.model_dump(mode="json"), "plot": shown})
            tasks.append({"task": result.task, "tables": tables, "notes": result.notes})
        models.append(
            {
                "model": model_run.model,
                "text_map": model_run.text_map,
                "device": model_run.device,
                "tasks": tasks,
                "skipped": model_run.skipped,
            }
        )
    return {
        "dataset": run.dataset,
        "n_images": run.n_images,
        "comco_version": run.comco_version,
        "report": "eval/report.md" if (target / "report.md").is_file() else None,
        "models": models,
    }
