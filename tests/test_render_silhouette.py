"""The numpy silhouette rasteriser (no Blender needed)."""

from __future__ import annotations

import numpy as np
import pytest

from comco.measure import measure
from comco.silhouette import others_window, rasterize, world_vertices


def test_square_covers_exactly_the_pixel_centres_inside() -> None:
    points = np.array([[2.2, 1.2], [6.8, 1.2], [6.8, 4.8], [2.2, 4.8]])
    mask = rasterize(points, np.array([[0, 1, 2], [0, 2, 3]]), 10, 8)
    expected = np.zeros((8, 10), dtype=bool)
    expected[1:5, 2:7] = True  # centres 2.5..6.5 and 1.5..4.5
    assert (mask == expected).all()


def test_winding_and_clipping_do_not_matter() -> None:
    points = np.array([[-5.0, -5.0], [30.0, -5.0], [-5.0, 30.0]])
    clockwise = rasterize(points, np.array([[0, 1, 2]]), 8, 8)
    counter = rasterize(points, np.array([[0, 2, 1]]), 8, 8)
    assert clockwise.all() and (clockwise == counter).all()


def test_degenerate_and_subpixel_triangles_cover_nothing() -> None:
    points = np.array([[1.0, 1.0], [3.0, 3.0], [5.0, 5.0], [1.6, 1.6], [1.7, 1.6], [1.6, 1.7]])
    assert not rasterize(points, np.array([[0, 1, 2], [3, 4, 5]]), 8, 8).any()


@pytest.mark.parametrize("side", [3, 17, 100])
def test_large_triangles_match_a_brute_force_test(side: int) -> None:
    rng = np.random.default_rng(side)
    points = rng.uniform(-10, side + 10, size=(30, 2))
    triangles = rng.integers(0, 30, size=(20, 3))
    mask = rasterize(points, triangles, side, side)
    ys, xs = np.mgrid[0:side, 0:side] + 0.5
    expected = np.zeros_like(mask)
    for a, b, c in points[triangles]:
        e = [
            (q[0] - p[0]) * (ys - p[1]) - (q[1] - p[1]) * (xs - p[0])
            for p, q in ((a, b), (b, c), (c, a))
        ]
        area = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        if area != 0:
            expected |= np.all([v * np.sign(area) >= 0 for v in e], axis=0)
    assert (mask == expected).all()


def test_world_vertices_apply_scale_then_yaw_then_position() -> None:
    local = np.array([[0.5, 0.0, 1.0]])
    moved = world_vertices(local, (2.0, -1.0), 2.0, 90.0)
    assert moved == pytest.approx(np.array([[2.0, 0.0, 2.0]]))


def test_rasterising_in_the_occlusion_window_gives_the_same_measures() -> None:
    """Planted scenes: random triangle soups as objects, drawn in order into an index image;
    windowed silhouettes must give exactly the measures of whole-image ones."""
    rng = np.random.default_rng(7)
    occluded = 0
    for _ in range(20):
        side, k = 40, 4
        points = [rng.uniform(-5, side + 5, size=(12, 2)) for _ in range(k)]
        triangles = [rng.integers(0, 12, size=(5, 3)) for _ in range(k)]
        full = np.stack(
            [rasterize(p, t, side, side) for p, t in zip(points, triangles, strict=True)]
        )
        index = np.zeros((side, side), dtype=np.uint16)
        for i in reversed(range(k)):  # object 0 in front
            drawn = full[i].copy()
            drawn[rng.random((side, side)) < 0.05] = False  # edge noise: not all of it shows
            index[drawn] = i + 1
        windowed = []
        for i in range(k):
            box = (*points[i].min(axis=0), *points[i].max(axis=0))
            window = others_window(index, i + 1, box)
            windowed.append(
                rasterize(points[i], triangles[i], side, side, window)
                if window is not None
                else np.zeros((side, side), dtype=bool)
            )
        before, after = measure(index, full), measure(index, np.stack(windowed))
        assert [(m.unoccluded_area_px, m.occlusion) for m in before] == [
            (m.unoccluded_area_px, m.occlusion) for m in after
        ]
        occluded += sum(m.occlusion > 0 for m in before)
    assert occluded > 10  # the planted scenes do occlude


def test_the_window_is_empty_when_no_other_object_shows_in_the_box() -> None:
    index = np.zeros((10, 10), dtype=np.uint16)
    index[2:4, 2:4] = 1
    index[7:9, 7:9] = 2
    assert others_window(index, 1, (1.0, 1.0, 5.0, 5.0)) is None
    assert others_window(index, 1, (1.0, 1.0, 8.0, 8.0)) == (7, 7, 7, 7)
