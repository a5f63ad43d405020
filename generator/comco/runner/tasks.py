"""What a run has to do: one task per spec line (or gallery category), with its output paths."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from pydantic import ValidationError

from comco.core.catalog import asset_shape, load_vocabulary
from comco.core.errors import describe_validation_error
from comco.core.spec import ObjectSpec, SceneSpec, SizeRole, largest_fitting_scale
from comco.dataset.folder import SHARD_SIZE, DatasetFolder
from comco.dataset.info import FactsTally, SpecFacts
from comco.runner.completion import CompletionLog
from comco.runner.journal import RejectedLog, RejectionStage
from comco.runner.spec_digests import SpecDigests, digest

GALLERY_SCALE_M = 3.0


@dataclass
class Task:
    """One image to render: its spec as JSON, the categories it needs, where it goes, and how
    often it crashed a worker. The spec is held as the bytes it was validated from and parsed
    again where it is rendered: a run holds every task from start to end, and a task with a
    pydantic spec took ~10 KB where one with the JSON takes ~1.8 KB (~10 GB against ~1.8 GB
    of the driver at 10^6 tasks; `benchmarks/task_memory.py`)."""

    key: str
    spec_json: bytes
    categories: tuple[str, ...]
    png: Path
    crashes: int = field(default=0, compare=False)

    @classmethod
    def of(cls, key: str, spec: SceneSpec, png: Path, line: bytes | None = None) -> Task:
        """The task of a validated spec; `line`: the bytes it was validated from, if any."""
        spec_json = line if line is not None else spec.model_dump_json().encode()
        return cls(key, spec_json, tuple(sys.intern(c) for c in spec.categories), png)

    @property
    def spec(self) -> SceneSpec:
        """The spec, validated again from its JSON (valid when the task was made)."""
        return SceneSpec.model_validate_json(self.spec_json)

    @property
    def annotation(self) -> Path:
        return self.png.with_suffix(".json")


class SceneScan(NamedTuple):
    """What `scene_tasks` found in a specs file."""

    tasks: list[Task]  # the lines to render
    finished: int  # lines already done (rendered, or rejected for good)
    specs: int  # valid lines with an id of their own
    facts: SpecFacts  # of every spec the folder was given, this file's included


def parse_line(raw: bytes) -> SceneSpec | str:
    """A spec line's spec, or why it is not one."""
    try:
        return SceneSpec.model_validate_json(raw)
    except ValidationError as error:
        return f"invalid spec: {describe_validation_error(error)}"


