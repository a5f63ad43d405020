"""The COCO layout: `coco/instances.json`, `coco/captions.json`, `coco/captions_binding.json`
and `coco/images/<id>.png`: the layout pycocotools, FiftyOne (`COCODetectionDataset`) and
detectron-style loaders take, and the one `comco analyze` reads a corpus in.

- `instances.json`: `images` (`id` a 1-based int, `file_name`, `width`, `height`, plus the
  spec id as `comco_id` and its `split`), `annotations` (one per object: RLE `segmentation`
  of its visible pixels, `bbox` [x, y, w, h], `area` = visible pixels, `iscrowd` 0, plus its
  spec index, size role, colour, material, pattern and finish) and `categories`: every
  category of the vocabulary presets used, with its COCO id where it has one and an id above
  COCO's 90 otherwise (`comco_id` keeps the vocabulary id).
- `captions.json`: every caption order of every image (COCO captions format; `order` holds
  the spec indices it names).
- `captions_binding.json`: the one caption per image that the caption knobs chose (attribute
  scenes only), so `comco analyze` on it gives back the knobs.

Entries are streamed to part files while images arrive, then joined: memory does not grow
with the number of images.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import IO, Any

from comco import __version__
from comco.core.catalog import Category, load_vocabulary
from comco.dataset.folder import GalleryImage, RenderedImage

FOLDER = "coco"
FIRST_EXTRA_ID = 91  # COCO's ids run to 90


def category_ids() -> dict[str, int]:
    """Vocabulary id -> COCO category id: COCO's own where it exists, else 91, 92, ... in
    vocabulary order, so every export of one vocabulary uses the same ids."""
    ids: dict[str, int] = {}
    extra = FIRST_EXTRA_ID
    for category in load_vocabulary().categories:
        if category.coco_id is not None:
            ids[category.id] = category.coco_id
        else:
            ids[category.id] = extra
            extra += 1
    return ids


def _category_entry(category: Category, coco_id: int) -> dict[str, Any]:
    return {
        "id": coco_id,
        "name": category.name,
        "supercategory": category.kind,
        "comco_id": category.id,
    }


def _dump(entry: dict[str, Any]) -> str:
    return json.dumps(entry, separators=(",", ":"), ensure_ascii=False)


class _Array:
    """One JSON array of a COCO file, written entry by entry to a part file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[str] = path.open("w", encoding="utf-8")

    def add(self, entry: dict[str, Any]) -> None:
        self._handle.write(("," if self.count else "") + _dump(entry))
        self.count += 1

    def copy_to(self, out: IO[str]) -> None:
        """Append the entries so far to `out` (the images part goes into every file)."""
        self._handle.flush()
        with self.path.open(encoding="utf-8") as part:
            shutil.copyfileobj(part, out)

    def remove(self) -> None:
        self._handle.close()
        self.path.unlink()


class CocoWriter:
    """Streams images into the COCO layout under `<export>/coco/`."""

    def __init__(self, root: Path) -> None:
        self.folder = root / FOLDER
        (self.folder / "images").mkdir(parents=True)
        self._ids = category_ids()
        self._vocabs: set[str] = set()
        self._arrays = {
            name: _Array(self.folder / f".{name}.part")
            for name in ("images", "objects", "orders", "binding")
        }

    def add_image(self, item: RenderedImage) -> None:
        a = item.annotation
        image_id = self._arrays["images"].count + 1
        file_name = f"{a.id}.png"
        shutil.copyfile(item.png, self.folder / "images" / file_name)
        self._vocabs.add(a.spec.vocab)
        self._arrays["images"].add(
            {
                "id": image_id,
                "file_name": file_name,
                "width": a.width,
                "height": a.height,
                "comco_id": a.id,
                "split": a.spec.split,
            }
        )
        for obj in sorted(a.objects, key=lambda o: o.index):
            self._arrays["objects"].add(
                {
                    "id": self._arrays["objects"].count + 1,
                    "image_id": image_id,
                    "category_id": self._ids[obj.category],
                    "segmentation": {"size": list(obj.mask.size), "counts": obj.mask.counts},
                    "area": obj.visible_area_px,
                    "bbox": list(obj.bbox_xywh),
                    "iscrowd": 0,
                    "comco_index": obj.index,
                    "size_role": obj.size_role.value,
                    "color": obj.color_name,
                    "material": obj.material,
                    "pattern": a.spec.objects[obj.index].pattern,
                    "finish": a.spec.objects[obj.index].finish,
                }
            )
        for caption in a.captions.orders:
            self._arrays["orders"].add(
                {
                    "id": self._arrays["orders"].count + 1,
                    "image_id": image_id,
                    "caption": caption.text,
                    "order": caption.order,
                }
            )
        binding = a.captions.binding
        if binding is not None:
            self._arrays["binding"].add(
                {
                    "id": self._arrays["binding"].count + 1,
                    "image_id": image_id,
                    "caption": binding.caption.text,
                    "order": binding.caption.order,
                    "attributed": binding.caption.attributed,
                }
            )

    def add_gallery(self, item: GalleryImage) -> None:
        """The gallery has no scene to annotate; CLIP_benchmark's layout carries it."""

    def close(self) -> list[Path]:
        vocabulary = load_vocabulary()
        used = {c.id for v in sorted(self._vocabs) for c in vocabulary.preset(v)}
        categories = sorted(
            (_category_entry(vocabulary.category(c), self._ids[c]) for c in used),
            key=lambda entry: entry["id"],
        )
        info = {"description": "ComCO builder export", "version": __version__}
        files = [
            self._join("instances.json", info, [("images", "images"), ("annotations", "objects")],
                       categories),
            self._join("captions.json", info, [("images", "images"), ("annotations", "orders")]),
        ]  # fmt: skip
        if self._arrays["binding"].count:
            files.append(
                self._join(
                    "captions_binding.json",
                    info,
                    [("images", "images"), ("annotations", "binding")],
                )
            )
        for array in self._arrays.values():
            array.remove()
        return [*files, *sorted((self.folder / "images").iterdir())]

    def _join(
        self,
        name: str,
        info: dict[str, str],
        arrays: list[tuple[str, str]],
        categories: list[dict[str, Any]] | None = None,
    ) -> Path:
        """Write one COCO file from part files; the images part is read by every file."""
        path = self.folder / name
        with path.open("w", encoding="utf-8") as out:
            out.write('{"info":' + _dump(info) + ',"licenses":[]')
            for key, part in arrays:
                out.write(f',"{key}":[')
                self._arrays[part].copy_to(out)
                out.write("]")
            if categories is not None:
                out.write(',"categories":[' + ",".join(map(_dump, categories)) + "]")
            out.write("}\n")
        return path
