"""What the site shows of a dataset: a compact column index of every image (kept or
rejected) that the page filters in memory, and detail records (masks, captions, negatives,
spec) in chunks the page loads only when an image is opened.

Everything is written as JavaScript files that call `COMCO.index(...)` / `COMCO.detail(...)`,
because browsers refuse `fetch` of local files: the site opens straight from disk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from comco.annotate.annotation import ImageAnnotation
from comco.dataset.folder import DatasetFolder

CHUNK = 500  # detail records per file: one file is ~1-2 MB at 4 objects
MAX_ORDERS_SHOWN = 24  # a 5-object scene has 120 orders; the page lists the first ones
ROLE_LETTERS = {"large": "L", "small": "S", "same": "="}


@dataclass(frozen=True)
class Entry:
    """One image of the grid: kept (with its PNG) or rejected (with the reason)."""

    id: str
    png: Path | None
    spec: dict[str, Any]
    annotation: ImageAnnotation | None = None
    stage: str | None = None
    reason: str | None = None


def iter_entries(folder: DatasetFolder) -> Iterator[Entry]:
    """Kept images in (shard, id) order, then rejections (the last record of each spec that
    was not rendered after all, in journal order)."""
    kept: set[str] = set()
    for item in folder.iter_images():
        kept.add(item.annotation.id)
        spec = item.annotation.spec.model_dump(mode="json")
        yield Entry(item.annotation.id, item.png, spec, annotation=item.annotation)
    if not folder.rejected.is_file():
        return
    last: dict[str, dict[str, Any]] = {}
    for line in folder.rejected.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            if record.get("spec") and record.get("id") not in kept:
                last[record["id"]] = record
    for spec_id, record in last.items():
        yield Entry(spec_id, None, record["spec"], stage=record["stage"], reason=record["reason"])


class _Names:
    """Strings stored once; columns hold their indices."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        if value not in self._index:
            self._index[value] = len(self.values)
            self.values.append(value)
        return self._index[value]


@dataclass
class Index:
    """Columns of the grid, one entry per image, in site order."""

    categories: _Names = field(default_factory=_Names)
    colours: _Names = field(default_factory=_Names)
    splits: _Names = field(default_factory=_Names)
    reasons: _Names = field(default_factory=_Names)
    columns: dict[str, list[Any]] = field(
        default_factory=lambda: {
            k: []
            for k in ("id", "image", "category_ids", "roles", "colour_ids", "split_id", "rejected")
        }
    )

    def add(self, entry: Entry, image: str | None) -> None:
        objects = entry.spec["objects"]
        c = self.columns
        c["id"].append(entry.id)
        c["image"].append(image)
        c["category_ids"].append([self.categories(o["category"]) for o in objects])
        c["roles"].append("".join(ROLE_LETTERS[o["size_role"]] for o in objects))
        colours = [o["color_name"] for o in objects if o.get("color_name")]
        c["colour_ids"].append([self.colours(name) for name in colours])
        c["split_id"].append(self.splits(entry.spec["split"]) if entry.spec.get("split") else -1)
        c["rejected"].append(-1 if entry.reason is None else self.reasons(entry.reason))

    def payload(self, title: str) -> dict[str, Any]:
        return {
            "title": title,
            "chunk": CHUNK,
            "categories": self.categories.values,
            "colours": self.colours.values,
            "splits": self.splits.values,
            "reasons": self.reasons.values,
            **self.columns,
        }


def detail(entry: Entry, retrievals: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What the page shows of one opened image (and what models retrieved for it)."""
    record: dict[str, Any] = {"id": entry.id, "spec": entry.spec}
    if retrievals:
        record["retrievals"] = retrievals
    if entry.reason is not None:
        record["rejected"] = {"stage": entry.stage, "reason": entry.reason}
    a = entry.annotation
    if a is None:
        return record
    record["size"] = [a.width, a.height]
    record["objects"] = [
        {
            "index": o.index,
            "category": o.category,
            "role": o.size_role.value,
            "bbox": list(o.bbox_xywh),
            "area": o.visible_area_px,
            "occlusion": round(o.occlusion, 3),
            "size_rank": o.size_rank,
            "colour": o.color_name,
            "material": o.material,
            "counts": o.mask.counts,
        }
        for o in sorted(a.objects, key=lambda o: o.index)
    ]
    captions = a.captions
    record["orders"] = [c.text for c in captions.orders[:MAX_ORDERS_SHOWN]]
    record["n_orders"] = len(captions.orders)
    record["itm"] = [
        {"scenario": p.scenario, "true": p.positive.text, "false": p.negative} for p in captions.itm
    ]
    if captions.binding is not None:
        record["binding"] = captions.binding.caption.text
    if captions.relations is not None:
        record["relations"] = [c.text for c in captions.relations.captions]
    if captions.counting is not None:
        record["count"] = captions.counting.caption
    record["negatives"] = [
        {"family": family, "kind": n.kind, "text": n.text, "positive": n.positive}
        for family, held in (
            ("binding", captions.binding),
            ("relation", captions.relations),
            ("count", captions.counting),
        )
        for n in (held.negatives if held else [])
    ]
    return record


def script(call: str, *arguments: Any) -> str:
    """A JavaScript file that hands `arguments` to `COMCO.<call>`."""
    body = ",".join(json.dumps(a, separators=(",", ":"), ensure_ascii=False) for a in arguments)
    return f"COMCO.{call}({body});\n"
