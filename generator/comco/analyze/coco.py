"""COCO-format captions and instances, read as event streams (ijson) so neither file is held.

Nothing is built that is not needed: of each item of the arrays read, only the fields the
analysis uses are kept, and each is type-checked at its first event, so a field that should
be a number but holds a million nested arrays fails at once. Limits (docs/CONTRACTS.md):
nesting at most `MAX_DEPTH` levels anywhere in a file, captions at most `MAX_CAPTION_CHARS`
characters, category names at most `MAX_NAME_CHARS` characters and `MAX_NAME_WORDS` words,
at most `MAX_CATEGORIES` categories; widths, heights and areas positive and finite.

Instances are read in one pass and reduced to what the analysis needs: per image its area
and, per category present, the largest instance's area (the paper's pipeline kept the largest
box per phrase): 24 bytes per annotation while loading, 16 per (image, category) pair after.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ijson
import numpy as np

AreaSource = Literal["mask", "box"]
Kind = Literal["int", "number", "str", "box"]

MAX_DEPTH = 16  # COCO needs 5 (file, array, item, segmentation, polygon)
MAX_CAPTION_CHARS = 10_000
MAX_NAME_CHARS = 100
MAX_NAME_WORDS = 6
MAX_CATEGORIES = 10_000

_EVENT_TYPES = {
    "start_map": "an object",
    "start_array": "an array",
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}
_EXPECTED = {"int": "int", "number": "a number", "str": "str", "box": "[x, y, width, height]"}


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


Wanted = dict[str, dict[str, Kind]]  # top-level array -> field -> kind


def _stream(path: Path, label: str, wanted: Wanted) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(array, index, fields) for each item of the wanted top-level arrays, holding only the
    wanted fields; every problem is one `CocoFormatError` line."""
    where = f"{label} {path}"
    try:
        with path.open("rb") as handle:
            yield from _items(ijson.basic_parse(handle, use_float=True), where, wanted)
    except ijson.JSONError as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CocoFormatError(f"{where}: not valid JSON ({detail})") from error
    except OSError as error:
        raise CocoFormatError(f"{where}: cannot read ({error.strerror})") from error


def _items(
    events: Iterable[tuple[str, Any]], where: str, wanted: Wanted
) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """The event machine behind `_stream`. Levels: 0 the file's object, 1 its values (the
    arrays), 2 their items, 3 the items' values, 4 the numbers of a bbox."""
    depth, key, array, index = 0, None, None, -1
    item: dict[str, Any] = {}
    field: str | None = None
    box: list[Any] | None = None
    for event, value in events:
        if event in ("end_map", "end_array"):
            depth -= 1
        level = depth
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > MAX_DEPTH:
                at = f"{array}[{index}]" if array else str(key)
                raise CocoFormatError(
                    f"{where}: {at} nests deeper than {MAX_DEPTH} levels; expected COCO format"
                )
        if level == 1:
            if event == "map_key":
                key = value
            elif event == "start_array" and key in wanted:
                array, index = key, -1
            elif event == "end_array":
                array = None
            continue
        if array is None or level < 2:
            continue
        if level == 2:
            if event == "end_map":
                yield array, index, item
                continue
            index += 1
            if event != "start_map":
                raise CocoFormatError(
                    f"{where}: {array}[{index}] is {_EVENT_TYPES[event]}; expected an object"
                )
            item, field = {}, None
        elif level == 3:
            if event == "map_key":
                field = value if value in wanted[array] else None
            elif field is not None:
                at = f"{where}: {array}[{index}]"
                field = _take(item, field, wanted[array][field], event, value, at)
                box = item[field] if field is not None else None
        elif level == 4 and box is not None:
            if event in ("start_map", "start_array") or len(box) == 4:
                raise CocoFormatError(
                    f"{where}: {array}[{index}].{field}: more than 4 values or a nested one; "
                    "expected [x, y, width, height]"
                )
            box.append(value)


def _take(
    item: dict[str, Any], field: str, kind: Kind, event: str, value: Any, at: str
) -> str | None:
    """Store a wanted field's value; returns the field while its array is still being read."""
    if kind == "box" and event == "start_array":
        item[field] = []
        return field
    if event == "end_array":  # the box just read
        return None
    if event in ("start_map", "start_array"):
        raise CocoFormatError(f"{at}.{field}: {_EVENT_TYPES[event]}; expected {_EXPECTED[kind]}")
    item[field] = value
    return None


