"""Seeded scene samplers: spec i depends only on (seed, i), so shards sample independently.

Placement is rejection-sampled against the same analytic checks that `SceneSpec` validates
(frame margin, no 3D overlap) plus, with a large object, a minimum on-screen size ratio.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import pickle
import zlib
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from comco.core import geometry
from comco.core.attributes import SHAPE_COLORS, AttributeSetup, load_attributes, split_of
from comco.core.catalog import DEFAULT_PRESET, asset_shape, load_vocabulary
from comco.core.knobs import CaptionKnobs
from comco.core.permutation import KeyedPermutation, ordered_tuple_count, unrank_ordered_tuple
from comco.core.relations import RelationSetup
from comco.core.spec import (
    MAX_OBJECTS,
    MAX_WORLD_M,
    Bounds,
    Box,
    Camera,
    ObjectSpec,
    Placed,
    RenderSettings,
    SceneSpec,
    SizeRole,
    frame_bounds,
    frame_box,
    placement_problems,
    predicted_area,
    predicted_area_bounds,
)
from comco.sampling.counting import CountRange, counted_categories
from comco.sampling.relations import mirrored, requested_sides, sides_hold

Layout = Literal["free", "middle", "bottom-right", "down-left"]

# Where the first (largest) object goes, as an image-space direction from the centre: it is
# pushed that way as far as the frame allows, so a layout holds for any camera and scale.
LAYOUT_DIRECTIONS: dict[str, tuple[float, float]] = {
    "middle": (0.0, 0.0),
    "bottom-right": (1.0, 1.0),
    "down-left": (-1.0, 1.0),
}

# Random draws of which objects are large before falling back to the fullest assets.
ROLE_DRAWS = 8
# Times roles and scales are drawn again when no placement is found.
PLACEMENT_REDRAWS = 4


class Scales(BaseModel):
    """Object scales (largest dimension, metres). Defaults follow the original ComCO scripts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    small: tuple[float, float] = (0.73, 0.8)
    large: tuple[float, float] = (2.3, 2.5)
    same: dict[int, float] = Field(
        default_factory=lambda: {1: 2.0, 2: 1.6, 3: 1.3, 4: 1.3, 5: 1.3},
        description="scale of every object in same-size scenes, by object count",
    )
    same_default: float = 1.0

    @model_validator(mode="after")
    def _check_ranges(self) -> Scales:
        for name in ("small", "large"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"{name}: range {(low, high)} must satisfy 0 < low <= high")
        if self.small[1] >= self.large[0]:
            raise ValueError(
                f"small: range {self.small} must lie below the large range {self.large}"
            )
        bad = {k: v for k, v in self.same.items() if v <= 0}
        if bad or self.same_default <= 0:
            raise ValueError(f"same: scales must be positive, got {bad or self.same_default}")
        return self

    def same_for(self, n_objects: int) -> float:
        return self.same.get(n_objects, self.same_default)


