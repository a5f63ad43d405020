"""Binding captions: attribute phrases, knobs and tagged negatives (pure functions of a spec)."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner

from comco.captions.binding import binding_captions, predicted_areas
from comco.captions.plain import STYLES, all_order_captions, object_phrase
from comco.cli import main
from comco.core.attributes import AttributeSetup, load_attributes
from comco.core.catalog import load_vocabulary
from comco.core.knobs import CaptionKnobs
from comco.sampling.sampler import SamplerConfig, dataset_jobs, sample_scene, spec_lines

ARTICLES = STYLES["articles"]


def _scene(index: int = 0, objects: int = 4, kinds=("color", "material"), vocab="comco72"):
    setup = AttributeSetup(palette="clevr8", kinds=list(kinds), distinct=objects <= 3)
    config = SamplerConfig(vocab=vocab, objects=objects, seed=2, attributes=setup)
    return sample_scene(config, index)


def _phrase(spec, i, category=None, color=None, material=None, shown=True):
    obj = spec.objects[i]
    return object_phrase(
        load_vocabulary().category(category or obj.category),
        ARTICLES,
        1,
        (color or obj.color_name) if shown else None,
        (material or obj.material) if shown else None,
    )


def _phrases(text: str) -> list[str]:
    return text.split(ARTICLES.joiner)


@pytest.mark.parametrize("index", range(6))
def test_each_negative_differs_from_its_positive_only_where_its_kind_says(index):
    spec = _scene(index, objects=3)
    result = binding_captions(spec, ARTICLES)
    positive = result.caption
    kinds = {n.kind for n in result.negatives}
    assert kinds == {"attribute_swap", "object_swap", "attribute_replace"}
    for negative in result.negatives:
        assert negative.positive == positive.text != negative.text
        expected = [_phrase(spec, i) for i in positive.order]
        if negative.kind == "attribute_swap":
            a, b = negative.objects
            key = "color" if negative.attribute == "color" else "material"
            va, vb = (getattr(spec.objects[i], f"{key}_name" if key == "color" else key)
                      for i in (a, b))  # fmt: skip
            assert va != vb
            expected[positive.order.index(a)] = _phrase(spec, a, **{key: vb})
            expected[positive.order.index(b)] = _phrase(spec, b, **{key: va})
        elif negative.kind == "object_swap":
            a, b = negative.objects
            ca, cb = spec.objects[a].category, spec.objects[b].category
            expected[positive.order.index(a)] = _phrase(spec, a, category=cb)
            expected[positive.order.index(b)] = _phrase(spec, b, category=ca)
        else:
            (i,) = negative.objects
            key = "color" if negative.attribute == "color" else "material"
            present = {getattr(o, "color_name" if key == "color" else "material")
                       for o in spec.objects}  # fmt: skip
            assert negative.replacement not in present
            expected[positive.order.index(i)] = _phrase(spec, i, **{key: negative.replacement})
        assert _phrases(negative.text) == expected, negative


def test_swaps_cover_every_pair_with_different_values():
    spec = _scene(1, objects=3, kinds=("color",))
    swaps = [n.objects for n in binding_captions(spec, ARTICLES).negatives
             if n.kind == "attribute_swap"]  # fmt: skip
    assert sorted(swaps) == [[0, 1], [0, 2], [1, 2]]


def test_density_zero_gives_no_attribute_words():
    words = set(load_attributes().palette("clevr8")) | set(load_attributes().materials)
    for index in range(20):
        spec = _scene(index)
        result = binding_captions(spec, ARTICLES, CaptionKnobs(attribute_density=0.0))
        assert result.caption.attributed == []
        assert not words & set(result.caption.text.split())
        assert result.negatives == []  # swapping bare nouns says the same thing: no negative


def test_density_half_shows_about_half_of_the_objects_attributes():
    shown = total = 0
    for index in range(200):
        spec = _scene(index)
        caption = binding_captions(spec, ARTICLES, CaptionKnobs(attribute_density=0.5)).caption
        shown, total = shown + len(caption.attributed), total + len(caption.order)
    assert 0.44 < shown / total < 0.56


@pytest.mark.parametrize(("completeness", "named"), [(1.0, 4), (0.5, 2), (0.0, 1)])
def test_completeness_sets_how_many_objects_are_named(completeness, named):
    for index in range(10):
        spec = _scene(index)
        caption = binding_captions(
            spec, ARTICLES, CaptionKnobs(completeness=completeness, order="random")
        ).caption
        assert len(caption.order) == len(set(caption.order)) == named
        assert len(_phrases(caption.text)) == named


def test_saliency_order_follows_the_measured_areas():
    spec = _scene(3)
    areas = [50.0, 900.0, 10.0, 400.0]
    salient = binding_captions(spec, ARTICLES, CaptionKnobs(order="saliency"), areas).caption
    assert salient.order == [1, 3, 0, 2]
    reverse = CaptionKnobs(order="reverse-saliency", completeness=0.25)
    assert binding_captions(spec, ARTICLES, reverse, areas).caption.order == [2]
    predicted = predicted_areas(spec)
    before = binding_captions(spec, ARTICLES, CaptionKnobs(order="saliency")).caption.order
    assert before == sorted(range(4), key=lambda i: -predicted[i])


def test_spec_knobs_are_used_and_captions_are_a_pure_function_of_the_spec():
    knobs = CaptionKnobs(attribute_density=0.5, completeness=0.75, order="random")
    config = SamplerConfig(
        vocab="simco18",
        objects=4,
        seed=0,
        attributes=AttributeSetup(palette="clevr8", kinds=["color"]),
        caption_knobs=knobs,
    )
    spec = sample_scene(config, 7)
    first = binding_captions(spec, ARTICLES)
    assert first.knobs == knobs and len(first.caption.order) == 3
    assert first == binding_captions(spec, ARTICLES)


def test_every_order_caption_names_attributes():
    spec = _scene(0, objects=3, kinds=("color", "material"))
    captions = all_order_captions(spec, ARTICLES)
    assert len(captions) == 6
    for caption in captions:
        assert _phrases(caption.text) == [_phrase(spec, i) for i in caption.order]


def test_ten_object_scenes_get_a_bounded_sample_of_orders_with_spec_order_first():
    config = SamplerConfig(
        vocab="comco72",
        objects=10,
        seed=0,
        attributes=AttributeSetup(palette="wide16", kinds=["color"], distinct=True),
    )
    spec = sample_scene(config, 0)
    captions = all_order_captions(spec, ARTICLES)
    assert len(captions) == 720 == len({tuple(c.order) for c in captions})
    assert captions[0].order == list(range(10))


def test_captions_command_applies_knobs_over_the_spec(tmp_path):
    config = SamplerConfig(
        vocab="simco18", objects=3, seed=0, attributes=AttributeSetup(palette="clevr8",
                                                                       kinds=["color"])
    )  # fmt: skip
    specs = tmp_path / "s.jsonl"
    specs.write_text("".join(line + "\n" for line in spec_lines(dataset_jobs(config, 5))))
    result = CliRunner().invoke(
        main, ["captions", "--specs", str(specs), "--attribute-density", "0", "--order", "random"]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == 5
    for record in records:
        binding = record["binding"]
        assert binding["knobs"] == {"attribute_density": 0.0, "completeness": 1.0,
                                    "order": "random"}  # fmt: skip
        assert binding["caption"]["attributed"] == []
    bad = CliRunner().invoke(main, ["captions", "--specs", str(specs), "--completeness", "2"])
    assert bad.exit_code != 0 and "--completeness 2.0 is outside [0, 1]" in bad.output


@pytest.mark.parametrize(
    ("kinds", "density"), [(("color",), 1.0), (("color", "material"), 1.0), (("color",), 0.5)]
)
def test_an_object_swap_binds_differently_from_every_attribute_swap(kinds, density):
    """An object swap is kept exactly when its bound phrases (order aside) differ from the
    caption's and from every attribute swap's: with one attribute per object none is kept."""
    kept = 0
    for index in range(30):
        spec = _scene(index, objects=3, kinds=kinds)
        result = binding_captions(spec, ARTICLES, CaptionKnobs(attribute_density=density))
        bound = {tuple(sorted(_phrases(n.text))) for n in result.negatives
                 if n.kind == "attribute_swap"}  # fmt: skip
        bound.add(tuple(sorted(_phrases(result.caption.text))))
        swaps = {tuple(n.objects) for n in result.negatives if n.kind == "object_swap"}
        order = result.caption.order
        shown = set(result.caption.attributed)
        for a, b in itertools.combinations(order, 2):
            ca, cb = spec.objects[a].category, spec.objects[b].category
            phrases = [_phrase(spec, i, shown=i in shown) for i in order]
            phrases[order.index(a)] = _phrase(spec, a, category=cb, shown=a in shown)
            phrases[order.index(b)] = _phrase(spec, b, category=ca, shown=b in shown)
            own_test = ca != cb and tuple(sorted(phrases)) not in bound
            assert ((min(a, b), max(a, b)) in swaps) == own_test, (spec.id, a, b)
            kept += own_test
    assert (kept == 0) == (kinds == ("color",) and density == 1.0)
