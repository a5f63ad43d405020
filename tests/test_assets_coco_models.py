"""The COCO objects modelled in code: deterministic, solid, within budget, catalogued."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from comco.assets import coco_models
from comco.assets.cli import assets, preset_coverage
from comco.assets.glb import write_glb
from comco.assets.library import default_library_dir, load_manifest
from comco.assets.normalise import bounds, normalise
from comco.assets.sources import load_catalog
from comco.core.catalog import load_vocabulary

LIBRARY = default_library_dir().resolve()


@pytest.mark.parametrize("name", sorted(coco_models.BUILDERS))
def test_modelled_objects_build_the_same_bytes_every_time(name, tmp_path):
    first = write_glb(normalise(coco_models.build(name)), tmp_path / "a.glb")
    second = write_glb(normalise(coco_models.build(name)), tmp_path / "b.glb")
    assert first == second


@pytest.mark.parametrize("name", sorted(coco_models.BUILDERS))
def test_modelled_objects_are_several_coloured_parts_within_budget(name):
    meshes = coco_models.build(name)
    lo, hi = bounds(normalise(meshes))
    assert sorted(hi - lo)[1] > 0.05, "flat in two axes"
    assert all(len(m.faces) for m in meshes)
    assert sum(len(m.faces) for m in meshes) <= load_catalog().face_budget
    colours = {tuple(m.visual.material.baseColorFactor) for m in meshes}
    assert len(colours) >= 2, "one flat colour does not make a recognisable object"


def test_build_falls_back_to_the_procedural_shapes_and_names_unknown_models():
    assert coco_models.build("cube")
    with pytest.raises(ValueError, match=r"unknown model 'nope'.*pizza"):
        coco_models.build("nope")


def test_every_coco_category_has_a_catalog_entry_and_a_reason():
    catalog = load_catalog()
    coco = [c.id for c in load_vocabulary().preset("coco80")]
    assert sorted(set(coco) - set(catalog.categories)) == []
    assert [c for c, s in catalog.categories.items() if not s.why.strip()] == []


def test_modelled_objects_are_catalogued_as_procedural_and_cc0():
    catalog = load_catalog()
    for name in coco_models.BUILDERS:
        source = catalog.categories[name]
        assert (source.format, source.model, source.licence) == ("procedural", name, "CC0-1.0")
        assert source.why.startswith("modelled in code")


def test_list_counts_each_preset_and_names_what_is_missing():
    lines = preset_coverage({"person", "cube"})
    coco = next(line for line in lines if line.startswith("coco80:"))
    assert coco.startswith("coco80: 1/80 built; missing: bicycle, car, ")
    assert "simco18: 1/18 built" in "\n".join(lines)


@pytest.mark.library
@pytest.mark.skipif(not (LIBRARY / "manifest.json").is_file(), reason="library not built")
def test_the_built_library_holds_all_80_coco_categories():
    result = CliRunner().invoke(assets, ["list", "--library", str(LIBRARY)])
    assert result.exit_code == 0, result.output
    assert "coco80: 80/80 built" in result.output
    manifest = load_manifest(LIBRARY)
    modelled = {c for c, r in manifest.assets.items() if r.modelled_in_code}
    assert set(coco_models.BUILDERS) <= modelled
    assert not any(r.modelled_in_code for r in manifest.assets.values() if r.source != "procedural")
