"""Material and geometry touch-ups a catalog entry can ask for: recolouring a part whose
source colour reads badly (a grey tie, a white plate on a grey floor) and cutting away
geometry below the ground (a post modelled a metre into the earth)."""

from __future__ import annotations

import re

import numpy as np
import trimesh

from comco.assets.textures import colour_material


def material_name(mesh: trimesh.Trimesh) -> str:
    """The name of the mesh's material ('' when it has none)."""
    material = getattr(mesh.visual, "material", None)
    return (getattr(material, "name", None) or "") if material is not None else ""


def recolour(
    meshes: list[trimesh.Trimesh], rules: dict[str, tuple[float, ...]]
) -> list[trimesh.Trimesh]:
    """Give every mesh whose material name matches a rule's regex (first match wins) a plain
    material of that rule's colour (RGB or RGBA, 0..1), replacing any texture. Fails naming
    a rule that matched nothing, so a renamed material cannot pass silently."""
    compiled = [(re.compile(pattern), rgba) for pattern, rgba in rules.items()]
    used: set[str] = set()
    for mesh in meshes:
        name = material_name(mesh)
        for regex, rgba in compiled:
            if regex.search(name):
                colour = (*rgba, 1.0) if len(rgba) == 3 else tuple(rgba)
                mesh.visual = trimesh.visual.TextureVisuals(
                    material=colour_material(colour, name or "recoloured")
                )
                used.add(regex.pattern)
                break
    unused = sorted(set(rules) - used)
    if unused:
        names = sorted({material_name(m) for m in meshes})
        raise ValueError(f"recolour: no material matches {unused}; materials are {names}")
    return meshes


def drop_materials(meshes: list[trimesh.Trimesh], patterns: list[str]) -> list[trimesh.Trimesh]:
    """The meshes whose material name matches none of `patterns` (e.g. a glass cover that
    hides a clock's face). Fails naming a pattern that matched nothing."""
    regexes = [re.compile(p) for p in patterns]
    hits = [[r.search(material_name(m)) is not None for r in regexes] for m in meshes]
    unused = [p for i, p in enumerate(patterns) if not any(h[i] for h in hits)]
    if unused:
        names = sorted({material_name(m) for m in meshes})
        raise ValueError(f"drop_materials: no material matches {unused}; materials are {names}")
    kept = [m for m, h in zip(meshes, hits, strict=True) if not any(h)]
    if not kept:
        raise ValueError(f"drop_materials: {patterns} would drop every part")
    return kept


def clip_below(meshes: list[trimesh.Trimesh], z: float) -> list[trimesh.Trimesh]:
    """The meshes with everything below height `z` cut away (the cut is left open); meshes
    left with no faces are dropped. Triangles crossing the plane are clipped, their texture
    coordinates interpolated."""
    kept = []
    for mesh in meshes:
        if mesh.bounds[0][2] >= z:
            kept.append(mesh)
        elif mesh.bounds[1][2] > z:
            cut = _clip_mesh(mesh, z)
            if len(cut.faces):
                kept.append(cut)
    if not kept:
        raise ValueError(f"clip_below: nothing is left above z={z}")
    return kept


def _clip_mesh(mesh: trimesh.Trimesh, z: float) -> trimesh.Trimesh:
    uv = getattr(mesh.visual, "uv", None)
    corners = mesh.vertices[mesh.faces]  # (n, 3, 3)
    uvs = uv[mesh.faces] if uv is not None else np.zeros((*mesh.faces.shape, 2))
    out_xyz, out_uv = [], []
    for tri, tri_uv in zip(corners, uvs, strict=True):
        # Sutherland-Hodgman against the half-space above z: a triangle becomes a polygon
        # of 0, 3 or 4 corners, kept in the triangle's winding
        poly, poly_uv = [], []
        for i in range(3):
            a, b = tri[i], tri[(i + 1) % 3]
            ua, ub = tri_uv[i], tri_uv[(i + 1) % 3]
            if a[2] >= z:
                poly.append(a)
                poly_uv.append(ua)
            if (a[2] >= z) != (b[2] >= z):
                t = (z - a[2]) / (b[2] - a[2])
                poly.append(a + t * (b - a))
                poly_uv.append(ua + t * (ub - ua))
        for k in range(1, len(poly) - 1):
            out_xyz += [poly[0], poly[k], poly[k + 1]]
            out_uv += [poly_uv[0], poly_uv[k], poly_uv[k + 1]]
    vertices = np.array(out_xyz).reshape(-1, 3)
    faces = np.arange(len(vertices)).reshape(-1, 3)
    material = getattr(mesh.visual, "material", None)
    visual = trimesh.visual.TextureVisuals(
        uv=np.array(out_uv).reshape(-1, 2) if uv is not None else None, material=material
    )
    return trimesh.Trimesh(vertices, faces, visual=visual, process=False)


def _check_rgba(values: tuple[float, ...]) -> tuple[float, ...]:
    if len(values) not in (3, 4) or not all(0.0 <= v <= 1.0 for v in values):
        raise ValueError(f"colour {values}: expected 3 or 4 components in 0..1")
    return tuple(float(v) for v in values)


def check_rules(rules: dict[str, tuple[float, ...]]) -> dict[str, tuple[float, ...]]:
    """Validate recolour rules: regexes compile, colours are RGB(A) in 0..1."""
    for pattern in rules:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"bad regex {pattern!r}: {error}") from error
    return {p: _check_rgba(tuple(np.asarray(c, dtype=float))) for p, c in rules.items()}
