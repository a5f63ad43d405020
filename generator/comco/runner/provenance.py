"""Keeping `dataset.json` (`comco.dataset.info.DatasetInfo`) up to date during a run.

A resumed run keeps `started` and the devices of earlier runs, and refuses a different asset
library or Blender version: the images of one folder must come from the same assets and
renderer.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from pathlib import Path

import comco
from comco.annotate.measure import QualityGates
from comco.dataset.folder import DatasetFolder
from comco.dataset.info import DatasetInfo, GatesInfo, SpecFacts, now_utc
from comco.io.hashing import sha256_file


class ProvenanceError(RuntimeError):
    """The folder was rendered with other assets or another Blender; mixing them is refused."""


def count_lines(path: Path) -> int:
    """Lines of a text file, a last line without a newline included."""
    lines, last = 0, b"\n"
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def check_library(previous: DatasetInfo | None, folder: Path, library: Path, sha256: str) -> None:
    """Refuse to add images of another asset library to a folder."""
    if previous is not None and previous.asset_library_sha256 != sha256:
        raise ProvenanceError(
            f"out: {folder} holds images rendered with asset library "
            f"{previous.asset_library_sha256}, but {library} is {sha256}; render into a new folder"
        )


def _width_height(resolution: str) -> tuple[int, int]:
    """The numbers of a `SpecFacts` resolution, "WxH"."""
    width, height = resolution.split("x")
    return int(width), int(height)


class DatasetRecord:
    """The dataset.json of one run, rewritten atomically whenever it learns something."""

    def __init__(
        self,
        folder: DatasetFolder,
        previous: DatasetInfo | None,
        *,
        library: Path,
        library_sha256: str,
        specs_file: Path,
        facts: SpecFacts,
        limit: int | None,
        caption_style: str,
        gates: QualityGates,
    ):
        self.folder = folder
        self._lock = threading.Lock()
        self.info = DatasetInfo(
            comco_version=comco.__version__,
            started=previous.started if previous else now_utc(),
            finished=None,
            library_path=str(library.resolve()),
            asset_library_sha256=library_sha256,
            blender_version=previous.blender_version if previous else None,
            devices=sorted(previous.devices) if previous else [],
            caption_style=caption_style,
            quality_gates=GatesInfo(
                **asdict(gates),
                min_visible_px_by_resolution={
                    r: gates.min_pixels(*_width_height(r)) for r in facts.resolutions
                },
            ),
            specs_file=str(specs_file.resolve()),
            specs_sha256=sha256_file(specs_file),
            specs_lines=count_lines(specs_file),
            limit=limit,
            spec_facts=facts,
        )
        self.folder.write_info(self.info)

    def note_worker(self, device: str, blender_version: str) -> None:
        """Record a worker's device and Blender version; refuse a second Blender version."""
        with self._lock:
            recorded = self.info.blender_version
            if recorded is not None and recorded != blender_version:
                raise ProvenanceError(
                    f"out: {self.folder.root} holds images rendered with Blender {recorded}, "
                    f"but the worker runs Blender {blender_version}; render into a new folder"
                )
            if recorded == blender_version and device in self.info.devices:
                return
            self.info.blender_version = blender_version
            self.info.devices = sorted({*self.info.devices, device})
            self.folder.write_info(self.info)

    def mark_finished(self) -> None:
        with self._lock:
            self.info.finished = now_utc()
            self.folder.write_info(self.info)
