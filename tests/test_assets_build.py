"""Normalisation, procedural shapes, the catalog and a whole fetch+build from a tiny .deb."""

from __future__ import annotations

import io
import json
import tarfile

import numpy as np
import pytest
import trimesh
from pydantic import ValidationError

from comco.assets import procedural
from comco.assets.build import BuildError, build_library
from comco.assets.fetch import fetch
from comco.assets.glb import read_glb, write_glb
from comco.assets.library import load_manifest
from comco.assets.normalise import bounds, normalise
from comco.assets.sources import AssetCatalog, AssetSource, load_catalog
from comco.core.catalog import load_vocabulary


def test_normalise_centres_grounds_and_scales_to_one_metre():
    mesh = trimesh.creation.box([4, 2, 1]).apply_translation([10, -3, 7])
    lo, hi = bounds(normalise([mesh]))
    assert np.allclose(lo, [-0.5, -0.25, 0]) and np.allclose(hi, [0.5, 0.25, 0.25])


def test_normalise_applies_yaw_after_fix():
    mesh = trimesh.creation.box([4, 2, 1])
    lo, hi = bounds(normalise([mesh], yaw_deg=90))
    assert np.allclose(hi - lo, [0.5, 1.0, 0.25])
    lo, hi = bounds(normalise([mesh], rotate_deg=(90, 0, 0)))
    assert np.allclose(hi - lo, [1.0, 0.25, 0.5])


def test_glb_round_trip_keeps_z_up_frame(tmp_path):
    mesh = normalise([trimesh.creation.box([1, 2, 3])])
    sha = write_glb(mesh, tmp_path / "a.glb")
    assert len(sha) == 64
    lo, hi = bounds(read_glb(tmp_path / "a.glb"))
    assert np.isclose(hi[2] - lo[2], 1.0) and np.isclose(lo[2], 0.0)


@pytest.mark.parametrize("name", sorted(procedural.BUILDERS))
def test_procedural_models_are_solid_and_nonempty(name):
    meshes = procedural.build(name)
    lo, hi = bounds(normalise(meshes))
    assert sorted(hi - lo)[1] > 0.01, "flat in two axes"
    assert all(len(m.faces) for m in meshes)


def test_simco_shapes_are_neutral_grey():
    vocab = load_vocabulary()
    for category in vocab.preset("simco18"):
        for mesh in procedural.build(category.id):
            assert list(mesh.visual.material.baseColorFactor) == [204, 204, 204, 255]


def test_triangulate_concave_polygon_covers_its_area():
    arrow = np.array(
        [
            (-0.5, -0.1),
            (0.15, -0.1),
            (0.15, -0.3),
            (0.5, 0.0),
            (0.15, 0.3),
            (0.15, 0.1),
            (-0.5, 0.1),
        ]
    )
    tris = procedural.triangulate(arrow)
    area = sum(abs(np.cross(arrow[b] - arrow[a], arrow[c] - arrow[a])) / 2 for a, b, c in tris)
    assert np.isclose(area, 0.65 * 0.2 + 0.35 * 0.6 / 2)


def test_catalog_covers_the_default_presets():
    catalog = load_catalog()
    vocab = load_vocabulary()
    ids = [c.id for p in ("comco72", "coco80", "simco18") for c in vocab.preset(p)]
    assert len(vocab.preset("comco72")) == 72
    assert sorted(set(ids) - set(catalog.categories)) == []


def test_catalog_rejects_package_on_procedural_entry():
    with pytest.raises(ValidationError, match="procedural"):
        AssetSource(format="procedural", package="x", model="cube", licence="CC0", author="a")


def _deb(path, files: dict[str, bytes], version="1.0-1"):
    """A minimal .deb: ar archive with control.tar.xz and data.tar.xz."""

    def tar(entries: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:xz") as t:
            for name, data in entries.items():
                info = tarfile.TarInfo("./" + name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    control = f"Package: toy\nVersion: {version}\n".encode()
    members = [
        ("debian-binary", b"2.0\n"),
        ("control.tar.xz", tar({"control": control})),
        ("data.tar.xz", tar(files)),
    ]
    out = b"!<arch>\n"
    for name, data in members:
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode() + data
        out += b"\n" if len(data) % 2 else b""
    path.write_bytes(out)


def test_fetch_from_dir_then_build_writes_manifest_last(tmp_path):
    obj = (
        b"mtllib box.mtl\nv 0 0 0\nv 2 0 0\nv 0 1 0\nv 0 0 1\n"
        b"usemtl a\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"
    )
    debs = tmp_path / "downloads"
    debs.mkdir()
    _deb(
        debs / "toy_1.0-1_all.deb",
        {"usr/share/toy/box.obj": obj, "usr/share/toy/box.mtl": b"newmtl a\nKd 1 0 0\n"},
    )
    cache, library = tmp_path / "cache", tmp_path / "lib"
    (record,) = fetch(["toy"], cache, from_dir=debs)
    assert record.version == "1.0-1" and len(record.sha256) == 64
    source = AssetSource(
        format="obj", package="toy", model="usr/share/toy/box.obj", licence="CC0-1.0", author="me"
    )
    catalog = AssetCatalog(face_budget=20, categories={"box": source, "cube": procedural_source()})
    manifest = build_library(catalog, ["box", "cube"], cache, library, log=lambda _: None)
    assert manifest.assets["box"].source == "debian:toy"
    assert manifest.assets["box"].source_version == "1.0-1"
    assert manifest.assets["box"].dimensions_m == (1.0, 0.5, 0.5)
    assert load_manifest(library).library_sha256 == manifest.library_sha256
    assert "| box | CC0-1.0 | me |" in (library / "ATTRIBUTION.md").read_text()
    # a failing rebuild removes the manifest: a half-built library is never complete
    tight = AssetCatalog(face_budget=3, categories=catalog.categories)
    with pytest.raises(BuildError, match="face_budget=3"):
        build_library(tight, ["box"], cache, library, log=lambda _: None)
    assert not (library / "manifest.json").exists()
    # resuming rebuilds nothing that is current
    log: list[str] = []
    build_library(catalog, ["box", "cube"], cache, library, log=log.append)
    assert not [line for line in log if line.startswith("built")]
    assert json.loads((library / "manifest.json").read_text())["assets"].keys() == {"box", "cube"}


def procedural_source() -> AssetSource:
    return AssetSource(format="procedural", model="cube", licence="CC0-1.0", author="ComCO builder")
