"""Small command-line corners a new user meets: help text, exit codes for bad option values,
the default palette, an export refusal without a progress bar, a library not found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from comco.assets.library import LibraryNotBuiltError, load_manifest
from comco.cli import main
from support.scenes import eval_dataset


def test_suite_help_shows_plain_percent_signs() -> None:
    result = CliRunner().invoke(main, ["suite", "--help"])
    assert result.exit_code == 0 and "10 %" in result.output and "%%" not in result.output


def test_impossible_sampling_values_are_usage_errors(tmp_path: Path) -> None:
    args = ["sample", "-k", "3", "--large", "4", "-n", "1", "--out", str(tmp_path / "s.jsonl")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "Usage:" in result.output and "large" in result.output


def test_attributes_color_takes_the_binding_suites_palette_by_default(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    args = ["sample", "-k", "2", "-n", "2", "--attributes", "color", "--jobs", "1",
            "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    specs = [json.loads(line) for line in out.read_text().splitlines()]
    assert {s["attributes"]["palette"] for s in specs} == {"clevr8"}


def test_an_export_refused_up_front_prints_no_progress_bar(tmp_path: Path) -> None:
    dataset = eval_dataset(tmp_path / "d", n_images=2)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "x").write_text("x")
    args = ["export", "--dataset", str(dataset), "--out", str(tmp_path / "dist")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "already exists" in result.output
    assert "img" not in result.output and "images:" not in result.output


def test_a_missing_library_points_at_library_and_the_environment(tmp_path: Path) -> None:
    with pytest.raises(LibraryNotBuiltError) as error:
        load_manifest(Path("no/such/library"))
    message = str(error.value)
    assert "--library DIR" in message and "COMCO_LIBRARY" in message
    assert "relative to the current directory" in message
