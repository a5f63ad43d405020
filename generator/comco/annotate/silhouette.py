"""Each object's silhouette when nothing else is in the way, by rasterising its mesh in numpy,
only where another object can show (the only place it can count as occlusion).

Why not a second render per object: with k objects that is k more Cycles calls per image
(~0.1 s each at 224 px on 2 CPU cores), which would halve throughput. An object's unoccluded
silhouette is just the union of its projected triangles (self-occlusion does not change a
silhouette), so projecting the mesh with the spec's camera and filling triangles at pixel
centres gives it for a few milliseconds. It can differ from Cycles' object-index pass by a
pixel along edges (Cycles jitters its first sample inside the pixel); `comco.annotate.measure`
only uses it where another object covers the silhouette, so that edge noise never counts as
occlusion.
Measured on 15 real 4-object scenes (224 px): 1 of 36034 visible pixels fell outside its
object's silhouette. Alpha-cut textures (leaves) are geometry here, so an object behind
another's transparent leaves can add a few pixels to that other object's occlusion.
It needs no render, only the spec and the meshes, so the worker computes it while Cycles
renders the image.
"""

from __future__ import annotations

import numpy as np

from comco.core import geometry
from comco.core.spec import SceneSpec

_MAX_CHUNK_ELEMENTS = 2_000_000
# How far outside its projected vertex box an object can show: Cycles spreads a pixel's
# samples over its 1.5 px wide filter, so a pixel whose centre is up to 0.75 px outside the
# box can show the object. Two pixels leave room to spare.
SHOW_MARGIN_PX = 2.0


def world_vertices(
    local: np.ndarray, position: tuple[float, float], scale: float, yaw_deg: float
) -> np.ndarray:
    """Vertices (N, 3) of a normalised asset after the object's yaw, scale and ground position."""
    yaw = np.radians(yaw_deg)
    c, s = np.cos(yaw), np.sin(yaw)
    rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return local @ (rotation * scale).T + np.array([position[0], position[1], 0.0])


