"""Catch assets a viewer would not recognise from their verify render, so a weak asset is
found by `comco assets verify`, not only by looking at the contact sheet.

Three measures of one render with a transparent background (alpha = the asset's coverage):
how much of the frame the asset covers, how opaque it is where it shows (glass-like or
alpha-blended materials let the floor through), and how far its colours stand out from the
background it is shown on (white ceramic exported as a full metal rendered as a mirror of the
grey sky: opaque, yet the same grey as its surroundings, washed-out and see-through)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

# thresholds sit below every asset of the library that reads well at 224 px (the thinnest,
# the toothbrush, touches 2.3 % of its verify frame; the clear wine glass differs from the grey
# background by 0.035) and above the failures they are meant to catch (the sink rendered as
# a metal mirror: 0.012; the pale matte fridge before it was darkened: 0.016)
MIN_COVERAGE = 0.005
MIN_OPACITY = 0.8
MIN_CONTRAST = 0.025
SOLID_ALPHA = 0.5
TOUCHED_ALPHA = 0.02


@dataclass(frozen=True)
class RenderMeasure:
    """How well an asset shows in its render (all in 0..1)."""

    coverage: float  # share of the frame the asset touches (alpha > TOUCHED_ALPHA)
    opacity: float  # upper-quartile alpha where the asset touches a pixel (> TOUCHED_ALPHA);
    # a quartile, not the mean, so the soft edges of thin opaque things do not count as glass
    contrast: float  # median largest channel difference to the background where solid
    # (alpha >= SOLID_ALPHA)


def background_colour(path: Path) -> np.ndarray:
    """Mean RGB (0..1) of a render of the empty scene: what an asset is seen against."""
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=float) / 255
    return pixels.reshape(-1, 3).mean(axis=0)


def measure_render(path: Path, background: np.ndarray) -> RenderMeasure:
    """Measure the RGBA render at `path` (transparent where nothing was hit)."""
    pixels = np.asarray(Image.open(path).convert("RGBA"), dtype=float) / 255
    alpha = pixels[..., 3]
    solid = alpha >= SOLID_ALPHA
    touched = alpha > TOUCHED_ALPHA
    opacity = float(np.percentile(alpha[touched], 75)) if touched.any() else 0.0
    contrast = 0.0
    if solid.any():
        colour = pixels[..., :3][solid]  # PNG alpha is straight, not premultiplied
        contrast = float(np.median(np.abs(colour - background).max(axis=1)))
    return RenderMeasure(coverage=float(touched.mean()), opacity=opacity, contrast=contrast)


def check_render(category: str, measure: RenderMeasure) -> list[str]:
    """Problems that make `category` hard to recognise in its render."""
    problems = []
    if measure.coverage < MIN_COVERAGE:
        problems.append(
            f"{category}: covers {measure.coverage:.2%} of its verify render, "
            f"expected at least {MIN_COVERAGE:.1%} (too thin or too small to recognise)"
        )
    if measure.opacity < MIN_OPACITY:
        problems.append(
            f"{category}: opacity {measure.opacity:.2f} where it shows, expected at "
            f"least {MIN_OPACITY} (nearly transparent material)"
        )
    if measure.opacity >= MIN_OPACITY and measure.contrast < MIN_CONTRAST:
        problems.append(
            f"{category}: median colour difference to the background {measure.contrast:.3f}, "
            f"expected at least {MIN_CONTRAST} (washed-out: it melts into the background)"
        )
    return problems
