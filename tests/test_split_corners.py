"""Binding splits that come out empty are named with their cause: by `comco sample` as a
warning, by `comco align train` as a refusal that says why (not a missing negative)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from comco.cli import main
from comco.core.attributes import AttributeSetup
from comco.core.spec import Camera
from comco.eval.align_run import check_alignment_split
from comco.eval.probes.splits import Split
from comco.sampling.sampler import SamplerConfig, sample_scenes
from support.fake_render import fake_rendered_dataset

SAMPLE = ["sample", "-k", "3", "--vocab", "simco18", "--attributes", "color", "--palette",
          "clevr8", "--distinct-attributes", "-n", "40", "--resolution", "64",
          "--jobs", "1"]  # fmt: skip


def test_sampling_warns_when_held_out_pairs_leave_no_train_scene(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    result = CliRunner().invoke(main, [*SAMPLE, "--holdout-pairs", "0.5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning: no train scene among the 40 specs" in result.stderr
    assert "lower --holdout-pairs" in result.stderr
    plain = CliRunner().invoke(main, [*SAMPLE, "--out", str(tmp_path / "t.jsonl")])
    assert "warning: no val or test scene among the 40 specs" in plain.stderr
    kept = CliRunner().invoke(main, [*SAMPLE, "--holdout-pairs", "0.1", "--out", str(out),
                                     "--overwrite"])  # fmt: skip
    assert kept.exit_code == 0 and "warning" not in kept.stderr


@pytest.mark.parametrize(
    ("assignment", "cause"),
    [
        ({"a": "train", "b": "train"}, "sampled without held-out pairs"),
        ({"a": "test", "b": "val"}, "expected a smaller --holdout-pairs"),
    ],
)
def test_an_empty_alignment_split_names_its_cause(assignment: dict, cause: str) -> None:
    with pytest.raises(ValueError, match=cause):
        check_alignment_split(Split(assignment, 0, "the binding data's split"))
    check_alignment_split(Split({"a": "train", "b": "test"}, 0, "rule"))


def test_align_train_without_held_out_pairs_says_the_test_split_is_empty(tmp_path: Path) -> None:
    config = SamplerConfig(
        vocab="simco18", objects=3, seed=0, camera=Camera(width=96, height=96),
        attributes=AttributeSetup(palette="clevr8", kinds=["color"], distinct=True),
    )  # fmt: skip
    renders = fake_rendered_dataset(tmp_path / "r", list(sample_scenes(config, 12)), [],
                                    drop_rejected=True)  # fmt: skip
    args = ["align", "train", "--dataset", str(renders), "--model", "hf:/nowhere",
            "--out", str(tmp_path / "A.safetensors")]  # fmt: skip
    result = CliRunner().invoke(main, [*args, "--split", "pair"])
    assert result.exit_code == 2
    assert "no test scene" in result.output and "attribute_swap" not in result.output
    default = CliRunner().invoke(main, args)  # LABCLIP's combination split: its own cause
    assert default.exit_code == 2
    assert "none of 12 combinations can be held out" in default.output
