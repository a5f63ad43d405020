"""The eval report on the site: every model's task tables from `results.json` (with 95 %
intervals) and, beside each table, the plot `comco eval` drew of it; per image, what each
model retrieved (`retrievals.jsonl`)."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from comco.core.errors import describe_validation_error
from comco.eval.report import slug
from comco.eval.results import RETRIEVALS_FILE, EvalRun

MAX_QUERIES_SHOWN = 6  # per image, model and task: TOR has k! caption orders per image


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


def read_retrievals(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Image id -> the first MAX_QUERIES_SHOWN retrievals of each (model, map, task); empty
    when the results predate retrievals.jsonl. Streamed: the file grows with the data."""
    path = folder / RETRIEVALS_FILE
    if not path.is_file():
        return {}
    shown: dict[str, list[dict[str, Any]]] = defaultdict(list)
    counts: dict[tuple[str, str | None, str, str], int] = defaultdict(int)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                r = json.loads(line)
                key = (r["model"], r["text_map"], r["task"], r["id"])
                counts[key] += 1
                if counts[key] <= MAX_QUERIES_SHOWN:
                    shown[r["id"]].append(
                        {k: r[k] for k in ("model", "text_map", "task", "query", "retrieved")}
                    )
            except (ValueError, KeyError, TypeError) as error:
                raise EvalResultsError(
                    f"eval: {path}:{number} is not a retrieval record ({error!r}); expected "
                    "model, text_map, task, id, query and retrieved"
                ) from None
    return dict(shown)
