"""The scene spec: everything needed to render one image, and nothing that depends on Blender.

A spec is the unit of work. It is saved next to its image, so rendering it again gives the
same scene. Validation checks what can be known before rendering: categories exist and do
not repeat, size roles are consistent, and objects neither overlap nor leave the frame
(using the conservative bounds of `comco.core.geometry`).
"""

from __future__ import annotations

import itertools
import math
from enum import StrEnum
from functools import cache, cached_property
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_serializer,
    model_validator,
)

from comco.core import geometry
from comco.core.attributes import AttributeSetup, Split, attribute_problems, split_of
from comco.core.catalog import DEFAULT_PRESET, UnknownCategoryError, asset_shape, load_vocabulary
from comco.core.knobs import CaptionKnobs
from comco.core.relations import RelationSetup

SCHEMA_VERSION = 1
MAX_OBJECTS = 10
MAX_ID_LENGTH = 128  # ids name files: `.<id>.json.tmp-<pid>` must stay under 255 bytes
MAX_WORLD_M = 1000.0  # every coordinate; placement and the frame check do the fine limits

# Every number of a spec is finite (`allow_inf_nan=False`) and in a stated range, so a spec
# that validates can be rendered: a NaN or 1e30 never reaches Blender.
Metres = Annotated[float, Field(ge=-MAX_WORLD_M, le=MAX_WORLD_M)]
Unit = Annotated[float, Field(ge=0, le=1)]
Vec3 = tuple[Metres, Metres, Metres]
RGB = tuple[Unit, Unit, Unit]


class SizeRole(StrEnum):
    """How an object's scale was chosen: the one big object, a small one, or all equal."""

    large = "large"
    small = "small"
    same = "same"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ObjectSpec(_Strict):
    """One object: what it is, how big, where, and which way it turns."""

    category: str
    size_role: SizeRole
    scale: float = Field(gt=0, le=100, description="largest dimension in metres (assets are 1 m)")
    position: tuple[Metres, Metres] = Field(description="x, y on the ground plane, metres")
    yaw_deg: float = Field(0.0, ge=-180, le=180, description="turn about z from facing -Y")
    color: RGB | None = Field(None, description="linear RGB in [0, 1] that replaces base colour")
    color_name: str | None = Field(None, description="the word captions use for `color`")
    material: str | None = Field(None, description="a material of data/attributes.yaml")
    pattern: str | None = Field(None, description="a pattern of data/attributes.yaml")
    finish: str | None = Field(None, description="a finish of data/attributes.yaml")

    @model_serializer(mode="wrap")
    def _omit_unset_optionals(self, handler):
        """Unset pattern and finish are left out, so objects without them keep their bytes."""
        data = handler(self)
        for name in OBJECT_OMITTED_WHEN_UNSET:
            if data.get(name) is None:
                data.pop(name, None)
        return data


class Camera(_Strict):
    """A pinhole camera aimed at a point; the horizontal sensor size sets the field of view."""

    location: Vec3 = (0.0, -6.5, 4.5)
    look_at: Vec3 = (0.0, 0.3, 0.4)
    focal_length_mm: float = Field(50.0, gt=0, le=1000)
    sensor_width_mm: float = Field(36.0, gt=0, le=100)
    width: int = Field(512, ge=16, le=8192)
    height: int = Field(512, ge=16, le=8192)

    @cached_property
    def optics(self) -> CameraOptics:
        """Matrices and fast projections, shared by every camera with these fields: specs
        read from a file each hold their own camera, and building these per spec (numpy's
        cross products) cost about as much as the rest of validating it."""
        return camera_optics(
            self.location,
            self.look_at,
            self.focal_length_mm,
            self.sensor_width_mm,
            self.width,
            self.height,
        )

    @property
    def matrix_world(self) -> np.ndarray:
        return self.optics.matrix_world

    @property
    def intrinsics(self) -> np.ndarray:
        return self.optics.intrinsics

    @property
    def projector(self) -> geometry.Projector:
        return self.optics.projector

    def frame_test(self, margin_px: float) -> geometry.FrameTest:
        """The fast frame check of this camera with a `margin_px` margin."""
        return self.optics.frame_test(margin_px)


class CameraOptics:
    """A camera's matrices (read-only: they are shared) and its fast projections."""

    def __init__(self, matrix_world: np.ndarray, intrinsics: np.ndarray, width: int, height: int):
        matrix_world.flags.writeable = intrinsics.flags.writeable = False
        self.matrix_world, self.intrinsics = matrix_world, intrinsics
        self.width, self.height = width, height
        self.projector = geometry.Projector(matrix_world, intrinsics)
        self._frame_tests: dict[float, geometry.FrameTest] = {}

    def frame_test(self, margin_px: float) -> geometry.FrameTest:
        test = self._frame_tests.get(margin_px)
        if test is None:
            test = geometry.FrameTest(
                self.matrix_world, self.intrinsics, self.width, self.height, margin_px
            )
            self._frame_tests[margin_px] = test
        return test


