"""`comco analyze`: data properties of a real captioned dataset in COCO format."""

from __future__ import annotations

from pathlib import Path

import click

from comco.analyze.coco import CocoFormatError


@click.command("analyze")
@click.option(
    "--captions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="COCO captions file, e.g. captions_train2017.json.",
)
@click.option(
    "--instances",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="COCO instances file of the same images, e.g. instances_train2017.json.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("analysis"),
    show_default=True,
    help="Folder for results.json, report.md and plots/.",
)
@click.option(
    "--area",
    type=click.Choice(["mask", "box"]),
    default="mask",
    show_default=True,
    help="Object size: the annotation's 'area' (mask) or bbox width x height.",
)
@click.option(
    "--min-area",
    type=click.FloatRange(0, 1),
    default=0.01,
    show_default=True,
    help="Share of the image a category must cover to count for completeness.",
)
@click.option(
    "--bootstrap", "n_boot", type=click.IntRange(0), default=1000, show_default=True,
    help="Bootstrap resamples.",
)  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--suggest-knobs",
    is_flag=True,
    help="Print the binding-data knobs (--completeness, --attribute-density, --saliency-bias; "
    "--order when no caption names two categories) that would reproduce the corpus, as the "
    "last line.",
)
def analyze(
    captions: Path,
    instances: Path,
    out: Path,
    area: str,
    min_area: float,
    n_boot: int,
    seed: int,
    suggest_knobs: bool,
) -> None:
    """Measure size vs mention order, completeness and attribute density of the captions.

    Both files stream; memory grows with the number of images, not of captions.
    """
    from comco.analyze.report import write_outputs
    from comco.analyze.run import analyze as run_analysis

    try:
        run = run_analysis(
            captions, instances, area=area, min_area=min_area, n_boot=n_boot, seed=seed,
            progress=True,
        )  # fmt: skip
    except (CocoFormatError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    report = write_outputs(run, out)
    click.echo(f"{run.counts['captions']} captions over {run.n_images} images")
    for why in run.knobs.why:
        click.echo(f"  {why}")
    click.echo(f"report: {report}")
    if suggest_knobs:
        click.echo(run.knobs.flags())
