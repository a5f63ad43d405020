"""A labelled grid of thumbnails, the one picture a person checks a library by."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

LABEL_PX = 14


def contact_sheet(thumbnails: dict[str, Path], out: Path, columns: int = 10) -> Path:
    """Write `out` (PNG): thumbnails in a grid, each captioned with its category."""
    if not thumbnails:
        raise ValueError("contact sheet: no thumbnails")
    images = {name: Image.open(path).convert("RGB") for name, path in thumbnails.items()}
    width, height = next(iter(images.values())).size
    rows = math.ceil(len(images) / columns)
    sheet = Image.new("RGB", (columns * width, rows * (height + LABEL_PX)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (name, image) in enumerate(images.items()):
        x, y = (i % columns) * width, (i // columns) * (height + LABEL_PX)
        sheet.paste(image.resize((width, height)), (x, y))
        draw.text((x + 3, y + height + 1), name, fill="black")
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return out
