"""What a run has to do: one task per spec line (or gallery category), with its output paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from comco.core.catalog import asset_shape, load_vocabulary
from comco.core.errors import describe_validation_error
from comco.core.spec import ObjectSpec, SceneSpec, SizeRole, largest_fitting_scale
from comco.dataset.folder import DatasetFolder
from comco.runner.journal import RejectedLog, RejectionStage

GALLERY_SCALE_M = 3.0


@dataclass
class Task:
    """One image to render: its spec, where it goes, and how often it crashed a worker."""

    key: str
    spec: SceneSpec
    png: Path
    crashes: int = field(default=0, compare=False)

    @property
    def annotation(self) -> Path:
        return self.png.with_suffix(".json")

    @property
    def done(self) -> bool:
        return self.annotation.is_file()


def scene_tasks(
    specs_file: Path, folder: DatasetFolder, rejected: RejectedLog, limit: int | None
) -> tuple[list[Task], list[SceneSpec], int]:
    """Tasks for the spec lines not yet done or rejected, all valid specs, and how many lines
    were already finished. Invalid lines and repeated ids are recorded as rejected here."""
    tasks, specs, finished = [], [], 0
    seen: dict[str, int] = {}
    with open(specs_file) as f:
        for line_index, line in enumerate(f):
            if limit is not None and line_index >= limit:
                break
            if not line.strip():
                continue
            try:
                spec = SceneSpec.model_validate_json(line)
            except ValidationError as error:
                key = f"line:{line_index}"
                if key not in rejected.keys:
                    rejected.add(
                        key,
                        f"invalid spec: {describe_validation_error(error)}",
                        RejectionStage.spec,
                        line=line_index,
                    )
                continue
            key = f"{line_index}:{spec.id}"
            if spec.id in seen:
                if key not in rejected.keys:
                    rejected.add(
                        key,
                        f"id {spec.id!r} repeats line {seen[spec.id]}",
                        RejectionStage.spec,
                        line=line_index,
                        id=spec.id,
                    )
                continue
            seen[spec.id] = line_index
            specs.append(spec)
            task = Task(key=key, spec=spec, png=folder.image(line_index, spec.id))
            if task.done or key in rejected.keys:
                finished += 1
            else:
                tasks.append(task)
    return tasks, specs, finished


def gallery_spec(base: SceneSpec, category: str) -> SceneSpec:
    """One object of `category`, under the camera's aim and as large as the frame allows (at
    most GALLERY_SCALE_M), in the same camera, light, background and render settings as
    `base`."""
    aim = base.camera.look_at
    scale = min(
        GALLERY_SCALE_M,
        largest_fitting_scale(
            (aim[0], aim[1]), base.camera, base.frame_margin_px, asset_shape(category).extents
        ),
    )
    return SceneSpec(
        id=f"gallery-{category}",
        seed=0,
        vocab=base.vocab,
        objects=[
            ObjectSpec(
                category=category,
                size_role=SizeRole.same,
                scale=scale,
                position=(aim[0], aim[1]),
            )
        ],
        frame_margin_px=base.frame_margin_px,
        camera=base.camera,
        light=base.light,
        background=base.background,
        render=base.render,
    )


def gallery_tasks(
    specs: list[SceneSpec], folder: DatasetFolder, rejected: RejectedLog
) -> list[Task]:
    """One task per category of every vocabulary preset the specs use that is not done yet,
    each in the camera, light and render settings of that preset's first spec (a suite that
    mixes SimCO and ComCO gets both galleries, so IOR can score every image)."""
    first_of_preset: dict[str, SceneSpec] = {}
    for spec in specs:
        first_of_preset.setdefault(spec.vocab, spec)
    tasks, seen = [], set()
    for preset, base in first_of_preset.items():
        for category in load_vocabulary().presets[preset]:
            task = Task(
                key=f"gallery:{category}",
                spec=gallery_spec(base, category),
                png=folder.gallery_image(category),
            )
            if category not in seen and not task.done and task.key not in rejected.keys:
                tasks.append(task)
            seen.add(category)
    return tasks
