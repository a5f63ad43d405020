"""Reading the instance-index pass straight from the uncompressed EXR the compositor writes.

Why not `bpy.data.images.load`: Blender converts the file into an RGBA float image and
`pixels.foreach_get` copies four floats per pixel through Python (3-20 ms per image at
224-512 px). The compositor's file output is told to write one float channel without
compression, scanline by scanline, so the pixels are one strided numpy view of the file.
Anything else (compression, tiles, several parts) is refused with the reason rather than
misread. Layout: https://openexr.com/en/latest/OpenEXRFileLayout.html
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

_MAGIC = 20000630
_PIXEL_TYPES = {0: np.dtype("<u4"), 1: np.dtype("<f2"), 2: np.dtype("<f4")}


class ExrFormatError(ValueError):
    """The file is not the plain one-part scanline EXR this reader expects."""


def _header(data: bytes, path: Path) -> tuple[dict[str, tuple[str, bytes]], int]:
    """Attributes name -> (type, value bytes), and the offset just past the header."""
    magic, version = struct.unpack_from("<ii", data, 0)
    if magic != _MAGIC:
        raise ExrFormatError(f"exr: {path} is not an OpenEXR file (magic {magic})")
    if version & ~0xFF:
        raise ExrFormatError(f"exr: {path} is tiled, deep or multi-part (flags {version >> 8:#x})")
    attributes, at = {}, 8
    while data[at] != 0:
        name_end = data.index(b"\0", at)
        type_end = data.index(b"\0", name_end + 1)
        (size,) = struct.unpack_from("<i", data, type_end + 1)
        value_at = type_end + 5
        attributes[data[at:name_end].decode()] = (
            data[name_end + 1 : type_end].decode(),
            data[value_at : value_at + size],
        )
        at = value_at + size
    return attributes, at + 1


def _channels(chlist: bytes) -> list[tuple[str, np.dtype]]:
    """(name, dtype) of each channel, in file order (sorted by name, as the format requires)."""
    channels, at = [], 0
    while chlist[at] != 0:
        name_end = chlist.index(b"\0", at)
        (pixel_type,) = struct.unpack_from("<i", chlist, name_end + 1)
        channels.append((chlist[at:name_end].decode(), _PIXEL_TYPES[pixel_type]))
        at = name_end + 1 + 16  # pixel type, pLinear + reserved, xSampling, ySampling
    return channels


def read_channel(path: Path, channel: str) -> np.ndarray:
    """One channel of an uncompressed scanline EXR as a (height, width) array, top row first."""
    data = path.read_bytes()
    attributes, at = _header(data, path)
    compression = attributes["compression"][1][0]
    if compression != 0:
        raise ExrFormatError(f"exr: {path} uses compression {compression}, expected 0 (none)")
    x0, y0, x1, y1 = struct.unpack("<iiii", attributes["dataWindow"][1])
    width, height = x1 - x0 + 1, y1 - y0 + 1
    channels = _channels(attributes["channels"][1])
    names = [name for name, _ in channels]
    if channel not in names:
        raise ExrFormatError(f"exr: {path} has channels {names}, not {channel!r}")
    row_bytes = sum(dtype.itemsize for _, dtype in channels) * width
    offsets = np.frombuffer(data, dtype="<u8", count=height, offset=at)
    first = at + 8 * height
    block = 8 + row_bytes  # int32 y, int32 byte count, then the row of each channel in turn
    if not (offsets == first + block * np.arange(height, dtype=np.uint64)).all():
        raise ExrFormatError(f"exr: {path} does not store its scanlines in order, one per block")
    rows = np.frombuffer(data, dtype=np.uint8, count=block * height, offset=first)
    rows = rows.reshape(height, block)
    start = 8 + sum(dtype.itemsize for _, dtype in channels[: names.index(channel)]) * width
    dtype = dict(channels)[channel]
    return rows[:, start : start + dtype.itemsize * width].copy().view(dtype)


def read_index(path: Path) -> np.ndarray:
    """The instance-index pass a worker leaves (channel 'V', float ids) as (H, W) uint16."""
    return np.rint(read_channel(path, "V")).astype(np.uint16)
