"""Placing objects so that requested relations hold: the sides each scene asks of its first
two objects, and whether a drawn placement gives them with the margins.

Sides cycle with the scene index through every combination of the requested axes (object 0
left of object 1, then right of it; with front-back as well, all four), so any run of
consecutive scenes is balanced over sides; categories are drawn independently of the index,
so every category is equally likely on each side. The check projects each object's own turned
box, which holds its rendered box, plus a pixel for the render's integer boxes: a relation
placed here is measured in the render too (a nearer object can only shrink the visible box).
"""

from __future__ import annotations

import itertools

from comco.core.catalog import asset_shape
from comco.core.relations import (
    Axis,
    Relation,
    RelationSetup,
    depth_range,
    object_corners,
    relation,
    screen_box,
)
from comco.core.spec import Camera

SIDES: dict[Axis, tuple[Relation, Relation]] = {
    "left-right": ("left of", "right of"),
    "front-back": ("in front of", "behind"),
}
PIXEL_SLACK = 1.0  # measured boxes are whole pixels: a projected edge may round outwards


def requested_sides(setup: RelationSetup, index: int) -> dict[Axis, Relation]:
    """Object 0's relation to object 1 along each requested axis for scene `index`."""
    combos = list(itertools.product(*(SIDES[axis] for axis in setup.axes)))
    return dict(zip(setup.axes, combos[index % len(combos)], strict=True))


def sides_hold(
    setup: RelationSetup,
    sides: dict[Axis, Relation],
    categories: list[str],
    scales: list[float],
    positions: list[tuple[float, float]],
    yaws: list[float],
    camera: Camera,
) -> bool:
    """Whether objects 0 and 1, placed and turned like this, stand in the requested relations."""
    corners = [
        object_corners(positions[i], scales[i], asset_shape(categories[i]).extents, yaws[i])
        for i in range(2)
    ]
    boxes = tuple(screen_box(c, camera.matrix_world, camera.intrinsics) for c in corners)
    depths = tuple(depth_range(c, camera.matrix_world) for c in corners)
    margin_px = setup.margin * camera.width + PIXEL_SLACK
    return all(
        relation(axis, boxes, depths, margin_px, setup.depth_margin_m) == wanted  # type: ignore[arg-type]
        for axis, wanted in sides.items()
    )


def mirrored(
    positions: list[tuple[float, float]], yaws: list[float], camera: Camera
) -> tuple[list[tuple[float, float]], list[float]] | None:
    """The placement reflected left to right (x -> -x, yaw -> -yaw), when the camera looks
    along the plane x = 0: the reflection keeps every frame, overlap and hiding check (they
    hold at any yaw) and reflects each object's box, so it swaps left and right for every
    pair and a draw with the wrong sides is as good as the right one (rejection sampling
    stays unbiased, at twice the yield). None for other cameras."""
    if camera.location[0] != 0 or camera.look_at[0] != 0:
        return None
    return [(-x if x else 0.0, y) for x, y in positions], [-y if y else 0.0 for y in yaws]
