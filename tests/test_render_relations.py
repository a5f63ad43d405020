"""Relation and count scenes through real renders of real meshes: the relation each scene was
placed for is measured in the render, every measured box lies inside the box the spec
predicts, and count scenes show every counted object.

Runs where the library is built (`make library`; CI builds it before the tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from comco.annotate.annotation import ImageAnnotation
from comco.captions.relations import predicted_geometry
from comco.core.relations import RelationSetup
from comco.core.spec import Camera, RenderSettings
from comco.runner.run import RunConfig, run
from comco.sampling.counting import CountRange
from comco.sampling.relations import requested_sides
from comco.sampling.sampler import SamplerConfig, sample_scenes
from support.real_library import LIBRARY, REAL_RENDER_MARKS

pytestmark = REAL_RENDER_MARKS


def _render(tmp_path: Path, config: SamplerConfig, n: int) -> list[ImageAnnotation]:
    specs = tmp_path / "specs.jsonl"
    specs.write_text("".join(s.model_dump_json() + "\n" for s in sample_scenes(config, n)))
    out = tmp_path / "run"
    run(RunConfig(specs=specs, out=out, library=LIBRARY, device="CPU", gallery=False,
                  progress=False))  # fmt: skip
    return [ImageAnnotation.model_validate_json(p.read_text()) for p in out.glob("images/*/*.json")]


def test_placed_relations_are_measured_in_the_render(tmp_path: Path) -> None:
    config = SamplerConfig(
        objects=3, seed=3, camera=Camera(width=96, height=96),
        render=RenderSettings(samples=1, denoise=False), relations=RelationSetup(),
    )  # fmt: skip
    annotations = _render(tmp_path, config, 4)
    assert len(annotations) == 4
    for annotation in annotations:
        made = annotation.captions.relations
        assert made.boxes == "measured" and made.margin_px == pytest.approx(1.92)
        index = int(annotation.id.rsplit("-", 1)[1])
        wanted = set(requested_sides(config.relations, index).values())
        assert {c.relation for c in made.captions if c.objects == [0, 1]} == wanted
        predicted = predicted_geometry(annotation.spec).boxes
        for obj, (x0, y0, x1, y1) in zip(annotation.objects, predicted, strict=True):
            x, y, w, h = obj.bbox_xywh
            assert x0 - 1 <= x and x + w <= x1 + 1 and y0 - 1 <= y and y + h <= y1 + 1


def test_count_scenes_show_every_counted_object(tmp_path: Path) -> None:
    config = SamplerConfig(
        objects=2, seed=1, camera=Camera(width=96, height=96),
        render=RenderSettings(samples=1, denoise=False), counts=CountRange(low=3, high=4),
    )  # fmt: skip
    annotations = _render(tmp_path, config, 2)
    assert sorted(a.captions.counting.count for a in annotations) == [3, 4]
    for annotation in annotations:
        counted = annotation.captions.counting.objects
        assert all(annotation.objects[i].visible_area_px > 0 for i in counted)
