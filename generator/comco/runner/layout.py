"""Where a render run writes what (docs/CONTRACTS.md), and how files become visible.

Every file is written under a temporary name containing `.tmp-` and renamed with
`os.replace`, so a killed run leaves only files that are either complete or obviously
temporary; the next run deletes the temporary ones. No fsync: the guarantee is against a
killed process, not a lost machine.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SHARD_SIZE = 1000
TEMP_MARK = ".tmp-"


class FolderBusy(RuntimeError):
    """Another run holds the dataset folder's lock."""


def shard_name(line_index: int) -> str:
    """The shard folder of a spec: its line index in the specs file, by thousands."""
    return f"{line_index // SHARD_SIZE:05d}"


def temp_path(final: Path, tag: str) -> Path:
    """A temporary sibling of `final` that no reader mistakes for it."""
    return final.with_name(f"{final.name}{TEMP_MARK}{tag}")


def write_atomic(final: Path, data: bytes, tag: str) -> None:
    """Write `data` to a temporary name, then rename it to `final`."""
    temp = temp_path(final, tag)
    temp.write_bytes(data)
    os.replace(temp, final)


@dataclass(frozen=True)
class Layout:
    """Paths inside one rendered dataset folder."""

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
    def dataset(self) -> Path:
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

    def image(self, line_index: int, spec_id: str) -> Path:
        return self.images / shard_name(line_index) / f"{spec_id}.png"

    def gallery_image(self, category: str) -> Path:
        return self.gallery / f"{category}.png"

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the folder for one run. Two runs in one folder would delete each other's
        temporary files and render the same specs twice. The kernel drops the lock when its
        holder dies, even by SIGKILL, so a killed run never blocks the next."""
        fd = os.open(self.lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
                raise FolderBusy(
                    f"out: {self.root} is in use by another render run (pid {holder}); "
                    "wait for it or render into another folder"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(fd)

    def clean_strays(self) -> int:
        """Delete temporary files and scratch space a killed run left; return how many files."""
        strays = [
            p
            for folder in (self.images, self.gallery)
            if folder.is_dir()
            for p in folder.rglob(f"*{TEMP_MARK}*")
        ]
        strays += list(self.root.glob(f"*{TEMP_MARK}*"))  # dataset.json and summary.json
        for path in strays:
            path.unlink(missing_ok=True)
        shutil.rmtree(self.scratch, ignore_errors=True)
        return len(strays)