class SamplerConfig(BaseModel):
    """Everything `comco sample` controls."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vocab: str = DEFAULT_PRESET
    objects: int = Field(4, ge=1, le=MAX_OBJECTS)
    large: int = Field(0, ge=0)
    layout: Layout = "free"
    all_orders: bool = False
    seed: int = Field(0, ge=0, lt=2**31)
    scales: Scales = Scales()
    camera: Camera = Camera()
    render: RenderSettings = RenderSettings()
    large_factor: float = Field(2.0, ge=1, description="min on-screen area ratio large/small")
    yaw_range_deg: float = Field(30.0, ge=0, le=180)
    ground_rows: tuple[float, float] = Field(
        (0.3, 1.0), description="image rows (fractions of height) where objects may stand"
    )
    frame_margin_px: float = Field(4.0, ge=0)
    min_gap_m: float = Field(0.05, ge=0)
    max_hidden: float = Field(
        0.5, ge=0, le=1, description="max share of an object's projected box behind another's"
    )
    max_attempts: int = Field(2000, ge=1)
    id_prefix: str | None = None
    attributes: AttributeSetup | None = None
    caption_knobs: CaptionKnobs | None = None
    relations: RelationSetup | None = None
    counts: CountRange | None = None
    _reach: dict[geometry.Extents, float] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> SamplerConfig:
        load_vocabulary().preset(self.vocab)  # raises on an unknown preset
        members = _members(self)
        if self.objects > len(members):
            raise ValueError(
                f"objects: {self.objects} distinct objects asked for, but preset "
                f"{self.vocab!r} has only {len(members)} categories"
                + (" that may carry the attributes" if self.attributes else "")
            )
        per_object = self.caption_knobs and self.caption_knobs.attributes_per_object
        if per_object and per_object[1] > len(self.attributes.kinds if self.attributes else []):
            raise ValueError(
                f"attributes-per-object: {per_object[0]}-{per_object[1]} needs objects with at "
                f"least {per_object[1]} attribute kinds; --attributes gives "
                f"{self.attributes.kinds if self.attributes else 'none'}"
            )
        if self.attributes is not None and "size" in self.attributes.kinds and not self.large:
            raise ValueError(
                "attributes: size words need one-large scenes (--large K); same-size objects "
                "have no size word"
            )
        if self.attributes is not None and self.attributes.distinct:
            for kind in self.attributes.drawn_kinds:
                values = load_attributes().values(kind, self.attributes.palette)
                if self.objects > len(values):
                    source = (
                        f"palette {self.attributes.palette!r}"
                        if kind == "color"
                        else f"attributes.yaml's {kind} values"
                    )
                    raise ValueError(
                        f"distinct-attributes: {self.objects} objects need {self.objects} "
                        f"distinct {kind} values, but {source} has only {len(values)}: {values}"
                    )
        if self.large >= self.objects and self.objects > 1:
            raise ValueError(
                f"large: {self.large} large objects among {self.objects} objects; expected "
                f"fewer large objects than objects (0 to {self.objects - 1})"
            )
        if self.relations is not None and self.objects < 2:
            raise ValueError(f"relations: need at least 2 objects, got objects {self.objects}")
        if self.counts is not None:
            _check_counts(self)
        return self

    def layout_reach(self, extents: geometry.Extents) -> float:
        """How far the layout's object may go towards its corner, for the biggest scale it
        can have (so any scale it does have fits); computed once per configuration and shape."""
        if extents not in self._reach:
            biggest = self.scales.large[1] if self.large else self.scales.same_for(self.objects)
            self._reach[extents] = _layout_reach(self, biggest, extents)
        return self._reach[extents]

    @property
    def prefix(self) -> str:
        if self.id_prefix is not None:
            return self.id_prefix
        size = f"large{self.large}" if self.large else "same"
        layout = "" if self.layout == "free" else f"-{self.layout}"
        tagged = ""
        if self.attributes is not None:
            tagged = "-" + "-".join(self.attributes.kinds)
            tagged += f"-{self.attributes.palette}" if self.attributes.palette else ""
        if self.relations is not None:
            tagged += "-rel-" + "-".join(self.relations.axes)
        if self.counts is not None:
            tagged += f"-count{self.counts.low}-{self.counts.high}"
        return f"{self.vocab}-o{self.objects}-{size}{layout}{tagged}-s{self.seed}"


def _check_counts(config: SamplerConfig) -> None:
    """Count scenes: `objects` distinct categories, the first repeated; all the same size."""
    assert config.counts is not None
    most = config.objects - 1 + config.counts.high
    if config.large or config.all_orders:
        raise ValueError(
            f"counts: count scenes are same-size scenes of random categories; got large "
            f"{config.large} and all_orders {config.all_orders}, expected 0 and False"
        )
    if most > MAX_OBJECTS:
        raise ValueError(
            f"counts: up to {config.counts.high} counted objects beside {config.objects - 1} "
            f"others make {most} objects; expected at most {MAX_OBJECTS}"
        )
    colours = (
        len(SHAPE_COLORS) if config.attributes is None and _is_shape_preset(config.vocab) else None
    )
    if config.attributes is not None and config.attributes.distinct:
        colours = min(
            len(load_attributes().values(k, config.attributes.palette))
            for k in config.attributes.kinds
        )
    if colours is not None and most > colours:
        raise ValueError(
            f"counts: {most} objects need distinct colours, but only {colours} exist; "
            "lower the count range or --objects"
        )


class PlacementError(RuntimeError):
    """No valid placement was found within the attempt budget."""


def _rng(config: SamplerConfig, index: int) -> np.random.Generator:
    """Scene index's generator; the config's name keeps different configurations apart."""
    return np.random.default_rng(
        np.random.SeedSequence([config.seed, index, zlib.crc32(config.prefix.encode())])
    )


def _members(config: SamplerConfig) -> list[str]:
    """The categories a scene may hold: the preset, less those that forbid an attribute drawn."""
    members = load_vocabulary().presets[config.vocab]
    if config.attributes is None:
        return members
    allowed = load_attributes().allows
    return [c for c in members if all(allowed(k, c) for k in config.attributes.kinds)]


def _categories(config: SamplerConfig, index: int, rng: np.random.Generator) -> list[str]:
    members = _members(config)
    if config.all_orders:
        total = ordered_tuple_count(len(members), config.objects)
        if index >= total:
            raise ValueError(
                f"index: scene {index} asked for, but only {total} ordered tuples of "
                f"{config.objects} exist in {config.vocab!r}"
            )
        rank = KeyedPermutation(total, config.seed)(index)
        return [members[i] for i in unrank_ordered_tuple(rank, len(members), config.objects)]
    return [members[i] for i in rng.choice(len(members), size=config.objects, replace=False)]


def _roles_and_scales(
    config: SamplerConfig, categories: list[str], rng: np.random.Generator
) -> list[tuple[SizeRole, float]]:
    """Size role and scale per object. The large role goes to objects that can out-show the
    small ones: a few random draws, then the objects whose assets fill their boxes most."""
    if config.large == 0:
        scale = config.scales.same_for(config.objects)
        return [(SizeRole.same, scale)] * config.objects
    large_scales = [round(float(rng.uniform(*config.scales.large)), 4) for _ in range(config.large)]
    small_scales = [
        round(float(rng.uniform(*config.scales.small)), 4)
        for _ in range(config.objects - config.large)
    ]
    # lists, not arrays: `slot in slots` on an array costs a comparison of every element
    drawn = [rng.permutation(config.objects)[: config.large].tolist() for _ in range(ROLE_DRAWS)]
    fills = [asset_shape(c).fill for c in categories]
    fullest = np.argsort([-f for f in fills], kind="stable")[: config.large].tolist()
    for slots in [*drawn, fullest]:
        larges, smalls = iter(large_scales), iter(small_scales)
        sizes = [
            (SizeRole.large, next(larges)) if slot in slots else (SizeRole.small, next(smalls))
            for slot in range(config.objects)
        ]
        if _can_stand_out(config, sizes, categories):
            return sizes
    raise PlacementError(
        f"objects {categories}: no {config.large} of them can show {config.large_factor} times "
        f"the area of the others at scales {config.scales.large} vs {config.scales.small}"
    )


def _can_stand_out(
    config: SamplerConfig, sizes: list[tuple[SizeRole, float]], categories: list[str]
) -> bool:
    """Would every large object out-show every small one at the same distance from the camera?
    Placement then only has to keep the large objects from standing far behind."""
    areas = [
        asset_shape(c).fill * scale**2 for c, (_, scale) in zip(categories, sizes, strict=True)
    ]
    return _out_shows(areas, sizes, config.large_factor)


def _out_shows(areas: list[float], sizes: list[tuple[SizeRole, float]], factor: float) -> bool:
    """Whether every large object's area is at least `factor` times every small one's."""
    large = [a for a, (role, _) in zip(areas, sizes, strict=True) if role is SizeRole.large]
    small = [a for a, (role, _) in zip(areas, sizes, strict=True) if role is SizeRole.small]
    return not large or not small or min(large) >= factor * max(small)


def _layout_ground(config: SamplerConfig, t: float) -> tuple[float, float]:
    """Ground point under the image point a fraction t of the way to the layout's corner."""
    cam = config.camera
    dx, dy = LAYOUT_DIRECTIONS[config.layout]
    u, v = cam.width * (0.5 + 0.5 * t * dx), cam.height * (0.5 + 0.5 * t * dy)
    point = geometry.ground_point_at_pixel(u, v, cam.matrix_world, cam.intrinsics)
    return float(point[0]), float(point[1])


