"""Pattern and finish attributes on planted specs and images: sampling, captions, negatives,
validation, and the pattern gate's measure (no Blender)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from comco.annotate.colour_gate import measure_colours
from comco.annotate.pattern_gate import (
    colour_masks,
    contrast_position,
    measure_pattern,
    pattern_problems,
)
from comco.captions.binding import binding_captions
from comco.captions.plain import STYLES
from comco.cli import main
from comco.core.attributes import AttributeSetup, load_attributes
from comco.core.colour import linear_to_srgb
from comco.core.knobs import CaptionKnobs
from comco.core.spec import SceneSpec
from comco.sampling.sampler import SamplerConfig, sample_scene

ARTICLES = STYLES["articles"]
PATTERNS = set(load_attributes().patterns)


def _config(kinds: list[str], **knobs) -> SamplerConfig:
    return SamplerConfig(
        vocab="comco72",
        objects=3,
        large=1,
        seed=6,
        attributes=AttributeSetup(palette="clevr8", kinds=kinds),
        caption_knobs=CaptionKnobs(**knobs) if knobs else None,
    )


def _words(phrase: str) -> list[str]:
    return phrase.removeprefix("a ").removeprefix("an ").split()


@pytest.mark.parametrize("index", range(20))
def test_three_attributes_per_object_name_size_colour_and_pattern(index):
    spec = sample_scene(_config(["color", "pattern", "size"], attributes_per_object=(3, 3)), index)
    caption = binding_captions(spec, ARTICLES).caption
    phrases = caption.text.split(ARTICLES.joiner)
    assert len(phrases) == 3 and caption.attributed == caption.order
    for i, phrase in zip(caption.order, phrases, strict=True):
        obj = spec.objects[i]
        size, colour, pattern, *_ = _words(phrase)
        assert (size, colour, pattern) == (obj.size_role, obj.color_name, obj.pattern)
        assert pattern in PATTERNS


def test_one_to_two_attributes_name_patterns_among_the_words():
    named = []
    for index in range(40):
        spec = sample_scene(_config(["color", "pattern"], attributes_per_object=(1, 2)), index)
        caption = binding_captions(spec, ARTICLES).caption
        for i, phrase in zip(caption.order, caption.text.split(ARTICLES.joiner), strict=True):
            words = set(_words(phrase))
            assert 1 <= len(words & ({spec.objects[i].color_name} | PATTERNS)) <= 2
            named.append(spec.objects[i].pattern in words)
    assert 0.4 < np.mean(named) < 0.95  # a pattern is named with 2 of 3 words drawn


def test_pattern_swaps_exchange_two_objects_pattern_words():
    swaps = 0
    for index in range(10):
        spec = sample_scene(_config(["color", "pattern"]), index)
        result = binding_captions(spec, ARTICLES)
        positive = result.caption.text.split(ARTICLES.joiner)
        for negative in result.negatives:
            if negative.attribute != "pattern" or negative.kind != "attribute_swap":
                continue
            swaps += 1
            a, b = negative.objects
            pa, pb = spec.objects[a].pattern, spec.objects[b].pattern
            assert pa != pb
            changed = [
                (x, y)
                for x, y in zip(positive, negative.text.split(ARTICLES.joiner), strict=True)
                if x != y
            ]
            assert sorted((_words(x)[1], _words(y)[1]) for x, y in changed) == sorted(
                [(pa, pb), (pb, pa)]
            )
    assert swaps > 0


def test_finish_words_follow_colour_and_pattern():
    spec = sample_scene(_config(["color", "pattern", "finish"]), 0)
    caption = binding_captions(spec, ARTICLES).caption
    for i, phrase in zip(caption.order, caption.text.split(ARTICLES.joiner), strict=True):
        obj = spec.objects[i]
        assert _words(phrase)[:3] == [obj.color_name, obj.pattern, obj.finish]
        assert obj.finish in load_attributes().finishes


def test_specs_with_patterns_round_trip_and_plain_objects_leave_the_fields_out():
    spec = sample_scene(_config(["color", "pattern"]), 3)
    text = spec.model_dump_json()
    assert SceneSpec.model_validate_json(text).model_dump_json() == text
    plain = sample_scene(_config(["color"]), 3)
    assert '"pattern"' not in plain.model_dump_json()
    assert '"finish"' not in plain.model_dump_json()


def test_a_pattern_needs_a_colour_and_a_finish_excludes_a_material():
    with pytest.raises(ValidationError, match="pattern without color"):
        AttributeSetup(kinds=["pattern"])
    with pytest.raises(ValidationError, match="both material and finish"):
        AttributeSetup(kinds=["material", "finish"])
    spec = sample_scene(_config(["color"]), 0)
    data = json.loads(spec.model_dump_json())
    data["objects"][0].update(color=None, color_name=None, pattern="striped")
    data.pop("attributes"), data.pop("split")
    with pytest.raises(ValidationError, match=r"objects\[0\]\.pattern: 'striped' needs a colour"):
        SceneSpec.model_validate(data)
    data["objects"][0].update(color=[0.6, 0.06, 0.06], pattern="zigzag")
    with pytest.raises(ValidationError, match=r"objects\[0\]\.pattern: unknown pattern 'zigzag'"):
        SceneSpec.model_validate(data)


def test_the_cli_samples_patterns_and_says_why_a_pattern_alone_is_refused(tmp_path):
    out = tmp_path / "specs.jsonl"
    args = ["sample", "--objects", "3", "--attributes", "color,pattern", "-n", "4"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert all(o["pattern"] in PATTERNS for line in out.read_text().splitlines()
               for o in json.loads(line)["objects"])  # fmt: skip
    args = ["sample", "--objects", "3", "--attributes", "pattern", "-n", "1"]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2 and "--attributes" in result.output
    assert "pattern without color" in result.output


def test_the_contrasting_colour_is_the_one_farther_in_lightness():
    attributes = load_attributes()
    palette = attributes.palette("clevr8")
    assert attributes.contrast(palette["red"].linear) == attributes.pattern_contrast["light"]
    assert attributes.contrast(palette["yellow"].linear) == attributes.pattern_contrast["dark"]


RED = load_attributes().palette("clevr8")["red"].linear


def _planted(
    stripes: bool, width: int = 40, shade: float = 1.0, blur: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """A 48 x 48 image whose square object is red, with white stripes 2 of every 5 columns
    (`blur` of the way back to red: a pattern too fine to resolve)."""
    rgb = np.full((48, 48, 3), 230, dtype=np.uint8)
    mask = np.zeros((48, 48), dtype=bool)
    mask[4 : 4 + width, 4 : 4 + width] = True
    contrast = np.asarray(load_attributes().contrast(RED))
    stripe = contrast + blur * (np.asarray(RED) - contrast)
    red = np.round(linear_to_srgb(np.asarray(RED) * shade) * 255)
    white = np.round(linear_to_srgb(stripe * shade) * 255)
    rgb[mask] = red
    if stripes:
        band = mask & (np.arange(48)[None, :] % 5 < 2)
        rgb[band] = white
    return rgb, mask


def test_the_measure_sees_planted_stripes_and_not_a_plain_or_tiny_object():
    rgb, mask = _planted(stripes=True)
    striped = measure_pattern(rgb, mask, RED)
    assert striped.shows() and 0.35 < striped.contrast_share < 0.45
    assert measure_pattern(*_planted(stripes=False), RED).shows() is False
    assert measure_pattern(*_planted(stripes=False, shade=0.5), RED).shows() is False
    assert measure_pattern(*_planted(stripes=True, width=3), RED).shows() is False
    rgb, mask = _planted(stripes=True, blur=0.6)
    t = contrast_position(rgb, mask, RED)
    assert 0.5 < t.max() < 0.7  # the stripes are past the midpoint, but not clearly white
    blurred = measure_pattern(rgb, mask, RED)
    assert blurred.contrast_share > 0.35 and blurred.shows() is False


def test_the_gate_rejects_a_plain_render_of_a_striped_spec_and_keeps_a_striped_one():
    spec = sample_scene(_config(["color"]), 0)
    objects = [spec.objects[0].model_copy(update={"color": RED, "color_name": "red"})]
    objects[0] = objects[0].model_copy(update={"pattern": "striped"})
    striped = spec.model_copy(update={"objects": objects})
    rgb, mask = _planted(stripes=True)
    assert pattern_problems(striped, rgb, [mask]) == []
    plain, _ = _planted(stripes=False)
    (problem,) = pattern_problems(striped, plain, [mask])
    assert problem.startswith("pattern gate: objects[0]") and "'striped'" in problem


def test_a_patterned_objects_colour_is_measured_on_its_colour_pixels_only():
    spec = sample_scene(_config(["color"]), 0)
    obj = spec.objects[0].model_copy(update={"color": RED, "color_name": "red"})
    rgb, mask = _planted(stripes=True)
    plain = spec.model_copy(update={"objects": [obj]})
    striped = spec.model_copy(update={"objects": [obj.model_copy(update={"pattern": "striped"})]})
    red = np.round(linear_to_srgb(np.asarray(RED)) * 255)
    (whole,) = measure_colours(rgb, colour_masks(plain, rgb, [mask]))
    (base,) = measure_colours(rgb, colour_masks(striped, rgb, [mask]))
    assert np.allclose(base.srgb, red) and not np.allclose(whole.srgb, red, atol=20)
