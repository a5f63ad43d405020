"""`comco eval`: measure a model's multi-object biases on any copy of a dataset."""

from __future__ import annotations

from pathlib import Path

import click

from comco.dataset.folder import DatasetError
from comco.dataset.original import is_original_release, read_original_release
from comco.eval.dataset import load_dataset, release_dataset
from comco.eval.options import EvalOptions
from comco.eval.tasks import TASKS, parse_tasks


@click.command("eval")
@click.option(
    "--dataset",
    "dataset_ref",
    required=True,
    help="A rendered dataset folder, a `comco export` folder (Parquet or WebDataset), "
    "hf:ORG/NAME (a published export; needs hub access), or a folder of the original "
    "ComCO/SimCO release (CoCo-FourObject-Middle-Big/banana_horse_sheep_dog.png, ...).",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    required=True,
    help="hf:ID|DIR, openclip:ARCH/TAG|local-dir:DIR, sbert:NAME|DIR; repeat for several.",
)
@click.option(
    "--task",
    "task_list",
    default="all",
    show_default=True,
    help=f"Comma list of {', '.join(TASKS)}, or 'all'.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for results.json, report.md and plots/.",
)
@click.option("--limit", type=int, default=None, help="Use only the first N multi-object images.")
@click.option(
    "--device",
    default=EvalOptions.device,
    show_default=True,
    help="auto (cuda when present), cpu, cuda:0 ...",
)
@click.option("--batch-size", type=int, default=EvalOptions.batch_size, show_default=True)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Embedding cache, and images unpacked from export shards under its copies/ "
    "(default $COMCO_CACHE/embeddings and $COMCO_CACHE/copies, else the same under "
    "~/.cache/comco).",
)
@click.option(
    "--bootstrap",
    "n_boot",
    type=int,
    default=EvalOptions.n_boot,
    show_default=True,
    help="Bootstrap resamples.",
)
@click.option("--seed", type=int, default=EvalOptions.seed, show_default=True)
@click.option(
    "--probe-seeds",
    type=click.IntRange(min=1),
    default=EvalOptions.probe_seeds,
    show_default=True,
    help="Trained probes (toc, ioc, color_probe): splits and initialisations to average.",
)
@click.option(
    "--list-queries",
    type=click.IntRange(min=0),
    default=EvalOptions.list_queries,
    show_default=True,
    help="Name-list tasks (tor_list, tor_long, tor_sum, tor_size): at most this many queries per "
    "object count or order, a seeded sample where there are more; 0 = all of them.",
)
@click.option(
    "--text-map",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A map from 'comco align train': every task runs on the map's test scenes without "
    "and with it, side by side.",
)
def eval_command(
    dataset_ref: str,
    models: tuple[str, ...],
    task_list: str,
    out: Path,
    limit: int | None,
    device: str,
    batch_size: int,
    cache_dir: Path | None,
    n_boot: int,
    seed: int,
    probe_seeds: int,
    list_queries: int,
    text_map: Path | None,
) -> None:
    """Run TOR/IOR and the paper's other probes; write JSON, a Markdown report and plots.

    Models load from local files only (HF_HUB_OFFLINE=1 unless you set it to 0).
    """
    from comco.eval.align import TextMapError
    from comco.eval.encoders import parse_model_spec
    from comco.eval.encoders.base import MissingBackendError, ModelNotAvailableError
    from comco.eval.evaluate import evaluate
    from comco.eval.workload import caption_order_note

    options = EvalOptions(
        device=device,
        batch_size=batch_size,
        cache_dir=cache_dir,
        n_boot=n_boot,
        seed=seed,
        probe_seeds=probe_seeds,
        list_queries=list_queries,
    )
    try:
        tasks = parse_tasks(task_list)
        for model in models:
            parse_model_spec(model)
        release = is_original_release(Path(dataset_ref))
        copies = cache_dir / "copies" if cache_dir else None
        dataset = (
            release_dataset(read_original_release(Path(dataset_ref)), limit=limit)
            if release
            else load_dataset(dataset_ref, limit=limit, cache_dir=copies)
        )
        if release and text_map is not None:
            raise ValueError(
                f"text-map: the original release layout ({dataset_ref}) has no held-out binding "
                "scenes to compare on; use --text-map with a rendered binding dataset"
            )
    except DatasetError as error:  # the data, not the command line: one line, exit 1
        raise click.ClickException(str(error)) from error
    except (ValueError, FileNotFoundError) as error:
        raise click.UsageError(str(error)) from error
    if dataset is not None and (note := caption_order_note(dataset, tasks)):
        click.echo(note, err=True)
    try:
        run = evaluate(dataset, list(models), tasks, out, options, text_map=text_map)
    except TextMapError as error:
        raise click.UsageError(str(error)) from error
    except (ModelNotAvailableError, MissingBackendError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    for model_run in run.runs:
        done = ", ".join(dict.fromkeys(r.task for r in model_run.results)) or "none"
        subsets = list(dict.fromkeys(r.subset for r in model_run.results if r.subset))
        done += f" (per vocabulary: {', '.join(subsets)})" if subsets else ""
        mapped = f" + text map {model_run.text_map}" if model_run.text_map else ""
        click.echo(
            f"{model_run.model}{mapped}: {done} in {model_run.seconds:.1f} s on {model_run.device}"
        )
        for task, reason in model_run.skipped.items():
            click.echo(f"  skipped {task}: {reason}")
    click.echo(f"report: {out / 'report.md'}")


@click.command("tiny-model")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write.",
)
@click.option("--kind", type=click.Choice(["clip", "siglip"]), default="clip", show_default=True)
@click.option("--seed", type=int, default=EvalOptions.seed, show_default=True)
def tiny_model(out: Path, kind: str, seed: int) -> None:
    """Save a small random-weight CLIP or SigLIP (transformers format, ~1 MB) for smoke runs of
    the image path: `comco eval --model hf:OUT`. Its numbers mean nothing."""
    from comco.eval.tiny import build_clip, build_siglip

    build = build_clip if kind == "clip" else build_siglip
    click.echo(f"wrote a random {kind} to {build(out, seed=seed)}; use --model hf:{out}")
