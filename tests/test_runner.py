"""Render runs end to end: folder, gallery, resume after SIGKILL, crash retries, rejections."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.support.worker_files import job_in

from comco.annotate.annotation import ImageAnnotation
from comco.annotate.measure import QualityGates
from comco.assets.toy_library import build_toy_library, toy_scene
from comco.cli import main
from comco.dataset.folder import DatasetFolder
from comco.dataset.info import FactsTally, SpecFacts
from comco.io.atomic import temp_path
from comco.render.protocol import Done, Ready
from comco.render.stages import Stopwatch
from comco.runner.append_log import JournalError, read_records
from comco.runner.journal import RejectedLog, RejectionStage
from comco.runner.outputs import keep_or_reject
from comco.runner.provenance import DatasetRecord, count_lines
from comco.runner.run import RunConfig, RunError, job_for, run
from comco.runner.tasks import Task, scene_tasks
from comco.runner.worker_client import WorkerClient, WorkerCrashed, WorkerOptions

requires_bpy = pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="no bpy")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("toy-library")
    build_toy_library(folder)
    return folder


def _specs(folder: Path, count: int) -> Path:
    path = folder / "specs.jsonl"
    path.write_text("".join(toy_scene(i).model_dump_json() + "\n" for i in range(count)))
    return path


def _running(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _all_gone(pids: list[int], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not [pid for pid in pids if _running(pid)]:
            return True
        time.sleep(0.1)
    return False


def _config(specs: Path, out: Path, library: Path, **kw) -> RunConfig:
    return RunConfig(specs=specs, out=out, library=library, device="CPU", progress=False, **kw)


def _earlier_run(out: Path, specs: Path, library: Path, library_sha256: str) -> DatasetRecord:
    """The dataset.json an earlier run into `out` left."""
    return DatasetRecord(
        DatasetFolder(out), None, library=library, library_sha256=library_sha256,
        specs_file=specs, facts=SpecFacts.of([toy_scene(0)]), limit=None, caption_style="articles",
        gates=QualityGates(),
    )  # fmt: skip


def _rejected(out: Path) -> list[dict]:
    path = out / "rejected.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def test_rejected_log_drops_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "rejected.jsonl"
    path.write_text('{"key": "0:a", "reason": "r", "stage": "gate"}\n{"key": "1:b", "rea')
    log = RejectedLog(path)
    assert log.keys == {"0:a"}
    log.add("2:c", "why", RejectionStage.render)
    assert [json.loads(line)["key"] for line in path.read_text().splitlines()] == ["0:a", "2:c"]


def test_clean_strays_removes_only_temporary_files(tmp_path: Path) -> None:
    folder = DatasetFolder(tmp_path)
    kept = folder.image(1234, "x")
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"png")
    temp_path(kept.with_suffix(".json"), "7").write_text("{")
    folder.scratch.mkdir()
    assert kept.parent.name == "00001"
    assert folder.clean_strays() == 1
    assert [p.name for p in kept.parent.iterdir()] == ["x.png"] and not folder.scratch.exists()


def test_invalid_and_repeated_specs_are_rejected_with_reasons(
    tmp_path: Path, library: Path
) -> None:
    spec = toy_scene(0).model_dump_json()
    specs = tmp_path / "specs.jsonl"
    specs.write_text('{"id": "broken"}\n')
    summary = run(_config(specs, tmp_path / "out", library, gallery=False))
    records = _rejected(tmp_path / "out")
    assert (
        summary["rendered"] == 0 and records[0]["stage"] == "spec" and records[0]["key"] == "line:0"
    )
    assert "objects" in records[0]["reason"]
    specs.write_text(f'{{"id": "broken"}}\n{spec}\n{spec}\n')
    assert len(RejectedLog(tmp_path / "out" / "rejected.jsonl").keys) == 1
    log = RejectedLog(tmp_path / "out" / "rejected.jsonl")
    scan = scene_tasks(specs, DatasetFolder(tmp_path / "out"), log, None)
    assert [t.key for t in scan.tasks] == ["1:toy0000"] and scan.specs == 1
    assert "repeats line 1" in _rejected(tmp_path / "out")[-1]["reason"]


@pytest.mark.blender
@requires_bpy
def test_run_writes_the_contract_folder_and_a_rerun_does_nothing(
    tmp_path: Path, library: Path
) -> None:
    out = tmp_path / "out"
    summary = run(_config(_specs(tmp_path, 3), out, library, gallery=True))
    # the toy scenes pass every gate; 14 of the 18 simco18 gallery shapes are not toy assets
    assert (summary["rendered"], summary["rejected"]) == (3 + 4, 14)
    assert summary["gallery_rendered"] == 4  # of the 7 rendered
    for line in range(3):
        png = out / "images" / "00000" / f"toy{line:04d}.png"
        annotation = ImageAnnotation.model_validate_json(png.with_suffix(".json").read_text())
        assert png.is_file() and annotation.image == png.name
        assert annotation.render.device.startswith("CPU") and len(annotation.captions.orders) == 24
    galleries = sorted(p.stem for p in (out / "gallery").glob("*.json"))
    assert galleries == ["cone", "cube", "cylinder", "sphere"]
    missing = [r for r in _rejected(out) if r["key"].startswith("gallery:")]
    assert len(missing) == 14 and all(r["stage"] == "asset" for r in missing)
    assert len(summary["missing_assets"]) == 14
    info = json.loads((out / "dataset.json").read_text())
    import bpy  # the runner records the version its workers report

    assert info["blender_version"] == bpy.app.version_string
    assert (
        info["library_path"] == str(library.resolve()) and Path(info["library_path"]).is_absolute()
    )
    assert info["caption_style"] == "articles" and info["specs_lines"] == 3
    gates = info["quality_gates"]
    assert gates["min_visible_px"] is None and gates["min_visible_px_by_resolution"] == {"64x64": 2}
    facts = info["spec_facts"]
    assert facts["vocabs"] == ["simco18"] and facts["count"] == 3
    assert facts["object_counts"] == [4] and facts["resolutions"] == ["64x64"]
    assert facts["seed_min"] <= facts["seed_max"] and len(facts["render_settings"]) == 1
    assert info["started"] <= info["finished"] and info["devices"][0].startswith("CPU")
    again = run(_config(out.parent / "specs.jsonl", out, library, gallery=True))
    assert again["rendered"] == again["rejected"] == 0 and again["workers"] == 0
    rerun = json.loads((out / "dataset.json").read_text())
    assert rerun["started"] == info["started"] and rerun["devices"] == info["devices"]
    assert rerun["blender_version"] == info["blender_version"]


@pytest.mark.blender
@requires_bpy
def test_a_spec_that_kills_its_worker_twice_is_rejected(tmp_path: Path, library: Path) -> None:
    out = tmp_path / "out"
    summary = run(_config(_specs(tmp_path, 1), out, library, gallery=False, job_timeout_s=0.05))
    (record,) = _rejected(out)
    assert (
        summary["rejected"] == 1
        and record["stage"] == "crash"
        and "died or hung" in record["reason"]
    )
    assert not list(out.glob("images/*/*"))


@pytest.mark.blender
@requires_bpy
def test_sigkill_midway_then_resume_loses_and_repeats_nothing(
    tmp_path: Path, library: Path
) -> None:
    count, out = 14, tmp_path / "out"
    specs = _specs(tmp_path, count)
    command = [
        sys.executable,
        "-c",
        "from comco.cli import main; main()",
        "render",
        "--specs",
        str(specs),
    ]
    command += [
        "--out",
        str(out),
        "--library",
        str(library),
        "--device",
        "CPU",
        "--no-gallery",
        "--quiet",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.glob("images/*/*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    logs = "".join(p.read_text() for p in (out / "logs").glob("*.log"))
    pids = [int(pid) for pid in re.findall(r"comco worker (\d+): rendering", logs)]
    assert pids and _all_gone(pids), "workers outlived the killed runner"
    first = {p.stem for p in out.glob("images/*/*.json")}
    interrupted = json.loads((out / "dataset.json").read_text())
    assert interrupted["finished"] is None and interrupted["blender_version"]
    assert not (out / "summary.json").exists()
    assert 3 <= len(first) < count, "the kill did not land mid-run"
    assert all(out.joinpath("images", "00000", f"{i}.png").is_file() for i in first)
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    summary = json.loads(result.stdout)
    done = {p.stem for p in out.glob("images/*/*.json")}
    rejected = [r["id"] for r in _rejected(out)]
    assert len(rejected) == len(set(rejected)) and not (done & set(rejected))
    assert done | set(rejected) == {f"toy{i:04d}" for i in range(count)}
    assert summary["already_done"] + summary["rendered"] + summary["rejected"] == count
    assert summary["rendered"] <= count - len(first)
    leftovers = [p.name for p in out.rglob("*") if p.is_file() and ".tmp-" in p.name]
    assert leftovers == [] and not list(out.glob("images/*/*.npz"))
    for png in out.glob("images/*/*.png"):
        assert png.stem in done


@pytest.mark.blender
@requires_bpy
def test_workers_are_recycled_after_the_configured_number_of_images(
    tmp_path: Path, library: Path
) -> None:
    out = tmp_path / "out"
    summary = run(_config(_specs(tmp_path, 2), out, library, gallery=False, recycle_after=1))
    assert summary["rendered"] == 2
    starts = (out / "logs" / "worker-0.log").read_text().count(": rendering on CPU")
    assert starts == 2


def test_a_folder_rendered_with_another_library_is_refused(tmp_path: Path, library: Path) -> None:
    out, specs = tmp_path / "out", _specs(tmp_path, 1)
    _earlier_run(out, specs, library, "0123")
    with pytest.raises(RunError, match="asset library 0123"):
        run(_config(specs, out, library))


def test_rejected_log_writes_whole_lines_through_short_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
    log = RejectedLog(tmp_path / "rejected.jsonl")
    log.add("0:a", "a reason longer than seven bytes", RejectionStage.gate)
    log.add("1:b", "another", RejectionStage.gate)
    monkeypatch.undo()
    assert RejectedLog(tmp_path / "rejected.jsonl").keys == {"0:a", "1:b"}


def test_a_damaged_line_before_the_last_is_named_not_skipped(tmp_path: Path, library: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    record = '{"key": "%s", "stage": "gate"}\n'
    (out / "rejected.jsonl").write_text(record % "0:a" + "not json\n" + record % "2:c")
    with pytest.raises(RunError, match=r"rejected.jsonl:2: not a rejection record"):
        run(_config(_specs(tmp_path, 1), out, library))


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (['{"key": "a"}', "", '{"key": "b"}'], ["a", "b"]),  # a blank line is skipped
        (['{"key": "a"}', '{"key": "b"}, {"key": "c"}'], 2),  # two records on a line: damaged
        (['{"key": "a"}', '{"id": "b"}'], 2),  # no key
        (['{"key": "a"}', "[1]"], 2),
    ],
)
@pytest.mark.parametrize("chunk_bytes", [1 << 22, 8])  # one chunk, or a line per chunk
def test_journal_lines_are_read_as_lines(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lines: list[str],
    expected: list[str] | int,
    chunk_bytes: int,
) -> None:
    monkeypatch.setattr("comco.runner.append_log.CHUNK_BYTES", chunk_bytes)
    path = tmp_path / "completed.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    if isinstance(expected, int):
        with pytest.raises(JournalError, match=f"completed.jsonl:{expected}: not a record"):
            read_records(path, "record")
    else:
        assert [r["key"] for r in read_records(path, "record")] == expected


def test_clean_strays_removes_temporary_run_files_in_the_root(tmp_path: Path) -> None:
    folder = DatasetFolder(tmp_path)
    temp_path(folder.info_file, "run").write_text("{")
    temp_path(folder.summary, "run").write_text("{")
    folder.info_file.write_text("{}")
    assert folder.clean_strays() == 2
    assert [p.name for p in tmp_path.iterdir()] == ["dataset.json"]


def test_a_second_run_into_a_busy_folder_is_refused(tmp_path: Path, library: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    busy = rf"in use by another render run \(pid {os.getpid()}\)"
    with DatasetFolder(out).exclusive(), pytest.raises(RunError, match=busy):
        run(_config(_specs(tmp_path, 1), out, library))
    with DatasetFolder(out).exclusive():  # released, and free again after the holder closed it
        pass


def test_a_failed_render_leaves_no_temporary_file(tmp_path: Path) -> None:
    spec = toy_scene(0)
    task = Task.of("0:toy0000", spec, tmp_path / "toy0000.png")
    job = job_for(task, tmp_path / "slot0-1", "0")
    for written in (job.image, job.index, job.arrays):  # a worker that failed half-way
        Path(written).write_bytes(b"half a file")
    log = RejectedLog(tmp_path / "rejected.jsonl")
    ready = Ready(device="CPU", blender_version="5.0.1", pid=1)
    done = Done(ok=False, error="ValueError: boom")
    kept = keep_or_reject(task, done, job, ready, "sha", QualityGates(), log, Stopwatch())
    assert not kept and sorted(p.name for p in tmp_path.iterdir()) == ["rejected.jsonl"]
    (record,) = _rejected(tmp_path)
    assert record["key"] == "0:toy0000" and record["stage"] == "render"


def _fake_worker(tmp_path: Path, script: str, timeout_s: float = 30.0) -> WorkerClient:
    """A WorkerClient talking to a stand-in process instead of a Blender worker."""
    options = WorkerOptions(library=tmp_path, scratch=tmp_path, job_timeout_s=timeout_s)
    client = WorkerClient(options, tmp_path / "worker.log")
    client.process = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    return client


@pytest.mark.parametrize(
    "script",
    [
        "import sys; sys.stdin.readline(); print('{\"ok\": tr', end='', flush=True)",
        "import sys; sys.stdin.readline(); print('progress 10%', flush=True)",
    ],
    ids=["died-mid-line", "not-a-done-message"],
)
def test_a_cut_or_foreign_answer_is_a_crash_not_a_run_error(tmp_path: Path, script: str) -> None:
    client = _fake_worker(tmp_path, script)
    with pytest.raises(WorkerCrashed, match="toy0000"):
        client.render(job_in(tmp_path, toy_scene(0), "x"))
    assert client.process is None


def test_a_hung_worker_is_killed_at_its_timeout(tmp_path: Path) -> None:
    client = _fake_worker(tmp_path, "import time; time.sleep(60)", timeout_s=0.5)
    pid = client.process.pid
    began = time.monotonic()
    with pytest.raises(WorkerCrashed, match="died or hung"):
        client.render(job_in(tmp_path, toy_scene(0), "x"))
    assert time.monotonic() - began < 5 and not _running(pid)


@pytest.mark.blender
@requires_bpy
def test_a_folder_rendered_with_another_blender_is_refused(tmp_path: Path, library: Path) -> None:
    out, specs = tmp_path / "out", _specs(tmp_path, 1)
    sha = json.loads((library / "manifest.json").read_text())["library_sha256"]
    _earlier_run(out, specs, library, sha).note_worker("CPU", "1.0.0")
    with pytest.raises(RunError, match=r"rendered with Blender 1\.0\.0, but the worker runs"):
        run(_config(specs, out, library, gallery=False))
    assert not list(out.glob("images/*/*.png"))


def test_a_resumed_run_retries_crashes_and_worker_errors_but_not_final_rejections(
    tmp_path: Path,
) -> None:
    specs, folder = _specs(tmp_path, 4), DatasetFolder(tmp_path / "out")
    folder.root.mkdir()
    log = RejectedLog(folder.rejected)
    for line, stage in enumerate(("crash", "render", "gate")):
        log.add(f"{line}:toy{line:04d}", "why", RejectionStage(stage))
    assert log.keys == {"2:toy0002"}
    tasks, finished, _, _ = scene_tasks(specs, folder, RejectedLog(folder.rejected), None)
    assert [t.key for t in tasks] == ["0:toy0000", "1:toy0001", "3:toy0003"] and finished == 1


@pytest.mark.parametrize(
    ("data", "lines"), [(b"", 0), (b"a", 1), (b"a\n", 1), (b"a\nb", 2), (b"\n\n", 2)]
)
def test_count_lines_counts_a_last_line_without_newline(
    tmp_path: Path, data: bytes, lines: int
) -> None:
    path = tmp_path / "specs.jsonl"
    path.write_bytes(data)
    assert count_lines(path) == lines


def test_spec_facts_are_the_distinct_sampler_choices() -> None:
    specs = [toy_scene(0), toy_scene(5, size=96, samples=8), toy_scene(2)]
    facts = SpecFacts.of(specs)
    assert facts.count == 3 and facts.vocabs == ["simco18"]
    assert facts.object_counts == [4] and facts.large_counts == [1]
    assert (facts.seed_min, facts.seed_max) == (0, 5)
    assert facts.resolutions == ["64x64", "96x96"]
    assert sorted(r.samples for r in facts.render_settings) == [4, 8]


def test_spec_facts_merge_into_those_of_both_groups() -> None:
    earlier = [toy_scene(3), toy_scene(5, size=96, samples=8)]
    later = [toy_scene(0), toy_scene(7, size=128)]
    tally = FactsTally()
    tally.merge(SpecFacts.of(earlier))
    for spec in later:
        tally.add(spec)
    assert tally.facts(4) == SpecFacts.of(earlier + later)
    assert (tally.facts(4).seed_min, tally.facts(4).seed_max) == (0, 7)


def test_a_run_that_renders_nothing_exits_non_zero_naming_the_journal(
    tmp_path: Path, library: Path
) -> None:
    specs = tmp_path / "specs.jsonl"
    specs.write_text('{"id": "broken"}\n{"id": "also-broken"}\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["render", "--specs", str(specs), "--out", str(out), "--library", str(library)]
    )
    assert result.exit_code == 1
    assert f"nothing rendered: 2 specs rejected (reasons in {out / 'rejected.jsonl'})" in (
        result.output
    )


def test_a_library_file_that_differs_from_its_manifest_is_named_before_rendering(
    tmp_path: Path, library: Path
) -> None:
    damaged = tmp_path / "library"
    shutil.copytree(library, damaged)
    (damaged / "cone.glb").write_bytes(b"not the built mesh")
    with pytest.raises(RunError, match=r"cone\.glb differs from the manifest; rebuild it with"):
        run(_config(_specs(tmp_path, 1), tmp_path / "out", damaged, gallery=False))
    assert not (tmp_path / "out" / "logs").exists()  # no worker was started


def test_a_task_holds_its_spec_line_not_a_parsed_spec(tmp_path: Path) -> None:
    # the driver holds every task of a run: its spec stays the bytes it was validated from
    lines = [toy_scene(i).model_dump_json(indent=1 if i else None) for i in range(2)]
    specs = tmp_path / "specs.jsonl"
    specs.write_text("".join(line.replace("\n", " ") + "\n" for line in lines))
    folder = DatasetFolder(tmp_path / "out")
    folder.root.mkdir()
    scan = scene_tasks(specs, folder, RejectedLog(folder.rejected), None)
    assert [t.spec_json for t in scan.tasks] == [
        line.replace("\n", " ").encode().strip() for line in lines
    ]
    for i, task in enumerate(scan.tasks):
        assert not any(isinstance(v, type(task.spec)) for v in vars(task).values())
        assert task.spec == toy_scene(i) and task.categories == tuple(toy_scene(i).categories)
