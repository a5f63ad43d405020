"""`completed.jsonl`: what a resumed run may skip without rendering it again.

The runner renames a scene's PNG into place, then its JSON, then appends the scene's
completion record (key and both file sizes) here, last. A resumed run reads the file once
and skips a scene when its record is there and both files are still in their folder: each
image shard folder is listed once (`os.listdir`), not `stat`ed per scene, so a resume of 10^6
scenes on a network file system costs a thousand listings instead of two million round
trips. Sizes are not compared on resume (a round trip per file again): a file that is there
but damaged (cut, overwritten) is named by the readers (`DatasetFolder.iter_images`, so
`comco export`), and rendered again once deleted. Files without a record (a run killed
between the JSON's rename and the record, or a folder from a runner that kept no record) are
checked whole, `pair_problem`, and recorded when sound. A scene whose files fail either
check is rendered again: its JSON is deleted first, so no reader takes the damaged pair for
a finished image meanwhile.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from comco.annotate.annotation import ImageAnnotation
from comco.core.spec import SceneSpec
from comco.dataset.folder import png_problem
from comco.runner.append_log import AppendLog, iter_records


class SceneFiles(Protocol):
    """A scene's key, spec and final files (a `comco.runner.tasks.Task`)."""

    @property
    def key(self) -> str: ...

    @property
    def spec(self) -> SceneSpec: ...

    @property
    def png(self) -> Path: ...

    @property
    def annotation(self) -> Path: ...


def pair_problem(task: SceneFiles) -> str | None:
    """Why the task's PNG + JSON are not a finished image (None: they are): a PNG that is
    missing, empty or not a PNG, or a JSON that is not an annotation of this spec."""
    problem = png_problem(task.png)
    if problem:
        return problem
    try:
        text = task.annotation.read_text()
    except FileNotFoundError:
        return f"{task.annotation} is missing"
    try:
        annotation = ImageAnnotation.model_validate_json(text)
    except ValidationError as error:
        return f"{task.annotation} is not an annotation ({error.error_count()} errors)"
    if annotation.id != task.spec.id or annotation.image != task.png.name:
        return f"{task.annotation} belongs to {annotation.id!r}, not {task.spec.id!r}"
    return None


def _sizes(task: SceneFiles) -> tuple[int, int] | None:
    """The PNG's and the JSON's sizes, or None when either is missing."""
    try:
        return task.png.stat().st_size, task.annotation.stat().st_size
    except FileNotFoundError:
        return None


class CompletionLog:
    """The completion records of one folder, read once, appended as scenes finish."""

    def __init__(self, path: Path):
        self._log = AppendLog(path)
        self.sizes: dict[str, tuple[int, int]] = {
            r["key"]: (int(r["png"]), int(r["json"]))
            for r in iter_records(path, "completion record")
        }
        self._listing: tuple[Path, frozenset[str]] | None = None  # the last folder listed

    def _names(self, folder: Path) -> frozenset[str]:
        """The names in `folder` when it was listed: again only when another folder was asked
        for last (a resume looks scenes up shard by shard, so it lists each shard once). Meant
        for the start of a run: files written after the listing are not seen."""
        if self._listing is None or self._listing[0] != folder:
            try:
                names = frozenset(os.listdir(folder))
            except FileNotFoundError:
                names = frozenset()
            self._listing = (folder, names)
        return self._listing[1]

    def present(self, key: str, folder: Path, stem: str) -> bool:
        """True when `key` has a record and its files, `stem`.png and `stem`.json, are both
        in `folder` (names, not paths: a scan of 10^6 scenes makes no path per scene)."""
        if key not in self.sizes:
            return False
        names = self._names(folder)
        return f"{stem}.png" in names and f"{stem}.json" in names

    def add(self, task: SceneFiles, sizes: tuple[int, int] | None = None) -> None:
        """Record a scene whose PNG and JSON are in place (call it after the JSON's rename);
        `sizes` as their writer measured them, or measured here when not given."""
        self.extend([(task.key, sizes or _sizes(task))])

    def extend(self, scenes: list[tuple[str, tuple[int, int] | None]]) -> None:
        """Record finished scenes, (key, PNG and JSON sizes) each, in one append. One without
        sizes (its files not visible where they were measured) gets no record: the next
        resume checks its pair whole. `sizes` keeps only the records read at start: a
        finished scene is not looked up again in this run, and 10^6 of them would hold
        ~0.2 GB here for nothing."""
        self._log.extend(
            [{"key": key, "png": s[0], "json": s[1]} for key, s in scenes if s is not None]
        )

    def finished(self, task: SceneFiles) -> bool:
        """True when `task` may be skipped (see the module docstring); a scene whose files
        are damaged or missing loses its JSON here, and is to be rendered again."""
        if self.present(task.key, task.png.parent, task.png.stem):
            return True
        if task.annotation.name not in self._names(task.png.parent):
            return False
        if task.key not in self.sizes and pair_problem(task) is None:
            self.add(task)
            return True
        task.annotation.unlink(missing_ok=True)
        return False
