import math

import pytest

from comco.captions.plain import (
    all_order_captions,
    caption_style,
    itm_pairs,
    single_object_captions,
)
from comco.captions.sets import caption_set
from comco.core.spec import ObjectSpec, SceneSpec


def test_every_order_appears_once(one_large_scene):
    captions = all_order_captions(one_large_scene, caption_style("articles"))
    assert len(captions) == math.factorial(3)
    assert len({tuple(c.order) for c in captions}) == 6
    assert len({c.text for c in captions}) == 6


def test_order_records_the_object_named_at_each_position(one_large_scene):
    for caption in all_order_captions(one_large_scene, caption_style("articles")):
        phrases = caption.text.split(" and ")
        for phrase, index in zip(phrases, caption.order, strict=True):
            name = one_large_scene.objects[index].category.replace("_", " ")
            assert phrase.endswith(name)


def test_styles(one_large_scene):
    texts = {
        name: all_order_captions(one_large_scene, caption_style(name))[0].text
        for name in ("articles", "bare", "photo")
    }
    assert texts["articles"] == "a cup and a horse and an apple"
    assert texts["bare"] == "cup and horse and apple"
    assert texts["photo"] == "a photo of a cup and a horse and an apple"
    custom = all_order_captions(one_large_scene, caption_style("a render of {objects}"))[0]
    assert custom.text == "a render of a cup and a horse and an apple"


def test_unknown_template_is_refused():
    with pytest.raises(ValueError, match="template"):
        caption_style("fancy")


def test_repeated_categories_are_counted_with_plurals():
    scene = SceneSpec(
        id="r",
        seed=0,
        allow_repeats=True,
        objects=[
            ObjectSpec(category="dog", size_role="same", scale=1.0, position=(-1.6, 0.0)),
            ObjectSpec(category="cat", size_role="same", scale=1.0, position=(0.0, 0.0)),
            ObjectSpec(category="dog", size_role="same", scale=1.0, position=(1.6, 0.0)),
        ],
    )
    captions = all_order_captions(scene, caption_style("articles"))
    assert [c.text for c in captions] == ["two dogs and a cat", "a cat and two dogs"]
    assert captions[0].order == [0, 2, 1]


def test_single_object_captions_cover_the_preset():
    singles = single_object_captions("comco72", caption_style("articles"))
    assert len(singles) == 72
    assert singles["apple"] == "an apple"


def test_itm_pairs_put_the_large_object_first_then_last(one_large_scene):
    helpful, adversarial = itm_pairs(one_large_scene, caption_style("articles"))
    assert helpful.positive.order[0] == 1 and adversarial.positive.order[-1] == 1
    assert helpful.absent_category not in one_large_scene.categories
    absent = helpful.absent_category.replace("_", " ")
    assert helpful.negative.split(" and ")[0].endswith(absent)
    assert helpful.negative.endswith("horse")
    assert adversarial.negative.startswith("a horse")
    assert adversarial.negative.endswith(absent)


def test_same_size_scenes_have_no_itm_pairs():
    scene = SceneSpec(
        id="s",
        seed=0,
        objects=[
            ObjectSpec(category="dog", size_role="same", scale=1.0, position=(-1.5, 0.0)),
            ObjectSpec(category="cat", size_role="same", scale=1.0, position=(1.5, 0.0)),
        ],
    )
    assert caption_set(scene, caption_style("articles")).itm == []
