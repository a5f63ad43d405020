"""Messages between the runner and a render worker (one JSON object per line).

The worker is a subprocess (`python -m comco.render.worker`) rather than a multiprocessing
child: a Blender crash (segfault, out of memory) then ends only that process and shows up
as EOF plus an exit code, Blender's C-level prints cannot corrupt the channel (the worker
moves them to stderr and answers on a private copy of stdout), and nothing of the parent
(threads, tqdm, pydantic caches) has to be pickled or re-imported by spawn. Pixels do not
travel in the messages: the worker leaves the image, the index pass and an .npz of arrays
at paths the runner chose, and answers with a short JSON line.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from comco.core.spec import SceneSpec

GPU_BACKENDS = ("OPTIX", "CUDA", "HIP", "METAL")
DEVICE_CHOICES = ("auto", *GPU_BACKENDS, "CPU")


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Ready(_Message):
    """First line a worker prints once its scene and device are set up."""

    event: str = "ready"
    device: str
    blender_version: str
    pid: int


class Job(_Message):
    """Render `spec`; write the image to `image` in `image_format`, move the index pass to
    `index` and write the arrays to `arrays` (all temp names). "IRIS" (SGI, Blender's
    cheapest writer) lets the caller encode the PNG while the worker renders its next job
    (`comco.runner.png`)."""

    spec: SceneSpec
    image: str
    index: str
    arrays: str
    image_format: Literal["PNG", "IRIS"] = "PNG"


class Done(_Message):
    """Answer to one job. On success the job's `index` file holds the instance-index pass,
    an uncompressed one-channel EXR (`comco.annotate.exr.read_index`: (H, W) ids, object i has id
    i+1, 0 is background), and its `arrays` file holds `silhouettes` (k, H, W) bool masks of
    each object alone, kept only where another object can show (elsewhere False: they cannot
    count as occlusion, see `comco.annotate.silhouette`), and `boxes` (k, 4) float projected vertex
    boxes.
    `seconds` is the worker's time for the job, `stages` its split by stage."""

    ok: bool
    seconds: float = 0.0
    error: str | None = None
    stages: dict[str, float] = Field(default_factory=dict)
