"""`comco sheet`: a contact sheet of a rendered dataset, to look at a shard at a glance."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import click

from comco.annotate.annotation import ImageAnnotation
from comco.dataset.folder import DatasetError, DatasetFolder
from comco.sheets.contact_sheet import contact_sheet

LARGE_MARK = "*"
LEGEND = "one line per object, in spec order"
LEGEND_LARGE = f"; {LARGE_MARK} the large object"


def _label(annotation: ImageAnnotation) -> str:
    """One line per object in spec order, with its attribute words where it has them ("red
    metal cube", "red striped glass cup"); the large object is starred."""
    return "\n".join(
        " ".join(w for w in (o.color_name, o.pattern, o.material, o.finish, o.category) if w)
        + (LARGE_MARK if o.size_role == "large" else "")
        for o in annotation.spec.objects
    )


@click.command()
@click.option(
    "--dataset", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True
)
@click.option("--limit", type=click.IntRange(min=1), default=24, show_default=True)
@click.option("--columns", type=click.IntRange(min=1), default=6, show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="default <dataset>/contact_sheet.png",
)
def sheet(dataset: Path, limit: int, columns: int, out: Path | None) -> None:
    """Write a grid of the first rendered images, each labelled with its objects."""
    folder = DatasetFolder(dataset)
    try:
        thumbnails = [
            (_label(item.annotation), item.png) for item in islice(folder.iter_images(), limit)
        ]
    except DatasetError as error:
        raise click.ClickException(str(error)) from error
    if not thumbnails:
        raise click.ClickException(f"dataset: no annotated images under {folder.images}")
    large = any(LARGE_MARK in label for label, _ in thumbnails)
    legend = LEGEND + (LEGEND_LARGE if large else "")
    written = contact_sheet(
        thumbnails, out or dataset / "contact_sheet.png", columns=columns, legend=legend
    )
    click.echo(f"wrote {written} ({len(thumbnails)} images)")
