"""`dataset.json`: how a rendered dataset folder was made, for the exporter and the card.

Written when a run starts (`finished` null), again when a worker first reports its device
and Blender version, and once more when the run completes (`finished` set). A resumed run
keeps `started` and the devices of earlier runs, and refuses a different asset library or
Blender version: the images of one folder must come from the same assets and renderer.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import comco
from comco.annotate import QualityGates
from comco.hashing import sha256_file
from comco.runner.layout import write_atomic
from comco.spec import SceneSpec


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


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def spec_facts(specs: list[SceneSpec]) -> dict[str, Any]:
    """The distinct sampler choices the specs show: small sets, whatever the spec count."""
    renders = {s.render.model_dump_json(): s.render.model_dump(mode="json") for s in specs}
    return {
        "count": len(specs),
        "vocabs": sorted({s.vocab for s in specs}),
        "object_counts": sorted({len(s.objects) for s in specs}),
        "large_counts": sorted({sum(o.size_role == "large" for o in s.objects) for s in specs}),
        "seed_min": min((s.seed for s in specs), default=None),
        "seed_max": max((s.seed for s in specs), default=None),
        "resolutions": sorted({f"{s.camera.width}x{s.camera.height}" for s in specs}),
        "render_settings": [renders[key] for key in sorted(renders)],
    }


def read_previous(path: Path) -> dict[str, Any]:
    """An earlier run's dataset.json, or {} when there is none."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ProvenanceError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def check_library(previous: dict[str, Any], folder: Path, library: Path, sha256: str) -> None:
    """Refuse to add images of another asset library to a folder."""
    recorded = previous.get("asset_library_sha256")
    if recorded is not None and recorded != sha256:
        raise ProvenanceError(
            f"out: {folder} holds images rendered with asset library {recorded}, "
            f"but {library} is {sha256}; render into a new folder"
        )


class DatasetRecord:
    """The dataset.json of one run, rewritten atomically whenever it learns something."""

    def __init__(
        self,
        path: Path,
        previous: dict[str, Any],
        *,
        library: Path,
        library_sha256: str,
        specs_file: Path,
        specs: list[SceneSpec],
        limit: int | None,
        caption_style: str,
        gates: QualityGates,
    ):
        self.path = path
        self._lock = threading.Lock()
        self.data: dict[str, Any] = {
            "comco_version": comco.__version__,
            "started": previous.get("started") or now_utc(),
            "finished": None,
            "library_path": str(library.resolve()),
            "asset_library_sha256": library_sha256,
            "blender_version": previous.get("blender_version"),
            "devices": sorted(previous.get("devices", [])),
            "caption_style": caption_style,
            "quality_gates": {
                **asdict(gates),
                "min_visible_px_by_resolution": {
                    f"{w}x{h}": gates.min_pixels(w, h)
                    for w, h in sorted({(s.camera.width, s.camera.height) for s in specs})
                },
            },
            "specs_file": str(specs_file.resolve()),
            "specs_sha256": sha256_file(specs_file),
            "specs_lines": count_lines(specs_file),
            "limit": limit,
            "spec_facts": spec_facts(specs),
        }
        self._write()

    def note_worker(self, device: str, blender_version: str) -> None:
        """Record a worker's device and Blender version; refuse a second Blender version."""
        with self._lock:
            recorded = self.data["blender_version"]
            if recorded is not None and recorded != blender_version:
                raise ProvenanceError(
                    f"out: {self.path.parent} holds images rendered with Blender {recorded}, "
                    f"but the worker runs Blender {blender_version}; render into a new folder"
                )
            if recorded == blender_version and device in self.data["devices"]:
                return
            self.data["blender_version"] = blender_version
            self.data["devices"] = sorted({*self.data["devices"], device})
            self._write()

    def finish(self) -> None:
        with self._lock:
            self.data["finished"] = now_utc()
            self._write()

    def _write(self) -> None:
        write_atomic(self.path, json.dumps(self.data, indent=2).encode(), "run")
