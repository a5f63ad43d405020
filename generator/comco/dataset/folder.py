"""A rendered dataset folder (docs/CONTRACTS.md): where everything lives, and reading it back.

The runner writes through `DatasetFolder`'s paths; export, eval and `comco sheet` read through
`iter_images` / `iter_gallery` / `read_info`. An image counts once its JSON exists: the runner
renames the PNG into place first and the JSON after it.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from comco.annotate.annotation import ImageAnnotation
from comco.core.errors import describe_validation_error
from comco.dataset.info import DatasetInfo
from comco.io.atomic import temp_path, write_atomic
from comco.io.lock import LockHeld, exclusive_lock

SHARD_SIZE = 1000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class DatasetError(ValueError):
    """The folder is not a rendered dataset as docs/CONTRACTS.md describes it."""


class FolderBusy(RuntimeError):
    """Another run holds the dataset folder's lock."""


def shard_name(line_index: int) -> str:
    """The shard folder of a spec: its line index in the specs file, by thousands."""
    return f"{line_index // SHARD_SIZE:05d}"


@dataclass(frozen=True)
class RenderedImage:
    """One finished image: its PNG and its annotation, parsed and as written."""

    png: Path
    annotation: ImageAnnotation
    annotation_text: str


@dataclass(frozen=True)
class GalleryImage:
    """One single-object reference image; its JSON is kept as written."""

    category: str
    png: Path
    annotation_text: str


