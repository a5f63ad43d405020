"""Load a Wavefront OBJ (+MTL and textures) as trimesh meshes in the Z-up frame."""

from __future__ import annotations

import io
from pathlib import Path

import trimesh

from comco.assets.frames import y_up_to_z_up
from comco.assets.parts import keep_obj_parts


def load_obj(path: Path, keep: list[str]) -> list[trimesh.Trimesh]:
    """Meshes of the OBJ at `path` (only the `keep` parts if given), Y-up -> Z-up."""
    text = path.read_text(errors="replace")
    if keep:
        text = keep_obj_parts(text, keep)
    loaded = trimesh.load(
        io.StringIO(text),
        file_type="obj",
        resolver=trimesh.resolvers.FilePathResolver(str(path.parent)),
        force="scene",
        group_material=True,
    )
    meshes = [g for g in loaded.dump() if isinstance(g, trimesh.Trimesh) and len(g.faces)]
    if not meshes:
        raise ValueError(f"{path}: no faces")
    return [y_up_to_z_up(_matte(m)) for m in meshes]


def _matte(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Give an MTL material an explicit metallic factor of 0. An MTL's `Kd` is a diffuse
    colour, but a glTF material without a metallic factor is fully metallic: white toilets
    and sinks rendered as grey mirrors of the sky, washed-out and see-through."""
    material = getattr(mesh.visual, "material", None)
    if isinstance(material, trimesh.visual.material.SimpleMaterial):
        name = material.name
        material = material.to_pbr()
        material.name = name  # recolour and drop_materials rules match it
        mesh.visual.material = material
    is_pbr = isinstance(material, trimesh.visual.material.PBRMaterial)
    if is_pbr and material.metallicFactor is None:
        material.metallicFactor = 0.0
    return mesh
