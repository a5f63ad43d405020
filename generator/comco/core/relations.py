"""Spatial relations between two objects, decided from geometry with a margin.

Left/right compares screen boxes (x0, y0, x1, y1 pixels, x right): A is left of B only when
A's box ends at least `margin * width` pixels before B's begins, so boxes that overlap or
nearly touch get no left/right at all. Front/behind compares depth ranges along the camera's
viewing axis: A is in front of B only when A's farthest point is at least `depth_margin_m`
nearer than B's nearest. Every object stands on the floor, so "above"/"below" never holds
unambiguously between two of them and is not offered. Pure Python: the sampler uses these
predicates on predicted (conservative) boxes, captions on the boxes measured in the render.
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
        0.1, ge=0, description="gap between depth ranges along the camera axis, metres"
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


def depth_range(
    position: tuple[float, float],
    scale: float,
    extents: geometry.Extents,
    cam_to_world: np.ndarray,
    k: np.ndarray,
) -> DepthRange:
    """Nearest and farthest depth (along the camera axis, metres) of the box that holds the
    object at any yaw: an exact bound, so a depth order with a margin holds for the object."""
    corners = geometry.bounding_box_corners(position[0], position[1], scale, extents)
    _, depth = geometry.project(corners, cam_to_world, k)
    return float(depth.min()), float(depth.max())


def relation(axis: Axis, boxes: tuple[Box, Box], depths: tuple[DepthRange, DepthRange],
             margin_px: float, margin_m: float) -> Relation | None:  # fmt: skip
    """A's relation to B along one axis, or None when it is ambiguous."""
    if axis == "left-right":
        return horizontal(boxes[0], boxes[1], margin_px)
    return in_depth(depths[0], depths[1], margin_m)
