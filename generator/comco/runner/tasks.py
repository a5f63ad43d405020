"""What a run has to do: one task per spec line (or gallery category), with its output paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from comco.core.catalog import asset_shape, load_vocabulary
from comco.core.errors import describe_validation_error
from comco.core.spec import ObjectSpec, SceneSpec, SizeRole, largest_fitting_scale
from comco.dataset.folder import DatasetFolder
from comco.runner.completion import CompletionLog
from comco.runner.journal import RejectedLog, RejectionStage
from comco.runner.spec_digests import check_and_record, digest

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


def scene_tasks(
    specs_file: Path,
    folder: DatasetFolder,
    rejected: RejectedLog,
    limit: int | None,
    completed: CompletionLog | None = None,
) -> tuple[list[Task], list[SceneSpec], int]:
    """Tasks for the spec lines not yet done or rejected, all valid specs, and how many lines
    were already finished (`completed`, by default the folder's completion records).
    Before anything is written, a spec id the folder knows with other bytes stops it
    (SpecsChanged); then invalid lines (ids too long for a file name among them) and repeated
    ids are recorded as rejected."""
    completed = completed or CompletionLog(folder.completed)
    parsed: list[tuple[int, SceneSpec | str, str]] = []  # line, spec or why not, digest
    with open(specs_file, "rb") as f:
        for line_index, line in enumerate(f):
            if limit is not None and line_index >= limit:
                break
            raw = line.strip()
            if not raw:
                continue
            try:
                spec: SceneSpec | str = SceneSpec.model_validate_json(raw)
            except ValidationError as error:
                spec = f"invalid spec: {describe_validation_error(error)}"
            parsed.append((line_index, spec, digest(raw)))
    seen: dict[str, int] = {}
    problems: dict[int, str] = {}  # valid lines rejected all the same: repeated ids
    for line_index, spec, _ in parsed:
        if isinstance(spec, SceneSpec):
            if spec.id in seen:
                problems[line_index] = f"id {spec.id!r} repeats line {seen[spec.id]}"
            else:
                seen[spec.id] = line_index
    check_and_record(
        folder.spec_digests,
        specs_file,
        [(i, s.id, d) for i, s, d in parsed if isinstance(s, SceneSpec) and i not in problems],
    )
    tasks, specs, finished = [], [], 0
    for line_index, spec, _ in parsed:
        if isinstance(spec, str):
            key = f"line:{line_index}"
            if key not in rejected.keys:
                rejected.add(key, spec, RejectionStage.spec, line=line_index)
            continue
        key = f"{line_index}:{spec.id}"
        if line_index in problems:
            if key not in rejected.keys:
                reason = problems[line_index]
                rejected.add(key, reason, RejectionStage.spec, line=line_index, id=spec.id)
            continue
        specs.append(spec)
        task = Task(key=key, spec=spec, png=folder.image(line_index, spec.id))
        if key in rejected.keys or completed.finished(task):
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
    specs: list[SceneSpec], folder: DatasetFolder, rejected: RejectedLog, completed: CompletionLog
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
            if (
                category not in seen
                and task.key not in rejected.keys
                and not completed.finished(task)
            ):
                tasks.append(task)
            seen.add(category)
    return tasks
