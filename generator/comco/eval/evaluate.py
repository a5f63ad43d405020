"""Run the chosen tasks with each model over one dataset and write results.json + report.md."""

from __future__ import annotations

import json
import time
from importlib.metadata import version
from pathlib import Path

from comco.eval.align import TextMap, load_text_map
from comco.eval.align_run import (
    TRAINED_PROBES,
    MappedEncoder,
    probe_dataset,
    restrict_to_test_split,
)
from comco.eval.cache import CachedEncoder
from comco.eval.dataset import EvalDataset
from comco.eval.encoders import load_encoder, resolve_device
from comco.eval.options import EvalOptions
from comco.eval.report import write_report
from comco.eval.results import RETRIEVALS_FILE, EvalRun, ModelRun, TaskResult
from comco.eval.tasks import TASKS
from comco.eval.tasks.context import EvalContext
from comco.io.atomic import open_atomic, write_atomic

MODALITIES = frozenset({"text", "image"})


def run_model(
    dataset: EvalDataset,
    model: str,
    tasks: list[str],
    options: EvalOptions,
    text_map: tuple[Path, TextMap] | None = None,
    probes_on: EvalDataset | str | None = None,
) -> ModelRun:
    """Every task the model and the dataset's records can do; the others are recorded as
    skipped, with the reason. With `text_map` (its path and the map) text embeddings pass
    through the map."""
    start = time.perf_counter()
    device = resolve_device(options.device)
    encoder = CachedEncoder(load_encoder(model, device, options.batch_size), options.cache_dir)
    if text_map is not None:
        encoder = MappedEncoder(encoder, text_map[1], text_map[0])
    results, skipped = run_tasks(
        dataset, encoder, tasks, options, mapped=text_map is not None, probes_on=probes_on
    )
    return ModelRun(
        model=model,
        fingerprint=encoder.fingerprint,
        device=device,
        seconds=time.perf_counter() - start,
        results=results,
        skipped=skipped,
        text_map=None if text_map is None else str(text_map[0]),
    )


def run_tasks(
    dataset: EvalDataset,
    encoder: CachedEncoder,
    tasks: list[str],
    options: EvalOptions,
    mapped: bool = False,
    probes_on: EvalDataset | str | None = None,
) -> tuple[list[TaskResult], dict[str, str]]:
    """The results of the tasks the encoder can do, and why each other one was skipped.

    A dataset that mixes vocabulary presets is run once per preset, so no row pools SimCO
    with ComCO scenes. `mapped`: text passes through a text map, so image-only tasks, which
    it cannot change, are not repeated. `probes_on` (text-map runs): the scenes the trained
    probes train and test on, or why they cannot run."""
    results, skipped = [], {}
    for name in tasks:
        lacking = dataset.missing(TASKS[name].needs) or modality_gap(TASKS[name].needs, encoder)
        if lacking:
            skipped[name] = lacking
            continue
        if mapped and TASKS[name].needs & MODALITIES == {"image"}:
            skipped[name] = "image only: the text map cannot change it (see the run without it)"
            continue
        source = dataset
        if name in TRAINED_PROBES and probes_on is not None:
            if isinstance(probes_on, str):
                skipped[name] = probes_on
                continue
            source = probes_on
        for subset, part in source.by_vocabulary().items():
            context = EvalContext(part, encoder, **options.task_settings())
            try:
                results.append(TASKS[name].run(context).model_copy(update={"subset": subset}))
            except NotImplementedError as error:
                skipped[name if subset is None else f"{name}, {subset} images"] = str(error)
    return results, skipped


def evaluate(
    dataset: EvalDataset,
    models: list[str],
    tasks: list[str],
    out: Path,
    options: EvalOptions,
    text_map: Path | None = None,
) -> EvalRun:
    """Run, then write out/results.json and out/report.md (with out/plots/*.png).

    With a text map, each model runs twice on the map's held-out test scenes, without and
    with the map, and the report sets the two side by side; the trained probes train on the
    data's train split and test on the same held-out scenes."""
    if text_map is None:
        runs = [run_model(dataset, m, tasks, options) for m in models]
    else:
        loaded = (text_map, load_text_map(text_map))
        probes_on = probe_dataset(dataset, loaded[1])
        dataset = restrict_to_test_split(dataset, loaded[1], text_map)
        runs = []
        for model in models:
            runs.append(run_model(dataset, model, tasks, options, probes_on=probes_on))
            runs.append(
                run_model(dataset, model, tasks, options, text_map=loaded, probes_on=probes_on)
            )
    run = EvalRun(
        dataset=dataset.source,
        n_images=len(dataset.records),
        comco_version=version("comco"),
        runs=runs,
    )
    save_run(run, out)
    return run


def modality_gap(needs: frozenset[str], encoder: CachedEncoder) -> str | None:
    """Why the encoder cannot do a task that needs these modalities, or None when it can."""
    wanted = needs & MODALITIES
    if wanted <= encoder.modalities:
        return None
    return f"needs {sorted(wanted)}; the model embeds only {sorted(encoder.modalities)}"


def save_run(run: EvalRun, out: Path) -> None:
    """out/results.json, out/retrievals.jsonl, out/report.md and out/plots/*.png."""
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "results.json", run.model_dump_json(indent=2))
    write_retrievals(run, out / RETRIEVALS_FILE)
    write_report(run, out)


def write_retrievals(run: EvalRun, path: Path) -> None:
    """One line per query of every retrieval task: model, text map, task, image id, query and
    the category retrieved, so a result can be traced to single images."""
    with open_atomic(path) as handle:
        for model_run in run.runs:
            for result in model_run.results:
                for r in result.retrievals:
                    line = {"model": model_run.model, "text_map": model_run.text_map,
                            "task": result.task, "subset": result.subset,
                            **r.model_dump()}  # fmt: skip
                    handle.write(json.dumps(line, ensure_ascii=False) + "\n")
