"""The `comco export`, `comco verify` and `comco publish` commands."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from comco.dataset.folder import DatasetError
from comco.export.exporter import (
    DEFAULT_MAX_SHARD_BYTES,
    FORMATS,
    LAYOUTS,
    ExportError,
    export_dataset,
)
from comco.export.publish import PublishError, check_repo_id, require_token, upload, upload_plan
from comco.export.verify import verify_export


@click.command()
@click.option(
    "--dataset", "source", required=True, type=click.Path(path_type=Path, file_okay=False)
)
@click.option("--out", required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "formats",
    multiple=True,
    default=("parquet",),
    show_default=True,
    help="parquet, webdataset, coco, clip_benchmark (repeat the option, or separate with a comma)",
)
@click.option(
    "--library",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="asset library the images were rendered with (default: from dataset.json)",
)
@click.option(
    "--shard-mb",
    type=click.FloatRange(min=0.001),
    default=DEFAULT_MAX_SHARD_BYTES / 2**20,
    show_default=True,
    help="start a new shard once one reaches this size",
)
@click.option("--overwrite", is_flag=True, help="replace an earlier export at --out")
@click.option("--allow-incomplete", is_flag=True, help="export a run that has no summary.json yet")
def export(
    source: Path,
    out: Path,
    formats: tuple[str, ...],
    library: Path | None,
    shard_mb: float,
    overwrite: bool,
    allow_incomplete: bool,
) -> None:
    """Write Parquet and/or WebDataset shards, a dataset card and a checksum manifest."""
    chosen = tuple(f.strip() for value in formats for f in value.split(",") if f.strip())
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown:
        raise click.BadParameter(
            f"{unknown}; expected {' or '.join(FORMATS)}", param_hint="--format"
        )
    bars: list[tqdm] = []  # made at the first exported image: a refusal prints no bar

    def progress(n: int) -> None:
        if not bars:
            bars.append(tqdm(desc="images", unit="img"))
        bars[0].update(n)

    try:
        result = export_dataset(
            source,
            out,
            chosen,  # type: ignore[arg-type]
            library_dir=library,
            max_shard_bytes=int(shard_mb * 2**20),
            overwrite=overwrite,
            allow_incomplete=allow_incomplete,
            progress=progress,
        )
    except (ExportError, DatasetError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        for bar in bars:
            bar.close()
    for name, record in result.manifest.configs.items():
        formats = ", ".join(f"{fmt}: {len(s.files)} files" for fmt, s in record.shards.items())
        splits = ", ".join(f"{split} {rows}" for split, rows in record.splits.items())
        click.echo(f"{name}: {record.rows} rows ({splits}; {formats})")
    for layout in LAYOUTS:
        files = [f for f in result.manifest.files if f.startswith(f"{layout}/")]
        if files:
            click.echo(f"{layout}/: {len(files)} files")
    if result.skipped_unfinished:
        click.echo(f"skipped {len(result.skipped_unfinished)} unfinished images (PNG without JSON)")
    click.echo(f"wrote {out}")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
def verify(folder: Path) -> None:
    """Check checksums, row counts and that every image has its annotation."""
    try:
        problems = verify_export(folder)
    except (FileNotFoundError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{folder}: {len(problems)} problems")
    click.echo(f"{folder}: ok")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--repo-id", required=True, help="ORG/NAME of the dataset repository")
@click.option("--private", is_flag=True, help="create the repository private")
@click.option("--dry-run", is_flag=True, help="list what would be sent; send nothing")
def publish(folder: Path, repo_id: str, private: bool, dry_run: bool) -> None:
    """Verify FOLDER, then upload it to a dataset repository (resumable: rerun to continue)."""
    try:
        check_repo_id(repo_id)
        problems = verify_export(folder)
        if problems:
            raise PublishError(f"{folder}: verify found {len(problems)} problems: {problems[:5]}")
        plan = upload_plan(folder)
        if dry_run:
            for name, size in plan:
                click.echo(f"{size:>12}  {name}")
            total = sum(size for _, size in plan)
            visibility = "private" if private else "public"
            click.echo(
                f"would upload {len(plan)} files, {total} bytes, to {visibility} dataset {repo_id}"
            )
            return
        upload(folder, repo_id, private, require_token())
    except (PublishError, FileNotFoundError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"uploaded {folder} to dataset {repo_id}")
