"""Read Debian packages without dpkg: a .deb is an `ar` archive holding `control.tar.*` and
`data.tar.*`. Reading them in Python lets `comco assets build` run on machines without apt
(with `.deb` files fetched elsewhere), and lets us stream out only the members we need."""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

AR_MAGIC = b"!<arch>\n"


class DebError(ValueError):
    """The file is not a Debian package we can read."""


def _ar_member(stream: BinaryIO, path: Path, prefix: str) -> int:
    """Seek `stream` to the data of the first ar member whose name starts with `prefix`;
    return its size."""
    if stream.read(8) != AR_MAGIC:
        raise DebError(f"{path}: not a .deb (ar magic missing)")
    while header := stream.read(60):
        if len(header) < 60:
            break
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        if name.startswith(prefix):
            return size
        stream.seek(size + (size % 2), 1)
    raise DebError(f"{path}: no ar member starting with {prefix!r}")


def _open_tar(path: Path, prefix: str) -> tuple[BinaryIO, tarfile.TarFile]:
    stream = path.open("rb")
    _ar_member(stream, path, prefix)
    return stream, tarfile.open(fileobj=stream, mode="r|*")


def control_field(path: Path, field: str) -> str:
    """One field (e.g. `Version`) of the package's control file."""
    stream, tar = _open_tar(path, "control.tar")
    with stream, tar:
        for member in tar:
            if member.name.removeprefix("./") == "control":
                text = tar.extractfile(member).read().decode()
                break
        else:
            raise DebError(f"{path}: control.tar has no control file")
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key == field:
            return value.strip()
    raise DebError(f"{path}: control file has no field {field!r}")


def extract_members(deb: Path, members: Iterable[str], dest: Path) -> dict[str, Path]:
    """Stream the package's data archive once and copy out the named members (paths as in
    the package, without the leading './'). Fails naming any member that is absent."""
    wanted = {m.removeprefix("./") for m in members}
    found: dict[str, Path] = {}
    stream, tar = _open_tar(deb, "data.tar")
    with stream, tar:
        for info in tar:
            name = info.name.removeprefix("./")
            if name not in wanted or not info.isfile():
                continue
            out = dest / name
            out.parent.mkdir(parents=True, exist_ok=True)
            part = out.with_name(out.name + ".part")
            with tar.extractfile(info) as src, part.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            part.replace(out)
            found[name] = out
            if len(found) == len(wanted):
                break
    missing = sorted(wanted - set(found))
    if missing:
        raise DebError(f"{deb.name}: members not in package: {missing}")
    return found
