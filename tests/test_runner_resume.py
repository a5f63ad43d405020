"""Resumes and hostile folders: what a run skips, refuses, rejects for good and leaves alone.

Folders are made without Blender (`tests.support.fake_render`) unless a test renders; each
hostile input must give a one-line error or a journalled rejection, and nothing already
written may change.
"""

from __future__ import annotations

import importlib.util
import json
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.support.fake_render import fake_rendered_dataset

from comco.assets.toy_library import build_toy_library, toy_scene
from comco.cli import main
from comco.core.spec import SceneSpec
from comco.dataset.folder import DatasetError, DatasetFolder
from comco.dataset.info import SpecFacts
from comco.io.atomic import temp_path
from comco.runner.completion import CompletionLog, pair_problem
from comco.runner.feeder import Outcome
from comco.runner.journal import RejectedLog, RejectionStage
from comco.runner.ledger import Ledger, RunStats
from comco.runner.run import RunConfig, RunError, run
from comco.runner.spec_digests import SpecsChanged
from comco.runner.states import TaskState
from comco.runner.tasks import Task, parse_line, scene_tasks

requires_bpy = pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="no bpy")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("toy-library")
    build_toy_library(folder)
    return folder


def _dataset(tmp_path: Path, library: Path, count: int = 3) -> tuple[Path, Path]:
    """A finished folder of `count` toy scenes, made without Blender, and its specs file."""
    out = fake_rendered_dataset(
        tmp_path / "out", [toy_scene(i) for i in range(count)], [], library=library
    )
    return out, tmp_path / "out-specs.jsonl"


def _config(specs: Path, out: Path, library: Path, **kw) -> RunConfig:
    return RunConfig(
        specs=specs, out=out, library=library, device="CPU", gallery=False, progress=False, **kw
    )


def _files(out: Path) -> dict[str, bytes]:
    """Every file of a folder and its bytes (the lock's pid aside)."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def _write_specs(path: Path, specs: list[SceneSpec]) -> Path:
    path.write_text("".join(s.model_dump_json() + "\n" for s in specs))
    return path


def _rejected(out: Path) -> list[dict]:
    path = out / "rejected.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The spec lines validated from now on, in order."""
    parsed: list[bytes] = []

    def counted(raw: bytes) -> SceneSpec | str:
        parsed.append(raw)
        return parse_line(raw)

    monkeypatch.setattr("comco.runner.tasks.parse_line", counted)
    return parsed