def _corner_range(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each triangle's smallest and largest of its three corner values (T, 3). Two
    elementwise minimums are ~4x faster than numpy's `min(axis=1)` over rows of three."""
    first, second, third = values[:, 0], values[:, 1], values[:, 2]
    low = np.minimum(np.minimum(first, second), third)
    return low, np.maximum(np.maximum(first, second), third)


def rasterize(
    points_px: np.ndarray,
    triangles: np.ndarray,
    width: int,
    height: int,
    window: tuple[int, int, int, int] | None = None,
) -> np.ndarray:
    """Boolean (height, width) mask of pixels whose centre lies in any triangle.

    `window` (x0, y0, x1, y1, inclusive pixel indices) limits the work to those pixels; the
    mask is False outside it. Triangles are bucketed by the power-of-two size of their pixel
    box, so each bucket is one vectorised edge-function test over a fixed grid.
    """
    mask = np.zeros((height, width), dtype=bool)
    if len(triangles) == 0:
        return mask
    wx0, wy0, wx1, wy1 = window if window is not None else (0, 0, width - 1, height - 1)
    tri = points_px[triangles]  # (T, 3, 2)
    xs, ys = tri[..., 0], tri[..., 1]
    (x_min, x_max), (y_min, y_max) = _corner_range(xs), _corner_range(ys)
    ix0 = np.maximum(np.ceil(x_min - 0.5), wx0).astype(np.int64)
    iy0 = np.maximum(np.ceil(y_min - 0.5), wy0).astype(np.int64)
    ix1 = np.minimum(np.floor(x_max - 0.5), wx1).astype(np.int64)
    iy1 = np.minimum(np.floor(y_max - 0.5), wy1).astype(np.int64)
    area = (xs[:, 1] - xs[:, 0]) * (ys[:, 2] - ys[:, 0]) - (ys[:, 1] - ys[:, 0]) * (
        xs[:, 2] - xs[:, 0]
    )
    keep = (ix1 >= ix0) & (iy1 >= iy0) & (area != 0)
    side = np.maximum(ix1 - ix0, iy1 - iy0) + 1
    bucket = np.where(keep, np.ceil(np.log2(np.maximum(side, 1))).astype(np.int64), -1)
    for b in np.unique(bucket[bucket >= 0]):
        n = 1 << int(b)
        oy, ox = np.divmod(np.arange(n * n), n)
        chosen = np.flatnonzero(bucket == b)
        step = max(1, _MAX_CHUNK_ELEMENTS // (n * n))
        for start in range(0, len(chosen), step):
            t = chosen[start : start + step]
            px = ix0[t, None] + ox
            py = iy0[t, None] + oy
            inside = (px <= ix1[t, None]) & (py <= iy1[t, None])
            cx, cy = px + 0.5, py + 0.5
            sign = np.sign(area[t])[:, None]
            for a, c in ((0, 1), (1, 2), (2, 0)):
                ax, ay = xs[t, a, None], ys[t, a, None]
                edge = (xs[t, c, None] - ax) * (cy - ay) - (ys[t, c, None] - ay) * (cx - ax)
                inside &= edge * sign >= 0
            mask[py[inside], px[inside]] = True
    return mask


def silhouette(
    world: np.ndarray,
    triangles: np.ndarray,
    cam_to_world: np.ndarray,
    k: np.ndarray,
    width: int,
    height: int,
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The mask of a mesh alone in the image, and the exact box (x0, y0, x1, y1) of its vertices
    in pixels (unclipped, so a box outside [0, width] x [0, height] means the frame cuts it)."""
    points = _projected(world, cam_to_world, k)
    return rasterize(points, triangles, width, height), geometry.projected_box(points)


def _projected(world: np.ndarray, cam_to_world: np.ndarray, k: np.ndarray) -> np.ndarray:
    points, depth = geometry.project(world, cam_to_world, k)
    if (depth <= 0).any():
        raise ValueError("silhouette: part of the object is behind the camera")
    return points


def _pixel_range(
    box: tuple[float, float, float, float], width: int, height: int
) -> tuple[int, int, int, int]:
    """Pixels (x0, y0, x1, y1, inclusive) whose centres lie in `box`, clipped to the image."""
    x0, y0 = max(0, int(np.ceil(box[0] - 0.5))), max(0, int(np.ceil(box[1] - 0.5)))
    x1 = min(width - 1, int(np.floor(box[2] - 0.5)))
    y1 = min(height - 1, int(np.floor(box[3] - 0.5)))
    return x0, y0, x1, y1


def occlusion_window(
    box: tuple[float, float, float, float],
    others: list[tuple[float, float, float, float]],
    width: int,
    height: int,
) -> tuple[int, int, int, int] | None:
    """The pixels (x0, y0, x1, y1, inclusive) of an object's projected box where another
    object can show, as one window; None when no other object can show there.

    A silhouette lies inside the box of the projected vertices, and `comco.annotate.measure.measure`
    counts silhouette pixels only where another object shows, which can only be within
    `SHOW_MARGIN_PX` of that object's own box; so rasterising inside the overlaps of the
    object's box with the others' widened boxes gives the same annotation as rasterising the
    whole image, and nothing at all is needed when the boxes do not meet.
    """
    x0, y0, x1, y1 = _pixel_range(box, width, height)
    overlaps = []
    for other in others:
        wide = (
            other[0] - SHOW_MARGIN_PX,
            other[1] - SHOW_MARGIN_PX,
            other[2] + SHOW_MARGIN_PX,
            other[3] + SHOW_MARGIN_PX,
        )
        ox0, oy0, ox1, oy1 = _pixel_range(wide, width, height)
        ix0, iy0, ix1, iy1 = max(x0, ox0), max(y0, oy0), min(x1, ox1), min(y1, oy1)
        if ix0 <= ix1 and iy0 <= iy1:
            overlaps.append((ix0, iy0, ix1, iy1))
    if not overlaps:
        return None
    corners = np.array(overlaps)
    return (
        int(corners[:, 0].min()),
        int(corners[:, 1].min()),
        int(corners[:, 2].max()),
        int(corners[:, 3].max()),
    )


def lone_silhouettes(
    projected: list[tuple[np.ndarray, np.ndarray]], width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each object's silhouette alone (k, height, width), rasterised inside its
    `occlusion_window` only (False elsewhere), and its projected vertex box (k, 4), from each
    object's pixel-space vertices (N, 2) and triangles (T, 3)."""
    boxes = [geometry.projected_box(points) for points, _ in projected]
    masks = np.zeros((len(projected), height, width), dtype=bool)
    for i, (points, triangles) in enumerate(projected):
        window = occlusion_window(boxes[i], boxes[:i] + boxes[i + 1 :], width, height)
        if window is not None:
            masks[i] = rasterize(points, triangles, width, height, window)
    return masks, np.asarray(boxes, dtype=np.float64).reshape(len(projected), 4)


def scene_silhouettes(
    spec: SceneSpec, meshes: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """`lone_silhouettes` of a spec's objects, given each object's mesh as normalised local
    vertices (N, 3) and triangles (T, 3); raises ValueError when an object reaches behind
    the camera."""
    camera = spec.camera
    projected = [
        (
            _projected(
                world_vertices(local, obj.position, obj.scale, obj.yaw_deg),
                camera.matrix_world,
                camera.intrinsics,
            ),
            triangles,
        )
        for obj, (local, triangles) in zip(spec.objects, meshes, strict=True)
    ]
    return lone_silhouettes(projected, camera.width, camera.height)
