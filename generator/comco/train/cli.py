"""`comco train`: a small CLIP-style model trained contrastively on a binding dataset."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from pydantic import ValidationError

from comco.core.errors import describe_validation_error
from comco.sampling.binding_options import caption_knobs, knob_options


def model_options(command):
    """Model shape options (ignored with --init, whose folder fixes the shape)."""
    options = [
        click.option("--width", type=int, default=64, show_default=True, help="tower width"),
        click.option("--layers", type=int, default=2, show_default=True, help="per tower"),
        click.option("--heads", type=int, default=2, show_default=True),
        click.option("--image-size", type=int, default=64, show_default=True),
        click.option("--patch-size", type=int, default=16, show_default=True),
        click.option("--projection-dim", type=int, default=64, show_default=True),
        click.option("--context", type=int, default=32, show_default=True, help="text tokens"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def schedule_options(command):
    """Steps, batch, optimiser and checkpointing, shared by `train` and `experiment`."""
    options = [
        click.option("--steps", type=int, default=1000, show_default=True),
        click.option("--batch-size", type=int, default=128, show_default=True),
        click.option("--lr", "learning_rate", type=float, default=1e-3, show_default=True),
        click.option("--weight-decay", type=float, default=0.1, show_default=True),
        click.option("--warmup", type=int, default=100, show_default=True, help="steps"),
        click.option("--checkpoint-every", type=int, default=200, show_default=True, help="steps"),
        click.option(
            "--threads",
            type=int,
            default=1,
            show_default=True,
            help="torch CPU threads (more stall on a shared machine)",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def shape_of(options: dict) -> dict:
    """The ModelShape fields among parsed options (removed from `options`)."""
    names = ["width", "layers", "heads", "image_size", "patch_size", "projection_dim", "context"]
    return {name: options.pop(name) for name in names}


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.command()
@click.option("--dataset", required=True, help="rendered folder, export folder or hf:ORG/NAME")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="run folder: checkpoint/ while training, then the model (comco eval --model hf:OUT)",
)
@knob_options
@schedule_options
@model_options
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--init",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="start from this CLIP folder instead of random weights",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
def train(
    dataset: str,
    out: Path,
    attribute_density: float | None,
    completeness: float | None,
    order: str | None,
    saliency_bias: float | None,
    attributes_per_object: tuple[int, int] | None,
    quiet: bool,
    **options: object,
) -> None:
    """Train a small CLIP-style model from scratch (or --init) on the train-split scenes of a
    binding dataset, one caption per image per step drawn under the caption knobs. Run it
    again to resume from the last checkpoint."""
    from comco.train.config import TrainConfig
    from comco.train.loop import train as run

    try:
        config = TrainConfig(
            dataset=str(dataset),
            knobs=caption_knobs(
                attribute_density, completeness, order, saliency_bias, attributes_per_object
            ),
            shape=shape_of(options),
            **options,
        )
    except ValidationError as error:
        fail(describe_validation_error(error))
    try:
        summary = run(config, out, progress=not quiet)
    except (ValueError, FileNotFoundError) as error:
        fail(str(error))
    click.echo(
        f"trained {summary.step} steps on {summary.n_train} scenes ({summary.held_out} held out "
        f"never seen), {summary.parameters / 1e6:.2f} M parameters, "
        f"{summary.images_per_s:.0f} images/s; model in {out} (comco eval --model hf:{out})"
    )
