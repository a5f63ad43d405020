"""Colours and materials on the persistent Blender scene (real bpy on CPU, toy shapes)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.support.cpu_worker import cpu_worker
from tests.support.worker_files import job_in

from comco.annotate.colour_gate import measure_colours, nearest_colour
from comco.annotate.exr import read_index
from comco.assets.toy_library import build_toy_library, toy_scene
from comco.core.attributes import load_attributes
from comco.core.spec import SceneSpec
from comco.runner.worker_client import WorkerClient

pytestmark = [
    pytest.mark.blender,
    pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="bpy is not installed"),
]


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory):
    library = tmp_path_factory.mktemp("toy-library")
    build_toy_library(library)
    scratch = tmp_path_factory.mktemp("scratch")
    with cpu_worker(library, scratch) as client:
        yield client


def _render(worker: WorkerClient, spec: SceneSpec, folder: Path, name: str):
    job = job_in(folder, spec, name)
    done = worker.render(job)
    assert done.ok, done.error
    return np.asarray(Image.open(job.image).convert("RGB")), read_index(Path(job.index))


def _with_large(colour: str | None, material: str | None = None) -> SceneSpec:
    spec = toy_scene(1, size=96, samples=8)
    linear = load_attributes().palette("clevr8")[colour].linear if colour else None
    large = spec.objects[0].model_copy(
        update={"color": linear, "color_name": colour, "material": material}
    )
    return spec.model_copy(update={"objects": [large, *spec.objects[1:]]})


@pytest.mark.parametrize("colour", ["red", "blue", "green", "cyan", "purple"])
def test_a_recoloured_object_looks_nearest_to_its_palette_colour(worker, tmp_path, colour):
    rgb, index = _render(worker, _with_large(colour), tmp_path, colour)
    (measured,) = measure_colours(rgb, [index == 1])
    assert nearest_colour(measured.lab, "clevr8")[0] == colour


def test_colours_and_materials_are_reset_between_scenes(worker, tmp_path):
    plain, _ = _render(worker, _with_large(None), tmp_path, "plain")
    red, _ = _render(worker, _with_large("red"), tmp_path, "red")
    metal, index = _render(worker, _with_large("blue", "metal"), tmp_path, "metal")
    rubber, _ = _render(worker, _with_large("blue", "rubber"), tmp_path, "rubber")
    assert (metal != rubber).any()
    grey_metal, _ = _render(worker, _with_large(None, "metal"), tmp_path, "grey-metal")
    (own,) = measure_colours(grey_metal, [index == 1])
    assert max(own.srgb) - min(own.srgb) < 12  # a material alone keeps the object's grey
    assert (_render(worker, _with_large("red"), tmp_path, "red-again")[0] == red).all()
    assert (_render(worker, _with_large(None), tmp_path, "plain-again")[0] == plain).all()