def _get(item: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = item.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        shown = "missing" if key not in item else f"{value!r}"
        raise CocoFormatError(f"{where}.{key}: {shown}; expected {names}")
    return value


def _positive(item: dict[str, Any], key: str, where: str, hint: str = "") -> float:
    value = _get(item, key, (int, float), where)
    if not (math.isfinite(value) and value > 0):
        raise CocoFormatError(f"{where}.{key}: {value!r}; expected a positive number{hint}")
    return float(value)


def _text(item: dict[str, Any], key: str, where: str, limit: int) -> str:
    value = _get(item, key, str, where)
    if len(value) > limit:
        raise CocoFormatError(f"{where}.{key}: {len(value)} characters; expected at most {limit}")
    return value


def iter_captions(path: Path) -> Iterator[tuple[int, str]]:
    """(image_id, caption) for every entry of the captions file's 'annotations' array."""
    label = "captions file"
    seen = False
    wanted: Wanted = {"annotations": {"image_id": "int", "caption": "str"}}
    for _, index, item in _stream(path, label, wanted):
        where = f"{label} {path}: annotations[{index}]"
        yield _get(item, "image_id", int, where), _text(item, "caption", where, MAX_CAPTION_CHARS)
        seen = True
    if not seen:
        raise CocoFormatError(
            f"{label} {path}: no captions under 'annotations'; expected COCO captions format "
            '{"annotations": [{"image_id": ..., "caption": ...}, ...]}'
        )


INSTANCE_FIELDS: Wanted = {
    "images": {"id": "int", "width": "number", "height": "number"},
    "categories": {"id": "int", "name": "str"},
    "annotations": {"image_id": "int", "category_id": "int", "area": "number", "bbox": "box"},
}


def load_instances(path: Path, area_source: AreaSource = "mask") -> Instances:
    """Images, categories and per-image category areas from an instances file, in one
    streamed pass (COCO puts 'categories' last, so ids are resolved at the end)."""
    label = "instances file"
    rows: dict[int, int] = {}
    image_area: list[float] = []
    names: list[str] = []
    index_of: dict[int, int] = {}
    image_ids, category_ids, areas = array("q"), array("q"), array("d")
    for name, index, item in _stream(path, label, INSTANCE_FIELDS):
        where = f"{label} {path}: {name}[{index}]"
        if name == "images":
            image_id = _get(item, "id", int, where)
            if image_id in rows:
                raise CocoFormatError(f"{where}.id: {image_id} repeats; expected unique image ids")
            rows[image_id] = len(image_area)
            image_area.append(_positive(item, "width", where) * _positive(item, "height", where))
        elif name == "categories":
            if len(names) == MAX_CATEGORIES:
                raise CocoFormatError(f"{where}: more than {MAX_CATEGORIES} categories")
            index_of[_get(item, "id", int, where)] = len(names)
            names.append(_category_name(item, where))
        else:
            image_ids.append(_get(item, "image_id", int, where))
            category_ids.append(_get(item, "category_id", int, where))
            areas.append(_area(item, area_source, where))
    if not rows:
        raise CocoFormatError(f"{label} {path}: no entries under 'images'; expected COCO format")
    if not names:
        raise CocoFormatError(
            f"{label} {path}: no entries under 'categories'; expected COCO format"
        )
    where = f"{label} {path}: annotations"
    image_rows = _resolve(image_ids, rows, f"{where}[{{}}].image_id", "images")
    category_rows = _resolve(category_ids, index_of, f"{where}[{{}}].category_id", "categories")
    return _pack(rows, image_area, names, image_rows, category_rows, areas)


def _category_name(item: dict[str, Any], where: str) -> str:
    name = _text(item, "name", where, MAX_NAME_CHARS)
    if len(name.split()) > MAX_NAME_WORDS:
        raise CocoFormatError(
            f"{where}.name: {name!r} has {len(name.split())} words; expected at most "
            f"{MAX_NAME_WORDS}"
        )
    return name


def _resolve(ids: array, index_of: dict[int, int], where: str, section: str) -> np.ndarray:
    """Row numbers for the ids; the first id missing from `section` fails naming its index."""
    rows = np.fromiter((index_of.get(i, -1) for i in ids), dtype=np.int32, count=len(ids))
    missing = np.flatnonzero(rows < 0)
    if len(missing):
        first = int(missing[0])
        raise CocoFormatError(f"{where.format(first)}: {ids[first]} is not in '{section}'")
    return rows


def _area(item: dict[str, Any], source: AreaSource, where: str) -> float:
    if source == "mask":
        if "area" not in item:
            raise CocoFormatError(f"{where}.area: missing; expected a number (or use --area box)")
        return _positive(item, "area", where, " (or use --area box)")
    box = _get(item, "bbox", list, where)
    if len(box) != 4 or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in box
    ):
        raise CocoFormatError(f"{where}.bbox: {box!r}; expected [x, y, width, height]")
    width, height = box[2], box[3]
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        raise CocoFormatError(
            f"{where}.bbox: {box!r}; expected a positive, finite width and height"
        )
    return float(width) * float(height)


def _pack(
    rows: dict[int, int],
    image_area: list[float],
    names: list[str],
    image: np.ndarray,
    category: np.ndarray,
    areas: array,
) -> Instances:
    """Group the annotations by (image, category), keeping the largest area of each group."""
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
