"""Each object's silhouette when nothing else is in the way, by rasterising its mesh in numpy,
only where another object shows (the only place it can count as occlusion).

Why not a second render per object: with k objects that is k more Cycles calls per image
(~0.1 s each at 224 px on 2 CPU cores), which would halve throughput. An object's unoccluded
silhouette is just the union of its projected triangles (self-occlusion does not change a
silhouette), so projecting the mesh with the spec's camera and filling triangles at pixel
centres gives it for a few milliseconds. It can differ from Cycles' object-index pass by a
pixel along edges (Cycles jitters its first sample inside the pixel); `comco.measure` only uses
it where another object covers the silhouette, so that edge noise never counts as occlusion.
Measured on 15 real 4-object scenes (224 px): 1 of 36034 visible pixels fell outside its
object's silhouette. Alpha-cut textures (leaves) are geometry here, so an object behind
another's transparent leaves can add a few pixels to that other object's occlusion.
"""

from __future__ import annotations

import numpy as np

from comco import geometry

_MAX_CHUNK_ELEMENTS = 2_000_000


def world_vertices(
    local: np.ndarray, position: tuple[float, float], scale: float, yaw_deg: float
) -> np.ndarray:
    """Vertices (N, 3) of a normalised asset after the object's yaw, scale and ground position."""
    yaw = np.radians(yaw_deg)
    c, s = np.cos(yaw), np.sin(yaw)
    rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return local @ (rotation * scale).T + np.array([position[0], position[1], 0.0])


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
    ix0 = np.maximum(np.ceil(xs.min(axis=1) - 0.5), wx0).astype(np.int64)
    iy0 = np.maximum(np.ceil(ys.min(axis=1) - 0.5), wy0).astype(np.int64)
    ix1 = np.minimum(np.floor(xs.max(axis=1) - 0.5), wx1).astype(np.int64)
    iy1 = np.minimum(np.floor(ys.max(axis=1) - 0.5), wy1).astype(np.int64)
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
    points, depth = geometry.project(world, cam_to_world, k)
    if (depth <= 0).any():
        raise ValueError("silhouette: part of the object is behind the camera")
    return rasterize(points, triangles, width, height), geometry.projected_box(points)


def others_window(
    index: np.ndarray, instance_id: int, box: tuple[float, float, float, float]
) -> tuple[int, int, int, int] | None:
    """The pixels (x0, y0, x1, y1, inclusive) inside an object's projected box that show
    another object, as their bounding window; None when there are none.

    The silhouette lies inside the box of the projected vertices, and `comco.measure.measure`
    counts silhouette pixels only where another object shows, so rasterising inside this
    window gives the same annotation as rasterising the whole image, and nothing at all when
    no other object shows in the box (then nothing can occlude the object).
    """
    height, width = index.shape
    x0, y0 = max(0, int(np.ceil(box[0] - 0.5))), max(0, int(np.ceil(box[1] - 0.5)))
    x1 = min(width - 1, int(np.floor(box[2] - 0.5)))
    y1 = min(height - 1, int(np.floor(box[3] - 0.5)))
    if x1 < x0 or y1 < y0:
        return None
    crop = index[y0 : y1 + 1, x0 : x1 + 1]
    others = (crop != 0) & (crop != instance_id)
    rows, cols = np.flatnonzero(others.any(axis=1)), np.flatnonzero(others.any(axis=0))
    if len(rows) == 0:
        return None
    return (x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]), y0 + int(rows[-1]))


def occluding_silhouette(
    world: np.ndarray,
    triangles: np.ndarray,
    cam_to_world: np.ndarray,
    k: np.ndarray,
    index: np.ndarray,
    instance_id: int,
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The mesh's lone silhouette inside the window where other objects show in the rendered
    `index` (False elsewhere; see `others_window`), which is all of it that occlusion is
    measured on, and the exact box (x0, y0, x1, y1) of its projected vertices in pixels
    (unclipped, so a box outside [0, width] x [0, height] means the frame cuts it)."""
    height, width = index.shape
    points, depth = geometry.project(world, cam_to_world, k)
    if (depth <= 0).any():
        raise ValueError("silhouette: part of the object is behind the camera")
    box = geometry.projected_box(points)
    window = others_window(index, instance_id, box)
    if window is None:
        return np.zeros((height, width), dtype=bool), box
    return rasterize(points, triangles, width, height, window), box
