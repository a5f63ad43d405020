"""Read a rendered dataset folder (docs/CONTRACTS.md) one image at a time.

`dataset.json` is still evolving, so it is read defensively: a few keys are looked up under
the names they may have, and the whole object is kept for the dataset card.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from comco.annotations import ImageAnnotation
from comco.errors import describe_validation_error

RUN_FILE = "dataset.json"
SUMMARY_FILE = "summary.json"

# dataset.json keys that may hold a value, first match wins
LIBRARY_SHA_KEYS = ("library_sha256", "asset_library_sha256")
LIBRARY_PATH_KEYS = ("library_path", "library", "asset_library")


class SourceError(ValueError):
    """The rendered dataset folder is not what docs/CONTRACTS.md describes."""


@dataclass(frozen=True)
class RenderedImage:
    """One finished image: its PNG and its parsed annotation."""

    png: Path
    annotation: ImageAnnotation
    annotation_text: str


@dataclass(frozen=True)
class GalleryImage:
    """One single-object reference image; its JSON is kept as written."""

    category: str
    png: Path
    annotation_text: str


def read_run_info(root: Path) -> dict[str, Any]:
    """The parsed `dataset.json`, which must be a JSON object."""
    path = root / RUN_FILE
    if not path.is_file():
        raise SourceError(f"dataset: no {RUN_FILE} in {root}; expected a rendered dataset folder")
    try:
        info = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise SourceError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(info, dict):
        raise SourceError(f"{path}: expected a JSON object, got {type(info).__name__}")
    return info


def _first_key(info: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((info[key] for key in keys if key in info), None)


def library_reference(info: dict[str, Any]) -> tuple[str | None, str | None]:
    """(library path, library sha256) as recorded in dataset.json, flat or as a nested object."""
    path, sha = _first_key(info, LIBRARY_PATH_KEYS), _first_key(info, LIBRARY_SHA_KEYS)
    if isinstance(path, dict):
        sha = sha or _first_key(path, ("sha256", *LIBRARY_SHA_KEYS))
        path = path.get("path")
    return (str(path) if path else None, str(sha) if sha else None)


def is_finished(root: Path) -> bool:
    """A run writes summary.json when it finishes."""
    return (root / SUMMARY_FILE).is_file()


def unfinished_images(root: Path) -> list[Path]:
    """PNGs without their JSON: images the runner had not finished (not exported)."""
    return [
        p for p in sorted((root / "images").glob("*/*.png")) if not p.with_suffix(".json").is_file()
    ]


def iter_images(root: Path) -> Iterator[RenderedImage]:
    """Every finished image, in (shard, id) order; a JSON without its PNG is an error."""
    for json_path in sorted((root / "images").glob("*/*.json")):
        text = json_path.read_text()
        try:
            annotation = ImageAnnotation.model_validate_json(text)
        except ValidationError as error:
            problem = describe_validation_error(error)
            raise SourceError(f"{json_path}: not a valid ImageAnnotation: {problem}") from error
        png = json_path.parent / annotation.image
        if not png.is_file():
            raise SourceError(f"{json_path}: image {annotation.image!r} does not exist")
        if annotation.id != json_path.stem:
            raise SourceError(
                f"{json_path}: id {annotation.id!r} does not match the file name {json_path.stem!r}"
            )
        yield RenderedImage(png=png, annotation=annotation, annotation_text=text)


def iter_gallery(root: Path) -> Iterator[GalleryImage]:
    """Every gallery image with its JSON, in category order; either file alone is an error."""
    folder = root / "gallery"
    stems = sorted({p.stem for p in folder.glob("*.png")} | {p.stem for p in folder.glob("*.json")})
    for stem in stems:
        png, meta = folder / f"{stem}.png", folder / f"{stem}.json"
        if not (png.is_file() and meta.is_file()):
            missing = meta if png.is_file() else png
            raise SourceError(
                f"gallery: {missing} is missing; expected a .png and a .json per category"
            )
        text = meta.read_text()
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise SourceError(f"{meta}: not valid JSON ({error})") from error
        yield GalleryImage(category=stem, png=png, annotation_text=text)
