"""Colour conversions, measured object colours and the colour gate, on planted pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from PIL import Image
from tests.support.worker_files import job_in, write_worker_files

from comco.annotate.annotation import ImageAnnotation
from comco.annotate.colour_gate import (
    MeasuredColour,
    colour_problems,
    measure_colours,
    nearest_colour,
)
from comco.annotate.measure import QualityGates
from comco.core.attributes import (
    RENDERED_PATH,
    AttributeSetup,
    load_attributes,
    rendered_references,
)
from comco.core.colour import delta_e94, linear_to_srgb, srgb_to_lab, srgb_to_linear
from comco.core.spec import Camera
from comco.render.protocol import Done, Ready
from comco.render.stages import Stopwatch
from comco.runner.journal import RejectedLog
from comco.runner.outputs import keep_or_reject
from comco.runner.tasks import Task
from comco.sampling.sampler import SamplerConfig, sample_scene


def test_lab_of_known_srgb_colours():
    assert srgb_to_lab(np.array([1.0, 1.0, 1.0])) == pytest.approx([100.0, 0.0, 0.0], abs=0.01)
    assert srgb_to_lab(np.array([1.0, 0.0, 0.0])) == pytest.approx([53.24, 80.09, 67.20], abs=0.02)
    assert srgb_to_lab(np.array([0.0, 0.0, 0.0])) == pytest.approx([0.0, 0.0, 0.0], abs=0.01)


def test_srgb_transfer_round_trips():
    values = np.linspace(0, 1, 11)
    assert srgb_to_linear(linear_to_srgb(values)) == pytest.approx(values, abs=1e-9)


def test_cie94_counts_lightness_half():
    grey = np.array([50.0, 0.0, 0.0])
    assert delta_e94(grey, grey + np.array([10.0, 0, 0])) == pytest.approx(5.0)
    assert delta_e94(grey, grey + np.array([0, 10.0, 0])) == pytest.approx(10.0)


def test_measured_colour_is_the_mean_of_the_visible_pixels():
    image = np.zeros((4, 4, 3), dtype=np.uint8)
    image[0, :2] = (200, 10, 10)
    image[1, :2] = (100, 30, 10)
    mask = np.zeros((4, 4), dtype=bool)
    mask[:2, :2] = True
    (colour, empty) = measure_colours(image, [mask, np.zeros_like(mask)])
    assert colour.srgb == (150.0, 20.0, 10.0)
    assert colour.lab == pytest.approx(tuple(srgb_to_lab(np.array([150, 20, 10]) / 255)), abs=0.01)
    assert empty is None


def _lab_srgb(lab: np.ndarray) -> MeasuredColour:
    return MeasuredColour(srgb=(0.0, 0.0, 0.0), lab=tuple(float(v) for v in lab))


def test_gate_passes_own_references_and_rejects_another_colour():
    config = SamplerConfig(
        vocab="simco18",
        objects=3,
        seed=0,
        attributes=AttributeSetup(palette="clevr8", kinds=["color"], distinct=True),
    )
    spec = sample_scene(config, 0)
    references = rendered_references("clevr8")
    own = [_lab_srgb(references[o.color_name]) for o in spec.objects]
    assert colour_problems(spec, own) == []
    other = next(n for n in references if n not in {o.color_name for o in spec.objects})
    wrong = [own[0], _lab_srgb(references[other]), own[2]]
    (problem,) = colour_problems(spec, wrong)
    assert problem.startswith("colour gate: objects[1]") and repr(other) in problem
    assert nearest_colour(tuple(references[other]), "clevr8")[0] == other


def test_rendered_references_keep_every_palette_apart():
    for palette in load_attributes().palettes:
        labs = list(rendered_references(palette).values())
        gaps = [float(delta_e94(a, b)) for i, a in enumerate(labs) for b in labs[i + 1 :]]
        assert min(gaps) >= 10.0


def _planted_render(tmp_path, spec, colours: list[str]):
    """The worker's files for an image whose object i is a flat patch of the rendered look
    of colours[i] (image, instance ids, silhouettes, boxes)."""
    size = spec.camera.width
    index = np.zeros((size, size), dtype=np.uint16)
    rgb = np.full((size, size, 3), 190, dtype=np.uint8)
    table = yaml.safe_load(RENDERED_PATH.read_text())["clevr8"]
    for i, name in enumerate(colours):
        rows, cols = slice(20, 32), slice(4 + 20 * i, 16 + 20 * i)
        index[rows, cols] = i + 1
        rgb[rows, cols] = np.round(table[name]["srgb"]).astype(np.uint8)
    job = job_in(tmp_path, spec, f"{spec.id}.tmp")
    Image.fromarray(rgb).save(job.image, format="SGI")
    silhouettes = np.stack([index == i + 1 for i in range(len(colours))])
    boxes = np.array([[4 + 20 * i, 20, 16 + 20 * i, 32] for i in range(len(colours))], float)
    write_worker_files(job, index, silhouettes, boxes)
    return job


@pytest.mark.parametrize("wrong", [False, True])
def test_runner_keeps_true_colours_and_rejects_a_wrong_one_in_rejected_jsonl(tmp_path, wrong):
    config = SamplerConfig(
        vocab="simco18",
        objects=3,
        seed=0,
        camera=Camera(width=64, height=64),
        attributes=AttributeSetup(palette="clevr8", kinds=["color"], distinct=True),
    )
    spec = sample_scene(config, 0)
    colours = [o.color_name for o in spec.objects]
    if wrong:
        colours[1] = next(c for c in rendered_references("clevr8") if c not in colours)
    job = _planted_render(tmp_path, spec, colours)
    task = Task.of(f"0:{spec.id}", spec, tmp_path / f"{spec.id}.png")
    log = RejectedLog(tmp_path / "rejected.jsonl")
    ready = Ready(device="CPU", blender_version="5.0.1", pid=1)
    gates = QualityGates()
    kept = keep_or_reject(task, Done(ok=True), job, ready, "sha", gates, log, Stopwatch())
    if wrong:
        (record,) = [json.loads(line) for line in log.path.read_text().splitlines()]
        assert not kept and record["stage"] == "gate"
        assert record["reason"].startswith("colour gate: objects[1]")
        return
    assert kept
    annotation = ImageAnnotation.model_validate_json(task.annotation.read_text())
    table = yaml.safe_load(RENDERED_PATH.read_text())["clevr8"]
    for obj in annotation.objects:
        assert obj.color_name == spec.objects[obj.index].color_name
        assert obj.measured_srgb == tuple(float(round(c)) for c in table[obj.color_name]["srgb"])
    assert annotation.captions.binding.negatives


@pytest.mark.parametrize("blown_out", [False, True])
def test_the_runner_rejects_a_nearly_uniform_image_at_the_gate(tmp_path, blown_out):
    config = SamplerConfig(vocab="simco18", objects=3, seed=0, camera=Camera(width=64, height=64))
    spec = sample_scene(config, 0)
    job = _planted_render(tmp_path, spec, ["red", "blue", "green"])
    if blown_out:  # what a sun of strength 1e30 gives: every pixel white
        Image.fromarray(np.full((64, 64, 3), 255, np.uint8)).save(job.image, format="SGI")
    task = Task.of(f"0:{spec.id}", spec, tmp_path / f"{spec.id}.png")
    log = RejectedLog(tmp_path / "rejected.jsonl")
    ready = Ready(device="CPU", blender_version="5.0.1", pid=1)
    gates = QualityGates(colour=False)
    kept = keep_or_reject(task, Done(ok=True), job, ready, "sha", gates, log, Stopwatch())
    assert kept is not blown_out
    if blown_out:
        (record,) = [json.loads(line) for line in log.path.read_text().splitlines()]
        assert record["stage"] == "gate" and record["reason"].startswith("image: nearly uniform")
        assert not task.png.exists() and not task.annotation.exists()
