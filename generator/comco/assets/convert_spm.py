"""SuperTuxKart SPM meshes (static 'SPMN' and skinned 'SPMA'; geometry only).

Layout (little-endian): 'SP'; u8 (version << 3 | kind) with version 1, kind 1 = skinned,
2 = static; u8 flags (bit 0 normals, bit 1 vertex colours, bit 2 tangents); 6 f32 bounding
box; u16 material count, each two u8-length-prefixed texture names; u16 group count, each
u16 buffer count; per buffer u32 vertex count, u32 index count, u16 material; per vertex
3 f32 position, [u32 packed normal], [u8 colour flag (+3 u8 unless 128)], [2 f16 UV,
[2 f16 UV2 when the material has a second texture], [u32 tangent]], [16 bytes skinning];
indices u8 when a buffer has at most 255 vertices, else u16. Irrlicht is left-handed, Y-up,
and counts v from the top of the image."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import trimesh

from comco.assets.frames import MIRROR_X, Y_UP_TO_Z_UP
from comco.assets.textures import textured_material


@dataclass
class SpmBuffer:
    """One mesh buffer: geometry sharing one material."""

    texture: str
    positions: np.ndarray
    uvs: np.ndarray
    faces: np.ndarray


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += struct.calcsize(fmt)
        return values

    def name(self) -> str:
        (length,) = self.take("<B")
        text = self.data[self.offset : self.offset + length].decode()
        self.offset += length
        return text


def parse_spm(data: bytes) -> list[SpmBuffer]:
    """Every mesh buffer of an SPM file's bytes."""
    r = _Reader(data)
    if data[:2] != b"SP":
        raise ValueError(f"spm: magic {data[:2]!r}, expected b'SP'")
    r.offset = 2
    header, flags = r.take("<BB")
    version, kind = header >> 3, header & 7
    if version != 1 or kind not in (1, 2):
        raise ValueError(f"spm: version {version} kind {kind}, expected version 1, kind 1 or 2")
    has_normals, has_colours, has_tangents = flags & 1, flags & 2, flags & 4
    r.take("<6f")
    (material_count,) = r.take("<H")
    materials = [(r.name(), r.name()) for _ in range(material_count)]
    buffers = []
    (groups,) = r.take("<H")
    for _ in range(groups):
        (buffer_count,) = r.take("<H")
        for _ in range(buffer_count):
            vertex_count, index_count, material = r.take("<IIH")
            texture, texture2 = materials[material]
            positions = np.zeros((vertex_count, 3))
            uvs = np.zeros((vertex_count, 2))
            for i in range(vertex_count):
                positions[i] = r.take("<3f")
                if has_normals:
                    r.take("<I")
                if has_colours and r.take("<B")[0] != 128:
                    r.take("<3B")
                if texture:
                    uvs[i] = r.take("<2e")
                    if texture2:
                        r.take("<2e")
                    if has_tangents:
                        r.take("<I")
                if kind == 1:
                    r.take("<16x")
            fmt = f"<{index_count}{'H' if vertex_count > 255 else 'B'}"
            indices = np.array(r.take(fmt), dtype=np.int64).reshape(-1, 3)
            buffers.append(SpmBuffer(texture, positions, uvs, indices))
    return buffers


def load_spm(path: Path, textures: list[Path]) -> list[trimesh.Trimesh]:
    """The SPM's buffers as textured meshes in the Z-up frame. `textures` must hold every
    texture the file names (matched by file name)."""
    by_name = {t.name: t for t in textures}
    meshes = []
    for buffer in parse_spm(path.read_bytes()):
        if buffer.texture not in by_name:
            raise FileNotFoundError(
                f"{path.name}: texture {buffer.texture!r} not in catalog textures"
            )
        visual = trimesh.visual.TextureVisuals(
            uv=np.column_stack([buffer.uvs[:, 0], 1.0 - buffer.uvs[:, 1]]),
            material=textured_material(by_name[buffer.texture], buffer.texture),
        )
        mesh = trimesh.Trimesh(buffer.positions, buffer.faces, visual=visual, process=False)
        meshes.append(mesh.apply_transform(Y_UP_TO_Z_UP @ MIRROR_X))
    return meshes
