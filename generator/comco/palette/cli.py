"""`comco palette calibrate`: measure how a palette's colours render (needs Blender)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from comco.assets.library import default_library_dir


@click.group()
def palette() -> None:
    """Colour palettes of data/attributes.yaml."""


@palette.command()
@click.option("--palette", "name", required=True, help="palette of data/attributes.yaml")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--scenes", type=click.IntRange(min=2), default=48, show_default=True)
@click.option("--resolution", type=click.IntRange(min=64), default=224, show_default=True)
@click.option("--library", type=click.Path(file_okay=False, path_type=Path))
def calibrate(name: str, out: Path, scenes: int, resolution: int, library: Path | None) -> None:
    """Render SCENES scenes of the palette into OUT and write data/palette_rendered.yaml."""
    from comco.palette.calibrate import calibrate as run_calibration
    from comco.runner.run import RunError

    try:
        references = run_calibration(
            name, out, library or default_library_dir(), scenes, resolution
        )
    except (ValueError, RunError, RuntimeError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(references, indent=1))
