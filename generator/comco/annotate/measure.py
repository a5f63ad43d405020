"""From a rendered instance-index image to per-object measurements and quality verdicts.

Pure numpy: the render layer hands over an (H, W) array where
object i of the spec has id i+1 and background is 0, plus each object's silhouette alone
(see `comco.annotate.silhouette`) and the box of its projected vertices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from comco.core.spec import SceneSpec, SizeRole


@dataclass(frozen=True)
class Measure:
    """What the pixels say about one object."""

    bbox_xywh: tuple[int, int, int, int]
    visible_area_px: int
    area_fraction: float
    unoccluded_area_px: int
    occlusion: float
    size_rank: int
    touches_border: bool
    mask: np.ndarray


# The minimum visible area of an object is a share of the frame, so the gate means the same
# at every resolution: 30 px at 224x224 (CLIP's input size, where the gate was tuned) is
# 157 px at 512x512 and 627 px at 1024x1024.
MIN_VISIBLE_PX_AT_REFERENCE = 30
REFERENCE_AREA_PX = 224 * 224


# A nearly uniform image (blown out by a huge light, or black) shows fewer 8-bit levels than
# this between its 1st and 99th percentile in every channel. The lowest spread of 399 real
# renders (64-512 px, pale colours on grey included) was 33 levels.
MIN_SPREAD_LEVELS = 8


def scaled_min_visible_px(width: int, height: int) -> int:
    """The default minimum visible area for a width x height image (at least 1 px)."""
    return max(1, round(MIN_VISIBLE_PX_AT_REFERENCE * width * height / REFERENCE_AREA_PX))


@dataclass(frozen=True)
class QualityGates:
    """Thresholds a rendered scene must pass to be kept. `min_visible_px` None means the
    minimum scales with the image area (`scaled_min_visible_px`); a number fixes it."""

    min_visible_px: int | None = None
    large_factor: float = 1.5
    min_border_px: float = 0.0
    colour: bool = True  # objects must look nearest to their own palette colour
    pattern: bool = True  # patterned objects must show their pattern (annotate.pattern_gate)
    min_spread_levels: int = MIN_SPREAD_LEVELS  # below it an image is nearly uniform

    def min_pixels(self, width: int, height: int) -> int:
        """The minimum visible area of an object in a width x height image."""
        if self.min_visible_px is not None:
            return self.min_visible_px
        return scaled_min_visible_px(width, height)


def bbox_xywh(mask: np.ndarray) -> tuple[int, int, int, int]:
    """Tight box of the True pixels as (x, y, w, h); all zeros for an empty mask."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return (0, 0, 0, 0)
    return (int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))


def size_ranks(areas: list[int]) -> list[int]:
    """1 for the largest area; ties go to the earlier object so ranks stay a permutation."""
    order = sorted(range(len(areas)), key=lambda i: (-areas[i], i))
    ranks = [0] * len(areas)
    for rank, i in enumerate(order, start=1):
        ranks[i] = rank
    return ranks


def measure(index: np.ndarray, silhouettes: np.ndarray) -> list[Measure]:
    """Per-object measurements from the instance image and each object's lone silhouette.

    Occluded pixels are those of an object's silhouette that show another object; its
    unoccluded area is visible + occluded pixels. Silhouette pixels that show background are
    rasterisation edge noise, not occlusion (objects stand on the floor and nothing else is
    in the scene), so an object that nothing covers always has occlusion 0.
    """
    height, width = index.shape
    k = len(silhouettes)
    masks = [index == i + 1 for i in range(k)]
    visible = [int(m.sum()) for m in masks]
    ranks = size_ranks(visible)
    foreground = index != 0
    measures = []
    for i, m in enumerate(masks):
        occluded = int((silhouettes[i] & foreground & ~m).sum())
        unoccluded = visible[i] + occluded
        touches = bool(m[0].any() or m[-1].any() or m[:, 0].any() or m[:, -1].any())
        measures.append(
            Measure(
                bbox_xywh=bbox_xywh(m),
                visible_area_px=visible[i],
                area_fraction=visible[i] / (height * width),
                unoccluded_area_px=unoccluded,
                occlusion=occluded / unoccluded if unoccluded else 1.0,
                size_rank=ranks[i],
                touches_border=touches,
                mask=m,
            )
        )
    return measures


def quality_problems(
    spec: SceneSpec,
    measures: list[Measure],
    boxes: np.ndarray,
    gates: QualityGates,
) -> list[str]:
    """Why a rendered scene must be rejected (empty when it passes every gate)."""
    problems = []
    width, height = spec.camera.width, spec.camera.height
    min_px = gates.min_pixels(width, height)
    for i, (obj, m) in enumerate(zip(spec.objects, measures, strict=True)):
        if m.visible_area_px < min_px:
            problems.append(
                f"objects[{i}] ({obj.category}): visible area {m.visible_area_px}px is below "
                f"the minimum {min_px}px for a {width}x{height} image (alone it covers "
                f"{m.unoccluded_area_px}px)"
            )
        x0, y0, x1, y1 = (float(v) for v in boxes[i])
        edge = gates.min_border_px
        if x0 < edge or y0 < edge or x1 > width - edge or y1 > height - edge:
            problems.append(
                f"objects[{i}] ({obj.category}): cut by the frame (projected box "
                f"{x0:.1f},{y0:.1f},{x1:.1f},{y1:.1f} in a {width}x{height} image)"
            )
    others = [
        m.visible_area_px
        for o, m in zip(spec.objects, measures, strict=True)
        if o.size_role != SizeRole.large
    ]
    for i, (obj, m) in enumerate(zip(spec.objects, measures, strict=True)):
        if obj.size_role == SizeRole.large and others:
            needed = gates.large_factor * max(others)
            if m.visible_area_px < needed:
                problems.append(
                    f"objects[{i}] ({obj.category}): large object shows {m.visible_area_px}px, "
                    f"expected at least {gates.large_factor} x the largest other object "
                    f"({max(others)}px) = {needed:.0f}px"
                )
    return problems


def channel_spread(pixels: np.ndarray) -> int:
    """The largest, over the channels of (H, W, 3) uint8 pixels, of the levels between the
    1st and 99th percentile (histograms, not sorts: a few ms at 512 px)."""
    flat = pixels.reshape(-1, pixels.shape[-1])
    n = len(flat)
    spreads = []
    for channel in range(flat.shape[1]):
        cumulative = np.cumsum(np.bincount(flat[:, channel], minlength=256))
        low = int(np.searchsorted(cumulative, 0.01 * n))
        high = int(np.searchsorted(cumulative, 0.99 * n))
        spreads.append(high - low)
    return max(spreads)


def image_problems(pixels: np.ndarray, min_spread: int = MIN_SPREAD_LEVELS) -> list[str]:
    """Why the rendered pixels themselves must be rejected (empty when they pass)."""
    spread = channel_spread(pixels)
    if spread < min_spread:
        return [
            f"image: nearly uniform (every channel spans {spread} levels between its 1st and "
            f"99th percentile, expected at least {min_spread}); check the light strengths"
        ]
    return []
