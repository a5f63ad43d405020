"""`comco eval` end to end: a tiny CLIP and the real SBERT over the fixture dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from comco.cli import main
from comco.eval.results import EvalRun
from comco.eval.tiny import build_clip
from support.scenes import eval_dataset

pytestmark = pytest.mark.models


def test_eval_writes_results_report_and_plots(tmp_path: Path) -> None:
    renders = eval_dataset(tmp_path / "renders", n_images=3)
    model = build_clip(tmp_path / "tiny-clip")
    out = tmp_path / "results"
    args = ["eval", "--dataset", str(renders), "--model", f"hf:{model}",
            "--model", "sbert:all-MiniLM-L6-v2", "--out", str(out),
            "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "50",
            "--list-queries", "60", "--device", "cpu"]  # fmt: skip
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "skipped ior: needs ['image']" in result.output

    EvalRun.model_validate_json((out / "results.json").read_text())  # the file reads back
    run = json.loads((out / "results.json").read_text())
    clip, sbert = run["runs"]
    text_tasks = ["tor_list", "tor_long", "tor_sum", "tor_size", "tor", "tor_paper", "tor_own",
                  "tor_size_class", "toc_list"]  # fmt: skip
    assert [r["task"] for r in clip["results"]] == [
        *text_tasks, "ior", "ior_own", "i2tor", "itm", "itm_captions", "attention", "relations",
    ]  # fmt: skip
    assert [r["task"] for r in sbert["results"]] == text_tasks
    assert "too few scenes" in clip["skipped"]["toc"]  # one scene per configuration
    assert "comco suite --binding" in sbert["skipped"]["color_probe"]
    tor = next(r for r in sbert["results"] if r["task"] == "tor")["tables"][0]["rows"]
    four = next(r for r in tor if r["group"] == "4 objects")
    assert four["n_queries"] == 24 and four["n_images"] == 1
    assert sum(c["pct"] for c in four["cells"].values()) == pytest.approx(100)

    report = (out / "report.md").read_text()
    assert "*paper Table 5, SBERT (text only)*" in report
    assert report.count("*paper Table 5, SBERT (text only)*") == 2  # tor_list, both models
    assert "Protocol: the paper's (`docs/PROTOCOLS.md#tor_list`)" in report
    assert "| ours: 4 objects: 1 large + 3 small |" in report
    plots = sorted(p.name for p in (out / "plots").glob("*.png"))
    assert any("attention" in p and "layers" in p for p in plots)
    for plot in plots:
        assert f"plots/{plot}" in report
        assert (out / "plots" / plot).read_bytes()[:4] == b"\x89PNG"

    cached = sorted((tmp_path / "cache").rglob("*.keys"))
    again = CliRunner().invoke(main, args, catch_exceptions=False)  # all from the cache now
    assert again.exit_code == 0
    assert sorted((tmp_path / "cache").rglob("*.keys")) == cached  # nothing embedded again
    rerun = json.loads((out / "results.json").read_text())["runs"]
    assert [r["results"] for r in rerun] == [clip["results"], sbert["results"]]


def test_eval_rejects_bad_arguments_clearly(tmp_path: Path) -> None:
    renders = eval_dataset(tmp_path / "renders", n_images=1)
    runner = CliRunner()
    common = ["eval", "--dataset", str(renders), "--out", str(tmp_path / "o")]
    bad_task = runner.invoke(main, [*common, "--model", "hf:x", "--task", "tor,bogus"])
    assert bad_task.exit_code == 2 and "'bogus'" in bad_task.output
    bad_model = runner.invoke(main, [*common, "--model", "clip:x"])
    assert bad_model.exit_code == 2 and "backend one of" in bad_model.output