# Optics by camera fields; cleared when full (a run has a few cameras, a test many).
_OPTICS: dict[str, CameraOptics] = {}
MAX_CACHED_CAMERAS = 256


def camera_optics(
    location: tuple[float, float, float],
    look_at: tuple[float, float, float],
    focal_length_mm: float,
    sensor_width_mm: float,
    width: int,
    height: int,
) -> CameraOptics:
    """The optics of a camera with these fields. Keyed by their repr, which tells -0.0 from
    0.0 (the matrices, and the annotations that copy them, do too)."""
    fields = (location, look_at, focal_length_mm, sensor_width_mm, width, height)
    key = repr(fields)
    optics = _OPTICS.get(key)
    if optics is None:
        if len(_OPTICS) >= MAX_CACHED_CAMERAS:
            _OPTICS.clear()
        optics = _OPTICS[key] = CameraOptics(
            geometry.camera_to_world(location, look_at),
            geometry.intrinsics(focal_length_mm, sensor_width_mm, width, height),
            width,
            height,
        )
    return optics


class Light(_Strict):
    """A sun for shadows plus an even sky for fill."""

    sun_elevation_deg: float = Field(55.0, gt=0, le=90)
    sun_azimuth_deg: float = Field(
        -30.0,
        ge=-180,
        le=180,
        description="compass angle of the sun about z: 0 = behind the default camera (-Y), "
        "positive turns it counter-clockwise seen from above (towards +X)",
    )
    sun_strength: float = Field(3.0, ge=0, le=50, description="irradiance, W/m²")
    sun_angle_deg: float = Field(10.0, ge=0, le=90, description="softness of shadows")
    sky_strength: float = Field(0.8, ge=0, le=10)


class Background(_Strict):
    """The studio: a floor plane and the world colour behind it."""

    floor_color: RGB = (0.55, 0.55, 0.55)
    world_color: RGB = (0.8, 0.8, 0.8)


class RenderSettings(_Strict):
    """Cycles settings that change pixels (device choice does not belong here)."""

    engine: Literal["cycles"] = "cycles"
    samples: int = Field(32, ge=1, le=4096)
    denoise: bool = True
    max_bounces: int = Field(4, ge=0, le=64)


class SceneSpec(_Strict):
    """A whole scene. `id` is stable: it names the image and its annotation."""

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=MAX_ID_LENGTH)
    seed: int = Field(ge=0, lt=2**31)
    vocab: str = DEFAULT_PRESET
    objects: list[ObjectSpec] = Field(min_length=1, max_length=MAX_OBJECTS)
    allow_repeats: bool = False
    frame_margin_px: float = Field(4.0, ge=0, le=4096)
    min_gap_m: float = Field(0.05, ge=0, le=100)
    camera: Camera = Camera()
    light: Light = Light()
    background: Background = Background()
    render: RenderSettings = RenderSettings()
    attributes: AttributeSetup | None = Field(None, description="how attributes were drawn")
    split: Split | None = Field(None, description="held-out split; set with `attributes`")
    caption_knobs: CaptionKnobs | None = None
    relations: RelationSetup | None = Field(None, description="relations placed for, margins")
    count_of: str | None = Field(None, description="the category whose count is controlled")

    @model_serializer(mode="wrap")
    def _omit_unset_optionals(self, handler):
        """Unset binding fields are left out, so specs without attributes keep their bytes."""
        data = handler(self)
        for name in OMITTED_WHEN_UNSET:
            if data.get(name) is None:
                data.pop(name, None)
        return data

    @model_validator(mode="after")
    def _check_scene(self) -> SceneSpec:
        vocabulary = load_vocabulary()
        members = preset_members(self.vocab) if self.vocab in vocabulary.presets else frozenset()
        if not members:
            expected = sorted(vocabulary.presets)
            raise ValueError(f"vocab: unknown preset {self.vocab!r}; expected one of {expected}")
        for i, obj in enumerate(self.objects):
            if obj.category in members:
                continue  # a preset's members are known categories
            try:
                vocabulary.category(obj.category)
            except UnknownCategoryError as error:
                raise ValueError(f"objects[{i}].category: {error}") from None
            if obj.category not in members:
                raise ValueError(
                    f"objects[{i}].category: {obj.category!r} is not in preset {self.vocab!r}"
                )
        problems = attribute_problems(self.objects, self.attributes)
        if problems:
            raise ValueError("; ".join(problems))
        _check_split(self)
        if self.count_of is not None and self.count_of not in self.categories:
            raise ValueError(
                f"count_of: {self.count_of!r} is not among the scene's categories "
                f"{sorted(set(self.categories))}"
            )
        _check_roles(self.objects)
        if not self.allow_repeats:
            _check_distinct(self.objects)
        check_placement(self.objects, self.camera, self.frame_margin_px, self.min_gap_m)
        return self

    @property
    def categories(self) -> list[str]:
        return [o.category for o in self.objects]


