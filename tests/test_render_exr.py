"""The EXR index-pass reader on planted files (no Blender needed)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from comco.exr import ExrFormatError, read_channel


def _attribute(name: str, kind: str, value: bytes) -> bytes:
    return name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(value)) + value


def _write_exr(path: Path, channels: dict[str, np.ndarray], compression: int = 0) -> None:
    """A one-part scanline EXR with float32 channels, written by the layout the spec gives."""
    names = sorted(channels)
    height, width = channels[names[0]].shape
    chlist = b"".join(n.encode() + b"\0" + struct.pack("<iiii", 2, 0, 1, 1) for n in names)
    header = struct.pack("<ii", 20000630, 2)
    header += _attribute("channels", "chlist", chlist + b"\0")
    header += _attribute("compression", "compression", bytes([compression]))
    header += _attribute("dataWindow", "box2i", struct.pack("<iiii", 0, 0, width - 1, height - 1))
    header += _attribute("lineOrder", "lineOrder", b"\0") + b"\0"
    rows = [
        struct.pack("<ii", y, 4 * width * len(names))
        + b"".join(channels[n][y].astype("<f4").tobytes() for n in names)
        for y in range(height)
    ]
    first = len(header) + 8 * height
    offsets = np.cumsum([first] + [len(r) for r in rows[:-1]]).astype("<u8")
    path.write_bytes(header + offsets.tobytes() + b"".join(rows))


def test_reads_the_named_channel_top_row_first(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    planted = {c: rng.integers(0, 6, size=(5, 7)).astype(np.float32) for c in "BGRV"}
    _write_exr(tmp_path / "a.exr", planted)
    for name, values in planted.items():
        assert (read_channel(tmp_path / "a.exr", name) == values).all()


def test_refuses_compressed_files_and_missing_channels(tmp_path: Path) -> None:
    _write_exr(tmp_path / "z.exr", {"V": np.zeros((2, 2))}, compression=3)
    with pytest.raises(ExrFormatError, match="compression 3"):
        read_channel(tmp_path / "z.exr", "V")
    _write_exr(tmp_path / "v.exr", {"V": np.zeros((2, 2))})
    with pytest.raises(ExrFormatError, match=r"channels \['V'\], not 'R'"):
        read_channel(tmp_path / "v.exr", "R")