def _layout_reach(config: SamplerConfig, scale: float, extents: geometry.Extents) -> float:
    """How far towards its corner the layout's object can go and still fit the frame."""
    reachable = [
        float(t)
        for t in np.linspace(0.0, 1.0, 41)
        if not placement_problems(
            [(*_layout_ground(config, float(t)), scale, extents)],
            config.camera,
            config.frame_margin_px,
            0.0,
        )
    ]
    if not reachable:
        raise PlacementError(f"layout {config.layout!r}: an object of scale {scale} does not fit")
    return reachable[-1]


def _uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """`rng.uniform(low, high)` for one value at a third of the cost (its array handling of
    the bounds is most of it): numpy computes exactly `low + (high - low) * rng.random()`."""
    return low + (high - low) * rng.random()


# How far from a rounding tie a coordinate scaled to 0.1 mm steps must lie, beyond its
# tolerance, to round like its exact value: far more than the last bit of the scaled value
# (under 1e-9 for coordinates under MAX_WORLD_M).
TIE_CLEARANCE = 1e-6


def _steady_round(value: float, tolerance: float) -> float | None:
    """`round(value, 4)` when every number within `tolerance` of `value` rounds to it too,
    else None; three times cheaper than `round` (which formats digits). Dividing the nearest
    whole number of steps by 10^4 gives the float nearest that decimal, as `round` does."""
    if not abs(value) < MAX_WORLD_M:
        return None
    scaled = value * 1e4
    whole = math.floor(scaled)
    rest = scaled - whole
    if abs(rest - 0.5) <= tolerance * 1e4 + TIE_CLEARANCE:
        return None
    whole += rest > 0.5
    return whole / 1e4 if whole else math.copysign(0.0, value)