@cache
def preset_members(vocab: str) -> frozenset[str]:
    """The category ids of a known preset, as a set."""
    return frozenset(load_vocabulary().presets[vocab])


OBJECT_OMITTED_WHEN_UNSET = ("pattern", "finish")
OMITTED_WHEN_UNSET = ("attributes", "split", "caption_knobs", "relations", "count_of")


def _check_split(spec: SceneSpec) -> None:
    if spec.attributes is None:
        if spec.split is not None:
            raise ValueError(f"split: {spec.split!r} is set but attributes is not")
        return
    expected = split_of(spec.attributes, spec.vocab, spec.objects)
    if spec.split != expected:
        raise ValueError(
            f"split: {spec.split!r}, but the scene's (attribute, category) pairs put it in "
            f"{expected!r} under holdout_fraction {spec.attributes.holdout_fraction} and "
            f"holdout_seed {spec.attributes.holdout_seed}"
        )


def _check_roles(objects: list[ObjectSpec]) -> None:
    roles = [o.size_role for o in objects]
    n_large = roles.count(SizeRole.large)
    if SizeRole.same in roles and len(set(roles)) > 1:
        raise ValueError(f"objects.size_role: {roles} mixes 'same' with large/small")
    if n_large and n_large == len(objects) and len(objects) > 1:
        raise ValueError(
            f"objects.size_role: all {len(objects)} objects are large; a large object needs "
            "small ones beside it (use 'same' for equal sizes)"
        )
    for i, obj in enumerate(objects):
        if obj.size_role is SizeRole.large:
            smaller = [o.scale for o in objects if o.size_role is SizeRole.small]
            if smaller and obj.scale <= max(smaller):
                raise ValueError(
                    f"objects[{i}].scale: large object has scale {obj.scale}, "
                    f"not above the small objects' largest scale {max(smaller)}"
                )


def _check_distinct(objects: list[ObjectSpec]) -> None:
    seen: dict[str, int] = {}
    for i, obj in enumerate(objects):
        if obj.category in seen:
            raise ValueError(
                f"objects[{i}].category: {obj.category!r} repeats objects[{seen[obj.category]}]; "
                "set allow_repeats to keep repeated categories"
            )
        seen[obj.category] = i


Placed = tuple[float, float, float, geometry.Extents]


def placed(obj: ObjectSpec) -> Placed:
    """An object as placement sees it: ground position, scale and its asset's extents."""
    return (obj.position[0], obj.position[1], obj.scale, asset_shape(obj.category).extents)


Box = geometry.Box
# A projected box and how far each of its edges may be from `frame_box`'s (0 when exact).
Bounds = tuple[Box, float]


def frame_box(obj: Placed, camera: Camera, margin_px: float) -> tuple[Box, bool]:
    """The projected box (x0, y0, x1, y1) of an object's conservative bounds, and whether it
    lies in front of the camera and inside the frame with a `margin_px` margin."""
    x, y, scale, extents = obj
    corners = geometry.bounding_box_corners(x, y, scale, extents)
    pixels, depth = geometry.project(corners, camera.matrix_world, camera.intrinsics)
    box = geometry.projected_box(pixels)
    x0, y0, x1, y1 = box
    inside = bool(
        (depth > 0).all()
        and x0 >= margin_px
        and y0 >= margin_px
        and x1 <= camera.width - margin_px
        and y1 <= camera.height - margin_px
    )
    return box, inside


def frame_bounds(obj: Placed, camera: Camera, margin_px: float) -> tuple[Bounds, bool]:
    """`frame_box`, fast: the box may be off by the returned tolerance, but `inside` is always
    exactly `frame_box`'s (it is decided from the fast box only when no box within the
    tolerance could decide otherwise)."""
    fast = camera.projector.bounds(*obj)
    if fast is not None:
        (x0, y0, x1, y1), tolerance = fast
        slack = min(
            x0 - margin_px,
            y0 - margin_px,
            (camera.width - margin_px) - x1,
            (camera.height - margin_px) - y1,
        )
        if abs(slack) > 2 * tolerance:
            return fast, slack > 0
    box, inside = frame_box(obj, camera, margin_px)
    return (box, 0.0), inside


