"""Rendered dataset folders made without Blender, through the runner's own code.

Each object is drawn as a flat box where its bounds project (Pillow/numpy), the instance map
and lone silhouettes come from the same drawing, and `comco.runner.outputs.keep_or_reject` turns
them into the PNG + annotation exactly as after a real render: `measure`, the quality gates,
`build_annotation`, atomic writes, and `dataset.json` through `DatasetRecord`. So export, eval
and sheet tests read the runner's real format, not a copy of it.
"""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path

import numpy as np
from PIL import Image
from tests.support.worker_files import write_worker_files

from comco.annotate.measure import QualityGates
from comco.assets.library import AssetRecord, LibraryManifest
from comco.core import geometry
from comco.core.spec import SceneSpec
from comco.dataset.folder import DatasetFolder
from comco.dataset.info import SpecFacts
from comco.io.atomic import write_atomic
from comco.render.protocol import Done, Ready
from comco.render.stages import Stopwatch
from comco.runner.journal import RejectedLog
from comco.runner.outputs import CAPTION_STYLE, keep_or_reject
from comco.runner.provenance import DatasetRecord
from comco.runner.run import job_for
from comco.runner.tasks import Task, gallery_spec

LIBRARY_SHA = "ab" * 32
READY = Ready(device="CPU", blender_version="5.0.1", pid=1)
# keep every drawn object: the fixtures choose their scenes, the gates are tested elsewhere
PERMISSIVE = QualityGates(
    min_visible_px=1, large_factor=0.0, min_border_px=-1e9, colour=False, pattern=False
)


def category_color(category: str) -> tuple[int, int, int]:
    value = zlib.crc32(category.encode())
    return (value & 255, (value >> 8) & 255, (value >> 16) & 255)


def project_box(spec: SceneSpec, i: int) -> tuple[float, float, float, float]:
    obj, camera = spec.objects[i], spec.camera
    corners = geometry.bounding_box_corners(*obj.position, obj.scale)
    px, _ = geometry.project(corners, camera.matrix_world, camera.intrinsics)
    return tuple(float(v) for v in geometry.projected_box(px))


def draw(spec: SceneSpec, only: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """RGB pixels and the instance map (0 background, i+1 object i); far objects first."""
    camera = spec.camera
    rgb = np.full((camera.height, camera.width, 3), 200, np.uint8)
    instances = np.zeros((camera.height, camera.width), np.uint16)
    for i in sorted(range(len(spec.objects)), key=lambda i: -spec.objects[i].position[1]):
        if only is not None and i != only:
            continue
        x0, y0, x1, y1 = (max(0, round(v)) for v in project_box(spec, i))
        rgb[y0:y1, x0:x1] = category_color(spec.objects[i].category)
        instances[y0:y1, x0:x1] = i + 1
    return rgb, instances


def png_bytes(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def fake_render(task: Task, folder: DatasetFolder, rejected: RejectedLog, library_sha: str) -> bool:
    """What a render worker and the runner do for one task, with a drawing for the render."""
    spec = task.spec
    rgb, instances = draw(spec)
    silhouettes = np.stack([draw(spec, only=i)[1] > 0 for i in range(len(spec.objects))])
    boxes = np.array([project_box(spec, i) for i in range(len(spec.objects))])
    folder.scratch.mkdir(parents=True, exist_ok=True)
    job = job_for(task, folder.scratch / "fake", "fake")
    Path(job.image).write_bytes(png_bytes(rgb))
    write_worker_files(job, instances, silhouettes, boxes)
    done = Done(ok=True, seconds=0.5)
    clock = Stopwatch()
    return keep_or_reject(task, done, job, READY, library_sha, PERMISSIVE, rejected, clock)


def fake_library(root: Path, categories: list[str], sha: str = LIBRARY_SHA) -> Path:
    """A library folder with only a manifest and ATTRIBUTION.md (no meshes needed)."""
    root.mkdir(parents=True)
    assets = {
        c: AssetRecord(
            category=c,
            file=f"{c}.glb",
            source="procedural" if c in {"cube", "sphere"} else "debian:test-models",
            source_version="1.0",
            member=f"models/{c}.obj",
            licence="CC0-1.0" if c in {"cube", "sphere"} else "CC-BY-4.0",
            author=f"Author of {c}",
            modelled_in_code=c in {"cube", "sphere"},
            sha256="cd" * 32,
            faces=12,
            dimensions_m=(1.0, 0.5, 0.5),
        )
        for c in categories
    }
    manifest = LibraryManifest(comco_version="0.1.0", library_sha256=sha, assets=assets)
    write_atomic(root / "manifest.json", manifest.model_dump_json())
    write_atomic(root / "ATTRIBUTION.md", "# Asset attribution\n\nthanks to every author\n")
    return root


def fake_rendered_dataset(
    root: Path,
    specs: list[SceneSpec],
    gallery: list[str],
    *,
    library: Path | None = None,
    lines: list[int] | None = None,
    drop_rejected: bool = False,
) -> Path:
    """A finished rendered folder of `specs` (spec i on line `lines[i]` of its specs file, which
    picks its shard) and a gallery of `gallery` categories; a fake library is made beside it
    unless one is given. A scene the gates reject (an object the drawing hides) fails the
    fixture, or with `drop_rejected` is left out as a real run would leave it out."""
    lines = lines or list(range(len(specs)))
    categories = sorted({c for s in specs for c in s.categories} | set(gallery))
    library = library or fake_library(root.parent / f"{root.name}-library", categories)
    sha = json.loads((library / "manifest.json").read_text())["library_sha256"]
    specs_file = root.parent / f"{root.name}-specs.jsonl"
    by_line = dict(zip(lines, specs, strict=True))
    specs_file.write_text(
        "".join(by_line[n].model_dump_json() + "\n" if n in by_line else "\n"
                for n in range(max(lines) + 1))
    )  # fmt: skip
    folder = DatasetFolder(root)
    with folder.exclusive():
        record = DatasetRecord(
            folder,
            None,
            library=library,
            library_sha256=sha,
            specs_file=specs_file,
            facts=SpecFacts.of(specs),
            limit=None,
            caption_style=CAPTION_STYLE,
            gates=PERMISSIVE,
        )
        record.note_worker(READY.device, READY.blender_version)
        rejected = RejectedLog(folder.rejected)
        tasks = [
            Task.of(f"{n}:{s.id}", s, folder.image(n, s.id))
            for n, s in zip(lines, specs, strict=True)
        ]
        tasks += [
            Task.of(f"gallery:{c}", gallery_spec(specs[0], c), folder.gallery_image(c))
            for c in gallery
        ]
        for task in tasks:
            kept = fake_render(task, folder, rejected, sha)
            assert kept or drop_rejected, f"{task.key} was rejected"
        record.mark_finished()
        write_atomic(folder.summary, json.dumps({"specs": len(specs)}))
    return root
