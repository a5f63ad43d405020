"""Embedding throughput of `comco eval` encoders: captions/s and images/s, cold and cached.

No real CLIP weights exist offline, so CLIP is a random transformers CLIPModel of ViT-B/32's
shape (speed does not depend on the weights); SBERT is the real all-MiniLM-L6-v2. Images are
512x512 PNGs (the renderer's default size), decoded and preprocessed as in a real run.

    nice .venv/bin/python benchmarks/embed_throughput.py [--captions 256] [--images 64]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from comco.captions.plain import caption_style, single_object_captions
from comco.eval.cache import CachedEncoder
from comco.eval.encoders import load_encoder, resolve_device
from comco.eval.tiny import build_clip

SHAPES = {
    "tiny": {},
    "b32": {"width": 768, "layers": 12, "heads": 12, "image_size": 224, "patch_size": 32,
            "projection_dim": 512},
}  # fmt: skip


def captions(n: int, seed: int = 0) -> list[str]:
    """Four-object captions over the comco72 vocabulary, like the dataset's."""
    names = list(single_object_captions("comco72", caption_style("articles")).values())
    rng = np.random.default_rng(seed)
    return [" and ".join(rng.choice(names, 4, replace=False)) for _ in range(n)]


def pictures(folder: Path, n: int, seed: int = 0) -> list[Path]:
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        path = folder / f"{i:05d}.png"
        Image.fromarray(rng.integers(0, 255, (512, 512, 3), np.uint8)).save(path)
        paths.append(path)
    return paths


def rate(function: Callable[[list], np.ndarray], items: list) -> float:
    function(items[:2])  # warm-up: lazy initialisation, first-call kernels
    start = time.perf_counter()
    function(items)
    return len(items) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--captions", type=int, default=256)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--arch", choices=sorted(SHAPES), default="b32")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = resolve_device(args.device)
    texts = captions(args.captions)
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        (root / "images").mkdir()
        paths = pictures(root / "images", args.images)
        clip_dir = build_clip(root / f"clip-{args.arch}", **SHAPES[args.arch])
        rows = []
        for spec in (f"hf:{clip_dir}", "sbert:all-MiniLM-L6-v2"):
            encoder = load_encoder(spec, device, args.batch_size)
            name = f"hf:random CLIP {args.arch}" if spec.startswith("hf:") else spec
            rows.append((name, "captions/s", rate(encoder.encode_text, texts)))
            if "image" in encoder.modalities:
                rows.append((name, "images/s", rate(encoder.encode_images, paths)))
                cached = CachedEncoder(encoder, root / "cache")
                cached.encode_images(paths)
                rows.append((name, "images/s, cached", rate(cached.encode_images, paths)))
            cached = CachedEncoder(encoder, root / "cache")
            cached.encode_text(texts)
            rows.append((name, "captions/s, cached", rate(cached.encode_text, texts)))
    print(f"device {device}, batch {args.batch_size}, {len(texts)} captions, {len(paths)} images")
    for name, unit, value in rows:
        print(f"{name:32s} {value:10.1f} {unit}")


if __name__ == "__main__":
    main()
