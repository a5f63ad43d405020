"""`comco assets verify` flags renders a viewer could not recognise: planted renders with known
coverage, opacity and colour, plus the sheet's marking of assets modelled in code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from comco.assets.glb import write_glb
from comco.assets.library import AssetRecord, LibraryManifest
from comco.assets.normalise import normalise
from comco.assets.render_checks import (
    MIN_CONTRAST,
    MIN_COVERAGE,
    MIN_OPACITY,
    background_colour,
    check_render,
    measure_render,
)
from comco.assets.textures import colour_material
from comco.assets.verify import sheet_label, verify_library
from comco.sheets.contact_sheet import contact_sheet

GREY = (180, 180, 180)


def _render(path: Path, side: int, rgb: tuple[int, int, int], alpha: int, size: int = 100) -> Path:
    """A planted RGBA render: a `side`-pixel square of `rgb` at `alpha`, transparent around."""
    pixels = np.zeros((size, size, 4), dtype=np.uint8)
    pixels[:side, :side] = (*rgb, alpha)
    Image.fromarray(pixels, "RGBA").save(path)
    return path


def _background(tmp_path: Path) -> np.ndarray:
    Image.new("RGB", (8, 8), GREY).save(tmp_path / "bg.png")
    return background_colour(tmp_path / "bg.png")


def test_a_solid_coloured_asset_passes(tmp_path):
    measure = measure_render(
        _render(tmp_path / "ok.png", 40, (200, 20, 20), 255), _background(tmp_path)
    )
    assert measure.coverage == 0.16 and measure.opacity == 1.0
    assert measure.contrast > MIN_CONTRAST
    assert check_render("apple", measure) == []


def test_an_asset_covering_too_little_of_the_frame_is_flagged(tmp_path):
    # 4 pixels of 10 000: 0.04 %, far below the minimum
    measure = measure_render(
        _render(tmp_path / "tiny.png", 2, (200, 20, 20), 255), _background(tmp_path)
    )
    assert measure.coverage < MIN_COVERAGE
    (problem,) = check_render("fork", measure)
    assert problem.startswith("fork: covers 0.04% of its verify render")


def test_a_nearly_transparent_asset_is_flagged(tmp_path):
    measure = measure_render(
        _render(tmp_path / "glass.png", 50, (200, 20, 20), 60), _background(tmp_path)
    )
    assert measure.opacity < MIN_OPACITY
    problems = check_render("wine_glass", measure)
    assert any("nearly transparent" in p for p in problems)


def test_an_asset_the_colour_of_the_background_is_flagged(tmp_path):
    # opaque, but it looks like what is behind it: a mirror-like toilet seen in the library
    measure = measure_render(
        _render(tmp_path / "pale.png", 50, (184, 182, 178), 255), _background(tmp_path)
    )
    assert measure.coverage == 0.25 and measure.opacity == 1.0
    (problem,) = check_render("toilet", measure)
    assert "washed-out" in problem


def test_an_empty_render_is_flagged_once_for_coverage_and_opacity(tmp_path):
    measure = measure_render(_render(tmp_path / "none.png", 0, (0, 0, 0), 0), _background(tmp_path))
    problems = check_render("ghost", measure)
    assert [p.split(":")[1].split()[0] for p in problems] == ["covers", "opacity"]


def _record(category: str, modelled: bool) -> AssetRecord:
    return AssetRecord(
        category=category,
        file=f"{category}.glb",
        source="procedural" if modelled else "debian:toy",
        source_version="1",
        member="m",
        licence="CC0-1.0",
        author="a",
        modelled_in_code=modelled,
        sha256="0" * 64,
        faces=12,
        dimensions_m=(1.0, 1.0, 1.0),
    )


def test_the_sheet_marks_assets_modelled_in_code():
    manifest = LibraryManifest(
        comco_version="0",
        library_sha256="0" * 64,
        assets={"pizza": _record("pizza", True), "cat": _record("cat", False)},
    )
    assert sheet_label("pizza", manifest) == "pizza [code]"
    assert sheet_label("cat", manifest) == "cat"


def test_transparent_thumbnails_are_shown_over_the_given_background(tmp_path):
    thumb = _render(tmp_path / "t.png", 10, (255, 0, 0), 255, size=20)
    sheet = contact_sheet([("t", thumb)], tmp_path / "sheet.png", columns=1, background=GREY)
    pixels = np.asarray(Image.open(sheet).convert("RGB"))
    scale = pixels.shape[1] // 20  # small thumbnails are enlarged by a whole factor
    assert tuple(pixels[2 * scale, 2 * scale]) == (255, 0, 0)
    assert tuple(pixels[15 * scale, 15 * scale]) == GREY


@pytest.mark.blender
@pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="bpy is not installed")
def test_verify_flags_a_planted_thin_asset_and_a_planted_see_through_one(tmp_path):
    def glb(name: str, extents: tuple[float, float, float], rgba: tuple[float, ...]) -> str:
        mesh = trimesh.creation.box(extents)
        mesh.visual = trimesh.visual.TextureVisuals(material=colour_material(rgba, name))
        return write_glb(normalise([mesh]), tmp_path / f"{name}.glb")

    planted = {
        "solid": ((1.0, 0.6, 0.6), (0.6, 0.05, 0.05, 1.0)),
        "wire": ((0.002, 1.0, 0.002), (0.6, 0.05, 0.05, 1.0)),  # pointing away
        "ghost": ((1.0, 0.6, 0.6), (0.6, 0.05, 0.05, 0.1)),
    }
    records = {
        name: _record(name, False).model_copy(update={"sha256": glb(name, *spec)})
        for name, spec in planted.items()
    }
    manifest = LibraryManifest(comco_version="0", library_sha256="0" * 64, assets=records)
    report = verify_library(tmp_path, manifest, face_budget=100, out_dir=tmp_path / "verify")
    flagged = {name: [p for p in report.problems if p.startswith(name + ":")] for name in planted}
    assert flagged["solid"] == [], report.problems
    assert any("covers" in p for p in flagged["wire"]), report.problems
    assert [p for p in flagged["ghost"] if "covers" in p] == []
    assert any("nearly transparent" in p for p in flagged["ghost"]), report.problems
    assert report.sheet.is_file()
