"""The `comco browse` command."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from comco.browse.evaluation import EvalResultsError, read_results
from comco.browse.site import SiteError, write_site
from comco.dataset.folder import DatasetError


@click.command()
@click.option(
    "--dataset", required=True, type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="a rendered dataset folder",
)  # fmt: skip
@click.option(
    "--eval", "results", type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None, help="a `comco eval` --out folder to show beside the images",
)  # fmt: skip
@click.option("--out", required=True, type=click.Path(path_type=Path), help="site folder")
@click.option("--overwrite", is_flag=True, help="replace an earlier site at --out")
def browse(dataset: Path, results: Path | None, out: Path, overwrite: bool) -> None:
    """Write a static site to look through DATASET: filters, masks, captions, negatives,
    specs and the eval report. Open OUT/index.html in a browser; no server is needed."""
    try:
        if results is not None:
            read_results(results)  # fail before anything is written
        with tqdm(desc="images", unit="img") as bar:
            total = write_site(dataset, out, results, overwrite=overwrite, progress=bar.update)
    except (SiteError, DatasetError, EvalResultsError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{total} images; open {out / 'index.html'}")
