"""`comco align train` and `comco eval --text-map` end to end on a binding-format dataset with
a tiny random CLIP (plumbing only: no number read from random weights is asserted)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from comco.cli import main
from comco.eval.align import load_text_map
from comco.eval.tiny import build_clip
from support.scenes import binding_dataset

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("align")
    return binding_dataset(root / "renders", 40), build_clip(root / "clip"), root / "cache"


def test_train_then_eval_before_and_after(setup: tuple[Path, Path, Path], tmp_path: Path) -> None:
    renders, model, cache = setup
    common = ["--dataset", str(renders), "--model", f"hf:{model}", "--cache-dir", str(cache),
              "--device", "cpu"]  # fmt: skip
    out = tmp_path / "A.safetensors"
    trained = CliRunner().invoke(
        main, ["align", "train", *common, "--out", str(out), "--epochs", "2", "--split", "pair"],
        catch_exceptions=False,
    )  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert "test attribute-swap accuracy" in trained.output
    text_map = load_text_map(out)
    test_ids = json.loads(text_map.meta["test_ids"])
    specs = [json.loads(p.read_text())["spec"] for p in renders.glob("images/*/*.json")]
    assert sorted(test_ids) == sorted(s["id"] for s in specs if s["split"] == "test")

    results = tmp_path / "results"
    evaluated = CliRunner().invoke(
        main,
        ["eval", *common, "--out", str(results), "--task", "binding,tor,color_probe,ioc,itm",
         "--text-map", str(out), "--bootstrap", "20", "--probe-seeds", "1"],
        catch_exceptions=False,
    )  # fmt: skip
    assert evaluated.exit_code == 0, evaluated.output
    run = json.loads((results / "results.json").read_text())
    assert [r["text_map"] for r in run["runs"]] == [None, str(out)]
    assert run["n_images"] == len(test_ids)
    report = (results / "report.md").read_text()
    assert f"## Before / after the text map: hf:{model}" in report
    assert "| 3 objects | " in report and " → " in report
    before, after = run["runs"]
    # the probes train on the train split, so they run beside the map's test scenes
    assert {"color_probe", "ioc"} <= {r["task"] for r in before["results"]}
    assert "color_probe" in {r["task"] for r in after["results"]}
    assert "image only" in after["skipped"]["ioc"]  # the map cannot change it: not repeated
    comparison = report.split("## Before / after the text map")[1]
    assert "### color_probe" in comparison and "### itm" not in comparison  # itm has no rows
    assert re.search(r"\| \d+\.\d \[\d+\.\d, \d+\.\d\] → \d+\.\d \[", comparison)
    assert len(list((results / "plots").glob("*mapped*binding*.png"))) == 2


def test_a_map_for_another_model_is_refused(setup: tuple[Path, Path, Path], tmp_path: Path) -> None:
    renders, model, cache = setup
    out = tmp_path / "A.safetensors"
    other = build_clip(tmp_path / "other", seed=1)
    args = ["--dataset", str(renders), "--cache-dir", str(cache), "--device", "cpu"]
    runner = CliRunner()
    trained = runner.invoke(
        main, ["align", "train", *args, "--model", f"hf:{other}", "--out", str(out),
               "--epochs", "1"],
    )  # fmt: skip
    assert trained.exit_code == 0, trained.output
    refused = runner.invoke(
        main, ["eval", *args, "--model", f"hf:{model}", "--out", str(tmp_path / "r"),
               "--task", "binding", "--text-map", str(out)],
    )  # fmt: skip
    assert refused.exit_code == 2 and "was trained for" in refused.output
    text_only = runner.invoke(
        main, ["align", "train", *args, "--model", "sbert:all-MiniLM-L6-v2", "--out", str(out)]
    )
    assert text_only.exit_code == 2 and "embeds only ['text']" in text_only.output
    bad = runner.invoke(main, ["align", "train", *args, "--model", f"hf:{model}", "--out",
                               str(out), "--epochs", "0"])  # fmt: skip
    assert bad.exit_code == 2 and "--epochs: 0" in bad.output
