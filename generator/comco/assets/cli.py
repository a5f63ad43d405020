"""`comco assets ...`: fetch the source packages, build the normalised library, verify it
and list what it holds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from comco.assets.library import default_library_dir, load_manifest
from comco.assets.sources import CATALOG_PATH, load_catalog

cache_option = click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="where packages and extracted sources go (default $COMCO_CACHE or ~/.cache/comco)",
)
library_option = click.option(
    "--library",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="library folder (default $COMCO_LIBRARY or assets/library)",
)
catalog_option = click.option(
    "--catalog", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=CATALOG_PATH
)


def _cache(cache_dir: Path | None) -> Path:
    from comco.io.locations import cache_root

    return cache_dir or cache_root()


@click.group()
def assets() -> None:
    """The 3D asset library: real meshes from Debian packages, plus procedural shapes."""


@assets.command()
@cache_option
@catalog_option
@click.option(
    "--from",
    "from_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="take the .deb files from this folder instead of apt-get",
)
def fetch(cache_dir: Path | None, catalog: Path, from_dir: Path | None) -> None:
    """Download the source packages (apt-get download) into the cache; resumable."""
    from comco.assets.fetch import FetchError
    from comco.assets.fetch import fetch as run_fetch

    started = time.monotonic()
    try:
        fetched = run_fetch(load_catalog(catalog).packages(), _cache(cache_dir), from_dir)
    except FetchError as error:
        raise click.ClickException(str(error)) from error
    for f in fetched:
        click.echo(f"{f.package} {f.version} {f.file} sha256={f.sha256[:16]}...")
    click.echo(f"fetched {len(fetched)} packages in {time.monotonic() - started:.0f} s")


@assets.command()
@cache_option
@library_option
@catalog_option
@click.option("--only", multiple=True, help="build only these categories (repeatable)")
@click.option("--keep-sources", is_flag=True, help="keep extracted sources in the cache")
def build(
    cache_dir: Path | None,
    library: Path | None,
    catalog: Path,
    only: tuple[str, ...],
    keep_sources: bool,
) -> None:
    """Extract, convert and normalise every catalog category into the library; resumable."""
    from comco.assets.build import BuildError, build_library
    from comco.assets.extract import remove_sources

    started = time.monotonic()
    parsed = load_catalog(catalog)
    cache = _cache(cache_dir)
    try:
        manifest = build_library(
            parsed, list(only) or list(parsed.categories), cache, library or default_library_dir()
        )
    except (BuildError, FileNotFoundError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    if not keep_sources:
        remove_sources(cache / "src")
    click.echo(f"built {len(manifest.assets)} assets in {time.monotonic() - started:.0f} s")


@assets.command()
@library_option
@catalog_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="where thumbnails and contact_sheet.png go (default <library>/verify)",
)
def verify(library: Path | None, catalog: Path, out: Path | None) -> None:
    """Import every asset in Blender, render thumbnails and a contact sheet; fail on problems."""
    from comco.assets.verify import verify_library

    folder = library or default_library_dir()
    report = verify_library(
        folder, load_manifest(folder), load_catalog(catalog).face_budget, out or folder / "verify"
    )
    click.echo(f"contact sheet: {report.sheet}")
    if report.problems:
        raise click.ClickException("verify failed:\n  " + "\n  ".join(report.problems))
    click.echo("all assets ok")


@assets.command()
@library_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="where to write the shapes (default: the package's data/asset_shapes.yaml)",
)
def calibrate(library: Path | None, out: Path | None) -> None:
    """Measure each asset's extents and how much of its box it fills on screen (placement
    uses them for tight footprints and predicted visible areas)."""
    from comco.assets.calibrate import SHAPES_PATH, measure_shapes, write_shapes

    folder = library or default_library_dir()
    manifest = load_manifest(folder)
    shapes = measure_shapes(folder, manifest)
    write_shapes(shapes, manifest, out or SHAPES_PATH)
    thinnest = sorted(shapes, key=lambda c: shapes[c].fill)[:5]
    click.echo(
        f"wrote shapes of {len(shapes)} assets to {out or SHAPES_PATH}; thinnest: {thinnest}"
    )


@assets.command(name="list")
@library_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def list_assets(library: Path | None, fmt: str) -> None:
    """What the built library holds, with source and licence."""
    manifest = load_manifest(library)
    if fmt == "json":
        click.echo(
            json.dumps({c: r.model_dump(mode="json") for c, r in manifest.assets.items()}, indent=1)
        )
        return
    rows = [
        (
            r.category,
            "modelled in code" if r.modelled_in_code else r.source,
            r.source_version,
            r.licence,
            str(r.faces),
        )
        for r in manifest.assets.values()
    ]
    header = ("category", "source", "version", "licence", "faces")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    for line in preset_coverage(set(manifest.assets)):
        click.echo(line)


def preset_coverage(built: set[str]) -> list[str]:
    """One line per vocabulary preset: how many of its categories the library holds, and
    which are missing."""
    from comco.core.catalog import load_vocabulary

    lines = []
    for name, categories in load_vocabulary().presets.items():
        missing = [c for c in categories if c not in built]
        line = f"{name}: {len(categories) - len(missing)}/{len(categories)} built"
        lines.append(line + (f"; missing: {', '.join(missing)}" if missing else ""))
    return lines


@assets.command()
@click.option(
    "--library",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="folder to write the toy library to (not the real library's folder)",
)
@click.option(
    "--specs",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="also write this many toy scene specs (-n) to this JSONL file",
)
@click.option("-n", "count", type=click.IntRange(min=1), default=12, show_default=True)
@click.option("--resolution", type=click.IntRange(min=16), default=64, show_default=True)
def toy(library: Path, specs: Path | None, count: int, resolution: int) -> None:
    """Write a 4-shape toy library (cube, sphere, cylinder, cone) in seconds, to try `comco
    render`, export and eval without fetching 3.4 GB of packages."""
    from comco.assets.library import MANIFEST_NAME
    from comco.assets.toy_library import SHAPES, build_toy_library, toy_scene
    from comco.core.spec_files import write_lines_atomically

    others = {p.stem for p in library.glob("*.glb")} - set(SHAPES)
    if others or (
        (library / MANIFEST_NAME).is_file() and set(load_manifest(library).assets) - set(SHAPES)
    ):
        raise click.ClickException(
            f"library: {library} holds another asset library; write the toy library elsewhere"
        )
    manifest = build_toy_library(library)
    click.echo(f"wrote {len(manifest.assets)} toy assets to {library}")
    if specs is not None:
        lines = (toy_scene(i, size=resolution).model_dump_json() for i in range(count))
        written = write_lines_atomically(specs, lines, overwrite=True)
        click.echo(
            f"wrote {written} toy specs to {specs}; render them with "
            f"`comco render --specs {specs} --library {library} --out renders/toy`"
        )
