"""Whether each patterned object's own pixels show its pattern, and which of them show its
base colour (what colour measurement and colour fidelity use for a patterned object).

Each visible pixel of a patterned object off its edge (edge pixels blend with the floor) is
placed on the CIELAB line from its colour's albedo (t = 0) to the contrasting colour's albedo
(t = 1), both independent of the renderer. Pixels
past the midpoint are contrast pixels. A pattern shows when its contrast pixels are neither
too few nor too many (a plain object has almost none; a pattern too small to resolve blurs
into a mixed colour whose pixels gather in the middle, few of them near either end) and
enough of them lie near the contrasting colour. Thresholds are calibrated on real renders
(benchmarks/pattern_fidelity.py prints the figures).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from comco.core.attributes import load_attributes
from comco.core.colour import linear_to_srgb, srgb_to_lab
from comco.core.spec import SceneSpec

# A pixel is a contrast pixel past the midpoint between the two albedos.
CONTRAST_SPLIT = 0.5
# A pixel is clearly in the contrasting colour from this far along the line.
CLEAR_CONTRAST = 0.7
# A patterned object's colour is measured on its pixels up to here: past it, pixels where the
# pattern's edges blend the two colours (cut at the midpoint, checked objects kept 74 % of
# their albedo's chroma, under the 75 % colour fidelity asks for).
BASE_COLOUR_SPLIT = 0.25
# Calibrated on the interior pixels of 96 patterned and 72 plain clevr8 objects (128 px, 8
# samples): no plain object passed (at most 39 % contrast pixels, at most 33 % of them clear,
# both on a sparse potted plant); 80 of the patterned ones did. Of the 16 that did not, 11
# were thin or tiny (knife, spoon, scissors, remote, skateboard, bench: under 35 interior
# pixels), 4 had few or faint contrast pixels in view (a couch, a phone, a plate, a fire
# hydrant) and a checked potted plant had too many (77 %).
MIN_CONTRAST_SHARE = 0.08
MAX_CONTRAST_SHARE = 0.75
MIN_CLEAR_SHARE = 0.4
# Fewest contrast pixels that can show a pattern at all.
MIN_CONTRAST_PIXELS = 12


@dataclass(frozen=True)
class PatternMeasure:
    """How an object's visible pixels split between its colour and the contrasting one."""

    pixels: int  # visible pixels off the object's edge
    contrast_share: float  # share past CONTRAST_SPLIT
    clear_share: float  # share of the contrast pixels past CLEAR_CONTRAST

    @property
    def contrast_pixels(self) -> int:
        return round(self.contrast_share * self.pixels)

    def shows(self) -> bool:
        return (
            self.contrast_pixels >= MIN_CONTRAST_PIXELS
            and MIN_CONTRAST_SHARE <= self.contrast_share <= MAX_CONTRAST_SHARE
            and self.clear_share >= MIN_CLEAR_SHARE
        )


def _lab(linear: tuple[float, float, float]) -> np.ndarray:
    return srgb_to_lab(linear_to_srgb(np.asarray(linear, dtype=np.float64)))


def contrast_position(
    rgb: np.ndarray, mask: np.ndarray, colour: tuple[float, float, float]
) -> np.ndarray:
    """Each masked pixel's position t on the CIELAB line from `colour`'s albedo (0) to its
    contrasting colour's (1), for an (H, W, 3) uint8 image."""
    base = _lab(colour)
    direction = _lab(load_attributes().contrast(colour)) - base
    labs = srgb_to_lab(rgb[mask][:, :3].astype(np.float64) / 255.0)
    return (labs - base) @ direction / float(direction @ direction)


def interior(mask: np.ndarray) -> np.ndarray:
    """The mask less its edge pixels (those with a 4-neighbour outside it): edge pixels blend
    with the floor behind them, which looks like a light contrasting colour."""
    inner = mask.copy()
    inner[1:] &= mask[:-1]
    inner[:-1] &= mask[1:]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    inner[[0, -1], :] = False
    inner[:, [0, -1]] = False
    return inner


def measure_pattern(
    rgb: np.ndarray, mask: np.ndarray, colour: tuple[float, float, float]
) -> PatternMeasure:
    """The split of an object's visible interior pixels (`mask` less its edge) between
    `colour` and its contrast."""
    t = contrast_position(rgb, interior(mask), colour)
    contrast = t > CONTRAST_SPLIT
    return PatternMeasure(
        pixels=int(t.size),
        contrast_share=float(contrast.mean()) if t.size else 0.0,
        clear_share=float((t[contrast] > CLEAR_CONTRAST).mean()) if contrast.any() else 0.0,
    )


def pattern_problems(spec: SceneSpec, rgb: np.ndarray, masks: list[np.ndarray]) -> list[str]:
    """Why the patterned objects' patterns do not show (empty when they all do)."""
    problems = []
    for i, (obj, mask) in enumerate(zip(spec.objects, masks, strict=True)):
        if obj.pattern is None or obj.color is None:
            continue
        m = measure_pattern(rgb, mask, obj.color)
        if not m.shows():
            problems.append(
                f"pattern gate: objects[{i}] ({obj.category}) should look {obj.pattern!r} but "
                f"{m.contrast_pixels} of its {m.pixels} interior pixels ({m.contrast_share:.0%}) "
                f"are in the contrasting colour, {m.clear_share:.0%} of them clearly; expected "
                f"at least {MIN_CONTRAST_PIXELS} pixels, {MIN_CONTRAST_SHARE:.0%} to "
                f"{MAX_CONTRAST_SHARE:.0%}, {MIN_CLEAR_SHARE:.0%} clearly"
            )
    return problems


def colour_masks(spec: SceneSpec, rgb: np.ndarray, masks: list[np.ndarray]) -> list[np.ndarray]:
    """The pixels that show each object's colour: its visible pixels, less a patterned
    object's contrast pixels (so its measured colour is its base colour's)."""
    kept = []
    for obj, mask in zip(spec.objects, masks, strict=True):
        if obj.pattern is None or obj.color is None or not mask.any():
            kept.append(mask)
            continue
        base = mask.copy()
        base[mask] = contrast_position(rgb, mask, obj.color) <= BASE_COLOUR_SPLIT
        kept.append(base)
    return kept
