"""The numpy silhouette rasteriser (no Blender needed)."""

from __future__ import annotations

import numpy as np
import pytest

from comco.annotate import silhouette
from comco.annotate.measure import measure
from comco.annotate.silhouette import lone_silhouettes, occlusion_window, rasterize, world_vertices


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


def _planted_scene(rng: np.random.Generator, side: int, k: int, spread: int):
    """Random triangle soups as objects, drawn in order into an index image (object 0 in
    front). Each object shows on pixels up to `spread` px beyond its silhouette, as Cycles'
    pixel filter lets it, and misses some of its own (edge noise)."""
    points = [rng.uniform(-5, side + 5, size=(12, 2)) for _ in range(k)]
    triangles = [rng.integers(0, 12, size=(5, 3)) for _ in range(k)]
    full = np.stack([rasterize(p, t, side, side) for p, t in zip(points, triangles, strict=True)])
    index = np.zeros((side, side), dtype=np.uint16)
    for i in reversed(range(k)):
        drawn = full[i].copy()
        for _ in range(spread):  # grow by one pixel towards the four neighbours
            grown = drawn.copy()
            grown[1:] |= drawn[:-1]
            grown[:-1] |= drawn[1:]
            grown[:, 1:] |= drawn[:, :-1]
            grown[:, :-1] |= drawn[:, 1:]
            drawn = grown
        drawn[rng.random((side, side)) < 0.05] = False
        index[drawn] = i + 1
    return list(zip(points, triangles, strict=True)), full, index


def _occlusion_table(index: np.ndarray, silhouettes: np.ndarray) -> list[tuple[int, float]]:
    return [(m.unoccluded_area_px, m.occlusion) for m in measure(index, silhouettes)]


def test_silhouettes_in_the_occlusion_windows_give_the_measures_of_whole_ones() -> None:
    rng = np.random.default_rng(7)
    occluded = 0
    for _ in range(20):
        projected, full, index = _planted_scene(rng, side=40, k=4, spread=1)
        windowed, boxes = lone_silhouettes(projected, 40, 40)
        assert _occlusion_table(index, windowed) == _occlusion_table(index, full)
        assert (boxes[:, :2] == [p.min(axis=0) for p, _ in projected]).all()
        occluded += sum(m.occlusion > 0 for m in measure(index, full))
    assert occluded > 10  # the planted scenes do occlude


def test_without_the_margin_for_the_pixel_filter_measures_would_change(monkeypatch) -> None:
    monkeypatch.setattr(silhouette, "SHOW_MARGIN_PX", 0.0)
    rng = np.random.default_rng(7)
    scenes = [_planted_scene(rng, side=40, k=4, spread=1) for _ in range(20)]
    assert any(
        _occlusion_table(index, lone_silhouettes(projected, 40, 40)[0])
        != _occlusion_table(index, full)
        for projected, full, index in scenes
    )


def test_the_window_is_where_the_boxes_meet_and_none_when_they_do_not() -> None:
    box = (1.0, 1.0, 5.0, 5.0)
    assert occlusion_window(box, [(9.0, 9.0, 12.0, 12.0)], 20, 20) is None
    # widened by 2 px, (6, 6, 12, 12) reaches pixel centres 4.5 in the box: pixels 4..4
    assert occlusion_window(box, [(6.0, 6.0, 12.0, 12.0)], 20, 20) == (4, 4, 4, 4)
    assert occlusion_window(box, [(6.0, 6.0, 12.0, 12.0), (0.0, 2.0, 1.0, 3.0)], 20, 20) == (
        1,
        1,
        4,
        4,
    )