@dataclass(frozen=True)
class DatasetFolder:
    """Paths inside one rendered dataset folder, and the readers of what they hold."""

    root: Path

    @property
    def images(self) -> Path:
        return self.root / "images"

    @property
    def gallery(self) -> Path:
        return self.root / "gallery"

    @property
    def rejected(self) -> Path:
        return self.root / "rejected.jsonl"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    @property
    def info_file(self) -> Path:
        return self.root / "dataset.json"

    @property
    def scratch(self) -> Path:
        return self.root / ".scratch"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    @property
    def completed(self) -> Path:
        return self.root / "completed.jsonl"

    @property
    def spec_digests(self) -> Path:
        return self.root / "spec_digests.jsonl"

    def run_entries(self) -> set[str]:
        """The names a render run makes in the folder's root."""
        paths = (
            self.images, self.gallery, self.rejected, self.summary, self.info_file,
            self.scratch, self.logs, self.lock, self.completed, self.spec_digests,
        )  # fmt: skip
        return {p.name for p in paths}

    def shard(self, line_index: int) -> Path:
        """The folder of a spec line's image and annotation."""
        return self.images / shard_name(line_index)

    def image(self, line_index: int, spec_id: str) -> Path:
        return self.shard(line_index) / f"{spec_id}.png"

    def gallery_image(self, category: str) -> Path:
        return self.gallery / f"{category}.png"

    # --- reading ---------------------------------------------------------------------------

    def read_info(self) -> DatasetInfo | None:
        """The parsed `dataset.json`, or None when no run has started here."""
        path = self.info_file
        if not path.is_file():
            return None
        try:
            return DatasetInfo.model_validate_json(path.read_text())
        except ValidationError as error:
            problem = describe_validation_error(error)
            raise DatasetError(f"{path}: not a valid dataset.json: {problem}") from None

    def require_info(self) -> DatasetInfo:
        """`read_info`, failing when the folder has none."""
        info = self.read_info()
        if info is None:
            raise DatasetError(
                f"dataset: no dataset.json in {self.root}; expected a rendered dataset folder"
            )
        return info

    @property
    def finished(self) -> bool:
        """A run writes summary.json when it finishes and deletes it when one starts."""
        return self.summary.is_file()

    def unfinished_images(self) -> list[Path]:
        """PNGs without their JSON: images the runner had not finished."""
        return [p for p in self._shard_files("*.png") if not p.with_suffix(".json").is_file()]

    def _shard_files(self, pattern: str) -> Iterator[Path]:
        """Files of every images/<shard> folder in path order, listing one shard at a time so
        memory does not grow with the number of images (one glob of all holds every path)."""
        shards = (p for p in self.images.iterdir() if p.is_dir()) if self.images.is_dir() else ()
        for shard in sorted(shards, key=lambda p: p.name + "/"):  # the order of whole paths
            yield from sorted(shard.glob(pattern))

    def iter_images(self) -> Iterator[RenderedImage]:
        """Every finished image, in (shard, id) order; a JSON without its PNG is an error."""
        if not self.images.is_dir():
            raise DatasetError(
                f"dataset: {self.root} has no images/ folder; expected a rendered dataset "
                "(images/<shard>/<id>.png + <id>.json, see docs/CONTRACTS.md)"
            )
        for json_path in self._shard_files("*.json"):
            text = json_path.read_text()
            annotation = parse_annotation(text, json_path)
            png = json_path.parent / annotation.image
            if not png.is_file():
                raise DatasetError(f"{json_path}: image {annotation.image!r} does not exist")
            problem = png_problem(png)
            if problem:
                raise DatasetError(f"{problem}; render it again (delete {json_path} and resume)")
            if annotation.id != json_path.stem:
                raise DatasetError(
                    f"{json_path}: id {annotation.id!r} does not match the file name "
                    f"{json_path.stem!r}"
                )
            yield RenderedImage(png=png, annotation=annotation, annotation_text=text)

    def iter_gallery(self) -> Iterator[GalleryImage]:
        """Every gallery image with its JSON, in category order; either file alone is an error."""
        folder = self.gallery
        stems = sorted(
            {p.stem for p in folder.glob("*.png")} | {p.stem for p in folder.glob("*.json")}
        )
        for stem in stems:
            png, meta = folder / f"{stem}.png", folder / f"{stem}.json"
            if not (png.is_file() and meta.is_file()):
                missing = meta if png.is_file() else png
                raise DatasetError(
                    f"gallery: {missing} is missing; expected a .png and a .json per category"
                )
            problem = png_problem(png)
            if problem:
                raise DatasetError(f"gallery: {problem}; delete {meta} and resume to render it")
            text = meta.read_text()
            try:
                json.loads(text)
            except json.JSONDecodeError as error:
                raise DatasetError(f"{meta}: not valid JSON ({error})") from error
            yield GalleryImage(category=stem, png=png, annotation_text=text)

    # --- writing ---------------------------------------------------------------------------

    def write_info(self, info: DatasetInfo) -> None:
        write_atomic(self.info_file, info.model_dump_json(indent=2))

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the folder for one run. Two runs in one folder would delete each other's
        temporary files and render the same specs twice (`comco.io.lock`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            with exclusive_lock(self.lock):
                yield
        except LockHeld as held:
            raise FolderBusy(
                f"out: {self.root} is in use by another render run (pid {held.holder}); "
                "wait for it or render into another folder"
            ) from None

    def require_renderable(self) -> None:
        """Refuse a folder that holds anything but a dataset: a run deletes temporary files
        and scratch space in it, which must never be the user's own."""
        if not self.root.is_dir() or self.info_file.is_file():
            return
        foreign = sorted(p.name for p in self.root.iterdir() if p.name not in self.run_entries())
        if foreign:
            shown = ", ".join(foreign[:3]) + (
                f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
            )
            raise DatasetError(
                f"out: {self.root} is not empty and not a dataset folder (no dataset.json; "
                f"holds {shown}); render into a new or empty folder"
            )

    def clean_strays(self) -> int:
        """Delete the temporary files and scratch space a killed run left, and nothing else
        (only temporaries of the names a run writes); return how many files."""
        names = [temp_path(Path(f"*.{suffix}"), "*").name for suffix in ("png", "json")]
        temporary = re.compile("|".join(fnmatch.translate(name) for name in names))
        shards = []
        if self.images.is_dir():
            with os.scandir(self.images) as entries:
                shards = [Path(entry.path) for entry in entries if entry.is_dir()]
        strays = [
            folder / name
            for folder in [*shards, self.gallery]  # each listed once, no `stat` per file
            for name in _names(folder)
            if name.startswith(".") and temporary.match(name)
        ]
        for final in (self.info_file, self.summary):
            strays += list(self.root.glob(temp_path(final, "*").name))
        for path in strays:
            path.unlink(missing_ok=True)
        shutil.rmtree(self.scratch, ignore_errors=True)
        return len(strays)


def _names(folder: Path) -> list[str]:
    """The names in `folder`; none when it does not exist."""
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []


def png_problem(path: Path) -> str | None:
    """Why `path` is not a PNG file (None: it starts like one), without decoding it."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(PNG_SIGNATURE))
    except FileNotFoundError:
        return f"{path} is missing"
    if head != PNG_SIGNATURE:
        return f"{path}: not a PNG image ({len(head)} bytes read, no PNG signature)"
    return None


def parse_annotation(text: str, where: Path | str) -> ImageAnnotation:
    """One annotation; a malformed one fails naming where it came from and the field."""
    try:
        return ImageAnnotation.model_validate_json(text)
    except ValidationError as error:
        problem = describe_validation_error(error)
        raise DatasetError(f"{where}: not a valid ImageAnnotation: {problem}") from None
