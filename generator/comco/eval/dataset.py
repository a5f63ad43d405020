"""The images an evaluation runs on, from any copy of a dataset (`comco.dataset.copies`).

Objects are identified by their annotation index and category id, never by names in text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from comco.core.catalog import load_vocabulary
from comco.dataset.copies import Record, open_copy


@dataclass(frozen=True)
class EvalDataset:
    """The multi-object images of a dataset and its single-object reference gallery."""

    source: str
    records: list[Record]
    gallery: dict[str, Path]

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
        presets: dict[str, list[Record]] = {}
        for record in self.records:
            presets.setdefault(record.annotation.spec.vocab, []).append(record)
        if len(presets) < 2:
            return {None: self}
        return {preset: replace(self, records=records) for preset, records in presets.items()}


def load_dataset(
    reference: str | Path,
    limit: int | None = None,
    min_objects: int = 2,
    cache_dir: Path | None = None,
) -> EvalDataset:
    """The images with at least `min_objects` objects (first `limit` by id) and the gallery."""
    copy = open_copy(reference, cache_dir)
    records = [r for r in copy.records if len(r.annotation.objects) >= min_objects][:limit]
    if not records:
        raise FileNotFoundError(
            f"dataset: no annotated image with >= {min_objects} objects in {copy.source}"
        )
    vocabulary = load_vocabulary()
    for category, _ in copy.gallery:
        vocabulary.category(category)  # an unknown name fails with the closest known ids
    return EvalDataset(copy.source, records, dict(copy.gallery))
