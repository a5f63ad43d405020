"""Where the built asset library lives and what its manifest says.

A library is a folder of normalised meshes, one GLB per category, plus `manifest.json`.
The manifest is written last (to a temporary name, then renamed), so a folder without it
is a half-built library and is never used. Normalised means: Z up (in Blender, after the
glTF importer's Y-up conversion), front facing -Y, centred on the z axis, resting on z=0,
largest dimension exactly 1 m (see `comco.core.geometry`).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

MANIFEST_NAME = "manifest.json"
LIBRARY_ENV = "COMCO_LIBRARY"


class AssetRecord(BaseModel):
    """One built asset and where it came from."""

    model_config = ConfigDict(extra="forbid")

    category: str
    file: str = Field(description="GLB file name inside the library folder")
    source: str = Field(description="'debian:<package>' or 'procedural'")
    source_version: str
    member: str = Field(description="path of the source file inside the package, or the builder")
    licence: str
    author: str
    modelled_in_code: bool = Field(
        False, description="made by comco's own code, not converted from a package's mesh"
    )
    sha256: str
    faces: int = Field(ge=1)
    dimensions_m: tuple[float, float, float] = Field(description="x, y, z after normalising")


class LibraryManifest(BaseModel):
    """The index of a complete library."""

    model_config = ConfigDict(extra="forbid")

    library_version: int = 1
    comco_version: str
    library_sha256: str = Field(description="hash over every asset's sha256, in category order")
    assets: dict[str, AssetRecord]


class LibraryNotBuiltError(FileNotFoundError):
    """The library folder has no manifest: it was never built, or its build did not finish."""


def default_library_dir() -> Path:
    """`$COMCO_LIBRARY` if set, else `assets/library` under the current directory."""
    return Path(os.environ.get(LIBRARY_ENV, "assets/library"))


def load_manifest(library_dir: Path | None = None) -> LibraryManifest:
    """Read a complete library's manifest, or explain how to build one."""
    folder = library_dir or default_library_dir()
    path = folder / MANIFEST_NAME
    if not path.is_file():
        where = (
            f"{folder.resolve()} (relative to the current directory {Path.cwd()})"
            if not folder.is_absolute()
            else str(folder)
        )
        raise LibraryNotBuiltError(
            f"library: no {MANIFEST_NAME} in {where}; if the library is built elsewhere, pass "
            f"--library DIR or set {LIBRARY_ENV}=DIR (for example, run from the repository "
            "root); if it was never built, or its build did not finish, run `comco assets "
            "fetch && comco assets build`"
        )
    return LibraryManifest.model_validate_json(path.read_text())


def changed_assets(library_dir: Path, manifest: LibraryManifest, categories: set[str]) -> list[str]:
    """One line per asset of `categories` whose file is missing or differs from the manifest,
    so a damaged library is named before any render instead of failing scene by scene."""
    from comco.io.hashing import sha256_file

    problems = []
    for category in sorted(categories & set(manifest.assets)):
        record = manifest.assets[category]
        path = library_dir / record.file
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif sha256_file(path) != record.sha256:
            problems.append(f"{path} differs from the manifest")
    return problems
