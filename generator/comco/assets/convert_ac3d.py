"""FlightGear AC3D (`.ac`) models, which no Blender 5 importer reads.

AC3D is line-based text: `MATERIAL` lines, then a tree of `OBJECT`s, each with optional
`name`, `texture`, `texrep`, `texoff`, `loc` and `rot` (relative to the parent), `numvert`
vertex lines, `numsurf` surfaces (`SURF` flags, `mat` index, `refs` lines of
`vertex-index u v`) and `kids`. Surface type 0 is a polygon; types 1 and 2 are lines, which
have no area and are skipped. Y is up; UVs count v from the bottom, as in OBJ."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh

from comco.assets.frames import Y_UP_TO_Z_UP
from comco.assets.textures import colour_material, textured_material


@dataclass
class AcPart:
    """Triangles of one object that share a texture and material, in model coordinates."""

    name: str
    texture: str | None
    material: int
    positions: list[np.ndarray] = field(default_factory=list)
    uvs: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class AcModel:
    """What an AC3D file holds: its materials (RGBA) and triangle parts."""

    materials: list[tuple[float, float, float, float]]
    parts: list[AcPart]


def _tokens(line: str) -> list[str]:
    return shlex.split(line, posix=True)


def parse_ac3d(text: str) -> AcModel:
    """Parse AC3D text into materials and triangulated parts with world positions."""
    lines: Iterator[str] = iter(text.splitlines())
    header = next(lines, "")
    if not header.startswith("AC3D"):
        raise ValueError(f"ac3d: header {header[:8]!r}, expected 'AC3D...'")
    materials: list[tuple[float, float, float, float]] = []
    parts: list[AcPart] = []

    def read_object(parent: np.ndarray) -> None:
        name, texture = "", None
        rep, off = np.ones(2), np.zeros(2)
        local = np.eye(4)
        vertices = np.zeros((0, 3))
        by_key: dict[tuple[str | None, int], AcPart] = {}
        for line in lines:
            words = _tokens(line)
            if not words:
                continue
            key = words[0]
            if key == "name":
                name = words[1]
            elif key == "texture":
                texture = words[1]
            elif key == "texrep":
                rep = np.array(words[1:3], dtype=float)
            elif key == "texoff":
                off = np.array(words[1:3], dtype=float)
            elif key == "loc":
                local[:3, 3] = np.array(words[1:4], dtype=float)
            elif key == "rot":
                local[:3, :3] = np.array(words[1:10], dtype=float).reshape(3, 3).T
            elif key == "numvert":
                world = parent @ local
                raw = np.array([next(lines).split()[:3] for _ in range(int(words[1]))], dtype=float)
                vertices = raw @ world[:3, :3].T + world[:3, 3] if len(raw) else raw
            elif key == "numsurf":
                for _ in range(int(words[1])):
                    _read_surface(lines, vertices, name, texture, rep, off, by_key)
            elif key == "kids":
                parts.extend(p for p in by_key.values() if p.positions)
                for _ in range(int(words[1])):
                    child_header = next(lines)
                    if not child_header.startswith("OBJECT"):
                        raise ValueError(f"ac3d: expected OBJECT, got {child_header!r}")
                    read_object(parent @ local)
                return

    for line in lines:
        if line.startswith("MATERIAL"):
            words = _tokens(line)
            rgb = [float(x) for x in words[words.index("rgb") + 1 : words.index("rgb") + 4]]
            transparency = float(words[words.index("trans") + 1]) if "trans" in words else 0.0
            materials.append((*rgb, 1.0 - transparency))
        elif line.startswith("OBJECT"):
            read_object(np.eye(4))
    return AcModel(materials, parts)


def _read_surface(lines, vertices, name, texture, rep, off, by_key) -> None:
    flags = int(next(lines).split()[1], 0)
    words = next(lines).split()
    material = 0
    if words[0] == "mat":
        material = int(words[1])
        words = next(lines).split()
    refs = [next(lines).split() for _ in range(int(words[1]))]
    if flags & 0x0F != 0 or len(refs) < 3:
        return
    part = by_key.setdefault((texture, material), AcPart(name, texture, material))
    index = [int(r[0]) for r in refs]
    uv = [(float(r[1]) * rep[0] + off[0], float(r[2]) * rep[1] + off[1]) for r in refs]
    for k in range(1, len(refs) - 1):
        for j in (0, k, k + 1):
            part.positions.append(vertices[index[j]])
            part.uvs.append(uv[j])


def load_ac3d(path: Path, textures: list[Path], keep: list[str]) -> list[trimesh.Trimesh]:
    """The model's parts (only those whose object name matches a `keep` regex, if given) as
    meshes in the Z-up frame. `textures` must hold every texture the kept parts name."""
    model = parse_ac3d(path.read_text(errors="replace"))
    by_name = {t.name: t for t in textures}
    parts = [p for p in model.parts if not keep or any(re.search(k, p.name) for k in keep)]
    if not parts:
        raise ValueError(f"{path.name}: no polygon parts (keep={keep})")
    meshes = []
    for part in parts:
        rgba = (
            model.materials[part.material] if part.material < len(model.materials) else (1, 1, 1, 1)
        )
        if part.texture:
            if Path(part.texture).name not in by_name:
                raise FileNotFoundError(
                    f"{path.name}: texture {part.texture!r} not in catalog textures"
                )
            material = textured_material(by_name[Path(part.texture).name], part.texture)
            visual = trimesh.visual.TextureVisuals(uv=np.array(part.uvs), material=material)
        else:
            visual = trimesh.visual.TextureVisuals(
                material=colour_material(rgba, f"mat{part.material}")
            )
        positions = np.array(part.positions)
        faces = np.arange(len(positions)).reshape(-1, 3)
        mesh = trimesh.Trimesh(positions, faces, visual=visual, process=False)
        meshes.append(mesh.apply_transform(Y_UP_TO_Z_UP))
    return meshes
