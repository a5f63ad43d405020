"""The images an evaluation runs on, as records from any source: a copy of a rendered dataset
(`comco.dataset.copies`: every field) or the original ComCO/SimCO release
(`comco.dataset.original`: image and object names only).

Every record has its image, its preset and its objects' category ids in name order; a record
from an annotated source also has its annotation (spec, captions, masks, measured sizes).
A dataset says which fields its records carry (`fields`), tasks say which they need, and a task
whose fields are missing is skipped with the reason. Objects are identified by category id,
never by names found in text.

A record is small, so a million fit: its few fields as plain strings (preset, category and
table-row names shared between records) and a slot in an `AnnotationStore`, which holds the
annotation out of memory and parses it again when a task reads `record.annotation`.
Annotations are read one at a time from the copy and dropped once their record is made.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

from comco.annotate.annotation import ImageAnnotation
from comco.core.catalog import load_vocabulary
from comco.core.spec import SizeRole
from comco.dataset.copies import Record, stream_copy
from comco.dataset.original import OriginalRelease
from comco.eval.stored_annotations import AnnotationStore

# what a record can carry beyond image and names; tasks list the ones they need
ANNOTATION = "annotation"  # spec, captions, masks, size roles and measured size ranks
GALLERY = "gallery"  # a single-object reference image per category
FIELDS = frozenset({ANNOTATION, GALLERY})

RELEASE_LACKS = (
    "the original release layout has only images and object names: no captions of its own, "
    "masks, size roles or measured sizes"
)


@dataclass(frozen=True, slots=True)
class EvalRecord:
    """One multi-object image: its id, file, preset, objects (category ids in spec or file-name
    order), the table row it belongs to, and where the source has one, its annotation's slot
    in `store` (with its caption style and number of caption orders, which are asked of every
    record before any task runs)."""

    id: str
    image: str
    vocab: str
    categories: tuple[str, ...]
    config: str
    store: AnnotationStore | None = None
    slot: int = -1
    caption_style: str | None = None
    n_orders: int = 0

    @property
    def image_path(self) -> Path:
        return Path(self.image)

    @property
    def annotation(self) -> ImageAnnotation | None:
        """The annotation, parsed again from the store (the last one read is kept)."""
        return None if self.store is None else self.store.read(self.slot)

    @property
    def n_objects(self) -> int:
        return len(self.categories)


@dataclass(frozen=True)
class EvalDataset:
    """The multi-object records of a dataset, its single-object reference gallery, and the
    fields its records carry (with why the others are missing)."""

    source: str
    records: list[EvalRecord]
    gallery: dict[str, Path]
    fields: frozenset[str] = FIELDS
    lacks: str = ""

    def missing(self, needs: frozenset[str]) -> str | None:
        """Why this dataset cannot serve a task needing these fields, or None when it can."""
        absent = sorted((needs & FIELDS) - self.fields)
        if not absent:
            return None
        return f"needs {absent}; {self.lacks or 'the dataset does not carry them'}"

    def gallery_for(self, categories: list[str]) -> list[Path]:
        """Reference images for these category ids, in order; fails naming the missing ones."""
        missing = [c for c in categories if c not in self.gallery]
        if missing:
            raise FileNotFoundError(
                f"gallery: no reference image for categories {missing} in {self.source}; "
                "expected a gallery image for every category the images use"
            )
        return [self.gallery[c] for c in categories]

    def by_vocabulary(self) -> dict[str | None, EvalDataset]:
        """The images of each vocabulary preset, in order of first appearance; {None: self}
        when there is only one, so a mixed SimCO + ComCO set never pools the two in a row."""
        presets: dict[str, list[EvalRecord]] = {}
        for record in self.records:
            presets.setdefault(record.vocab, []).append(record)
        if len(presets) < 2:
            return {None: self}
        return {preset: replace(self, records=records) for preset, records in presets.items()}


def configuration(annotation: ImageAnnotation) -> str:
    """'4 objects: 1 large + 3 small' or '3 objects: equal size' — the paper's table rows."""
    roles = [o.size_role for o in annotation.objects]
    k = len(roles)
    if SizeRole.same in roles:
        return f"{k} objects: equal size"
    return f"{k} objects: {roles.count(SizeRole.large)} large + {roles.count(SizeRole.small)} small"


def shared(text: str) -> str:
    """One string object per distinct value (presets, categories, table rows recur in every
    record)."""
    return sys.intern(text)


def annotated_record(record: Record, annotation_text: str, store: AnnotationStore) -> EvalRecord:
    """The small record of one parsed annotation, whose JSON goes to the store."""
    annotation = record.annotation
    return EvalRecord(
        id=annotation.id,
        image=str(record.image_path),
        vocab=shared(annotation.spec.vocab),
        categories=tuple(shared(o.category) for o in annotation.objects),
        config=shared(configuration(annotation)),
        store=store,
        slot=store.add(annotation_text),
        caption_style=shared(annotation.captions.style),
        n_orders=len(annotation.captions.orders),
    )


def load_dataset(
    reference: str | Path,
    limit: int | None = None,
    min_objects: int = 2,
    cache_dir: Path | None = None,
) -> EvalDataset:
    """The images with at least `min_objects` objects (first `limit` by id) and the gallery."""
    copy = stream_copy(reference, cache_dir)
    store = AnnotationStore()
    records = [
        annotated_record(record, text, store)
        for record, text in copy.records
        if len(record.annotation.objects) >= min_objects
    ]
    records = sorted(records, key=lambda r: r.id)[:limit]
    if not records:
        raise FileNotFoundError(
            f"dataset: no annotated image with >= {min_objects} objects in {copy.source}"
        )
    vocabulary = load_vocabulary()
    for category, _ in copy.gallery:
        vocabulary.category(category)  # an unknown name fails with the closest known ids
    return EvalDataset(copy.source, records, dict(copy.gallery))


def release_dataset(release: OriginalRelease, limit: int | None = None) -> EvalDataset:
    """The original release as records without annotations; its one-object folder is the
    gallery."""
    records = [
        EvalRecord(
            f"{image.config}/{image.path.stem}",
            str(image.path),
            shared(image.vocab),
            tuple(shared(c) for c in image.categories),
            shared(image.config),
        )
        for image in release.images[:limit]
    ]
    fields = frozenset({GALLERY}) if release.gallery else frozenset()
    lacks = RELEASE_LACKS + ("" if release.gallery else "; and no one-object folder (gallery)")
    return EvalDataset(str(release.root), records, dict(release.gallery), fields, lacks)
