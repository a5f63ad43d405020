"""A labelled grid of thumbnails, the one picture a person checks a library or a shard by.

Every label is wrapped (and, for a word wider than the cell, shortened with an ellipsis) to
its own cell: the label area is as tall as the longest label, so a scene of six objects never
writes into its neighbour. Small thumbnails are enlarged by a whole factor (nearest pixel) so
cells are wide enough to read. An optional legend line under the grid explains marks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

MIN_CELL_PX = 128  # thumbnails narrower than this are enlarged by a whole factor
FONT_PX = 11
LINE_PX = 13
PAD_PX = 3
ELLIPSIS = "…"
INDENT = "    "  # before a label's continuation lines
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Cell:
    """Where one thumbnail and its label lines go on the sheet."""

    box: Box  # the whole cell, x0, y0, x1, y1 (exclusive)
    image_at: tuple[int, int]
    lines: tuple[tuple[tuple[int, int], str], ...]  # (x, y) of each label line, its text


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    cells: tuple[Cell, ...]
    scale: int
    legend: tuple[tuple[int, int], str] | None


def font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font: the same glyphs on every machine."""
    return ImageFont.load_default(size=FONT_PX)


def fit_lines(label: str, width: int, face: ImageFont.ImageFont) -> list[str]:
    """`label` split at its newlines, each part wrapped at spaces to `width` pixels, its
    continuation lines indented (so a wrapped object never reads as the next one); a word
    wider than an indented line is cut and ends in an ellipsis."""
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength
    room = width - measure(INDENT, font=face)

    def shorten(word: str) -> str:
        if measure(word, font=face) <= room:
            return word
        while word and measure(word + ELLIPSIS, font=face) > room:
            word = word[:-1]
        return word + ELLIPSIS

    lines: list[str] = []
    for part in label.split("\n"):
        current = ""
        for word in map(shorten, part.split(" ")):
            candidate = f"{current} {word}" if current else word
            if current and measure(candidate, font=face) > width:
                lines.append(current)
                candidate = INDENT + word
            current = candidate
        lines.append(current)
    return lines


def layout(
    labels: Sequence[str], image_size: tuple[int, int], columns: int, legend: str | None = None
) -> Layout:
    """Cells in rows of `columns`, each the (enlarged) thumbnail over its wrapped label."""
    face = font()
    scale = max(1, math.ceil(MIN_CELL_PX / image_size[0]))
    width, height = image_size[0] * scale, image_size[1] * scale
    wrapped = [fit_lines(label, width - 2 * PAD_PX, face) for label in labels]
    label_px = max(len(lines) for lines in wrapped) * LINE_PX + 2 * PAD_PX
    cell_h = height + label_px
    cells = []
    for i, lines in enumerate(wrapped):
        x, y = (i % columns) * width, (i // columns) * cell_h
        placed = tuple(
            ((x + PAD_PX, y + height + PAD_PX + j * LINE_PX), line) for j, line in enumerate(lines)
        )
        cells.append(Cell((x, y, x + width, y + cell_h), (x, y), placed))
    grid_h = math.ceil(len(labels) / columns) * cell_h
    sheet_w = min(columns, len(labels)) * width
    legend_at = None
    if legend:
        (legend_line,) = fit_lines(legend.replace("\n", " "), sheet_w - 2 * PAD_PX, face)[:1]
        legend_at = ((PAD_PX, grid_h + PAD_PX), legend_line)
        grid_h += LINE_PX + 2 * PAD_PX
    return Layout((sheet_w, grid_h), tuple(cells), scale, legend_at)


def contact_sheet(
    thumbnails: Sequence[tuple[str, Path]],
    out: Path,
    columns: int = 10,
    background: tuple[int, int, int] = (255, 255, 255),
    legend: str | None = None,
) -> Path:
    """Write `out` (PNG): (label, image) pairs in a grid, each label under its image (a "\\n"
    in a label starts a new line); thumbnails with alpha are shown over `background`."""
    if not thumbnails:
        raise ValueError("contact sheet: no thumbnails")
    images = [_flatten(Image.open(path), background) for _, path in thumbnails]
    plan = layout([label for label, _ in thumbnails], images[0].size, columns, legend)
    sheet = Image.new("RGB", plan.size, "white")
    draw = ImageDraw.Draw(sheet)
    face = font()
    for cell, image in zip(plan.cells, images, strict=True):
        size = (image.width * plan.scale, image.height * plan.scale)
        sheet.paste(image.resize(size, Image.Resampling.NEAREST), cell.image_at)
        draw.rectangle(
            (cell.box[0], cell.box[1], cell.box[2] - 1, cell.box[3] - 1), outline=(210,) * 3
        )
        for at, text in cell.lines:
            draw.text(at, text, fill="black", font=face)
    if plan.legend is not None:
        draw.text(plan.legend[0], plan.legend[1], fill="black", font=face)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return out


def _flatten(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """`image` as RGB, composited over `background` where it has alpha."""
    if "A" not in image.getbands():
        return image.convert("RGB")
    base = Image.new("RGBA", image.size, (*background, 255))
    return Image.alpha_composite(base, image.convert("RGBA")).convert("RGB")
