"""The sampler's plain-float projections stay within their stated tolerance of numpy's, and
decisions made with them are exactly those made with numpy's boxes."""

import numpy as np
import pytest
from pydantic import ValidationError

from comco.core import geometry
from comco.core.catalog import asset_shape
from comco.core.spec import (
    Camera,
    ObjectSpec,
    SceneSpec,
    frame_bounds,
    frame_box,
    frame_inside,
    largest_fitting_scale,
    placement_problems,
)


def _cameras(rng: np.random.Generator, count: int) -> list[Camera]:
    cameras = [Camera(), Camera(width=128, height=96, focal_length_mm=35.0)]
    for _ in range(count - len(cameras)):
        location = (rng.uniform(-8, 8), rng.uniform(-12, -3), rng.uniform(1, 9))
        look_at = (rng.uniform(-1, 1), rng.uniform(-1, 2), rng.uniform(0, 1))
        lens = rng.uniform(20, 120)
        cameras.append(Camera(location=location, look_at=look_at, focal_length_mm=lens))
    return cameras


def test_boxes_lie_within_their_tolerance_of_numpys():
    rng = np.random.default_rng(0)
    worst = 0.0
    for camera in _cameras(rng, 20):
        for _ in range(500):
            x, y, scale = rng.uniform(-4, 4), rng.uniform(-3, 8), rng.uniform(0.2, 3)
            extents = (rng.uniform(0.1, 1), rng.uniform(0.1, 1), rng.uniform(0.1, 1))
            fast = camera.projector.bounds(x, y, scale, extents)
            if fast is None:
                continue
            box, tolerance = fast
            corners = geometry.bounding_box_corners(x, y, scale, extents)
            exact = geometry.projected_box(
                geometry.project(corners, camera.matrix_world, camera.intrinsics)[0]
            )
            error = max(abs(a - b) for a, b in zip(box, exact, strict=True))
            assert error <= tolerance / 100
            assert tolerance < 1e-6
            worst = max(worst, error)
    assert worst > 0  # the two paths do differ in the last bits: the tolerance is needed


def test_ground_points_lie_within_their_tolerance_of_numpys():
    rng = np.random.default_rng(1)
    for camera in _cameras(rng, 20):
        for _ in range(500):
            u, v = rng.uniform(0, camera.width), rng.uniform(0.3, 1) * camera.height
            fast = camera.projector.ground(u, v)
            if fast is None:
                continue
            x, y, tolerance = fast
            exact = geometry.ground_point_at_pixel(u, v, camera.matrix_world, camera.intrinsics)
            assert max(abs(x - exact[0]), abs(y - exact[1])) <= tolerance / 100
            assert tolerance < 1e-6


def test_frame_decisions_at_the_edge_are_numpys():
    """At the largest scale that fits, the box touches the margin: the fast box cannot tell,
    so the answer must come from numpy's box, on both sides of the edge."""
    camera = Camera()
    cube = (1.0, 1.0, 1.0)
    for position in [(0.0, 0.3), (1.2, 2.0), (-1.5, -0.5)]:
        scale = largest_fitting_scale(position, camera, 4.0)
        low, high = 0.0, scale + 0.01
        for _ in range(60):  # bisect onto the scale where the box meets the margin
            middle = (low + high) / 2
            low, high = (
                (middle, high)
                if frame_box((*position, middle, cube), camera, 4.0)[1]
                else (low, middle)
            )
        for edge in (low, high, np.nextafter(low, 0), np.nextafter(high, 10)):
            obj = (*position, float(edge), cube)
            assert frame_bounds(obj, camera, 4.0)[1] == frame_box(obj, camera, 4.0)[1]


def _edge_position(camera: Camera, start: tuple[float, float], step: tuple[float, float], obj):
    """The ground point on the line start + s * step where `frame_box` stops calling the object
    inside (bisected to the last bit): positions before it are inside, after it outside."""
    scale, extents, margin = obj

    def inside(s: float) -> bool:
        point = (start[0] + s * step[0], start[1] + s * step[1], scale, extents)
        return frame_box(point, camera, margin)[1]

    low, high = 0.0, 1.0
    while inside(high):
        low, high = high, 2 * high
    assert inside(0.0) and high < 100
    while True:
        middle = (low + high) / 2
        if middle in (low, high):
            return low, high
        low, high = (middle, high) if inside(middle) else (low, middle)


