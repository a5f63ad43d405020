"""Converters and part cutting, on small files the tests write themselves."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import trimesh
from PIL import Image

from comco.assets.convert_ac3d import load_ac3d, parse_ac3d
from comco.assets.convert_obj import load_obj
from comco.assets.convert_pmd import load_pmd, parse_pmd
from comco.assets.convert_spm import load_spm, parse_spm
from comco.assets.parts import keep_cluster, keep_obj_parts

TETRA = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
TETRA_FACES = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])  # outward, right-handed


def _texture(path, size=4):
    Image.new("RGB", (size, size), (200, 30, 30)).save(path)
    return path


def _pmd_bytes(positions, faces, version=3):
    out = b"PSMD" + struct.pack("<II", version, 0) + struct.pack("<I", len(positions))
    if version >= 4:
        out += struct.pack("<I", 1)
    for p in positions:
        out += (
            struct.pack("<3f3f2f", *p, 0, 1, 0, 0.25, 0.75)
            + bytes(4)
            + struct.pack("<4f", 1, 0, 0, 0)
        )
    out += struct.pack("<I", len(faces)) + b"".join(struct.pack("<3H", *f) for f in faces)
    return out + struct.pack("<II", 0, 0)


@pytest.mark.parametrize("version", [3, 4])
def test_pmd_parses_positions_uvs_and_faces(version):
    positions, uvs, faces = parse_pmd(_pmd_bytes(TETRA, TETRA_FACES, version))
    assert np.allclose(positions, TETRA)
    assert np.allclose(uvs, [[0.25, 0.75]] * 4)
    assert (faces == TETRA_FACES).all()


def test_pmd_rejects_other_files():
    with pytest.raises(ValueError, match="PSMD"):
        parse_pmd(b"NOPE" + bytes(20))


def test_pmd_load_mirrors_left_handed_source_and_keeps_outward_winding(tmp_path):
    # 0 A.D. files: mirrored points whose faces still wind outward once mirrored back
    mirrored = TETRA * [-1, 1, 1]
    (tmp_path / "m.pmd").write_bytes(_pmd_bytes(mirrored, TETRA_FACES))
    (mesh,) = load_pmd(tmp_path / "m.pmd", _texture(tmp_path / "t.png"))
    # mirror back and Y-up -> Z-up: source y becomes z
    assert np.allclose(np.sort(mesh.vertices[:, 2]), [0, 0, 0, 1])
    assert mesh.volume > 0
    assert mesh.visual.material.baseColorTexture is not None


def _spm_bytes(positions, faces, texture="t.png"):
    out = b"SP" + bytes([(1 << 3) | 2, 0]) + struct.pack("<6f", *([0] * 6))
    name = texture.encode()
    out += struct.pack("<H", 1) + bytes([len(name)]) + name + bytes([0])
    out += struct.pack("<H", 1) + struct.pack("<H", 1)
    out += struct.pack("<IIH", len(positions), 3 * len(faces), 0)
    for p in positions:
        out += struct.pack("<3f", *p) + struct.pack("<2e", 0.5, 0.25)
    return out + bytes(int(i) for f in faces for i in f)


def test_spm_parses_static_mesh():
    (buffer,) = parse_spm(_spm_bytes(TETRA, TETRA_FACES))
    assert buffer.texture == "t.png"
    assert np.allclose(buffer.positions, TETRA)
    assert np.allclose(buffer.uvs, [[0.5, 0.25]] * 4)
    assert (buffer.faces == TETRA_FACES).all()


def test_spm_load_needs_its_texture(tmp_path):
    # Irrlicht is left-handed with clockwise front faces: mirrored points, reversed winding
    (tmp_path / "m.spm").write_bytes(_spm_bytes(TETRA * [-1, 1, 1], TETRA_FACES[:, ::-1]))
    with pytest.raises(FileNotFoundError, match=r"t\.png"):
        load_spm(tmp_path / "m.spm", [])
    (mesh,) = load_spm(tmp_path / "m.spm", [_texture(tmp_path / "t.png")])
    assert mesh.volume > 0


AC = """AC3Db
MATERIAL "red" rgb 1 0 0  amb 0.2 0.2 0.2  emis 0 0 0  spec 0 0 0  shi 10  trans 0
OBJECT world
kids 2
OBJECT poly
name "sign"
texture "sign.png"
loc 0 1 0
numvert 4
0 0 0
1 0 0
1 1 0
0 1 0
numsurf 2
SURF 0x20
mat 0
refs 4
0 0 0
1 1 0
2 1 1
3 0 1
SURF 0x02
mat 0
refs 2
0 0 0
1 1 0
kids 0
OBJECT poly
name "pole"
numvert 3
0 0 0
0.1 0 0
0 0 0.1
numsurf 1
SURF 0x20
mat 0
refs 3
0 0 0
1 0 0
2 0 0
kids 0
"""


def test_ac3d_triangulates_polygons_applies_loc_and_skips_lines():
    model = parse_ac3d(AC)
    assert model.materials == [(1.0, 0.0, 0.0, 1.0)]
    sign = next(p for p in model.parts if p.name == "sign")
    assert len(sign.positions) == 6  # one quad -> two triangles; the line surface is skipped
    assert min(p[1] for p in sign.positions) == 1.0  # loc moved it up by 1
    assert sign.uvs[2] == (1.0, 1.0)


def test_ac3d_keep_selects_parts_and_textures_load(tmp_path):
    (tmp_path / "m.ac").write_text(AC)
    meshes = load_ac3d(tmp_path / "m.ac", [_texture(tmp_path / "sign.png")], keep=["^sign$"])
    assert len(meshes) == 1 and len(meshes[0].faces) == 2
    assert np.isclose(meshes[0].bounds[0][2], 1.0)  # Y-up 1 -> Z-up 1
    with pytest.raises(ValueError, match="no polygon parts"):
        load_ac3d(tmp_path / "m.ac", [], keep=["^nothing$"])


def test_ac3d_rejects_non_ac3d():
    with pytest.raises(ValueError, match="AC3D"):
        parse_ac3d("solid stl\n")


OBJ = """mtllib m.mtl
v 0 0 0
v 1 0 0
v 0 1 0
v 0 0 1
o banana.001
usemtl a
f 1 3 2
f 1 2 4
o bowl
g bowl_glass
usemtl a
f 1 4 3
f 2 3 4
"""


def test_keep_obj_parts_matches_object_and_group_names():
    kept = keep_obj_parts(OBJ, [r"^banana\.001/"])
    assert kept.count("\nf ") == 2
    assert keep_obj_parts(OBJ, ["/bowl_glass$"]).count("\nf ") == 2
    with pytest.raises(ValueError, match="no OBJ face"):
        keep_obj_parts(OBJ, ["^pear"])


def test_load_obj_turns_y_up_into_z_up(tmp_path):
    (tmp_path / "m.obj").write_text(OBJ)
    (tmp_path / "m.mtl").write_text("newmtl a\nKd 0.5 0.5 0.5\n")
    meshes = load_obj(tmp_path / "m.obj", [])
    top = max(meshes[0].vertices, key=lambda v: v[2])
    assert np.allclose(top, [0, 0, 1])  # OBJ y=1 is up
    assert np.isclose(min(v[1] for m in meshes for v in m.vertices), -1)  # OBJ z=1 faces -Y


def test_keep_cluster_keeps_one_object_of_a_bunch():
    big = trimesh.creation.box([1, 1, 2])
    leaf = trimesh.creation.box([0.2, 0.2, 0.2]).apply_translation([0, 0, 1.1])
    other = trimesh.creation.box([1, 1, 1.9]).apply_translation([5, 0, 0])
    kept = keep_cluster([trimesh.util.concatenate([big, leaf, other])])
    assert len(kept) == 2
    assert max(m.bounds[1][0] for m in kept) < 1


def test_load_obj_materials_are_matte_and_keep_their_names(tmp_path):
    # an MTL Kd is a diffuse colour; exported without a metallic factor, glTF makes it a
    # full metal, and a white toilet rendered as a grey mirror of the sky
    (tmp_path / "m.mtl").write_text("newmtl fayence\nKd 0.95 0.95 0.95\n")
    (tmp_path / "m.obj").write_text(
        "mtllib m.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nusemtl fayence\n"
        "f 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"
    )
    (mesh,) = load_obj(tmp_path / "m.obj", [])
    assert mesh.visual.material.name == "fayence"
    assert mesh.visual.material.metallicFactor == 0.0
    glb = trimesh.Scene(mesh).export(file_type="glb")
    assert b'"metallicFactor":0.0' in glb.replace(b" ", b"")
