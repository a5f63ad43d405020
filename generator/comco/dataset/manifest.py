"""The checksum manifest of an exported folder: every file's sha256 and size, and each
configuration's format, row count and files. `comco verify` checks a folder against it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from comco.io.hashing import sha256_file

MANIFEST_NAME = "manifest.json"
IGNORED_DIRS = (".cache",)  # huggingface_hub keeps its upload state here

Format = Literal["parquet", "webdataset"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileRecord(_Model):
    sha256: str
    bytes: int = Field(ge=0)


class ShardSet(_Model):
    """One configuration's files in one format."""

    folder: str = Field(description="relative to the export")
    files: list[str] = Field(description="data files and their metadata, relative to the export")


class ConfigRecord(_Model):
    """One configuration; its name is what `load_dataset(..., name=...)` takes."""

    kind: Literal["images", "gallery"]
    rows: int = Field(ge=0)
    shards: dict[Format, ShardSet]
    family: str | None = Field(None, description="'comco' or 'simco'; None for the gallery")
    n_objects: int | None = None
    size_setting: str | None = None


class ExportManifest(_Model):
    manifest_version: Literal[1] = 1
    comco_version: str
    source: dict[str, str] = Field(description="what was exported: path, run metadata hashes")
    card_format: Format | None = Field(
        description="the format the dataset card's configs point at (None: only tool layouts)"
    )
    configs: dict[str, ConfigRecord]
    files: dict[str, FileRecord] = Field(description="every file but this one, by relative path")


def folder_files(root: Path) -> list[str]:
    """Relative paths of every file the manifest should list (not itself, not upload state)."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and p.name != MANIFEST_NAME
        and not any(part in IGNORED_DIRS for part in p.relative_to(root).parts)
    )


def hash_folder(root: Path) -> dict[str, FileRecord]:
    return {
        name: FileRecord(sha256=sha256_file(root / name), bytes=(root / name).stat().st_size)
        for name in folder_files(root)
    }


def read_manifest(root: Path) -> ExportManifest:
    path = root / MANIFEST_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"{root}: no {MANIFEST_NAME}; expected a folder written by `comco export`"
        )
    return ExportManifest.model_validate_json(path.read_text())
