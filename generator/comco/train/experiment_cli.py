"""`comco experiment data-properties`: a grid of caption knobs x seeds, a model per cell."""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import ValidationError

from comco.core.errors import describe_validation_error
from comco.sampling.binding_options import caption_knobs, knob_options
from comco.train.cli import fail, model_options, schedule_options, shape_of


@click.group()
def experiment() -> None:
    """Experiments that train models on generated data."""


def parse_shard(text: str) -> tuple[int, int]:
    """'1/3' -> (1, 3): this machine runs cells i with i % 3 == 1."""
    index, _, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not I/N; expected e.g. 0/2") from None
    if not 0 <= i < n:
        raise click.BadParameter(f"{text!r}: expected 0 <= I < N")
    return i, n


@experiment.command("data-properties")
@click.option("--dataset", required=True, help="a rendered binding set (or any copy of one)")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--vary",
    multiple=True,
    required=True,
    help="KNOB=V1,V2,... (attribute-density, completeness, order, saliency-bias); repeat for a "
    "product grid",
)
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--shard", default="0/1", show_default=True, help="I/N: run cells i % N == I")
@click.option("--probe-seeds", type=click.IntRange(min=1), default=3, show_default=True)
@knob_options
@schedule_options
@model_options
@click.option("--quiet", is_flag=True, help="no progress bars")
def data_properties(
    dataset: str,
    out: Path,
    vary: tuple[str, ...],
    seeds: int,
    shard: str,
    probe_seeds: int,
    attribute_density: float | None,
    completeness: float | None,
    order: str | None,
    saliency_bias: float | None,
    attributes_per_object: tuple[int, int] | None,
    quiet: bool,
    **options: object,
) -> None:
    """Train one model per cell of the knob grid x seeds on the train split of DATASET and
    evaluate each on the held-out scenes; writes OUT/results.json, OUT/report.md and
    OUT/plots/. Rerun to resume; finished cells are kept."""
    from comco.eval.dataset import load_dataset
    from comco.train.config import TrainConfig
    from comco.train.experiment import read_cell, run_cell
    from comco.train.grid import cells, parse_vary
    from comco.train.report import GridResults, write_outputs

    try:
        varied = [parse_vary(v) for v in vary]
        grid = cells(varied, seeds)
        base = TrainConfig(dataset=str(dataset), shape=shape_of(options), **options)
    except ValidationError as error:
        fail(describe_validation_error(error))
    except ValueError as error:
        fail(str(error))
    given = caption_knobs(
        attribute_density, completeness, order, saliency_bias, attributes_per_object
    )
    fixed = {k: v for k, v in (given.model_dump() if given else {}).items()
             if given and k in given.model_fields_set and k not in dict(varied)}  # fmt: skip
    index, count = parse_shard(shard)
    try:
        data = load_dataset(dataset)
        for number, cell in enumerate(grid):
            if number % count == index:
                click.echo(f"cell {number + 1}/{len(grid)}: {cell.name}", err=True)
                run_cell(cell, base, fixed, data, out, probe_seeds, progress=not quiet)
    except (ValueError, FileNotFoundError) as error:
        fail(str(error))
    finished = [r for c in grid if (r := read_cell(out, c)) is not None]
    results = GridResults(
        dataset=str(dataset),
        vary=dict(varied),
        seeds=seeds,
        fixed_knobs=fixed,
        train=base,
        cells=finished,
        missing=[c.name for c in grid if read_cell(out, c) is None],
    )
    write_outputs(results, out)
    click.echo(f"{len(finished)}/{len(grid)} cells finished; report in {out / 'report.md'}")
