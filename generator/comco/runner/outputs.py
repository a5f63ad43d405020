"""Turning a worker's output into a kept image + annotation, or a rejection."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import comco
from comco.annotate.annotation import RenderInfo, build_annotation
from comco.annotate.colour_gate import colour_problems, measure_colours
from comco.annotate.exr import read_index
from comco.annotate.measure import QualityGates, image_problems, measure, quality_problems
from comco.annotate.pattern_gate import colour_masks, pattern_problems
from comco.captions.plain import caption_style
from comco.io.atomic import write_atomic
from comco.render.protocol import Done, Job, Ready
from comco.render.settings import FIXED_SETTINGS
from comco.render.stages import Stopwatch
from comco.runner.journal import RejectionSink, RejectionStage
from comco.runner.png import encode_png, read_rgb
from comco.runner.tasks import Task

# The caption style of every annotation the runner writes (recorded in dataset.json).
CAPTION_STYLE = "articles"


def keep_or_reject(
    task: Task,
    done: Done,
    job: Job,
    ready: Ready,
    library_sha256: str,
    gates: QualityGates,
    rejected: RejectionSink,
    clock: Stopwatch,
) -> bool:
    """Keep the image (PNG first, then its JSON) or record why not; True when kept.
    The job's files are the worker's image as SGI (`Job.image_format`), index pass and
    arrays; whatever happens, none of them is left behind. `clock` gets the time of reading
    the arrays, annotating, encoding the PNG and writing the JSON."""
    try:
        spec = job.spec  # the task's spec as parsed for the job, not parsed again
        if not done.ok:
            rejected.add(
                task.key,
                done.error or "unknown render error",
                RejectionStage.render,
                id=spec.id,
                spec=spec.model_dump(mode="json"),
            )
            return False
        index = read_index(Path(job.index))
        with np.load(job.arrays) as data:
            silhouettes, boxes = data["silhouettes"], data["boxes"]
        clock.lap("arrays_read")
        measures = measure(index, silhouettes)
        pixels = read_rgb(Path(job.image))
        masks = [m.mask for m in measures]
        colours = measure_colours(pixels, colour_masks(spec, pixels, masks))
        problems = (
            image_problems(pixels, gates.min_spread_levels)
            + quality_problems(spec, measures, boxes, gates)
            + (colour_problems(spec, colours) if gates.colour else [])
            + (pattern_problems(spec, pixels, masks) if gates.pattern else [])
        )
        if problems:
            rejected.add(
                task.key,
                "; ".join(problems),
                RejectionStage.gate,
                id=spec.id,
                spec=spec.model_dump(mode="json"),
            )
            clock.lap("annotate")
            return False
        annotation = build_annotation(
            spec,
            measures,
            image=task.png.name,
            style=caption_style(CAPTION_STYLE),
            colours=colours,
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
        data = annotation.model_dump_json(indent=1)
        clock.lap("annotate")
        encode_png(pixels, task.png)
        clock.lap("png_encode")
        write_atomic(task.annotation, data)
        clock.lap("json_write")
        return True
    finally:
        discard(job)


def discard(job: Job) -> None:
    """Remove the files a job's worker wrote (all temporary; `keep_or_reject` has already
    kept what it needs)."""
    for temporary in (job.image, job.index, job.arrays):
        Path(temporary).unlink(missing_ok=True)
