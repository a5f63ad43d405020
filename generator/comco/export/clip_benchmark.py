"""CLIP_benchmark layouts: WebDataset roots its `wds/<name>` loader reads as they are.

- Compositionality sets for `--task image_caption_selection` (how it loads SugarCrepe): one
  sample per (image, true caption, false caption), the `.txt` holding the true caption on
  its first line and the false one on the second. One root per kind, so every sample of a
  batch has the same number of captions (its metric reshapes a batch by the first sample's):
  `comco_binding_<kind>`, `comco_relation_<kind>` and `comco_count_<kind>` (a true caption
  against each of its negatives of that kind, e.g. `comco_relation_flip`,
  `comco_count_plus_1`) and `comco_itm_<scenario>` (the paper's Table 6 pairs).
- A zero-shot classification set of the gallery, `comco_gallery`: `<category>.png` with its
  label in `.cls`, `classnames.txt` and `zeroshot_classification_templates.txt`.

`selection.txt` and `classification.txt` list the roots as `wds/<name>`, so
`clip_benchmark eval --dataset clip_benchmark/selection.txt --dataset_root
'clip_benchmark/{dataset}' --task image_caption_selection` runs every set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from comco.core.catalog import load_vocabulary
from comco.dataset.folder import GalleryImage, RenderedImage
from comco.export.tar_shards import TarShards

FOLDER = "clip_benchmark"
GALLERY = "comco_gallery"
MAX_SHARD_BYTES = 10**9  # CLIP_benchmark's own converter's default
TEMPLATES = ("a photo of a {c}.", "a render of a {c}.", "a 3D model of a {c}.", "{c}")


class _Negative(Protocol):
    kind: str
    text: str
    positive: str


def negatives(item: RenderedImage) -> Iterator[tuple[str, str, _Negative]]:
    """(family, sample key, negative) for every negative caption of the image: binding
    (`<id>_n<j>`), relation (`<id>_r<j>`) and count (`<id>_c<j>`), j its index in its list."""
    captions, image_id = item.annotation.captions, item.annotation.id
    families = (
        ("binding", "n", captions.binding),
        ("relation", "r", captions.relations),
        ("count", "c", captions.counting),
    )
    for family, mark, held in families:
        for j, negative in enumerate(held.negatives if held else []):
            yield family, f"{image_id}_{mark}{j}", negative


class ClipBenchmarkWriter:
    """Streams images into the CLIP_benchmark roots under `<export>/clip_benchmark/`."""

    def __init__(self, root: Path) -> None:
        self.folder = root / FOLDER
        self._selection: dict[str, TarShards] = {}
        self._gallery: list[GalleryImage] = []

    def _pair(self, name: str, key: str, png: bytes, true: str, false: str) -> None:
        if name not in self._selection:
            self._selection[name] = TarShards(self.folder / name, MAX_SHARD_BYTES)
        self._selection[name].write(key, {"png": png, "txt": f"{true}\n{false}\n".encode()})

    def add_image(self, item: RenderedImage) -> None:
        a = item.annotation
        png: bytes | None = None
        for family, key, negative in negatives(item):
            png = png or item.png.read_bytes()
            kind = negative.kind.removeprefix(f"{family}_")  # count_plus_1 -> plus_1
            self._pair(f"comco_{family}_{kind}", key, png, negative.positive, negative.text)
        for j, pair in enumerate(a.captions.itm):
            png = png or item.png.read_bytes()
            name = f"comco_itm_{pair.scenario}"
            self._pair(name, f"{a.id}_itm{j}", png, pair.positive.text, pair.negative)

    def add_gallery(self, item: GalleryImage) -> None:
        self._gallery.append(item)

    def close(self) -> list[Path]:
        files = [f for shards in self._selection.values() for f in shards.close()]
        if self._selection:
            files.append(self._listing("selection.txt", sorted(self._selection)))
        if self._gallery:
            files += self._write_gallery()
            files.append(self._listing("classification.txt", [GALLERY]))
        return files

    def _listing(self, name: str, roots: list[str]) -> Path:
        path = self.folder / name
        path.write_text("".join(f"wds/{root}\n" for root in roots))
        return path

    def _write_gallery(self) -> list[Path]:
        vocabulary = load_vocabulary()
        items = sorted(self._gallery, key=lambda g: g.category)
        shards = TarShards(self.folder / GALLERY, MAX_SHARD_BYTES, dataset_type="classification")
        for label, item in enumerate(items):
            shards.write(item.category, {"png": item.png.read_bytes(), "cls": f"{label}".encode()})
        classnames = self.folder / GALLERY / "classnames.txt"
        classnames.write_text("".join(f"{vocabulary.category(g.category).name}\n" for g in items))
        templates = self.folder / GALLERY / "zeroshot_classification_templates.txt"
        templates.write_text("".join(f"{t}\n" for t in TEMPLATES))
        return [*shards.close(), classnames, templates]
