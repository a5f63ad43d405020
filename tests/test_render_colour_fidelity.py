"""Known answers on the real library: a red, a yellow and a grey object, rendered by Cycles on
CPU, read as their names when measured from their own masks (against the albedo and the
colour-naming model, not against other renders)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.support.cpu_worker import cpu_worker
from tests.support.worker_files import job_in

from comco.annotate.colour_fidelity import colour_fidelity
from comco.annotate.colour_gate import measure_colours
from comco.annotate.exr import read_index
from comco.core.attributes import AttributeSetup, load_attributes
from comco.core.spec import Camera, RenderSettings, SceneSpec
from comco.sampling.sampler import SamplerConfig, sample_scene
from support.real_library import LIBRARY, REAL_RENDER_MARKS

pytestmark = REAL_RENDER_MARKS


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory):
    with cpu_worker(LIBRARY, tmp_path_factory.mktemp("scratch")) as client:
        yield client


def _scenes(word: str) -> list[SceneSpec]:
    """Two ComCO scenes of three objects, every object coloured `word` of clevr8."""
    config = SamplerConfig(
        vocab="comco72",
        objects=3,
        seed=3,
        camera=Camera(width=96, height=96),
        render=RenderSettings(samples=8),
        attributes=AttributeSetup(palette="clevr8", kinds=["color"]),
    )
    linear = load_attributes().palette("clevr8")[word].linear
    scenes = []
    for index in range(2):
        spec = sample_scene(config, index)
        objects = [o.model_copy(update={"color": linear, "color_name": word}) for o in spec.objects]
        scenes.append(spec.model_copy(update={"objects": objects, "id": f"{word}{index}"}))
    return scenes


@pytest.mark.parametrize("word", ["red", "yellow", "gray"])
def test_a_rendered_colour_reads_as_its_name(worker, tmp_path: Path, word: str) -> None:
    labs = []
    for spec in _scenes(word):
        job = job_in(tmp_path, spec, spec.id)
        done = worker.render(job)
        assert done.ok, done.error
        rgb = np.asarray(Image.open(job.image).convert("RGB"))
        index = read_index(Path(job.index))
        masks = [index == i + 1 for i in range(len(spec.objects))]
        labs += [c.lab for c in measure_colours(rgb, masks) if c is not None]
    row = colour_fidelity("clevr8", word, labs)
    assert row.objects >= 4
    assert row.problems() == [], (row.named, row.chroma_kept, row.hue_error_deg)
    if word == "gray":
        assert row.term == "gray"
    else:
        assert row.chroma_kept >= 0.75 and row.hue_error_deg <= 15 and row.term == word
