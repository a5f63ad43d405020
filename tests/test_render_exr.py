"""The EXR index-pass reader on planted files (no Blender needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.support.worker_files import write_exr

from comco.annotate.exr import ExrFormatError, read_channel


def test_reads_the_named_channel_top_row_first(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    planted = {c: rng.integers(0, 6, size=(5, 7)).astype(np.float32) for c in "BGRV"}
    write_exr(tmp_path / "a.exr", planted)
    for name, values in planted.items():
        assert (read_channel(tmp_path / "a.exr", name) == values).all()


def test_refuses_compressed_files_and_missing_channels(tmp_path: Path) -> None:
    write_exr(tmp_path / "z.exr", {"V": np.zeros((2, 2))}, compression=3)
    with pytest.raises(ExrFormatError, match="compression 3"):
        read_channel(tmp_path / "z.exr", "V")
    write_exr(tmp_path / "v.exr", {"V": np.zeros((2, 2))})
    with pytest.raises(ExrFormatError, match=r"channels \['V'\], not 'R'"):
        read_channel(tmp_path / "v.exr", "R")
