"""Spatial relations between two objects, decided from geometry with a margin.

Left/right compares screen boxes (x0, y0, x1, y1 pixels, x right): A is left of B only when
A's box ends at least `margin * width` pixels before B's begins, so boxes that overlap or
nearly touch get no left/right at all. Front/behind compares depth ranges along the camera's
viewing direction on the floor: A is in front of B only when A's footprint ends at least
`depth_margin_m` nearer than B's begins. Every object stands on the floor, so "above" and
"below" never hold unambiguously between two of them and are not offered. Pure Python: the
sampler uses these predicates on boxes projected from each object's own box, captions on the
boxes measured in the render.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from comco.core import geometry

Axis = Literal["left-right", "front-back"]
Relation = Literal["left of", "right of", "in front of", "behind"]
AXES: tuple[Axis, ...] = ("left-right", "front-back")
OPPOSITE: dict[Relation, Relation] = {
    "left of": "right of",
    "right of": "left of",
    "in front of": "behind",
    "behind": "in front of",
}
Box = tuple[float, float, float, float]
DepthRange = tuple[float, float]


class RelationSetup(BaseModel):
    """Which relations a scene was placed for and the margins that make a relation
    unambiguous; the margins are recorded with every relation caption."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    axes: list[Axis] = Field(default_factory=lambda: list(AXES), min_length=1)
    margin: float = Field(
        0.02, ge=0, le=0.5, description="screen gap between boxes, as a share of image width"
    )
    depth_margin_m: float = Field(
        0.1, ge=0, description="gap between footprints along the viewing direction, metres"
    )

    @field_validator("axes")
    @classmethod
    def _distinct(cls, axes: list[Axis]) -> list[Axis]:
        if len(set(axes)) != len(axes):
            raise ValueError(f"axes: {axes} repeats an axis; expected each of {list(AXES)} once")
        return sorted(axes, key=AXES.index)


def parse_axes(text: str) -> list[Axis]:
    """'left-right,front-back' -> the axes; a clear error names anything else."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in AXES]
    if unknown or not names:
        hint = (
            " (objects stand on the floor, so above/below never holds unambiguously)"
            if any(n in {"above-below", "above", "below"} for n in unknown)
            else ""
        )
        raise ValueError(
            f"relations: {unknown or text!r} not known; expected a comma list of {list(AXES)}{hint}"
        )
    return [n for n in AXES if n in names]  # type: ignore[misc]


def horizontal(a: Box, b: Box, margin_px: float) -> Relation | None:
    """'left of' / 'right of' for A against B, or None when the boxes are within the margin."""
    if a[2] + margin_px <= b[0]:
        return "left of"
    if b[2] + margin_px <= a[0]:
        return "right of"
    return None


def in_depth(a: DepthRange, b: DepthRange, margin_m: float) -> Relation | None:
    """'in front of' / 'behind' for A against B (nearer to the camera is in front), or None
    when their depth ranges are within the margin."""
    if a[1] + margin_m <= b[0]:
        return "in front of"
    if b[1] + margin_m <= a[0]:
        return "behind"
    return None


def object_corners(
    position: tuple[float, float], scale: float, extents: geometry.Extents, yaw_deg: float
) -> np.ndarray:
    """The 8 corners (8, 3) of the object's own box: its asset's extents at this scale, centred
    on its position, resting on the floor and turned by its yaw (counter-clockwise from above,
    as the renderer turns it). The asset lies inside this box."""
    ex, ey, ez = (scale * e for e in extents)
    local = np.array(
        [[sx * ex / 2, sy * ey / 2, z] for sx in (-1, 1) for sy in (-1, 1) for z in (0.0, ez)]
    )
    turn = np.radians(yaw_deg)
    c, s = np.cos(turn), np.sin(turn)
    world = local.copy()
    world[:, 0] = position[0] + c * local[:, 0] - s * local[:, 1]
    world[:, 1] = position[1] + s * local[:, 0] + c * local[:, 1]
    return world


def screen_box(corners: np.ndarray, cam_to_world: np.ndarray, k: np.ndarray) -> Box:
    """The screen box (x0, y0, x1, y1) of the corners: it holds the object's rendered box."""
    pixels, _ = geometry.project(corners, cam_to_world, k)
    return geometry.projected_box(pixels)


def depth_range(corners: np.ndarray, cam_to_world: np.ndarray) -> DepthRange:
    """Nearest and farthest distance of the object's floor footprint along the camera's
    viewing direction on the floor, metres: an order with a margin holds for every point
    the two objects stand on."""
    forward = -cam_to_world[:2, 2]  # the camera looks down its -Z axis
    norm = float(np.hypot(*forward))
    if norm < 1e-9:
        raise ValueError("camera: looking straight down leaves in front of/behind undefined")
    along = (corners[:, :2] - cam_to_world[:2, 3]) @ forward / norm
    return float(along.min()), float(along.max())


def relation(axis: Axis, boxes: tuple[Box, Box], depths: tuple[DepthRange, DepthRange],
             margin_px: float, margin_m: float) -> Relation | None:  # fmt: skip
    """A's relation to B along one axis, or None when it is ambiguous."""
    if axis == "left-right":
        return horizontal(boxes[0], boxes[1], margin_px)
    return in_depth(depths[0], depths[1], margin_m)
