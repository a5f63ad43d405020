"""The runner's PNG encoding of a worker's SGI image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from comco.runner.png import encode_png, read_rgb


def test_png_keeps_the_pixels_and_the_same_pixels_give_the_same_bytes(tmp_path: Path) -> None:
    pixels = np.random.default_rng(3).integers(0, 256, size=(17, 23, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "worker.rgb", format="SGI")
    decoded = read_rgb(tmp_path / "worker.rgb")
    assert (decoded == pixels).all()
    for name in ("a", "b"):
        encode_png(decoded, tmp_path / f"{name}.png")
    assert (np.asarray(Image.open(tmp_path / "a.png")) == pixels).all()
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png", "worker.rgb"]
