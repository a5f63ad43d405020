import json

import pytest
from click.testing import CliRunner

from comco.cli import main
from comco.core.spec_files import read_specs


def test_sample_writes_valid_specs_and_the_same_bytes_twice(tmp_path):
    runner = CliRunner()
    args = ["sample", "--objects", "4", "--large", "1", "-n", "25", "--seed", "0"]
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert runner.invoke(main, [*args, "--out", str(first)]).exit_code == 0
    assert runner.invoke(main, [*args, "--out", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    specs = list(read_specs(first))
    assert len(specs) == 25 and all(len(s.objects) == 4 for s in specs)


def test_sample_refuses_to_clobber(tmp_path):
    out = tmp_path / "x.jsonl"
    out.write_text("keep me\n")
    result = CliRunner().invoke(main, ["sample", "-n", "2", "--out", str(out)])
    assert result.exit_code != 0 and "--overwrite" in result.output
    assert out.read_text() == "keep me\n"


def test_sample_rejects_bad_options_by_name(tmp_path):
    result = CliRunner().invoke(
        main, ["sample", "--objects", "3", "--large", "3", "--out", str(tmp_path / "x.jsonl")]
    )
    assert result.exit_code != 0 and "large: 3 large objects among 3 objects" in result.output
    assert not (tmp_path / "x.jsonl").exists()


def test_captions_lists_every_order(tmp_path):
    specs = tmp_path / "s.jsonl"
    CliRunner().invoke(main, ["sample", "--objects", "3", "-n", "2", "--out", str(specs)])
    result = CliRunner().invoke(main, ["captions", "--specs", str(specs), "--template", "bare"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 2 and all(len(r["orders"]) == 6 for r in rows)


def test_bad_spec_line_is_reported_with_its_line_number(tmp_path):
    specs = tmp_path / "s.jsonl"
    CliRunner().invoke(main, ["sample", "--objects", "2", "-n", "1", "--out", str(specs)])
    line = json.loads(specs.read_text())
    line["objects"][0]["scale"] = -1
    specs.write_text(specs.read_text() + json.dumps(line) + "\n")
    result = CliRunner().invoke(main, ["captions", "--specs", str(specs)])
    assert result.exit_code != 0 and "s.jsonl:2" in result.output and "scale" in result.output


def test_schema_is_json_schema():
    result = CliRunner().invoke(main, ["schema"])
    schema = json.loads(result.output)
    assert schema["title"] == "SceneSpec" and "objects" in schema["properties"]


def test_suite_interleaves_the_paper_configurations(tmp_path):
    out = tmp_path / "suite.jsonl"
    result = CliRunner().invoke(main, ["suite", "-n", "16", "--out", str(out)])
    assert result.exit_code == 0, result.output
    specs = list(read_specs(out))
    shapes = [(len(s.objects), any(o.size_role == "large" for o in s.objects)) for s in specs]
    expected = [(k, large) for large in (False, True) for k in (2, 3, 4, 5)]
    assert shapes == expected * 2
    assert len({s.id for s in specs}) == 16


def test_parallel_sampling_writes_the_same_bytes(tmp_path):
    runner = CliRunner()
    args = ["sample", "--objects", "3", "--large", "1", "-n", "300", "--seed", "4"]
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert runner.invoke(main, [*args, "--jobs", "1", "--out", str(one)]).exit_code == 0
    assert runner.invoke(main, [*args, "--jobs", "2", "--out", str(two)]).exit_code == 0
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize(
    "command",
    [["sample", "--objects", "3", "--large", "1", "--seed", "2"], ["suite", "--binding"]],
)
def test_shards_concatenate_to_the_bytes_of_one_run(tmp_path, command):
    runner = CliRunner()
    whole, parts = tmp_path / "whole.jsonl", [tmp_path / f"part{i}.jsonl" for i in range(3)]
    result = runner.invoke(main, [*command, "-n", "60", "--jobs", "1", "--out", str(whole)])
    assert result.exit_code == 0, result.output
    for part, (start, count) in zip(parts, [(0, 25), (25, 1), (26, 34)], strict=True):
        shard = ["--start", str(start), "-n", str(count), "--jobs", "2", "--out", str(part)]
        result = runner.invoke(main, [*command, *shard])
        assert result.exit_code == 0, result.output
    assert b"".join(p.read_bytes() for p in parts) == whole.read_bytes()
