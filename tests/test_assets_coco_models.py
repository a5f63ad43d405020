"""The COCO objects modelled in code: deterministic, solid, within budget, catalogued."""

from __future__ import annotations

import pytest

from comco.assets import coco_models
from comco.assets.glb import write_glb
from comco.assets.normalise import bounds, normalise
from comco.assets.sources import load_catalog
from comco.catalog import load_vocabulary


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
