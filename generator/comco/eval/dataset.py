"""Reading a rendered dataset folder (docs/CONTRACTS.md) for evaluation.

Only finished images count: the annotation JSON is written after its PNG, so an image is
taken when its JSON exists. Objects are identified by their annotation index and category id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from comco.annotations import ImageAnnotation
from comco.catalog import load_vocabulary
from comco.errors import describe_validation_error


@dataclass(frozen=True)
class Record:
    """One rendered image and its annotation."""

    annotation: ImageAnnotation
    image_path: Path

    @property
    def n_objects(self) -> int:
        return len(self.annotation.objects)


@dataclass(frozen=True)
class EvalDataset:
    """The multi-object images of a dataset and its single-object reference gallery."""

    root: Path
    records: list[Record]
    gallery: dict[str, Path]

    def gallery_for(self, categories: list[str]) -> list[Path]:
        """Reference images for these category ids, in order; fails naming the missing ones."""
        missing = [c for c in categories if c not in self.gallery]
        if missing:
            raise FileNotFoundError(
                f"gallery: no reference image for categories {missing} under "
                f"{self.root / 'gallery'}; expected gallery/<category>.png for every category "
                "the images use"
            )
        return [self.gallery[c] for c in categories]


def read_annotation(path: Path) -> ImageAnnotation:
    """Parse one annotation file; a malformed one fails naming the file and the field."""
    try:
        return ImageAnnotation.model_validate_json(path.read_text())
    except ValidationError as error:
        raise ValueError(f"{path}: {describe_validation_error(error)}") from error


def load_dataset(root: Path, limit: int | None = None, min_objects: int = 2) -> EvalDataset:
    """The images with at least `min_objects` objects (first `limit` by id) and the gallery."""
    root = Path(root)
    images_dir = root / "images"
    if not images_dir.is_dir():
        raise FileNotFoundError(
            f"dataset: {root} has no images/ folder; expected a rendered dataset "
            "(images/<shard>/<id>.png + <id>.json, see docs/CONTRACTS.md)"
        )
    records = []
    for json_path in sorted(images_dir.glob("*/*.json")):
        annotation = read_annotation(json_path)
        if len(annotation.objects) < min_objects:
            continue
        records.append(Record(annotation, json_path.parent / annotation.image))
        if limit is not None and len(records) >= limit:
            break
    if not records:
        raise FileNotFoundError(
            f"dataset: no annotated image with >= {min_objects} objects under {images_dir}"
        )
    vocabulary = load_vocabulary()
    gallery = {}
    for png in sorted((root / "gallery").glob("*.png")):
        vocabulary.category(png.stem)  # an unknown name fails with the closest known ids
        gallery[png.stem] = png
    return EvalDataset(root, records, gallery)
