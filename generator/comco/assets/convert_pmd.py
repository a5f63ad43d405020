"""0 A.D. PMD meshes (`*.dae.cached.pmd`, versions 3 and 4), which no Blender importer reads.

Layout (little-endian): 'PSMD', u32 version, u32 size; u32 vertex count; (v4: u32 UV-set
count); per vertex: 3 f32 position, 3 f32 normal, 2 f32 per UV set, 4 u8 bone ids,
4 f32 bone weights; u32 face count, 3 u16 per face; then bones and prop points, unused here.
0 A.D. is left-handed and Y-up; its UVs are used as stored (a flip scrambles the skins,
checked by rendering)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import trimesh

from comco.assets.frames import MIRROR_X, Y_UP_TO_Z_UP
from comco.assets.textures import textured_material


def parse_pmd(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions (n,3), uvs (n,2) as stored, faces (m,3)) of a PMD file's bytes."""
    if data[:4] != b"PSMD":
        raise ValueError(f"pmd: magic {data[:4]!r}, expected b'PSMD'")
    version, _size = struct.unpack_from("<II", data, 4)
    if version not in (3, 4):
        raise ValueError(f"pmd: version {version}, expected 3 or 4")
    offset = 12
    (count,) = struct.unpack_from("<I", data, offset)
    offset += 4
    uv_sets = 1
    if version >= 4:
        (uv_sets,) = struct.unpack_from("<I", data, offset)
        offset += 4
    floats = 6 + 2 * uv_sets
    vertex = np.dtype([("f", "<f4", (floats,)), ("bones", "u1", (4,)), ("weights", "<f4", (4,))])
    vertices = np.frombuffer(data, dtype=vertex, count=count, offset=offset)
    offset += count * vertex.itemsize
    (face_count,) = struct.unpack_from("<I", data, offset)
    offset += 4
    faces = np.frombuffer(data, dtype="<u2", count=3 * face_count, offset=offset).reshape(-1, 3)
    if faces.size and faces.max() >= count:
        raise ValueError(f"pmd: face index {faces.max()} >= vertex count {count}")
    return (
        vertices["f"][:, :3].astype(float),
        vertices["f"][:, 6:8].astype(float),
        faces.astype(np.int64),
    )


def load_pmd(path: Path, texture: Path) -> list[trimesh.Trimesh]:
    """The PMD's mesh with its texture, in the project's Z-up frame."""
    positions, uvs, faces = parse_pmd(path.read_bytes())
    visual = trimesh.visual.TextureVisuals(
        uv=uvs,
        material=textured_material(texture, path.stem, use_alpha=False),
    )
    mesh = trimesh.Trimesh(positions, faces, visual=visual, process=False)
    # the mirror makes trimesh reverse the winding, but PMD faces already wind outward in
    # the mirrored frame (measured: built animals had negative volume), so undo that
    mesh.apply_transform(Y_UP_TO_Z_UP @ MIRROR_X).invert()
    return [mesh]
