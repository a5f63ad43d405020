"""`spec_digests.jsonl`: the bytes each spec id of a folder was first rendered from.

A resume must render the same specs as the run that started the folder, or the folder
mixes two datasets (old images beside new ones, under one dataset.json). Each spec line's
stripped bytes are hashed under its id the first time a run sees the id; a later run
refuses the whole specs file, before it writes anything, when a known id comes with other
bytes. New ids may be added.

The records also let a resume skip parsing: a line whose digest is recorded has that
record's id, and its bytes were a valid spec when recorded, so a finished line needs no
validation to be recognised (`comco.runner.tasks.scene_tasks`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from comco.runner.append_log import AppendLog, iter_records


class SpecsChanged(ValueError):
    """A spec id the folder knows comes with other bytes."""


def digest(raw: bytes) -> str:
    """The digest of a spec line's stripped bytes."""
    return hashlib.sha256(raw).hexdigest()


class SpecDigests:
    """The digest records of one folder, read once."""

    def __init__(self, path: Path):
        self.path = path
        self.by_id: dict[str, str] = {
            r["key"]: r["sha256"] for r in iter_records(path, "spec digest record")
        }
        self.ids: dict[str, str] = {value: key for key, value in self.by_id.items()}

    def check_and_record(self, specs_file: Path, lines: list[tuple[int, str, str]]) -> None:
        """Refuse `lines` ((line index, spec id, `digest`)) when a known id's bytes changed;
        otherwise record the ids seen for the first time."""
        new: dict[str, str] = {}
        for line_index, spec_id, value in lines:
            recorded = self.by_id.get(spec_id)
            if recorded is None:
                new.setdefault(spec_id, value)
            elif recorded != value:
                raise SpecsChanged(
                    f"specs: {specs_file} line {line_index + 1}: spec {spec_id!r} differs from "
                    f"the one {self.path.parent} was rendered with (sha256 {value[:12]}, was "
                    f"{recorded[:12]}); give a changed spec a new id, or render into a new folder"
                )
        AppendLog(self.path).extend([{"key": key, "sha256": value} for key, value in new.items()])
        self.by_id.update(new)
        self.ids.update({value: key for key, value in new.items()})
