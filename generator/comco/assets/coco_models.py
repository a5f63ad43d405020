"""COCO objects modelled in code: the classes no Debian package holds a real mesh for
(parking meter, frisbee, skis, snowboard, baseball glove, surfboard, broccoli, pizza,
computer mouse, hair drier, toothbrush), and the suitcase, whose only packaged mesh read as
a pencil case.

Each is built from the parts that make it recognisable at 224 px from the default camera
(a surfboard's point, fin and stripe; a pizza's crust, sauce, cheese and toppings) in
saturated materials that stand out on the grey floor. Random detail (toppings, florets)
comes from a fixed seed, so a build gives the same bytes every time. Built Z-up, front
facing -Y, like `comco.assets.procedural`; the catalog turns them to their best view."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import trimesh
from trimesh.creation import box, capsule, cylinder, icosphere, revolve, torus
from trimesh.transformations import rotation_matrix

from comco.assets import procedural
from comco.assets.procedural import _paint, _tube, extrude_upright

Rgba = tuple[float, float, float, float]
SEED = 20261130  # the one seed of every random detail below


def _turn(
    mesh: trimesh.Trimesh, degrees: float, axis: tuple[float, float, float]
) -> trimesh.Trimesh:
    return mesh.apply_transform(rotation_matrix(np.radians(degrees), axis))


def _at(mesh: trimesh.Trimesh, x: float, y: float, z: float) -> trimesh.Trimesh:
    return mesh.apply_translation([x, y, z])


def loft(
    x: np.ndarray,
    z: np.ndarray,
    half_width: np.ndarray,
    half_thickness: np.ndarray,
    sections: int = 24,
    power: float = 2.0,
) -> trimesh.Trimesh:
    """A closed solid swept along x: at each station a superellipse of the given half
    width (y) and half thickness (z) centred at height z. `power` 2 gives round rails,
    larger values flat boards with crisp edges."""
    angles = np.linspace(0, 2 * np.pi, sections, endpoint=False)
    cos, sin = np.cos(angles), np.sin(angles)
    ry = np.sign(cos) * np.abs(cos) ** (2 / power)
    rz = np.sign(sin) * np.abs(sin) ** (2 / power)
    rings = [
        np.column_stack([np.full(sections, xi), hw * ry, zi + ht * rz])
        for xi, zi, hw, ht in zip(x, z, half_width, half_thickness, strict=True)
    ]
    vertices = np.vstack([*rings, [x[0], 0, z[0]], [x[-1], 0, z[-1]]])
    start, end = len(vertices) - 2, len(vertices) - 1
    faces = []
    for i in range(len(x) - 1):
        for k in range(sections):
            a, b = i * sections + k, i * sections + (k + 1) % sections
            faces += [[a, b, b + sections], [a, b + sections, a + sections]]
    last = (len(x) - 1) * sections
    for k in range(sections):
        faces.append([start, (k + 1) % sections, k])
        faces.append([end, last + k, last + (k + 1) % sections])
    mesh = trimesh.Trimesh(vertices, faces)
    mesh.fix_normals()
    return mesh


def _interp(s: np.ndarray, points: list[tuple[float, float]]) -> np.ndarray:
    knots = np.array(points)
    return np.interp(s, knots[:, 0], knots[:, 1])


def _frisbee() -> list[trimesh.Trimesh]:
    """A shallow dome with a rolled rim, flight rings and a printed centre."""
    profile = [
        (0.0, 0.11),
        (0.2, 0.106),
        (0.36, 0.094),
        (0.45, 0.078),
        (0.495, 0.052),
        (0.5, 0.02),
        (0.49, 0.0),
        (0.47, 0.0),
        (0.465, 0.04),
        (0.43, 0.066),
        (0.0, 0.085),
    ]
    disc = revolve(np.array(profile), sections=64)
    rings = [_at(torus(r, 0.007, 64, 8), 0, 0, 0.108 - 0.05 * r**2) for r in (0.25, 0.33)]
    logo = _at(cylinder(radius=0.13, height=0.006, sections=48), 0, 0, 0.111)
    return [
        _paint(disc, (0.95, 0.15, 0.0, 1.0)),
        *(_paint(r, (0.99, 0.75, 0.1, 1.0)) for r in rings),
        _paint(logo, (0.95, 0.95, 0.92, 1.0)),
    ]


def _ski(y: float) -> list[trimesh.Trimesh]:
    s = np.linspace(0, 1, 60)
    tip = np.clip((s - 0.84) / 0.16, 0, 1)
    tail = np.clip((0.05 - s) / 0.05, 0, 1)
    z = 0.075 * tip**2 + 0.015 * tail**2
    round_tip = np.sqrt(np.clip(1 - np.clip((s - 0.93) / 0.07, 0, 1) ** 2, 0.01, 1))
    half_width = (0.036 + 0.008 * (2 * np.abs(s - 0.5)) ** 2) * round_tip
    board = loft(s - 0.5, z, half_width, np.full_like(s, 0.007), sections=16, power=6)
    stripe_s = np.linspace(0.08, 0.8, 30)
    stripe = loft(
        stripe_s - 0.5,
        np.full_like(stripe_s, 0.0075),
        np.full_like(stripe_s, 0.012),
        np.full_like(stripe_s, 0.002),
        sections=12,
        power=6,
    )
    plate = _at(box([0.26, 0.05, 0.012]), 0.0, 0, 0.012)
    toe = _at(box([0.07, 0.056, 0.04]), 0.1, 0, 0.03)
    heel = _at(box([0.09, 0.056, 0.05]), -0.11, 0, 0.035)
    brake = _at(box([0.02, 0.09, 0.008]), -0.16, 0, 0.02)
    parts = [
        _paint(board, (0.85, 0.04, 0.04, 1.0)),
        _paint(stripe, (0.97, 0.97, 0.95, 1.0)),
        _paint(plate, (0.1, 0.1, 0.11, 1.0)),
        _paint(toe, (0.08, 0.08, 0.09, 1.0)),
        _paint(heel, (0.08, 0.08, 0.09, 1.0)),
        _paint(brake, (0.6, 0.6, 0.62, 1.0)),
    ]
    return [p.apply_translation([0, y, 0]) for p in parts]


def _skis() -> list[trimesh.Trimesh]:
    """A pair of long boards with upturned tips, a stripe and bindings."""
    return [*_ski(-0.055), *_ski(0.055)]


def _binding(x: float, angle: float) -> list[trimesh.Trimesh]:
    plate = _at(box([0.11, 0.2, 0.012]), 0, 0, 0.018)
    high_back = _turn(_at(box([0.11, 0.016, 0.11]), 0, 0, 0.055), -15, (1, 0, 0))
    high_back.apply_translation([0, 0.095, 0.0])
    straps = []
    for sy in (-0.05, 0.035):
        t = np.linspace(0, np.pi, 12)
        path = np.column_stack([0.06 * np.cos(t), np.full(12, sy), 0.02 + 0.05 * np.sin(t)])
        straps.append(_tube(path, 0.012, sections=8))
    parts = [
        _paint(plate, (0.06, 0.06, 0.07, 1.0)),
        _paint(high_back, (0.06, 0.06, 0.07, 1.0)),
        *(_paint(s, (0.98, 0.55, 0.02, 1.0)) for s in straps),
    ]
    turn = rotation_matrix(np.radians(angle), [0, 0, 1])
    return [p.apply_transform(turn).apply_translation([x, 0, 0]) for p in parts]


def _snowboard() -> list[trimesh.Trimesh]:
    """A wide board, rounded and lifted at both ends, with two strapped bindings."""
    s = np.linspace(0, 1, 80)
    end = np.maximum(np.clip((s - 0.9) / 0.1, 0, 1), np.clip((0.1 - s) / 0.1, 0, 1))
    z = 0.05 * end**2
    rounded = np.sqrt(np.clip(1 - np.clip((np.abs(s - 0.5) - 0.44) / 0.06, 0, 1) ** 2, 0.02, 1))
    half_width = (0.12 + 0.014 * (2 * np.abs(s - 0.5)) ** 2) * rounded
    board = loft(s - 0.5, z, half_width, np.full_like(s, 0.009), sections=24, power=6)
    band_s = np.linspace(0.3, 0.7, 10)
    band = loft(
        band_s - 0.5,
        np.full_like(band_s, 0.0095),
        np.full_like(band_s, 0.1),
        np.full_like(band_s, 0.002),
        sections=24,
        power=6,
    )
    return [
        _paint(board, (0.02, 0.08, 0.5, 1.0)),
        _paint(band, (0.0, 0.7, 0.85, 1.0)),
        *_binding(-0.2, 12),
        *_binding(0.2, -12),
    ]


def _surfboard() -> list[trimesh.Trimesh]:
    """A board pointed at the nose, round at the tail, with rocker, a stripe and a fin;
    stood on its tail, deck to the camera, fin at the back."""
    s = np.linspace(0, 1, 80)
    half_width = _interp(
        s,
        [
            (0, 0.03),
            (0.02, 0.075),
            (0.12, 0.118),
            (0.42, 0.14),
            (0.7, 0.12),
            (0.88, 0.07),
            (0.97, 0.022),
            (1.0, 0.003),
        ],
    )
    half_thickness = _interp(s, [(0, 0.006), (0.15, 0.018), (0.5, 0.024), (0.9, 0.01), (1, 0.003)])
    z = 0.06 * np.clip((s - 0.7) / 0.3, 0, 1) ** 2 + 0.012 * np.clip((0.2 - s) / 0.2, 0, 1) ** 2
    board = loft(s - 0.5, z, half_width, half_thickness, sections=32, power=2.4)
    stripe = loft(s[4:-6] - 0.5, z[4:-6] + 0.004, 0.018 * np.ones(70), half_thickness[4:-6], 16)
    fin = extrude_upright(
        np.array([(0.0, 0.0), (0.1, 0.0), (0.03, -0.09), (0.0, -0.095), (-0.01, -0.06)]), 0.008
    )
    fin.apply_translation([-0.47, 0, z[3] - 0.01])
    parts = [
        _paint(board, (0.0, 0.35, 0.55, 1.0)),
        _paint(stripe, (0.95, 0.95, 0.92, 1.0)),
        _paint(fin, (0.05, 0.05, 0.06, 1.0)),
    ]
    # deck (+z) to -Y, nose up
    stand = rotation_matrix(np.pi / 2, [0, 0, 1]) @ rotation_matrix(-np.pi / 2, [0, 1, 0])
    return [p.apply_transform(stand) for p in parts]


def _pizza() -> list[trimesh.Trimesh]:
    """A crust ring round red sauce, melted cheese and scattered pepperoni, olives and
    pepper strips."""
    rng = np.random.default_rng(SEED)
    base = _at(cylinder(radius=0.48, height=0.03, sections=64), 0, 0, 0.015)
    crust = _at(torus(0.46, 0.04, 64, 16), 0, 0, 0.035)
    sauce = _at(cylinder(radius=0.44, height=0.01, sections=64), 0, 0, 0.033)
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    radii = 0.39 + 0.025 * np.sin(5 * angles + 1) + rng.uniform(-0.02, 0.02, 48)
    outline = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    cheese = extrude_upright(outline, 0.012)
    cheese.apply_transform(rotation_matrix(np.pi / 2, [1, 0, 0]))
    cheese.apply_translation([0, 0, 0.042])
    toppings: list[tuple[trimesh.Trimesh, Rgba]] = []
    spots: list[np.ndarray] = []
    while len(spots) < 13:
        p = rng.uniform(-0.33, 0.33, 2)
        if np.hypot(*p) < 0.33 and all(np.hypot(*(p - q)) > 0.13 for q in spots):
            spots.append(p)
    for p in spots:
        slice_ = _at(cylinder(radius=0.055, height=0.01, sections=24), p[0], p[1], 0.05)
        toppings.append((slice_, (0.55, 0.06, 0.04, 1.0)))
    for _ in range(9):
        p = rng.uniform(-0.3, 0.3, 2) * (0.8 if rng.uniform() < 0.5 else 1.0)
        olive = _at(torus(0.018, 0.009, 16, 8), p[0], p[1], 0.052)
        toppings.append((olive, (0.03, 0.03, 0.03, 1.0)))
    for _ in range(8):
        p = rng.uniform(-0.32, 0.32, 2)
        strip = _turn(box([0.07, 0.014, 0.008]), rng.uniform(0, 180), (0, 0, 1))
        toppings.append((_at(strip, p[0], p[1], 0.053), (0.1, 0.5, 0.08, 1.0)))
    return [
        _paint(base, (0.86, 0.62, 0.3, 1.0)),
        _paint(crust, (0.78, 0.46, 0.14, 1.0)),
        _paint(sauce, (0.62, 0.08, 0.02, 1.0)),
        _paint(cheese, (0.99, 0.82, 0.36, 1.0)),
        *(_paint(m, c) for m, c in toppings),
    ]


def _broccoli() -> list[trimesh.Trimesh]:
    """A pale stalk branching into a dome of clustered dark-green florets."""
    rng = np.random.default_rng(SEED)
    stalk = revolve(
        np.array([(0, 0), (0.1, 0), (0.105, 0.02), (0.08, 0.2), (0.1, 0.36), (0, 0.36)]), 32
    )
    branches, florets = [], []
    tops = []
    for k in range(7):
        a = 2 * np.pi * k / 7 + rng.uniform(-0.2, 0.2)
        lean = 0.2 if k else 0.0
        top = np.array([lean * np.cos(a), lean * np.sin(a), 0.62 - 0.6 * lean**2])
        tops.append(top)
        path = np.linspace([0, 0, 0.3], top, 8)
        branches.append(_tube(path, 0.04, sections=10))
    for top in tops:
        for _ in range(9):
            d = rng.normal(size=3)
            d[2] = abs(d[2]) + 0.3
            d /= np.linalg.norm(d)
            radius = rng.uniform(0.06, 0.095)
            centre = top + d * rng.uniform(0.05, 0.13)
            ball = icosphere(subdivisions=2, radius=radius)
            ball.vertices *= 1 + 0.12 * rng.uniform(-1, 1, (len(ball.vertices), 1))
            florets.append(_at(ball, *centre))
    shades = [(0.03, 0.16, 0.02, 1.0), (0.05, 0.22, 0.03, 1.0), (0.02, 0.12, 0.015, 1.0)]
    green = (0.35, 0.55, 0.15, 1.0)
    return [
        _paint(stalk, green),
        *(_paint(b, green) for b in branches),
        *(_paint(f, shades[i % 3]) for i, f in enumerate(florets)),
    ]


def _mouse() -> list[trimesh.Trimesh]:
    """A computer mouse: a domed shell whose front top splits into two buttons, a wheel in
    the split, and a short cable; built nose to +x, turned by the catalog."""
    s = np.linspace(0, 1, 60)
    half_width = _interp(s, [(0, 0.05), (0.04, 0.2), (0.3, 0.29), (0.7, 0.26), (0.96, 0.2)])
    nose = np.sqrt(np.clip(1 - ((s - 0.96) / 0.04) ** 2, 0, 1))
    half_width = np.where(s > 0.96, half_width * nose + 0.01, half_width)
    height = _interp(s, [(0, 0.06), (0.08, 0.2), (0.4, 0.3), (0.75, 0.25), (0.97, 0.15), (1, 0.06)])
    shell = loft(s - 0.5, height / 2, half_width, height / 2, sections=48, power=2.6)
    centres = shell.triangles_center
    top = centres[:, 2] > 0.55 * np.interp(centres[:, 0] + 0.5, s, height)
    front = centres[:, 0] > 0.08
    split = np.abs(centres[:, 1]) < 0.018
    seam = np.abs(centres[:, 0] - 0.08) < 0.012
    groove = top & ((front & split) | (seam & ~(centres[:, 0] < 0.07)))
    left = top & front & ~groove & (centres[:, 1] > 0)
    right = top & front & ~groove & (centres[:, 1] < 0)
    body = ~(groove | left | right)
    pieces = [
        (shell.submesh([np.flatnonzero(mask)], append=True), colour)
        for mask, colour in [
            (body, (0.06, 0.06, 0.07, 1.0)),
            (left, (0.2, 0.21, 0.23, 1.0)),
            (right, (0.2, 0.21, 0.23, 1.0)),
            (groove, (0.75, 0.76, 0.78, 1.0)),
        ]
    ]
    wheel = _turn(cylinder(radius=0.055, height=0.03, sections=24), 90, (1, 0, 0))
    wheel_x = 0.22
    _at(wheel, wheel_x, 0, np.interp(wheel_x + 0.5, s, height) - 0.01)
    t = np.linspace(0, 1, 20)
    cable_path = np.column_stack([0.5 + 0.35 * t, 0.12 * np.sin(2.5 * t), np.full(20, 0.02)])
    cable = _tube(cable_path, 0.015, sections=8)
    return [
        *(_paint(m, c) for m, c in pieces),
        _paint(wheel, (0.75, 0.76, 0.78, 1.0)),
        _paint(cable, (0.05, 0.05, 0.05, 1.0)),
    ]


def _toothbrush() -> list[trimesh.Trimesh]:
    """A coloured handle with a rubber grip, a slim neck and a head of white and blue
    bristle tufts."""
    s = np.linspace(0, 1, 60)
    x = s - 0.5
    half_width = _interp(
        s,
        [
            (0, 0.03),
            (0.03, 0.042),
            (0.45, 0.04),
            (0.66, 0.018),
            (0.74, 0.022),
            (0.76, 0.032),
            (0.97, 0.032),
            (1.0, 0.015),
        ],
    )
    half_thickness = _interp(s, [(0, 0.02), (0.5, 0.022), (0.66, 0.011), (0.76, 0.011), (1, 0.01)])
    z = 0.03 + 0.035 * np.clip((s - 0.45) / 0.55, 0, 1) ** 1.5
    handle = loft(x, z, half_width, half_thickness, sections=24, power=2.2)
    grip_s = slice(12, 26)
    grip = loft(x[grip_s], z[grip_s], half_width[grip_s] + 0.003, half_thickness[grip_s] + 0.003)
    tufts: list[tuple[trimesh.Trimesh, Rgba]] = []
    for i, tx in enumerate(np.linspace(0.28, 0.46, 8)):
        base = np.interp(tx + 0.5, s, z) + 0.008
        for ty in (-0.018, 0.0, 0.018):
            tuft = _at(cylinder(radius=0.0085, height=0.07, sections=10), tx, ty, base + 0.035)
            colour = (0.97, 0.97, 0.97, 1.0) if i % 2 else (0.1, 0.55, 0.95, 1.0)
            tufts.append((tuft, colour))
    return [
        _paint(handle, (0.05, 0.3, 0.9, 1.0)),
        _paint(grip, (0.95, 0.95, 0.93, 1.0)),
        *(_paint(m, c) for m, c in tufts),
    ]


def _hair_drier() -> list[trimesh.Trimesh]:
    """A round body with a dark intake grille at the back, a flattened nozzle at the front
    and a handle below, in side view."""
    body = revolve(
        np.array(
            [(0, 0), (0.13, 0), (0.16, 0.03), (0.17, 0.1), (0.165, 0.34), (0.12, 0.44), (0, 0.44)]
        ),
        48,
    )
    nozzle = revolve(np.array([(0, 0.4), (0.11, 0.4), (0.095, 0.62), (0, 0.62)]), 32)
    nozzle.vertices[:, 1] *= np.where(nozzle.vertices[:, 2] > 0.45, 0.55, 1.0)
    grille = _at(cylinder(radius=0.13, height=0.01, sections=48), 0, 0, -0.004)
    rings = [_at(torus(r, 0.008, 48, 6), 0, 0, -0.008) for r in (0.05, 0.09)]
    barrel = [
        _paint(body, (0.7, 0.02, 0.3, 1.0)),
        _paint(nozzle, (0.12, 0.12, 0.13, 1.0)),
        _paint(grille, (0.03, 0.03, 0.03, 1.0)),
        *(_paint(r, (0.5, 0.5, 0.52, 1.0)) for r in rings),
    ]
    along_x = rotation_matrix(np.pi / 2, [0, 1, 0])
    for part in barrel:
        part.apply_transform(along_x)
        part.apply_translation([-0.2, 0, 0.55])
    handle = _turn(capsule(height=0.38, radius=0.065, count=[16, 16]), -14, (0, 1, 0))
    _at(handle, -0.02, 0, 0.3)
    switch = _at(box([0.03, 0.05, 0.06]), 0.06, 0, 0.36)
    switch.apply_transform(rotation_matrix(np.radians(-14), [0, 1, 0], [-0.02, 0, 0.3]))
    t = np.linspace(0, 1, 16)
    cable = _tube(
        np.column_stack([-0.07 - 0.2 * t, 0.05 * t, 0.08 - 0.05 * np.sin(np.pi * t / 2)]), 0.015, 8
    )
    return [
        *barrel,
        _paint(handle, (0.7, 0.02, 0.3, 1.0)),
        _paint(switch, (0.95, 0.95, 0.95, 1.0)),
        _paint(cable, (0.05, 0.05, 0.05, 1.0)),
    ]


def _parking_meter() -> list[trimesh.Trimesh]:
    """A grey post carrying a coin head: a domed window with a white dial and red flag,
    a coin slot, a key lock and a yellow label."""
    foot = _at(cylinder(radius=0.08, height=0.02, sections=24), 0, 0, 0.01)
    housing = _at(box([0.24, 0.17, 0.22]), 0, 0, 0.83)
    collar = _at(cylinder(radius=0.06, height=0.06, sections=24), 0, 0, 0.72)
    dome = _turn(cylinder(radius=0.12, height=0.17, sections=48), 90, (1, 0, 0))
    dome.update_faces(dome.triangles_center[:, 2] > -0.001)
    dome.remove_unreferenced_vertices()
    dome.fill_holes()
    _at(dome, 0, 0, 0.94)
    t = np.linspace(0, np.pi, 24)
    face = extrude_upright(np.column_stack([0.1 * np.cos(t), 0.1 * np.sin(t)]), 0.004)
    _at(face, 0, -0.086, 0.945)
    needle = _turn(_at(box([0.008, 0.004, 0.08]), 0, 0, 0.04), -35, (0, 1, 0))
    _at(needle, 0, -0.09, 0.95)
    flag = _at(box([0.05, 0.004, 0.03]), -0.045, -0.089, 1.0)
    ticks = [
        _at(
            _turn(_at(box([0.006, 0.004, 0.02]), 0, 0, 0.085), -90 + 30 * k, (0, 1, 0)),
            0,
            -0.09,
            0.945,
        )
        for k in range(7)
    ]
    slot = _at(box([0.05, 0.01, 0.012]), -0.04, -0.087, 0.86)
    lock = _turn(cylinder(radius=0.018, height=0.012, sections=16), 90, (1, 0, 0))
    _at(lock, 0.06, -0.087, 0.86)
    label = _at(box([0.16, 0.004, 0.05]), 0, -0.087, 0.77)
    head = (0.15, 0.2, 0.24, 1.0)
    # the head drawn above is scaled up onto a shorter post: at 224 px the dial must show
    post = _at(cylinder(radius=0.045, height=0.5, sections=24), 0, 0, 0.25)
    enlarge = np.diag([1.35, 1.35, 1.35, 1.0])
    enlarge[:3, 3] = [0, 0, 0.5 - 1.35 * 0.72]
    parts = [
        _paint(collar, head),
        _paint(housing, head),
        _paint(dome, (0.55, 0.6, 0.62, 1.0)),
        _paint(face, (0.97, 0.97, 0.95, 1.0)),
        _paint(needle, (0.02, 0.02, 0.02, 1.0)),
        _paint(flag, (0.85, 0.05, 0.03, 1.0)),
        *(_paint(k, (0.02, 0.02, 0.02, 1.0)) for k in ticks),
        _paint(slot, (0.02, 0.02, 0.02, 1.0)),
        _paint(lock, (0.8, 0.8, 0.82, 1.0)),
        _paint(label, (0.98, 0.8, 0.05, 1.0)),
    ]
    return [
        _paint(post, (0.45, 0.46, 0.48, 1.0)),
        _paint(foot, (0.45, 0.46, 0.48, 1.0)),
        *(p.apply_transform(enlarge) for p in parts),
    ]


def _baseball_glove() -> list[trimesh.Trimesh]:
    """A padded leather mitt seen from the pocket side: a broad palm, four fingers and a
    thumb as separate pads (their gaps are the seams), a laced web between thumb and
    index finger, lacing along the finger tips and a strap at the wrist."""
    leather, lace, dark = (0.3, 0.11, 0.025, 1.0), (0.8, 0.6, 0.3, 1.0), (0.1, 0.035, 0.01, 1.0)
    palm = icosphere(subdivisions=3, radius=1.0)
    palm.vertices *= [0.3, 0.12, 0.3]
    _at(palm, 0.02, 0.02, 0.34)
    parts: list[tuple[trimesh.Trimesh, Rgba]] = [(palm, leather)]
    tips = []
    for k, (x, length) in enumerate([(-0.19, 0.36), (-0.065, 0.42), (0.06, 0.41), (0.17, 0.34)]):
        finger = capsule(height=length, radius=0.07, count=[16, 16])
        finger.vertices[:, 1] *= 0.75
        lean = -10 + 7 * k
        finger.apply_translation([0, 0, length / 2])
        _turn(finger, lean, (0, 1, 0))
        _at(finger, x, 0.03, 0.42)
        parts.append((finger, leather))
        tip = np.array([x + np.sin(np.radians(lean)) * (length + 0.06), 0.03, 0.42])
        tip[2] += np.cos(np.radians(lean)) * (length + 0.06)
        tips.append(tip)
        knot = _at(torus(0.03, 0.01, 16, 6), *tip)
        _turn(knot.apply_translation(-tip), 90, (1, 0, 0)).apply_translation(tip)
        parts.append((knot, lace))
    thumb = capsule(height=0.3, radius=0.07, count=[16, 16])
    thumb.vertices[:, 1] *= 0.75
    thumb.apply_translation([0, 0, 0.15])
    _turn(thumb, 38, (0, 1, 0))
    _at(thumb, 0.26, 0.02, 0.22)
    parts.append((thumb, leather))
    for z in np.linspace(0.5, 0.72, 4):
        strand = _tube(np.array([[0.21, -0.04, z], [0.4, -0.04, z + 0.08]]), 0.012, 8)
        parts.append((strand, lace))
    for x in (0.27, 0.33):
        strand = _tube(np.array([[x, -0.045, 0.42], [x + 0.05, -0.045, 0.8]]), 0.012, 8)
        parts.append((strand, lace))
    web_back = extrude_upright(
        np.array([(0.2, 0.45), (0.36, 0.4), (0.44, 0.8), (0.24, 0.86)]), 0.02
    )
    _at(web_back, 0, 0.0, 0)
    parts.append((web_back, dark))
    for a, b in itertools.pairwise(tips):
        parts.append((_tube(np.linspace(a, b, 6) + np.array([0, -0.03, -0.02]), 0.01, 8), lace))
    strap = cylinder(radius=0.26, height=0.08, sections=48)
    strap.vertices[:, 1] *= 0.5
    _at(strap, 0.02, 0.02, 0.08)
    button = _turn(cylinder(radius=0.035, height=0.02, sections=16), 90, (1, 0, 0))
    _at(button, 0.12, -0.12, 0.09)
    parts += [(strap, dark), (button, (0.8, 0.05, 0.04, 1.0))]
    return [_paint(m, c) for m, c in parts]


def _suitcase() -> list[trimesh.Trimesh]:
    """A hard-shell trolley suitcase standing upright: ribbed shell, a zip band round its
    middle, a carry handle on top, the telescopic handle pulled out and four corner wheels."""
    height, half_w, half_d = 0.62, 0.21, 0.125
    s = np.linspace(0, 1, 12)
    # lofted along x, then stood up: the loft's x becomes height, its z the width (x)
    upright = rotation_matrix(-np.pi / 2, [0, 1, 0])
    shell = loft(
        s * height, np.zeros(12), np.full(12, half_d), np.full(12, half_w), sections=48, power=5
    )
    shell.apply_transform(upright).apply_translation([0, 0, 0.05])
    zip_band = loft(
        s * (height + 0.008) - 0.004,
        np.zeros(12),
        np.full(12, 0.012),
        np.full(12, half_w + 0.004),
        sections=32,
        power=5,
    )
    zip_band.apply_transform(upright).apply_translation([0, 0, 0.05])
    ribs = [
        _at(box([0.025, 0.012, height - 0.1]), x, -half_d - 0.002, 0.05 + height / 2)
        for x in (-0.12, -0.04, 0.04, 0.12)
    ]
    t = np.linspace(0, np.pi, 12)
    carry = _tube(
        np.column_stack([0.07 * np.cos(t), np.zeros(12), 0.05 + height + 0.035 * np.sin(t)]),
        0.014,
        8,
    )
    bars = [
        _at(cylinder(radius=0.012, height=0.3, sections=12), x, half_d - 0.03, height + 0.2)
        for x in (-0.11, 0.11)
    ]
    grip = _at(box([0.26, 0.035, 0.035]), 0, half_d - 0.03, height + 0.35)
    wheels = []
    for x in (-half_w + 0.04, half_w - 0.04):
        for y in (-half_d + 0.04, half_d - 0.04):
            wheel = _turn(cylinder(radius=0.028, height=0.025, sections=16), 90, (0, 1, 0))
            wheels.append(_at(wheel, x, y, 0.028))
    black = (0.02, 0.02, 0.02, 1.0)
    shell_colour = (0.45, 0.02, 0.02, 1.0)
    return [
        _paint(shell, shell_colour),
        _paint(zip_band, (0.05, 0.05, 0.05, 1.0)),
        *(_paint(r, (0.3, 0.01, 0.01, 1.0)) for r in ribs),
        _paint(carry, black),
        *(_paint(b, (0.6, 0.6, 0.62, 1.0)) for b in bars),
        _paint(grip, black),
        *(_paint(w, black) for w in wheels),
    ]


BUILDERS: dict[str, Callable[[], list[trimesh.Trimesh]]] = {
    "suitcase": _suitcase,
    "parking_meter": _parking_meter,
    "frisbee": _frisbee,
    "skis": _skis,
    "snowboard": _snowboard,
    "baseball_glove": _baseball_glove,
    "surfboard": _surfboard,
    "broccoli": _broccoli,
    "pizza": _pizza,
    "mouse": _mouse,
    "hair_drier": _hair_drier,
    "toothbrush": _toothbrush,
}


def build(name: str) -> list[trimesh.Trimesh]:
    """The meshes of the COCO object `name` modelled here, else of the procedural shape."""
    if name in BUILDERS:
        return BUILDERS[name]()
    if name in procedural.BUILDERS:
        return procedural.build(name)
    known = sorted([*BUILDERS, *procedural.BUILDERS])
    raise ValueError(f"procedural: unknown model {name!r}; expected one of {known}")
