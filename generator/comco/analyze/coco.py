"""COCO-format captions and instances, read as streams (ijson) so neither file is held whole.

Captions are yielded one at a time. Instances are reduced while streaming to what the
analysis needs: per image its area and, per category present, the largest instance's area
(the paper's pipeline kept the largest box per phrase): 16 bytes per annotation while
loading, 16 per (image, category) pair after.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ijson
import numpy as np

AreaSource = Literal["mask", "box"]


class CocoFormatError(ValueError):
    """A captions or instances file that is not what COCO format promises."""


@dataclass(frozen=True)
class Instances:
    """Per image (a row), the categories present with their largest instance area."""

    rows: dict[int, int]
    image_area: np.ndarray
    categories: list[str]
    ptr: np.ndarray
    category: np.ndarray
    area: np.ndarray

    def objects(self, row: int) -> dict[str, float]:
        """Category name -> largest instance area in that image."""
        a, b = self.ptr[row], self.ptr[row + 1]
        names = self.categories
        return {
            names[c]: area
            for c, area in zip(self.category[a:b].tolist(), self.area[a:b].tolist(), strict=True)
        }


def _stream(path: Path, prefix: str, label: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, item) for each item of the array at `prefix`; parse errors become one line."""
    try:
        with path.open("rb") as handle:
            for index, item in enumerate(ijson.items(handle, f"{prefix}.item", use_float=True)):
                if not isinstance(item, dict):
                    raise CocoFormatError(
                        f"{label} {path}: {prefix}[{index}] is {type(item).__name__}; "
                        "expected an object"
                    )
                yield index, item
    except ijson.JSONError as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CocoFormatError(f"{label} {path}: not valid JSON ({detail})") from error
    except OSError as error:
        raise CocoFormatError(f"{label} {path}: cannot read ({error.strerror})") from error


def _get(item: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = item.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        shown = "missing" if key not in item else f"{value!r}"
        raise CocoFormatError(f"{where}.{key}: {shown}; expected {names}")
    return value


def iter_captions(path: Path) -> Iterator[tuple[int, str]]:
    """(image_id, caption) for every entry of the captions file's 'annotations' array."""
    label = "captions file"
    seen = False
    for index, item in _stream(path, "annotations", label):
        where = f"{label} {path}: annotations[{index}]"
        yield _get(item, "image_id", int, where), _get(item, "caption", str, where)
        seen = True
    if not seen:
        raise CocoFormatError(
            f"{label} {path}: no captions under 'annotations'; expected COCO captions format "
            '{"annotations": [{"image_id": ..., "caption": ...}, ...]}'
        )


def load_instances(path: Path, area_source: AreaSource = "mask") -> Instances:
    """Images, categories and per-image category areas from an instances file (three passes,
    each streamed: COCO puts 'categories' last)."""
    label = "instances file"
    rows: dict[int, int] = {}
    image_area: list[float] = []
    for index, item in _stream(path, "images", label):
        where = f"{label} {path}: images[{index}]"
        image_id = _get(item, "id", int, where)
        width = _get(item, "width", (int, float), where)
        height = _get(item, "height", (int, float), where)
        if image_id in rows:
            raise CocoFormatError(f"{where}.id: {image_id} repeats; expected unique image ids")
        rows[image_id] = len(image_area)
        image_area.append(float(width) * float(height))
    if not rows:
        raise CocoFormatError(f"{label} {path}: no entries under 'images'; expected COCO format")

    names: list[str] = []
    index_of: dict[int, int] = {}
    for index, item in _stream(path, "categories", label):
        where = f"{label} {path}: categories[{index}]"
        index_of[_get(item, "id", int, where)] = len(names)
        names.append(_get(item, "name", str, where))
    if not names:
        raise CocoFormatError(
            f"{label} {path}: no entries under 'categories'; expected COCO format"
        )

    image_rows, category_rows, areas = array("i"), array("i"), array("d")
    for index, item in _stream(path, "annotations", label):
        where = f"{label} {path}: annotations[{index}]"
        image_id = _get(item, "image_id", int, where)
        category_id = _get(item, "category_id", int, where)
        if image_id not in rows:
            raise CocoFormatError(f"{where}.image_id: {image_id} is not in 'images'")
        if category_id not in index_of:
            raise CocoFormatError(f"{where}.category_id: {category_id} is not in 'categories'")
        image_rows.append(rows[image_id])
        category_rows.append(index_of[category_id])
        areas.append(_area(item, area_source, where))
    return _pack(rows, image_area, names, image_rows, category_rows, areas)


def _area(item: dict[str, Any], source: AreaSource, where: str) -> float:
    if source == "mask":
        if "area" not in item:
            raise CocoFormatError(f"{where}.area: missing; expected a number (or use --area box)")
        return float(_get(item, "area", (int, float), where))
    box = _get(item, "bbox", list, where)
    if len(box) != 4 or not all(isinstance(v, int | float) for v in box):
        raise CocoFormatError(f"{where}.bbox: {box!r}; expected [x, y, width, height]")
    return float(box[2]) * float(box[3])


def _pack(
    rows: dict[int, int],
    image_area: list[float],
    names: list[str],
    image_rows: array,
    category_rows: array,
    areas: array,
) -> Instances:
    """Group the annotations by (image, category), keeping the largest area of each group."""
    image = np.frombuffer(image_rows, dtype=np.int32)
    category = np.frombuffer(category_rows, dtype=np.int32)
    area = np.frombuffer(areas, dtype=np.float64)
    order = np.lexsort((category, image))
    image, category, area = image[order], category[order], area[order]
    starts = (
        np.flatnonzero(np.r_[True, (image[1:] != image[:-1]) | (category[1:] != category[:-1])])
        if len(image)
        else np.zeros(0, dtype=np.int64)
    )
    return Instances(
        rows=rows,
        image_area=np.asarray(image_area, dtype=np.float64),
        categories=names,
        ptr=np.searchsorted(image[starts], np.arange(len(image_area) + 1)),
        category=category[starts],
        area=np.maximum.reduceat(area, starts) if len(starts) else area,
    )
