"""Relation captions ("a dog to the left of a cup") and their negatives, from geometry.

Left/right is decided from screen boxes (the render's measured visible boxes; before a
render, the boxes projected from each object's own turned box, which hold the rendered ones)
and front/behind from footprint depth along the camera's viewing direction, both with the
margins of `comco.core.relations`, so only unambiguous pairs are named. A negative is kept
only when it is false for every pair of objects its phrases could name (two cups on either
side of a dog make "a cup to the right of a dog" true too).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from comco.captions.plain import CaptionStyle, object_phrase
from comco.captions.relation_count_models import (
    RelationCaption,
    RelationCaptions,
    RelationNegative,
)
from comco.core.catalog import asset_shape, load_vocabulary
from comco.core.relations import (
    OPPOSITE,
    Axis,
    Box,
    DepthRange,
    Relation,
    RelationSetup,
    depth_range,
    object_corners,
    relation,
    screen_box,
)
from comco.core.spec import SceneSpec

WORDS: dict[Relation, str] = {
    "left of": "to the left of",
    "right of": "to the right of",
    "in front of": "in front of",
    "behind": "behind",
}
AXIS_OF: dict[Relation, Axis] = {
    "left of": "left-right",
    "right of": "left-right",
    "in front of": "front-back",
    "behind": "front-back",
}


@dataclass(frozen=True)
class SceneGeometry:
    """Per spec object: its screen box (x0, y0, x1, y1) and depth range, and where the boxes
    came from."""

    boxes: list[Box]
    depths: list[DepthRange]
    source: Literal["measured", "predicted"]


def _corners(spec: SceneSpec) -> list[np.ndarray]:
    return [
        object_corners(o.position, o.scale, asset_shape(o.category).extents, o.yaw_deg)
        for o in spec.objects
    ]


def object_depths(spec: SceneSpec) -> list[DepthRange]:
    """Footprint depth ranges from the camera (exact bounds for the placed scene)."""
    return [depth_range(c, spec.camera.matrix_world) for c in _corners(spec)]


def predicted_geometry(spec: SceneSpec) -> SceneGeometry:
    """Boxes projected from each object's own turned box: each holds the rendered box."""
    camera = spec.camera
    boxes = [screen_box(c, camera.matrix_world, camera.intrinsics) for c in _corners(spec)]
    return SceneGeometry(boxes, object_depths(spec), "predicted")


def measured_geometry(
    spec: SceneSpec, boxes_xywh: list[tuple[int, int, int, int]]
) -> SceneGeometry:
    """The render's visible boxes ([x, y, w, h], spec order) with depths from the camera."""
    if len(boxes_xywh) != len(spec.objects):
        raise ValueError(
            f"boxes: {len(boxes_xywh)} given for a scene of {len(spec.objects)} objects"
        )
    boxes = [(float(x), float(y), float(x + w), float(y + h)) for x, y, w, h in boxes_xywh]
    return SceneGeometry(boxes, object_depths(spec), "measured")


def pair_relation(
    geometry: SceneGeometry, axis: Axis, a: int, b: int, margin_px: float, margin_m: float
) -> Relation | None:
    """Object a's unambiguous relation to object b along one axis, else None."""
    return relation(
        axis,
        (geometry.boxes[a], geometry.boxes[b]),
        (geometry.depths[a], geometry.depths[b]),
        margin_px,
        margin_m,
    )


def relation_captions(
    spec: SceneSpec,
    style: CaptionStyle,
    geometry: SceneGeometry,
    setup: RelationSetup | None = None,
    colours: bool = True,
) -> RelationCaptions:
    """Both directions of every unambiguous relation between two objects along the setup's
    axes (default: the spec's, else every axis with default margins), with their negatives.
    `colours` names each object with its colour and material words when it has them."""
    setup = setup or spec.relations or RelationSetup()
    margin_px = setup.margin * spec.camera.width
    vocabulary = load_vocabulary()
    phrases = []
    for obj in spec.objects:
        category = vocabulary.category(obj.category)
        shown = (obj.color_name, obj.material) if colours else (None, None)
        phrases.append(object_phrase(category, style, 1, *shown))

    def holds(i: int, j: int, axis: Axis) -> Relation | None:
        return pair_relation(geometry, axis, i, j, margin_px, setup.depth_margin_m)

    def text(subject: str, rel: Relation, reference: str) -> str:
        return style.pattern.format(objects=f"{subject} {WORDS[rel]} {reference}")

    def false_everywhere(subject: str, rel: Relation, reference: str) -> bool:
        """No pair these phrases could name stands in `rel` or ambiguously."""
        return all(
            holds(i, j, AXIS_OF[rel]) == OPPOSITE[rel]
            for i, j in itertools.permutations(range(len(phrases)), 2)
            if phrases[i] == subject and phrases[j] == reference
        )

    captions: list[RelationCaption] = []
    negatives: list[RelationNegative] = []
    for a, b in itertools.combinations(range(len(spec.objects)), 2):
        pa, pb = spec.objects[a].position, spec.objects[b].position
        distance = round(math.hypot(pa[0] - pb[0], pa[1] - pb[1]), 3)
        for axis in setup.axes:
            for i, j in ((a, b), (b, a)):
                rel = holds(i, j, axis)
                if rel is None:
                    continue
                positive = text(phrases[i], rel, phrases[j])
                captions.append(
                    RelationCaption(
                        text=positive, relation=rel, objects=[i, j], distance_m=distance
                    )
                )
                changed = {
                    "argument_swap": (phrases[j], rel, phrases[i]),
                    "relation_flip": (phrases[i], OPPOSITE[rel], phrases[j]),
                }
                for kind, statement in changed.items():
                    if text(*statement) != positive and false_everywhere(*statement):
                        negatives.append(
                            RelationNegative(
                                kind=kind, text=text(*statement), positive=positive,
                                objects=[i, j], relation=statement[1],
                            )
                        )  # fmt: skip
    return RelationCaptions(
        margin_px=round(margin_px, 3),
        depth_margin_m=setup.depth_margin_m,
        boxes=geometry.source,
        colours=colours and any(o.color_name or o.material for o in spec.objects),
        captions=captions,
        negatives=negatives,
    )