def _ground_under_random_pixel(
    config: SamplerConfig, rng: np.random.Generator
) -> tuple[float, float]:
    """A ground point under a pixel drawn uniformly from the allowed rows, to 0.1 mm: objects
    spread evenly over the image, whatever the camera."""
    cam = config.camera
    u = _uniform(rng, 0.0, float(cam.width))
    v = _uniform(rng, config.ground_rows[0] * cam.height, config.ground_rows[1] * cam.height)
    fast = cam.projector.ground(u, v)
    if fast is not None:  # kept when every point within its tolerance rounds the same way
        x, y, tolerance = fast
        rounded_x, rounded_y = _steady_round(x, tolerance), _steady_round(y, tolerance)
        if rounded_x is not None and rounded_y is not None:
            return rounded_x, rounded_y
        low = round(x - tolerance, 4), round(y - tolerance, 4)
        if low == (round(x + tolerance, 4), round(y + tolerance, 4)):
            return low
    point = geometry.ground_point_at_pixel(u, v, cam.matrix_world, cam.intrinsics)
    return round(float(point[0]), 4), round(float(point[1]), 4)


def _anchor(config: SamplerConfig, reach: float, rng: np.random.Generator) -> tuple[float, float]:
    """A position for the layout's object: centred, or near the farthest reach to its corner."""
    if config.layout == "middle":
        x, y = _layout_ground(config, 0.0)
        jitter = rng.uniform(-0.1, 0.1, size=2)
        return x + float(jitter[0]), y + float(jitter[1])
    return _layout_ground(config, float(rng.uniform(0.75 * reach, reach)))


def _place(
    config: SamplerConfig,
    sizes: list[tuple[SizeRole, float]],
    categories: list[str],
    rng: np.random.Generator,
    attempts: int,
) -> list[tuple[float, float]]:
    """Positions for objects, biggest first, each checked against those already placed."""
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i][1])
    extents = [asset_shape(c).extents for c in categories]
    reach = config.layout_reach(extents[order[0]]) if config.layout != "free" else 0.0
    for _ in range(attempts):
        placed: dict[int, Placed] = {}
        boxes: list[tuple[Placed, Bounds]] = []
        for rank, i in enumerate(order):
            scale = sizes[i][1]
            for _ in range(50):
                if rank == 0 and config.layout != "free":
                    x, y = (round(c, 4) for c in _anchor(config, reach, rng))
                else:
                    x, y = _ground_under_random_pixel(config, rng)
                candidate = (x, y, scale, extents[i])
                box = _fitting_box(config, candidate, boxes)
                if box is not None:
                    placed[i] = candidate
                    boxes.append((candidate, box))
                    break
            else:
                break
        if len(placed) == len(sizes) and _large_stands_out(config, sizes, placed, categories):
            return [(placed[i][0], placed[i][1]) for i in range(len(sizes))]
    raise PlacementError(
        f"no placement of {len(sizes)} objects with scales {[round(s, 2) for _, s in sizes]} "
        f"found in {attempts} attempts; widen ground_rows, move the camera "
        "back or lower the scales"
    )


