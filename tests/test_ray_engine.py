"""`comco render --engine ray`: same dataset as the local engine, actor and driver kills,
one-line errors. Ray runs privately on 127.0.0.1 and is shut down after the module."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from comco.assets.toy_library import build_toy_library, toy_scene
from comco.cli import main
from comco.io.atomic import temp_path
from comco.runner import ray_engine
from comco.runner.ray_engine import plan_workers
from comco.runner.run import RunConfig, RunError, run
from comco.runner.tasks import Task

pytestmark = pytest.mark.ray  # select with -m ray

has_ray = importlib.util.find_spec("ray") is not None
has_bpy = importlib.util.find_spec("bpy") is not None
requires_ray = pytest.mark.skipif(not has_ray, reason="no ray (pip install -e '.[ray]')")
requires_bpy = pytest.mark.skipif(not has_bpy, reason="no bpy")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("toy-library")
    build_toy_library(folder)
    return folder


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """A private two-CPU Ray for the module, stopped at its end."""
    import ray

    ray.init(
        address="local",
        num_cpus=2,
        object_store_memory=100 * 1024**2,  # chunks of specs and outcomes are small
        _node_ip_address="127.0.0.1",
        include_dashboard=False,
        log_to_driver=False,
    )
    yield
    ray.shutdown()


def _specs(folder: Path, count: int, samples: int = 4) -> Path:
    path = folder / "specs.jsonl"
    path.write_text(
        "".join(toy_scene(i, samples=samples).model_dump_json() + "\n" for i in range(count))
    )
    return path


def _config(specs: Path, out: Path, library: Path, **kw) -> RunConfig:
    return RunConfig(
        specs=specs,
        out=out,
        library=library,
        device="CPU",
        threads=1,
        gallery=False,
        progress=False,
        **kw,
    )


def _rejected(out: Path) -> list[dict]:
    path = out / "rejected.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def _pixels(png: Path) -> np.ndarray:
    return np.asarray(Image.open(png))


def _annotation(path: Path) -> dict:
    """An annotation less what may differ between two runs of the same spec."""
    data = json.loads(path.read_text())
    del data["render"]["seconds"], data["render"]["device"]
    return data


def _check_complete(out: Path, count: int) -> set[str]:
    """Every spec is kept or rejected exactly once, with no temporary file left; the kept."""
    done = {p.stem for p in out.glob("images/*/*.json")}
    rejected = [r["id"] for r in _rejected(out) if r["stage"] != "crash"]
    assert len(rejected) == len(set(rejected)) and not (done & set(rejected))
    assert done | set(rejected) == {f"toy{i:04d}" for i in range(count)}
    assert {p.stem for p in out.glob("images/*/*.png")} == done
    leftovers = [p.name for p in out.rglob("*") if p.is_file() and ".tmp-" in p.name]
    assert leftovers == [] and not (out / ".scratch").exists()
    return done


def _pids(log: Path, pattern: str) -> list[int]:
    return [int(pid) for pid in re.findall(pattern, log.read_text())] if log.is_file() else []


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for(condition, timeout_s: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_plan_workers_fills_the_cluster_or_says_why_not() -> None:
    cluster = {"CPU": 64.0, "GPU": 8.0}
    assert plan_workers(cluster, None, cpus=1, gpus=0.25, tasks=1000) == 32
    assert plan_workers(cluster, 5, cpus=1, gpus=0.5, tasks=1000) == 5
    assert plan_workers(cluster, None, cpus=1, gpus=0.25, tasks=3) == 3
    assert plan_workers({"CPU": 16.0}, None, cpus=4, gpus=0, tasks=100) == 4
    assert plan_workers({"CPU": 2.0, "GPU": 8.0}, None, cpus=1, gpus=0.25, tasks=100) == 2
    with pytest.raises(RunError, match=r"--gpus-per-worker 0.25: the Ray cluster \(0 GPU"):
        plan_workers({"CPU": 16.0}, None, cpus=1, gpus=0.25, tasks=10)
    with pytest.raises(RunError, match=r"--workers 9: .* holds 8 worker"):
        plan_workers(cluster, 9, cpus=1, gpus=1, tasks=10)
    with pytest.raises(RunError, match=r"--threads 4: .* holds 0 worker"):
        plan_workers({"CPU": 2.0}, None, cpus=4, gpus=0, tasks=10)


def test_a_lost_task_leaves_no_temporary_file_behind(tmp_path: Path) -> None:
    task = Task.of("k", toy_scene(0), tmp_path / "images" / "0" / "toy0000.png")
    task.png.parent.mkdir(parents=True)
    strays = [temp_path(task.png, "node-11"), temp_path(task.annotation, "node-12")]
    other = temp_path(tmp_path / "images" / "0" / "toy0001.png", "node-11")
    for path in [*strays, other, task.png]:
        path.write_bytes(b"x")
    ray_engine.remove_temporaries([task])
    assert sorted(p.name for p in task.png.parent.iterdir()) == sorted([other.name, "toy0000.png"])


def _one_line_error(args: list[str], **kw) -> str:
    result = CliRunner().invoke(main, args, **kw)
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.output
    message = result.output.strip()
    assert "\n" not in message, message
    return message


def test_engine_ray_without_ray_says_how_to_install_it(
    tmp_path: Path, library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if not installed
    out = tmp_path / "out"
    args = ["render", "--specs", str(_specs(tmp_path, 1)), "--out", str(out)]
    message = _one_line_error([*args, "--library", str(library), "--engine", "ray"])
    assert "the ray package is not installed" in message and "pip install -e '.[ray]'" in message
    assert not out.exists()


@requires_ray
def test_an_unreachable_address_fails_at_once_on_one_line(tmp_path: Path, library: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "out"
    args = ["render", "--specs", str(_specs(tmp_path, 1)), "--out", str(out), "--engine", "ray"]
    began = time.monotonic()
    message = _one_line_error([*args, "--library", str(library), "--address", f"127.0.0.1:{port}"])
    assert f"--address: no Ray cluster answers at 127.0.0.1:{port}" in message
    assert "ray start --head" in message and time.monotonic() - began < 30
    assert not out.exists(), "the folder was touched before the cluster answered"
    assert "not 'auto' or HOST:PORT" in _one_line_error([*args, "--address", "nowhere"])


def test_ray_options_without_the_ray_engine_are_refused(tmp_path: Path) -> None:
    args = ["render", "--specs", str(_specs(tmp_path, 1)), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(main, [*args, "--address", "auto"])
    assert result.exit_code == 2 and "--address: only used with --engine ray" in result.output
    result = CliRunner().invoke(main, [*args, "--engine", "ray", "--device", "OPTIX"])
    assert result.exit_code == 2 and "--gpus-per-worker: 0 reserves no GPU" in result.output


@requires_ray
def test_a_folder_the_workers_cannot_see_is_a_one_line_error(
    tmp_path: Path, library: Path, local_ray: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the driver leaves its run token where no actor looks, as a node without the share would
    monkeypatch.setattr(ray_engine, "RUN_MARKER", "elsewhere")
    out = tmp_path / "out"
    with pytest.raises(RunError) as error:
        run(_config(_specs(tmp_path, 2), out, library, engine="ray"))
    message = str(error.value)
    assert "\n" not in message and f"out: {out} on Ray node" in message
    assert "is not the driver's dataset folder" in message and "is missing" in message
    assert "mounts at the same path" in message
    assert not list(out.glob("images/*/*"))


@pytest.mark.blender
@requires_ray
@requires_bpy
def test_ray_renders_the_same_dataset_as_the_local_engine(
    tmp_path: Path, library: Path, local_ray: None
) -> None:
    count, specs = 12, _specs(tmp_path, 12)
    ray_out, local_out = tmp_path / "ray", tmp_path / "local"
    summary = run(_config(specs, ray_out, library, engine="ray", workers=2, recycle_after=4))
    run(_config(specs, local_out, library))
    logs = "".join(p.read_text() for p in (ray_out / "logs").glob("worker-ray*.log"))
    assert logs.count(": rendering on CPU") >= 3, "no worker was recycled after 4 images"
    assert summary["engine"] == "ray" and summary["workers"] == 2
    assert summary["rendered"] + summary["rejected"] == count
    (node,) = summary["nodes"].values()
    assert node == {"workers": 2, "rendered": summary["rendered"], "rejected": summary["rejected"]}
    done = _check_complete(ray_out, count)
    assert done == _check_complete(local_out, count) and len(done) >= count - 1
    assert _rejected(ray_out) == _rejected(local_out)
    for png in sorted(ray_out.glob("images/*/*.png")):
        twin = local_out / png.relative_to(ray_out)
        assert np.array_equal(_pixels(png), _pixels(twin)), png.name
        assert _annotation(png.with_suffix(".json")) == _annotation(twin.with_suffix(".json"))
    info = json.loads((ray_out / "dataset.json").read_text())
    assert info["finished"] and info["devices"] == ["CPU (1 threads)"]
    again = run(_config(specs, ray_out, library, engine="ray", workers=2))
    assert again["rendered"] == again["rejected"] == 0 and again["already_done"] == count


@pytest.mark.blender
@requires_ray
@requires_bpy
def test_killed_actor_and_blender_worker_lose_and_double_nothing(
    tmp_path: Path, library: Path, local_ray: None
) -> None:
    count, out = 24, tmp_path / "out"
    specs = _specs(tmp_path, count, samples=32)
    result: dict = {}
    config = _config(specs, out, library, engine="ray", workers=2)
    driver = threading.Thread(target=lambda: result.update(run(config)), daemon=True)
    driver.start()
    actor_log, blender_log = out / "logs" / "worker-ray0.log", out / "logs" / "worker-ray1.log"
    assert _wait_for(
        lambda: (
            _pids(actor_log, r"comco ray actor (\d+)")
            and _pids(blender_log, r"comco worker (\d+): rendering")
            and len(list(out.glob("images/*/*.json"))) >= 2
        )
    )
    (actor,) = _pids(actor_log, r"comco ray actor (\d+)")
    actor_blender = _pids(actor_log, r"comco worker (\d+): rendering")
    (blender,) = _pids(blender_log, r"comco worker (\d+): rendering")
    os.kill(actor, signal.SIGKILL)  # the Ray actor process: its in-flight tasks are lost
    os.kill(blender, signal.SIGKILL)  # a Blender worker inside a live actor: a crash
    before = len(list(out.glob("images/*/*.json")))
    driver.join(timeout=300)
    assert not driver.is_alive() and result, "the run did not finish"
    assert before < count, "the kills did not land mid-run"
    gone = [actor, blender, *actor_blender]
    assert _wait_for(lambda: not any(_running(pid) for pid in gone), 10)
    done = _check_complete(out, count)
    assert result["already_done"] == 0 and result["rendered"] == len(done)
    assert result["rendered"] + result["rejected"] == count
    (node,) = result["nodes"].values()
    assert (node["rendered"], node["rejected"]) == (result["rendered"], result["rejected"])
    assert not [r for r in _rejected(out) if r["stage"] == "crash"], "a crash was not retried"


@pytest.mark.blender
@requires_ray
@requires_bpy
def test_driver_sigkill_then_rerun_resumes_like_a_local_run(tmp_path: Path, library: Path) -> None:
    count, out = 16, tmp_path / "out"
    specs = _specs(tmp_path, count, samples=32)
    command = [sys.executable, "-c", "from comco.cli import main; main()", "render"]
    command += ["--specs", str(specs), "--out", str(out), "--library", str(library)]
    command += ["--engine", "ray", "--workers", "2", "--device", "CPU", "--no-gallery", "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _wait_for(lambda: len(list(out.glob("images/*/*.json"))) >= 3, 180)
    process.send_signal(signal.SIGKILL)
    process.wait()
    logs = "".join(p.read_text() for p in (out / "logs").glob("*.log"))
    pids = [int(pid) for pid in re.findall(r"comco (?:ray actor|worker) (\d+)", logs)]
    began = time.monotonic()
    assert pids and _wait_for(lambda: not any(_running(pid) for pid in pids), 60), (
        "actors or Blender workers outlived the killed driver"
    )
    print(f"actors and workers gone {time.monotonic() - began:.1f} s after the driver's kill")
    first = {p.stem for p in out.glob("images/*/*.json")}
    assert not (out / "summary.json").exists() and 3 <= len(first) < count
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    summary = json.loads(result.stdout)
    done = _check_complete(out, count)
    assert first <= done and summary["already_done"] == len(first)
    assert summary["already_done"] + summary["rendered"] + summary["rejected"] == count