def _planted_edges():
    """Placements just inside and just outside each edge of the frame, for a few cameras,
    shapes and margins, as (camera, margin, placement, numpy's answer)."""
    cameras = [Camera(), Camera(location=(2.0, -8.0, 6.0), focal_length_mm=35.0, width=320)]
    for camera, margin in [(cameras[0], 4.0), (cameras[1], 0.0), (cameras[1], 12.5)]:
        for scale, category in [(1.3, "dog"), (0.75, "bicycle")]:
            extents = asset_shape(category).extents
            centre = (0.0, 0.3)  # near the look-at point: inside the frame
            for direction in [(1.0, 0.0), (-1.0, 0.0), (0.25, 1.0), (0.0, -1.0)]:
                low, high = _edge_position(camera, centre, direction, (scale, extents, margin))
                for s, expected in [(low, True), (high, False)]:
                    for gap in (0.0, 1e-9, 1e-3):  # metres (directions are ~1 m long)
                        s_gap = s - gap if expected else s + gap
                        x, y = centre[0] + s_gap * direction[0], centre[1] + s_gap * direction[1]
                        yield camera, margin, category, (x, y, scale, extents), expected


def test_fast_frame_check_decides_like_numpy_on_both_sides_of_each_edge():
    decided = 0
    for camera, margin, _, placed, expected in _planted_edges():
        assert frame_box(placed, camera, margin)[1] is expected  # the planted answer
        assert frame_inside(placed, camera, margin) is expected
        fast = camera.frame_test(margin).inside(*placed)
        assert fast in (None, expected)
        decided += fast is not None
    assert decided >= 48  # 1 mm from the edge is far enough for the fast check


def test_spec_validation_accepts_and_rejects_at_the_frame_edge_like_numpy():
    for camera, margin, category, (x, y, scale, _), expected in _planted_edges():
        obj = ObjectSpec(category=category, size_role="same", scale=scale, position=(x, y))
        assert (not placement_problems([obj], camera, margin, 0.0)) is expected
        scene = {"id": "s", "seed": 0, "objects": [obj], "camera": camera}
        if expected:
            SceneSpec(**scene, frame_margin_px=margin)
        else:
            with pytest.raises(ValidationError, match="not fully inside the frame"):
                SceneSpec(**scene, frame_margin_px=margin)


def test_fast_frame_check_matches_numpy_on_random_placements():
    rng = np.random.default_rng(3)
    undecided = 0
    for camera in _cameras(rng, 12):
        for margin in (0.0, 4.0, 30.0):
            test = camera.frame_test(margin)
            for _ in range(300):
                x, y, scale = rng.uniform(-6, 6), rng.uniform(-8, 12), rng.uniform(0.2, 3)
                extents = (rng.uniform(0.1, 1), rng.uniform(0.1, 1), rng.uniform(0.1, 1))
                fast = test.inside(x, y, scale, extents)
                if fast is None:
                    undecided += 1
                    continue
                assert fast is frame_box((x, y, scale, extents), camera, margin)[1]
    assert undecided < 0.05 * 12 * 3 * 300


def test_distances_compare_like_numpys_hypot():
    rng = np.random.default_rng(4)
    for _ in range(20000):
        ax, ay, bx, by = rng.uniform(-5, 5, 4)
        assert geometry.hypot_shorter(ax, ay, bx, by) is bool(np.hypot(ax, ay) < np.hypot(bx, by))
        limit = float(np.hypot(ax, ay))
        for bound in (limit, np.nextafter(limit, 0), np.nextafter(limit, 10), limit * 1.01):
            assert geometry.hypot_below(ax, ay, float(bound)) is bool(np.hypot(ax, ay) < bound)
    assert geometry.hypot_shorter(3.0, 4.0, 4.0, 3.0) is False  # a tie: numpy decides
