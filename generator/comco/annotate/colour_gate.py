"""Measured object colours and the colour quality gate.

An object's measured colour is the mean sRGB of its visible pixels (and its CIELAB). The gate
rejects a scene when an object with a palette colour looks nearer (CIE94, textile weights) to
another colour of its palette than to its own: too dark, washed out, or lit wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from comco.core.attributes import rendered_references
from comco.core.colour import delta_e94, srgb_to_lab
from comco.core.spec import SceneSpec


@dataclass(frozen=True)
class MeasuredColour:
    srgb: tuple[float, float, float]  # 0-255
    lab: tuple[float, float, float]


def measure_colours(rgb: np.ndarray, masks: list[np.ndarray]) -> list[MeasuredColour | None]:
    """Mean sRGB (0-255) and its CIELAB per mask of an (H, W, 3) uint8 image; None for an
    object with no visible pixel."""
    colours: list[MeasuredColour | None] = []
    for mask in masks:
        if not mask.any():
            colours.append(None)
            continue
        mean = rgb[mask][:, :3].astype(np.float64).mean(axis=0)
        lab = srgb_to_lab(mean / 255.0)
        colours.append(
            MeasuredColour(
                srgb=tuple(round(float(c), 2) for c in mean),
                lab=tuple(round(float(c), 2) for c in lab),
            )
        )
    return colours


def nearest_colour(lab: tuple[float, float, float], palette: str) -> tuple[str, dict[str, float]]:
    """The palette colour nearest to a measured colour (against each colour's rendered
    reference), and the distance to each."""
    references = rendered_references(palette)
    distances = {name: float(delta_e94(ref, np.asarray(lab))) for name, ref in references.items()}
    return min(distances, key=distances.__getitem__), distances


def colour_problems(spec: SceneSpec, colours: list[MeasuredColour | None]) -> list[str]:
    """Why the rendered colours fail the gate (empty when they pass, or without a palette)."""
    if spec.attributes is None or spec.attributes.palette is None:
        return []
    try:
        rendered_references(spec.attributes.palette)
    except ValueError as error:  # an uncalibrated palette: every scene says why it is rejected
        return [f"colour gate: {error}"]
    problems = []
    for i, (obj, colour) in enumerate(zip(spec.objects, colours, strict=True)):
        if obj.color_name is None or colour is None:
            continue
        nearest, distances = nearest_colour(colour.lab, spec.attributes.palette)
        if nearest != obj.color_name:
            problems.append(
                f"colour gate: objects[{i}] ({obj.category}) should be {obj.color_name!r} but its "
                f"mean sRGB {colour.srgb} is nearer to {nearest!r} (CIE94 "
                f"{distances[nearest]:.1f} vs {distances[obj.color_name]:.1f})"
            )
    return problems
