"""The sampler's plain-float projections stay within their stated tolerance of numpy's, and
decisions made with them are exactly those made with numpy's boxes."""

import numpy as np

from comco.core import geometry
from comco.core.spec import Camera, frame_bounds, frame_box, largest_fitting_scale


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
