"""Attribute sampling: bytes of plain specs unchanged, balance, held-out pairs, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from comco.cli import main
from comco.core import geometry
from comco.core.attributes import AttributeSetup, holdout_pairs, load_attributes
from comco.core.catalog import load_vocabulary
from comco.core.spec import ObjectSpec, SceneSpec
from comco.core.spec_files import read_specs
from comco.sampling.sampler import SamplerConfig, dataset_jobs, sample_scene, spec_lines

DATA = Path(__file__).parent / "data"
# chi-square critical values at p = 0.001 by degrees of freedom
CHI2_CRITICAL_001 = {7: 24.32, 15: 37.70}


@pytest.mark.parametrize(
    ("fixture", "args"),
    [
        ("main_comco72_o4_large1_s3.jsonl", ["sample", "--objects", "4", "--large", "1"]),
        ("main_simco18_o3_s1.jsonl", ["sample", "--vocab", "simco18", "--objects", "3"]),
        ("main_suite_s0.jsonl", ["suite"]),
    ],
)
def test_specs_without_attributes_keep_the_bytes_main_wrote(fixture, args, tmp_path):
    """The fixtures were written by main's code without attributes (same commands, `--jobs 1`;
    regenerate them with main's code only when main itself changes plain sampling, e.g. new
    asset shapes)."""
    expected = (DATA / fixture).read_bytes()
    lines = expected.count(b"\n")
    seed = fixture.rsplit("_s", 1)[1].split(".")[0]
    out = tmp_path / "specs.jsonl"
    result = CliRunner().invoke(
        main, [*args, "-n", str(lines), "--seed", seed, "--jobs", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == expected


def _config(**attributes) -> SamplerConfig:
    setup = {"palette": "clevr8", "kinds": ["color"], "distinct": True, **attributes}
    return SamplerConfig(vocab="comco72", objects=3, seed=5, attributes=AttributeSetup(**setup))


def _chi_square(counts: np.ndarray) -> float:
    expected = counts.sum() / len(counts)
    return float(((counts - expected) ** 2 / expected).sum())


def test_chi_square_flags_a_planted_bias():
    fair = np.array([300] * 8)
    biased = np.array([390, *[300] * 6, 210])  # the sample size of the balance test
    assert _chi_square(fair) < CHI2_CRITICAL_001[7] < _chi_square(biased)


def test_colours_are_balanced_in_every_slot_and_image_region():
    config = _config()
    words = list(load_attributes().palette("clevr8"))
    slots = np.zeros((3, 8))
    regions = np.zeros((4, 8))
    for i in range(2400):
        spec = sample_scene(config, i)
        for slot, obj in enumerate(spec.objects):
            colour = words.index(obj.color_name)
            slots[slot, colour] += 1
            pixels, _ = geometry.project(
                np.array([[obj.position[0], obj.position[1], 0.0]]),
                spec.camera.matrix_world,
                spec.camera.intrinsics,
            )
            u, v = pixels[0]
            region = 2 * int(v > spec.camera.height * 0.65) + int(u > spec.camera.width / 2)
            regions[region, colour] += 1
    for counts in [*slots, *regions]:
        assert _chi_square(counts) < CHI2_CRITICAL_001[7], counts
        # no cell more than 4 binomial standard deviations from its expectation
        assert np.abs(counts - counts.mean()).max() < 4 * np.sqrt(counts.mean()), counts


def test_distinct_attributes_never_repeat_and_colours_match_the_palette():
    palette = load_attributes().palette("clevr8")
    for i in range(200):
        spec = sample_scene(_config(), i)
        names = [o.color_name for o in spec.objects]
        assert len(set(names)) == 3
        assert all(o.color == palette[o.color_name].linear for o in spec.objects)


def test_colour_and_material_sampling_is_deterministic_across_processes():
    config = SamplerConfig(
        vocab="simco18",
        objects=3,
        seed=1,
        attributes=AttributeSetup(palette="wide16", kinds=["color", "material"]),
    )
    one = list(spec_lines(dataset_jobs(config, 40)))
    assert one == list(spec_lines(dataset_jobs(config, 40), processes=2))
    assert all('"material":' in line and '"split":"train"' in line for line in one)


def test_held_out_pairs_never_appear_in_train_and_every_test_scene_holds_one():
    config = _config(holdout_fraction=0.1, holdout_seed=3)
    members = load_vocabulary().presets["comco72"]
    table = holdout_pairs(["color"], "clevr8", members, 0.1, 3)
    held = sum(1 for s in table.values() if s == "test")
    assert held == sum(1 for s in table.values() if s == "val") == round(0.1 * len(table))
    seen = {"train": 0, "val": 0, "test": 0}
    for i in range(600):
        spec = sample_scene(config, i)
        pairs = [table[("color", o.color_name, o.category)] for o in spec.objects]
        seen[spec.split] += 1
        if spec.split == "train":
            assert set(pairs) == {"train"}
        elif spec.split == "test":
            assert "test" in pairs
        else:
            assert "val" in pairs and "test" not in pairs
    assert all(seen.values())


def test_another_holdout_seed_holds_out_other_pairs():
    members = load_vocabulary().presets["simco18"]
    a = holdout_pairs(["color"], "clevr8", members, 0.2, 0)
    b = holdout_pairs(["color"], "clevr8", members, 0.2, 1)
    assert a != b and a == holdout_pairs(["color"], "clevr8", members, 0.2, 0)


def test_a_spec_whose_split_contradicts_its_pairs_is_invalid():
    spec = sample_scene(_config(holdout_fraction=0.2), 0)
    wrong = "test" if spec.split != "test" else "train"
    with pytest.raises(ValueError, match="split"):
        SceneSpec.model_validate({**spec.model_dump(), "split": wrong})


def test_a_forbidden_category_may_not_carry_a_colour():
    with pytest.raises(ValueError, match=r"objects\[0\]\.color: category 'stop_sign'"):
        SceneSpec(
            id="x",
            seed=0,
            objects=[
                ObjectSpec(
                    category="stop_sign",
                    size_role="same",
                    scale=1.0,
                    position=(0.0, 1.0),
                    color=(0.5, 0.1, 0.1),
                    color_name="red",
                )
            ],
        )
    config = _config()
    forbidden = set(load_attributes().forbid["color"])
    assert not any(set(sample_scene(config, i).categories) & forbidden for i in range(300))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--attributes", "color", "--palette", "nope"], "unknown palette 'nope'"),
        (["--attributes", "colour", "--palette", "clevr8"], "'colour' is not an attribute"),
        (
            ["--objects", "9", "--attributes", "color", "--palette", "clevr8",
             "--distinct-attributes"],
            "palette 'clevr8' has only 8",
        ),
        (["--attributes", "color", "--palette", "clevr8", "--attribute-density", "1.5"],
         "--attribute-density 1.5 is outside [0, 1]"),
        (["--attributes", "color", "--palette", "clevr8", "--completeness", "-0.1"],
         "--completeness -0.1 is outside [0, 1]"),
        (["--palette", "clevr8"], "--palette needs --attributes"),
        (["--attributes", "color", "--palette", "clevr8", "--holdout-pairs", "0.7"],
         "0.7 is outside [0, 0.5]"),
    ],
)  # fmt: skip
def test_bad_attribute_options_fail_in_one_line_and_write_nothing(args, message, tmp_path):
    out = tmp_path / "x.jsonl"
    result = CliRunner().invoke(main, ["sample", "-n", "3", *args, "--out", str(out)])
    assert result.exit_code != 0
    assert message in " ".join(result.output.split())
    assert not out.exists()


def test_binding_suite_interleaves_simco_and_comco_with_splits(tmp_path):
    out = tmp_path / "suite.jsonl"
    result = CliRunner().invoke(
        main, ["suite", "--binding", "-n", "16", "--seed", "0", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    specs = list(read_specs(out))
    configs = [(s.vocab, len(s.objects)) for s in specs[:8]]
    assert configs == [(v, k) for v in ("simco18", "comco72") for k in (2, 3, 4, 6)]
    assert all(s.split in {"train", "val", "test"} and s.attributes.distinct for s in specs)


def test_attribute_values_must_come_from_the_palette_and_materials():
    spec = sample_scene(_config(), 0)
    data = spec.model_dump()
    data["objects"][0]["color"] = (0.1, 0.2, 0.3)
    with pytest.raises(ValueError, match=r"objects\[0\]\.color: \(0\.1, 0\.2, 0\.3\) is not"):
        SceneSpec.model_validate(data)
    data = spec.model_dump()
    data["objects"][1]["material"] = "velvet"
    with pytest.raises(ValueError, match=r"objects\[1\]\.material: unknown material 'velvet'"):
        SceneSpec.model_validate(data)


def test_schema_command_lists_the_binding_fields():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    for field in ("attributes", "split", "caption_knobs", "color_name"):
        assert f'"{field}"' in result.output
