"""Rolling WebDataset tar files for one configuration, in the layout CLIP_benchmark reads.

`<folder>/<split>/{0..N-1}.tar` plus `<split>/nshards.txt`, and `dataset_type.txt`
("retrieval": each sample's `.txt` holds its captions, one a line; "classification": its
`.cls` a label). Members carry fixed metadata (mtime 0, root, 0644), so the same input gives
byte-identical tars and checksums.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

SPLIT = "test"  # the split of images whose scene has none (and of the gallery)


class TarShards:
    """Write samples (a key and its files by extension) to tars that roll past `max_bytes`."""

    def __init__(
        self, folder: Path, max_bytes: int, split: str = SPLIT, dataset_type: str = "retrieval"
    ) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.split = split
        self.dataset_type = dataset_type
        self.rows = 0
        self._tar: tarfile.TarFile | None = None
        self._paths: list[Path] = []

    def write(self, key: str, files: dict[str, bytes]) -> None:
        if "." in key or "/" in key:
            raise ValueError(
                f"id: {key!r} contains '.' or '/', which WebDataset reads as part of the file "
                "extension or folder; expected an id of letters, digits, '_' and '-'"
            )
        if self._tar is None:
            (self.folder / self.split).mkdir(parents=True, exist_ok=True)
            self._paths.append(self.folder / self.split / f"{len(self._paths)}.tar")
            # held open across calls on purpose: close() ends it
            self._tar = tarfile.open(self._paths[-1], "w", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        for extension, data in files.items():
            info = tarfile.TarInfo(f"{key}.{extension}")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            self._tar.addfile(info, io.BytesIO(data))
        self._tar.members.clear()  # TarFile indexes every member it writes: ~1 KB per image
        self.rows += 1
        if self._tar.fileobj is not None and self._tar.fileobj.tell() >= self.max_bytes:
            self._tar.close()
            self._tar = None

    def close(self) -> list[Path]:
        """Finish the last tar and write the CLIP_benchmark metadata; returns every file."""
        if self._tar is not None:
            self._tar.close()
            self._tar = None
        if not self._paths:
            return []
        nshards = self.folder / self.split / "nshards.txt"
        nshards.write_text(f"{len(self._paths)}\n")
        dataset_type = self.folder / "dataset_type.txt"
        dataset_type.write_text(f"{self.dataset_type}\n")
        return [*self._paths, nshards, dataset_type]
