import pytest

from comco.core.catalog import UnknownCategoryError, asset_shape, load_asset_shapes, load_vocabulary


def test_presets_have_the_documented_sizes():
    vocabulary = load_vocabulary()
    assert len(vocabulary.preset("comco72")) == 72
    assert len(vocabulary.preset("coco80")) == 80
    assert len(vocabulary.preset("simco18")) == 18


def test_coco80_ids_are_the_coco_categories():
    coco = [c for c in load_vocabulary().preset("coco80")]
    assert all(c.coco_id is not None and c.kind == "object" for c in coco)
    assert len({c.coco_id for c in coco}) == 80


def test_articles_follow_the_first_sound():
    vocabulary = load_vocabulary()
    assert vocabulary.category("apple").article == "an"
    assert vocabulary.category("umbrella").article == "an"
    assert vocabulary.category("horse").article == "a"


def test_irregular_plurals():
    vocabulary = load_vocabulary()
    assert vocabulary.category("person").plural == "people"
    assert vocabulary.category("knife").plural == "knives"
    assert vocabulary.category("bus").plural == "buses"


def test_unknown_category_suggests_close_names():
    with pytest.raises(UnknownCategoryError, match="did you mean horse"):
        load_vocabulary().category("hors")


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ValueError, match="comco72"):
        load_vocabulary().preset("nope")


def test_every_preset_with_assets_has_a_measured_shape():
    shapes = load_asset_shapes()
    vocabulary = load_vocabulary()
    for preset in ("comco72", "coco80", "simco18"):
        missing = [c for c in vocabulary.presets[preset] if c not in shapes]
        assert not missing, f"run `comco assets calibrate`: no shape for {missing}"
        assert all(max(shapes[c].extents) == 1.0 for c in vocabulary.presets[preset])


def test_an_unmeasured_category_gets_the_safe_unit_cube():
    assert "not_measured" not in load_asset_shapes()
    assert asset_shape("not_measured").extents == (1.0, 1.0, 1.0)
