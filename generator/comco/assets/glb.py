"""Write normalised meshes to one GLB, in glTF's Y-up frame so that Blender's importer brings
them back Z-up."""

from __future__ import annotations

import hashlib
from pathlib import Path

import trimesh

from comco.assets.frames import Z_UP_TO_GLTF
from comco.io.atomic import write_atomic


def write_glb(meshes: list[trimesh.Trimesh], path: Path) -> str:
    """Export `meshes` (Z-up) to `path` via a temporary name; return the file's sha256."""
    scene = trimesh.Scene()
    for i, mesh in enumerate(meshes):
        scene.add_geometry(mesh.copy().apply_transform(Z_UP_TO_GLTF), geom_name=f"part{i:03d}")
    data = scene.export(file_type="glb")
    write_atomic(path, data)
    return hashlib.sha256(data).hexdigest()


def read_glb(path: Path) -> list[trimesh.Trimesh]:
    """The meshes of a GLB written by `write_glb`, back in the Z-up frame."""
    scene = trimesh.load(path, force="scene")
    meshes = [g for g in scene.dump() if isinstance(g, trimesh.Trimesh)]
    return [m.apply_transform(trimesh.transformations.inverse_matrix(Z_UP_TO_GLTF)) for m in meshes]
