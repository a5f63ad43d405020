"""Camera maths and conservative object bounds, shared by the sampler and the renderer.

Conventions: world Z is up and the ground is z=0. Every asset is normalised so that its
largest dimension is 1 m, its bounding box is centred on the z axis and rests on z=0, and its
front faces -Y. An asset with extents (ex, ey, ez) at scale s therefore fits inside a vertical
cylinder of radius s*hypot(ex, ey)/2 and height s*ez whatever its yaw, which is what placement
checks use; the unit cube (1, 1, 1) bounds any asset. Cameras follow Blender's
convention: they look down their local -Z axis with +Y up, and the horizontal sensor size
fixes the field of view (sensor_fit HORIZONTAL).
"""

from __future__ import annotations

import math

import numpy as np

Extents = tuple[float, float, float]
Box = tuple[float, float, float, float]
UNIT_EXTENTS: Extents = (1.0, 1.0, 1.0)

# How far `Projector.bounds` may be from `project`, as a multiple of the float64 rounding
# error analysis gives (a few units in the last place per operation); the margin makes the
# bound safe whatever order or fused multiply-adds numpy's matmul uses.
BOUND_MARGIN = 1e-12


def footprint_radius(scale: float, extents: Extents = UNIT_EXTENTS) -> float:
    """Radius of the ground circle that holds the asset at this scale at any yaw."""
    return scale * math.hypot(extents[0], extents[1]) / 2.0


# Relative gap under which `math.hypot` and `np.hypot` (each within an ulp or two of the true
# length) might order two lengths differently.
HYPOT_DOUBT = 1e-12


def hypot_below(dx: float, dy: float, limit: float) -> bool:
    """`np.hypot(dx, dy) < limit`, at a seventh of the cost: math's hypot decides unless the
    two are too close to tell, then numpy's does."""
    length = math.hypot(dx, dy)
    if abs(length - limit) > HYPOT_DOUBT * (length + abs(limit)):
        return length < limit
    return float(np.hypot(dx, dy)) < limit


def hypot_shorter(ax: float, ay: float, bx: float, by: float) -> bool:
    """`np.hypot(ax, ay) < np.hypot(bx, by)`, decided like `hypot_below`."""
    a, b = math.hypot(ax, ay), math.hypot(bx, by)
    if abs(a - b) > HYPOT_DOUBT * (a + b):
        return a < b
    return float(np.hypot(ax, ay)) < float(np.hypot(bx, by))


def bounding_box_corners(
    x: float, y: float, scale: float, extents: Extents = UNIT_EXTENTS
) -> np.ndarray:
    """The 8 corners (8, 3) of an axis-aligned box that holds the object at any yaw."""
    r = footprint_radius(scale, extents)
    xs, ys, zs = (x - r, x + r), (y - r, y + r), (0.0, scale * extents[2])
    return np.array([[a, b, c] for a in xs for b in ys for c in zs], dtype=float)


def camera_to_world(
    location: tuple[float, float, float], look_at: tuple[float, float, float]
) -> np.ndarray:
    """4x4 camera-to-world matrix of a camera at `location` aimed at `look_at`, world Z up."""
    eye = np.asarray(location, dtype=float)
    forward = np.asarray(look_at, dtype=float) - eye
    norm = np.linalg.norm(forward)
    if norm == 0:
        raise ValueError("camera: location and look_at coincide")
    forward /= norm
    right = np.cross(forward, [0.0, 0.0, 1.0])
    if np.linalg.norm(right) < 1e-9:
        raise ValueError("camera: looking straight up or down leaves the roll undefined")
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    matrix = np.eye(4)
    matrix[:3, 0], matrix[:3, 1], matrix[:3, 2], matrix[:3, 3] = right, up, -forward, eye
    return matrix


def intrinsics(
    focal_length_mm: float, sensor_width_mm: float, width: int, height: int
) -> np.ndarray:
    """3x3 pinhole matrix in pixels (square pixels, principal point at the image centre)."""
    f = focal_length_mm / sensor_width_mm * width
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


