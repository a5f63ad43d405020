"""Files and folders that appear complete or not at all.

Everything the project writes goes through here: the data is written under a temporary name
that contains `TEMP_MARK` beside its final path and renamed with `os.replace`, so a killed
process leaves either the old file, the new one, or an obvious temporary that the next run
deletes. No fsync: the guarantee is against a killed process, not a lost machine.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Literal

TEMP_MARK = ".tmp-"


def temp_path(final: Path, tag: str | None = None) -> Path:
    """A hidden sibling of `final` that no reader mistakes for it; `tag` (default: this
    process id) keeps concurrent writers of one path apart."""
    return final.with_name(f".{final.name}{TEMP_MARK}{tag or os.getpid()}")


def write_atomic(final: Path, data: bytes | str, tag: str | None = None) -> None:
    """Write `data` (str as UTF-8) to a temporary name, then rename it to `final`."""
    with open_atomic(final, "wb", tag) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)


@contextmanager
def open_atomic(
    final: Path, mode: Literal["w", "wb"] = "w", tag: str | None = None
) -> Iterator[IO]:
    """A file handle whose content appears at `final` only if the block ends without error;
    on error the temporary is deleted and an existing `final` is left as it was."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = temp_path(final, tag)
    try:
        with open(temporary, mode) as handle:
            yield handle
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def build_folder(final: Path) -> Iterator[Path]:
    """A temporary folder to build `final` in, swapped into place when the block succeeds.

    An existing `final` stays readable until the new one is complete. On Linux the swap is one
    atomic exchange (renameat2), so some complete `final` exists at every instant. Elsewhere
    it is two renames (old aside, new in); a process killed between them leaves the old folder
    under its `.old` name, and the next `build_folder` or `recover_folder` puts it back.
    The temporary folder's name carries this process id, so two builders never share one;
    writers that may run at once hold a lock and call `remove_stale_builds` first.
    """
    recover_folder(final)
    building = final.with_name(f"{_build_prefix(final)}{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    try:
        yield building
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if final.exists() and _exchange(building, final):
        shutil.rmtree(building)  # now the old folder
        return
    old = _old_path(final)
    if final.exists():
        os.replace(final, old)
    os.replace(building, final)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(ctypes.get_errno(), f"exchanging {a} and {b}", str(a))


def recover_folder(final: Path) -> None:
    """Undo a swap that was killed half-way: the old folder comes back if no new one made it."""
    old = _old_path(final)
    if not old.exists():
        return
    if final.exists():
        shutil.rmtree(old)
    else:
        os.replace(old, final)


def remove_stale_builds(final: Path) -> None:
    """Delete every build folder of `final` that killed builders left; call it only while
    holding the lock that keeps other builders of `final` out."""
    for stale in final.parent.glob(f"{_build_prefix(final)}*"):
        shutil.rmtree(stale, ignore_errors=True)


def _build_prefix(final: Path) -> str:
    return f".{final.name}{TEMP_MARK}build-"


def _old_path(final: Path) -> Path:
    return final.with_name(f".{final.name}{TEMP_MARK}old")


def is_temporary(path: Path) -> bool:
    """True for the temporaries this module makes (left behind by a killed writer)."""
    return TEMP_MARK in path.name