def frame_inside(obj: Placed, camera: Camera, margin_px: float) -> bool:
    """`frame_box`'s `inside`, fast: from `FrameTest` where it decides, else from
    `frame_bounds` (which is exact too)."""
    verdict = camera.frame_test(margin_px).inside(*obj)
    return frame_bounds(obj, camera, margin_px)[1] if verdict is None else verdict


def placement_problems(
    objects: list[ObjectSpec] | list[Placed],
    camera: Camera,
    margin_px: float,
    min_gap_m: float,
) -> list[str]:
    """Why a placement is invalid (empty when it is fine)."""
    footprints = [placed(o) if isinstance(o, ObjectSpec) else o for o in objects]
    problems = []
    for i, (x, y, s, extents) in enumerate(footprints):
        if not frame_inside((x, y, s, extents), camera, margin_px):
            (x0, y0, x1, y1), _ = frame_box((x, y, s, extents), camera, margin_px)
            problems.append(
                f"objects[{i}].position: {(x, y)} at scale {s} is not fully inside the frame "
                f"with a {margin_px}px margin (projected box {x0:.0f},{y0:.0f},{x1:.0f},{y1:.0f} "
                f"in a {camera.width}x{camera.height} image)"
            )
    for (i, a), (j, b) in itertools.combinations(enumerate(footprints), 2):
        needed = (
            geometry.footprint_radius(a[2], a[3])
            + geometry.footprint_radius(b[2], b[3])
            + min_gap_m
        )
        if geometry.hypot_below(a[0] - b[0], a[1] - b[1], needed):
            distance = float(np.hypot(a[0] - b[0], a[1] - b[1]))
            problems.append(
                f"objects[{j}].position: overlaps objects[{i}] (centres {distance:.3f} m apart, "
                f"need at least {needed:.3f} m)"
            )
    return problems


def check_placement(
    objects: list[ObjectSpec], camera: Camera, margin_px: float, min_gap_m: float
) -> None:
    """Raise with every reason the placement is invalid."""
    problems = placement_problems(objects, camera, margin_px, min_gap_m)
    if problems:
        raise ValueError("; ".join(problems))


def screen_area(x: float, y: float, scale: float, camera: Camera) -> float:
    """Pixel area of the projected unit box at this scale: what asset fills are relative to."""
    px, _ = geometry.project(
        geometry.bounding_box_corners(x, y, scale), camera.matrix_world, camera.intrinsics
    )
    x0, y0, x1, y1 = geometry.projected_box(px)
    return (x1 - x0) * (y1 - y0)


def largest_fitting_scale(
    position: tuple[float, float],
    camera: Camera,
    margin_px: float,
    extents: geometry.Extents = geometry.UNIT_EXTENTS,
    tolerance: float = 1e-3,
) -> float:
    """The largest scale at which an object of these extents standing at `position` stays
    inside the frame."""

    def fits(scale: float) -> bool:
        return not placement_problems([(*position, scale, extents)], camera, margin_px, 0.0)

    low, high = 0.0, 1.0
    while fits(high):
        low, high = high, high * 2
        if high > 1e6:
            raise ValueError(f"position {position}: no frame edge limits the scale")
    if low == 0.0 and not fits(tolerance):
        raise ValueError(f"position {position}: outside the frame at any scale")
    while high - low > tolerance:
        middle = (low + high) / 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return math.floor(low * 1000) / 1000  # rounding down keeps it inside the frame


def predicted_area(category: str, x: float, y: float, scale: float, camera: Camera) -> float:
    """Visible pixels an object is expected to show alone: its box's area on screen times the
    share of its box the category's asset fills."""
    return screen_area(x, y, scale, camera) * asset_shape(category).fill


def predicted_area_bounds(
    category: str, x: float, y: float, scale: float, camera: Camera
) -> tuple[float, float] | None:
    """`predicted_area`, fast, and how far it may be from it; None where no bound holds."""
    fast = camera.projector.bounds(x, y, scale)
    if fast is None:
        return None
    (x0, y0, x1, y1), tolerance = fast
    fill = asset_shape(category).fill
    doubt = 4 * tolerance * ((x1 - x0) + (y1 - y0) + 4 * tolerance)
    return (x1 - x0) * (y1 - y0) * fill, doubt * fill