def project(
    points: np.ndarray, cam_to_world: np.ndarray, k: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (N, 2) of world points, x right and y down, and their depths (N,)."""
    rotation, origin = cam_to_world[:3, :3], cam_to_world[:3, 3]
    cam = (points - origin) @ rotation  # rigid inverse: R^T (p - t), row-wise
    depth = -cam[:, 2]
    safe = np.where(depth > 1e-9, depth, 1e-9)
    u = k[0, 0] * cam[:, 0] / safe + k[0, 2]
    v = -k[1, 1] * cam[:, 1] / safe + k[1, 2]
    return np.stack([u, v], axis=1), depth


def ground_point_at_pixel(
    u: float, v: float, cam_to_world: np.ndarray, k: np.ndarray
) -> np.ndarray:
    """Where the ray through pixel (u, v) meets the ground plane z=0."""
    direction_cam = np.array([(u - k[0, 2]) / k[0, 0], -(v - k[1, 2]) / k[1, 1], -1.0])
    direction = cam_to_world[:3, :3] @ direction_cam
    origin = cam_to_world[:3, 3]
    if direction[2] >= 0:
        raise ValueError(f"pixel ({u}, {v}) looks above the horizon")
    t = -origin[2] / direction[2]
    return origin + t * direction


def projected_box(corners_px: np.ndarray) -> Box:
    """The 2D box (x0, y0, x1, y1) around projected points (N, 2). Reduced column by column:
    numpy's `min(axis=0)` over an (N, 2) array is ~40x slower, which made the box of a 100k
    vertex mesh cost ~3 ms."""
    xs, ys = corners_px[:, 0], corners_px[:, 1]
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


class Projector:
    """The projected box of an object's conservative bounds in plain Python floats, with how
    far it may be from the box `project` gives.

    Sampling projects ~20 candidate placements per scene; through numpy each costs ~40 us of
    call overhead for 8 points. These boxes are ~4x cheaper but not bit-identical: numpy's
    matmul may fuse multiply-adds (OpenBLAS does on this machine). Callers therefore decide
    from them only when every box within the returned tolerance decides the same way, and
    use `project` otherwise, so what they decide stays exactly what `project` would."""

    def __init__(self, cam_to_world: np.ndarray, k: np.ndarray) -> None:
        self.rows = [tuple(row) for row in cam_to_world[:3, :3].tolist()]
        self.origin = tuple(cam_to_world[:3, 3].tolist())
        self.fx, self.cx = float(k[0, 0]), float(k[0, 2])
        self.fy, self.cy = float(k[1, 1]), float(k[1, 2])

    def bounds(
        self, x: float, y: float, scale: float, extents: Extents = UNIT_EXTENTS
    ) -> tuple[Box, float] | None:
        """The box of `bounding_box_corners(x, y, scale, extents)` and its tolerance in
        pixels; None when a corner is so near the camera plane that no small bound holds."""
        r = footprint_radius(scale, extents)
        (ox, oy, oz), (row_x, row_y, row_z) = self.origin, self.rows
        dx, dy, dz = (
            (x - r - ox, x + r - ox),
            (y - r - oy, y + r - oy),
            (-oz, scale * extents[2] - oz),
        )
        reach = (
            max(abs(dx[0]), abs(dx[1])) + max(abs(dy[0]), abs(dy[1])) + max(abs(dz[0]), abs(dz[1]))
        )
        fx, cx, fy, cy = self.fx, self.cx, self.fy, self.cy
        # camera coordinates are sums of one term per world axis: 6 products per axis, added
        # x + y first, then z (loops rather than nested comprehensions: a third faster)
        y_terms = [(d * row_y[0], d * row_y[1], d * row_y[2]) for d in dy]
        z_terms = [(d * row_z[0], d * row_z[1], d * row_z[2]) for d in dz]
        cams = []
        for d in dx:
            a0, a1, a2 = d * row_x[0], d * row_x[1], d * row_x[2]
            for b0, b1, b2 in y_terms:
                s0, s1, s2 = a0 + b0, a1 + b1, a2 + b2
                for c0, c1, c2 in z_terms:
                    cams.append((s0 + c0, s1 + c1, -(s2 + c2)))
        nearest = min([depth for _, _, depth in cams])
        if nearest <= 1e-6 * reach:
            return None
        us = [fx * c0 / depth + cx for c0, _, depth in cams]
        vs = [-fy * c1 / depth + cy for _, c1, depth in cams]
        box = (min(us), min(vs), max(us), max(vs))
        spread = max(box[2] - cx, cx - box[0], box[3] - cy, cy - box[1], 0.0)
        size = fx + fy + abs(cx) + abs(cy) + spread
        return box, BOUND_MARGIN * (reach / nearest + 1.0) * size

    def ground(self, u: float, v: float) -> tuple[float, float, float] | None:
        """x, y of `ground_point_at_pixel(u, v, ...)` and their tolerance in metres; None
        when the ray through the pixel is too near the horizon for a small bound."""
        (row_x, row_y, row_z), (ox, oy, oz) = self.rows, self.origin
        a, b = (u - self.cx) / self.fx, -(v - self.cy) / self.fy
        dx = row_x[0] * a + row_x[1] * b - row_x[2]
        dy = row_y[0] * a + row_y[1] * b - row_y[2]
        dz = row_z[0] * a + row_z[1] * b - row_z[2]
        size = abs(a) + abs(b) + 1.0
        if dz >= -1e-6 * size:
            return None
        t = -oz / dz
        x, y = ox + t * dx, oy + t * dy
        slope = 1.0 + (abs(dx) + abs(dy)) / -dz
        tolerance = BOUND_MARGIN * (
            (1.0 + abs(t)) * size * slope + abs(x) + abs(y) + abs(ox) + abs(oy)
        )
        return x, y, tolerance


# How far `FrameTest` keeps from deciding, as a multiple of the pixel and depth magnitudes: 10^6
# times and more what rounding in numpy's projection (or in the test itself) can move them.
FRAME_DOUBT = 1e-9
# Nearest corner depth, as a share of the object's reach from the camera, under which
# `FrameTest` does not decide (projections there amplify rounding too much).
NEAR_PLANE_SHARE = 1e-3
# Object sizes (scale, extents) a `FrameTest` keeps the constants of before starting afresh.
MAX_SHAPES = 4096


class FrameTest:
    """Whether an object's conservative bounds project inside the frame, as `project` would
    decide it, from its ground position alone, without projecting a corner.

    A corner projects right of the left margin when `fx * X + (cx - margin) * depth >= 0` in
    camera coordinates (depth > 0): a linear form of the corner's world position. The eight
    corners are the ground position plus fixed offsets, so the smallest value over them is one
    linear form of (x, y) plus a term in the scale, and so is the nearest depth: the frame
    check is five inequalities of two multiply-adds each. Sampling rejects about half its
    candidate positions at the frame, so this saves a projection for each. The answer is None
    wherever a value lies within a margin that numpy's rounding could cross (see FRAME_DOUBT);
    callers then ask `project`."""

    def __init__(
        self, cam_to_world: np.ndarray, k: np.ndarray, width: int, height: int, margin: float
    ) -> None:
        rows = cam_to_world[:3, :3].tolist()
        self.tx, self.ty, self.tz = cam_to_world[:3, 3].tolist()
        fx, cx, fy, cy = float(k[0, 0]), float(k[0, 2]), float(k[1, 1]), float(k[1, 2])
        # each form's weights on camera x, y and z (depth is -z)
        forms = [
            (0.0, 0.0, -1.0),  # depth
            (fx, 0.0, -(cx - margin)),  # u >= margin
            (-fx, 0.0, -(width - margin - cx)),  # u <= width - margin
            (0.0, -fy, -(cy - margin)),  # v >= margin
            (0.0, fy, -(height - margin - cy)),  # v <= height - margin
        ]
        # per form: weights on world x and y, their absolute sum (what the footprint's
        # radius can take off), the constant, and the weight on height above the ground
        self.forms = []
        for form in forms:
            wx, wy, wz = (sum(r * a for r, a in zip(row, form, strict=True)) for row in rows)
            self.forms.append((wx, wy, abs(wx) + abs(wy), -wz * self.tz, wz))
        size = fx + fy + abs(cx) + abs(cy) + width + height + abs(margin)
        self.doubt_scale = FRAME_DOUBT * size
        self._shapes: dict[tuple[float, Extents], tuple] = {}

    def _shape(self, scale: float, extents: Extents) -> tuple:
        """What an object's size adds to the reach, and per form its weights and the constant
        its worst corner adds: computed once per scale and extents."""
        r = scale * math.hypot(extents[0], extents[1]) / 2.0
        height = scale * extents[2]
        forms = [
            (wx, wy, base - spread * r + min(0.0, wz * height))
            for wx, wy, spread, base, wz in self.forms
        ]
        return 2.0 * r + abs(self.tz) + height, forms[0], tuple(forms[1:])

    def inside(
        self, x: float, y: float, scale: float, extents: Extents = UNIT_EXTENTS
    ) -> bool | None:
        """`project`'s answer for the corners of `bounding_box_corners(x, y, scale, extents)`:
        all in front of the camera and inside the frame less the margin; None when unsure."""
        shape = self._shapes.get((scale, extents))
        if shape is None:
            if len(self._shapes) >= MAX_SHAPES:
                self._shapes.clear()
            shape = self._shapes[scale, extents] = self._shape(scale, extents)
        size_reach, (wx, wy, constant), sides = shape
        dx, dy = x - self.tx, y - self.ty
        reach = abs(dx) + abs(dy) + size_reach
        nearest = wx * dx + wy * dy + constant
        if nearest <= NEAR_PLANE_SHARE * reach:
            return None
        ratio = reach / nearest + 1.0
        # a value is a depth times a pixel distance: rounding moves pixels by less than
        # doubt_scale * ratio**2 and depths are below the reach
        doubt = self.doubt_scale * ratio * ratio * reach
        verdict: bool | None = True
        for wx, wy, constant in sides:
            value = wx * dx + wy * dy + constant
            if value < -doubt:
                return False
            if value <= doubt:
                verdict = None
        return verdict
