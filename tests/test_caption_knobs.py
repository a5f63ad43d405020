"""The data-properties knob range: size words, attribute words per object, graded saliency
bias and completeness rounding, on planted specs with known answers."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from comco.captions.binding import binding_captions, predicted_areas
from comco.captions.plain import STYLES
from comco.cli import main
from comco.core.attributes import AttributeSetup, load_attributes
from comco.core.knobs import CaptionKnobs, named_count
from comco.sampling.sampler import SamplerConfig, sample_scene

ARTICLES = STYLES["articles"]
ATTRIBUTE_WORDS = {
    *load_attributes().palette("clevr8"),
    *load_attributes().materials,
    "small",
    "large",
}


def _config(kinds=("color", "material", "size"), objects=3, large=1, knobs=None):
    setup = AttributeSetup(palette="clevr8", kinds=list(kinds), distinct=True)
    return SamplerConfig(
        vocab="simco18", objects=objects, large=large, seed=5, attributes=setup, caption_knobs=knobs
    )


def _attribute_words(phrase: str) -> list[str]:
    return [w for w in phrase.split() if w in ATTRIBUTE_WORDS]


@pytest.mark.parametrize(
    ("completeness", "k", "named"),
    [(0.5, 3, 2), (0.5, 5, 3), (0.7, 5, 4), (0.3, 5, 2), (0.1, 4, 1), (0.0, 4, 1), (1.0, 6, 6)],
)
def test_completeness_rounds_half_up_not_to_even(completeness, k, named):
    assert named_count(completeness, k) == named


def test_size_words_come_from_the_size_roles_and_lead_the_phrase():
    for index in range(20):
        spec = sample_scene(_config(), index)
        caption = binding_captions(spec, ARTICLES).caption
        for i, phrase in zip(caption.order, caption.text.split(ARTICLES.joiner), strict=True):
            words = phrase.split()
            role = spec.objects[i].size_role.value
            assert words[1] == role, phrase  # "a large red rubber cube"
            assert words[2] == spec.objects[i].color_name


def test_a_size_swap_negative_exchanges_large_and_small():
    spec = sample_scene(_config(), 0)
    swaps = [
        n
        for n in binding_captions(spec, ARTICLES).negatives
        if n.kind == "attribute_swap" and n.attribute == "size"
    ]
    assert swaps
    for negative in swaps:
        a, b = negative.objects
        assert {spec.objects[a].size_role.value, spec.objects[b].size_role.value} == {
            "large",
            "small",
        }


def test_size_words_need_one_large_scenes():
    with pytest.raises(ValueError, match="size words need one-large scenes"):
        _config(large=0)


def test_one_large_scenes_without_the_size_kind_get_no_size_words():
    spec = sample_scene(_config(kinds=("color",)), 0)
    text = binding_captions(spec, ARTICLES).caption.text
    assert "large" not in text.split() and "small" not in text.split()


def test_three_attributes_per_object_give_every_object_three_attribute_words():
    knobs = CaptionKnobs(attributes_per_object=(3, 3))
    for index in range(30):
        spec = sample_scene(_config(knobs=knobs), index)
        caption = binding_captions(spec, ARTICLES).caption
        for phrase in caption.text.split(ARTICLES.joiner):
            assert len(_attribute_words(phrase)) == 3, phrase


def test_an_attribute_range_draws_every_count_and_names_only_carried_words():
    knobs = CaptionKnobs(attributes_per_object=(1, 3))
    counts = []
    for index in range(100):
        spec = sample_scene(_config(knobs=knobs), index)
        result = binding_captions(spec, ARTICLES)
        for i, phrase in zip(
            result.caption.order, result.caption.text.split(ARTICLES.joiner), strict=True
        ):
            words = _attribute_words(phrase)
            obj = spec.objects[i]
            assert set(words) <= {obj.color_name, obj.material, obj.size_role.value}
            counts.append(len(words))
        for negative in result.negatives:  # a negative changes only words the caption names
            if negative.kind == "attribute_replace":
                assert negative.text != result.caption.text
    share = {n: counts.count(n) / len(counts) for n in (1, 2, 3)}
    assert all(0.27 < s < 0.40 for s in share.values()), share


def test_more_attribute_words_than_objects_carry_is_an_error():
    spec = sample_scene(_config(kinds=("color", "material")), 0)
    with pytest.raises(ValueError, match=r"asks for up to 3 attribute words.*carries 2"):
        binding_captions(spec, ARTICLES, CaptionKnobs(attributes_per_object=(1, 3)))
    with pytest.raises(ValueError, match="needs objects with at least 3 attribute kinds"):
        _config(kinds=("color", "material"), knobs=CaptionKnobs(attributes_per_object=(3, 3)))


def _salient(spec) -> list[int]:
    areas = predicted_areas(spec)
    return sorted(range(len(areas)), key=lambda i: (-areas[i], i))


@pytest.mark.parametrize("bias", [0.0, 0.7, 1.0])
def test_graded_saliency_bias_orders_that_share_of_captions_largest_first(bias):
    config = _config(kinds=("color",), large=0)
    knobs = CaptionKnobs(saliency_bias=bias)
    n, salient = 2000, 0
    for index in range(n):
        spec = sample_scene(config, index)
        salient += binding_captions(spec, ARTICLES, knobs).caption.order == _salient(spec)
    assert abs(salient / n - bias) <= 0.03


def test_saliency_bias_replaces_the_order_knob():
    with pytest.raises(ValueError, match="order must stay 'spec'"):
        CaptionKnobs(saliency_bias=0.5, order="random")


def test_new_knobs_are_left_out_of_the_json_when_unset():
    assert set(json.loads(CaptionKnobs(order="random").model_dump_json())) == {
        "attribute_density",
        "completeness",
        "order",
    }
    dumped = json.loads(
        CaptionKnobs(saliency_bias=0.2, attributes_per_object=(1, 2)).model_dump_json()
    )
    assert dumped["saliency_bias"] == 0.2 and dumped["attributes_per_object"] == [1, 2]


def test_sample_and_captions_commands_take_the_new_knobs(tmp_path):
    out = tmp_path / "specs.jsonl"
    args = ["sample", "--vocab", "simco18", "--objects", "3", "--large", "1", "-n", "5"]
    args += ["--attributes", "color,material,size", "--palette", "clevr8"]
    args += ["--attributes-per-object", "2-2", "--saliency-bias", "1", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    spec = json.loads(out.read_text().splitlines()[0])
    assert spec["caption_knobs"]["attributes_per_object"] == [2, 2]
    assert spec["attributes"]["kinds"] == ["color", "material", "size"]
    result = CliRunner().invoke(
        main, ["captions", "--specs", str(out), "--attributes-per-object", "3-3"]
    )
    assert result.exit_code == 0, result.output
    for line in result.output.splitlines():
        caption = json.loads(line)["binding"]["caption"]["text"]
        for phrase in caption.split(ARTICLES.joiner):
            assert len(_attribute_words(phrase)) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--attributes-per-object", "2-1"], "expected A-B with whole numbers 1 <= A <= B"),
        (["--attributes-per-object", "x"], "expected A-B"),
        (["--attributes-per-object", "3-3"], "needs objects with at least 3 attribute kinds"),
        (["--saliency-bias", "1.5"], "--saliency-bias 1.5 is outside [0, 1]"),
        (["--saliency-bias", "0.5", "--order", "random"], "order must stay 'spec'"),
    ],
)
def test_bad_knob_options_fail_in_one_line_and_write_nothing(args, message, tmp_path):
    out = tmp_path / "x.jsonl"
    base = ["sample", "-n", "3", "--attributes", "color", "--palette", "clevr8"]
    result = CliRunner().invoke(main, [*base, *args, "--out", str(out)])
    assert result.exit_code != 0
    assert message in " ".join(result.output.split())
    assert not out.exists()
