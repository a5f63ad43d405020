"""Faster plumbing must not change what is rendered: the same specs give the annotations and
decoded pixels recorded before the throughput work.

`tests/data/toy_annotations_cb63214.json` was written by the code of commit cb63214 (index
pass read back by Blender, whole-image silhouettes, PNG written by `write_still`), running
the same `comco render` on `_specs()`: each image's `objects` (masks as RLE, areas, boxes,
occlusion, ranks) and the sha256 of its decoded RGB pixels; the pixels were recorded again
when the studio moved from the AgX to the Standard view transform and recoloured objects to
half the default specular (so colours read as their names), the annotations were not. Two
of the scenes put a small object in front of the large one, so occlusion is measured, not
just zero. Cycles on CPU
gives the same pixels for the same spec and build on any x86-64 machine it was tried on; a
different Blender build may not, and then this file has to be rewritten from that build.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from comco.assets.toy_library import build_toy_library, toy_scene
from comco.core.spec import SceneSpec
from comco.runner.run import RunConfig, run

pytestmark = [
    pytest.mark.blender,
    pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="bpy is not installed"),
]

RECORDED = Path(__file__).parent / "data" / "toy_annotations_cb63214.json"


def _occluded(index: int) -> SceneSpec:
    """toy_scene(index) with its last small object moved in front of the large one."""
    spec = toy_scene(index)
    last = spec.objects[-1].model_copy(update={"position": (0.1 * (index % 3), -1.25)})
    return spec.model_copy(update={"objects": [*spec.objects[:-1], last], "id": f"occ{index}"})


def _specs() -> list[SceneSpec]:
    return [toy_scene(0), toy_scene(1), *(_occluded(i) for i in range(4))]


def test_annotations_and_pixels_are_those_recorded_before(tmp_path: Path) -> None:
    build_toy_library(tmp_path / "library")
    specs = tmp_path / "specs.jsonl"
    specs.write_text("".join(spec.model_dump_json() + "\n" for spec in _specs()))
    out = tmp_path / "out"
    config = RunConfig(
        specs=specs, out=out, library=tmp_path / "library", device="CPU", gallery=False
    )
    summary = run(config)
    assert summary["rendered"] == 6 and summary["rejected"] == 0
    recorded = json.loads(RECORDED.read_text())
    objects, pixels = {}, {}
    for path in sorted((out / "images").glob("*/*.json")):
        annotation = json.loads(path.read_text())
        objects[annotation["id"]] = annotation["objects"]
        rgb = np.asarray(Image.open(path.with_suffix(".png")))
        pixels[annotation["id"]] = hashlib.sha256(rgb.tobytes()).hexdigest()
    assert any(o["occlusion"] > 0 for image in objects.values() for o in image)
    binding_fields = {
        "color_name",
        "material",
        "measured_srgb",
        "measured_lab",
    }  # the binding fields
    measured = {k: [{f: v for f, v in o.items() if f not in binding_fields} for o in image]
                for k, image in objects.items()}  # fmt: skip
    assert measured == recorded["objects"]
    assert pixels == recorded["pixels"]