def _fitting_box(
    config: SamplerConfig, new: Placed, placed: list[tuple[Placed, Bounds]]
) -> Bounds | None:
    """The projected box (with its tolerance) of one more object if it fits the frame, clears
    the objects already placed in 3D and does not hide too much of them (or they of it); None
    otherwise."""
    x, y, scale, extents = new
    radius = geometry.footprint_radius(scale, extents) + config.min_gap_m
    for (px, py, ps, pe), _ in placed:
        reach = radius + geometry.footprint_radius(ps, pe)
        if (x - px) ** 2 + (y - py) ** 2 < reach**2:
            return None
    cam = config.camera
    if cam.frame_test(config.frame_margin_px).inside(*new) is False:
        return None  # most rejections: decided without projecting a corner
    bounds, inside = frame_bounds(new, cam, config.frame_margin_px)
    if not inside:
        return None
    eye_x, eye_y = cam.location[:2]
    for obj, other in placed:
        new_is_nearer = geometry.hypot_shorter(x - eye_x, y - eye_y, obj[0] - eye_x, obj[1] - eye_y)
        near, far = (
            ((new, bounds), (obj, other)) if new_is_nearer else ((obj, other), (new, bounds))
        )
        if _hides_too_much(config, near, far):
            return None
    return bounds


def _hides_too_much(
    config: SamplerConfig, near: tuple[Placed, Bounds], far: tuple[Placed, Bounds]
) -> bool:
    """Whether the nearer object's box covers more than `max_hidden` of the farther one's,
    decided on the exact boxes: from the fast ones when their tolerance cannot change it."""
    (near_box, near_tolerance), (far_box, far_tolerance) = near[1], far[1]
    share = _covered_share(near_box, far_box)
    if near_tolerance or far_tolerance:
        width, height = far_box[2] - far_box[0], far_box[3] - far_box[1]
        slack = 2 * (near_tolerance + far_tolerance)  # on any width or height below
        if min(width, height) > 1e3 * slack:
            doubt = 4 * slack * (share * (1 / width + 1 / height) + 1 / width + 1 / height)
            if abs(share - config.max_hidden) > doubt:
                return share > config.max_hidden
        cam, margin = config.camera, config.frame_margin_px
        near_box, far_box = frame_box(near[0], cam, margin)[0], frame_box(far[0], cam, margin)[0]
        share = _covered_share(near_box, far_box)
    return share > config.max_hidden


def _covered_share(near: Box, far: Box) -> float:
    """Share of the farther object's box that the nearer one's box covers."""
    width = max(0.0, min(near[2], far[2]) - max(near[0], far[0]))
    height = max(0.0, min(near[3], far[3]) - max(near[1], far[1]))
    return width * height / ((far[2] - far[0]) * (far[3] - far[1]))


def _large_stands_out(
    config: SamplerConfig,
    sizes: list[tuple[SizeRole, float]],
    placed: dict[int, Placed],
    categories: list[str],
) -> bool:
    """Whether every large object is predicted to show `large_factor` times the area of every
    small one: from fast areas when their doubt cannot change the answer, else exactly."""
    if not config.large:  # same-size scenes: nothing to predict
        return True
    objects = range(len(sizes))
    fast = [predicted_area_bounds(categories[i], *placed[i][:3], config.camera) for i in objects]
    roles = [role for role, _ in sizes]
    if SizeRole.small in roles and all(f is not None for f in fast):
        large = [a for (a, _), role in zip(fast, roles, strict=True) if role is SizeRole.large]
        small = [a for (a, _), role in zip(fast, roles, strict=True) if role is SizeRole.small]
        gap = min(large) - config.large_factor * max(small)
        doubt = 2 * (1 + config.large_factor) * max(d for _, d in fast)
        if abs(gap) > doubt:
            return gap >= 0
    areas = [predicted_area(categories[i], *placed[i][:3], config.camera) for i in objects]
    return _out_shows(areas, sizes, config.large_factor)


@cache
def _is_shape_preset(vocab: str) -> bool:
    return all(c.kind == "shape" for c in load_vocabulary().preset(vocab))


