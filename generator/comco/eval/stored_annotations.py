"""Annotations kept out of memory while an evaluation runs.

A parsed annotation costs tens of KB (pydantic objects for every caption order, object and
mask), so a million of them do not fit beside the embeddings. Each annotation's JSON, as the
dataset wrote it, is compressed into one anonymous temporary file (in `TMPDIR`; gone when the
process ends) and parsed again when a task asks for it; only the last one asked for is kept,
so a task reading several fields of one record parses it once.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from array import array

from comco.annotate.annotation import ImageAnnotation

LEVEL = 1  # the fastest zlib level; annotation JSON still shrinks about 4x


class AnnotationStore:
    """Append-only: `add` returns a slot, `read(slot)` the annotation parsed again."""

    def __init__(self) -> None:
        # open as long as the store: records read from it until the evaluation ends
        self._file = tempfile.TemporaryFile(prefix="comco-annotations-")  # noqa: SIM115
        self._ends = array("q")  # end offset of each slot; a slot starts where the last ended
        self._last: tuple[int, ImageAnnotation] | None = None

    def __len__(self) -> int:
        return len(self._ends)

    @property
    def stored_bytes(self) -> int:
        return self._ends[-1] if self._ends else 0

    def add(self, annotation_text: str) -> int:
        """Keep one annotation's JSON; its slot number."""
        data = zlib.compress(annotation_text.encode("utf-8"), LEVEL)
        self._file.write(data)
        self._ends.append(self.stored_bytes + len(data))
        return len(self._ends) - 1

    def read(self, slot: int) -> ImageAnnotation:
        """The annotation of a slot, parsed from the JSON it was added with."""
        if self._last is not None and self._last[0] == slot:
            return self._last[1]
        self._file.flush()
        start = self._ends[slot - 1] if slot else 0
        data = os.pread(self._file.fileno(), self._ends[slot] - start, start)
        annotation = ImageAnnotation.model_validate_json(zlib.decompress(data))
        self._last = (slot, annotation)
        return annotation
