"""One writer at a time for a path: an advisory lock (flock) on a small file that holds the
holder's pid. The kernel drops the lock when its holder dies, even by SIGKILL, so a killed
run never blocks the next.

A lock file may be removed by its holder on release (`remove=True`, for locks that live
beside the user's files). A process that opened the file just before it went away could then
lock a file no longer at the path, so a lock counts only once the path still names the
locked file.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockHeld(RuntimeError):
    """Another process holds the lock; `holder` is its pid as it wrote it."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path} is held by pid {holder}")
        self.path, self.holder = path, holder


@contextmanager
def exclusive_lock(path: Path, remove: bool = False) -> Iterator[None]:
    """Hold `path` (created if missing) for the block, or raise `LockHeld` at once; with
    `remove`, the file is deleted when the block ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire(path)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        if remove:
            path.unlink(missing_ok=True)
        os.close(fd)


def _acquire(path: Path) -> int:
    """A descriptor of `path` holding its lock, the path still naming that file."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise LockHeld(path, holder) from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # its holder removed it as we locked it: take the path's new file
