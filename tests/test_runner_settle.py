"""How a run settles outcomes: a whole Ray call at once journals what one-by-one settling
did, sizes come from the process that wrote the files, chunks follow the measured pace."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from comco.assets.toy_library import build_toy_library, toy_scene
from comco.dataset.folder import DatasetFolder
from comco.runner.chunk_sizer import FIRST, MOST, ChunkSizer
from comco.runner.completion import CompletionLog
from comco.runner.feeder import Outcome
from comco.runner.journal import RejectedLog, RejectionStage
from comco.runner.ledger import Ledger, RunStats
from comco.runner.ray_actor import from_wire, to_wire
from comco.runner.run import RunConfig, run
from comco.runner.states import TaskState
from comco.runner.tasks import Task

requires_bpy = pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="no bpy")


def _tasks(folder: DatasetFolder, count: int) -> list[Task]:
    return [
        Task.of(f"{i}:toy{i:04d}", toy_scene(i), folder.image(i, f"toy{i:04d}"))
        for i in range(count)
    ]


def _planted(tasks: list[Task]) -> list[tuple[Task, Outcome]]:
    """Kept, gate-rejected, crashed once (sent back), crashed for the second time
    (journalled), kept without sizes (no record), and a rejection with no record."""
    tasks[3].crashes = 1
    gate = {"key": tasks[1].key, "reason": "too small", "stage": RejectionStage.gate, "id": "x"}
    return [
        (tasks[0], Outcome(TaskState.kept, sizes=(1234, 567), stages={"render": 0.5})),
        (tasks[1], Outcome(TaskState.rejected, rejection=gate)),
        (tasks[2], Outcome(TaskState.crashed, reason="worker died")),
        (tasks[3], Outcome(TaskState.crashed, reason="worker hung")),
        (tasks[4], Outcome(TaskState.kept, sizes=None)),
        (tasks[5], Outcome(TaskState.rejected)),
        (tasks[6], Outcome(TaskState.kept, sizes=(10, 20), stages={"render": 1.5})),
    ]


def _ledger(root: Path) -> tuple[Ledger, DatasetFolder]:
    folder = DatasetFolder(root)
    root.mkdir()
    ledger = Ledger(RejectedLog(folder.rejected), CompletionLog(folder.completed), None, RunStats())  # type: ignore[arg-type]
    return ledger, folder


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_settling_a_call_at_once_journals_what_settling_one_by_one_did(tmp_path: Path) -> None:
    one, one_folder = _ledger(tmp_path / "one")
    batch, batch_folder = _ledger(tmp_path / "batch")
    one_answers, batch_answers = _planted(_tasks(one_folder, 7)), _planted(_tasks(batch_folder, 7))
    sent_back = [task.key for task, outcome in one_answers if one.settle(task, outcome)]
    assert [task.key for task in batch.settle_all(batch_answers)] == sent_back == ["2:toy0002"]
    for name in ("rejected.jsonl", "completed.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "batch" / name).read_bytes()
    assert _lines(batch_folder.completed) == [
        {"key": "0:toy0000", "png": 1234, "json": 567},
        {"key": "6:toy0006", "png": 10, "json": 20},
    ]
    rejected = _lines(batch_folder.rejected)
    assert [(r["key"], r["stage"]) for r in rejected] == [
        ("1:toy0001", "gate"),
        ("3:toy0003", "crash"),
    ]
    assert rejected[1]["reason"] == "worker hung" and rejected[1]["spec"]["id"] == "toy0003"
    for ledger in (one, batch):
        stats = ledger.stats
        assert (stats.rendered, stats.rejected, stats.warm_images) == (3, 3, 2)
        assert stats.stage_ms() == {"render": 1000.0}
        assert ledger.rejected.keys == {"1:toy0001"}  # a crash may pass: not final


def test_a_task_travels_to_an_actor_and_back_unchanged(tmp_path: Path) -> None:
    (task,) = _tasks(DatasetFolder(tmp_path), 1)
    back = from_wire(to_wire(task))
    assert (back.key, back.png) == (task.key, task.png)
    assert back.spec.model_dump_json() == task.spec.model_dump_json()


def test_chunks_hold_the_target_seconds_of_work_and_share_out_the_end() -> None:
    sizer = ChunkSizer(target_s=1.0)
    assert sizer.size(queued=10_000, share=8) == FIRST  # nothing measured yet
    sizer.observe(tasks=4, seconds=0.4)  # 0.1 s per task
    assert sizer.size(queued=10_000, share=8) == 10
    sizer.observe(tasks=10, seconds=0.0)  # no working time measured: ignored
    assert sizer.size(queued=10_000, share=8) == 10
    assert sizer.size(queued=40, share=8) == 5  # the end: what is left, shared out
    assert sizer.size(queued=3, share=8) == 1
    for _ in range(20):  # tasks got ten times quicker: the mean follows within a few calls
        sizer.observe(tasks=10, seconds=0.1)
    assert 90 <= sizer.size(queued=10_000, share=8) <= 100
    quick = ChunkSizer(target_s=1.0)
    quick.observe(tasks=1000, seconds=0.001)
    assert quick.size(queued=10**6, share=8) == MOST


@requires_bpy
def test_recorded_sizes_are_those_of_the_files_written(tmp_path: Path) -> None:
    library = tmp_path / "library"
    build_toy_library(library)
    specs = tmp_path / "specs.jsonl"
    specs.write_text("".join(toy_scene(i).model_dump_json() + "\n" for i in range(2)))
    out = tmp_path / "out"
    config = RunConfig(specs=specs, out=out, library=library, device="CPU", progress=False)
    rendered = run(config)["rendered"]
    folder = DatasetFolder(out)
    records = _lines(folder.completed)
    assert len(records) == rendered >= 3  # the scenes and the gallery
    for record in records:
        kind, _, name = record["key"].partition(":")
        png = folder.gallery_image(name) if kind == "gallery" else folder.image(int(kind), name)
        sizes = (png.stat().st_size, png.with_suffix(".json").stat().st_size)
        assert (record["png"], record["json"]) == sizes
