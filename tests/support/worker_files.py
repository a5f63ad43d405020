"""Files a render worker leaves for the runner (`comco.render.protocol.Job`), written the
way the worker writes them: the index pass as an uncompressed one-part scanline EXR laid out
as the OpenEXR spec gives it, and the arrays as .npz."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from comco.core.spec import SceneSpec
from comco.render.protocol import Job


def _attribute(name: str, kind: str, value: bytes) -> bytes:
    return name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(value)) + value


def write_exr(path: Path, channels: dict[str, np.ndarray], compression: int = 0) -> None:
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


def write_worker_files(
    job: Job, index: np.ndarray, silhouettes: np.ndarray, boxes: np.ndarray
) -> None:
    """The index pass and arrays of `job`, as a worker writes them."""
    write_exr(Path(job.index), {"V": index.astype(np.float32)})
    np.savez(job.arrays, silhouettes=silhouettes, boxes=boxes)


def job_in(folder: Path, spec: SceneSpec, name: str, image_format: str = "PNG") -> Job:
    """A job whose files all go to `folder`, named after `name`."""
    return Job(
        spec=spec,
        image=str(folder / f"{name}.png"),
        index=str(folder / f"{name}.exr"),
        arrays=str(folder / f"{name}.npz"),
        image_format=image_format,
    )
