"""Relation and count captions from planted geometry with known answers, and the samplers that
place requested relations and counts."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from click.testing import CliRunner

from comco.captions.counting import count_captions
from comco.captions.plain import caption_style
from comco.captions.relations import SceneGeometry, predicted_geometry, relation_captions
from comco.captions.sets import caption_set
from comco.cli import main
from comco.core import geometry
from comco.core.catalog import load_vocabulary
from comco.core.relations import RelationSetup, horizontal, in_depth
from comco.core.spec import Camera, ObjectSpec, SceneSpec
from comco.core.spec_files import read_specs
from comco.sampling.counting import CountRange
from comco.sampling.sampler import SamplerConfig, sample_scene

STYLE = caption_style("articles")
WIDE = RelationSetup(margin=0.02)  # 2 px at 100 px


def scene(*objects: tuple[str, tuple[float, float]], **extra) -> SceneSpec:
    return SceneSpec(
        id="planted",
        seed=1,
        objects=[
            ObjectSpec(category=c, size_role="same", scale=0.6, position=p) for c, p in objects
        ],
        camera=Camera(width=100, height=100),
        frame_margin_px=0,
        **extra,
    )


def flat(boxes: list[tuple[float, float, float, float]], depths=None) -> SceneGeometry:
    """Planted boxes; equal depth ranges unless given, so only left/right can be decided."""
    return SceneGeometry(boxes, depths or [(5.0, 6.0)] * len(boxes), "measured")


def texts(captions) -> set[str]:
    return {c.text for c in captions}


def test_a_box_wholly_left_is_captioned_left_and_never_the_reverse():
    spec = scene(("dog", (-1.0, 0.0)), ("cup", (1.0, 0.0)))
    result = relation_captions(
        spec, STYLE, flat([(10, 40, 30, 60), (50, 40, 70, 60)]), WIDE, colours=False
    )
    assert texts(result.captions) == {"a dog to the left of a cup", "a cup to the right of a dog"}
    negatives = {(n.kind, n.text) for n in result.negatives}
    assert ("argument_swap", "a cup to the left of a dog") in negatives
    assert ("relation_flip", "a dog to the right of a cup") in negatives
    assert not texts(result.captions) & {n.text for n in result.negatives}
    assert result.margin_px == 2.0 and result.boxes == "measured"


def test_boxes_within_the_margin_get_no_left_right_caption():
    spec = scene(("dog", (-1.0, 0.0)), ("cup", (1.0, 0.0)))
    touching = flat([(10, 40, 30, 60), (31, 40, 50, 60)])  # 1 px apart, margin 2 px
    overlapping = flat([(10, 40, 30, 60), (25, 40, 50, 60)])
    for boxes in (touching, overlapping):
        result = relation_captions(spec, STYLE, boxes, WIDE, colours=False)
        assert result.captions == [] and result.negatives == []
    assert horizontal((10, 0, 30, 1), (32, 0, 50, 1), 2.0) == "left of"  # exactly the margin


def test_depth_order_matches_the_projected_depth_of_the_placed_objects():
    spec = scene(("dog", (0.8, -1.5)), ("cup", (-0.8, 1.5)), ("bowl", (0.0, 0.2)))
    camera = spec.camera
    centres = np.array([[o.position[0], o.position[1], 0.3] for o in spec.objects])
    _, depth = geometry.project(centres, camera.matrix_world, camera.intrinsics)
    result = relation_captions(
        spec, STYLE, predicted_geometry(spec), RelationSetup(axes=["front-back"]), colours=False
    )
    assert result.captions
    for caption in result.captions:
        a, b = caption.objects
        nearer = "in front of" if depth[a] < depth[b] else "behind"
        assert caption.relation == nearer
    assert "a dog in front of a cup" in texts(result.captions)
    assert in_depth((1.0, 2.0), (2.05, 3.0), 0.1) is None  # ranges closer than the margin


def test_a_negative_true_of_another_pair_is_left_out():
    """Cups on both sides of a dog: 'a cup to the right of a dog' is true of the other cup."""
    spec = scene(("cup", (-1.5, 0.0)), ("dog", (0.0, 0.0)), ("cup", (1.5, 0.0)), allow_repeats=True)
    boxes = flat([(5, 40, 25, 60), (40, 40, 60, 60), (75, 40, 95, 60)])
    result = relation_captions(spec, STYLE, boxes, WIDE, colours=False)
    assert {"a cup to the left of a dog", "a cup to the right of a dog"} <= texts(result.captions)
    assert not {n.text for n in result.negatives} & texts(result.captions)
    assert "a cup to the left of a cup" in texts(result.captions)  # and no self-swap negative
    assert all(n.text != n.positive for n in result.negatives)


def test_colour_words_follow_the_switch():
    spec = scene(("cube", (-1.0, 0.0)), ("sphere", (1.0, 0.0)), vocab="simco18")
    coloured = spec.model_copy(
        update={
            "objects": [
                spec.objects[0].model_copy(update={"color": (1, 0, 0), "color_name": "red"}),
                spec.objects[1].model_copy(update={"color": (0, 0, 1), "color_name": "blue"}),
            ]
        }
    )
    boxes = flat([(10, 40, 30, 60), (50, 40, 70, 60)])
    with_colours = relation_captions(coloured, STYLE, boxes, WIDE, colours=True)
    without = relation_captions(coloured, STYLE, boxes, WIDE, colours=False)
    assert "a red cube to the left of a blue sphere" in texts(with_colours.captions)
    assert "a cube to the left of a sphere" in texts(without.captions)
    assert with_colours.colours and not without.colours


def test_relation_scenes_hold_the_requested_sides_balanced_over_scenes():
    setup = RelationSetup(axes=["left-right", "front-back"])
    config = SamplerConfig(objects=3, seed=2, relations=setup, camera=Camera(width=128, height=128))
    wanted = Counter()
    for index in range(8):
        spec = sample_scene(config, index)
        assert spec.relations == setup and spec.id.endswith(f"{index:07d}")
        made = relation_captions(spec, STYLE, predicted_geometry(spec), colours=False)
        held = {c.relation for c in made.captions if c.objects == [0, 1]}
        assert len(held) == 2
        wanted[frozenset(held)] += 1
    assert len(wanted) == 4 and set(wanted.values()) == {2}


def test_relation_sampling_is_deterministic_and_specs_round_trip():
    config = SamplerConfig(objects=2, seed=4, relations=RelationSetup(axes=["left-right"]))
    first, again = sample_scene(config, 3), sample_scene(config, 3)
    assert first.model_dump_json() == again.model_dump_json()
    text = first.model_dump_json()
    assert SceneSpec.model_validate_json(text).model_dump_json() == text
    plain = SamplerConfig(objects=2, seed=4)
    assert "relations" not in sample_scene(plain, 3).model_dump_json()


def test_count_scenes_cycle_counts_and_miscount_by_one_and_two():
    config = SamplerConfig(objects=2, seed=0, counts=CountRange(low=1, high=6),
                           camera=Camera(width=128, height=128))  # fmt: skip
    seen = []
    for index in range(6):
        spec = sample_scene(config, index)
        made = count_captions(spec, STYLE)
        assert made is not None and spec.allow_repeats
        assert spec.categories.count(spec.count_of) == made.count == index + 1
        seen.append(made.count)
        deltas = sorted(n.delta for n in made.negatives)
        assert deltas == [d for d in (-2, -1, 1, 2) if made.count + d >= 1]
        assert made.caption.split(" and ")[0].endswith(
            spec.count_of.replace("_", " ") if made.count == 1 else ""
        )
    assert seen == [1, 2, 3, 4, 5, 6]


def test_count_caption_known_answer():
    spec = scene(
        ("cup", (-1.5, 0.0)), ("dog", (0.0, -1.0)), ("cup", (1.5, 0.0)), ("cup", (0.0, 1.2)),
        allow_repeats=True, count_of="cup",
    )  # fmt: skip
    made = count_captions(spec, STYLE)
    assert made.caption == "three cups and a dog" and made.objects == [0, 2, 3]
    assert {n.kind: n.text for n in made.negatives} == {
        "count_minus_2": "a cup and a dog",
        "count_minus_1": "two cups and a dog",
        "count_plus_1": "four cups and a dog",
        "count_plus_2": "five cups and a dog",
    }
    assert caption_set(spec, STYLE).counting == made
    assert caption_set(scene(("cup", (-1, 0)), ("dog", (1, 0))), STYLE).counting is None


def test_count_of_must_be_in_the_scene():
    with pytest.raises(ValueError, match="count_of: 'horse' is not among"):
        scene(("cup", (-1, 0)), ("dog", (1, 0)), count_of="horse")


def test_cli_samples_relation_and_count_scenes_and_refuses_bad_values(tmp_path):
    runner = CliRunner()
    out = tmp_path / "rel.jsonl"
    args = ["sample", "--objects", "2", "-n", "4", "--jobs", "1", "--resolution", "96"]
    result = runner.invoke(main, [*args, "--relations", "left-right", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert all(s.relations.axes == ["left-right"] for s in read_specs(out))
    counts = tmp_path / "count.jsonl"
    result = runner.invoke(main, [*args, "--counts", "2-3", "--out", str(counts)])
    assert result.exit_code == 0, result.output
    assert [s.categories.count(s.count_of) for s in read_specs(counts)] == [2, 3, 2, 3]
    bad = runner.invoke(main, [*args, "--relations", "above-below", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "above/below never holds" in bad.output
    bad = runner.invoke(main, [*args, "--counts", "6-2", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "'6-2' is not a count range" in bad.output
    assert not (tmp_path / "x").exists()


def test_sides_alternate_exactly_and_categories_spread_evenly_on_each_side():
    """216 two-shape scenes: 108 with shape 0 left of shape 1 and 108 right of it, and on each
    side every one of the 18 shapes is about equally often the left one (chi-square, p=0.001,
    17 degrees of freedom: 40.79)."""
    config = SamplerConfig(vocab="simco18", objects=2, seed=7,
                           relations=RelationSetup(axes=["left-right"]))  # fmt: skip
    left_ones: dict[str, Counter] = {"left of": Counter(), "right of": Counter()}
    for index in range(216):
        spec = sample_scene(config, index)
        made = relation_captions(spec, STYLE, predicted_geometry(spec), colours=False)
        (side,) = {c.relation for c in made.captions if c.objects == [0, 1]}
        left_ones[side][spec.categories[0 if side == "left of" else 1]] += 1
    assert [sum(c.values()) for c in left_ones.values()] == [108, 108]
    shapes = [c.id for c in load_vocabulary().preset("simco18")]
    for counts in left_ones.values():
        observed = np.array([counts[s] for s in shapes], dtype=float)
        expected = observed.sum() / len(shapes)
        assert ((observed - expected) ** 2 / expected).sum() < 40.79