def test_a_resume_parses_only_the_lines_it_has_not_finished(
    tmp_path: Path, library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, specs = _dataset(tmp_path, library, count=4)
    assert run(_config(specs, out, library))["already_done"] == 4  # records digests, files
    folder = DatasetFolder(out)
    (folder.images / "00000" / "toy0002.json").unlink()
    new = toy_scene(4, size=96).model_copy(update={"seed": 1234})
    _write_specs(specs, [*(toy_scene(i) for i in range(4)), new])
    parsed = _count_parses(monkeypatch)
    known = folder.read_info()
    assert known is not None
    scan = scene_tasks(
        specs, folder, RejectedLog(folder.rejected), None, known_facts=known.spec_facts
    )
    assert [t.key for t in scan.tasks] == ["2:toy0002", "4:toy0004"] and scan.finished == 3
    assert [SceneSpec.model_validate_json(raw).id for raw in parsed] == ["toy0002", "toy0004"]
    # the facts of the lines not parsed come from the folder's dataset.json
    assert scan.facts.count == scan.specs == 5 and scan.facts.resolutions == ["64x64", "96x96"]
    assert scan.facts.seed_max == 1234 and scan.facts.seed_min == known.spec_facts.seed_min
    assert scan.facts.model_dump(
        exclude={"count", "seed_max", "resolutions", "render_settings"}
    ) == (
        known.spec_facts.model_dump(exclude={"count", "seed_max", "resolutions", "render_settings"})
    )


def test_a_recorded_line_this_version_refuses_is_rejected_as_invalid(
    tmp_path: Path, library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, specs = _dataset(tmp_path, library)
    run(_config(specs, out, library))  # records the digests
    folder = DatasetFolder(out)
    (folder.images / "00000" / "toy0001.png").unlink()  # so line 1 is parsed again
    refused = toy_scene(1).model_dump_json().encode()
    monkeypatch.setattr(
        "comco.runner.tasks.parse_line",
        lambda raw: "invalid spec: refused" if raw == refused else parse_line(raw),
    )
    known = folder.read_info()
    assert known is not None
    scan = scene_tasks(
        specs, folder, RejectedLog(folder.rejected), None, known_facts=known.spec_facts
    )
    assert scan.tasks == [] and (scan.finished, scan.specs) == (2, 2)
    assert [(r["key"], r["reason"]) for r in _rejected(out)] == [
        ("line:1", "invalid spec: refused")
    ]


def test_a_resume_with_a_changed_spec_is_refused_and_changes_nothing(
    tmp_path: Path, library: Path
) -> None:
    out, specs = _dataset(tmp_path, library)
    first = run(_config(specs, out, library))  # records what each id was rendered from
    assert first["already_done"] == 3 and first["rendered"] == 0
    before = _files(out)
    changed = toy_scene(1, size=96, samples=8).model_copy(update={"seed": 99})
    _write_specs(specs, [toy_scene(0), changed, toy_scene(2)])
    with pytest.raises(RunError) as error:
        run(_config(specs, out, library))
    message = str(error.value)
    assert "\n" not in message
    assert f"specs: {specs} line 2: spec 'toy0001' differs from the one {out}" in message
    assert "give a changed spec a new id, or render into a new folder" in message
    assert _files(out) == before
    # the same specs plus a new id: the new one is to do, nothing is refused
    _write_specs(specs, [toy_scene(i) for i in range(4)])
    folder = DatasetFolder(out)
    tasks, finished, _, _ = scene_tasks(specs, folder, RejectedLog(folder.rejected), None)
    assert [t.key for t in tasks] == ["3:toy0003"] and finished == 3
    with pytest.raises(SpecsChanged):  # and the new id is known from now on
        _write_specs(specs, [*(toy_scene(i) for i in range(3)), toy_scene(3, size=96)])
        scene_tasks(specs, folder, RejectedLog(folder.rejected), None)


def test_resume_renders_again_what_it_cannot_trust(tmp_path: Path, library: Path) -> None:
    out, specs = _dataset(tmp_path, library, count=4)
    folder = DatasetFolder(out)
    images = folder.images / "00000"
    # no completion record yet (as after a kill before it, or an older runner): checked whole
    (images / "toy0000.json").write_text((images / "toy0000.json").read_text()[:200])
    (images / "toy0001.png").write_bytes(b"")
    good = _files(out)
    tasks, finished, _, _ = scene_tasks(specs, folder, RejectedLog(folder.rejected), None)
    assert [t.key for t in tasks] == ["0:toy0000", "1:toy0001"] and finished == 2
    assert not (images / "toy0000.json").exists() and not (images / "toy0001.json").exists()
    now = _files(out)
    for name in ("toy0002.png", "toy0002.json", "toy0003.png", "toy0003.json"):
        assert now[f"images/00000/{name}"] == good[f"images/00000/{name}"], name
    recorded = CompletionLog(folder.completed).sizes
    assert set(recorded) == {"2:toy0002", "3:toy0003"}
    # recorded now: a file gone is found from the shard's listing, and its pair made again
    (images / "toy0003.png").unlink()
    tasks, finished, _, _ = scene_tasks(specs, folder, RejectedLog(folder.rejected), None)
    assert [t.key for t in tasks] == ["0:toy0000", "1:toy0001", "3:toy0003"] and finished == 1
    assert not (images / "toy0003.json").exists()
    assert (images / "toy0002.json").read_bytes() == good["images/00000/toy0002.json"]


def test_readers_name_a_damaged_image_in_one_line(tmp_path: Path, library: Path) -> None:
    out, _ = _dataset(tmp_path, library)
    png = out / "images" / "00000" / "toy0001.png"
    png.write_bytes(b"")
    with pytest.raises(DatasetError) as error:
        list(DatasetFolder(out).iter_images())
    message = str(error.value)
    assert "\n" not in message and f"{png}: not a PNG image (0 bytes read" in message


def test_an_id_too_long_for_a_file_is_rejected_once_and_the_run_goes_on(
    tmp_path: Path, library: Path
) -> None:
    out, specs = _dataset(tmp_path, library)
    long_id = toy_scene(3).model_copy(update={"id": "x" * 245})
    _write_specs(specs, [*(toy_scene(i) for i in range(3)), long_id])
    summary = run(_config(specs, out, library))
    (record,) = _rejected(out)
    assert record["key"] == "line:3" and record["stage"] == "spec"
    assert record["reason"].startswith("invalid spec: id:") and "\n" not in record["reason"]
    assert summary["already_done"] == 3 and summary["rejected"] == 1
    again = run(_config(specs, out, library))
    assert len(_rejected(out)) == 1 and again["rejected"] == 0 and again["rendered"] == 0


def test_a_scene_that_fails_in_two_runs_is_not_retried_again(tmp_path: Path) -> None:
    path = tmp_path / "rejected.jsonl"
    log = RejectedLog(path)
    log.add("0:a", "worker died", RejectionStage.crash)
    log.add("1:b", "ValueError: nan", RejectionStage.render)
    assert RejectedLog(path).keys == set()  # one failed run: maybe a passing cause
    log.add("0:a", "worker died again", RejectionStage.crash)
    log.add("1:b", "ValueError: nan", RejectionStage.crash)
    assert RejectedLog(path).keys == {"0:a", "1:b"}


def test_the_crash_policy_requeues_once_then_journals(tmp_path: Path) -> None:
    folder = DatasetFolder(tmp_path)
    rejected, stats = RejectedLog(folder.rejected), RunStats()
    ledger = Ledger(rejected, CompletionLog(folder.completed), None, stats)  # type: ignore[arg-type]
    task = Task.of("0:toy0000", toy_scene(0), folder.image(0, "toy0000"))
    crash = Outcome(TaskState.crashed, reason="render worker died or hung")
    assert ledger.settle(task, crash) is True and stats.rejected == 0 and not _rejected(tmp_path)
    assert ledger.settle(task, crash) is False and stats.rejected == 1
    (record,) = _rejected(tmp_path)
    assert record["stage"] == "crash" and record["reason"] == "render worker died or hung"


def test_render_into_a_folder_that_is_not_a_dataset_is_refused(
    tmp_path: Path, library: Path
) -> None:
    out = tmp_path / "mine"
    (out / ".scratch").mkdir(parents=True)
    (out / ".scratch" / "notes.txt").write_text("mine")
    (out / "draft.tmp-1").write_text("mine too")
    before = _files(out)
    specs = _write_specs(tmp_path / "specs.jsonl", [toy_scene(0)])
    with pytest.raises(RunError) as error:
        run(_config(specs, out, library))
    message = str(error.value)
    assert "\n" not in message
    assert f"out: {out} is not empty and not a dataset folder" in message
    assert "draft.tmp-1" in message and "render into a new or empty folder" in message
    assert _files(out) == before and not (out / ".lock").exists()


def test_a_resume_deletes_only_the_temporaries_the_runner_names(
    tmp_path: Path, library: Path
) -> None:
    out, specs = _dataset(tmp_path, library)
    shard = out / "images" / "00000"
    ours = [temp_path(shard / "toy0001.json", "7"), temp_path(out / "dataset.json", "7")]
    theirs = [shard / "notes.tmp-1", out / "draft.tmp-2", out / "images" / "readme.tmp-3"]
    for path in [*ours, *theirs]:
        path.write_text("x")
    summary = run(_config(specs, out, library))
    assert summary["stray_temp_files_removed"] == 2
    assert not any(p.exists() for p in ours) and all(p.read_text() == "x" for p in theirs)


def test_an_empty_specs_file_says_so_on_one_line(tmp_path: Path, library: Path) -> None:
    specs = tmp_path / "specs.jsonl"
    specs.write_text("")
    out = tmp_path / "out"
    args = ["render", "--specs", str(specs), "--out", str(out), "--library", str(library)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last == f"Error: specs: {specs} holds no spec lines; nothing rendered"
    assert not (out / "rejected.jsonl").exists()


def test_the_summary_counts_specs_rejected_at_parse_time(tmp_path: Path, library: Path) -> None:
    specs = tmp_path / "specs.jsonl"
    specs.write_text('{"id": "broken"}\n{"id": "also-broken"}\n')
    summary = run(_config(specs, tmp_path / "out", library))
    assert summary["rejected"] == 2 == summary["rejected_total"]
    again = run(_config(specs, tmp_path / "out", library))
    assert again["rejected"] == 0 and again["rejected_before"] == 2


@pytest.mark.blender
@requires_bpy
def test_damaged_files_are_named_then_rendered_again_with_the_same_pixels(
    tmp_path: Path, library: Path
) -> None:
    specs = _write_specs(tmp_path / "specs.jsonl", [toy_scene(i) for i in range(3)])
    out = tmp_path / "out"
    assert run(_config(specs, out, library))["rendered"] == 3
    shard = out / "images" / "00000"
    first = {p.name: p.read_bytes() for p in shard.iterdir()}
    (shard / "toy0000.json").write_text(first["toy0000.json"].decode()[:100])
    (shard / "toy0001.png").write_bytes(b"")
    # a resume lists folders, it does not read files: the readers name what is damaged
    with pytest.raises(DatasetError, match=r"toy0000\.json"):
        list(DatasetFolder(out).iter_images())
    (shard / "toy0000.json").unlink()
    (shard / "toy0001.png").unlink()
    summary = run(_config(specs, out, library))
    assert (summary["already_done"], summary["rendered"]) == (1, 2)
    assert {n: (shard / n).read_bytes() for n in ("toy0000.png", "toy0001.png")} == {
        n: first[n] for n in ("toy0000.png", "toy0001.png")
    }
    assert (shard / "toy0002.json").read_bytes() == first["toy0002.json"]
    assert len(list(DatasetFolder(out).iter_images())) == 3


# A run's writes (fake renders, through the runner's `finish` and completion record), killed
# by SIGKILL at its `kill_at`-th rename or journal append.
CRASHING_RUN = """
import os, signal, sys
from pathlib import Path
from tests.support.fake_render import fake_render
from comco.assets.toy_library import toy_scene
from comco.dataset.folder import DatasetFolder
from comco.runner.append_log import AppendLog
from comco.runner.completion import CompletionLog, pair_problem
from comco.runner.journal import RejectedLog
from comco.runner.tasks import Task

out, kill_at, sha = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
calls = 0

def planted(write):
    def crash_point(*args, **kwargs):
        global calls
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return write(*args, **kwargs)
    return crash_point

os.replace = planted(os.replace)
AppendLog.extend = planted(AppendLog.extend)
folder = DatasetFolder(out)
rejected, completed = RejectedLog(folder.rejected), CompletionLog(folder.completed)
for i in range(4):
    task = Task.of(f"{i}:toy{i:04d}", toy_scene(i), folder.image(i, f"toy{i:04d}"))
    if fake_render(task, folder, rejected, sha):
        completed.add(task)
"""


def test_after_a_kill_at_any_write_resume_finds_what_the_files_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = _write_specs(tmp_path / "specs.jsonl", [toy_scene(i) for i in range(4)])
    root = Path(__file__).resolve().parents[1]
    points = sorted(random.Random(7).sample(range(1, 13), 6))  # 4 scenes x (PNG, JSON, record)
    facts = SpecFacts.of([toy_scene(0)])  # what dataset.json holds (all toy scenes alike)
    for kill_at in points:
        folder = DatasetFolder(tmp_path / f"out-{kill_at}")
        folder.root.mkdir()
        scene_tasks(specs, folder, RejectedLog(folder.rejected), None)  # records the digests
        command = [sys.executable, "-c", CRASHING_RUN, str(folder.root), str(kill_at), "ab" * 32]
        result = subprocess.run(command, cwd=root, capture_output=True, text=True)
        assert result.returncode == -signal.SIGKILL, result.stderr
        tasks = [
            Task.of(f"{i}:toy{i:04d}", toy_scene(i), folder.image(i, f"toy{i:04d}"))
            for i in range(4)
        ]
        on_disk = {t.key for t in tasks if pair_problem(t) is None}
        recorded = set(CompletionLog(folder.completed).sizes)
        assert recorded <= on_disk and len(on_disk - recorded) <= 1, kill_at
        parsed = _count_parses(monkeypatch)
        todo, finished, _, _ = scene_tasks(
            specs, folder, RejectedLog(folder.rejected), None, known_facts=facts
        )
        assert {t.key for t in tasks} - {t.key for t in todo} == on_disk, kill_at
        assert finished == len(on_disk) and set(CompletionLog(folder.completed).sizes) == on_disk
        assert len(parsed) == 4 - len(recorded), kill_at  # a recorded scene is not parsed
