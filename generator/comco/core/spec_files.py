"""Reading and atomically writing spec files (one JSON object per line)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from comco.core.errors import describe_validation_error
from comco.core.spec import SceneSpec
from comco.io.atomic import open_atomic


class SpecFileError(ValueError):
    """A spec file line that is not a valid scene spec."""


def read_specs(path: Path) -> Iterator[SceneSpec]:
    """Specs from a JSONL file; a bad line fails naming the file, line and field."""
    with path.open() as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield SceneSpec.model_validate_json(line)
            except ValidationError as error:
                problem = describe_validation_error(error)
                raise SpecFileError(f"{path}:{number}: invalid scene spec: {problem}") from None


def write_lines_atomically(path: Path, lines: Iterable[str], overwrite: bool) -> int:
    """Write lines to a temporary file beside `path`, then rename it into place.

    An existing file is kept unless `overwrite`; a failure midway leaves no partial file.
    """
    if path.exists() and not overwrite:
        raise FileExistsError(f"out: {path} exists; pass --overwrite to replace it")
    count = 0
    with open_atomic(path, "w") as handle:
        for line in lines:
            handle.write(line + "\n")
            count += 1
    return count
