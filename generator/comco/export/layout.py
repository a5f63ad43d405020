"""What every folder layout writer (COCO, CLIP_benchmark) offers the exporter.

Shard formats (Parquet, WebDataset) are grouped by configuration and declared in the dataset
card; a layout is one folder in the shape another tool reads as it is. The exporter streams
every image and gallery image through each chosen layout once, then closes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from comco.dataset.folder import GalleryImage, RenderedImage


class LayoutWriter(Protocol):
    """Writes one tool's layout under its own folder of the export."""

    folder: Path

    def add_image(self, item: RenderedImage) -> None: ...

    def add_gallery(self, item: GalleryImage) -> None: ...

    def close(self) -> list[Path]:
        """Finish every file; returns them (nothing when no image fitted the layout)."""
        ...
