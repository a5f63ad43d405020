"""The render worker with real bpy on CPU: tiny images (64x64, 4 spp) of the toy shapes."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.support.cpu_worker import cpu_worker
from tests.support.worker_files import job_in

from comco.annotate.exr import read_index
from comco.annotate.silhouette import occlusion_window
from comco.assets.toy_library import build_toy_library, toy_scene
from comco.core.spec import ObjectSpec
from comco.render.worker import SESSION_TMP
from comco.runner.worker_client import WorkerClient, WorkerOptions, WorkerStartError

pytestmark = [
    pytest.mark.blender,
    pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="bpy is not installed"),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("toy-library")
    build_toy_library(folder)
    return folder


@pytest.fixture(scope="module")
def worker(library: Path, tmp_path_factory: pytest.TempPathFactory):
    scratch = tmp_path_factory.mktemp("scratch")
    with cpu_worker(library, scratch) as client:
        yield client


def _render(worker: WorkerClient, spec, folder: Path, name: str) -> tuple[np.ndarray, dict]:
    job = job_in(folder, spec, name)
    done = worker.render(job)
    assert done.ok, done.error
    with np.load(job.arrays) as data:
        arrays = {k: data[k] for k in data.files}
    return np.asarray(Image.open(job.image)), {**arrays, "index": read_index(Path(job.index))}


def _assert_geometry_matches(arrays: dict) -> None:
    """The numpy camera agrees with Cycles: each object's visible pixels lie in its projected
    box, every pixel of its box where another object shows lies in its occlusion window, its
    silhouette covers its visible pixels there, and it is empty outside that window."""
    index = arrays["index"]
    height, width = index.shape
    boxes = [tuple(box) for box in arrays["boxes"]]
    centres_y, centres_x = np.mgrid[0:height, 0:width] + 0.5
    for i, (alone, box) in enumerate(zip(arrays["silhouettes"], boxes, strict=True)):
        visible = index == i + 1
        ys, xs = np.nonzero(visible)
        assert len(xs) and box[0] - 1 <= xs.min() + 0.5 and xs.max() + 0.5 <= box[2] + 1
        assert box[1] - 1 <= ys.min() + 0.5 and ys.max() + 0.5 <= box[3] + 1
        inside = np.zeros_like(alone)
        window = occlusion_window(box, boxes[:i] + boxes[i + 1 :], width, height)
        if window is not None:
            x0, y0, x1, y1 = window
            inside[y0 : y1 + 1, x0 : x1 + 1] = True
        in_box = (box[0] <= centres_x) & (centres_x <= box[2])
        in_box &= (box[1] <= centres_y) & (centres_y <= box[3])
        others = (index != 0) & ~visible
        assert not (others & in_box & ~inside).any(), "another object shows outside the window"
        assert not (alone & ~inside).any(), "silhouette pixels outside the occlusion window"
        assert (visible & inside & ~alone).sum() <= 2, "visible pixels outside the silhouette"


def test_worker_reports_cpu_and_blender_version(worker: WorkerClient) -> None:
    assert worker.ready is not None
    assert worker.ready.device.startswith("CPU") and worker.ready.blender_version == "5.0.1"


def test_render_writes_rgb_and_an_instance_pass_matching_the_silhouettes(
    worker: WorkerClient, tmp_path: Path
) -> None:
    spec = toy_scene(0)
    rgb, arrays = _render(worker, spec, tmp_path, "a")
    assert rgb.shape == (64, 64, 3)
    index = arrays["index"]
    assert set(np.unique(index)) == {0, 1, 2, 3, 4}
    _assert_geometry_matches(arrays)
    boxes = arrays["boxes"]
    assert (boxes[:, :2] > 0).all() and (boxes[:, 2:] < 64).all()
    red = rgb[index == 1].mean(axis=0)  # toy_scene(0) colours the large object red
    assert red[0] > 1.5 * red[1] and red[0] > 1.5 * red[2]


def test_same_spec_gives_same_pixels_and_moving_an_object_changes_them(
    worker: WorkerClient, tmp_path: Path
) -> None:
    spec = toy_scene(1)
    first, _ = _render(worker, spec, tmp_path, "a")
    _render(worker, toy_scene(2), tmp_path, "between")
    again, _ = _render(worker, spec, tmp_path, "b")
    assert (first == again).all()
    moved = spec.model_copy(
        update={
            "objects": [
                spec.objects[0].model_copy(update={"position": (-0.3, 1.2)}),
                *spec.objects[1:],
            ]
        }
    )
    other, _ = _render(worker, moved, tmp_path, "c")
    assert (first != other).any()


def test_objects_of_an_earlier_scene_leave_no_trace(worker: WorkerClient, tmp_path: Path) -> None:
    full = toy_scene(0)
    part = full.model_copy(update={"id": "toy-part", "objects": full.objects[:2]})
    first, _ = _render(worker, part, tmp_path, "part")
    _render(worker, full, tmp_path, "full")
    again, arrays = _render(worker, part, tmp_path, "again")
    assert set(np.unique(arrays["index"])) == {0, 1, 2}
    assert (first == again).all()


def test_repeated_category_gets_its_own_instance(worker: WorkerClient, tmp_path: Path) -> None:
    base = toy_scene(3)
    twin = ObjectSpec(
        category=base.objects[1].category, size_role="small", scale=0.75, position=(1.6, -0.9)
    )
    spec = base.model_copy(update={"allow_repeats": True, "objects": [*base.objects[:2], twin]})
    _, arrays = _render(worker, spec, tmp_path, "twin")
    assert set(np.unique(arrays["index"])) == {0, 1, 2, 3}


def test_unknown_asset_is_an_error_answer_not_a_crash(worker: WorkerClient, tmp_path: Path) -> None:
    spec = toy_scene(0)
    spec = spec.model_copy(
        update={"objects": [spec.objects[0].model_copy(update={"category": "heart"})]}
    )
    done = worker.render(job_in(tmp_path, spec, "x"))
    assert not done.ok and "'heart' has no asset" in (done.error or "")
    assert worker.render(job_in(tmp_path, toy_scene(0), "y")).ok


def test_forced_gpu_without_one_fails_loudly(library: Path, tmp_path: Path) -> None:
    client = WorkerClient(
        WorkerOptions(library=library, scratch=tmp_path, device="CUDA"), tmp_path / "w.log"
    )
    try:
        client.start()
    except WorkerStartError as error:
        assert "no usable GPU for 'CUDA'" in str(error)
    else:
        pytest.skip(f"this machine has a CUDA device: {client.ready}")
    finally:
        client.stop()


def test_wide_image_keeps_the_geometry_camera(worker: WorkerClient, tmp_path: Path) -> None:
    spec = toy_scene(0)
    spec = spec.model_copy(update={"camera": spec.camera.model_copy(update={"width": 96})})
    rgb, arrays = _render(worker, spec, tmp_path, "wide")
    assert rgb.shape == (64, 96, 3)
    _assert_geometry_matches(arrays)


def test_a_killed_worker_leaves_blender_temporaries_only_in_its_scratch(
    library: Path, tmp_path: Path
) -> None:
    scratch = tmp_path / "scratch"
    client = WorkerClient(WorkerOptions(library=library, scratch=scratch, device="CPU"),
                          tmp_path / "w.log")  # fmt: skip
    ready = client.start()
    session = sorted((scratch / SESSION_TMP).glob("blender_*"))
    assert len(session) == 1 and session[0].is_dir()
    system_tmp = Path(tempfile.gettempdir())
    assert not (system_tmp / f"blender_{session[0].name.removeprefix('blender_')}").exists()
    assert client.kill() != 0 and ready.pid
    assert session[0].is_dir()  # Blender could not clean up; the runner's scratch clean-up does
