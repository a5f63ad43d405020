"""Encoding a worker's uncompressed image as the dataset's PNG, off the worker's critical path.

The worker saves Blender's colour-managed 8-bit pixels as BMP (no compression, a few ms);
the runner encodes them with Pillow while the worker renders the next image. The pixels are
those Blender's own PNG writer would store; the bytes differ from Blender's (zlib level 1
with Pillow's filters: faster, and smaller files than Blender's default 15 % compression)
and are the same for the same pixels.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from comco.atomic import write_atomic

PNG_COMPRESS_LEVEL = 1


def encode_png(raw: Path, final: Path) -> None:
    """Write the image in `raw` as the PNG `final` (atomically), then drop `raw`."""
    buffer = io.BytesIO()
    with Image.open(raw) as image:
        image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    write_atomic(final, buffer.getvalue())
    raw.unlink()