def _colors(config: SamplerConfig, rng: np.random.Generator) -> list[str | None]:
    """Distinct named colours for SimCO shapes; real objects keep their own textures."""
    if config.attributes is not None or not _is_shape_preset(config.vocab):
        return [None] * config.objects
    names = list(SHAPE_COLORS)
    return [names[i] for i in rng.choice(len(names), size=config.objects, replace=False)]


def _sizes_and_positions(
    config: SamplerConfig, categories: list[str], rng: np.random.Generator
) -> tuple[list[tuple[SizeRole, float]], list[tuple[float, float]]]:
    """Size roles, scales and positions; when no placement is found the roles and scales are
    drawn again from the same generator (a deterministic re-sample, never a silent skip)."""
    attempts = max(1, config.max_attempts // PLACEMENT_REDRAWS)
    for _ in range(PLACEMENT_REDRAWS - 1):
        sizes = _roles_and_scales(config, categories, rng)
        try:
            return sizes, _place(config, sizes, categories, rng, attempts)
        except PlacementError:
            continue
    sizes = _roles_and_scales(config, categories, rng)
    return sizes, _place(config, sizes, categories, rng, attempts)


def sample_scene(config: SamplerConfig, index: int) -> SceneSpec:
    """Scene `index` of the dataset that `config` describes."""
    rng = _rng(config, index)
    prefix, counted = config.prefix, None
    if config.counts is None:
        categories = _categories(config, index, rng)
    else:
        count = config.counts.count(index)
        counted, categories = counted_categories(_members(config), config.objects, count, rng)
        config = config.model_copy(update={"objects": len(categories), "id_prefix": prefix})
    sizes, positions, yaws = _placement(config, categories, rng, index)
    colors = _colors(config, rng)
    if yaws is None:
        yaws = _yaws(config, rng)
    objects = [
        ObjectSpec(
            category=category,
            size_role=role,
            scale=scale,
            position=position,
            yaw_deg=round(float(yaw), 2),
            color=SHAPE_COLORS[color] if color else None,
            color_name=color,
        )
        for category, (role, scale), position, yaw, color in zip(
            categories, sizes, positions, yaws, colors, strict=True
        )
    ]
    if config.attributes is not None:
        objects = _with_attributes(config, index, objects)
    return SceneSpec(
        id=f"{prefix}-{index:07d}",
        seed=int(np.random.SeedSequence([config.seed, index]).generate_state(1)[0] >> 1),
        vocab=config.vocab,
        objects=objects,
        frame_margin_px=config.frame_margin_px,
        min_gap_m=config.min_gap_m,
        camera=config.camera,
        render=config.render,
        attributes=config.attributes,
        split=split_of(config.attributes, config.vocab, objects) if config.attributes else None,
        caption_knobs=config.caption_knobs,
        allow_repeats=counted is not None,
        relations=config.relations,
        count_of=counted,
    )


# Placements drawn for a relation scene before giving up: with both axes and the default
# margins 5 % (two SimCO shapes of 1.6 m) to 18 % (five ComCO objects) of draws hold.
RELATION_DRAWS = 1000


def _yaws(config: SamplerConfig, rng: np.random.Generator) -> list[float]:
    return [
        float(y)
        for y in rng.uniform(-config.yaw_range_deg, config.yaw_range_deg, size=config.objects)
    ]


def _placement(
    config: SamplerConfig, categories: list[str], rng: np.random.Generator, index: int
) -> tuple[list[tuple[SizeRole, float]], list[tuple[float, float]], list[float] | None]:
    """Sizes and positions; a relation scene draws them, and the yaws, again until objects 0
    and 1 stand as scene `index` asks (other scenes draw their yaws later, as they always
    have, so their specs keep their bytes)."""
    if config.relations is None:
        return (*_sizes_and_positions(config, categories, rng), None)
    sides = requested_sides(config.relations, index)
    for _ in range(RELATION_DRAWS):
        sizes, positions = _sizes_and_positions(config, categories, rng)
        yaws = _yaws(config, rng)
        scales = [scale for _, scale in sizes]
        for candidate in ((positions, yaws), mirrored(positions, yaws, config.camera)):
            if candidate and sides_hold(
                config.relations, sides, categories, scales, *candidate, config.camera
            ):
                return sizes, *candidate
    wanted = ", ".join(f"{axis}: object 0 {rel} object 1" for axis, rel in sides.items())
    raise PlacementError(
        f"relations: no placement of {categories} in {RELATION_DRAWS} draws gives {wanted}; "
        "lower the margins or the scales"
    )


def attribute_values(config: SamplerConfig, index: int) -> dict[str, list[str]]:
    """Each attribute kind's value per object slot, from a generator of their own: independent
    of category, size, position and slot, uniform over the values in every slot (and without
    repeats in a scene when `distinct`)."""
    setup = config.attributes
    assert setup is not None
    rng = np.random.default_rng(
        np.random.SeedSequence([config.seed, index, zlib.crc32(config.prefix.encode()), 1])
    )
    drawn = {}
    for kind in setup.drawn_kinds:
        values = load_attributes().values(kind, setup.palette)
        picks = (
            rng.choice(len(values), size=config.objects, replace=False)
            if setup.distinct
            else rng.integers(len(values), size=config.objects)
        )
        drawn[kind] = [values[int(i)] for i in picks]
    return drawn


def _with_attributes(
    config: SamplerConfig, index: int, objects: list[ObjectSpec]
) -> list[ObjectSpec]:
    setup = config.attributes
    assert setup is not None
    drawn = attribute_values(config, index)
    palette = load_attributes().palettes.get(setup.palette or "", {})
    updated = []
    for slot, obj in enumerate(objects):
        changes: dict[str, object] = {}
        if "color" in drawn:
            name = drawn["color"][slot]
            changes.update(color=palette[name].linear, color_name=name)
        for kind in ("material", "pattern", "finish"):
            if kind in drawn:
                changes[kind] = drawn[kind][slot]
        updated.append(obj.model_copy(update=changes))
    return updated


def sample_scenes(config: SamplerConfig, count: int, start: int = 0) -> Iterator[SceneSpec]:
    """Scenes start .. start+count-1."""
    for index in range(start, start + count):
        yield sample_scene(config, index)


# One scene to draw: its configuration and its index in that configuration's dataset.
SceneDraw = tuple[SamplerConfig, int]


def _spec_line(job: SceneDraw) -> str:
    config, index = job
    return sample_scene(config, index).model_dump_json()


# Scenes per task sent to a pool process.
CHUNK_SCENES = 256
# A chunk of draws as a pool process gets it: each configuration it uses, pickled (bytes, so a
# process unpickles a configuration once and keeps its caches: camera optics, layout reach),
# and (position in that tuple, scene index) per scene.
Chunk = tuple[tuple[bytes, ...], list[tuple[int, int]]]
# A pool process's configurations by their pickled bytes (reset if a run sends very many).
_UNPICKLED: dict[bytes, SamplerConfig] = {}


def _chunks(jobs: Iterable[SceneDraw]) -> Iterator[Chunk]:
    pickled: dict[int, tuple[SamplerConfig, bytes]] = {}  # by id; holds the config, so ids stay
    remaining = iter(jobs)
    while batch := list(itertools.islice(remaining, CHUNK_SCENES)):
        payloads: dict[bytes, int] = {}
        draws = []
        for config, index in batch:
            if id(config) not in pickled:
                pickled[id(config)] = (config, pickle.dumps(config))
            payload = pickled[id(config)][1]
            draws.append((payloads.setdefault(payload, len(payloads)), index))
        yield tuple(payloads), draws


def _unpickled(payload: bytes) -> SamplerConfig:
    if payload not in _UNPICKLED:
        if len(_UNPICKLED) >= 64:
            _UNPICKLED.clear()
        _UNPICKLED[payload] = pickle.loads(payload)
    return _UNPICKLED[payload]


def _chunk_lines(chunk: Chunk) -> list[str]:
    payloads, draws = chunk
    configs = [_unpickled(payload) for payload in payloads]
    return [_spec_line((configs[slot], index)) for slot, index in draws]


def spec_lines(jobs: Iterable[SceneDraw], processes: int = 1) -> Iterator[str]:
    """Spec JSON lines in job order. Scenes depend only on their config and index, so several
    processes give the same bytes as one, faster."""
    if processes <= 1:
        yield from map(_spec_line, jobs)
        return
    with multiprocessing.Pool(processes) as pool:
        for lines in pool.imap(_chunk_lines, _chunks(jobs)):
            yield from lines


def dataset_jobs(config: SamplerConfig, count: int, start: int = 0) -> Iterator[SceneDraw]:
    """Scenes start .. start+count-1 of one configuration."""
    return ((config, index) for index in range(start, start + count))
