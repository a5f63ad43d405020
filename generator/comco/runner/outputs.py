"""Turning a worker's output into a kept image + annotation, or a rejection."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

import comco
from comco.annotate import QualityGates, measure, object_annotations, quality_problems
from comco.annotations import CameraAnnotation, ImageAnnotation, RenderInfo
from comco.captions import caption_set, caption_style
from comco.colour_gate import colour_problems, measure_colours
from comco.render.protocol import Done, Ready
from comco.render.studio_settings import FIXED_SETTINGS
from comco.runner.journal import RejectedLog
from comco.runner.layout import write_atomic
from comco.runner.tasks import Task

# The caption style of every annotation the runner writes (recorded in dataset.json).
CAPTION_STYLE = "articles"


def finish(
    task: Task,
    done: Done,
    png_temp: Path,
    arrays: Path,
    ready: Ready,
    library_sha256: str,
    gates: QualityGates,
    rejected: RejectedLog,
) -> bool:
    """Keep the image (PNG first, then its JSON) or record why not; True when kept."""
    spec = task.spec
    if not done.ok:
        png_temp.unlink(missing_ok=True)  # the worker may have written it before failing
        rejected.add(
            task.key,
            done.error or "unknown render error",
            "render",
            id=spec.id,
            spec=spec.model_dump(mode="json"),
        )
        return False
    with np.load(arrays) as data:
        index, silhouettes, boxes = data["index"], data["silhouettes"], data["boxes"]
    measures = measure(index, silhouettes)
    with Image.open(png_temp) as image:
        colours = measure_colours(np.asarray(image.convert("RGB")), [m.mask for m in measures])
    problems = quality_problems(spec, measures, boxes, gates) + (
        colour_problems(spec, colours) if gates.colour else []
    )
    if problems:
        rejected.add(
            task.key, "; ".join(problems), "gate", id=spec.id, spec=spec.model_dump(mode="json")
        )
        png_temp.unlink(missing_ok=True)
        return False
    annotation = ImageAnnotation(
        id=spec.id,
        image=task.png.name,
        width=spec.camera.width,
        height=spec.camera.height,
        spec=spec,
        objects=object_annotations(spec, measures, colours),
        captions=caption_set(
            spec, caption_style(CAPTION_STYLE), areas=[m.visible_area_px for m in measures]
        ),
        camera=CameraAnnotation(
            intrinsics=spec.camera.intrinsics.tolist(),
            camera_to_world=spec.camera.matrix_world.tolist(),
        ),
        render=RenderInfo(
            device=ready.device,
            seconds=round(done.seconds, 4),
            samples=spec.render.samples,
            denoise=spec.render.denoise,
            blender_version=ready.blender_version,
            comco_version=comco.__version__,
            asset_library_sha256=library_sha256,
            settings=FIXED_SETTINGS,
        ),
    )
    os.replace(png_temp, task.png)
    write_atomic(task.annotation, annotation.model_dump_json(indent=1).encode(), str(os.getpid()))
    return True
