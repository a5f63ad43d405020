"""Meshes made in code: the 18 SimCO shapes (neutral light grey; the renderer recolours them
from the spec's `color`) and the few COCO categories no package has a real mesh for.

Everything is built Z-up, front facing -Y; flat shapes stand upright facing the camera.
`build` returns unnormalised meshes; the build normalises them like any other source."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import trimesh
from trimesh.creation import box, cone, cylinder, icosphere, revolve, torus

from comco.assets.textures import colour_material

SHAPE_GREY = (0.8, 0.8, 0.8, 1.0)


def _paint(mesh: trimesh.Trimesh, rgba: tuple[float, float, float, float]) -> trimesh.Trimesh:
    mesh.visual = trimesh.visual.TextureVisuals(material=colour_material(rgba, "paint"))
    return mesh


def triangulate(polygon: np.ndarray) -> np.ndarray:
    """Ear-clipping triangulation of a simple polygon given counter-clockwise, (n, 2)."""
    remaining = list(range(len(polygon)))
    triangles = []

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    while len(remaining) > 3:
        for k in range(len(remaining)):
            i, j, m = remaining[k - 1], remaining[k], remaining[(k + 1) % len(remaining)]
            a, b, c = polygon[i], polygon[j], polygon[m]
            if cross(a, b, c) <= 1e-12:
                continue
            others = (polygon[p] for p in remaining if p not in (i, j, m))
            if any(
                cross(a, b, p) >= 0 and cross(b, c, p) >= 0 and cross(c, a, p) >= 0 for p in others
            ):
                continue
            triangles.append((i, j, m))
            remaining.pop(k)
            break
        else:
            raise ValueError("triangulate: polygon is not simple or not counter-clockwise")
    triangles.append(tuple(remaining))
    return np.array(triangles)


def extrude_upright(polygon: np.ndarray, depth: float) -> trimesh.Trimesh:
    """A prism of `polygon` (x, z outline, counter-clockwise seen from -Y) `depth` thick
    along y: a flat shape standing on its edge, facing the camera."""
    polygon = np.asarray(polygon, dtype=float)
    if _signed_area(polygon) < 0:
        polygon = polygon[::-1]
    n = len(polygon)
    tris = triangulate(polygon)
    front = np.column_stack([polygon[:, 0], np.full(n, -depth / 2), polygon[:, 1]])
    back = front + np.array([0.0, depth, 0.0])
    vertices = np.vstack([front, back])
    faces = [tris[:, ::-1], tris + n]
    for i in range(n):
        j = (i + 1) % n
        faces.append([[i, j, j + n], [i, j + n, i + n]])
    mesh = trimesh.Trimesh(vertices, np.vstack(faces))
    mesh.fix_normals()
    return mesh


def _signed_area(polygon: np.ndarray) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _circle(radius: float, n: int, start: float = np.pi / 2) -> np.ndarray:
    angles = start + np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])


def _star(points: int, outer: float, inner: float) -> np.ndarray:
    outline = []
    for k in range(2 * points):
        r = outer if k % 2 == 0 else inner
        a = np.pi / 2 + k * np.pi / points
        outline.append((r * np.cos(a), r * np.sin(a)))
    return np.array(outline)


def _heart(n: int = 64) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    return np.column_stack([x, y])[::-1] / 17


def _crescent(n: int = 40) -> np.ndarray:
    outer = np.linspace(np.pi * 0.35, np.pi * 1.65, n)
    inner = np.linspace(np.pi * 1.52, np.pi * 0.48, n)
    a = np.column_stack([np.cos(outer), np.sin(outer)])
    b = np.column_stack([0.45 + 0.85 * np.cos(inner), 0.85 * np.sin(inner)])
    return np.vstack([a, b])


def _leaf(n: int = 30) -> np.ndarray:
    t = np.linspace(0, np.pi, n)
    right = np.column_stack([0.38 * np.sin(t), -np.cos(t)])
    left = np.column_stack([-0.38 * np.sin(t[::-1][1:-1]), -np.cos(t[::-1][1:-1])])
    return np.vstack([right, left])


def _tube(path: np.ndarray, radius: float, sections: int = 16) -> trimesh.Trimesh:
    """A closed-ring-ended tube of `radius` along a 3D polyline (for handles)."""
    rings = []
    for i, p in enumerate(path):
        tangent = path[min(i + 1, len(path) - 1)] - path[max(i - 1, 0)]
        tangent /= np.linalg.norm(tangent)
        side = (
            np.cross(tangent, [0, 1, 0]) if abs(tangent[1]) < 0.9 else np.cross(tangent, [1, 0, 0])
        )
        side /= np.linalg.norm(side)
        up = np.cross(tangent, side)
        angles = np.linspace(0, 2 * np.pi, sections, endpoint=False)
        rings.append(p + radius * (np.outer(np.cos(angles), side) + np.outer(np.sin(angles), up)))
    vertices = np.vstack(rings)
    faces = []
    for i in range(len(path) - 1):
        for k in range(sections):
            a, b = i * sections + k, i * sections + (k + 1) % sections
            faces += [[a, b, b + sections], [a, b + sections, a + sections]]
    mesh = trimesh.Trimesh(vertices, faces)
    mesh.fix_normals()
    return mesh


def _hollow_profile(outer: list[tuple[float, float]], wall: float) -> np.ndarray:
    """A (radius, z) profile of a vessel: out along `outer`, back down inside `wall` thick."""
    inner = [(max(r - wall, 0.0), z + (wall if i == 0 else 0)) for i, (r, z) in enumerate(outer)]
    return np.array([(0.0, 0.0), *outer, *inner[::-1][:-1], (0.0, wall)])


def _mug() -> list[trimesh.Trimesh]:
    body = revolve(_hollow_profile([(0.4, 0.0), (0.4, 1.0)], 0.05), sections=48)
    angles = np.linspace(-np.pi / 2.2, np.pi / 2.2, 24)
    handle = _tube(
        np.column_stack([0.38 + 0.28 * np.cos(angles), np.zeros(24), 0.5 + 0.3 * np.sin(angles)]),
        0.05,
    )
    return [body, handle]


def _pot() -> list[trimesh.Trimesh]:
    profile = _hollow_profile([(0.32, 0.0), (0.45, 0.8), (0.52, 0.8), (0.52, 1.0)], 0.05)
    return [revolve(profile, sections=48)]


def _visor_outline(radius: float, reach: float, n: int = 32) -> np.ndarray:
    """Top view (x, y) of a cap's visor: the crown's front rim, then an arc `reach` further
    out towards -Y that meets the rim again at the sides (counter-clockwise)."""
    angles = np.radians(np.linspace(195.0, 345.0, n))
    swell = np.sin(np.linspace(0.0, np.pi, n)) ** 0.6
    rim = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
    edge = np.column_stack([radius * np.cos(angles), (radius + reach * swell) * np.sin(angles)])
    return np.vstack([rim[::-1], edge[1:-1]])


def _cap() -> list[trimesh.Trimesh]:
    """A baseball cap: a rounded six-panel crown with a button on top and a stiff visor
    sticking out at the front (-Y), dipping a little; the catalog turns it to three-quarters."""
    t = np.linspace(0, np.pi / 2, 20)
    crown = revolve(np.column_stack([0.5 * np.cos(t), 0.05 + 0.4 * np.sin(t)]), sections=48)
    band = cylinder(radius=0.5, height=0.05, sections=48).apply_translation([0, 0, 0.025])
    button = icosphere(subdivisions=2, radius=0.045).apply_scale([1, 1, 0.5])
    button.apply_translation([0, 0, 0.45])
    visor = extrude_upright(_visor_outline(0.49, 0.38), 0.025)
    # extrude_upright stands the outline in x-z; lay it flat (outline y -> y), then dip it
    visor.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))
    dip = trimesh.transformations.rotation_matrix(np.radians(10), [1, 0, 0], [0, -0.49, 0])
    visor.apply_transform(dip)
    # curve it down at the sides, as worn visors are
    visor.vertices[:, 2] -= 0.3 * visor.vertices[:, 0] ** 2
    visor.apply_translation([0, 0, 0.12])
    return [crown, band, button, visor]


def _snowflake() -> list[trimesh.Trimesh]:
    parts = []
    for k in range(3):
        turn = trimesh.transformations.rotation_matrix(k * np.pi / 3, [0, 1, 0])
        parts.append(box([2.0, 0.12, 0.12]).apply_transform(turn))
        for side in (-1, 1):
            for sign in (-1, 1):
                twig = box([0.45, 0.1, 0.1])
                twig.apply_transform(
                    trimesh.transformations.rotation_matrix(sign * np.pi / 4, [0, 1, 0])
                )
                twig.apply_translation([side * 0.62 + side * 0.13, 0, sign * 0.13])
                parts.append(twig.apply_transform(turn))
    return parts


def _donut() -> list[trimesh.Trimesh]:
    dough = _paint(torus(0.5, 0.22, major_sections=48, minor_sections=24), (0.78, 0.52, 0.25, 1.0))
    icing = torus(0.5, 0.235, major_sections=48, minor_sections=24)
    icing.update_faces(icing.triangles_center[:, 2] > 0.02)
    icing.remove_unreferenced_vertices()
    return [dough, _paint(icing, (0.93, 0.45, 0.62, 1.0))]


def _kite() -> list[trimesh.Trimesh]:
    sail = extrude_upright(np.array([(0.0, 1.0), (-0.35, 0.62), (0.0, 0.0), (0.35, 0.62)]), 0.02)
    tail = []
    for k in range(6):
        bow = box([0.1, 0.03, 0.05]).apply_translation([0.05 * np.sin(k * 1.3), 0, -0.08 - 0.1 * k])
        tail.append(bow)
    string = box([0.01, 0.01, 0.62]).apply_translation([0, 0, -0.31 + 0.0])
    spar = box([0.7, 0.03, 0.015]).apply_translation([0, -0.02, 0.62])
    return [
        _paint(sail, (0.86, 0.12, 0.1, 1.0)),
        _paint(spar, (0.35, 0.22, 0.1, 1.0)),
        _paint(string, (0.2, 0.2, 0.2, 1.0)),
        *(_paint(t, (0.98, 0.8, 0.1, 1.0)) for t in tail),
    ]


def _baseball_bat() -> list[trimesh.Trimesh]:
    profile = np.array(
        [
            (0, 0),
            (0.07, 0),
            (0.07, 0.02),
            (0.04, 0.05),
            (0.035, 0.35),
            (0.05, 0.6),
            (0.085, 0.85),
            (0.085, 0.97),
            (0.06, 1.0),
            (0, 1.0),
        ]
    )
    bat = revolve(profile, sections=32)
    bat.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [0, 1, 0]))
    return [_paint(bat, (0.42, 0.22, 0.08, 1.0))]


def _grey(
    make: Callable[[], trimesh.Trimesh | list[trimesh.Trimesh]],
) -> Callable[[], list[trimesh.Trimesh]]:
    def built() -> list[trimesh.Trimesh]:
        made = make()
        return [_paint(m, SHAPE_GREY) for m in (made if isinstance(made, list) else [made])]

    return built


BUILDERS: dict[str, Callable[[], list[trimesh.Trimesh]]] = {
    "cube": _grey(lambda: box([1, 1, 1])),
    "sphere": _grey(lambda: icosphere(subdivisions=4, radius=0.5)),
    "cylinder": _grey(lambda: cylinder(radius=0.4, height=1.0, sections=48)),
    "cone": _grey(lambda: cone(radius=0.5, height=1.0, sections=48)),
    "pyramid": _grey(
        lambda: cone(radius=0.6, height=0.8, sections=4).apply_transform(
            trimesh.transformations.rotation_matrix(np.pi / 4, [0, 0, 1])
        )
    ),
    "diamond": _grey(
        lambda: [
            cone(radius=0.5, height=0.3, sections=8),
            cone(radius=0.5, height=0.7, sections=8).apply_transform(
                trimesh.transformations.rotation_matrix(np.pi, [1, 0, 0])
            ),
        ]
    ),
    "torus": _grey(lambda: torus(0.5, 0.2, major_sections=48, minor_sections=24)),
    "pentagon": _grey(lambda: extrude_upright(_circle(0.5, 5), 0.25)),
    "heart": _grey(lambda: extrude_upright(_heart(), 0.25)),
    "star": _grey(lambda: extrude_upright(_star(5, 0.5, 0.2), 0.2)),
    "moon": _grey(lambda: extrude_upright(_crescent(), 0.25)),
    "cross": _grey(
        lambda: extrude_upright(
            np.array(
                [
                    (-0.1, -0.5),
                    (0.1, -0.5),
                    (0.1, 0.15),
                    (0.35, 0.15),
                    (0.35, 0.35),
                    (0.1, 0.35),
                    (0.1, 0.5),
                    (-0.1, 0.5),
                    (-0.1, 0.35),
                    (-0.35, 0.35),
                    (-0.35, 0.15),
                    (-0.1, 0.15),
                ]
            ),
            0.2,
        )
    ),
    "arrow": _grey(
        lambda: extrude_upright(
            np.array(
                [
                    (-0.5, -0.1),
                    (0.15, -0.1),
                    (0.15, -0.3),
                    (0.5, 0.0),
                    (0.15, 0.3),
                    (0.15, 0.1),
                    (-0.5, 0.1),
                ]
            ),
            0.15,
        )
    ),
    "leaf": _grey(
        lambda: [
            extrude_upright(_leaf(), 0.05),
            box([0.04, 0.05, 0.3]).apply_translation([0, 0, -1.1]),
        ]
    ),
    "snowflake": _grey(_snowflake),
    "mug": _grey(_mug),
    "pot": _grey(_pot),
    "cap": _grey(_cap),
    "donut": _donut,
    "baseball_bat": _baseball_bat,
    "kite": _kite,
}


def build(name: str) -> list[trimesh.Trimesh]:
    """The meshes of the procedural model `name`."""
    if name not in BUILDERS:
        raise ValueError(f"procedural: unknown model {name!r}; expected one of {sorted(BUILDERS)}")
    return BUILDERS[name]()
