"""Placing objects so that requested relations hold: the sides each scene asks of its first
two objects, and whether a drawn placement gives them with the margins.

Sides cycle with the scene index through every combination of the requested axes (object 0
left of object 1, then right of it; with front-back as well, all four), so any run of
consecutive scenes is balanced over sides; categories are drawn independently of the index,
so every category is equally likely on each side. The check uses the conservative boxes the
spec projects, which hold each object's rendered box, plus a pixel for the render's integer
boxes: a relation placed here is measured in the render too.
"""

from __future__ import annotations

import itertools

from comco.core.catalog import asset_shape
from comco.core.relations import Axis, Relation, RelationSetup, depth_range, relation
from comco.core.spec import Camera, frame_box

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
    camera: Camera,
) -> bool:
    """Whether objects 0 and 1, placed like this, stand in the requested relations."""
    extents = [asset_shape(c).extents for c in categories[:2]]
    placed = [(*positions[i], scales[i], extents[i]) for i in range(2)]
    boxes = tuple(frame_box(p, camera, 0.0)[0] for p in placed)
    depths = tuple(
        depth_range(positions[i], scales[i], extents[i], camera.matrix_world, camera.intrinsics)
        for i in range(2)
    )
    margin_px = setup.margin * camera.width + PIXEL_SLACK
    return all(
        relation(axis, boxes, depths, margin_px, setup.depth_margin_m) == wanted  # type: ignore[arg-type]
        for axis, wanted in sides.items()
    )
