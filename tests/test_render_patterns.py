"""Known answers on the real library, rendered by Cycles on CPU: a patterned object measures
as patterned from its own mask, the same object plain does not (so the gate rejects a plain
render of a patterned spec), its colour pixels still read as its colour, and glass shows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.support.cpu_worker import cpu_worker
from tests.support.worker_files import job_in

from comco.annotate.colour_gate import measure_colours, nearest_colour
from comco.annotate.exr import read_index
from comco.annotate.pattern_gate import colour_masks, measure_pattern, pattern_problems
from comco.core.attributes import AttributeSetup, load_attributes
from comco.core.colour import srgb_to_lab
from comco.core.spec import Camera, RenderSettings, SceneSpec
from comco.sampling.sampler import SamplerConfig, sample_scene
from support.real_library import LIBRARY, REAL_RENDER_MARKS

pytestmark = REAL_RENDER_MARKS

RED = load_attributes().palette("clevr8")["red"].linear


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory):
    with cpu_worker(LIBRARY, tmp_path_factory.mktemp("scratch")) as client:
        yield client


def _orange(**update) -> SceneSpec:
    """A two-object scene whose large object (an orange) is red and carries `update`."""
    config = SamplerConfig(
        vocab="comco72",
        objects=2,
        large=1,
        seed=3,
        camera=Camera(width=96, height=96),
        render=RenderSettings(samples=8),
        attributes=AttributeSetup(palette="clevr8", kinds=["color"]),
    )
    spec = sample_scene(config, 4)
    objects = list(spec.objects)
    assert objects[1].category == "orange"
    objects[1] = objects[1].model_copy(update={"color": RED, "color_name": "red", **update})
    name = "-".join(str(v) for v in update.values()) or "plain"
    return spec.model_copy(update={"objects": objects, "id": f"orange-{name}"})


def _render(worker, spec: SceneSpec, folder: Path) -> tuple[np.ndarray, np.ndarray]:
    job = job_in(folder, spec, spec.id)
    done = worker.render(job)
    assert done.ok, done.error
    rgb = np.asarray(Image.open(job.image).convert("RGB"))
    return rgb, read_index(Path(job.index)) == 2


@pytest.mark.parametrize("pattern", sorted(load_attributes().patterns))
def test_a_patterned_object_measures_as_patterned_and_its_colour_stays_red(
    worker, tmp_path, pattern
):
    spec = _orange(pattern=pattern)
    rgb, mask = _render(worker, spec, tmp_path)
    measured = measure_pattern(rgb, mask, RED)
    assert measured.shows(), measured
    assert [p for p in pattern_problems(spec, rgb, [np.zeros_like(mask), mask])] == []
    _, base = colour_masks(spec, rgb, [np.zeros_like(mask), mask])
    (colour,) = measure_colours(rgb, [base])
    assert nearest_colour(colour.lab, "clevr8")[0] == "red"


def test_a_plain_render_of_a_striped_spec_fails_the_pattern_gate(worker, tmp_path):
    rgb, mask = _render(worker, _orange(), tmp_path)
    assert not measure_pattern(rgb, mask, RED).shows()
    (problem,) = pattern_problems(_orange(pattern="striped"), rgb, [np.zeros_like(mask), mask])
    assert problem.startswith("pattern gate: objects[1] (orange) should look 'striped'")


def test_glass_shows_brighter_highlights_than_matte(worker, tmp_path):
    spread = {}
    for finish in ("glass", "matte"):
        rgb, mask = _render(worker, _orange(finish=finish), tmp_path)
        lightness = srgb_to_lab(rgb[mask].astype(np.float64) / 255.0)[:, 0]
        spread[finish] = np.percentile(lightness, 98) - np.median(lightness)
    assert spread["glass"] > spread["matte"] + 5, spread
