"""`comco assets toy` and `comco assets list` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from comco.cli import main
from comco.core.spec_files import read_specs


def test_toy_writes_a_library_and_specs_that_list_and_validate(tmp_path: Path) -> None:
    library, specs = tmp_path / "toy", tmp_path / "toy.jsonl"
    runner = CliRunner()
    made = runner.invoke(
        main, ["assets", "toy", "--library", str(library), "--specs", str(specs), "-n", "5"]
    )
    assert made.exit_code == 0, made.output
    listed = json.loads(
        runner.invoke(
            main, ["assets", "list", "--library", str(library), "--format", "json"]
        ).output
    )
    assert sorted(listed) == ["cone", "cube", "cylinder", "sphere"]
    assert all((library / record["file"]).is_file() for record in listed.values())
    scenes = list(read_specs(specs))
    assert [s.id for s in scenes] == [f"toy{i:04d}" for i in range(5)]
    assert {c for s in scenes for c in s.categories} <= set(listed)


def test_toy_refuses_a_folder_holding_another_library(tmp_path: Path) -> None:
    library = tmp_path / "real"
    library.mkdir()
    (library / "dog.glb").write_bytes(b"glTF")
    result = CliRunner().invoke(main, ["assets", "toy", "--library", str(library)])
    assert result.exit_code == 1 and "holds another asset library" in result.output
    assert sorted(p.name for p in library.iterdir()) == ["dog.glb"]


def test_list_without_a_built_library_says_how_to_build_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["assets", "list", "--library", str(tmp_path)])
    assert result.exit_code != 0 and "comco assets fetch && comco assets build" in str(
        result.output + str(result.exception)
    )
