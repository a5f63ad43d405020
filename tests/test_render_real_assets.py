"""Real assets through the whole pipeline: sampled specs, the built library, Cycles on CPU.

Runs where the library is built (`make library`; CI builds it before the tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from comco.annotate.annotation import ImageAnnotation
from comco.core.spec import Camera, RenderSettings
from comco.runner.run import RunConfig, run
from comco.sampling.sampler import SamplerConfig, sample_scenes
from support.real_library import LIBRARY, REAL_RENDER_MARKS

pytestmark = REAL_RENDER_MARKS


def test_sampled_scenes_render_with_exact_annotations(tmp_path: Path) -> None:
    config = SamplerConfig(
        objects=3,
        large=1,
        seed=11,
        camera=Camera(width=96, height=96),
        render=RenderSettings(samples=4, denoise=False),
    )
    specs = tmp_path / "specs.jsonl"
    specs.write_text("".join(s.model_dump_json() + "\n" for s in sample_scenes(config, 3)))
    out = tmp_path / "run"
    run(RunConfig(specs=specs, out=out, library=LIBRARY, device="CPU", progress=False))

    annotations = [
        ImageAnnotation.model_validate_json(p.read_text()) for p in out.glob("images/*/*.json")
    ]
    assert annotations, "every scene was rejected"
    for annotation in annotations:
        pixels = np.asarray(Image.open(out / "images/00000" / annotation.image))
        assert pixels.shape == (96, 96, 3) and pixels.std() > 5
        large = [o for o in annotation.objects if o.size_role == "large"]
        assert large[0].size_rank == 1
        assert [o.category for o in annotation.objects] == annotation.spec.categories
        assert all(o.visible_area_px > 0 for o in annotation.objects)
    gallery = sorted(p.stem for p in (out / "gallery").glob("*.png"))
    assert len(gallery) == 72