def scene_tasks(
    specs_file: Path,
    folder: DatasetFolder,
    rejected: RejectedLog,
    limit: int | None,
    completed: CompletionLog | None = None,
    known_facts: SpecFacts | None = None,
) -> SceneScan:
    """Tasks for the spec lines not yet done or rejected (`completed`, by default the
    folder's completion records). Before anything is written, a spec id the folder knows with
    other bytes stops it (SpecsChanged); then invalid lines (ids too long for a file name
    among them) and repeated ids are recorded as rejected.

    A line whose bytes the folder's spec digests know has the recorded id; when that line is
    finished and `known_facts` (the folder's earlier dataset.json) holds its facts, it is not
    parsed at all, so a resume validates only the lines it has to render or has not seen."""
    completed = completed or CompletionLog(folder.completed)
    digests = SpecDigests(folder.spec_digests)
    tally = FactsTally()
    if known_facts is not None:
        tally.merge(known_facts)
    seen: dict[str, int] = {}  # id -> its first line
    unseen: list[tuple[int, str, str]] = []  # (line, id, digest) of bytes with no record
    # (line, key, task or why there is none, id) of the lines to check or reject, in order
    pending: list[tuple[int, str, Task | str, str | None]] = []
    shards: dict[int, Path] = {}  # by number: no path made per line
    finished = 0
    with open(specs_file, "rb") as f:
        for line_index, line in enumerate(f):
            if limit is not None and line_index >= limit:
                break
            raw = line.strip()
            if not raw:
                continue
            value = digest(raw)
            spec_id = digests.ids.get(value)
            spec: SceneSpec | str | None = None
            if spec_id is None:
                spec = parse_line(raw)
                if isinstance(spec, str):
                    pending.append((line_index, f"line:{line_index}", spec, None))
                    continue
                spec_id = spec.id
            key = f"{line_index}:{spec_id}"
            if spec_id in seen:
                reason = f"id {spec_id!r} repeats line {seen[spec_id]}"
                pending.append((line_index, key, reason, spec_id))
                continue
            seen[spec_id] = line_index
            if spec is None:
                number = line_index // SHARD_SIZE
                if number not in shards:
                    shards[number] = folder.shard(line_index)
                if known_facts is not None and (
                    key in rejected.keys or completed.present(key, shards[number], spec_id)
                ):
                    finished += 1
                    continue
                spec = parse_line(raw)  # to render it, or for its facts
                if isinstance(spec, str):  # valid when recorded, refused by this version
                    del seen[spec_id]
                    pending.append((line_index, f"line:{line_index}", spec, None))
                    continue
            else:
                unseen.append((line_index, spec_id, value))
            tally.add(spec)
            task = Task.of(key, spec, folder.image(line_index, spec_id), raw)
            pending.append((line_index, key, task, spec_id))
    digests.check_and_record(specs_file, unseen)  # before anything is written
    tasks = []
    for line_index, key, task, spec_id in pending:
        if isinstance(task, Task):
            if key in rejected.keys or completed.finished(task):
                finished += 1
            else:
                tasks.append(task)
        elif key not in rejected.keys:
            extra = {} if spec_id is None else {"id": spec_id}
            rejected.add(key, task, RejectionStage.spec, line=line_index, **extra)
    return SceneScan(tasks, finished, len(seen), tally.facts(len(digests.by_id)))


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


def valid_specs(specs_file: Path, limit: int | None) -> Iterator[SceneSpec]:
    """The valid specs of a specs file from its top, each id once, parsed as they are read."""
    seen: set[str] = set()
    with open(specs_file, "rb") as f:
        for line in itertools.islice(f, limit):
            raw = line.strip()
            spec = parse_line(raw) if raw else None
            if isinstance(spec, SceneSpec) and spec.id not in seen:
                seen.add(spec.id)
                yield spec


def gallery_tasks(
    presets: Collection[str],
    specs: Iterable[SceneSpec],
    folder: DatasetFolder,
    rejected: RejectedLog,
    completed: CompletionLog,
) -> list[Task]:
    """One task per category of every vocabulary preset of `presets` that is not done yet,
    each in the camera, light and render settings of that preset's first spec in `specs` (a
    suite that mixes SimCO and ComCO gets both galleries, so IOR can score every image). A
    category in two presets goes with the one whose first spec comes first. `specs` is read
    only while a preset with a category left to do lacks its first spec: when the galleries
    are done, nothing is parsed for them."""
    vocabulary = load_vocabulary().presets
    left = {
        category
        for preset in presets
        for category in vocabulary[preset]
        if f"gallery:{category}" not in rejected.keys
        and not completed.present(f"gallery:{category}", folder.gallery, category)
    }
    wanted = {preset for preset in presets if left.intersection(vocabulary[preset])}
    first_of_preset: dict[str, SceneSpec] = {}
    for spec in specs if wanted else ():
        if spec.vocab in wanted:
            first_of_preset.setdefault(spec.vocab, spec)
            if len(first_of_preset) == len(wanted):
                break
    tasks, seen = [], set()
    for preset, base in first_of_preset.items():
        for category in vocabulary[preset]:
            if category in seen or category not in left:
                continue
            seen.add(category)
            task = Task.of(
                f"gallery:{category}", gallery_spec(base, category), folder.gallery_image(category)
            )
            if not completed.finished(task):
                tasks.append(task)
    return tasks
