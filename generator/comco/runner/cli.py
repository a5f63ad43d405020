"""`comco render`: turn a spec file into a rendered dataset folder (resumable)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from comco.annotate.measure import MIN_VISIBLE_PX_AT_REFERENCE, QualityGates, scaled_min_visible_px
from comco.assets.library import default_library_dir
from comco.dataset.folder import DatasetFolder
from comco.render.protocol import DEVICE_CHOICES, GPU_BACKENDS
from comco.runner.run import RunConfig, RunError, run


@click.command()
@click.option(
    "--specs",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="JSONL from `comco sample`",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="dataset folder, e.g. renders/x",
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=None,
    help="render processes [default: 1; with --engine ray, as many as the cluster holds]",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local worker processes, or Ray actors on a cluster (pip install -e '.[ray]')",
)
@click.option(
    "--address",
    default=None,
    help="ray: 'auto' or HOST:PORT of a running cluster [default: a private Ray on this machine]",
)
@click.option(
    "--gpus-per-worker",
    type=click.FloatRange(0),
    default=0.0,
    show_default=True,
    help="ray: GPUs each worker reserves; 0.25 puts four workers on a GPU",
)
@click.option(
    "--device",
    type=click.Choice(DEVICE_CHOICES),
    default="auto",
    show_default=True,
    help="auto = OPTIX, CUDA, HIP, METAL, then CPU",
)
@click.option("--require-gpu", is_flag=True, help="fail unless a GPU renders")
@click.option(
    "--threads",
    type=click.IntRange(0),
    default=None,
    help="CPU threads per worker [default: cores / workers; with --engine ray, 1, and each "
    "worker reserves this many CPUs]",
)
@click.option(
    "--gallery/--no-gallery",
    default=True,
    show_default=True,
    help="render the single-object reference images",
)
@click.option("--limit", type=click.IntRange(1), default=None, help="only the first N spec lines")
@click.option(
    "--library",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="asset library [default: $COMCO_LIBRARY or assets/library]",
)
@click.option(
    "--recycle-after",
    type=click.IntRange(1),
    default=RunConfig.recycle_after,
    show_default=True,
    help="restart a worker after this many images",
)
@click.option(
    "--min-pixels",
    type=click.IntRange(0),
    default=None,
    help="reject objects with fewer visible pixels [default: scales with image area, "
    f"{MIN_VISIBLE_PX_AT_REFERENCE} px at 224x224, {scaled_min_visible_px(512, 512)} at "
    f"512x512, {scaled_min_visible_px(1024, 1024)} at 1024x1024]",
)
@click.option(
    "--large-gate",
    "large_gate",
    type=click.FloatRange(0),
    default=QualityGates.large_factor,
    show_default=True,
    help="quality gate: the large object must show, measured, this many times the pixels of "
    "any other (`comco sample --large-factor` is the sampler's prediction, a stricter target)",
)
@click.option(
    "--job-timeout",
    type=click.FloatRange(1),
    default=RunConfig.job_timeout_s,
    show_default=True,
    help="seconds before a silent worker counts as crashed",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
def render(
    specs: Path,
    out: Path,
    workers: int | None,
    engine: str,
    address: str | None,
    gpus_per_worker: float,
    device: str,
    require_gpu: bool,
    threads: int | None,
    gallery: bool,
    limit: int | None,
    library: Path | None,
    recycle_after: int,
    min_pixels: int | None,
    large_gate: float,
    job_timeout: float,
    quiet: bool,
) -> None:
    """Render the specs of SPECS into OUT with Blender, resuming a previous run."""
    check_engine_options(engine, address, gpus_per_worker, device, require_gpu)
    if threads is None:
        threads = 1 if engine == "ray" else max(1, (os.cpu_count() or 1) // (workers or 1))
    config = RunConfig(
        specs=specs,
        out=out,
        library=library or default_library_dir(),
        workers=workers or (None if engine == "ray" else 1),
        device=device,
        require_gpu=require_gpu,
        threads=threads,
        gallery=gallery,
        limit=limit,
        recycle_after=recycle_after,
        job_timeout_s=job_timeout,
        gates=QualityGates(min_visible_px=min_pixels, large_factor=large_gate),
        progress=not quiet,
        engine=engine,
        address=address,
        gpus_per_worker=gpus_per_worker,
    )
    try:
        summary = run(config)
    except (RunError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(summary, indent=2))
    folder = DatasetFolder(out)
    if not any(folder.images.glob("*/*.json")):
        if not folder.rejected.is_file():
            raise click.ClickException(f"specs: {specs} holds no spec lines; nothing rendered")
        raise click.ClickException(
            f"nothing rendered: {summary['rejected_total']} specs rejected "
            f"(reasons in {folder.rejected})"
        )


def check_engine_options(
    engine: str, address: str | None, gpus_per_worker: float, device: str, require_gpu: bool
) -> None:
    """Refuse Ray options that would be ignored, and a GPU demand no Ray worker could meet."""
    if engine == "local" and (address is not None or gpus_per_worker):
        flag = "--address" if address is not None else "--gpus-per-worker"
        raise click.UsageError(f"{flag}: only used with --engine ray (got --engine local)")
    if engine == "ray" and not gpus_per_worker and (device in GPU_BACKENDS or require_gpu):
        wanted = "--require-gpu" if require_gpu else f"--device {device}"
        raise click.UsageError(
            f"--gpus-per-worker: 0 reserves no GPU for Ray workers, but {wanted} needs one; "
            "pass e.g. --gpus-per-worker 0.25"
        )
