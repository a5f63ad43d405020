"""A labelled grid of thumbnails, the one picture a person checks a library by."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

LABEL_PX = 14


def contact_sheet(
    thumbnails: dict[str, Path],
    out: Path,
    columns: int = 10,
    background: tuple[int, int, int] = (255, 255, 255),
) -> Path:
    """Write `out` (PNG): thumbnails in a grid, each captioned with its category; thumbnails
    with alpha are shown over `background`."""
    if not thumbnails:
        raise ValueError("contact sheet: no thumbnails")
    images = {name: _flatten(Image.open(path), background) for name, path in thumbnails.items()}
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


def _flatten(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """`image` as RGB, composited over `background` where it has alpha."""
    if "A" not in image.getbands():
        return image.convert("RGB")
    base = Image.new("RGBA", image.size, (*background, 255))
    return Image.alpha_composite(base, image.convert("RGBA")).convert("RGB")
