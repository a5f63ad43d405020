"""Catalog touch-ups: recolouring parts, dropping parts, clipping below ground; the partial
build that keeps the rest of the library; the baseball cap's visor."""

from __future__ import annotations

import re

import numpy as np
import pytest
import trimesh
from PIL import Image
from pydantic import ValidationError

from comco.assets import procedural
from comco.assets.build import _entry_hash, build_library
from comco.assets.materials import clip_below, drop_materials, material_name, recolour
from comco.assets.normalise import bounds
from comco.assets.sources import AssetCatalog, AssetSource
from comco.assets.textures import colour_material


def _part(name: str, z: float = 0.0) -> trimesh.Trimesh:
    mesh = trimesh.creation.box([1, 1, 1]).apply_translation([0, 0, z])
    mesh.visual = trimesh.visual.TextureVisuals(material=colour_material((1, 1, 1, 1), name))
    return mesh


def test_recolour_paints_matching_parts_and_keeps_the_rest():
    tie, shirt = _part("tie"), _part("shirt")
    recolour([tie, shirt], {"^tie$": (0.5, 0.0, 0.25)})
    assert list(tie.visual.material.baseColorFactor) == [128, 0, 64, 255]
    assert material_name(tie) == "tie"
    assert list(shirt.visual.material.baseColorFactor) == [255, 255, 255, 255]


def test_recolour_replaces_a_texture():
    mesh = _part("skin")
    image = Image.new("RGB", (2, 2), "white")
    mesh.visual = trimesh.visual.TextureVisuals(
        uv=np.zeros((len(mesh.vertices), 2)),
        material=trimesh.visual.material.PBRMaterial(name="skin", baseColorTexture=image),
    )
    recolour([mesh], {"skin": (0.1, 0.1, 0.1, 1.0)})
    assert mesh.visual.material.baseColorTexture is None


def test_recolour_fails_on_a_rule_that_matches_nothing():
    with pytest.raises(
        ValueError, match=re.escape("no material matches ['^glass$']; materials are ['tie']")
    ):
        recolour([_part("tie")], {"^tie$": (1, 0, 0), "^glass$": (0, 0, 0)})


def test_drop_materials_leaves_parts_out_and_checks_its_patterns():
    kept = drop_materials([_part("glass"), _part("case")], ["^glass$"])
    assert [material_name(m) for m in kept] == ["case"]
    with pytest.raises(ValueError, match="no material matches"):
        drop_materials([_part("case")], ["^glass$"])
    with pytest.raises(ValueError, match="every part"):
        drop_materials([_part("glass")], ["glass"])


def test_clip_below_cuts_crossing_parts_and_drops_buried_ones():
    pole = trimesh.creation.box([0.1, 0.1, 4.0])  # z -2 .. 2
    pole.visual = trimesh.visual.TextureVisuals(
        uv=np.column_stack([np.zeros(8), (pole.vertices[:, 2] + 2) / 4]),
        material=colour_material((1, 1, 1, 1), "pole"),
    )
    buried = _part("root", z=-5.0)
    head = _part("head", z=3.0)
    kept = clip_below([pole, buried, head], 0.0)
    assert [material_name(m) for m in kept] == ["pole", "head"]
    lo, hi = kept[0].bounds
    assert np.isclose(lo[2], 0.0) and np.isclose(hi[2], 2.0)
    # the side walls survive as clipped quads; the cut itself stays open
    assert np.isclose(kept[0].area, 4 * 0.1 * 2.0 + 0.1 * 0.1)
    # texture coordinates are interpolated along the cut: v = (z + 2) / 4
    assert np.allclose(kept[0].visual.uv[:, 1], (kept[0].vertices[:, 2] + 2) / 4)
    with pytest.raises(ValueError, match="nothing is left"):
        clip_below([buried], 0.0)


def test_catalog_validates_recolour_rules():
    base = {"format": "procedural", "model": "cube", "licence": "CC0", "author": "a"}
    assert AssetSource(**base, recolour={"x": [0.1, 0.2, 0.3]}).recolour == {"x": (0.1, 0.2, 0.3)}
    with pytest.raises(ValidationError, match=r"0\.\.1"):
        AssetSource(**base, recolour={"x": [2, 0, 0]})
    with pytest.raises(ValidationError, match="components"):
        AssetSource(**base, recolour={"x": [0.5, 0.5]})
    with pytest.raises(ValidationError):
        AssetSource(**base, drop_materials=["("])
    with pytest.raises(ValidationError, match="bad regex"):
        AssetSource(**base, recolour={"(": [0, 0, 0]})


def test_entry_hash_ignores_later_options_until_they_are_set():
    base = {"format": "procedural", "model": "cube", "licence": "CC0", "author": "a"}
    plain = AssetSource(**base)
    assert _entry_hash(plain, "", 10) == _entry_hash(AssetSource(**base, recolour={}), "", 10)
    assert _entry_hash(plain, "", 10) != _entry_hash(AssetSource(**base, clip_below_z=0.0), "", 10)


def test_partial_build_keeps_the_rest_of_the_library(tmp_path):
    cube = AssetSource(format="procedural", model="cube", licence="CC0-1.0", author="b")
    cone = AssetSource(format="procedural", model="cone", licence="CC0-1.0", author="b")
    catalog = AssetCatalog(face_budget=10000, categories={"cube": cube, "cone": cone})
    library = tmp_path / "lib"
    build_library(catalog, ["cube", "cone"], tmp_path / "cache", library, log=lambda _: None)
    log: list[str] = []
    manifest = build_library(catalog, ["cone"], tmp_path / "cache", library, log=log.append)
    assert set(manifest.assets) == {"cube", "cone"}
    # a category not built yet is named, not silently missing
    more = AssetCatalog(face_budget=10000, categories={**catalog.categories, "mug": cone})
    manifest = build_library(more, ["cone"], tmp_path / "cache", library, log=log.append)
    assert set(manifest.assets) == {"cube", "cone"} and "not built yet: mug" in log


def test_cap_has_a_visor_in_front_of_its_crown():
    meshes = procedural.build("cap")
    lo, hi = bounds(meshes)
    assert lo[1] < -0.8 and hi[1] < 0.55, "the visor sticks out towards -Y only"
    assert np.isclose(hi[0] - lo[0], 1.0, atol=0.02) and hi[2] < 0.5
