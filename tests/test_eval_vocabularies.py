"""A dataset that mixes SimCO and ComCO is evaluated per vocabulary: no row pools the two,
and each title states the candidates its own images were scored against."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from comco.eval.cache import CachedEncoder
from comco.eval.dataset import load_dataset
from comco.eval.encoders import ModelSpec
from comco.eval.evaluate import run_tasks
from comco.eval.options import EvalOptions
from comco.eval.report import write_report
from comco.eval.results import Cell, EvalRun, ModelRun, Row, Table, TaskResult
from support.scenes import export_dataset_folder


class Hashed:
    """Any text or image becomes a fixed pseudo-random vector: the tables' shapes are the
    point here, not their numbers."""

    modalities = frozenset({"text", "image"})
    spec = ModelSpec("hf", "hashed")
    fingerprint = "hashed".ljust(24, "0")

    @staticmethod
    def _vector(key: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
        return np.random.default_rng(seed).normal(size=16).astype(np.float32)

    def encode_text(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        return np.stack([self._vector(str(p)) for p in paths])


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_dataset_folder(tmp_path_factory.mktemp("mixed") / "renders")


def test_a_mixed_set_gets_one_result_per_vocabulary(mixed: Path, tmp_path: Path) -> None:
    dataset = load_dataset(mixed)
    encoder = CachedEncoder(Hashed(), tmp_path / "cache")
    results, skipped = run_tasks(dataset, encoder, ["tor"], EvalOptions(n_boot=20, probe_seeds=1))
    assert not skipped
    by_subset = {r.subset: r for r in results}
    assert set(by_subset) == {"comco72", "simco18"}
    simco, comco = by_subset["simco18"].tables[0], by_subset["comco72"].tables[0]
    assert [(r.group, r.n_images) for r in simco.rows] == [("2 objects", 1)]
    assert [(r.group, r.n_images) for r in comco.rows] == [("2 objects", 2), ("3 objects", 2)]
    assert "all 18 single-object captions" in simco.title
    assert "all 72 single-object captions" in comco.title

    run = EvalRun(
        dataset=dataset.source,
        n_images=len(dataset.records),
        comco_version="test",
        runs=[ModelRun(model="hf:hashed", fingerprint="0", device="cpu", seconds=0.0,
                       results=results)],
    )  # fmt: skip
    report = write_report(run, tmp_path / "out").read_text()
    assert "### tor, comco72 images:" in report and "### tor, simco18 images:" in report
    assert len(list((tmp_path / "out" / "plots").glob("*.png"))) == 2


def test_a_single_vocabulary_set_keeps_plain_headings(tmp_path: Path) -> None:
    from support.scenes import eval_dataset

    dataset = load_dataset(eval_dataset(tmp_path / "renders"))
    encoder = CachedEncoder(Hashed(), tmp_path / "cache")
    results, _ = run_tasks(dataset, encoder, ["tor"], EvalOptions(n_boot=20, probe_seeds=1))
    assert [(r.task, r.subset, r.heading) for r in results] == [("tor", None, "tor")]


def test_results_json_reads_back_with_empty_cells() -> None:
    """A column without data (NaN) is null in results.json and NaN again when read."""
    nan = Cell(pct=math.nan, lo=math.nan, hi=math.nan)
    row = Row(group="2 objects", n_images=1, n_queries=0, cells={"object_swap": nan})
    table = Table(name="t", title="t", unit="%", columns=["object_swap"], rows=[row])
    result = TaskResult(task="binding", model="m", tables=[table], subset="simco18")
    model_run = ModelRun(model="m", fingerprint="f", device="cpu", seconds=0.0, results=[result])
    run = EvalRun(dataset="d", n_images=1, comco_version="0", runs=[model_run])
    text = run.model_dump_json()
    assert '"pct":null' in text.replace(" ", "")
    back = EvalRun.model_validate_json(text)
    cell = back.runs[0].results[0].tables[0].rows[0].cells["object_swap"]
    assert math.isnan(cell.pct) and back.runs[0].results[0].subset == "simco18"
