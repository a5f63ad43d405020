"""The checksum manifest of an exported folder: every file's sha256 and size, and each
configuration's format, row count and files. `comco verify` checks a folder against it, and
every reader of an export (eval, publish) trusts a file only once it matches.

A manifest may only name files inside its export: relative POSIX paths, no `..`, nothing under
the upload state folders, not the manifest itself. Anything else fails validation, so no
reader is ever pointed at `../../etc/hostname`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from comco.core.errors import describe_validation_error
from comco.io.hashing import sha256_file

MANIFEST_NAME = "manifest.json"
IGNORED_DIRS = (".cache",)  # huggingface_hub keeps its upload state here

Format = Literal["parquet", "webdataset"]


class ManifestError(ValueError):
    """A manifest.json that is not what `comco export` writes."""


def _inside(name: str) -> str:
    parts = name.split("/")
    if (
        name in ("", MANIFEST_NAME)
        or name.startswith("/")
        or "\\" in name
        or any(part in ("", ".", "..") for part in parts)
        or any(part in IGNORED_DIRS for part in parts)
    ):
        raise ValueError(
            f"{name!r} is not a file inside the export; expected a relative path without "
            f"'..', outside {list(IGNORED_DIRS)}, other than {MANIFEST_NAME}"
        )
    return name


InsidePath = Annotated[str, AfterValidator(_inside)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileRecord(_Model):
    sha256: str
    bytes: int = Field(ge=0)


class ShardSet(_Model):
    """One configuration's files in one format."""

    folder: InsidePath = Field(description="relative to the export")
    files: list[InsidePath] = Field(
        description="data files and their metadata, relative to the export"
    )


class ConfigRecord(_Model):
    """One configuration; its name is what `load_dataset(..., name=...)` takes."""

    kind: Literal["images", "gallery"]
    rows: int = Field(ge=0)
    shards: dict[Format, ShardSet]
    family: str | None = Field(None, description="'comco' or 'simco'; None for the gallery")
    n_objects: int | None = None
    size_setting: str | None = None
    splits: dict[str, int] = Field(
        default_factory=dict, description="rows per dataset split (train, validation, test)"
    )


class ExportManifest(_Model):
    manifest_version: Literal[1] = 1
    comco_version: str
    source: dict[str, str] = Field(
        description="what was exported: the folder's name (no local path), run metadata hashes"
    )
    card_format: Format | None = Field(
        description="the format the dataset card's configs point at (None: only tool layouts)"
    )
    configs: dict[str, ConfigRecord]
    files: dict[InsidePath, FileRecord] = Field(
        description="every file but this one, by relative path"
    )

    @model_validator(mode="after")
    def _shards_are_listed(self) -> ExportManifest:
        for name, config in self.configs.items():
            for shards in config.shards.values():
                unlisted = [f for f in shards.files if f not in self.files]
                if unlisted:
                    raise ValueError(
                        f"configs.{name}: shard files {unlisted} have no checksum under 'files'"
                    )
        return self


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
    try:
        return ExportManifest.model_validate_json(path.read_text())
    except ValidationError as error:
        problem = describe_validation_error(error)
        raise ManifestError(f"{path}: not a valid export manifest: {problem}") from None


def listed_file_problems(root: Path, manifest: ExportManifest) -> list[str]:
    """Files the manifest lists that are missing or differ in size or sha256."""
    problems = []
    for name, record in manifest.files.items():
        path = root / name
        if not path.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
        elif path.stat().st_size != record.bytes:
            problems.append(f"{name}: size {path.stat().st_size}, manifest says {record.bytes}")
        elif sha256_file(path) != record.sha256:
            problems.append(f"{name}: sha256 differs from the manifest")
    return problems
