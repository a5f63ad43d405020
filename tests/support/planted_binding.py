"""Binding scenes a tiny model can learn in seconds: two objects of three shapes drawn as
distinct glyphs (square, disk, bar) in the eight clevr8 colours, left and right. Only the
glyphs' colours tell 'a red cube and a blue sphere' from its colour swap, so a model beats
chance on swaps only if it binds colour to shape."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from comco.core.attributes import AttributeSetup, load_attributes
from comco.core.spec import Camera, ObjectSpec, SceneSpec
from comco.dataset.copies import open_copy
from comco.io.atomic import write_atomic
from support.fake_render import fake_rendered_dataset, png_bytes

SIZE = 32
SHAPES = ("cube", "sphere", "cylinder")
COLOURS = ("gray", "red", "blue", "green", "brown", "purple", "cyan", "yellow")
SLOTS = {"left": (-1.3, -0.9), "right": (1.3, -0.9)}
SETUP = AttributeSetup(palette="clevr8", kinds=["color"], distinct=True)


def planted_specs(n: int, seed: int, prefix: str) -> list[SceneSpec]:
    """n scenes: two distinct shapes with distinct colours, in a random left/right order."""
    rng = np.random.default_rng(seed)
    palette = load_attributes().palette("clevr8")
    specs = []
    for index in range(n):
        shapes = rng.choice(SHAPES, size=2, replace=False)
        colours = rng.choice(COLOURS, size=2, replace=False)
        objects = [
            ObjectSpec(category=str(shape), size_role="same", scale=0.75, position=position,
                       color=palette[str(colour)].linear, color_name=str(colour))
            for shape, colour, position in zip(shapes, colours, SLOTS.values(), strict=True)
        ]  # fmt: skip
        specs.append(
            SceneSpec(id=f"{prefix}{index:04d}", seed=seed * 100_000 + index, vocab="simco18",
                      objects=objects, camera=Camera(width=SIZE, height=SIZE), frame_margin_px=0.5,
                      attributes=SETUP, split="train")
        )  # fmt: skip
    return specs


def glyph_mask(shape: str, left: bool) -> np.ndarray:
    """Where a shape's glyph covers the image, in the left or right half."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    cx, cy = (8 if left else 24), 16
    if shape == "cube":
        return (abs(x - cx) <= 5) & (abs(y - cy) <= 5)
    if shape == "sphere":
        return (x - cx) ** 2 + (y - cy) ** 2 <= 36
    return (abs(x - cx) <= 6) & (abs(y - cy) <= 2)


def paint(spec: SceneSpec) -> np.ndarray:
    rgb = np.full((SIZE, SIZE, 3), 128, np.uint8)
    for obj in spec.objects:
        srgb = np.round(255 * np.asarray(obj.color) ** (1 / 2.2)).astype(np.uint8)
        rgb[glyph_mask(obj.category, obj.position[0] < 0)] = srgb
    return rgb


def planted_dataset(root: Path, n: int, seed: int, prefix: str = "scene") -> Path:
    """A rendered-format folder of `planted_specs` whose PNGs show the glyphs."""
    fake_rendered_dataset(root, planted_specs(n, seed, prefix), [])
    for record in open_copy(root).records:
        write_atomic(record.image_path, png_bytes(paint(record.annotation.spec)))
    return root
